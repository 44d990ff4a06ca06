"""DCGAN networks (Radford et al. 2016): transposed convolutions with batch norm and ReLU up to a tanh
in G; strided convolutions with LeakyReLU(0.2) in D, batch norm on all but its first layer. Every
kernel is 4×4 with stride 2 and padding 1, which exactly doubles (G) or halves (D) the side.
Weights start from N(0, 0.02²) (nn.init.dcgan_init_).

DCGANGenerator / DCGANDiscriminator: for side = base·2ⁿ with base between 4 and 7 (28 = 7·2², 32 = 4·2³),
G projects z with a dense layer to (dim·2ⁿ⁻¹, base, base) and doubles n times while halving the
channels down to dim; D mirrors it and ends in a dense layer.

DCGAN64Generator / DCGAN64Discriminator: the 64×64 networks of PyTorch's DCGAN tutorial, layer for
layer (nz = 100, ngf = ndf = 64, no biases), with the same state-dict names ("main.0.weight", ...).
D returns the logit: the tutorial's final nn.Sigmoid and BCELoss are one stable
binary_cross_entropy_with_logits here (nanogan.gan.losses).
"""
from .. import nn
from ..arguments import require_sizes

KERNEL, STRIDE, PADDING = 4, 2, 1
LEAKY_SLOPE = 0.2


def require_sample_shape(model, what, x, sample_shape):
    """Refuse a batch `x` whose samples are not of `sample_shape`, naming the model and the shape it takes: its
    layers would fail on a size they derive from it, or for some sizes not fail at all."""
    if x.shape[1:] != sample_shape:
        raise ValueError(f"{type(model).__name__}: expected {what} of shape (N, {', '.join(map(str, sample_shape))}), "
                         f"got {x.shape}")


def _halvings(image_size):
    """(base, n) with image_size = base·2ⁿ and 4 ≤ base ≤ 7."""
    base, n = image_size, 0
    while base > 7 and base % 2 == 0:
        base, n = base // 2, n + 1
    if not 4 <= base <= 7 or n == 0:
        raise ValueError(f"DCGAN: image_size must be base·2ⁿ with 4 ≤ base ≤ 7 and n ≥ 1 (28, 32, 64, ...), "
                         f"got {image_size}")
    return base, n


def _up(in_channels, out_channels):
    """Double the side, then batch norm and ReLU."""
    return [nn.ConvTranspose2d(in_channels, out_channels, KERNEL, STRIDE, PADDING, bias=False),
            nn.BatchNorm2d(out_channels), nn.ReLU()]


def _down(in_channels, out_channels, batch_norm=True):
    """Halve the side, then (batch norm and) LeakyReLU(0.2)."""
    conv = nn.Conv2d(in_channels, out_channels, KERNEL, STRIDE, PADDING, bias=False)
    return [conv] + ([nn.BatchNorm2d(out_channels)] if batch_norm else []) + [nn.LeakyReLU(LEAKY_SLOPE)]


class DCGANGenerator(nn.Sequential):
    """z (N, latent_dim) → images (N, channels, image_size, image_size) in [−1, 1]."""

    def __init__(self, image_size=32, channels=1, latent_dim=100, dim=64):
        require_sizes("DCGANGenerator", image_size=image_size, channels=channels, latent_dim=latent_dim, dim=dim)
        base, n = _halvings(image_size)
        widths = [dim * 2 ** (n - 1 - i) for i in range(n)]  # dim·2ⁿ⁻¹, ..., 2·dim, dim
        layers = [nn.Linear(latent_dim, widths[0] * base * base, bias=False), nn.Unflatten(1, (widths[0], base, base)),
                  nn.BatchNorm2d(widths[0]), nn.ReLU()]
        for wide, narrow in zip(widths, widths[1:]):
            layers += _up(wide, narrow)
        layers += [nn.ConvTranspose2d(dim, channels, KERNEL, STRIDE, PADDING), nn.Tanh()]
        super().__init__(*layers)
        self.latent_dim = latent_dim
        nn.init.dcgan_init_(self)

    def forward(self, z):
        require_sample_shape(self, "z", z, (self.latent_dim,))
        return super().forward(z)


class DCGANDiscriminator(nn.Module):
    """images (N, channels, image_size, image_size) → logits (N, 1). `features` (convolutions and flatten,
    `feature_dim` outputs) and `head` (the dense layer) are separate so a label can join at the head
    (nanogan.models.conditional)."""

    def __init__(self, image_size=32, channels=1, dim=64):
        super().__init__()
        require_sizes("DCGANDiscriminator", image_size=image_size, channels=channels, dim=dim)
        base, n = _halvings(image_size)
        self.image_shape = (channels, image_size, image_size)
        layers = _down(channels, dim, batch_norm=False)
        for i in range(n - 1):
            layers += _down(dim * 2 ** i, dim * 2 ** (i + 1))
        self.features = nn.Sequential(*layers, nn.Flatten())
        self.feature_dim = dim * 2 ** (n - 1) * base * base
        self.head = nn.Linear(self.feature_dim, 1)
        nn.init.dcgan_init_(self)

    def forward(self, x):
        require_sample_shape(self, "images", x, self.image_shape)
        return self.head(self.features(x))


class DCGAN64Generator(nn.Module):
    """The PyTorch tutorial's G: z (N, nz) → images (N, nc, 64, 64) in [−1, 1]."""

    def __init__(self, nz=100, ngf=64, nc=3):
        super().__init__()
        require_sizes("DCGAN64Generator", nz=nz, ngf=ngf, nc=nc)
        self.latent_dim = nz
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 8, KERNEL, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(),  # 4×4
            *_up(ngf * 8, ngf * 4), *_up(ngf * 4, ngf * 2), *_up(ngf * 2, ngf),  # 8, 16, 32
            nn.ConvTranspose2d(ngf, nc, KERNEL, STRIDE, PADDING, bias=False), nn.Tanh(),  # 64×64
        )
        nn.init.dcgan_init_(self)

    def forward(self, z):
        return self.main(z.reshape(z.shape[0], self.latent_dim, 1, 1))


class DCGAN64Discriminator(nn.Module):
    """The PyTorch tutorial's D, without its final sigmoid: images (N, nc, 64, 64) → logits (N, 1)."""

    def __init__(self, ndf=64, nc=3):
        super().__init__()
        require_sizes("DCGAN64Discriminator", ndf=ndf, nc=nc)
        self.image_shape = (nc, 64, 64)
        self.main = nn.Sequential(
            *_down(nc, ndf, batch_norm=False),  # 32×32
            *_down(ndf, ndf * 2), *_down(ndf * 2, ndf * 4), *_down(ndf * 4, ndf * 8),  # 16, 8, 4
            nn.Conv2d(ndf * 8, 1, KERNEL, 1, 0, bias=False),  # 1×1
        )
        nn.init.dcgan_init_(self)

    def forward(self, x):
        require_sample_shape(self, "images", x, self.image_shape)
        return self.main(x).reshape(x.shape[0], 1)
