"""Convolution layers: Conv2d and its adjoint ConvTranspose2d (the generator's upsampling layer).

Sizes, per spatial dimension, with kernel k, stride s, padding p, dilation d, output padding o:
    Conv2d           out = ⌊(in + 2p − d(k − 1) − 1) / s⌋ + 1
                     padding="valid" is p = 0; padding="same" (stride 1 only) gives out = in
    ConvTranspose2d  out = (in − 1)s − 2p + d(k − 1) + o + 1

Conv2d's padding_mode says what the padding holds: 'zeros', or the input reflected, replicated or wrapped around
('reflect', 'replicate', 'circular', as F.pad's modes), padded before a convolution with p = 0 (as in PyTorch).
ConvTranspose2d pads with zeros only and takes no padding strings, as in PyTorch; its forward takes PyTorch's
output_size, which sets o to reach that size. With groups = G, both split their channels into G groups, each mapped
by its own weights: the weight holds one group's in_channels (Conv2d, (out, in / G, kh, kw)) or out_channels
(ConvTranspose2d, (in, out / G, kh, kw)).
"""
from ..arguments import int_at_least, int_pair, int_tuple, require
from ..ops.conv import check_groups, check_padding, padding_widths, transposed_output_size
from ..tensor import zeros
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _Conv2dBase(Module):
    """What both convolutions hold: the hyperparameters, a weight of shape (channels_a, channels_b, kh, kw), an
    optional bias, PyTorch's default initialisation."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
                 output_padding, transposed):
        super().__init__()
        layer = type(self).__name__
        self.in_channels = int_at_least(layer, "in_channels", in_channels, 1)
        self.out_channels = int_at_least(layer, "out_channels", out_channels, 1)
        self.groups = check_groups(layer, groups)
        for name in ("in_channels", "out_channels"):
            require(layer, name, getattr(self, name), lambda n: n % self.groups == 0,
                    f"divisible by groups ({self.groups})")
        self.kernel_size = int_pair(layer, "kernel_size", kernel_size, 1)
        self.stride = int_pair(layer, "stride", stride, 1)
        if transposed:  # PyTorch's transposed convolution takes no padding strings, and pads with zeros only
            self.padding = int_pair(layer, "padding", padding, 0)
            require(layer, "padding_mode", padding_mode, lambda mode: mode == "zeros", "'zeros'")
        else:
            self.padding = check_padding(layer, padding, self.stride)
            require(layer, "padding_mode", padding_mode, lambda mode: mode in PADDING_MODES, f"one of {PADDING_MODES}")
        self.padding_mode = padding_mode
        self.dilation = int_pair(layer, "dilation", dilation, 1)
        self.output_padding = int_pair(layer, "output_padding", output_padding, 0)
        # Conv2d maps in → out with weight (out, in / groups, kh, kw); its transpose maps back with
        # (in, out / groups, kh, kw)
        first, second = (self.in_channels, self.out_channels // self.groups) if transposed else \
            (self.out_channels, self.in_channels // self.groups)
        self.weight = Parameter(zeros(first, second, *self.kernel_size))
        self.register_parameter("bias", Parameter(zeros(self.out_channels)) if bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        init.default_layer_init_(self.weight, self.bias)

    def _check_input(self, x):
        if x.ndim not in (3, 4) or x.shape[-3] != self.in_channels:
            raise ValueError(f"{type(self).__name__}: expected input of shape (N, {self.in_channels}, H, W) or "
                             f"({self.in_channels}, H, W), got {x.shape}")

    def extra_repr(self):
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        for name, default in (("padding", (0, 0)), ("dilation", (1, 1)), ("output_padding", (0, 0)), ("groups", 1)):
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv2d(_Conv2dBase):
    """y[n, o] = b[o] + Σ_c W[o, c] ⋆ x[n, c] (cross-correlation) on (N, C_in, H, W) inputs, or one (C_in, H, W)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros"):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding=0, transposed=False)

    def forward(self, x):
        self._check_input(x)
        if self.padding_mode == "zeros":
            return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        (top, bottom), (left, right) = padding_widths(self.padding, self.kernel_size, self.dilation)
        x = F.pad(x, (left, right, top, bottom), mode=self.padding_mode)
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


class ConvTranspose2d(_Conv2dBase):
    """The adjoint (gradient with respect to the input) of Conv2d with the same hyperparameters, plus a
    bias: spreads each input pixel over a k×k patch of a `stride`-times larger output. Takes (N, C_in, H, W) inputs,
    or one (C_in, H, W)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros"):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding=output_padding, transposed=True)

    def forward(self, x, output_size=None):
        """output_size (H, W) — or with x's leading dims, (N, C, H, W) or (C, H, W) — picks among the sizes
        that a stride-s convolution maps to x's: it sets the output padding in place of the layer's own, as in
        PyTorch."""
        self._check_input(x)
        output_padding = self.output_padding if output_size is None else self._output_padding_for(x, output_size)
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, output_padding,
                                  self.groups, self.dilation)

    def _output_padding_for(self, x, output_size):
        """output_size - the smallest output size, per axis: the output padding, which must be less than the
        stride (the larger outputs come from the same convolution's input sizes only below it)."""
        layer = type(self).__name__
        size = int_tuple(layer, "output_size", output_size, 1)
        if len(size) == x.ndim:  # given with the batch and channel dims, as x.shape-style sizes are
            size = size[-2:]
        if len(size) != 2:
            raise ValueError(f"{layer}: output_size must hold 2 or {x.ndim} sizes for input of shape {x.shape}, "
                             f"got {output_size!r}")
        smallest = transposed_output_size(x.shape[-2:], self.kernel_size, self.stride, self.padding, self.dilation,
                                          (0, 0))
        largest = tuple(n + s - 1 for n, s in zip(smallest, self.stride))
        if not all(low <= n <= high for n, low, high in zip(size, smallest, largest)):
            raise ValueError(f"{layer}: output_size {size} cannot come from input of shape {x.shape}: the sizes "
                             f"range from {smallest} to {largest}")
        return tuple(n - low for n, low in zip(size, smallest))
