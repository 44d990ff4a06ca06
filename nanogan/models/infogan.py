"""The InfoGAN MNIST networks (Chen et al. 2016, Appendix, Table 1; openai/InfoGAN regularized_gan.py, network
"mnist"), with width W (64 there) so that a CPU can train a narrow copy. All kernels 4×4 with stride 2 and
padding 1, which doubles or halves the side exactly (TensorFlow's 'SAME' there).

Generator, input the concatenation [z, c] (z: noise_dim noise variables; c: a one-hot categorical code of
n_categories and n_continuous continuous codes; 62 + 10 + 2 = 74 in the paper):
    FC 16W (1024), BN, ReLU
    FC 7·7·2W (7·7·128), BN, ReLU, reshape to (2W, 7, 7)
    4×4 up-conv 2W → W (64), stride 2      7×7 → 14×14, BN, ReLU
    4×4 up-conv W → 1, stride 2            14×14 → 28×28, sigmoid (the official code's MeanBernoulli: pixels in
                                           [0, 1])
Discriminator D and recognition network Q, one body:
    4×4 conv 1 → W (64), stride 2          28×28 → 14×14, LeakyReLU
    4×4 conv W → 2W (128), stride 2        14×14 → 7×7, BN, LeakyReLU
    FC 16W (1024), BN, LeakyReLU           the shared features
    D's head: FC 1                         the logit of "real"
    Q's head: FC 2W (128), BN, LeakyReLU, FC to the codes' parameters: n_categories logits of Q(c_cat | x),
              then n_continuous means of Q(c_cont | x), then (learned_variance) n_continuous log-variances

LeakyReLU's slope is the official code's leaky_rectify default, 0.01. A layer that batch norm follows has no bias
(the official code's has one, at 0, where it stays): the norm's shift replaces it, and its gradient is exactly 0,
which Adam would turn into steps of size lr driven by rounding noise. Weights start from N(0, 0.02²) and the
other biases at 0, as there (PyTorch's default biases, U(±1/√fan_in), would dwarf such weights).
"""
from .. import nn
from ..arguments import require_sizes
from .dcgan import require_sample_shape

KERNEL, STRIDE, PADDING = 4, 2, 1
LEAKY_SLOPE = 0.01
IMAGE_SHAPE = (1, 28, 28)


def official_init_(module):
    """Weights from N(0, 0.02²) (and batch-norm scales from N(1, 0.02²), nn.init.dcgan_init_), biases 0."""
    nn.init.dcgan_init_(module)
    for layer in module.modules():
        if isinstance(layer, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)) and layer.bias is not None:
            nn.init.zeros_(layer.bias)


class InfoGANGenerator(nn.Sequential):
    """[z, onehot(c_cat), c_cont] (N, latent_dim) → images (N, 1, 28, 28) in [0, 1]."""

    def __init__(self, width=64, noise_dim=62, n_categories=10, n_continuous=2):
        require_sizes("InfoGANGenerator", width=width, noise_dim=noise_dim, n_categories=n_categories,
                      n_continuous=n_continuous)
        latent_dim = noise_dim + n_categories + n_continuous
        super().__init__(
            nn.Linear(latent_dim, 16 * width, bias=False), nn.BatchNorm1d(16 * width), nn.ReLU(),
            nn.Linear(16 * width, 7 * 7 * 2 * width, bias=False), nn.BatchNorm1d(7 * 7 * 2 * width), nn.ReLU(),
            nn.Unflatten(1, (2 * width, 7, 7)),
            nn.ConvTranspose2d(2 * width, width, KERNEL, STRIDE, PADDING, bias=False), nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.ConvTranspose2d(width, 1, KERNEL, STRIDE, PADDING), nn.Sigmoid(),
        )
        self.latent_dim, self.noise_dim = latent_dim, noise_dim
        self.n_categories, self.n_continuous = n_categories, n_continuous
        official_init_(self)

    def forward(self, latent):
        require_sample_shape(self, "latent vectors [z, c]", latent, (self.latent_dim,))
        return super().forward(latent)


class InfoGANDiscriminator(nn.Module):
    """images (N, 1, 28, 28) → D's logits (N, 1); `logits_and_code_parameters` also returns Q's output, from the
    same pass through the shared body."""

    def __init__(self, width=64, n_categories=10, n_continuous=2, learned_variance=False):
        super().__init__()
        require_sizes("InfoGANDiscriminator", width=width, n_categories=n_categories, n_continuous=n_continuous)
        self.n_categories, self.n_continuous, self.learned_variance = n_categories, n_continuous, learned_variance
        self.body = nn.Sequential(
            nn.Conv2d(1, width, KERNEL, STRIDE, PADDING), nn.LeakyReLU(LEAKY_SLOPE),
            nn.Conv2d(width, 2 * width, KERNEL, STRIDE, PADDING, bias=False), nn.BatchNorm2d(2 * width),
            nn.LeakyReLU(LEAKY_SLOPE),
            nn.Flatten(), nn.Linear(7 * 7 * 2 * width, 16 * width, bias=False), nn.BatchNorm1d(16 * width),
            nn.LeakyReLU(LEAKY_SLOPE),
        )
        self.head = nn.Linear(16 * width, 1)
        self.code_parameters = n_categories + n_continuous * (2 if learned_variance else 1)
        self.q_head = nn.Sequential(
            nn.Linear(16 * width, 2 * width, bias=False), nn.BatchNorm1d(2 * width), nn.LeakyReLU(LEAKY_SLOPE),
            nn.Linear(2 * width, self.code_parameters),
        )
        official_init_(self)

    def forward(self, x):
        require_sample_shape(self, "images", x, IMAGE_SHAPE)
        return self.head(self.body(x))

    def logits_and_code_parameters(self, x):
        """(D's logits (N, 1), Q's parameters (N, code_parameters)) from one pass through the body."""
        require_sample_shape(self, "images", x, IMAGE_SHAPE)
        features = self.body(x)
        return self.head(features), self.q_head(features)


def infogan_mnist(width=64, noise_dim=62, n_categories=10, n_continuous=2, learned_variance=False):
    """(G, D with Q) of the paper's MNIST experiment; width 64 is the paper's."""
    return (InfoGANGenerator(width, noise_dim, n_categories, n_continuous),
            InfoGANDiscriminator(width, n_categories, n_continuous, learned_variance))
