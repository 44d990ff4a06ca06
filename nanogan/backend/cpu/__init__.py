"""The CPU backend: numpy arrays, BLAS matrix products, numba kernels for the loops.

The flat kernel interface every backend provides (ops/ calls only these):
  name, xp                      the array module (numpy here)
  owns(a), from_host(a), to_host(a), scatter_add(target, index, values)
plus the kernels of the sibling modules (conv, pool, norm), imported below.
  norm: batch_norm_stats, channel_affine, batch_norm_backward_reduce, batch_norm_backward_elemt
"""
import numpy as np

name = "cpu"
xp = np


def owns(array):
    return isinstance(array, (np.ndarray, np.generic))


def from_host(array):
    return np.asarray(array)


def to_host(array):
    return np.asarray(array)


def scatter_add(target, index, values):
    """target[index] += values, accumulating repeated indices (numpy's unbuffered add)."""
    np.add.at(target, index, values)
    return target


from .norm import (batch_norm_stats, channel_affine, batch_norm_backward_reduce,  # noqa: E402,F401
                   batch_norm_backward_elemt)
