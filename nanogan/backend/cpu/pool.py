"""Max-pooling kernels (numba): finding each window's maximum, and scatter-adding into planes.
Average pooling and nearest upsampling need none of their own: they are convolutions with a
constant kernel (ops/pool.py), run by the convolution kernels.

Notation: x (N, C, H, W), argmax (N, C, OH, OW); a window tap (a, b) of output pixel (oh, ow) reads
x at ih = oh·sh - ph + a·dh, iw = ow·sw - pw + b·dw; taps outside the input are skipped (the padding
counts as -inf). argmax holds the flat index ih·W + iw of the chosen tap within its plane.
"""
import numpy as np
from numba import njit, prange

from .threads import threads_for


@njit(cache=True, parallel=True)
def _max_pool_argmax(x, kernel_h, kernel_w, sh, sw, ph, pw, dh, dw, argmax):
    # argmax[n, c, oh, ow] = ih·W + iw of the first in-range tap holding the window's maximum,
    # where a NaN beats every number (PyTorch's rule: take v when v > best or v is NaN).
    # One task per plane (n, c).
    batch, channels, height, width = x.shape
    out_h, out_w = argmax.shape[2], argmax.shape[3]
    for task in prange(batch * channels):
        n = task // channels
        c = task - n * channels
        for oh in range(out_h):
            for ow in range(out_w):
                best = -np.inf
                best_index = -1
                for a in range(kernel_h):
                    ih = oh * sh - ph + a * dh
                    if ih < 0 or ih >= height:
                        continue
                    for b in range(kernel_w):
                        iw = ow * sw - pw + b * dw
                        if iw < 0 or iw >= width:
                            continue
                        value = x[n, c, ih, iw]
                        if best_index < 0 or value > best or np.isnan(value):
                            best = value
                            best_index = ih * width + iw
                argmax[n, c, oh, ow] = best_index


@njit(cache=True, parallel=True)
def _scatter_planes(gy, index, gx):
    # gx[n, c].flat[index[n, c, oh, ow]] += gy[n, c, oh, ow] over all (oh, ow), from zero
    # (overlapping windows can pick one input twice). One task per plane (n, c): no races.
    batch, channels, height, width = gx.shape
    out_h, out_w = gy.shape[2], gy.shape[3]
    for task in prange(batch * channels):
        n = task // channels
        c = task - n * channels
        gx[n, c] = 0
        for oh in range(out_h):
            for ow in range(out_w):
                flat = index[n, c, oh, ow]
                gx[n, c, flat // width, flat % width] += gy[n, c, oh, ow]


def max_pool2d_argmax(x, kernel, stride, padding, dilation, out_hw):
    """argmax (N, C, *out_hw), int64: the flat index ih·W + iw in its plane of each window's maximum."""
    argmax = np.empty(x.shape[:2] + tuple(out_hw), dtype=np.int64)
    with threads_for(argmax.size * kernel[0] * kernel[1]):
        _max_pool_argmax(np.ascontiguousarray(x), *kernel, *stride, *padding, *dilation, argmax)
    return argmax


def plane_scatter_add(g, index, x_shape):
    """y of shape x_shape, zero but for y[n, c].flat[index[n, c, i, j]] += g[n, c, i, j]
    (max pooling's input gradient; index and g share one shape)."""
    y = np.empty(x_shape, dtype=g.dtype)
    with threads_for(y.size + g.size):
        _scatter_planes(np.ascontiguousarray(g), np.ascontiguousarray(index), y)
    return y
