"""Convolution layers: Conv2d and its adjoint ConvTranspose2d (the generator's upsampling layer).

Sizes, per spatial dimension, with kernel k, stride s, padding p, dilation d, output padding o:
    Conv2d           out = ⌊(in + 2p − d(k − 1) − 1) / s⌋ + 1
    ConvTranspose2d  out = (in − 1)s − 2p + d(k − 1) + o + 1
"""
from ..arguments import int_at_least, int_pair
from ..tensor import zeros
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class _Conv2dBase(Module):
    """What both convolutions hold: the hyperparameters, a weight of shape
    (channels_a, channels_b // groups, kh, kw), an optional bias, PyTorch's default initialisation."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                 output_padding, transposed):
        super().__init__()
        layer = type(self).__name__
        in_channels = int_at_least(layer, "in_channels", in_channels, 1)
        out_channels = int_at_least(layer, "out_channels", out_channels, 1)
        groups = int_at_least(layer, "groups", groups, 1)
        for name, channels in (("in_channels", in_channels), ("out_channels", out_channels)):
            if channels % groups:
                raise ValueError(f"{layer}: {name}={channels} is not divisible by groups={groups}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = int_pair(layer, "kernel_size", kernel_size, 1)
        self.stride = int_pair(layer, "stride", stride, 1)
        self.padding = padding if isinstance(padding, str) else int_pair(layer, "padding", padding, 0)
        self.dilation = int_pair(layer, "dilation", dilation, 1)
        self.output_padding = int_pair(layer, "output_padding", output_padding, 0)
        # Conv2d maps in → out with weight (out, in/g, kh, kw); its transpose maps back with (in, out/g, kh, kw)
        first, second = (in_channels, out_channels) if transposed else (out_channels, in_channels)
        self.weight = Parameter(zeros(first, second // groups, *self.kernel_size))
        self.register_parameter("bias", Parameter(zeros(out_channels)) if bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        init.default_layer_init_(self.weight, self.bias)

    def _check_input(self, x):
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"{type(self).__name__}: expected input of shape (N, {self.in_channels}, H, W), "
                             f"got {x.shape}")

    def extra_repr(self):
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        for name, default in (("padding", (0, 0)), ("dilation", (1, 1)), ("output_padding", (0, 0)), ("groups", 1)):
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        return text + ("" if self.bias is not None else ", bias=False")


class Conv2d(_Conv2dBase):
    """y[n, o] = b[o] + Σ_c W[o, c] ⋆ x[n, c] (cross-correlation) on (N, C_in, H, W) inputs."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         output_padding=0, transposed=False)

    def forward(self, x):
        self._check_input(x)
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class ConvTranspose2d(_Conv2dBase):
    """The adjoint (gradient with respect to the input) of Conv2d with the same hyperparameters, plus a
    bias: spreads each input pixel over a k×k patch of a `stride`-times larger output."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         output_padding=output_padding, transposed=True)

    def forward(self, x):
        self._check_input(x)
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, self.output_padding,
                                  self.groups, self.dilation)
