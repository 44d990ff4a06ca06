"""Leaky ReLU and its gradient, the sigmoid and the error function:

    leaky_relu(x, slope)              -> y  = x if x > 0 else slope·x
    leaky_relu_backward(x, g, slope)  -> dx = g·s(x),  s(x) = 1 if x > 0 else slope; at x = NaN, PyTorch's: 1 for
                                         ReLU (slope 0: its threshold_backward zeroes g where x ≤ 0 only), slope else
    sigmoid(x)                        -> y  = 1 / (1 + e⁻ˣ)
    erf(x)                            -> y  = (2/√π) ∫₀ˣ e^(-t²) dt  (scipy.special's, in x's dtype)

slope = 0 is ReLU; its forward is max(x, 0), which keeps NaN and maps -inf to 0 (slope·x would give NaN there).

The CPU backend computes the leaky ReLU pair in numba, one pass over the values each. The array code
(`*_arrays`, for numpy or CuPy arrays: the CUDA backend runs it for the dtypes its kernels do not take) takes
three passes, a comparison, a product and a selection, each into a new temporary: 3.1 against 0.14 ms forward
(3.4 against 0.18 backward) on a (64, 64, 14, 14) float32 array, the WGAN-GP MNIST critic's first activation, on the
project's 2-core VM (benchmarks/README.md, 2026-12-02). Both give the same bits: the slope is cast to x's dtype,
and the product is the only arithmetic.
"""
import numpy as np
import scipy.special
from numba import njit, prange

from .. import array_module
from .threads import threads_for


def leaky_relu_arrays(x, negative_slope):
    xp = array_module(x)
    if negative_slope == 0:
        return xp.maximum(x, 0)
    return xp.where(x > 0, x, x * x.dtype.type(negative_slope))


def leaky_relu_backward_arrays(x, g, negative_slope):
    xp = array_module(x)
    one, slope = x.dtype.type(1), x.dtype.type(negative_slope)
    passes = ~(x <= 0) if negative_slope == 0 else x > 0
    return g * xp.where(passes, one, slope)


@njit(cache=True, parallel=True)
def _leaky_relu(x, slope, y):
    # y[i] = x[i] if x[i] > 0 else slope·x[i], over flat contiguous arrays
    for i in prange(x.size):
        y[i] = x[i] if x[i] > 0 else x[i] * slope


@njit(cache=True, parallel=True)
def _leaky_relu_backward(x, g, slope, dx):
    # dx[i] = g[i] if x[i] > 0 else slope·g[i]; a NaN x[i] passes g[i] where slope is 0 (ReLU)
    for i in prange(x.size):
        dx[i] = g[i] if x[i] > 0 or (slope == 0 and x[i] != x[i]) else g[i] * slope


def leaky_relu(x, negative_slope):
    if negative_slope == 0:  # ReLU's max(x, 0), already one pass
        return leaky_relu_arrays(x, negative_slope)
    x = np.asarray(x, order="C")  # not ascontiguousarray, which makes a 0-d array (1,)
    y = np.empty_like(x)
    with threads_for(x.size):
        _leaky_relu(x.reshape(-1), x.dtype.type(negative_slope), y.reshape(-1))
    return y


def leaky_relu_backward(x, g, negative_slope):
    x, g = np.asarray(x, order="C"), np.asarray(g, order="C")
    dx = np.empty(x.shape, np.result_type(x, g))
    with threads_for(x.size):
        _leaky_relu_backward(x.reshape(-1), g.reshape(-1), x.dtype.type(negative_slope), dx.reshape(-1))
    return dx


def sigmoid(x):
    """1/(1 + e^-|x|) where x >= 0 and e^-|x|/(1 + e^-|x|) elsewhere: e^-|x| never overflows, so numpy never warns."""
    xp = array_module(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


def erf(x):
    return scipy.special.erf(x)
