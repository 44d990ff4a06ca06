"""Conditional networks: G(z, y) and D(x, y) for a class label y, as one-hot vectors joined to the inputs.

    ConditionalGenerator      G(z, y) = G'([z, onehot(y)])             (Mirza & Osindero 2014)
    LabelChannelsCritic       D(x, y) = D'([x, onehot(y) as n maps])    the label as n constant image
                              channels, map k all ones for class k, stacked on the input image
    DenseLabelDiscriminator   D(x, y) = head([features(x), onehot(y)])  the label joins at the dense layer

The builders return matching (G, D) pairs: `conditional_dcgan` and `conditional_wgangp_mnist`.
"""
from .. import nn
from ..arguments import require_sizes
from ..ops.shape import cat
from ..tensor import Tensor
from .dcgan import DCGANDiscriminator, DCGANGenerator
from .wgangp_mnist import WGANGPMNISTCritic, WGANGPMNISTGenerator


def one_hot(labels, n_classes, like):
    """(N,) integer labels → (N, n_classes) rows of the identity (F.one_hot), in `like`'s dtype and on its device."""
    if not isinstance(labels, Tensor) or labels.ndim != 1:
        raise ValueError(f"one_hot: expected a 1-D tensor of integer labels, got "
                         f"{getattr(labels, 'shape', type(labels).__name__)}")
    if labels.device != like.device:
        raise RuntimeError(f"one_hot: labels of shape {labels.shape} on {labels.device}, the model's tensors on "
                           f"{like.device}; move the labels with .to({like.device!r})")
    return nn.functional.one_hot(labels, n_classes).to(like.dtype)


class ConditionalGenerator(nn.Module):
    """G(z, y) = generator([z, onehot(y)]); `generator` takes latent_dim + n_classes inputs."""

    def __init__(self, generator, n_classes):
        super().__init__()
        require_sizes("ConditionalGenerator", n_classes=n_classes)
        self.generator, self.n_classes = generator, n_classes
        self.latent_dim = generator.latent_dim - n_classes
        if self.latent_dim < 1:
            raise ValueError(f"ConditionalGenerator: the generator takes {generator.latent_dim} inputs, which leaves "
                             f"no room for z beside {n_classes} label entries")

    def forward(self, z, labels):
        return self.generator(cat([z, one_hot(labels, self.n_classes, z)], dim=1))


class LabelChannelsCritic(nn.Module):
    """D(x, y) = critic([x, n one-hot label maps]); `critic` takes channels + n_classes input channels."""

    def __init__(self, critic, n_classes):
        super().__init__()
        require_sizes("LabelChannelsCritic", n_classes=n_classes)
        self.critic, self.n_classes = critic, n_classes

    def forward(self, x, labels):
        n, _, height, width = x.shape
        maps = one_hot(labels, self.n_classes, x).reshape(n, self.n_classes, 1, 1).expand(n, self.n_classes,
                                                                                           height, width)
        return self.critic(cat([x, maps], dim=1))


class DenseLabelDiscriminator(nn.Module):
    """D(x, y) = head([features(x), onehot(y)]): `features` maps images to `feature_dim` numbers."""

    def __init__(self, features, feature_dim, n_classes):
        super().__init__()
        require_sizes("DenseLabelDiscriminator", n_classes=n_classes)
        self.features, self.n_classes = features, n_classes
        self.head = nn.Linear(feature_dim + n_classes, 1)

    def forward(self, x, labels):
        features = self.features(x)
        return self.head(cat([features, one_hot(labels, self.n_classes, features)], dim=1))


def conditional_dcgan(image_size=32, channels=1, n_classes=10, latent_dim=100, dim=64, label_join="dense"):
    """(G, D) for a conditional DCGAN; label_join "dense" (at D's last layer) or "input" (as image channels)."""
    require_sizes("conditional_dcgan", n_classes=n_classes)
    generator = ConditionalGenerator(DCGANGenerator(image_size, channels, latent_dim + n_classes, dim), n_classes)
    if label_join == "dense":
        trunk = DCGANDiscriminator(image_size, channels, dim)
        discriminator = DenseLabelDiscriminator(trunk.features, trunk.feature_dim, n_classes)
        nn.init.dcgan_init_(discriminator.head)
    elif label_join == "input":
        discriminator = LabelChannelsCritic(DCGANDiscriminator(image_size, channels + n_classes, dim), n_classes)
    else:
        raise ValueError(f"conditional_dcgan: label_join must be 'dense' or 'input', got {label_join!r}")
    return generator, discriminator


def conditional_wgangp_mnist(dim=64, n_classes=10, latent_dim=128):
    """(G, D) for a conditional WGAN-GP on 28×28 images: the official networks, z joined by onehot(y),
    the critic's input by n_classes label channels."""
    require_sizes("conditional_wgangp_mnist", n_classes=n_classes)
    generator = ConditionalGenerator(WGANGPMNISTGenerator(dim, latent_dim + n_classes), n_classes)
    critic = LabelChannelsCritic(WGANGPMNISTCritic(dim, in_channels=1 + n_classes), n_classes)
    return generator, critic
