"""Initialisers: fill a parameter in place with numbers drawn for a good start of training.

Every draw is made on the host, from the global generator or the one given as generator=, and is written into
`tensor.array` (on whatever device it lives) outside the graph, so `ng.manual_seed(s)` makes initialisation
reproducible on every backend. Each function returns the tensor it filled.

Ported code that fills `m.weight.data` fills the parameter too: `.data` is the same memory, outside autograd.

Fans of a weight of shape (d0, d1, k1, k2, ...): receptive = k1·k2·...,
fan_in = d1·receptive, fan_out = d0·receptive (PyTorch's convention, also for ConvTranspose2d,
whose weight is (in, out, kh, kw)).
"""
import math

import numpy as np
from scipy import special

from ..arguments import int_at_least, is_finite, is_number, require
from ..autograd import no_grad
from ..random import numpy_generator
from ..tensor import Tensor, normal_draws, uniform_draws


def _fill(tensor, host_values):
    _require_tensor(tensor)
    with no_grad():  # copy_ counts the change: a graph that used the old values refuses to backward through them
        tensor._copy_from_host(host_values)
    return tensor


def _require_tensor(tensor):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"nn.init: expected a Tensor to fill, got {type(tensor).__name__}")


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """x ~ U(a, b)."""
    return _fill_uniform("uniform_", tensor, a, b, generator)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """x ~ N(mean, std²)."""
    return _fill_normal("normal_", tensor, mean, std, generator)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """x ~ N(mean, std²) conditioned on a <= x <= b (a and b are values of x, not multiples of std; ViT's and
    TransGAN's weights: std=0.02), by inverting the CDF Φ: u ~ U(Φ(α), Φ(β)) with α = (a - mean)/std,
    β = (b - mean)/std, then x = mean + std·Φ⁻¹(u), clipped to [a, b] against rounding. std > 0, a <= b."""
    require("trunc_normal_", "mean", mean, is_finite, "a finite number")
    require("trunc_normal_", "std", std, lambda v: is_finite(v) and v > 0, "a finite number > 0")
    require("trunc_normal_", "(a, b)", (a, b), lambda v: is_number(a) and is_number(b) and a <= b, "numbers a <= b")

    def draw(rng, shape):
        low, high = special.ndtr((a - mean) / std), special.ndtr((b - mean) / std)
        return np.clip(mean + std * special.ndtri(rng.uniform(low, high, shape)), a, b)
    return _fill_drawn("trunc_normal_", tensor, draw, generator)


# the initialisers built on uniform_ and normal_ go through these, so that a bad argument is reported by their name
def _fill_uniform(op, tensor, a, b, generator):
    return _fill_drawn(op, tensor, uniform_draws(op, a, b), generator)


def _fill_normal(op, tensor, mean, std, generator):
    return _fill_drawn(op, tensor, normal_draws(op, mean, std), generator)


def _fill_drawn(op, tensor, draw, generator):
    _require_tensor(tensor)
    with no_grad():
        return tensor._draw_into(op, draw, generator)


def constant_(tensor, val):
    """x = val."""
    return _fill(tensor, np.full(tensor.shape, val))


def zeros_(tensor):
    return constant_(tensor, 0.0)


def ones_(tensor):
    return constant_(tensor, 1.0)


def eye_(tensor):
    """W = I: W[i, i] = 1 and 0 elsewhere, for a 2-D W, square or not (a Linear layer that passes its first
    min(in, out) features through)."""
    if tensor.ndim != 2:
        raise ValueError(f"eye_: needs a 2-D tensor, got shape {tensor.shape}")
    return _fill(tensor, np.eye(*tensor.shape))


def dirac_(tensor, groups=1):
    """A convolution weight (out, in, k...) (3-, 4- or 5-D) of Dirac deltas: for each of the `groups` groups g of
    m = out / groups filters, W[g·m + c, c, k1 // 2, k2 // 2, ...] = 1 for c < min(m, in), 0 elsewhere. A convolution
    with this weight, `groups` groups, stride 1, padding k // 2 (odd k) and as many output as input channels gives
    back its input, channel for channel."""
    if tensor.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_: needs a tensor with 3, 4 or 5 dimensions, got shape {tensor.shape}")
    groups = int_at_least("dirac_", "groups", groups, 1)
    if tensor.shape[0] % groups:
        raise ValueError(f"dirac_: groups must divide dim 0 of a tensor of shape {tensor.shape}, got {groups}")
    per_group = tensor.shape[0] // groups
    channels = np.arange(min(per_group, tensor.shape[1]))
    deltas = np.zeros(tensor.shape)
    deltas[((np.arange(groups)[:, None] * per_group + channels).ravel(), np.tile(channels, groups))
           + tuple(k // 2 for k in tensor.shape[2:])] = 1
    return _fill(tensor, deltas)


def orthogonal_(tensor, gain=1.0, generator=None):
    """W = gain·Q for Q a random (semi-)orthogonal matrix, as PyTorch draws it: W is read as (rows, cols) =
    (d0, d1·d2·...); A ~ N(0, 1) of that shape (of its transpose when rows < cols, so that A is tall) is factored
    A = QR, and each column of Q multiplied by the sign of R's diagonal, which makes Q uniform over the orthogonal
    matrices (Mezzadri 2007; a QR routine's own signs are not). Then WᵀW = gain²·I for rows ≥ cols, W·Wᵀ = gain²·I
    for rows < cols: the layer keeps the length of what it maps, times gain."""
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: needs a tensor with at least 2 dimensions, got shape {tensor.shape}")
    rows, cols = tensor.shape[0], int(np.prod(tensor.shape[1:]))
    if rows * cols == 0:
        return tensor  # nothing to draw, as in PyTorch
    wide = rows < cols
    drawn = numpy_generator("orthogonal_", generator).normal(0.0, 1.0, (rows, cols))
    q, r = np.linalg.qr(drawn.T if wide else drawn)
    q *= np.sign(np.diag(r))
    return _fill(tensor, gain * (q.T if wide else q).reshape(tensor.shape))


def calculate_gain(nonlinearity, param=None):
    """The factor that keeps activations' variance steady through a layer followed by `nonlinearity`:
    linear/conv/sigmoid 1, tanh 5/3, relu √2, leaky_relu √(2 / (1 + slope²)) (slope = param or 0.01),
    selu 3/4."""
    if nonlinearity in ("linear", "identity", "sigmoid", "conv1d", "conv2d", "conv3d",
                        "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        require("calculate_gain", "negative_slope", slope, is_finite, "a finite number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) of a weight with at least 2 dimensions (see the module docstring)."""
    if tensor.ndim < 2:
        raise ValueError(f"fan_in_and_fan_out: needs a weight with at least 2 dimensions, got shape {tensor.shape}")
    receptive = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _kaiming_std(tensor, a, mode, nonlinearity):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming init: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He initialisation: x ~ U(-bound, bound), bound = √3 · gain / √fan (a: the leaky-relu slope)."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return _fill_uniform("kaiming_uniform_", tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He initialisation: x ~ N(0, std²), std = gain / √fan."""
    return _fill_normal("kaiming_normal_", tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot initialisation: x ~ U(-bound, bound), bound = gain · √(6 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return _fill_uniform("xavier_uniform_", tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot initialisation: x ~ N(0, std²), std = gain · √(2 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    return _fill_normal("xavier_normal_", tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def dcgan_init_(module):
    """The DCGAN paper's initialisation (Radford et al. 2016), applied to every sub-module:
    Conv2d, ConvTranspose2d and Linear weights ~ N(0, 0.02²) (biases are left as they are);
    batch-norm weights ~ N(1, 0.02²) and biases = 0. Returns the module."""
    # imported here because the layers import this module for their default initialisation
    from .conv import Conv2d, ConvTranspose2d
    from .linear import Linear
    from .norm import BatchNorm1d, BatchNorm2d

    def initialise(m):
        if isinstance(m, (Conv2d, ConvTranspose2d, Linear)):
            normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, (BatchNorm1d, BatchNorm2d)) and m.affine:
            normal_(m.weight, 1.0, 0.02)
            if m.bias is not None:
                zeros_(m.bias)

    return module.apply(initialise)


def default_layer_init_(weight, bias=None):
    """PyTorch's default for Linear, Conv2d and ConvTranspose2d: weight ~ kaiming_uniform(a=√5), which is
    U(±1/√fan_in); bias ~ U(±1/√fan_in) with the weight's fan_in."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        uniform_(bias, -bound, bound)
    return weight
