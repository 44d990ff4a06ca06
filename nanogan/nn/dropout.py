"""Dropout: in training, zero each element (Dropout) or each whole channel of an (N, C, H, W) input (Dropout2d) with
probability p and scale the survivors by 1/(1 − p), so the expected output equals the input; in evaluation mode,
the identity. `inplace=True` writes the result into the input, as in PyTorch (see ops/activation.py)."""
from ..arguments import is_number, require
from . import functional as F
from .module import Module


class _Dropout(Module):
    function = None

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        require(type(self).__name__, "p", p, lambda v: is_number(v) and 0 <= v <= 1, "a probability in [0, 1]")
        self.p, self.inplace = p, inplace

    def forward(self, x):
        return type(self).function(x, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_Dropout):
    function = F.dropout


class Dropout2d(_Dropout):
    function = F.dropout2d
