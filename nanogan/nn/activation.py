"""Activation layers: elementwise nonlinearities and softmax as modules, for use inside Sequential; each calls its
function in nn.functional.

`inplace=True` (ReLU, LeakyReLU, ELU, SELU, SiLU, Mish, Hardtanh, ReLU6) writes the result into the input and
returns it, as in PyTorch; the change is recorded as the op done out of place, so gradients are those of the
out-of-place layer (see ops/activation.py). PReLU holds its slopes as a parameter, `weight`.
"""
from ..arguments import int_at_least, is_finite, is_int, require
from ..tensor import zeros
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class _InPlaceOrNot(Module):
    """An activation whose one setting is `inplace`: calls `function(x, inplace)`."""
    function = None

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return type(self).function(x, self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class ReLU(_InPlaceOrNot):
    """y = max(x, 0)."""
    function = F.relu


class ReLU6(_InPlaceOrNot):
    """y = min(max(x, 0), 6)."""
    function = F.relu6


class SELU(_InPlaceOrNot):
    """y = scale · (x if x > 0 else α(eˣ − 1)), α ≈ 1.6733, scale ≈ 1.0507."""
    function = F.selu


class SiLU(_InPlaceOrNot):
    """y = x · sigmoid(x)."""
    function = F.silu


class Mish(_InPlaceOrNot):
    """y = x · tanh(softplus(x))."""
    function = F.mish


class GELU(Module):
    """y = x · Φ(x) (Φ the standard normal's distribution function), or with approximate='tanh'
    x · (1 + tanh(√(2/π)(x + 0.044715x³))) / 2."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, x):
        return F.gelu(x, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Hardtanh(Module):
    """y = x clipped to [min_val, max_val]."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, x):
        return F.hardtanh(x, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class Softsign(Module):
    """y = x / (1 + |x|)."""

    def forward(self, x):
        return F.softsign(x)


class PReLU(Module):
    """y = x if x > 0 else a · x with a learned slope a: one (num_parameters=1) or one per channel (dim 1 of the
    input, num_parameters = C), each starting at `init`."""

    def __init__(self, num_parameters=1, init=0.25):
        super().__init__()
        self.num_parameters = int_at_least("PReLU", "num_parameters", num_parameters, 1)
        require("PReLU", "init", init, is_finite, "a finite number")
        self.init = init
        self.weight = Parameter(zeros(self.num_parameters))
        self.reset_parameters()

    def reset_parameters(self):
        init.constant_(self.weight, self.init)

    def forward(self, x):
        return F.prelu(x, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class LeakyReLU(Module):
    """y = x if x > 0 else negative_slope · x."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class RReLU(Module):
    """y = x if x > 0 else a · x, a ~ U(lower, upper) per element in training, (lower + upper)/2 in evaluation."""

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, x):
        return F.rrelu(x, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    """y = x if x > 0 else alpha · (eˣ − 1)."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, x):
        return F.elu(x, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Tanh(Module):
    """y = tanh(x)."""

    def forward(self, x):
        return F.tanh(x)


class Sigmoid(Module):
    """y = 1 / (1 + exp(−x))."""

    def forward(self, x):
        return F.sigmoid(x)


class Softplus(Module):
    """y = log(1 + exp(beta · x)) / beta, and y = x where beta · x > threshold."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class _AlongDim(Module):
    """A layer that normalises along `dim`; without one, along PyTorch's deprecated guess (ops.activation._along),
    with its warning at each call."""
    function = None

    def __init__(self, dim=None):
        super().__init__()
        require(type(self).__name__, "dim", dim, lambda v: v is None or is_int(v), "an int or None")
        self.dim = dim

    def forward(self, x):
        return type(self).function(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_AlongDim):
    """y_i = exp(x_i) / Σ_j exp(x_j) along dim."""
    function = F.softmax


class LogSoftmax(_AlongDim):
    """y_i = x_i − log Σ_j exp(x_j) along dim."""
    function = F.log_softmax


class Hardsigmoid(_InPlaceOrNot):
    """y = 0 for x <= -3, 1 for x >= 3, x/6 + 1/2 between. PyTorch's repr leaves inplace out."""
    function = F.hardsigmoid

    def extra_repr(self):
        return ""


class Hardswish(Hardsigmoid):
    """y = x · hardsigmoid(x)."""
    function = F.hardswish


class CELU(Module):
    """y = x if x > 0 else α(e^(x/α) − 1)."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, x):
        return F.celu(x, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Threshold(Module):
    """y = x where x > threshold, else value."""

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, x):
        return F.threshold(x, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}" + (", inplace=True" if self.inplace else "")


class Hardshrink(Module):
    """y = x where |x| > λ, else 0."""
    function = F.hardshrink

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, x):
        return type(self).function(x, self.lambd)

    def extra_repr(self):
        return f"{self.lambd}"


class Softshrink(Hardshrink):
    """y = x − λ where x > λ, x + λ where x < −λ, else 0."""
    function = F.softshrink


class Tanhshrink(Module):
    """y = x − tanh x."""

    def forward(self, x):
        return F.tanhshrink(x)


class GLU(Module):
    """y = a · sigmoid(b), a and b the halves of the input along dim."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.glu(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmin(_AlongDim):
    """y_i = exp(−x_i) / Σ_j exp(−x_j) along dim."""
    function = F.softmin


class Softmax2d(Module):
    """softmax over the channels of (N, C, H, W) or (C, H, W) input, at each position."""

    def forward(self, x):
        if x.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {x.shape}")
        return F.softmax(x, -3)


class Identity(Module):
    """y = x. Takes and ignores any arguments, as PyTorch's does, so that it can stand in for a layer."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x
