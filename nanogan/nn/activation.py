"""Activation layers: elementwise nonlinearities and softmax as modules, for use inside Sequential; each calls its
function in nn.functional.

`inplace=True` (ReLU, LeakyReLU, ELU) writes the result into the input and returns it, as in PyTorch; the change is
recorded as the op done out of place, so gradients are those of the out-of-place layer (see ops/activation.py).
"""
from ..arguments import is_int, require
from . import functional as F
from .module import Module


class ReLU(Module):
    """y = max(x, 0)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return F.relu(x, self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """y = x if x > 0 else negative_slope · x."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


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


class Identity(Module):
    """y = x. Takes and ignores any arguments, as PyTorch's does, so that it can stand in for a layer."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x
