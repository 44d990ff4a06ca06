"""Linear: the fully connected layer, y = x Wᵀ + b."""
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
