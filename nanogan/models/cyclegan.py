"""CycleGAN's networks (Zhu, Park, Isola & Efros 2017, appendix 7.2), layer for layer as the official code's
ResnetGenerator and NLayerDiscriminator (github.com/junyanz/pytorch-CycleGAN-and-pix2pix, models/networks.py,
with --norm instance --no_dropout), with the same state-dict names ("model.1.weight", ...).

ResnetGenerator, in the paper's notation (c7s1-k: 7×7 convolution, stride 1, k filters; dk: 3×3 convolution of
stride 2; Rk: residual block of two 3×3 convolutions; uk: 3×3 transposed convolution of stride ½; each followed
by InstanceNorm and ReLU, the last by tanh instead):

    c7s1-64, d128, d256, R256 × n_blocks, u128, u64, c7s1-3

with 64 = `width` and 3 = `channels`. The 7×7 and residual convolutions pad by reflection, which the paper
chose to reduce artifacts at the border; the strided ones pad with zeros. The image comes back at its size:
two halvings, then two doublings, so H and W must be multiples of 4. The paper uses 6 blocks at 128×128 and
9 at 256×256.

PatchGANDiscriminator, C64-C128-C256-C512 then a 1-channel convolution (Ck: 4×4 convolution, InstanceNorm,
LeakyReLU(0.2); no InstanceNorm on C64). The paper writes every Ck with stride 2; the official code strides
C512 and the output convolution by 1, which gives each output the 70×70 receptive field that names the
network (each of the three stride-2 layers doubles it: 1 ← 4 ← 7 ← 16 ← 34 ← 70). D returns a map of
scores, one per overlapping 70×70 patch — 30×30 at 256×256 — and the losses average over it, so D judges
texture and local structure, which needs fewer parameters than a whole-image D and runs on any size.

Weights start from N(0, 0.02²), biases at 0 (the official init_weights, "normal", gain 0.02). InstanceNorm
has no affine parameters (as the official norm_layer), so the convolutions before one keep their biases:
the official code sets use_bias for instance norm, though the norm subtracts them again.

CycleGANGenerators and CycleGANDiscriminators hold the two networks of each kind as one module, so that one
optimiser, one state dict and the Trainer see them as CycleGAN's G and D (nanogan.gan.variants.cyclegan).
"""
import itertools

from .. import nn
from ..arguments import require_sizes

INIT_STD = 0.02
LEAKY_SLOPE = 0.2
HALVINGS = 2  # of the generator, d128 and d256; undone by u128 and u64
PATCH_KERNEL, PATCH_PADDING = 4, 1
PATCH_STRIDES = (2, 2, 2, 1, 1)  # C64, C128, C256, C512 and the output convolution


def cyclegan_init_(module):
    """Convolution weights ~ N(0, 0.02²), biases 0, in every sub-module. Returns the module."""
    def initialise(m):
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, INIT_STD)
            if m.bias is not None:
                nn.init.zeros_(m.bias)

    return module.apply(initialise)


def _require_images(model, x, channels):
    if x.ndim != 4 or x.shape[1] != channels:
        raise ValueError(f"{type(model).__name__}: expected images of shape (N, {channels}, H, W), got {x.shape}")


class ResnetBlock(nn.Module):
    """x + block(x), block = reflection pad, 3×3 convolution, InstanceNorm, ReLU, reflection pad, 3×3 convolution,
    InstanceNorm (the paper's Rk, after Johnson et al. 2016): the block learns a change to x, not x itself."""

    def __init__(self, channels):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), nn.InstanceNorm2d(channels), nn.ReLU(),
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), nn.InstanceNorm2d(channels),
        )

    def forward(self, x):
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    """Images (N, channels, H, W) in [−1, 1] → images of the same shape in [−1, 1]; H and W multiples of 4."""

    def __init__(self, channels=3, width=64, n_blocks=9):
        super().__init__()
        require_sizes("ResnetGenerator", channels=channels, width=width, n_blocks=n_blocks)
        self.channels = channels
        layers = [nn.ReflectionPad2d(3), nn.Conv2d(channels, width, 7), nn.InstanceNorm2d(width), nn.ReLU()]  # c7s1
        for i in range(HALVINGS):  # d128, d256
            wide = width * 2 ** i
            layers += [nn.Conv2d(wide, 2 * wide, 3, stride=2, padding=1), nn.InstanceNorm2d(2 * wide), nn.ReLU()]
        layers += [ResnetBlock(width * 2 ** HALVINGS) for _ in range(n_blocks)]  # R256 × n_blocks
        for i in range(HALVINGS, 0, -1):  # u128, u64
            wide = width * 2 ** i
            layers += [nn.ConvTranspose2d(wide, wide // 2, 3, stride=2, padding=1, output_padding=1),
                       nn.InstanceNorm2d(wide // 2), nn.ReLU()]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(width, channels, 7), nn.Tanh()]  # c7s1-3
        self.model = nn.Sequential(*layers)
        cyclegan_init_(self)

    def forward(self, x):
        _require_images(self, x, self.channels)
        step = 2 ** HALVINGS
        if x.shape[2] % step or x.shape[3] % step:
            raise ValueError(f"ResnetGenerator: the image side must be a multiple of {step} (halved twice, then "
                             f"doubled back), got images of shape {x.shape}")
        return self.model(x)


def patch_map_side(side):
    """The side of PatchGANDiscriminator's score map for an input side: each 4×4 convolution with padding 1 and
    stride s maps n to ⌊(n + 2 − 4)/s⌋ + 1 (PyTorch's Conv2d formula)."""
    for stride in PATCH_STRIDES:
        side = (side + 2 * PATCH_PADDING - PATCH_KERNEL) // stride + 1
    return side


MIN_PATCH_SIDE = next(side for side in itertools.count(1) if patch_map_side(side) >= 1)  # 24


class PatchGANDiscriminator(nn.Module):
    """Images (N, channels, H, W) → scores (N, 1, h, w), one per 70×70 patch (patch_map_side gives h and w);
    raw scores, for the least-squares loss."""

    def __init__(self, channels=3, width=64):
        super().__init__()
        require_sizes("PatchGANDiscriminator", channels=channels, width=width)
        self.channels = channels
        widths = [width * 2 ** i for i in range(4)]  # C64, C128, C256, C512
        layers = [nn.Conv2d(channels, widths[0], PATCH_KERNEL, PATCH_STRIDES[0], PATCH_PADDING),
                  nn.LeakyReLU(LEAKY_SLOPE)]
        for narrow, wide, stride in zip(widths, widths[1:], PATCH_STRIDES[1:]):
            layers += [nn.Conv2d(narrow, wide, PATCH_KERNEL, stride, PATCH_PADDING), nn.InstanceNorm2d(wide),
                       nn.LeakyReLU(LEAKY_SLOPE)]
        layers += [nn.Conv2d(widths[-1], 1, PATCH_KERNEL, PATCH_STRIDES[-1], PATCH_PADDING)]
        self.model = nn.Sequential(*layers)
        cyclegan_init_(self)

    def forward(self, x):
        _require_images(self, x, self.channels)
        if min(x.shape[2], x.shape[3]) < MIN_PATCH_SIDE:
            raise ValueError(f"PatchGANDiscriminator: images of shape {x.shape} are too small for a score map; "
                             f"each side must be at least {MIN_PATCH_SIDE}")
        return self.model(x)


class CycleGANGenerators(nn.Module):
    """The two mappings as one module: G: X → Y and F: Y → X."""

    def __init__(self, G, F):
        super().__init__()
        self.G, self.F = G, F


class CycleGANDiscriminators(nn.Module):
    """The two discriminators as one module: D_Y tells real y from G(x), D_X real x from F(y)."""

    def __init__(self, D_Y, D_X):
        super().__init__()
        self.D_Y, self.D_X = D_Y, D_X


def cyclegan_networks(channels=3, width=64, n_blocks=9):
    """(CycleGANGenerators, CycleGANDiscriminators) of the paper's networks: two ResnetGenerators and two
    PatchGANDiscriminators of `width` (the paper's 64) for images of `channels`."""
    generators = CycleGANGenerators(ResnetGenerator(channels, width, n_blocks),
                                    ResnetGenerator(channels, width, n_blocks))
    discriminators = CycleGANDiscriminators(PatchGANDiscriminator(channels, width),
                                            PatchGANDiscriminator(channels, width))
    return generators, discriminators
