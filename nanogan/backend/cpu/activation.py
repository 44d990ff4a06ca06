"""Leaky ReLU and its gradient, and the sigmoid, as array code for numpy or CuPy arrays (the CUDA backend runs the
first two for the dtypes its kernels do not take):

    leaky_relu(x, slope)              -> y  = x if x > 0 else slope·x
    leaky_relu_backward(x, g, slope)  -> dx = g·s(x),  s(x) = 1 if x > 0 else slope
    sigmoid(x)                        -> y  = 1 / (1 + e⁻ˣ)

slope = 0 is ReLU; its forward is max(x, 0), which keeps NaN and maps -inf to 0 (slope·x would give NaN there).
"""
from .. import array_module


def leaky_relu(x, negative_slope):
    xp = array_module(x)
    if negative_slope == 0:
        return xp.maximum(x, 0)
    return xp.where(x > 0, x, x * x.dtype.type(negative_slope))


def leaky_relu_backward(x, g, negative_slope):
    xp = array_module(x)
    one, slope = x.dtype.type(1), x.dtype.type(negative_slope)
    return g * xp.where(x > 0, one, slope)


def sigmoid(x):
    """1/(1 + e^-|x|) where x >= 0 and e^-|x|/(1 + e^-|x|) elsewhere: e^-|x| never overflows, so numpy never warns."""
    xp = array_module(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))
