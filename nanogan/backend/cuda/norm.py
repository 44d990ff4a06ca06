"""Normalisation kernels on the GPU: the four per-channel passes of backend/cpu/norm.py (read its docstring
for the (N, C, L) view and the notation). For float32, the two reductions are csrc/kernels/batch_norm.cu's
batch_norm_stats and batch_norm_grad_sums (one block per channel, compiled by NVRTC), and the two elementwise
passes are fused CuPy elementwise kernels; other dtypes run the same math as array code.

Per channel c over its M = N·L values, with μ, σ² the mean and biased variance, r = 1/sqrt(σ² + eps),
x̂ = (x - μ)·r:

    batch_norm_stats(x, eps, ...)                     -> [μ, σ², r]      μ = Σx/M, then σ² = Σ(x - μ)²/M, and the
                                                                         running statistics, in the same launch
    channel_affine(x, scale, shift)                   -> y = x·scale_c + shift_c
    batch_norm_backward_reduce(x, g, μ, r)            -> [Σ g, Σ g·x̂]    (2, C);  Σ g·x̂ = r·Σ g·(x - μ)
    batch_norm_backward_elemt(x, g, μ, r, w, Σg, Σgx̂) -> dx = w·r·(g - (x - μ)·r·Σgx̂/M - Σg/M)

The second-order pass batch_norm_input_grad_backward (what a gradient penalty's outer backward runs through every
batch-norm layer) is, for float32, two batch_norm_grad_sums launches and two fused elementwise kernels, where the
CPU's array code is some forty CuPy operations; below its kernel version says how.

normalized_affine (x̂·w + b, the affine map with its per-channel scale and shift computed per element) and
running_average_ (on (C,) vectors; the CPU's numpy code says what they compute) are one fused CuPy kernel each,
for every dtype: as array code they were a dozen launches of a few hundred threads in every batch-norm forward.
r = 1/sqrt(σ² + eps) and the running statistics of a batch norm come from batch_norm_stats' own launch.

Why not csrc's fused batch_norm_fwd_train / batch_norm_bwd: they do a whole forward or backward in one kernel,
while ops/norm.py asks for these four separate passes, each a node of a differentiable graph whose own
backward is made of the same passes (what the gradient penalty's double backward runs through).
"""
import cupy

from ... import _kernels_ops
from .. import array_module
from ..cpu import norm as arrays
from ._dispatch import float32_kernel, kernel_library


def _per_channel(vector, dtype):
    """A (C,) vector as (1, C, 1), to broadcast over an (N, C, L) array."""
    return vector.astype(dtype, copy=False).reshape(1, -1, 1)


_CHANNEL_AXES = (0, 2)


def _count(x):
    return x.shape[0] * x.shape[2]


# ---- array versions (any dtype, numpy or CuPy) -----------------------------------------------------------

def _stats_arrays(x, eps, *, running_mean=None, running_var=None, momentum=0.1):
    xp = array_module(x)
    mean = x.mean(axis=_CHANNEL_AXES)
    centred = x - _per_channel(mean, x.dtype)
    var = (centred * centred).mean(axis=_CHANNEL_AXES)
    stats = xp.stack([mean, var, 1 / xp.sqrt(var + eps)])
    arrays.update_running_stats_(running_mean, running_var, stats, _count(x), momentum)
    return stats


def _affine_arrays(x, scale, shift):
    return x * _per_channel(scale, x.dtype) + _per_channel(shift, x.dtype)


def _backward_reduce_arrays(x, g, mean, invstd):
    g = g.astype(x.dtype, copy=False)
    centred = x - _per_channel(mean, x.dtype)
    xp = array_module(x)
    return xp.stack([g.sum(axis=_CHANNEL_AXES),
                     (g * centred).sum(axis=_CHANNEL_AXES) * invstd.astype(x.dtype, copy=False)])


def _backward_elemt_arrays(x, g, mean, invstd, weight, sum_g, sum_g_xhat):
    count = _count(x)
    r = _per_channel(invstd, x.dtype)
    centred = x - _per_channel(mean, x.dtype)
    return (_per_channel(weight, x.dtype) * r
            * (g.astype(x.dtype, copy=False) - centred * r * _per_channel(sum_g_xhat, x.dtype) / count
               - _per_channel(sum_g, x.dtype) / count))


# ---- float32 kernels -----------------------------------------------------------------------------------------
# Per-channel operands arrive as (1, C, 1) views and broadcast over the (N, C, L) array.

_affine = cupy.ElementwiseKernel(
    "T x, T scale, T shift", "T y", "y = x * scale + shift", "nanogan_channel_affine")

_input_grad = cupy.ElementwiseKernel(
    "T x, T g, T mean, T invstd, T weight, T sum_g, T sum_g_xhat, T inv_count", "T dx",
    "dx = weight * invstd * (g - (x - mean) * invstd * sum_g_xhat * inv_count - sum_g * inv_count)",
    "nanogan_batch_norm_input_grad")


@float32_kernel(_stats_arrays, in_place=("running_mean", "running_var"))
def batch_norm_stats(x, eps, *, running_mean=None, running_var=None, momentum=0.1):
    """[μ, σ², r] of each channel of an (N, C, L) array over axes 0 and 2, one (3, C) array; the running
    statistics updated in place when given (both or neither). One launch for all of it."""
    return _kernels_ops.batch_norm_stats(kernel_library(), x, eps, running_mean, running_var, momentum)


@float32_kernel(_affine_arrays)
def channel_affine(x, scale, shift):
    """y = x·scale[c] + shift[c] for an (N, C, L) array x and per-channel vectors (C,)."""
    return _affine(x, _per_channel(scale, x.dtype), _per_channel(shift, x.dtype))


_normalized_affine = cupy.ElementwiseKernel(
    "T x, T mean, T invstd, T weight, T bias", "T y",
    "T scale = invstd * weight; y = x * scale + (bias - mean * scale)", "nanogan_normalized_affine")


def normalized_affine(x, mean, invstd, weight, bias):
    """y = x̂·w + b = x·(w·r) + (b - μ·w·r) per channel of an (N, C, L) array, the per-channel vectors (C,)
    broadcast: one fused kernel for every dtype (the scale and shift were a kernel of their own)."""
    return _normalized_affine(x, *(_per_channel(v, x.dtype) for v in (mean, invstd, weight, bias)))


@float32_kernel(_backward_reduce_arrays)
def batch_norm_backward_reduce(x, g, mean, invstd):
    """S = [Σ g, Σ g·x̂] per channel of (N, C, L) arrays x and g, with x̂ = (x - mean)·invstd: one (2, C) array."""
    return _kernels_ops.batch_norm_grad_sums(kernel_library(), x, g, mean, invstd)


@float32_kernel(_backward_elemt_arrays)
def batch_norm_backward_elemt(x, g, mean, invstd, weight, sum_g, sum_g_xhat):
    """dx = w·r·(g - Σg/M - x̂·Σgx̂/M) per channel of (N, C, L) arrays (M = N·L)."""
    vectors = (_per_channel(v, x.dtype) for v in (mean, invstd, weight, sum_g, sum_g_xhat))
    return _input_grad(x, g, *vectors, x.dtype.type(1.0 / _count(x)))


# ---- per-channel vectors (C,), any dtype -----------------------------------------------------------------------

# the running buffer is the output, read and written in place; stat may have another dtype than the buffer
_running_average = cupy.ElementwiseKernel(
    "S stat, float64 momentum, float64 correction", "T running",
    "running = (T)(running * (1 - momentum) + momentum * correction * stat)", "nanogan_running_average")


def running_average_(running, stat, momentum, correction=1.0):
    """running ← (1 - momentum)·running + momentum·correction·stat, in place."""
    _running_average(stat, float(momentum), float(correction), running)


# ---- the second-order pass ---------------------------------------------------------------------------------------
# backend/cpu/norm.py's batch_norm_input_grad_backward states the gradients of dx = w·r·u against G = grad_dx.
# Every per-channel sum in them is one of A = Σ G, B = Σ G·x̂ and Σ G·g (Σ G·u = Σ G·g - Σg·A/M - Σgx̂·B/M), and
# mean h = c·A/M, mean(h·x̂) = c·B/M for h = c·G, c = -w·r·Σgx̂/M. So with those three sums (two launches of
# batch_norm_grad_sums) every gradient is a per-channel affine map:
#     dx = a·G + b·(x - μ) + d,   a = r·c,   b = -(r²·c·B + k·r³)/M,   d = -r·c·A/M,   k = w·Σ G·u
#     dg = G·(w·r),   dw = r·Σ G·u,   dS = -w·r·[A, B]/M

_second_order_coefficients = cupy.ElementwiseKernel(
    "T w, T r, T sum_g, T sum_g_xhat, T sum_G, T sum_G_xhat, T sum_G_g, T inv_count",
    "T scale_G, T scale_centred, T shift, T wr, T dw, T ds_g, T ds_g_xhat",
    """T sum_G_u = sum_G_g - (sum_g * sum_G + sum_g_xhat * sum_G_xhat) * inv_count;
    wr = w * r;
    T c = -wr * sum_g_xhat * inv_count;
    scale_G = r * c;
    scale_centred = -(r * r * c * sum_G_xhat + w * sum_G_u * r * r * r) * inv_count;
    shift = -r * c * sum_G * inv_count;
    dw = r * sum_G_u;
    ds_g = -wr * sum_G * inv_count;
    ds_g_xhat = -wr * sum_G_xhat * inv_count""",
    "nanogan_batch_norm_second_order_coefficients")

_two_input_affine = cupy.ElementwiseKernel(
    "T x, T G, T mean, T scale_G, T scale_centred, T shift", "T dx",
    "dx = scale_G * G + scale_centred * (x - mean) + shift", "nanogan_batch_norm_second_order_input_grad")


@float32_kernel(arrays.batch_norm_input_grad_backward)
def batch_norm_input_grad_backward(x, g, mean, invstd, weight, sum_g, sum_g_xhat, grad_dx, needs):
    """The gradients (dx, dg, dw, dS) of dx = batch_norm_backward_elemt(x, g, μ, r, w, Σg, Σgx̂) against G =
    grad_dx, for (N, C, L) arrays; None where `needs` does not ask (backend/cpu/norm.py states the math)."""
    lib = kernel_library()
    sum_G, sum_G_xhat = _kernels_ops.batch_norm_grad_sums(lib, x, grad_dx, mean, invstd)
    channels = x.shape[1]
    # with μ = 0 and r = 1 the kernel's second sum, Σ G·(g - μ)·r, is Σ G·g
    _, sum_G_g = _kernels_ops.batch_norm_grad_sums(lib, g, grad_dx, cupy.zeros(channels, cupy.float32),
                                                   cupy.ones(channels, cupy.float32))
    scale_G, scale_centred, shift, wr, dw, ds_g, ds_g_xhat = _second_order_coefficients(
        weight, invstd, sum_g, sum_g_xhat, sum_G, sum_G_xhat, sum_G_g, x.dtype.type(1.0 / _count(x)))
    dx = _two_input_affine(x, grad_dx, *(_per_channel(v, x.dtype) for v in (mean, scale_G, scale_centred, shift))) \
        if needs[0] else None
    dg = grad_dx * _per_channel(wr, x.dtype) if needs[1] else None
    dsums = cupy.stack([ds_g, ds_g_xhat]) if needs[3] else None
    return dx, dg, dw if needs[2] else None, dsums
