"""Pooling layers over (N, C, H, W), or one unbatched (C, H, W) (the 1d ones: (N, C, L) or (C, L); the 3d ones:
(N, C, D, H, W) or (C, D, H, W)): each output pixel is the max or the mean of a kernel window (MaxPool1d/2d/3d,
AvgPool1d/2d/3d; stride defaults to kernel_size, non-overlapping windows), or of one of output_size bins per axis,
whatever the input's size (AdaptiveAvgPool1d/2d/3d, AdaptiveMaxPool1d/2d/3d)."""
from ..arguments import int_tuple
from . import functional as F
from .module import Module


class _MaxPool(Module):
    """y = max over each window (padding counts as −∞); a subclass sets `pool`, its functional op."""
    pool = None

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, kernel_size if stride is None else stride, padding
        self.dilation, self.return_indices, self.ceil_mode = dilation, return_indices, ceil_mode

    def forward(self, x):
        return self.pool(x, self.kernel_size, self.stride, self.padding, self.dilation, ceil_mode=self.ceil_mode,
                         return_indices=self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPool):
    """y = max over each window along L of (N, C, L) inputs, or one (C, L)."""
    pool = staticmethod(F.max_pool1d)


class MaxPool2d(_MaxPool):
    """y = max over each window of (N, C, H, W) inputs, or one (C, H, W)."""
    pool = staticmethod(F.max_pool2d)


class MaxPool3d(_MaxPool):
    """y = max over each window of (N, C, D, H, W) inputs, or one (C, D, H, W)."""
    pool = staticmethod(F.max_pool3d)


class AvgPool1d(Module):
    """y = mean over each window along L of (N, C, L) inputs, or one (C, L) (count_include_pad: padded zeros count
    in the divisor). Its sizes are kept as 1-tuples, as PyTorch keeps them."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        layer = type(self).__name__
        self.kernel_size = int_tuple(layer, "kernel_size", kernel_size, 1, length=1)
        self.stride = self.kernel_size if stride is None else int_tuple(layer, "stride", stride, 1, length=1)
        self.padding = int_tuple(layer, "padding", padding, 0, length=1)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, x):
        return F.avg_pool1d(x, self.kernel_size, self.stride, self.padding, ceil_mode=self.ceil_mode,
                            count_include_pad=self.count_include_pad)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AvgPool(Module):
    """y = mean over each window (count_include_pad: padded zeros count in the divisor), or the window's sum over
    divisor_override when that is given; a subclass sets `pool`, its functional op."""
    pool = None

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, kernel_size if stride is None else stride, padding
        self.ceil_mode, self.count_include_pad, self.divisor_override = ceil_mode, count_include_pad, divisor_override

    def forward(self, x):
        return self.pool(x, self.kernel_size, self.stride, self.padding, ceil_mode=self.ceil_mode,
                         count_include_pad=self.count_include_pad, divisor_override=self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(_AvgPool):
    """y = mean over each window of (N, C, H, W) inputs, or one (C, H, W)."""
    pool = staticmethod(F.avg_pool2d)


class AvgPool3d(_AvgPool):
    """y = mean over each window of (N, C, D, H, W) inputs, or one (C, D, H, W)."""
    pool = staticmethod(F.avg_pool3d)


class _AdaptiveAvgPool(Module):
    """y = mean over each of output_size bins per axis; a subclass sets `pool`, its functional op."""
    pool = None

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, x):
        return self.pool(x, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPool):
    """y = mean over each of output_size bins along L of (N, C, L) inputs, or one (C, L)."""
    pool = staticmethod(F.adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptiveAvgPool):
    """y = mean over each of output_size bins per axis (an int, or a pair in which None keeps the input's size)."""
    pool = staticmethod(F.adaptive_avg_pool2d)


class AdaptiveAvgPool3d(_AdaptiveAvgPool):
    """y = mean over each of output_size bins per axis of (N, C, D, H, W) inputs, or one (C, D, H, W) (an int, or
    three in which None keeps the input's size)."""
    pool = staticmethod(F.adaptive_avg_pool3d)


class _AdaptiveMaxPool(Module):
    """y = max over each of output_size bins per axis, with return_indices also each maximum's index; a subclass
    sets `pool`, its functional op."""
    pool = None

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, x):
        return self.pool(x, self.output_size, self.return_indices)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPool):
    """y = max over each of output_size bins along L of (N, C, L) inputs, or one (C, L); with return_indices also
    each maximum's index along L."""
    pool = staticmethod(F.adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMaxPool):
    """y = max over each of output_size bins per axis (an int, or a pair in which None keeps the input's size); with
    return_indices also the flat index ih·W + iw of each maximum."""
    pool = staticmethod(F.adaptive_max_pool2d)


class AdaptiveMaxPool3d(_AdaptiveMaxPool):
    """y = max over each of output_size bins per axis of (N, C, D, H, W) inputs, or one (C, D, H, W); with
    return_indices also the flat index d·H·W + h·W + w of each maximum."""
    pool = staticmethod(F.adaptive_max_pool3d)
