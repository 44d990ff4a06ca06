"""Conditional variants: G(z, y) and D(x, y), with y a class label.

Conditional GAN (Mirza & Osindero 2014): y is fed to both networks as an extra input, so the value
function becomes E[log D(x | y)] + E[log(1 − D(G(z | y) | y))]. The objective and the steps are
GAN's; only the networks change (nanogan.models.conditional: one-hot y concatenated to z; for D,
joined at a dense layer or stacked as one-hot feature maps on the input image).

Conditional WGAN-GP: WGAN-GP's steps with a critic D(x, y) that sees the labels as image channels;
the gradient penalty differentiates with respect to the image only, the labels held fixed.

Labels of the fakes: in a critic step the fakes take the labels of the real batch (so D compares the
two for the same classes); in a generator step they are drawn uniformly over the classes.
"""
from .gan import GAN
from .wgan_gp import WGANGP


class ConditionalGAN(GAN):
    """`ConditionalGAN(G, D, n_classes=10)`, batches (images, labels); GAN's presets and steps."""

    def __init__(self, generator, discriminator, preset=None, *, n_classes=10, **overrides):
        super().__init__(generator, discriminator, preset, n_classes=n_classes, **overrides)


class ConditionalWGANGP(WGANGP):
    """`ConditionalWGANGP(G, D, n_classes=10)`, batches (images, labels); WGAN-GP's presets and steps."""

    def __init__(self, generator, discriminator, preset=None, *, n_classes=10, **overrides):
        super().__init__(generator, discriminator, preset, n_classes=n_classes, **overrides)
