"""Wrappers of the normalisation, activation, gradient-penalty, optimiser, reduction, pooling and upsampling
kernels of csrc/kernels (batch_norm.cu, layer_norm.cu, activation.cu, grad_penalty.cu, optim.cu,
reduce_axis.cu, pool.cu, upsample.cu). Same contract as the wrappers of nanogan/_kernels.py: the library
first, then arrays of that library (C-contiguous float32), shapes and dtypes checked with errors that name
the op and the shapes, outputs allocated with `lib.xp`, grids computed from the kernels' own constants.
"""
from __future__ import annotations

import math

import numpy as np

from ._kernels import INT32_MAX, elementwise_grid
from .arguments import int_at_least, int_pair, int_tuple, is_number, positive_pair, require

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


# ---- batch and instance normalisation (batch_norm.cu) ------------------------------------------------------


def _nc_view(op, x):
    """(outer, channels, inner) of an (N, C, *spatial) input: (N, C, prod(spatial))."""
    if x.ndim < 2:
        raise ValueError(f"{op}: x must be (N, C, ...), got shape {tuple(x.shape)}")
    return x.shape[0], x.shape[1], math.prod(x.shape[2:])


def _check_running(op, lib, x, running_mean, running_var, needs_two_values):
    """Running statistics to update: both (C,) arrays, or neither. Where `needs_two_values` (training mode; every
    update, whose unbiased variance divides by M - 1), x must have more than one value per channel."""
    outer, channels, inner = _nc_view(op, x)
    if needs_two_values and outer * inner < 2:
        raise ValueError(f"{op}: expected more than 1 value per channel when training, got input {tuple(x.shape)}")
    if (running_mean is None) != (running_var is None):
        raise ValueError(f"{op}: give both running_mean and running_var, or neither")
    if running_mean is not None:
        _check(op, "running_mean", running_mean, lib, (channels,))
        _check(op, "running_var", running_var, lib, (channels,))


def batch_norm_train(lib, x, weight=None, bias=None, running_mean=None, running_var=None, momentum=0.1, eps=1e-5):
    """Training-mode batch norm of x (N, C, ...) over all axes but the channel axis 1:
    y = (x - mean) / sqrt(var + eps) * weight + bias with the batch's biased var. Returns
    (y, save_mean, save_invstd), the per-channel statistics the backward needs. running_mean / running_var
    (both or neither), when given, are updated in place with PyTorch's rule (unbiased var, `momentum`)."""
    op = "batch_norm_train"
    _check(op, "x", x, lib, min_ndim=2)
    outer, channels, inner = _nc_view(op, x)
    _check_running(op, lib, x, running_mean, running_var, needs_two_values=True)
    weight = _channel_param(op, "weight", weight, lib, channels, 1.0)
    bias = _channel_param(op, "bias", bias, lib, channels, 0.0)
    y = lib.xp.empty_like(x)
    save_mean = lib.xp.empty((channels,), dtype=np.float32)
    save_invstd = lib.xp.empty((channels,), dtype=np.float32)
    lib.launch("batch_norm_fwd_train", channels, lib.constant("NORM_THREADS"), x, weight, bias, y, save_mean,
               save_invstd, running_mean, running_var, outer, channels, inner, eps, momentum)
    return y, save_mean, save_invstd


def batch_norm_eval(lib, x, running_mean, running_var, weight=None, bias=None, eps=1e-5):
    """Evaluation-mode batch norm: y = (x - running_mean) / sqrt(running_var + eps) * weight + bias, per channel."""
    op = "batch_norm_eval"
    _check(op, "x", x, lib, min_ndim=2)
    _, channels, inner = _nc_view(op, x)
    _check(op, "running_mean", running_mean, lib, (channels,))
    _check(op, "running_var", running_var, lib, (channels,))
    weight = _channel_param(op, "weight", weight, lib, channels, 1.0)
    bias = _channel_param(op, "bias", bias, lib, channels, 0.0)
    y = lib.xp.empty_like(x)
    _launch_elementwise(lib, "batch_norm_fwd_eval", x.size, x, running_mean, running_var, weight, bias, y, x.size,
                        channels, inner, eps)
    return y


def batch_norm_stats(lib, x, eps=1e-5, running_mean=None, running_var=None, momentum=0.1):
    """Per-channel statistics of x (N, C, ...) over every axis but 1, as one (3, C) array: [mean, biased variance,
    1/sqrt(var + eps)]. running_mean / running_var (both or neither), when given, are updated in place with
    PyTorch's rule (unbiased var, `momentum`)."""
    op = "batch_norm_stats"
    _check(op, "x", x, lib, min_ndim=2)
    outer, channels, inner = _nc_view(op, x)
    _check_running(op, lib, x, running_mean, running_var, needs_two_values=running_mean is not None)
    stats = lib.xp.empty((3, channels), dtype=np.float32)
    lib.launch("batch_norm_stats", channels, lib.constant("NORM_THREADS"), x, stats, running_mean, running_var,
               outer, channels, inner, eps, momentum)
    return stats


def batch_norm_grad_sums(lib, x, g, mean, invstd):
    """Per-channel [sum g, sum g xhat] of x, g (N, C, ...), with xhat = (x - mean) invstd: one (2, C) array."""
    op = "batch_norm_grad_sums"
    _check(op, "x", x, lib, min_ndim=2)
    outer, channels, inner = _nc_view(op, x)
    _check_saved(op, lib, x, g, mean, invstd, channels)
    sums = lib.xp.empty((2, channels), dtype=np.float32)
    lib.launch("batch_norm_grad_sums", channels, lib.constant("NORM_THREADS"), x, g, mean, invstd, sums[0], sums[1],
               outer, channels, inner)
    return sums


def _check_saved(op, lib, x, g, save_mean, save_invstd, channels):
    _check(op, "g", g, lib, x.shape)
    _check(op, "save_mean", save_mean, lib, (channels,))
    _check(op, "save_invstd", save_invstd, lib, (channels,))


def batch_norm_backward(lib, x, g, save_mean, save_invstd, weight=None):
    """Gradients of training-mode batch norm given g = dL/dy: (dx, dweight, dbias), with
    dbias = sum g, dweight = sum g xhat, dx = (w invstd / M)(M g - sum g - xhat sum(g xhat)) per channel."""
    op = "batch_norm_backward"
    _check(op, "x", x, lib, min_ndim=2)
    outer, channels, inner = _nc_view(op, x)
    _check_saved(op, lib, x, g, save_mean, save_invstd, channels)
    weight = _channel_param(op, "weight", weight, lib, channels, 1.0)
    dx = lib.xp.empty_like(x)
    dweight = lib.xp.empty((channels,), dtype=np.float32)
    dbias = lib.xp.empty((channels,), dtype=np.float32)
    lib.launch("batch_norm_bwd", channels, lib.constant("NORM_THREADS"), x, g, save_mean, save_invstd, weight, dx,
               dweight, dbias, outer, channels, inner)
    return dx, dweight, dbias


def batch_norm_double_backward(lib, x, g, save_mean, save_invstd, weight=None, ggx=None, ggw=None, ggb=None):
    """Derivatives of batch_norm_backward's (dx, dweight, dbias) with respect to its inputs (x, g, weight),
    contracted with the incoming gradients (ggx, ggw, ggb) of those outputs (None: zero). Returns (gx, gg, gw);
    the formulas are in csrc/kernels/batch_norm.cu."""
    op = "batch_norm_double_backward"
    _check(op, "x", x, lib, min_ndim=2)
    outer, channels, inner = _nc_view(op, x)
    _check_saved(op, lib, x, g, save_mean, save_invstd, channels)
    weight = _channel_param(op, "weight", weight, lib, channels, 1.0)
    ggx = lib.xp.zeros(x.shape, dtype=np.float32) if ggx is None else _check(op, "ggx", ggx, lib, x.shape)
    ggw = _channel_param(op, "ggw", ggw, lib, channels, 0.0)
    ggb = _channel_param(op, "ggb", ggb, lib, channels, 0.0)
    gx = lib.xp.empty_like(x)
    gg = lib.xp.empty_like(x)
    gw = lib.xp.empty((channels,), dtype=np.float32)
    lib.launch("batch_norm_double_bwd", channels, lib.constant("NORM_THREADS"), x, g, save_mean, save_invstd, weight,
               ggx, ggw, ggb, gx, gg, gw, outer, channels, inner)
    return gx, gg, gw


def _instance_view(op, lib, x, weight, bias):
    """Instance norm of x (N, C, ...) is batch norm of the view (1, N*C, ...) (every plane its own channel)
    with the per-channel affine parameters repeated for each sample."""
    _check(op, "x", x, lib, min_ndim=3)
    n, channels, _ = _nc_view(op, x)
    tiled = [None if p is None else _filled(lib, (n, channels), _check(op, name, p, lib, (channels,))).reshape(-1)
             for name, p in (("weight", weight), ("bias", bias))]
    return x.reshape(1, n * channels, -1), tiled


def instance_norm(lib, x, weight=None, bias=None, eps=1e-5):
    """Instance norm of x (N, C, ...): each (n, c) plane normalised by its own mean and biased var, then
    * weight[c] + bias[c]. Returns (y, save_mean, save_invstd), the statistics of shape (N*C,)."""
    op = "instance_norm"
    planes, (weight, bias) = _instance_view(op, lib, x, weight, bias)
    if planes.shape[2] < 2:
        raise ValueError(f"{op}: expected more than 1 spatial element per plane, got input {tuple(x.shape)}")
    y, save_mean, save_invstd = batch_norm_train(lib, planes, weight, bias, eps=eps)
    return y.reshape(x.shape), save_mean, save_invstd


def instance_norm_backward(lib, x, g, save_mean, save_invstd, weight=None):
    """Gradients (dx, dweight, dbias) of instance_norm: batch_norm_backward of the (1, N*C, ...) view, whose
    per-plane dweight / dbias are then summed over the samples."""
    op = "instance_norm_backward"
    planes, (weight, _) = _instance_view(op, lib, x, weight, None)
    _check(op, "g", g, lib, x.shape)
    dx, dweight_planes, dbias_planes = batch_norm_backward(lib, planes, g.reshape(planes.shape), save_mean,
                                                           save_invstd, weight)
    n, channels = x.shape[:2]
    return (dx.reshape(x.shape), sum_axis(lib, dweight_planes.reshape(n, channels), 0),
            sum_axis(lib, dbias_planes.reshape(n, channels), 0))


# ---- layer normalisation (layer_norm.cu) -------------------------------------------------------------------


def _rows_cols(op, x, normalized_shape):
    normalized_shape = int_tuple(op, "normalized_shape", normalized_shape, 1)
    k = len(normalized_shape)
    if k > x.ndim or tuple(x.shape[x.ndim - k:]) != normalized_shape:
        raise ValueError(f"{op}: normalized_shape {normalized_shape} is not the trailing shape of x {tuple(x.shape)}")
    cols = math.prod(normalized_shape)
    return x.size // cols, cols, normalized_shape


def layer_norm(lib, x, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer norm over the trailing `normalized_shape` of x: y = (x - mean) / sqrt(var + eps) * weight + bias,
    statistics per leading index, weight and bias of shape normalized_shape. Returns (y, mean, invstd) with
    the statistics flattened to (rows,)."""
    op = "layer_norm"
    _check(op, "x", x, lib)
    rows, cols, shape = _rows_cols(op, x, normalized_shape)
    weight = _filled(lib, shape, 1.0) if weight is None else _check(op, "weight", weight, lib, shape)
    bias = _filled(lib, shape, 0.0) if bias is None else _check(op, "bias", bias, lib, shape)
    y = lib.xp.empty_like(x)
    mean = lib.xp.empty((rows,), dtype=np.float32)
    invstd = lib.xp.empty((rows,), dtype=np.float32)
    lib.launch("layer_norm_fwd", rows, lib.constant("NORM_THREADS"), x, weight, bias, y, mean, invstd, rows, cols, eps)
    return y, mean, invstd


def layer_norm_backward(lib, x, g, mean, invstd, normalized_shape, weight=None):
    """Gradients (dx, dweight, dbias) of layer_norm given g = dL/dy (dweight, dbias of shape normalized_shape)."""
    op = "layer_norm_backward"
    _check(op, "x", x, lib)
    rows, cols, shape = _rows_cols(op, x, normalized_shape)
    _check(op, "g", g, lib, x.shape)
    _check(op, "mean", mean, lib, (rows,))
    _check(op, "invstd", invstd, lib, (rows,))
    weight = _filled(lib, shape, 1.0) if weight is None else _check(op, "weight", weight, lib, shape)
    dx = lib.xp.empty_like(x)
    dweight = lib.xp.empty(shape, dtype=np.float32)
    dbias = lib.xp.empty(shape, dtype=np.float32)
    lib.launch("layer_norm_dgrad", rows, lib.constant("NORM_THREADS"), x, g, mean, invstd, weight, dx, rows, cols)
    threads = lib.constant("LAYER_NORM_WGRAD_THREADS")
    lib.launch("layer_norm_wgrad", math.ceil(cols / threads), threads, x, g, mean, invstd, dweight, dbias, rows, cols)
    return dx, dweight, dbias


# ---- activations (activation.cu; leaky_relu_fwd is leaky_relu.cu) -----------------------------------------

# Each activation's parameters as (keyword, default), in the kernels' order. The second derivative of the
# piecewise linear ones is zero (no kernel).
ACTIVATIONS = {
    "relu": (),
    "leaky_relu": (("negative_slope", 0.01),),
    "sigmoid": (),
    "tanh": (),
    "softplus": (("beta", 1.0), ("threshold", 20.0)),
}
_PIECEWISE_LINEAR = ("relu", "leaky_relu")


def _activation_params(op, name, params):
    if name not in ACTIVATIONS:
        raise ValueError(f"{op}: unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}")
    known = dict(ACTIVATIONS[name])
    unknown = set(params) - set(known)
    if unknown:
        raise ValueError(f"{op}: {name} takes the parameters {sorted(known)}, got {sorted(unknown)}")
    values = [float(params.get(k, default)) for k, default in known.items()]
    if name == "softplus" and values[0] == 0.0:
        raise ValueError(f"{op}: softplus needs beta != 0")
    return values


def activation(lib, name, x, **params):
    """y = f(x) elementwise for f in ACTIVATIONS (PyTorch's definitions and parameter names)."""
    op = name
    values = _activation_params(op, name, params)
    _check(op, "x", x, lib, min_ndim=0)
    y = lib.xp.empty_like(x)
    _launch_elementwise(lib, f"{name}_fwd", x.size, x, y, x.size, *values)
    return y


def activation_backward(lib, name, x, g, **params):
    """dx = g * f'(x) elementwise."""
    op = f"{name}_backward"
    values = _activation_params(op, name, params)
    _check(op, "x", x, lib, min_ndim=0)
    _check(op, "g", g, lib, x.shape)
    dx = lib.xp.empty_like(x)
    _launch_elementwise(lib, f"{name}_bwd", x.size, x, g, dx, x.size, *values)
    return dx


def activation_double_backward(lib, name, x, g, ggx, **params):
    """gx = ggx * g * f''(x): the gradient of activation_backward's dx with respect to x (its gradient with
    respect to g is activation_backward(x, ggx))."""
    op = f"{name}_double_backward"
    values = _activation_params(op, name, params)
    _check(op, "x", x, lib, min_ndim=0)
    _check(op, "g", g, lib, x.shape)
    _check(op, "ggx", ggx, lib, x.shape)
    if name in _PIECEWISE_LINEAR:
        return lib.xp.zeros(x.shape, dtype=np.float32)
    gx = lib.xp.empty_like(x)
    _launch_elementwise(lib, f"{name}_double_bwd", x.size, x, g, ggx, gx, x.size, *values)
    return gx


def bias_activation(lib, name, x, bias, **params):
    """y = f(x + bias[c]) for x (N, C, ...) and bias (C,): a layer's bias and activation in one pass."""
    op = f"bias_{name}"
    values = _activation_params(op, name, params)
    _check(op, "x", x, lib, min_ndim=2)
    _, channels, inner = _nc_view(op, x)
    _check(op, "bias", bias, lib, (channels,))
    y = lib.xp.empty_like(x)
    _launch_elementwise(lib, f"bias_{name}_fwd", x.size, x, bias, y, x.size, channels, inner, *values)
    return y


# ---- gradient penalty (grad_penalty.cu) --------------------------------------------------------------------


def grad_penalty(lib, g):
    """Per-sample WGAN-GP term of g (N, ...): penalty[n] = (||g[n]||_2 - 1)^2 over the flattened sample.
    Returns (penalty, norm), both (N,); norm is what the backward needs."""
    op = "grad_penalty"
    _check(op, "g", g, lib)
    if g.size == 0:
        raise ValueError(f"{op}: g must not be empty, got shape {tuple(g.shape)}")
    batch, dim = g.shape[0], g.size // g.shape[0]
    penalty = lib.xp.empty((batch,), dtype=np.float32)
    norm = lib.xp.empty((batch,), dtype=np.float32)
    lib.launch("grad_penalty_fwd", batch, lib.constant("GRAD_PENALTY_THREADS"), g, penalty, norm, dim)
    return penalty, norm


def grad_penalty_backward(lib, g, norm, gout):
    """dg[n] = gout[n] * 2 (norm[n] - 1) g[n] / norm[n] (0 where norm[n] = 0)."""
    op = "grad_penalty_backward"
    _check(op, "g", g, lib)
    batch = g.shape[0]
    _check(op, "norm", norm, lib, (batch,))
    _check(op, "gout", gout, lib, (batch,))
    dg = lib.xp.empty_like(g)
    _launch_elementwise(lib, "grad_penalty_bwd", g.size, g, norm, gout, dg, batch, g.size // batch)
    return dg


# ---- optimiser steps, in place (optim.cu) -------------------------------------------------------------------


def _check_state(op, lib, param, grad, **state):
    _check(op, "param", param, lib, min_ndim=0)
    _check(op, "grad", grad, lib, param.shape)
    for name, array in state.items():
        _check(op, name, array, lib, param.shape)


def _unused_state(lib):
    return lib.xp.empty((1,), dtype=np.float32)


def sgd_step(lib, param, grad, momentum_buffer=None, *, lr, momentum=0.0, dampening=0.0, weight_decay=0.0,
             nesterov=False, first_step=False):
    """One torch.optim.SGD step on param (and momentum_buffer, needed when momentum != 0), in place.
    first_step: the buffer is initialised to the gradient rather than decayed."""
    op = "sgd_step"
    if momentum != 0.0 and momentum_buffer is None:
        raise ValueError(f"{op}: momentum {momentum} needs a momentum_buffer")
    if nesterov and (momentum <= 0.0 or dampening != 0.0):
        raise ValueError(f"{op}: nesterov momentum requires a momentum > 0 and zero dampening")
    buffer = momentum_buffer if momentum != 0.0 else _unused_state(lib)
    _check_state(op, lib, param, grad, **({"momentum_buffer": buffer} if momentum != 0.0 else {}))
    _launch_elementwise(lib, "sgd_update", param.size, param, grad, buffer, param.size, lr, momentum, dampening,
                        weight_decay, int(nesterov), int(first_step))


def adam_step(lib, param, grad, exp_avg, exp_avg_sq, *, step=None, corrections=None, lr=None, betas=(0.9, 0.999),
              eps=1e-8, weight_decay=0.0, decoupled_weight_decay=False):
    """One torch.optim.Adam step t on param, exp_avg, exp_avg_sq, in place: weight_decay is added to the gradient
    (L2, Adam's), or with decoupled_weight_decay scales the parameter by 1 - lr * weight_decay first (AdamW's). t is
    either a host count `step` (>= 1, counting this one), with `lr`: the bias corrections 1 - beta^t, the parameter's
    scale and the complements 1 - beta are then computed here in double precision; or it lives on the device, and
    `corrections` is a float32 array [lr / (1 - beta1^t), sqrt(1 - beta2^t), param_scale] computed there, which the
    kernel reads when it runs (a step recorded in a CUDA graph)."""
    op = "adam_step"
    _check_state(op, lib, param, grad, exp_avg=exp_avg, exp_avg_sq=exp_avg_sq)
    beta1, beta2 = betas
    if corrections is None:
        int_at_least(op, "step", step, 1)  # this step's number, t in the bias corrections
        require(op, "lr", lr, is_number, "a number")
        step_size, bias_correction2_sqrt = lr / (1.0 - beta1 ** step), math.sqrt(1.0 - beta2 ** step)
        param_scale = 1.0 - lr * weight_decay if decoupled_weight_decay else 1.0
    else:
        if step is not None or lr is not None:
            raise ValueError(f"{op}: corrections already hold lr and the step t; got step={step!r}, lr={lr!r} too")
        _check(op, "corrections", corrections, lib, (3,))
        step_size = bias_correction2_sqrt = param_scale = 0.0  # unused: the kernel reads corrections
    l2_weight_decay = 0.0 if decoupled_weight_decay else weight_decay
    _launch_elementwise(lib, "adam_update", param.size, param, grad, exp_avg, exp_avg_sq, param.size,
                        beta1, 1.0 - beta1, beta2, 1.0 - beta2, eps, l2_weight_decay, step_size, bias_correction2_sqrt,
                        param_scale, corrections)


def rmsprop_step(lib, param, grad, square_avg, grad_avg=None, momentum_buffer=None, *, lr, alpha=0.99, eps=1e-8,
                 weight_decay=0.0, momentum=0.0, centered=False):
    """One torch.optim.RMSprop step on param and its state (grad_avg needed when centered, momentum_buffer when
    momentum > 0; all state starts at zero), in place."""
    op = "rmsprop_step"
    if centered and grad_avg is None:
        raise ValueError(f"{op}: centered=True needs grad_avg")
    if momentum > 0.0 and momentum_buffer is None:
        raise ValueError(f"{op}: momentum {momentum} needs a momentum_buffer")
    state = {"square_avg": square_avg}
    if centered:
        state["grad_avg"] = grad_avg
    if momentum > 0.0:
        state["momentum_buffer"] = momentum_buffer
    _check_state(op, lib, param, grad, **state)
    _launch_elementwise(lib, "rmsprop_update", param.size, param, grad, square_avg,
                        grad_avg if centered else _unused_state(lib),
                        momentum_buffer if momentum > 0.0 else _unused_state(lib), param.size, lr, alpha, 1.0 - alpha,
                        eps, weight_decay, momentum, int(centered))


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


# ---- pooling (pool.cu) ------------------------------------------------------------------------------------


def pool_output_size(size, kernel, stride, padding, dilation=1, ceil_mode=False):
    """PyTorch's pooling output length: floor or ceil of (size + 2p - d(k-1) - 1) / s, plus 1; in ceil mode
    the last window must start inside the input or its left padding."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def _pool_geometry(op, x_shape, kernel_size, stride, padding, dilation, ceil_mode):
    """(planes, H, W, P, Q) and the per-axis parameters, checked."""
    if len(x_shape) != 4:
        raise ValueError(f"{op}: x must be (N, C, H, W), got shape {tuple(x_shape)}")
    kernel = int_pair(op, "kernel_size", kernel_size, 1)
    stride = kernel if stride is None else int_pair(op, "stride", stride, 1)
    padding = int_pair(op, "padding", padding, 0)
    dilation = int_pair(op, "dilation", dilation, 1)
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise ValueError(f"{op}: padding {padding} must be at most half the kernel size {kernel}")
    n, c, h, w = x_shape
    out = tuple(pool_output_size(size, k, s, p, d, ceil_mode)
                for size, k, s, p, d in zip((h, w), kernel, stride, padding, dilation))
    if min(out) < 1:
        raise ValueError(f"{op}: the kernel {kernel} (dilation {dilation}) does not fit the input {tuple(x_shape)} "
                         f"with padding {padding}")
    for size, k, s, p, d, o in zip((h, w), kernel, stride, padding, dilation, out):
        if not all(any(0 <= i * s - p + t * d < size for t in range(k)) for i in range(o)):
            raise ValueError(f"{op}: with kernel {kernel}, dilation {dilation} and padding {padding}, a window over "
                             f"the input {tuple(x_shape)} covers only padding")
    if n * c * out[0] * out[1] > INT32_MAX:
        raise ValueError(f"{op}: the output ({n}, {c}, {out[0]}, {out[1]}) has more than 2**31-1 elements")
    return (n * c, h, w, *out), kernel, stride, padding, dilation


def max_pool2d(lib, x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """y[n,c,p,q] = max of x over the window (PyTorch's max_pool2d); returns (y, argmax) with argmax the int32
    index h*W + w of the (first) maximum within its input plane."""
    op = "max_pool2d"
    _check(op, "x", x, lib)
    (planes, h, w, p, q), kernel, stride, padding, dilation = _pool_geometry(op, x.shape, kernel_size, stride,
                                                                             padding, dilation, ceil_mode)
    y = lib.xp.empty(x.shape[:2] + (p, q), dtype=np.float32)
    argmax = lib.xp.empty(y.shape, dtype=np.int32)
    _launch_elementwise(lib, "max_pool2d_fwd", y.size, x, y, argmax, planes, h, w, p, q, *kernel, *stride, *padding,
                        *dilation)
    return y, argmax


def max_pool2d_backward(lib, g, argmax, x_shape, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """dx: each output gradient g[n,c,p,q] added to the input element its argmax names."""
    op = "max_pool2d_backward"
    (planes, h, w, p, q), kernel, stride, padding, dilation = _pool_geometry(op, tuple(x_shape), kernel_size,
                                                                             stride, padding, dilation, ceil_mode)
    _check(op, "g", g, lib, tuple(x_shape[:2]) + (p, q))
    _check(op, "argmax", argmax, lib, g.shape, dtype=np.int32)
    dx = lib.xp.empty(tuple(x_shape), dtype=np.float32)
    _launch_elementwise(lib, "max_pool2d_dgrad", dx.size, g, argmax, dx, planes, h, w, p, q, *kernel, *stride,
                        *padding, *dilation)
    return dx


def avg_pool2d(lib, x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """y[n,c,p,q] = mean of x over the window, PyTorch's avg_pool2d (divisor: see avg_window in pool.cu)."""
    op = "avg_pool2d"
    _check(op, "x", x, lib)
    (planes, h, w, p, q), kernel, stride, padding, _ = _pool_geometry(op, x.shape, kernel_size, stride, padding, 1,
                                                                      ceil_mode)
    y = lib.xp.empty(x.shape[:2] + (p, q), dtype=np.float32)
    _launch_elementwise(lib, "avg_pool2d_fwd", y.size, x, y, planes, h, w, p, q, *kernel, *stride, *padding,
                        int(count_include_pad))
    return y


def avg_pool2d_backward(lib, g, x_shape, kernel_size, stride=None, padding=0, ceil_mode=False,
                        count_include_pad=True):
    """dx: each output gradient spread evenly (1 / divisor) over its window's in-plane taps."""
    op = "avg_pool2d_backward"
    (planes, h, w, p, q), kernel, stride, padding, _ = _pool_geometry(op, tuple(x_shape), kernel_size, stride,
                                                                      padding, 1, ceil_mode)
    _check(op, "g", g, lib, tuple(x_shape[:2]) + (p, q))
    dx = lib.xp.empty(tuple(x_shape), dtype=np.float32)
    _launch_elementwise(lib, "avg_pool2d_dgrad", dx.size, g, dx, planes, h, w, p, q, *kernel, *stride, *padding,
                        int(count_include_pad))
    return dx


# ---- nearest upsampling (upsample.cu) ----------------------------------------------------------------------


def _nearest_scales(op, in_hw, out_hw, scale_factor):
    """PyTorch's per-axis index scales (float32 values): in / out for a given size, 1 / scale_factor for a
    given scale factor."""
    if scale_factor is None:
        return tuple(float(np.float32(n) / np.float32(o)) for n, o in zip(in_hw, out_hw))
    return tuple(float(np.float32(1.0 / f)) for f in positive_pair(op, "scale_factor", scale_factor))


def upsample_nearest2d(lib, x, size=None, scale_factor=None):
    """Nearest-neighbour resize of x (N, C, H, W) to `size` (OH, OW), or to floor(H * scale_factor) x
    floor(W * scale_factor); output row oh reads input row min(floor(oh * scale), H - 1), PyTorch's rule
    (scale = H / OH for a size, 1 / scale_factor for a scale factor; see upsample.cu)."""
    op = "upsample_nearest2d"
    _check(op, "x", x, lib)
    if x.ndim != 4:
        raise ValueError(f"{op}: x must be (N, C, H, W), got shape {tuple(x.shape)}")
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size and scale_factor")
    h, w = x.shape[2:]
    if size is not None:
        out = int_pair(op, "size", size, 1)
    else:
        factors = positive_pair(op, "scale_factor", scale_factor)
        out = tuple(int(math.floor(n * f)) for n, f in zip((h, w), factors))
        if min(out) < 1:
            raise ValueError(f"{op}: scale_factor {scale_factor!r} gives the empty output {out} for input "
                             f"{tuple(x.shape)}")
    y = lib.xp.empty(x.shape[:2] + out, dtype=np.float32)
    if y.size > INT32_MAX:
        raise ValueError(f"{op}: the output {tuple(y.shape)} has more than 2**31-1 elements")
    _launch_elementwise(lib, "upsample_nearest2d_fwd", y.size, x, y, x.shape[0] * x.shape[1], h, w, *out,
                        *_nearest_scales(op, (h, w), out, scale_factor))
    return y


def upsample_nearest2d_backward(lib, g, x_shape, scale_factor=None):
    """dx[n,c,h,w] = sum of g over the output elements that read input (h, w); scale_factor as in the forward."""
    op = "upsample_nearest2d_backward"
    _check(op, "g", g, lib)
    x_shape = tuple(int(d) for d in x_shape)
    if g.ndim != 4 or len(x_shape) != 4 or g.shape[:2] != x_shape[:2] or min(x_shape) < 1:
        raise ValueError(f"{op}: g {tuple(g.shape)} and x_shape {x_shape} must be (N, C, OH, OW) and (N, C, H, W)")
    dx = lib.xp.empty(x_shape, dtype=np.float32)
    _launch_elementwise(lib, "upsample_nearest2d_dgrad", dx.size, g, dx, x_shape[0] * x_shape[1], *x_shape[2:],
                        *g.shape[2:], *_nearest_scales(op, x_shape[2:], g.shape[2:], scale_factor))
    return dx
