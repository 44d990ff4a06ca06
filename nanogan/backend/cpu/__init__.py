"""The CPU backend: numpy arrays, BLAS matrix products, numba kernels for the loops.

The flat kernel interface every backend provides (ops/ calls only these):
  name, xp                      the array module (numpy here)
  owns(a), from_host(a), to_host(a)
  scatter_reduce(target, index, values, reduce)
                                target[index] ⊕= values in place for ⊕ = reduce ("sum", "prod", "amax" or
                                "amin"), every repeat of a position in index reducing its value in too
  matmul(a, b)                  a @ b with numpy's rules (BLAS; an outer product by broadcasting)
  remainder(a, b), fmod(a, b)   a mod b with the sign of b (Python's %) or of a (C's fmod), exact (numpy's)
  floor_divide(a, b)            ⌊a / b⌋ as Python's // computes it: (a - fmod(a, b)) / b rounded (numpy's)
  concatenate(arrays, axis)     the arrays joined along axis (numpy's)
  argsort(a, axis)              the int64 indices that sort a ascending along axis, stably (ties in their order)
  require(ok, error, message)   raise error(message) unless every element of the boolean array ok is true
                                (here at once; the CUDA backend at the next host read, so a step never waits)
plus the kernels of the sibling modules (blas, activation, penalty, conv, pool, norm), imported below.
  activation: leaky_relu(x, negative_slope) -> y,  leaky_relu_backward(x, g, negative_slope) -> dx
              sigmoid(x) -> y,  erf(x) -> y
  penalty: unit_norm_penalty(g) -> (penalty, norm),  unit_norm_penalty_backward(g, norm, gy) -> dg
  norm: batch_norm_stats, channel_affine, batch_norm_backward_reduce, batch_norm_backward_elemt,
        normalized_affine, running_average_, batch_norm_input_grad_backward
  conv: conv2d(x, w, stride, padding, dilation, bias=None) -> y  (+ bias[o] on channel o)
        conv2d_input_grad(gy, w, x_shape, stride, padding, dilation, bias=None) -> gx  (+ bias[c]: the forward
        of conv_transpose2d)
        conv2d_weight_grad(x, gy, w_shape, stride, padding, dilation) -> gw
  pool: max_pool2d_argmax(x, kernel, stride, padding, dilation, out_hw) -> argmax (int64, flat ih·W + iw)
        plane_scatter_add(g, index, x_shape) -> y  (y[n, c].flat[index] += g, from zero)
"""
import numpy as np

from .. import Device

name = Device("cpu")
xp = np


def owns(array):
    return isinstance(array, (np.ndarray, np.generic))


def from_host(array):
    return np.asarray(array)


def to_host(array):
    return np.asarray(array)


def require(ok, error, message):
    if not ok.all():
        raise error(message)


def concatenate(arrays, axis=0):
    return np.concatenate(arrays, axis=axis)


def argsort(a, axis):
    return np.argsort(a, axis=axis, kind="stable")


def remainder(a, b):
    return np.remainder(a, b)


def fmod(a, b):
    return np.fmod(a, b)


def floor_divide(a, b):
    return np.floor_divide(a, b)


# the ufuncs whose unbuffered `at` reduces every repeat of a position into the target, where target[index] ⊕= values
# would keep one of them
_REDUCE_AT = {"sum": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}


def scatter_reduce(target, index, values, reduce):
    """target[index] ⊕= values for ⊕ = `reduce` ("sum", "prod", "amax" or "amin"), each repeat of a position
    reducing its value in (numpy's ufunc.at); index as getitem takes it. Returns target."""
    _REDUCE_AT[reduce].at(target, index, values)
    return target


from .blas import matmul  # noqa: E402,F401
from .norm import (batch_norm_stats, channel_affine, batch_norm_backward_reduce,  # noqa: E402,F401
                   batch_norm_backward_elemt, normalized_affine, running_average_,
                   batch_norm_input_grad_backward)
from .conv import conv2d, conv2d_input_grad, conv2d_weight_grad  # noqa: E402,F401
from .activation import leaky_relu, leaky_relu_backward, sigmoid, erf  # noqa: E402,F401
from .penalty import unit_norm_penalty, unit_norm_penalty_backward  # noqa: E402,F401
from .pool import max_pool2d_argmax, plane_scatter_add  # noqa: E402,F401
