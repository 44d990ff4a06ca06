"""The f-GAN MNIST networks (Nowozin, Cseke & Tomioka 2016, §4 and its appendix), fully connected, with their
widths as arguments so that a CPU can train a narrow copy.

Generator, z ∈ [−1, 1]¹⁰⁰:
    Linear 100 → hidden (1200), BN, ReLU
    Linear hidden → hidden (1200), BN, ReLU
    Linear hidden → 784, sigmoid (pixels in [0, 1]), reshape to (1, 28, 28)
Variational function V_ω, one raw score per image (the divergence's g_f maps it into f*'s domain):
    flatten, Linear 784 → hidden (240), ReLU, Linear hidden → hidden (240), ReLU, Linear hidden → 1

The paper's V_ω has maxout units of 5 pieces after its two hidden layers; here they are ReLUs (nanogan has no
maxout, and the divergences train without it). A layer that batch norm follows has no bias: the norm's shift
replaces it (as in nanogan.models.infogan). The other weights keep PyTorch's default initialisation.
"""
from .. import nn
from ..arguments import require_sizes
from .toy import mlp_layers

IMAGE_SHAPE = (1, 28, 28)
PIXELS = IMAGE_SHAPE[0] * IMAGE_SHAPE[1] * IMAGE_SHAPE[2]


class FGANMNISTGenerator(nn.Sequential):
    """z (N, latent_dim) → images (N, 1, 28, 28) in [0, 1]: two hidden layers of `hidden` units with batch norm."""

    def __init__(self, hidden=1200, latent_dim=100):
        require_sizes("FGANMNISTGenerator", hidden=hidden, latent_dim=latent_dim)
        super().__init__(
            nn.Linear(latent_dim, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU(),
            nn.Linear(hidden, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU(),
            nn.Linear(hidden, PIXELS), nn.Sigmoid(), nn.Unflatten(1, IMAGE_SHAPE),
        )
        self.latent_dim = latent_dim


class FGANMNISTCritic(nn.Sequential):
    """images (N, 1, 28, 28) → V_ω(x) (N, 1): two hidden layers of `hidden` units with ReLU."""

    def __init__(self, hidden=240):
        require_sizes("FGANMNISTCritic", hidden=hidden)
        super().__init__(nn.Flatten(), *mlp_layers(PIXELS, hidden, 1, hidden_layers=2))
