"""Dropout: in training, zero each element with probability p and scale the survivors by 1/(1 − p),
so the expected output equals the input; in evaluation mode, the identity. `inplace=True` writes the result into
the input, as in PyTorch (see ops/activation.py)."""
from ..arguments import is_number, require
from . import functional as F
from .module import Module


class Dropout(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        require("Dropout", "p", p, lambda v: is_number(v) and 0 <= v <= 1, "a probability in [0, 1]")
        self.p, self.inplace = p, inplace

    def forward(self, x):
        return F.dropout(x, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
