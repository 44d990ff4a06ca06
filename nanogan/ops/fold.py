"""Sliding blocks (PyTorch's F.unfold, im2col, and its adjoint F.fold, col2im) of (N, C, H, W) images.

unfold   y[n, c·kh·kw + a·kw + b, l] = x[n, c, i·s - p + a·d, j·s - p + b·d] for block l = i·ow + j (0 outside x),
         with (oh, ow) the blocks per axis, floor((n + 2p - d(k - 1) - 1)/s) + 1 as a convolution's output.
         That is every plane convolved with the kh·kw one-hot kernels (output channel a·kw + b holds a 1 at (a, b)):
         one Conv2d of the planes as a batch of one-channel images.
fold     the adjoint: every column's values added back at the pixels they came from, into output_size (H, W),
         summing where blocks overlap: Conv2dInputGrad with the same one-hot kernels (the transposed convolution).
The two are each other's gradients (dx of unfold = fold(g), dy of fold = unfold(g)), and the convolutions' own
derivatives are convolutions again (ops/conv.py), so both differentiate to any order on every backend.
Both take unbatched input too, as PyTorch's: unfold (C, H, W) -> (C·kh·kw, L), fold (C·kh·kw, L) -> (C, H, W).
"""
from ..arguments import int_pair
from ..tensor import Tensor
from .activation import require_floating
from .conv import Conv2d, Conv2dInputGrad, output_size, takes_unbatched


def _geometry(op, kernel_size, dilation, padding, stride):
    return (int_pair(op, "kernel_size", kernel_size, 1), int_pair(op, "dilation", dilation, 1),
            int_pair(op, "padding", padding, 0), int_pair(op, "stride", stride, 1))


def _one_hot_kernels(x, kernel):
    """(kh·kw, 1, kh, kw): kernel a·kw + b is 1 at (a, b), 0 elsewhere; made where x lives (see pad._source_index)."""
    xp = x.backend.xp
    taps = kernel[0] * kernel[1]
    return Tensor(xp.eye(taps, dtype=x.dtype).reshape(taps, 1, *kernel))


def _blocks(op, size, kernel, dilation, padding, stride):
    """The number of blocks per axis of an image of `size`, checked to be at least one."""
    blocks = output_size(size, kernel, stride, padding, dilation)
    if min(blocks) < 1:
        raise ValueError(f"{op}: spatial size {tuple(size)} with kernel_size {kernel}, dilation {dilation}, padding "
                         f"{padding} and stride {stride} gives {blocks} sliding blocks per axis, which must be at "
                         f"least 1 each")
    return blocks


@takes_unbatched
def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """(N, C, H, W) -> (N, C·kh·kw, L): the kh×kw blocks of the image as columns (module docstring)."""
    op = "unfold"
    require_floating(op, input)
    if input.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W) or a 3-D one (C, H, W), got shape {input.shape}")
    if 0 in input.shape[1:]:  # PyTorch's refusal: there would be blocks of nothing
        raise ValueError(f"{op}: expected non-empty dimensions but the batch, got the input of shape {input.shape}")
    kernel, dilation, padding, stride = _geometry(op, kernel_size, dilation, padding, stride)
    batch, channels, height, width = input.shape
    blocks = _blocks(op, (height, width), kernel, dilation, padding, stride)
    planes = input.reshape(batch * channels, 1, height, width)
    columns = Conv2d.apply(planes, _one_hot_kernels(input, kernel), stride=stride, padding=padding,
                           dilation=dilation)
    return columns.reshape(batch, channels * kernel[0] * kernel[1], blocks[0] * blocks[1])


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """(N, C·kh·kw, L) -> (N, C, H, W) with (H, W) = output_size: the columns added back into the image, the
    adjoint of unfold (module docstring)."""
    op = "fold"
    require_floating(op, input)
    if input.ndim not in (2, 3):
        raise ValueError(f"{op}: expected a 3-D input (N, C·kh·kw, L) or a 2-D one (C·kh·kw, L), got shape "
                         f"{input.shape}")
    if 0 in input.shape[-2:]:  # PyTorch's refusal, as unfold's
        raise ValueError(f"{op}: expected non-empty dimensions but the batch, got the input of shape {input.shape}")
    size = int_pair(op, "output_size", output_size, 1)
    kernel, dilation, padding, stride = _geometry(op, kernel_size, dilation, padding, stride)
    columns = input if input.ndim == 3 else input.unsqueeze(0)
    batch, rows, length = columns.shape
    taps = kernel[0] * kernel[1]
    if rows % taps:
        raise ValueError(f"{op}: input of shape {input.shape} has {rows} rows, which is not divisible by the "
                         f"kernel's {taps} taps (kernel_size {kernel})")
    blocks = _blocks(op, size, kernel, dilation, padding, stride)
    if length != blocks[0] * blocks[1]:
        raise ValueError(f"{op}: output_size {size} with kernel_size {kernel}, dilation {dilation}, padding "
                         f"{padding} and stride {stride} has {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]} "
                         f"sliding blocks, but the input of shape {input.shape} holds {length}")
    channels = rows // taps
    planes = columns.reshape(batch * channels, taps, *blocks)
    image = Conv2dInputGrad.apply(planes, _one_hot_kernels(input, kernel), x_shape=(batch * channels, 1) + size,
                                  stride=stride, padding=padding, dilation=dilation)
    image = image.reshape(batch, channels, *size)
    return image if input.ndim == 3 else image[0]
