"""Dropout: in training, zero each element (Dropout) or each whole channel (Dropout1d/2d/3d: of an (N, C, L),
(N, C, H, W) or (N, C, D, H, W) input) with probability p and scale the survivors by 1/(1 − p), so the expected
output equals the input; AlphaDropout and FeatureAlphaDropout (for SELU networks) set the dropped units to SELU's
saturation value and keep the mean and variance instead. In evaluation mode, the identity. `inplace=True` writes
the result into the input, as in PyTorch (see ops/activation.py)."""
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


class Dropout1d(_Dropout):
    function = F.dropout1d


class Dropout2d(_Dropout):
    function = F.dropout2d


class Dropout3d(_Dropout):
    function = F.dropout3d


class AlphaDropout(_Dropout):
    function = F.alpha_dropout


class FeatureAlphaDropout(_Dropout):
    function = F.feature_alpha_dropout
