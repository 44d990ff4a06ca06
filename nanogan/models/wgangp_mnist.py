"""The MNIST networks of the official WGAN-GP code (gan_mnist.py, mode wgan-gp), width DIM (64 there).

Generator, z ∈ R¹²⁸:
    Linear 128 → 4·4·4·DIM, ReLU, reshape to (4·DIM, 4, 4)
    ConvTranspose 4·DIM → 2·DIM, 5×5, stride 2            4×4 → 8×8, ReLU
    crop to the top-left 7×7                               8×8 → 7×7
    ConvTranspose 2·DIM → DIM, 5×5, stride 2               7×7 → 14×14, ReLU
    ConvTranspose DIM → 1, 5×5, stride 2                   14×14 → 28×28, sigmoid (pixels in [0, 1])
Critic, no normalisation (the gradient penalty is per sample):
    Conv 1 → DIM, 5×5, stride 2        28×28 → 14×14, LeakyReLU(0.2)
    Conv DIM → 2·DIM, 5×5, stride 2    14×14 → 7×7,   LeakyReLU(0.2)
    Conv 2·DIM → 4·DIM, 5×5, stride 2  7×7 → 4×4,     LeakyReLU(0.2)
    flatten, Linear 4·4·4·DIM → 1

The TensorFlow code pads 'SAME'. Here padding 2 (and output_padding 1 for the transposed convolutions,
out = 2·in) gives the same sizes; for even inputs TF puts the odd padding pixel at the bottom/right,
so the sampling grid is shifted by one pixel, which changes nothing a network learns.
"""
from .. import nn
from ..arguments import require_sizes

KERNEL, STRIDE, PADDING = 5, 2, 2


def _upsample(in_channels, out_channels):
    """Doubles the side: (in − 1)·2 − 2·2 + 5 + 1 = 2·in."""
    return nn.ConvTranspose2d(in_channels, out_channels, KERNEL, STRIDE, PADDING, output_padding=1)


class WGANGPMNISTGenerator(nn.Sequential):
    """z (N, latent_dim) → images (N, channels, 28, 28) in [0, 1]."""

    def __init__(self, dim=64, latent_dim=128, channels=1):
        require_sizes("WGANGPMNISTGenerator", dim=dim, latent_dim=latent_dim, channels=channels)
        super().__init__(
            nn.Linear(latent_dim, 4 * 4 * 4 * dim), nn.ReLU(), nn.Unflatten(1, (4 * dim, 4, 4)),
            _upsample(4 * dim, 2 * dim), nn.ReLU(),
            nn.Crop2d(size=(7, 7)),
            _upsample(2 * dim, dim), nn.ReLU(),
            _upsample(dim, channels), nn.Sigmoid(),
        )
        self.latent_dim = latent_dim


class WGANGPMNISTCritic(nn.Sequential):
    """images (N, in_channels, 28, 28) → scores (N, 1). in_channels > 1 takes label maps (conditional)."""

    def __init__(self, dim=64, in_channels=1):
        require_sizes("WGANGPMNISTCritic", dim=dim, in_channels=in_channels)
        super().__init__(
            nn.Conv2d(in_channels, dim, KERNEL, STRIDE, PADDING), nn.LeakyReLU(0.2),
            nn.Conv2d(dim, 2 * dim, KERNEL, STRIDE, PADDING), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * dim, 4 * dim, KERNEL, STRIDE, PADDING), nn.LeakyReLU(0.2),
            nn.Flatten(), nn.Linear(4 * 4 * 4 * dim, 1),
        )
