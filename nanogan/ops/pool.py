"""Pooling and resizing (nearest-neighbour, area, bilinear, bicubic) of (N, C, H, W) tensors, plane by plane, and
pooling of (N, C, D, H, W) volumes; pooling also takes one unbatched image (C, H, W) or volume (C, D, H, W), as
PyTorch's does (ops/conv.py's takes_unbatched, takes_unbatched_volume).

A window tap (a, b) of output pixel (i, j) reads x at (i·s - p + a·d, j·s - p + b·d) (stride s,
padding p, dilation d). Output size per axis: floor((n + 2p - d(k-1) - 1)/s) + 1, or with ceil_mode
the ceiling, less one if the last window would start past the input and its left padding (PyTorch).

max_pool2d   y = x gathered at each window's argmax (the kernel finds it; padding is -inf);
             dx = g scattered back to the argmax. Gather and scatter by one index are each other's
             gradient, so max pooling has gradients of every order.
avg_pool2d   y = (window sum) / divisor. A window sum of every plane is a convolution with an all-ones
             kernel, so dx is the transposed convolution of g / divisor, and that one's gradient is the
             convolution again (ops/conv.py).
adaptive_avg_pool2d, adaptive_max_pool2d (and the 1-d ones, on height-1 images)
             output pixel i (per axis) pools PyTorch's bin [floor(i·n/out), ceil((i+1)·n/out)) of the n
             inputs (bins of other sizes can differ in size by one and overlap). Where out divides n on both
             axes the bins are the windows of avg_pool2d / max_pool2d with kernel = stride = n/out, which run.
             Other sizes: average, y = R·x·Cᵀ per plane, R (out_h × H) and C (out_w × W) holding 1/|bin| on
             each bin, dx = Rᵀ·g·C (see _across_planes); max, y = x gathered at each bin's argmax (the first
             maximum in row-major order, as PyTorch's), dx = g scattered back to it (adding up where
             overlapping bins share their maximum), as max_pool2d's.
the 3-d ones (volumes: a tap (e, a, b) of output (t, i, j) reads x at (t·s - p + e·d, ...) likewise)
             max_pool3d: a maximum is separable, so max_pool2d's kernel finds each depth plane's window maxima
             and an argmax over a window's depth taps the first of those; y = x gathered there, the volume
             seen as a plane of D rows of H·W, whose flat index d·H·W + h·W + w is PyTorch's (GatherPlanes, as
             max_pool2d's). avg_pool3d: the window sums are conv3d with an all-ones kernel. The adaptive ones
             as the 2-d ones: a third bin-average product for depth, and bins' taps listed in (d, h, w) order.
interpolate  nearest, integer factors (kh, kw): y[i, j] = x[i // kh, j // kw], the transposed
             convolution of each plane with an all-ones kh×kw kernel at stride (kh, kw): every input pixel
             spread over its block (where PyTorch's float rule below reads i // k). Its gradient sums each
             block (sum pooling, the convolution), and vice versa. Other ratios: a gather by PyTorch's index
             rule floor(i · in/out) in float32, whose gradient is a scatter-add; but an axis that keeps its
             size is copied, and one that doubles reads i // 2, whatever the scale factor (PyTorch's
             nearest_idx).
             nearest-exact: the same gather by PyTorch's rule floor((i + 1/2) · in/out) (the product in float64,
             rounded to float32 before the floor), which centres each output pixel on its source (Pillow's and
             scikit-image's), with no exception for the axes that keep or double their size. (Of (N, C, L)
             inputs too, the 2-d rule: PyTorch's 1-d CPU kernel reads one pixel further where (i + 1/2)·in/out
             is a whole number that float32 rounds below, in 7 of the 3,900 sizes up to 39 → 99.)
             area: adaptive_avg_pool2d to the output size (each output pixel the mean of its bin).
             linear (of (N, C, L) inputs): bilinear of height-1 images, whose height it copies.
             bilinear, bicubic: separable, y = A_h·x·A_wᵀ per plane, dx = A_hᵀ·g·A_w (see _across_planes);
             row i of A (out × n, one axis of n inputs) holds the weights by which output pixel i sums the inputs.
             They are a kernel K of the distance d from i's source coordinate to each input pixel, of radius r
             (K = 0 from |d| = r on): bilinear's triangle 1 - |d| (r = 1), bicubic's cubic convolution (Keys; r = 2)
                 K(d) = (a+2)|d|³ - (a+3)|d|² + 1         for |d| < 1
                        a|d|³ - 5a|d|² + 8a|d| - 4a       for 1 <= |d| < 2.
             PyTorch's rules: scale = (n-1)/(out-1) with align_corners (0 for out = 1), else n/out or
             1/scale_factor; an axis that keeps its size is copied (A = I) whatever the scale, except by bicubic
             without antialias.
             Without antialias: s = i·scale with align_corners, else (i + 1/2)·scale - 1/2 (clamped at 0 for
             bilinear); the 2r inputs floor(s) - r + 1 ... floor(s) + r weigh K(s - input), a = -0.75, and an
             input past an edge reads the edge pixel (its weight adds to the edge pixel's).
             With antialias (for downscaling; PyTorch's and PIL's): the kernel is stretched by the downscale
             factor f = max(scale, 1), so that each output pixel averages every input it covers rather than
             sampling 2r of them. Centre c = (i + 1/2)·scale (align_corners changes the scale only); the inputs
             j inside the image with trunc(c - rf + 1/2) <= j < trunc(c + rf + 1/2) weigh K((j + 1/2 - c)/f),
             normalised to sum 1, a = -0.5.
"""
import functools
import math
import warnings

import numpy as np

from ..arguments import int_pair, int_tuple, is_int, positive_pair, positive_tuple, require
from ..autograd.function import Function
from ..tensor import Tensor
from .activation import require_floating
from .conv import (Conv2d, Conv2dInputGrad, conv3d, height_one, on_height_one, require_rank, takes_unbatched,
                   takes_unbatched_volume, window_taps)
from .linear import linear
from .pad import pad


class GatherPlanes(Function):
    """y[n, c, i, j] = x[n, c].flat[index[n, c, i, j]];  dx = ScatterPlanes(g, index)."""

    @staticmethod
    def forward(ctx, x, *, index):
        planes = x.reshape(x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        flat_index = index.reshape(index.shape[0], index.shape[1], index.shape[2] * index.shape[3])
        return ctx.xp.take_along_axis(planes, flat_index, axis=2).reshape(index.shape)

    @staticmethod
    def backward(ctx, g):
        return ScatterPlanes.apply(g, index=ctx.index, x_shape=ctx.inputs[0].shape)


class ScatterPlanes(Function):
    """y = zeros(x_shape) with y[n, c].flat[index[n, c, i, j]] += g[n, c, i, j];  dg = GatherPlanes(G, index)."""

    @staticmethod
    def forward(ctx, g, *, index, x_shape):
        return ctx.backend.plane_scatter_add(g, index, x_shape)

    @staticmethod
    def backward(ctx, grad):
        return GatherPlanes.apply(grad, index=ctx.index)


def _pool_output_size(size, kernel, stride, padding, dilation, ceil_mode):
    out = []
    for n, k, s, p, d in zip(size, kernel, stride, padding, dilation):
        span = n + 2 * p - d * (k - 1) - 1
        o = (span + (s - 1 if ceil_mode else 0)) // s + 1
        if ceil_mode and (o - 1) * s >= n + p:  # the last window must start inside the input or its left padding
            o -= 1
        out.append(o)
    return tuple(out)


def _require_images(op, x, dims=2):
    """x is a floating (N, C, H, W) tensor, or (N, C, D, H, W) for dims = 3 (takes_unbatched has made a (C, H, W)
    one a batch of one, takes_unbatched_volume a (C, D, H, W) one)."""
    require_floating(op, x)
    require_rank(op, x, dims)


def _window_geometry(op, x, kernel_size, stride, padding, dilation, ceil_mode, dims=2):
    """(kernel, stride, padding, dilation, out_size), each a tuple of `dims` ints, checked against x's shape."""
    _require_images(op, x, dims)
    kernel = int_tuple(op, "kernel_size", kernel_size, 1, length=dims)
    no_stride = stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0)  # PyTorch's default
    stride = kernel if no_stride else int_tuple(op, "stride", stride, 1, length=dims)
    padding = int_tuple(op, "padding", padding, 0, length=dims)
    dilation = int_tuple(op, "dilation", dilation, 1, length=dims)
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise ValueError(f"{op}: padding {padding} must be at most half of the kernel size {kernel}")
    out_hw = _pool_output_size(x.shape[2:], kernel, stride, padding, dilation, ceil_mode)
    if min(out_hw) <= 0:
        raise ValueError(f"{op}: kernel of size {kernel} with dilation {dilation} does not fit the input of shape "
                         f"{x.shape} with padding {padding} (output size {out_hw})")
    for n, k, s, p, d, o in zip(x.shape[2:], kernel, stride, padding, dilation, out_hw):
        # a dilated window can straddle a tiny input
        if not _inside(window_taps(np, o, k, s, p, d), n).any(axis=1).all():
            raise ValueError(f"{op}: with kernel {kernel}, dilation {dilation} and padding {padding}, a window "
                             f"over the input of shape {x.shape} covers only padding")
    return kernel, stride, padding, dilation, out_hw


def _inside(taps, size):
    return (taps >= 0) & (taps < size)


def _gather_at(x, index):
    """y[n, c, ...] = x[n, c].flat[index[n, c, ...]], for images (N, C, H, W) or volumes (N, C, D, H, W): GatherPlanes,
    a volume as a plane of D rows of H·W (its flat index d·H·W + h·W + w is the plane's), so that pooling's
    maxima have gradients of every order in either."""
    if x.ndim == 4:
        return GatherPlanes.apply(x, index=index)
    batch, channels, depth, height, width = x.shape
    rows = GatherPlanes.apply(x.reshape(batch, channels, depth, height * width),
                              index=index.reshape(*index.shape[:3], index.shape[3] * index.shape[4]))
    return rows.reshape(index.shape)


@takes_unbatched
def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False, *,
               _op="max_pool2d"):
    """y = max over each window; with return_indices also the flat index ih·W + iw of each maximum. _op: the op
    named in errors (max_pool1d runs here)."""
    kernel, stride, padding, dilation, out_hw = _window_geometry(
        _op, input, kernel_size, stride, padding, dilation, ceil_mode)
    argmax = input.backend.max_pool2d_argmax(input.array, kernel, stride, padding, dilation, out_hw)
    y = _gather_at(input, argmax)
    return (y, Tensor(argmax)) if return_indices else y


def _max_pool3d_argmax(x, kernel, stride, padding, dilation, out_size):
    """(N, C, OD, OH, OW) int64: the flat index d·H·W + h·W + w of each window's first maximum in (d, h, w) order, as
    PyTorch's. A maximum is separable: max_pool2d's kernel finds each depth plane's window maxima (the first in
    (h, w) order), and argmax over the KD depth taps of a window takes the first of theirs. A tap in the depth
    padding reads the window's first plane inside the input instead, which changes neither the maximum nor which
    plane holds it first."""
    xp = x.backend.xp  # the indices are computed where x lives (see pad._source_index)
    batch, channels, depth, height, width = x.shape
    planes = x.array.reshape(batch, channels * depth, height, width)
    in_plane = x.backend.max_pool2d_argmax(planes, kernel[1:], stride[1:], padding[1:], dilation[1:], out_size[1:])
    in_plane = in_plane.reshape(batch, channels, depth, out_size[1] * out_size[2])
    plane_maxima = xp.take_along_axis(planes.reshape(batch, channels, depth, height * width), in_plane, axis=3)
    taps = window_taps(xp, out_size[0], kernel[0], stride[0], padding[0], dilation[0])
    inside = _inside(taps, depth)
    first_inside = taps[xp.arange(out_size[0]), inside.argmax(axis=1)]
    taps = xp.where(inside, taps, first_inside[:, None])
    best = plane_maxima[:, :, taps].argmax(axis=3)  # (N, C, OD, OH·OW): the window's first tap holding its maximum
    best_depth = taps[xp.arange(out_size[0])[:, None], best]
    argmax = best_depth * (height * width) + xp.take_along_axis(in_plane, best_depth, axis=2)
    return argmax.reshape(batch, channels, *out_size)


@takes_unbatched_volume
def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """y = max over each window of (N, C, D, H, W) or (C, D, H, W); with return_indices also the flat index
    d·H·W + h·W + w of each maximum (_max_pool3d_argmax)."""
    kernel, stride, padding, dilation, out_size = _window_geometry(
        "max_pool3d", input, kernel_size, stride, padding, dilation, ceil_mode, dims=3)
    argmax = _max_pool3d_argmax(input, kernel, stride, padding, dilation, out_size)
    y = _gather_at(input, argmax)
    return (y, Tensor(argmax)) if return_indices else y


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """y = max over each window along the last axis; with return_indices also each maximum's index along it:
    max_pool2d of height-1 images."""
    op = "max_pool1d"
    stride = None if stride is None else height_one(op, "stride", stride, 1)  # None: the kernel size
    return on_height_one(op, lambda x: max_pool2d(
        x, height_one(op, "kernel_size", kernel_size, 1), stride, height_one(op, "padding", padding, 0),
        height_one(op, "dilation", dilation, 1), ceil_mode, return_indices, _op=op), input)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """y = mean over each window along the last axis: avg_pool2d of height-1 images (PyTorch's takes no
    divisor_override)."""
    op = "avg_pool1d"
    stride = None if stride is None else height_one(op, "stride", stride, 1)  # None: the kernel size
    return on_height_one(op, lambda x: avg_pool2d(
        x, height_one(op, "kernel_size", kernel_size, 1), stride, height_one(op, "padding", padding, 0), ceil_mode,
        count_include_pad, _op=op), input)


def _ones_kernel(x, kernel):
    return Tensor(x.backend.xp.ones((1, 1) + tuple(kernel), dtype=x.dtype))


def _window_counts(size, kernel, stride, padding, out, count_include_pad):
    """Per output position along one axis: how many taps of its window the divisor counts."""
    start = np.arange(out) * stride - padding
    stop = np.minimum(start + kernel, size + padding)
    if count_include_pad:
        return stop - start
    return np.minimum(stop, size) - np.maximum(start, 0)


def _window_sums(x, kernel, stride, padding):
    """Each window's sum over one-channel planes (M, 1, H, W) or volumes (M, 1, D, H, W): their convolution with an
    all-ones kernel."""
    if x.ndim == 4:
        return Conv2d.apply(x, _ones_kernel(x, kernel), stride=stride, padding=padding, dilation=(1, 1))
    return conv3d(x, _ones_kernel(x, kernel), stride=stride, padding=padding)


def _average_pool(op, input, dims, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    """avg_pool2d (dims = 2) and avg_pool3d (dims = 3): y = (sum over each window) / divisor."""
    # an int, as PyTorch's: a divisor that stands in for the count of a window's taps
    require(op, "divisor_override", divisor_override, lambda v: v is None or (is_int(v) and v > 0),
            "None or an int > 0")
    kernel, stride, padding, _, out_size = _window_geometry(op, input, kernel_size, stride, padding, 1, ceil_mode,
                                                            dims)
    batch, channels, *size = input.shape
    planes = input.reshape(batch * channels, 1, *size)
    # ceil_mode's last window may reach past the padding on the far side: give it zeros to cover
    extra = [max(0, (o - 1) * s + k - (n + 2 * p)) for o, s, k, n, p in zip(out_size, stride, kernel, size, padding)]
    if any(extra):
        planes = pad(planes, tuple(amount for e in reversed(extra) for amount in (0, e)))
    sums = _window_sums(planes, kernel, stride, padding).reshape(batch, channels, *out_size)
    if divisor_override is not None:
        return sums / divisor_override
    counts = [_window_counts(n, k, s, p, o, count_include_pad)
              for n, k, s, p, o in zip(size, kernel, stride, padding, out_size)]
    divisor = functools.reduce(np.multiply.outer, counts).astype(input.dtype)
    return sums / Tensor(input.backend.from_host(divisor))


@takes_unbatched
def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None, *, _op="avg_pool2d"):
    """y = (sum over each window) / divisor: the window's size (count_include_pad: padding counts;
    otherwise only the input taps count), or divisor_override. _op: the op named in errors (avg_pool1d runs
    here)."""
    return _average_pool(_op, input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad,
                         divisor_override)


@takes_unbatched_volume
def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """y = (sum over each window of (N, C, D, H, W) or (C, D, H, W)) / divisor, as avg_pool2d's: the window sums are
    conv3d with an all-ones kernel."""
    return _average_pool("avg_pool3d", input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad,
                         divisor_override)


def _across_planes(x, *matrices):
    """R·x·Cᵀ for every (H, W) plane of an (N, C, H, W) tensor, R (out_h × H) and C (out_w × W) arrays of x's dtype
    where x lives: two products (linear, x @ Mᵀ along the last axis), whose gradients are products again, so every
    derivative order exists on every backend; dx = Rᵀ·g·C. Two-dimensional products, not a batched R @ x, because
    those are what the CUDA backend runs through cuBLAS (and a CUDA graph can record); the matrices are tiny next
    to the images, and rows go first so that the output is contiguous, as PyTorch's. The matrices are built with
    the backend's xp rather than copied from the host, which a CUDA graph could not record (see
    pad._source_index). Given three matrices, x is (N, C, D, H, W) and the first acts along its depth, first."""
    last = x.ndim - 1
    for axis, matrix in zip(range(x.ndim - len(matrices), last), matrices):
        x = linear(x.transpose(axis, last), Tensor(matrix)).transpose(axis, last)
    return linear(x, Tensor(matrices[-1]))


def _adaptive_output_size(op, x, output_size):
    """output_size as a tuple, one size per spatial axis of x: an int for all, or a sequence in which None keeps the
    input's size."""
    dims = x.ndim - 2
    if isinstance(output_size, (tuple, list)) and len(output_size) == dims:
        output_size = tuple(n if o is None else o for o, n in zip(output_size, x.shape[2:]))
    out_size = int_tuple(op, "output_size", output_size, 1, length=dims)
    if 0 in x.shape[2:]:
        raise ValueError(f"{op}: the input of shape {x.shape} has no rows or columns to pool into {out_size}")
    return out_size


def _bins(xp, size, out):
    """(start, stop): PyTorch's bins [floor(i·size/out), ceil((i+1)·size/out)) of one axis, i < out."""
    return xp.arange(out) * size // out, -(-xp.arange(1, out + 1) * size // out)


def _bin_average_matrix(xp, size, out, dtype):
    """(out, size): row i holds 1/|bin| on bin i (_bins), 0 elsewhere."""
    start, stop = _bins(xp, size, out)
    taps = xp.arange(size)
    inside = (taps >= start[:, None]) & (taps < stop[:, None])
    return (inside / (stop - start)[:, None]).astype(dtype)


def _adaptive_average(op, input, output_size, dims):
    """adaptive_avg_pool2d (dims = 2) and adaptive_avg_pool3d (dims = 3)."""
    _require_images(op, input, dims)
    out_size = _adaptive_output_size(op, input, output_size)
    in_size = input.shape[2:]
    if all(n % o == 0 for n, o in zip(in_size, out_size)):
        return _average_pool(op, input, dims, tuple(n // o for n, o in zip(in_size, out_size)), None, 0, False,
                             True, None)
    return _across_planes(input, *(_bin_average_matrix(input.backend.xp, n, o, input.dtype)
                                   for n, o in zip(in_size, out_size)))


@takes_unbatched
def adaptive_avg_pool2d(input, output_size):
    """y = mean over each of output_size bins per axis (module docstring): avg_pool2d with kernel = stride = n/out
    where out divides n on both axes, else R·x·Cᵀ with R and C the bin averages (_across_planes).
    Unequal, overlapping bins are no window geometry of avg_pool2d. Rather than a slice and a mean per bin (out_h·out_w
    nodes, each a launch on the GPU), they are two small matrix products: two nodes, BLAS on either backend,
    derivatives of every order, at O(n·out) per row and column instead of O(n), little for the few output pixels
    adaptive pooling makes (1×1, 4×4, 7×7)."""
    return _adaptive_average("adaptive_avg_pool2d", input, output_size, 2)


@takes_unbatched_volume
def adaptive_avg_pool3d(input, output_size):
    """y = mean over each of output_size bins per axis of (N, C, D, H, W) or (C, D, H, W), as adaptive_avg_pool2d's:
    avg_pool3d where out divides n on every axis, else three small products, depth first (_across_planes)."""
    return _adaptive_average("adaptive_avg_pool3d", input, output_size, 3)


def _bin_taps(xp, size, out):
    """(out, widest bin): the indices of each bin (_bins) along one axis, a short bin's padded with its first
    index, which repeats a tap of the same bin and so changes neither its maximum nor which tap comes first."""
    start, stop = _bins(xp, size, out)
    widest = max(int(end - begin) for begin, end in zip(*_bins(np, size, out)))  # on the host: reading xp's waits
    taps = start[:, None] + xp.arange(widest)
    return xp.where(taps < stop[:, None], taps, start[:, None])


def _bin_argmax(x, out_size):
    """(N, C, *out_size) int64: the flat index in x's plane (ih·W + iw) or volume (id·H·W + ih·W + iw) of each bin's
    first maximum in row-major order. Each bin's taps are listed in row-major order (*out_size, taps), their values
    gathered, and argmax, which returns the first maximum, picks one."""
    xp = x.backend.xp  # the indices are computed where x lives (see pad._source_index)
    batch, channels, *size = x.shape
    dims, taps = len(size), 0
    for axis, (n, o) in enumerate(zip(size, out_size)):
        # axis k's bins (o, widest) along dimensions k and dims + k of the (*out_size, *widest) grid, times its stride
        shape = [1] * (2 * dims)
        shape[axis], shape[dims + axis] = o, -1
        taps = taps + _bin_taps(xp, n, o).reshape(shape) * math.prod(size[axis + 1:])
    taps = taps.reshape(*out_size, -1)
    first_maximum = x.array.reshape(batch, channels, math.prod(size))[:, :, taps].argmax(axis=-1)
    bins = tuple(xp.arange(o).reshape((-1,) + (1,) * (dims - 1 - axis)) for axis, o in enumerate(out_size))
    return taps[bins + (first_maximum,)]


def _adaptive_maximum(op, input, output_size, return_indices, dims, max_pool):
    """adaptive_max_pool2d (dims = 2, max_pool = max_pool2d) and adaptive_max_pool3d (3, max_pool3d)."""
    _require_images(op, input, dims)
    out_size = _adaptive_output_size(op, input, output_size)
    in_size = input.shape[2:]
    if all(n % o == 0 for n, o in zip(in_size, out_size)):
        return max_pool(input, tuple(n // o for n, o in zip(in_size, out_size)), return_indices=return_indices)
    argmax = _bin_argmax(input, out_size)
    y = _gather_at(input, argmax)
    return (y, Tensor(argmax)) if return_indices else y


@takes_unbatched
def adaptive_max_pool2d(input, output_size, return_indices=False):
    """y = max over each of output_size bins per axis (module docstring); with return_indices also the flat index
    ih·W + iw of each maximum. Where out divides n on both axes, max_pool2d with kernel = stride = n/out; other
    sizes gather x at each bin's argmax, found on the arrays as max_pool2d's kernel finds it: the bins differ in
    size and overlap, which no window geometry of max_pool2d describes, and one gather node (of gradients of every
    order, GatherPlanes) serves all of them."""
    return _adaptive_maximum("adaptive_max_pool2d", input, output_size, return_indices, 2, max_pool2d)


@takes_unbatched_volume
def adaptive_max_pool3d(input, output_size, return_indices=False):
    """y = max over each of output_size bins per axis of (N, C, D, H, W) or (C, D, H, W), as adaptive_max_pool2d's;
    with return_indices also the flat index d·H·W + h·W + w of each maximum."""
    return _adaptive_maximum("adaptive_max_pool3d", input, output_size, return_indices, 3, max_pool3d)


def adaptive_avg_pool1d(input, output_size):
    """y = mean over each of output_size bins along the last axis of (N, C, L) or (C, L): adaptive_avg_pool2d of
    height-1 images (the same bins, module docstring)."""
    op = "adaptive_avg_pool1d"
    size = height_one(op, "output_size", output_size, 1)
    return on_height_one(op, lambda x: adaptive_avg_pool2d(x, size), input)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """y = max over each of output_size bins along the last axis of (N, C, L) or (C, L); with return_indices also
    each maximum's index along it: adaptive_max_pool2d of height-1 images (whose flat index ih·L + il is il)."""
    op = "adaptive_max_pool1d"
    size = height_one(op, "output_size", output_size, 1)
    return on_height_one(op, lambda x: adaptive_max_pool2d(x, size, return_indices), input)


def _output_size_and_scales(op, x, size, scale_factor, recompute_scale_factor):
    """(out_hw, scales): PyTorch's output size, and per axis the scale its source-index rules multiply an output
    index by: in/out, or 1/scale_factor when scale_factor is given and recompute_scale_factor is not (which
    differ where in·scale_factor is not a whole number)."""
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size and scale_factor")
    if recompute_scale_factor and size is not None:
        raise ValueError(f"{op}: recompute_scale_factor=True is for a scale_factor, not an explicit size {size}")
    out_hw = int_pair(op, "size", size, 1) if size is not None else _scaled_size(op, x, scale_factor)
    if size is not None or recompute_scale_factor:
        return out_hw, tuple(n / o for n, o in zip(x.shape[2:], out_hw))
    return out_hw, tuple(1.0 / s for s in positive_pair(op, "scale_factor", scale_factor))


def _scaled_size(op, x, scale_factor):
    out_hw = tuple(int(math.floor(n * s)) for n, s in zip(x.shape[2:], positive_pair(op, "scale_factor", scale_factor)))
    if min(out_hw) <= 0:
        raise ValueError(f"{op}: scale_factor {scale_factor} turns the input of shape {x.shape} into size {out_hw}")
    return out_hw


# Keys' parameter a of the cubic convolution kernel (module docstring): PyTorch's bicubic resizing takes OpenCV's,
# its antialiased bicubic resizing PIL's
CUBIC_A = -0.75
ANTIALIASED_CUBIC_A = -0.5
# the modes that interpolate between inputs through a kernel, and the radius of each one's kernel in input pixels
KERNEL_RADIUS = {"bilinear": 1, "bicubic": 2}
# the modes that take each output pixel from the inputs without a kernel, and so no align_corners, on any rank
UNINTERPOLATED_MODES = ("nearest", "nearest-exact", "area")


def _kernel(xp, mode, antialias, d):
    """K(d) of the mode (module docstring), in d's dtype; the cubic in PyTorch's Horner forms, as it rounds."""
    real = d.dtype.type
    d = abs(d)
    if mode == "bilinear":
        return xp.maximum(real(1) - d, real(0))
    a = real(ANTIALIASED_CUBIC_A if antialias else CUBIC_A)
    near = ((a + 2) * d - (a + 3)) * d * d + 1
    far = ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
    return xp.where(d < 1, near, xp.where(d < 2, far, real(0)))


def _interpolation_taps(xp, out, scale, mode, align_corners, dtype):
    """(first, weights): output pixel i weighs the inputs first[i] + k by weights[i, k], k < 2r, without
    antialias (module docstring)."""
    real, radius = np.dtype(dtype).type, KERNEL_RADIUS[mode]
    index = xp.arange(out, dtype=dtype)
    if align_corners:
        source = index * scale
    else:
        source = (index + real(0.5)) * scale - real(0.5)
        if mode == "bilinear":  # bicubic keeps a source left of the first input, and reads past the edge
            source = xp.maximum(source, real(0))
    below = xp.floor(source)  # at most n - 1 (s < n - 1/2, or s <= n - 1 aligned), which PyTorch's cap never changes
    # s - (floor(s) - r + 1 + k) = t + r - 1 - k, t = s - floor(s): PyTorch's arguments of K, rounded as it rounds
    distances = (source - below)[:, None] + xp.arange(radius - 1, -radius - 1, -1, dtype=dtype)
    return below.astype(np.int64) - (radius - 1), _kernel(xp, mode, False, distances)


def _antialiased_taps(xp, size, out, scale, mode, dtype):
    """(first, weights): output pixel i weighs the inputs first[i] + k by weights[i, k] with antialias (module
    docstring), the taps past i's support weighing 0. The bounds truncate as PyTorch's casts to int64 do."""
    real = np.dtype(dtype).type
    stretch = max(scale, real(1))
    support = KERNEL_RADIUS[mode] * stretch
    taps = 2 * math.ceil(support) + 1  # the most inputs a support of this width can cover
    center = (xp.arange(out, dtype=dtype) + real(0.5)) * scale
    first = xp.maximum((center - support + real(0.5)).astype(np.int64), 0)
    count = xp.minimum((center + support + real(0.5)).astype(np.int64), size) - first
    tap = xp.arange(taps)
    # times 1/f rather than over f, as PyTorch rounds
    distances = ((first[:, None] + tap).astype(dtype) - center[:, None] + real(0.5)) * (real(1) / stretch)
    weights = _kernel(xp, mode, True, distances) * (tap < count[:, None])
    return first, weights / weights.sum(axis=1, keepdims=True)


def _resampling_matrix(xp, size, out, scale, mode, align_corners, antialias, dtype):
    """(out, size): row i the weights by which output pixel i sums the inputs along one axis (module docstring),
    computed in the input's dtype as PyTorch computes them. Each tap's weight goes to its input's column, a tap
    past an edge to the edge's: the sum over taps of weight × (column == tap's input), which adds the weights of
    taps that read the same pixel. On the way it holds out × taps × size numbers: a few times the matrix without
    antialias (2r taps), about 2r·f times it antialiased by a factor f, still small next to the images."""
    if out == size and (mode == "bilinear" or antialias):  # copied whatever the scale, as PyTorch copies it
        return xp.eye(size, dtype=dtype)
    real = np.dtype(dtype).type
    if align_corners:
        scale = real(size - 1) / real(out - 1) if out > 1 else real(0)
    else:
        scale = real(scale)
    if antialias:
        first, weights = _antialiased_taps(xp, size, out, scale, mode, dtype)
    else:
        first, weights = _interpolation_taps(xp, out, scale, mode, align_corners, dtype)
    inputs = xp.clip(first[:, None] + xp.arange(weights.shape[1]), 0, size - 1)
    return (weights[:, :, None] * (inputs[:, :, None] == xp.arange(size))).sum(axis=1)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resizing of (N, C, H, W) to `size` or by `scale_factor`, mode "nearest", "nearest-exact", "area", "bilinear"
    or "bicubic" (align_corners False unless given; antialias, for downscaling, with the last two), or of (N, C, L),
    mode "nearest", "nearest-exact", "area" or "linear"; see the module docstring."""
    op = "interpolate"
    require_floating(op, input)
    if mode not in UNINTERPOLATED_MODES and mode != "linear" and mode not in KERNEL_RADIUS:
        raise NotImplementedError(f"{op}: mode {mode!r} is not implemented; only 'nearest', 'nearest-exact', "
                                  f"'area', 'linear', 'bilinear' and 'bicubic' are")
    if antialias and (mode not in KERNEL_RADIUS or input.ndim != 4):  # as PyTorch
        raise ValueError(f"{op}: antialias needs mode 'bilinear' or 'bicubic' and a 4-D input (N, C, H, W), got "
                         f"mode {mode!r} and shape {input.shape}")
    if (mode == "linear") != (input.ndim == 3) and mode not in UNINTERPOLATED_MODES:  # PyTorch's modes and ranks
        raise ValueError(f"{op}: mode {mode!r} needs a {'3' if mode == 'linear' else '4'}-D input, got shape "
                         f"{input.shape}")
    if mode in UNINTERPOLATED_MODES and align_corners is not None:  # as PyTorch: it would mean nothing there
        raise ValueError(f"{op}: align_corners can only be set with modes 'linear', 'bilinear' and 'bicubic', "
                         f"not {mode!r}")
    if input.ndim == 3:
        return _interpolate_1d(input, size, scale_factor, mode, align_corners, recompute_scale_factor)
    if input.ndim != 4:
        raise ValueError(f"{op}: expected a 3-D input (N, C, L) or a 4-D one (N, C, H, W), got shape {input.shape}")
    out_hw, scales = _output_size_and_scales(op, input, size, scale_factor, recompute_scale_factor)
    if mode == "area":
        return adaptive_avg_pool2d(input, out_hw)
    if mode in ("nearest", "nearest-exact"):
        return _nearest(input, out_hw, scales, exact=mode == "nearest-exact")
    return _across_planes(input, *(_resampling_matrix(input.backend.xp, n, o, s, mode, bool(align_corners),
                                                      bool(antialias), input.dtype)
                                   for n, o, s in zip(input.shape[2:], out_hw, scales)))


def _interpolate_1d(input, size, scale_factor, mode, align_corners, recompute_scale_factor):
    """(N, C, L) resized along L: the 2-d resizing of height-1 images, "linear" as "bilinear", whose height every
    mode copies (module docstring)."""
    op = "interpolate"
    if size is not None:
        size = height_one(op, "size", size, 1)
    if scale_factor is not None:
        scale_factor = (1.0,) + positive_tuple(op, "scale_factor", scale_factor, length=1)
    return on_height_one(op, lambda x: interpolate(
        x, size, scale_factor, "bilinear" if mode == "linear" else mode, align_corners, recompute_scale_factor),
        input)


def _deprecated_upsample(name, input, size, scale_factor, mode, align_corners=None):
    warnings.warn(f"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate` instead.",  # PyTorch's words
                  UserWarning, stacklevel=3)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """PyTorch's deprecated name of interpolate (with its warning)."""
    return _deprecated_upsample("upsample", input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: interpolate(..., mode="nearest"), with PyTorch's warning."""
    return _deprecated_upsample("upsample_nearest", input, size, scale_factor, "nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: interpolate(..., mode="bilinear", align_corners=True) — the corners aligned, unlike
    interpolate's default — with PyTorch's warning."""
    return _deprecated_upsample("upsample_bilinear", input, size, scale_factor, "bilinear", align_corners=True)


def _nearest(input, out_hw, scales, exact):
    """Nearest-neighbour resizing (module docstring), by PyTorch's index rule floor(i·scale) in float32, or with
    `exact` ("nearest-exact") floor((i + 1/2)·scale)."""
    batch, channels, height, width = input.shape
    scales = tuple(np.float32(s) for s in scales)
    # an axis whose output is k times its input runs as a block copy where the rule reads i // k: not so for a
    # scale_factor that only rounds down to k times, nor for some k where i·(1/k) rounds below a whole number in
    # float32 (k = 41, i = 41); checked on the host, a few numbers per output pixel of one row
    factors = [o // n if o % n == 0 and np.array_equal(_nearest_sources(np, o, s, n, exact), np.arange(o) // (o // n))
               else 0 for n, o, s in zip((height, width), out_hw, scales)]
    if all(factors):
        if factors == [1, 1]:
            return input.clone()
        planes = input.reshape(batch * channels, 1, height, width)
        y = Conv2dInputGrad.apply(planes, _ones_kernel(input, factors), x_shape=(batch * channels, 1) + out_hw,
                                  stride=tuple(factors), padding=(0, 0), dilation=(1, 1))
        return y.reshape(batch, channels, *out_hw)
    xp = input.backend.xp  # the source rows and columns are computed where the input lives (see pad._source_index)
    rows, cols = (_nearest_sources(xp, o, s, n, exact) for o, s, n in zip(out_hw, scales, (height, width)))
    return input[:, :, rows[:, None], cols[None, :]]


def _nearest_sources(xp, out, scale, size, exact):
    """The input pixel each of `out` output pixels reads along an axis of `size`: floor(i·scale) in float32, except
    that an axis that keeps its size is copied and one that doubles reads i // 2 whatever the scale, as PyTorch's
    nearest_idx sets those two apart from float rounding; or with `exact`, floor((i + 1/2)·scale) with no
    exceptions, as PyTorch's nearest_exact_idx (its floorf((i + 0.5) * scale): the product in double, rounded to
    float before the floor)."""
    if exact:
        source = ((xp.arange(out) + 0.5) * np.float64(scale)).astype(np.float32)
    elif out in (size, 2 * size):
        return xp.arange(out) // (out // size)
    else:
        source = xp.arange(out, dtype=np.float32) * scale
    return xp.minimum(xp.floor(source).astype(np.int64), size - 1)
