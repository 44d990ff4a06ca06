"""Wrappers of the normalisation, activation, gradient-penalty, optimiser, reduction, pooling and upsampling
kernels of csrc/kernels (batch_norm.cu, layer_norm.cu, activation.cu, grad_penalty.cu, optim.cu,
reduce_axis.cu, pool.cu, upsample.cu). Same contract as the wrappers of nanogan/_kernels.py: the library
first, then arrays of that library (C-contiguous float32), shapes and dtypes checked with errors that name
the op and the shapes, outputs allocated with `lib.xp`, grids computed from the kernels' own constants.
"""
from __future__ import annotations

import math

import numpy as np

from ._kernels import INT32_MAX, _pair, elementwise_grid

# ---- argument checks ------------------------------------------------------------------------------------


def _check(op, name, a, lib, shape=None, dtype=np.float32, min_ndim=1):
    """`a` is a C-contiguous `dtype` array of `lib`, of exactly `shape` when given."""
    if not (isinstance(a, lib.xp.ndarray) and a.dtype == dtype and a.flags.c_contiguous and a.ndim >= min_ndim):
        desc = f"{type(a).__name__} {getattr(a, 'dtype', '')} {tuple(getattr(a, 'shape', ()))}"
        raise ValueError(f"{op}: {name} must be a C-contiguous {np.dtype(dtype)} {lib.xp.__name__} array with at "
                         f"least {min_ndim} dimensions, got {desc}")
    if shape is not None and tuple(a.shape) != tuple(shape):
        raise ValueError(f"{op}: {name} has shape {tuple(a.shape)}, expected {tuple(shape)}")
    if a.size > INT32_MAX:
        raise ValueError(f"{op}: {name} {tuple(a.shape)} has more than 2**31-1 elements (32-bit kernel indexing)")
    return a


def _filled(lib, shape, value):
    """A new float32 array of `shape` holding `value` (only empty / empty_like / zeros are asked of lib.xp)."""
    a = lib.xp.empty(shape, dtype=np.float32)
    a[...] = value
    return a


def _channel_param(op, name, a, lib, channels, fill):
    """A per-channel parameter, or the constant `fill` (ones / zeros) when it is None (affine=False)."""
    if a is None:
        return _filled(lib, (channels,), fill)
    return _check(op, name, a, lib, (channels,))


def _launch_elementwise(lib, name, n, *args):
    lib.launch(name, elementwise_grid(lib, n), lib.constant("ELEMENTWISE_THREADS"), *args)


# ---- reduction along one axis (reduce_axis.cu) -------------------------------------------------------------

SUM_AXIS_ALGORITHMS = ("tile", "block")


def sum_axis(lib, x, axis, mean=False, algorithm=None):
    """Sum (or mean) of x over one axis, which is removed from the shape. algorithm: "tile" (a warp reads 32
    consecutive inner elements; the default when at least 32 elements follow the axis) or "block" (a block per
    output; the default otherwise, e.g. for the last axis)."""
    op = "sum_axis"
    _check(op, "x", x, lib)
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"{op}: axis {axis} out of range for shape {tuple(x.shape)}")
    axis %= x.ndim
    outer, length, inner = math.prod(x.shape[:axis]), x.shape[axis], math.prod(x.shape[axis + 1:])
    out_shape = x.shape[:axis] + x.shape[axis + 1:]
    if length == 0 or x.size == 0:
        raise ValueError(f"{op}: cannot reduce the empty axis {axis} of shape {tuple(x.shape)}")
    if algorithm is None:
        algorithm = "tile" if inner >= lib.constant("REDUCE_TILE_COLS") else "block"
    if algorithm not in SUM_AXIS_ALGORITHMS:
        raise ValueError(f"{op}: algorithm must be one of {SUM_AXIS_ALGORITHMS}, got {algorithm!r}")
    y = lib.xp.empty(out_shape, dtype=np.float32)
    scale = 1.0 / length if mean else 1.0
    if algorithm == "tile":
        cols, rows = lib.constant("REDUCE_TILE_COLS"), lib.constant("REDUCE_TILE_ROWS")
        lib.launch("sum_axis_fwd_tile", outer * math.ceil(inner / cols), (cols, rows), x, y, length, inner, scale)
    else:
        lib.launch("sum_axis_fwd_block", outer * inner, lib.constant("REDUCE_BLOCK_THREADS"), x, y, length, inner,
                   scale)
    return y


