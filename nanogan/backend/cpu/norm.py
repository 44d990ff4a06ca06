"""Normalisation kernels: per-channel statistics, the per-channel affine map, and the two passes
of the batch-norm backward, in numba.

Every normalisation is seen as a per-channel one on an (N, C, L) array: batch norm of (N, C, H, W)
is (N, C, H·W), layer norm of rows is (1, rows, features), instance norm is (1, N·C, H·W). Channel
c's M = N·L values are x[n, c, l] for all n, l. With μ_c, σ²_c the mean and biased variance of
channel c, r_c = 1/sqrt(σ²_c + eps) and x̂ = (x - μ_c)·r_c:

    batch_norm_stats(x, eps, *, running_mean, running_var, momentum)
                                                      -> [μ, σ², r] (3, C)          one read of x per statistic;
                                                         the running averages of μ and of σ²·M/(M - 1) updated in
                                                         place when given (a training-mode batch norm)
    channel_affine(x, scale, shift)                   -> y = x·scale_c + shift_c    (the normalisation itself
                                                         with scale = w·r, shift = b - μ·scale)
    batch_norm_backward_reduce(x, g, μ, r)            -> S = [Σ g, Σ g·x̂] per channel, one (2, C) array
    batch_norm_backward_elemt(x, g, μ, r, w, Σg, Σgx̂) -> dx = w·r·(g - Σg/M - x̂·Σgx̂/M)

    normalized_affine(x, μ, r, w, b)                  -> y = x̂·w + b = channel_affine(x, w·r, b - μ·w·r)
                                                         (one fused GPU kernel on the CUDA backend)

and a small per-channel map on (C,) vectors, one GPU kernel on the CUDA backend:

    running_average_(running, stat, momentum, k)      running ← (1 - momentum)·running + momentum·k·stat, in place
                                                         (k = M/(M - 1) makes a biased variance unbiased; instance
                                                         norm's running statistics, averaged over the batch)

and the second-order pass of batch_norm_backward_elemt as array code (numpy or CuPy, both backends run it):

    batch_norm_input_grad_backward(x, g, μ, r, w, Σg, Σgx̂, G, needs) -> (dx, dg, dw, dS)   (ops/norm.py,
                                                         BatchNormInputGrad, states the formulas)

Inputs are made C-contiguous float arrays of one dtype (float32 or float64); per-channel vectors
have shape (C,) and are returned in the input's dtype. Sums accumulate in float64.
Each kernel runs one task per channel (prange over c): channel c's values are N runs of L
contiguous numbers, and no two tasks write the same output. Small arrays run on one thread
(threads.py): waking the thread pool would cost more than the work.
"""
import numpy as np
from numba import njit, prange

from .. import array_module
from .threads import threads_for

# reassociation lets LLVM vectorise the float64 sums; NaN and inf keep their IEEE meaning
_SUM_MATH = {"reassoc", "contract"}


def _launch(kernel, *args):
    """kernel(*args), on one thread when the first argument (the (N, C, L) array) is small (threads.py)."""
    with threads_for(args[0].size):
        return kernel(*args)


def _as_channels(x):
    if x.ndim != 3:
        raise ValueError(f"norm kernels: expected an (N, C, L) array, got shape {x.shape}")
    return np.ascontiguousarray(x)


def _as_vector(v, dtype):
    return np.ascontiguousarray(v, dtype=dtype)


@njit(cache=True, parallel=True, fastmath=_SUM_MATH)
def _channel_stats(x, mean, var):
    # mean[c] = Σ_{n,l} x[n,c,l] / M;  var[c] = Σ_{n,l} (x[n,c,l] - mean[c])² / M   (two passes: no cancellation)
    batch, channels, length = x.shape
    count = batch * length
    for c in prange(channels):
        total = 0.0
        for n in range(batch):
            for i in range(length):
                total += x[n, c, i]
        m = total / count
        squares = 0.0
        for n in range(batch):
            for i in range(length):
                d = x[n, c, i] - m
                squares += d * d
        mean[c] = m
        var[c] = squares / count


def batch_norm_stats(x, eps, *, running_mean=None, running_var=None, momentum=0.1):
    """[μ, σ², r] of each channel of an (N, C, L) array over axes 0 and 2, one (3, C) array; the running
    statistics updated in place when given (both or neither)."""
    x = _as_channels(x)
    stats = np.empty((3, x.shape[1]), dtype=x.dtype)
    _launch(_channel_stats, x, stats[0], stats[1])
    stats[2] = 1 / np.sqrt(stats[1] + eps)
    update_running_stats_(running_mean, running_var, stats, x.shape[0] * x.shape[2], momentum)
    return stats


@njit(cache=True, parallel=True)
def _channel_affine(x, scale, shift, y):
    # y[n,c,l] = x[n,c,l]·scale[c] + shift[c]
    batch, channels, length = x.shape
    for c in prange(channels):
        a, b = scale[c], shift[c]
        for n in range(batch):
            for i in range(length):
                y[n, c, i] = x[n, c, i] * a + b


def channel_affine(x, scale, shift):
    """y = x·scale[c] + shift[c] for an (N, C, L) array x and per-channel vectors (C,)."""
    x = _as_channels(x)
    y = np.empty_like(x)
    _launch(_channel_affine, x, _as_vector(scale, x.dtype), _as_vector(shift, x.dtype), y)
    return y


@njit(cache=True, parallel=True, fastmath=_SUM_MATH)
def _backward_reduce(x, g, mean, invstd, sum_g, sum_g_xhat):
    # sum_g[c] = Σ_{n,l} g[n,c,l];  sum_g_xhat[c] = r[c]·Σ_{n,l} g[n,c,l]·(x[n,c,l] - mean[c])
    batch, channels, length = x.shape
    for c in prange(channels):
        m = mean[c]
        total, weighted = 0.0, 0.0
        for n in range(batch):
            for i in range(length):
                gv = g[n, c, i]
                total += gv
                weighted += gv * (x[n, c, i] - m)
        sum_g[c] = total
        sum_g_xhat[c] = weighted * invstd[c]


def batch_norm_backward_reduce(x, g, mean, invstd):
    """S = [Σ g, Σ g·x̂] per channel of (N, C, L) arrays x and g, with x̂ = (x - mean)·invstd: one (2, C) array."""
    x, g = _as_channels(x), _as_channels(g.astype(x.dtype, copy=False))
    sums = np.empty((2, x.shape[1]), dtype=x.dtype)
    _launch(_backward_reduce, x, g, _as_vector(mean, x.dtype), _as_vector(invstd, x.dtype), sums[0], sums[1])
    return sums


@njit(cache=True, parallel=True)
def _backward_elemt(x, g, mean, invstd, weight, sum_g, sum_g_xhat, dx):
    # dx[n,c,l] = k·(g[n,c,l] - (x[n,c,l] - mean[c])·q - Σg[c]/M)   with k = w[c]·r[c], q = r[c]·Σgx̂[c]/M
    batch, channels, length = x.shape
    count = batch * length
    for c in prange(channels):
        m = mean[c]
        k = weight[c] * invstd[c]
        q = invstd[c] * sum_g_xhat[c] / count
        mean_g = sum_g[c] / count
        for n in range(batch):
            for i in range(length):
                dx[n, c, i] = k * (g[n, c, i] - (x[n, c, i] - m) * q - mean_g)


def batch_norm_backward_elemt(x, g, mean, invstd, weight, sum_g, sum_g_xhat):
    """dx = w·r·(g - Σg/M - x̂·Σgx̂/M) per channel of (N, C, L) arrays (M = N·L): the input
    gradient of y = x̂·w + b when μ and r are x's own batch statistics."""
    x, g = _as_channels(x), _as_channels(g.astype(x.dtype, copy=False))
    dx = np.empty_like(x)
    vectors = (_as_vector(v, x.dtype) for v in (mean, invstd, weight, sum_g, sum_g_xhat))
    _launch(_backward_elemt, x, g, *vectors, dx)
    return dx


# ---- per-channel vectors (C,): numpy, too small for a kernel here ------------------------------------------

def normalized_affine(x, mean, invstd, weight, bias):
    """y = x̂·w + b of an (N, C, L) array, x̂ = (x - μ)·r: channel_affine with scale = w·r, shift = b - μ·w·r."""
    scale = invstd * weight
    return channel_affine(x, scale, bias - mean * scale)


def running_average_(running, stat, momentum, correction=1.0):
    running *= 1 - momentum
    running += (momentum * correction * stat).astype(running.dtype)


def update_running_stats_(running_mean, running_var, stats, count, momentum):
    """The running averages of μ and of the unbiased σ²·M/(M - 1), from stats = [μ, σ², ...], when given (both or
    neither). Array code, numpy or CuPy."""
    if running_mean is not None:
        running_average_(running_mean, stats[0], momentum)
        running_average_(running_var, stats[1], momentum, count / (count - 1))


# ---- the second-order pass, array code for numpy or CuPy -------------------------------------------------------

def batch_norm_input_grad_backward(x, g, mean, invstd, weight, sum_g, sum_g_xhat, grad_dx, needs):
    """The gradients of dx = batch_norm_backward_elemt(x, g, μ, r, w, Σg, Σgx̂) against an incoming G = grad_dx,
    with respect to (x, g, w, S = [Σg, Σgx̂]) where `needs` asks (None elsewhere). Per channel, M = N·L:
        u = g - Σg/M - x̂·Σgx̂/M,  dg = G·w·r,  dw = Σ G·r·u,  dS = -[Σ G·w·r, Σ G·w·r·x̂]/M,
        dx = r·(h - mean h - x̂·mean(h·x̂)) - k·r²·x̂/M  with  h = -G·w·r·Σgx̂/M,  k = Σ G·w·u."""
    xp, count, axes = array_module(x), x.shape[0] * x.shape[2], (0, 2)

    def per_channel(v):
        return v.astype(x.dtype, copy=False).reshape(1, -1, 1)
    r, w, s_w = per_channel(invstd), per_channel(weight), per_channel(sum_g_xhat)
    xhat = (x - per_channel(mean)) * r
    grad_wr = grad_dx * (w * r)
    u = g - per_channel(sum_g) / count - xhat * s_w / count if needs[0] or needs[2] else None
    dx = dg = dw = dsums = None
    if needs[0]:
        h = grad_wr * s_w / -count
        k = (grad_dx * w * u).sum(axis=axes, keepdims=True)
        dx = r * (h - h.mean(axis=axes, keepdims=True) - xhat * (h * xhat).mean(axis=axes, keepdims=True)) \
            - k * r * r * xhat / count
    if needs[1]:
        dg = grad_wr
    if needs[2]:
        dw = (grad_dx * r * u).sum(axis=axes)
    if needs[3]:
        dsums = xp.stack([grad_wr.sum(axis=axes), (grad_wr * xhat).sum(axis=axes)]) / -count
    return dx, dg, dw, dsums
