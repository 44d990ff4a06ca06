"""Linear: the fully connected layer, y = x Wᵀ + b."""
import math

from ..arguments import int_at_least
from ..tensor import zeros
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Linear(Module):
    """y = x Wᵀ + b for x of shape (..., in_features); W is (out_features, in_features), b (out_features,)."""

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features = int_at_least("Linear", "in_features", in_features, 1)
        self.out_features = int_at_least("Linear", "out_features", out_features, 1)
        self.weight = Parameter(zeros(self.out_features, self.in_features))
        self.register_parameter("bias", Parameter(zeros(self.out_features)) if bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        init.default_layer_init_(self.weight, self.bias)

    def forward(self, x):
        if x.ndim < 1 or x.shape[-1] != self.in_features:
            raise ValueError(f"Linear({self.in_features}, {self.out_features}): expected input of shape "
                             f"(..., {self.in_features}), got {x.shape}")
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Bilinear(Module):
    """y_o = x1ᵀ W_o x2 + b_o for x1 (..., in1_features) and x2 (..., in2_features); W is (out, in1, in2), b (out,),
    both initialised U(-1/√in1, 1/√in1) as PyTorch's."""

    def __init__(self, in1_features, in2_features, out_features, bias=True):
        super().__init__()
        self.in1_features = int_at_least("Bilinear", "in1_features", in1_features, 1)
        self.in2_features = int_at_least("Bilinear", "in2_features", in2_features, 1)
        self.out_features = int_at_least("Bilinear", "out_features", out_features, 1)
        self.weight = Parameter(zeros(self.out_features, self.in1_features, self.in2_features))
        self.register_parameter("bias", Parameter(zeros(self.out_features)) if bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.in1_features)
        for parameter in (self.weight, self.bias):
            if parameter is not None:
                init.uniform_(parameter, -bound, bound)

    def forward(self, x1, x2):
        return F.bilinear(x1, x2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
