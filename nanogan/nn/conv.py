"""Convolution layers: Conv2d and its adjoint ConvTranspose2d (the generator's upsampling layer), and Conv1d and
ConvTranspose1d, the same layers along one axis (kernel_size, stride, ... of one int; weight (out, in / G, k) or
(in, out / G, k)), which run as the 2-D ones on height-1 images (ops/conv.py's conv1d), and Conv3d and
ConvTranspose3d over volumes (three ints; weight (out, in / G, kd, kh, kw) or (in, out / G, kd, kh, kw)), which run
as the 2-D ones over the depth planes (ops/conv.py's conv3d).

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
from ..arguments import int_at_least, int_tuple, require
from ..ops.conv import SPATIAL_AXES, check_groups, check_padding, padding_widths, transposed_output_size
from ..tensor import zeros
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvBase(Module):
    """What every convolution holds: the hyperparameters (tuples of `dims` ints, one per spatial axis), a weight of
    shape (channels_a, channels_b, *kernel_size), an optional bias, PyTorch's default initialisation. A subclass
    sets dims and `convolve`, its functional op."""
    dims = 2
    convolve = None

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
        self.kernel_size = self._ints("kernel_size", kernel_size, 1)
        self.stride = self._ints("stride", stride, 1)
        if transposed:  # PyTorch's transposed convolution takes no padding strings, and pads with zeros only
            self.padding = self._ints("padding", padding, 0)
            require(layer, "padding_mode", padding_mode, lambda mode: mode == "zeros", "'zeros'")
        else:
            # a padding string checked as conv2d checks it (height 1 for a Conv1d: it runs as a 2-D convolution)
            self.padding = check_padding(layer, padding, (1,) * (2 - self.dims) + self.stride) \
                if isinstance(padding, str) else self._ints("padding", padding, 0)
            require(layer, "padding_mode", padding_mode, lambda mode: mode in PADDING_MODES, f"one of {PADDING_MODES}")
        self.padding_mode = padding_mode
        self.dilation = self._ints("dilation", dilation, 1)
        self.output_padding = self._ints("output_padding", output_padding, 0)
        # Conv2d maps in → out with weight (out, in / groups, kh, kw); its transpose maps back with
        # (in, out / groups, kh, kw)
        first, second = (self.in_channels, self.out_channels // self.groups) if transposed else \
            (self.out_channels, self.in_channels // self.groups)
        self.weight = Parameter(zeros(first, second, *self.kernel_size))
        self.register_parameter("bias", Parameter(zeros(self.out_channels)) if bias else None)
        self.reset_parameters()

    def _ints(self, name, value, smallest):
        return int_tuple(type(self).__name__, name, value, smallest, length=self.dims)

    def reset_parameters(self):
        init.default_layer_init_(self.weight, self.bias)

    def _check_input(self, x):
        spatial = SPATIAL_AXES.get(self.dims, "L")
        if x.ndim not in (self.dims + 1, self.dims + 2) or x.shape[-self.dims - 1] != self.in_channels:
            raise ValueError(f"{type(self).__name__}: expected input of shape (N, {self.in_channels}, {spatial}) or "
                             f"({self.in_channels}, {spatial}), got {x.shape}")

    def extra_repr(self):
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        for name, default in (("padding", (0,) * self.dims), ("dilation", (1,) * self.dims),
                              ("output_padding", (0,) * self.dims), ("groups", 1)):
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class _Convolution(_ConvBase):
    """y[n, o] = b[o] + Σ_c W[o, c] ⋆ x[n, c] (cross-correlation)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros"):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding=0, transposed=False)

    def forward(self, x):
        self._check_input(x)
        if self.padding_mode == "zeros":
            return self.convolve(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        widths = padding_widths(self.padding, self.kernel_size, self.dilation)
        x = F.pad(x, tuple(amount for axis in reversed(widths) for amount in axis), mode=self.padding_mode)
        return self.convolve(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


class Conv2d(_Convolution):
    """y[n, o] = b[o] + Σ_c W[o, c] ⋆ x[n, c] (cross-correlation) on (N, C_in, H, W) inputs, or one (C_in, H, W)."""
    convolve = staticmethod(F.conv2d)


class Conv1d(_Convolution):
    """y[n, o] = b[o] + Σ_c W[o, c] ⋆ x[n, c] (cross-correlation along one axis) on (N, C_in, L) inputs, or one
    (C_in, L)."""
    dims = 1
    convolve = staticmethod(F.conv1d)


class Conv3d(_Convolution):
    """y[n, o] = b[o] + Σ_c W[o, c] ⋆ x[n, c] (cross-correlation over depth, height and width) on (N, C_in, D, H, W)
    inputs, or one (C_in, D, H, W)."""
    dims = 3
    convolve = staticmethod(F.conv3d)


class _TransposedConvolution(_ConvBase):
    """The adjoint (gradient with respect to the input) of the convolution with the same hyperparameters, plus a
    bias: spreads each input pixel over a kernel-sized patch of a `stride`-times larger output."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros"):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding=output_padding, transposed=True)

    def forward(self, x, output_size=None):
        """output_size (H, W), (L,) or (D, H, W) — or with x's leading dims, (N, C, H, W) or (C, H, W) — picks among
        the sizes that a stride-s convolution maps to x's: it sets the output padding in place of the layer's own, as
        in PyTorch."""
        self._check_input(x)
        output_padding = self.output_padding if output_size is None else self._output_padding_for(x, output_size)
        return self.convolve(x, self.weight, self.bias, self.stride, self.padding, output_padding, self.groups,
                             self.dilation)

    def _output_padding_for(self, x, output_size):
        """output_size - the smallest output size, per axis: the output padding, which must be less than the
        stride (the larger outputs come from the same convolution's input sizes only below it)."""
        layer = type(self).__name__
        size = int_tuple(layer, "output_size", output_size, 1)
        if len(size) == x.ndim:  # given with the batch and channel dims, as x.shape-style sizes are
            size = size[-self.dims:]
        if len(size) != self.dims:
            raise ValueError(f"{layer}: output_size must hold {self.dims} or {x.ndim} sizes for input of shape "
                             f"{x.shape}, got {output_size!r}")
        smallest = transposed_output_size(x.shape[-self.dims:], self.kernel_size, self.stride, self.padding,
                                          self.dilation, (0,) * self.dims)
        largest = tuple(n + s - 1 for n, s in zip(smallest, self.stride))
        if not all(low <= n <= high for n, low, high in zip(size, smallest, largest)):
            raise ValueError(f"{layer}: output_size {size} cannot come from input of shape {x.shape}: the sizes "
                             f"range from {smallest} to {largest}")
        return tuple(n - low for n, low in zip(size, smallest))


class ConvTranspose2d(_TransposedConvolution):
    """The adjoint of Conv2d, plus a bias, on (N, C_in, H, W) inputs, or one (C_in, H, W): the generator's
    upsampling layer."""
    convolve = staticmethod(F.conv_transpose2d)


class ConvTranspose1d(_TransposedConvolution):
    """The adjoint of Conv1d, plus a bias, on (N, C_in, L) inputs, or one (C_in, L)."""
    dims = 1
    convolve = staticmethod(F.conv_transpose1d)


class ConvTranspose3d(_TransposedConvolution):
    """The adjoint of Conv3d, plus a bias, on (N, C_in, D, H, W) inputs, or one (C_in, D, H, W)."""
    dims = 3
    convolve = staticmethod(F.conv_transpose3d)
