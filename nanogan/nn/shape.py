"""Layers that change a tensor's shape, not its values: Flatten, Unflatten, the padding layers (ConstantPad,
ZeroPad, ReflectionPad, ReplicationPad, CircularPad; 1d, 2d and 3d), Crop2d, Upsample (and its deprecated
UpsamplingNearest2d, UpsamplingBilinear2d), PixelShuffle, PixelUnshuffle."""
import math

from ..arguments import int_at_least, int_pair, int_tuple, is_number, positive_pair
from ..ops.shape import dim_index
from . import functional as F
from .module import Module


class Flatten(Module):
    """Merge dimensions start_dim..end_dim into one: (N, C, H, W) → (N, C·H·W) by default."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dimension `dim` into `unflattened_size`: Unflatten(1, (C, H, W)) turns (N, C·H·W) into (N, C, H, W)."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x):
        dim = dim_index("Unflatten", self.dim, x.ndim)
        if math.prod(self.unflattened_size) != x.shape[dim] and -1 not in self.unflattened_size:
            raise ValueError(f"Unflatten: dimension {self.dim} of a tensor of shape {x.shape} holds {x.shape[dim]} "
                             f"values, not the {math.prod(self.unflattened_size)} of {self.unflattened_size}")
        return x.reshape(x.shape[:dim] + self.unflattened_size + x.shape[dim + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class _Pad(Module):
    """Pad the last `dims` dimensions by `padding` on every side, or by (left, right, top, bottom, front, back) as
    far as there are dims, in F.pad's `mode`. As PyTorch's, the non-constant modes take an input of dims + 1 or
    dims + 2 dimensions (unbatched or batched); constant padding takes any input of at least `dims`."""
    mode, dims, value = None, None, None

    def __init__(self, padding):
        super().__init__()
        self.padding = int_tuple(type(self).__name__, "padding", padding, 0, length=2 * self.dims)

    def forward(self, x):
        if self.mode != "constant" and x.ndim not in (self.dims + 1, self.dims + 2):
            raise ValueError(f"{type(self).__name__}: expected a {self.dims + 1}-D or {self.dims + 2}-D input, got "
                             f"shape {x.shape}")
        return F.pad(x, self.padding, mode=self.mode, value=self.value)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPad(_Pad):
    """With `value`."""
    mode = "constant"

    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPad):
    dims = 1


class ConstantPad2d(_ConstantPad):
    dims = 2


class ConstantPad3d(_ConstantPad):
    dims = 3


class _ZeroPad:
    """With zeros: the constant padding of value 0.0, shown by its padding alone, as PyTorch's."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return _Pad.extra_repr(self)


class ZeroPad1d(_ZeroPad, ConstantPad1d):
    pass


class ZeroPad2d(_ZeroPad, ConstantPad2d):
    pass


class ZeroPad3d(_ZeroPad, ConstantPad3d):
    pass


class _ReflectionPad(_Pad):
    """With the input mirrored about its border elements, which are not repeated (each amount must be smaller than
    the side it pads)."""
    mode = "reflect"


class ReflectionPad1d(_ReflectionPad):
    dims = 1


class ReflectionPad2d(_ReflectionPad):
    dims = 2


class ReflectionPad3d(_ReflectionPad):
    dims = 3


class _ReplicationPad(_Pad):
    """With copies of the border elements."""
    mode = "replicate"


class ReplicationPad1d(_ReplicationPad):
    dims = 1


class ReplicationPad2d(_ReplicationPad):
    dims = 2


class ReplicationPad3d(_ReplicationPad):
    dims = 3


class _CircularPad(_Pad):
    """With the input wrapped around: the elements of the far side (each amount at most the side it pads)."""
    mode = "circular"


class CircularPad1d(_CircularPad):
    dims = 1


class CircularPad2d(_CircularPad):
    dims = 2


class CircularPad3d(_CircularPad):
    dims = 3


class Crop2d(Module):
    """Cut (N, C, H, W) images down, as Keras' Cropping2D does (the inverse of ZeroPad2d):

        Crop2d((top, bottom), (left, right))  removes `top` rows at the top, `bottom` at the bottom, and
                                              `left` / `right` columns at the sides
        Crop2d(1, 2)                          the same as Crop2d((1, 1), (2, 2))
        Crop2d(size=(h, w))                   keeps the top-left h×w window, out = x[:, :, :h, :w]
                                              (the WGAN-GP MNIST generator's 8×8 → 7×7)
    """

    def __init__(self, rows=(0, 0), cols=(0, 0), size=None):
        super().__init__()
        self.rows, self.cols = int_pair("Crop2d", "rows", rows, 0), int_pair("Crop2d", "cols", cols, 0)
        self.size = None if size is None else int_pair("Crop2d", "size", size, 1)
        if self.size is not None and (self.rows, self.cols) != ((0, 0), (0, 0)):
            raise ValueError("Crop2d: give either the rows and cols to remove or a target size, not both")

    def forward(self, x):
        if x.ndim != 4:
            raise ValueError(f"Crop2d: expected an (N, C, H, W) input, got shape {x.shape}")
        height, width = x.shape[2:]
        if self.size is not None:
            (top, left), (bottom_edge, right_edge) = (0, 0), self.size
        else:
            (top, bottom), (left, right) = self.rows, self.cols
            bottom_edge, right_edge = height - bottom, width - right
        if not (top < bottom_edge <= height and left < right_edge <= width):
            raise ValueError(f"Crop2d({self.extra_repr()}): cannot crop an input of shape {x.shape}")
        return x[:, :, top:bottom_edge, left:right_edge]

    def extra_repr(self):
        return f"size={self.size}" if self.size is not None else f"rows={self.rows}, cols={self.cols}"


class Upsample(Module):
    """Enlarge (N, C, H, W) images to `size` or by `scale_factor`: mode "nearest" (each pixel repeated),
    "nearest-exact", "area", "bilinear" or "bicubic" (align_corners as F.interpolate's; no antialias, as PyTorch's
    layer has none)."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None):
        super().__init__()
        if (size is None) == (scale_factor is None):
            raise ValueError("Upsample: give exactly one of size and scale_factor")
        if scale_factor is not None:  # stored as floats, as PyTorch does
            factors = positive_pair("Upsample", "scale_factor", scale_factor)
            scale_factor = float(scale_factor) if is_number(scale_factor) else tuple(map(float, factors))
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, x):
        return F.interpolate(x, size=self.size, scale_factor=self.scale_factor, mode=self.mode,
                             align_corners=self.align_corners, recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self):
        shown = f"size={self.size}" if self.size is not None else f"scale_factor={self.scale_factor}"
        return f"{shown}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Upsample with mode "nearest" (PyTorch's deprecated layer)."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Upsample with mode "bilinear" and align_corners=True (PyTorch's deprecated layer; note the corners, unlike
    Upsample(mode="bilinear")'s default)."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class ChannelShuffle(Module):
    """(N, C, *) with its channels dealt out of `groups` groups in turn (ShuffleNet's)."""

    def __init__(self, groups):
        super().__init__()
        self.groups = int_at_least("ChannelShuffle", "groups", groups, 1)

    def forward(self, x):
        return F.channel_shuffle(x, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"


class PixelShuffle(Module):
    """(*, C·r², H, W) → (*, C, H·r, W·r), r = upscale_factor: each group of r² channels becomes an r×r block of
    pixels (SRGAN's upsampler, after a convolution to C·r² channels)."""

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = int_at_least("PixelShuffle", "upscale_factor", upscale_factor, 1)

    def forward(self, x):
        return F.pixel_shuffle(x, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H·r, W·r) → (*, C·r², H, W), r = downscale_factor: PixelShuffle's inverse."""

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = int_at_least("PixelUnshuffle", "downscale_factor", downscale_factor, 1)

    def forward(self, x):
        return F.pixel_unshuffle(x, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"
