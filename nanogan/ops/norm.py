"""Normalisations: batch_norm, instance_norm, layer_norm, group_norm; and, composed of elementwise ops, rms_norm and
local_response_norm.

Each is a per-channel normalisation of an (N, C, *) tensor, which the Functions below hand the
kernels of backend/cpu/norm.py as the (N, C, L) array view they take: batch norm normalises its
input as it is, instance norm its (1, N·C, L) reshape, layer norm its (1, rows, features) one,
group norm (G groups of C/G channels) its (1, N·G, C/G·L) one.
Per channel, with M = N·L values, μ and σ² their mean and biased variance, r = 1/sqrt(σ² + eps)
and x̂ = (x - μ)·r:

    y  = x̂·w + b
    db = Σ g,   dw = Σ g·x̂,   dx = w·r·(g - Σg/M - x̂·Σ(g·x̂)/M)

Three Functions carry this so that derivatives of every order stay in the graph while the
first backward is two fused kernel passes:
    BatchNorm(x, w, b)                y                         kernel channel_affine
    BatchNormReduce(x, g)             S = [Σg, Σg·x̂]  (2, C)    kernel batch_norm_backward_reduce
    BatchNormInputGrad(x, g, w, S)    dx                        kernel batch_norm_backward_elemt
BatchNorm's backward is Reduce then InputGrad; Reduce's backward is BatchNorm and InputGrad
again; InputGrad's backward (the core of the double backward, what a gradient penalty through
a normalised critic needs) is written with tensor ops on x̂ and r recomputed from x.
When no graph is recorded (a backward without create_graph) each backward runs the same passes
directly on arrays instead: nodes there would be host time for nothing, and slicing S into
its rows two more nodes.
Eval-mode normalisation by running statistics is ChannelAffine: y = x·scale + shift per channel.
"""
import numpy as np

from ..arguments import int_at_least, int_tuple, is_finite, require
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from .activation import require_floating
from .bias import channel_axes, channel_sum
from .pad import pad
from .shape import stack


def _length(x):
    """L, the values per sample and channel of an (N, C, *) array or tensor."""
    return int(np.prod(x.shape[2:]))


def _count(x):
    """M = N·L, the values per channel of an (N, C, *) array or tensor."""
    return x.shape[0] * _length(x)


def _as_channels(array):
    """An (N, C, *) array seen as the (N, C, L) array the backend's norm kernels take (a view when it can be;
    L spelled out, as -1 is ambiguous for an empty array)."""
    return array.reshape(array.shape[0], array.shape[1], _length(array))


def _per_channel(v, ndim):
    """A (C,) tensor shaped (1, C, 1, ...), to broadcast over an ndim-dimensional (N, C, *) tensor."""
    return v.reshape((1, -1) + (1,) * (ndim - 2))


def _normalized(x, eps):
    """x̂ and r of an (N, C, *) tensor as differentiable tensor ops (for the double backward)."""
    axes = channel_axes(x)
    centred = x - x.mean(axes, keepdim=True)
    r = ((centred * centred).mean(axes, keepdim=True) + eps) ** -0.5
    return centred * r, r


# ---- the three passes on arrays: the Functions' forwards, and their backwards when no graph is recorded ------

def _affine_pass(backend, x, weight, bias, mean, invstd):
    """y = x̂·w + b of an (N, C, *) array."""
    return backend.normalized_affine(_as_channels(x), mean, invstd, weight, bias).reshape(x.shape)


def _sums_pass(backend, x, g, mean, invstd):
    """S = [Σ g, Σ g·x̂] per channel of (N, C, *) arrays, one (2, C) array."""
    return backend.batch_norm_backward_reduce(_as_channels(x), _as_channels(g), mean, invstd)


def _input_grad_pass(backend, x, g, weight, sum_g, sum_g_xhat, mean, invstd):
    """dx = w·r·(g - Σg/M - x̂·Σgx̂/M) of (N, C, *) arrays."""
    dx = backend.batch_norm_backward_elemt(_as_channels(x), _as_channels(g), mean, invstd, weight, sum_g, sum_g_xhat)
    return dx.reshape(x.shape)


def _tensors(*arrays):
    return tuple(None if a is None else Tensor(a) for a in arrays)


class BatchNorm(Function):
    """y = x̂·w + b per channel of an (N, C, *) x; x̂ = (x - μ)·r where μ = `mean`, r = `invstd`
    must be x's own batch statistics (the caller computes them once: they also feed the
    running averages);  with S = BatchNormReduce(x, g):
    dx = BatchNormInputGrad(x, g, w, S),  dw = S[1] = Σ g·x̂,  db = S[0] = Σ g."""

    @staticmethod
    def forward(ctx, x, weight, bias, *, mean, invstd, eps):
        return _affine_pass(ctx.backend, x, weight, bias, mean, invstd)

    @staticmethod
    def backward(ctx, g):
        x, weight, _ = ctx.inputs
        needs = ctx.needs_input_grad
        if not is_grad_enabled():
            sum_g, sum_g_xhat = _sums_pass(ctx.backend, x.array, g.array, ctx.mean, ctx.invstd)
            dx = _input_grad_pass(ctx.backend, x.array, g.array, weight.array, sum_g, sum_g_xhat, ctx.mean,
                                  ctx.invstd) if needs[0] else None
            return _tensors(dx, sum_g_xhat if needs[1] else None, sum_g if needs[2] else None)
        stats = dict(mean=ctx.mean, invstd=ctx.invstd, eps=ctx.eps)
        sums = BatchNormReduce.apply(x, g, **stats)
        dx = BatchNormInputGrad.apply(x, g, weight, sums, **stats) if needs[0] else None
        dw = sums[1] if needs[1] else None
        db = sums[0] if needs[2] else None
        return dx, dw, db


class BatchNormReduce(Function):
    """S = [Σ g, Σ g·x̂] per channel, shape (2, C);  with G = [G_b, G_w] the gradient of S:
    dg = x̂·G_w + G_b = BatchNorm(x, G_w, G_b),
    dx = ∂(Σ g·x̂)/∂x · G_w = G_w·r·(g - Σg/M - x̂·Σ(g·x̂)/M) = BatchNormInputGrad(x, g, G_w, S)."""
    reads_output = True

    @staticmethod
    def forward(ctx, x, g, *, mean, invstd, eps):
        return _sums_pass(ctx.backend, x, g, mean, invstd)

    @staticmethod
    def backward(ctx, grad_sums):
        x, g = ctx.inputs
        needs = ctx.needs_input_grad
        if not is_grad_enabled():
            (grad_sum_g, grad_sum_g_xhat), (sum_g, sum_g_xhat) = grad_sums.array, ctx.output.array
            dx = _input_grad_pass(ctx.backend, x.array, g.array, grad_sum_g_xhat, sum_g, sum_g_xhat, ctx.mean,
                                  ctx.invstd) if needs[0] else None
            dg = _affine_pass(ctx.backend, x.array, grad_sum_g_xhat, grad_sum_g, ctx.mean, ctx.invstd) \
                if needs[1] else None
            return _tensors(dx, dg)
        stats = dict(mean=ctx.mean, invstd=ctx.invstd, eps=ctx.eps)
        grad_sum_g, grad_sum_g_xhat = grad_sums[0], grad_sums[1]
        dx = BatchNormInputGrad.apply(x, g, grad_sum_g_xhat, ctx.output, **stats) if needs[0] else None
        dg = BatchNorm.apply(x, grad_sum_g_xhat, grad_sum_g, **stats) if needs[1] else None
        return dx, dg


class BatchNormInputGrad(Function):
    """dx = w·r·u with u = g - S_b/M - x̂·S_w/M per channel, for S = [S_b, S_w] of shape (2, C);
    with G the gradient of dx, and x̂ and r taken as the functions of x they are:
        dg   = G·w·r
        dw   = Σ G·r·u
        dS_b = -Σ G·w·r / M,    dS_w = -Σ G·w·r·x̂ / M
        dx   = r·(h - mean h - x̂·mean(h·x̂)) - k·r²·x̂/M,    h = -G·w·r·S_w/M,   k = Σ G·w·u
    (h is the gradient reaching x̂, carried back through the normalisation; k the one reaching r,
    carried back by ∂r/∂x = -r²·x̂/M).
    Under create_graph (grad mode on) it is the tensor ops below, so that a third derivative exists; otherwise —
    a gradient penalty's outer backward, the usual case — one pass of array code
    (backend.batch_norm_input_grad_backward, the same formulas) instead of some fifty nodes."""

    @staticmethod
    def forward(ctx, x, g, weight, sums, *, mean, invstd, eps):
        return _input_grad_pass(ctx.backend, x, g, weight, sums[0], sums[1], mean, invstd)

    @staticmethod
    def backward(ctx, grad_dx):
        x, g, weight, sums = ctx.inputs
        if not is_grad_enabled():
            grads = ctx.backend.batch_norm_input_grad_backward(
                _as_channels(x.array), _as_channels(g.array), ctx.mean, ctx.invstd, weight.array, sums.array[0],
                sums.array[1], _as_channels(grad_dx.array), ctx.needs_input_grad)
            shapes = (x.shape, x.shape, weight.shape, sums.shape)
            return _tensors(*(None if a is None else a.reshape(shape) for a, shape in zip(grads, shapes)))
        count, axes = _count(x), channel_axes(x)
        xhat, r = _normalized(x, ctx.eps)
        w, sum_g, sum_g_xhat = (_per_channel(v, x.ndim) for v in (weight, sums[0], sums[1]))
        u = g - sum_g / count - xhat * sum_g_xhat / count
        grad_wr = grad_dx * (w * r)
        needs = ctx.needs_input_grad
        dg = grad_wr if needs[1] else None
        dw = channel_sum(grad_dx * r * u) if needs[2] else None
        dsums = stack([channel_sum(grad_wr), channel_sum(grad_wr * xhat)]) / -count if needs[3] else None
        dx = None
        if needs[0]:
            h = grad_wr * sum_g_xhat / -count
            k = (grad_dx * w * u).sum(axes, keepdim=True)
            through_xhat = r * (h - h.mean(axes, keepdim=True) - xhat * (h * xhat).mean(axes, keepdim=True))
            dx = through_xhat - k * r * r * xhat / count
        return dx, dg, dw, dsums


class ChannelAffine(Function):
    """y = x·scale + shift per channel of an (N, C, *) x (normalisation by fixed statistics);
    dx = g·scale = ChannelAffine(g, scale, 0),  dscale = Σ g·x,  dshift = Σ g."""

    @staticmethod
    def forward(ctx, x, scale, shift):
        return ctx.backend.channel_affine(_as_channels(x), scale, shift).reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        x, scale, shift = ctx.inputs
        needs = ctx.needs_input_grad
        no_shift = Tensor(ctx.xp.zeros_like(shift.array))
        dx = ChannelAffine.apply(g, scale, no_shift) if needs[0] else None
        dscale = channel_sum(g * x) if needs[1] else None
        dshift = channel_sum(g) if needs[2] else None
        return dx, dscale, dshift


# ---- public wrappers --------------------------------------------------------------------------
def _require_one_dtype(op, input, given):
    """The vectors `given` (name: tensor) in input's dtype, as PyTorch requires: a float64 weight on a float32 input
    would make a float64 output, or a float32 one from float64 statistics, without a word."""
    for name, v in given.items():
        if v.dtype != input.dtype:
            raise TypeError(f"{op}: input ({input.dtype}) and {name} ({v.dtype}) must share one dtype")


def _check_inputs(op, input, min_dim, channels, **vectors):
    """Floating tensors only, of one dtype; input has min_dim dims; every given per-channel vector is (channels,)."""
    given = {name: v for name, v in vectors.items() if v is not None}
    require_floating(op, input, *given.values())
    _require_one_dtype(op, input, given)
    for name, v in given.items():  # before anything runs: a training pass updates the running statistics first
        if v.backend is not input.backend:
            raise RuntimeError(f"{op}: input of shape {input.shape} on {input.device}, {name} on {v.device}")
    if input.ndim < min_dim:
        raise ValueError(f"{op}: expected an input with at least {min_dim} dimensions, got shape {input.shape}")
    for name, v in given.items():
        if v.shape != (channels,):
            raise ValueError(f"{op}: {name} of shape {v.shape} does not match the {channels} channels of "
                             f"input of shape {input.shape}; expected ({channels},)")


def _check_running_pair(op, running_mean, running_var):
    """Both running statistics or neither, as PyTorch requires: given one alone, a training pass would update it
    and leave the other as it was, which no later normalisation by the two could make sense of."""
    if (running_mean is None) != (running_var is None):
        given, missing = ("running_mean", "running_var") if running_var is None else ("running_var", "running_mean")
        raise ValueError(f"{op}: {given} is given but {missing} is None; give both running statistics or neither")


def _check_enough_values(op, x, input):
    if _count(x) == 1:  # as PyTorch: none at all is an empty batch, whose output is empty (_normalize_by_batch)
        raise ValueError(f"{op}: expected more than 1 value per channel when training, got input of shape "
                         f"{input.shape}")


def _update_running(running, batch_stat, momentum, correction=1.0):
    """running ← (1 - momentum)·running + momentum·correction·batch_stat, in place; a batch_stat with a
    multiple of running's length (instance norm: one per sample and channel) is averaged per channel."""
    stat = batch_stat if batch_stat.shape == running.shape else batch_stat.reshape(-1, running.shape[0]).mean(axis=0)
    running.backend.running_average_(running.array, stat, momentum, correction)


def _constant(xp, fill, size, dtype):
    return Tensor(xp.full(size, fill, dtype=dtype))


def _normalize_by_batch(x, weight, bias, eps, running_mean=None, running_var=None, momentum=0.1):
    """BatchNorm of an (N, C, *) tensor with its own statistics; updates the running ones (unbiased
    variance, as PyTorch) when given (both or neither). The backend updates them with the statistics themselves
    (one pass, one kernel on the GPU) where there is one running value per channel of x; otherwise (instance
    norm's per-sample channels) they are averaged in here."""
    backend, channels = x.backend, x.shape[1]
    xp = backend.xp
    weight = weight if weight is not None else _constant(xp, 1, channels, x.dtype)
    bias = bias if bias is not None else _constant(xp, 0, channels, x.dtype)
    if x.numel() == 0:
        # no statistics to normalise with or to fold into the running ones, which PyTorch leaves as they are: the
        # output is as empty as x, and the gradients of weight and bias are zero, as those of x·weight + bias
        return ChannelAffine.apply(x, weight, bias)
    in_stats_pass = running_mean is not None and running_mean.shape == (channels,)
    running = dict(running_mean=running_mean.array, running_var=running_var.array) if in_stats_pass else {}
    mean, var, invstd = backend.batch_norm_stats(_as_channels(x.array), eps, **running, momentum=momentum)
    if running_mean is not None and not in_stats_pass:
        count = _count(x)
        _update_running(running_mean, mean, momentum)
        _update_running(running_var, var, momentum, correction=count / (count - 1))
    return BatchNorm.apply(x, weight, bias, mean=mean, invstd=invstd, eps=eps)


def _normalize_by_running(x, running_mean, running_var, weight, bias, eps):
    """y = (x - running_mean)/sqrt(running_var + eps)·w + b per channel of an (N, C, *) tensor."""
    scale = Tensor((running_var.array + eps) ** -0.5)
    if weight is not None:
        scale = scale * weight
    shift = -Tensor(running_mean.array) * scale
    if bias is not None:
        shift = shift + bias
    return ChannelAffine.apply(x, scale, shift)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    """Normalise each channel of an (N, C, *) input by the batch's statistics (training, which also
    updates running_mean/running_var in place when given) or by the running ones (eval)."""
    channels = input.shape[1] if input.ndim >= 2 else None
    _check_inputs("batch_norm", input, 2, channels, running_mean=running_mean, running_var=running_var,
                  weight=weight, bias=bias)
    _check_running_pair("batch_norm", running_mean, running_var)
    if training:
        _check_enough_values("batch_norm", input, input)
        # as PyTorch: with eps 0, a channel of one value in the batch would divide 0 by 0
        require("batch_norm", "eps", eps, lambda v: v > 0, "a number > 0 in training")
        return _normalize_by_batch(input, weight, bias, eps, running_mean, running_var, momentum)
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm: eval mode (training=False) needs running_mean and running_var")
    # as PyTorch: a negative eps takes from the running variance, a NaN wherever that is below -eps
    require("batch_norm", "eps", eps, lambda v: v >= 0, "a number >= 0")
    return _normalize_by_running(input, running_mean, running_var, weight, bias, eps)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Normalise each (sample, channel) plane of an (N, C, *) input by its own statistics; the
    running statistics, when given, are updated with their average over the batch."""
    channels = input.shape[1] if input.ndim >= 2 else None
    _check_inputs("instance_norm", input, 3, channels, running_mean=running_mean, running_var=running_var,
                  weight=weight, bias=bias)
    _check_running_pair("instance_norm", running_mean, running_var)
    batch = input.shape[0]
    if use_input_stats:
        x = input.reshape(1, batch * channels, _length(input))
        _check_enough_values("instance_norm", x, input)

        def per_plane(v):
            return v.unsqueeze(0).expand(batch, channels).reshape(batch * channels) if v is not None else None
        y = _normalize_by_batch(x, per_plane(weight), per_plane(bias), eps, running_mean, running_var, momentum)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("instance_norm: use_input_stats=False needs running_mean and running_var")
        return _normalize_by_running(input, running_mean, running_var, weight, bias, eps)
    return y.reshape(input.shape)


def _trailing_features(op, input, normalized_shape, **vectors):
    """normalized_shape as a tuple, checked to end input's shape and to be the shape of each given vector (the
    elementwise weight and bias of layer_norm and rms_norm), all of input's floating dtype."""
    normalized_shape = int_tuple(op, "normalized_shape", normalized_shape, 1)
    given = {name: t for name, t in vectors.items() if t is not None}
    require_floating(op, input, *given.values())
    _require_one_dtype(op, input, given)
    trailing = len(normalized_shape)
    if trailing == 0 or input.ndim < trailing or input.shape[input.ndim - trailing:] != normalized_shape:
        raise ValueError(f"{op}: input of shape {input.shape} does not end with normalized_shape "
                         f"{normalized_shape}")
    for name, t in given.items():
        if t.shape != normalized_shape:
            raise ValueError(f"{op}: {name} of shape {t.shape} does not match normalized_shape {normalized_shape}")
    return normalized_shape


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing dims `normalized_shape`, then y·weight + bias elementwise over them."""
    normalized_shape = _trailing_features("layer_norm", input, normalized_shape, weight=weight, bias=bias)
    features = int(np.prod(normalized_shape))
    y = _normalize_by_batch(input.reshape(1, -1, features), None, None, eps).reshape(input.shape)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """Root-mean-square normalisation over the trailing dims `normalized_shape` (Zhang & Sennrich 2019), layer norm
    without the centring and the bias:

        y = x·r·w,   r = 1/sqrt(mean(x²) + eps) over those dims,   dx = r·(h - x·r²·mean(h·x)) with h = g·w

    eps defaults to the dtype's machine epsilon, as PyTorch's. A composition of elementwise ops and a mean, whose
    derivatives of every order are those of the parts."""
    normalized_shape = _trailing_features("rms_norm", input, normalized_shape, weight=weight)
    if eps is None:
        eps = float(np.finfo(input.dtype).eps)
    require("rms_norm", "eps", eps, lambda v: is_finite(v) and v >= 0, "a finite number >= 0")
    dims = tuple(range(input.ndim - len(normalized_shape), input.ndim))
    y = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    return y if weight is None else y * weight


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Each value divided by the activity of its `size` neighbouring channels (Krizhevsky et al. 2012) in an
    (N, C, *) input:

        y[n, c] = x[n, c] / (k + alpha·a[n, c])^beta,   a[n, c] = (1/size)·Σ_{c' = c - size//2}^{c + (size-1)//2} x[n, c']²

    the channels beyond 0 and C - 1 counting as 0 (PyTorch's: an average pool over zero-padded channels). The sum
    is `size` shifted slices of the padded squares, so every derivative is that of the parts."""
    require_floating("local_response_norm", input)
    size = int_at_least("local_response_norm", "size", size, 1)
    for name, value in (("alpha", alpha), ("beta", beta), ("k", k)):
        require("local_response_norm", name, value, is_finite, "a finite number")
    if input.ndim < 3:
        raise ValueError(f"local_response_norm: expected an (N, C, *) input of 3 or more dimensions, got shape "
                         f"{input.shape}")
    channels = input.shape[1]
    squares = pad(input * input, (0, 0) * (input.ndim - 2) + (size // 2, (size - 1) // 2))  # the channel axis only
    activity = sum(squares[:, shift:shift + channels] for shift in range(size)) / size
    return input / (activity * alpha + k) ** beta


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise each sample's G = num_groups groups of C/G consecutive channels of an (N, C, *) input by the
    group's own statistics over its M = C/G·L values, then scale and shift per channel:

        y = x̂·w[c] + b[c],   dw[c] = Σ_{n, *} g·x̂,   db[c] = Σ_{n, *} g,
        dx = r·(h - Σh/M - x̂·Σ(h·x̂)/M) with h = g·w[c], the sums over the group

    x̂ and its gradient are the batch norm of the (1, N·G, M) reshape (one "channel" per sample and group); w and b,
    which differ within a group, are a ChannelAffine of the (N, C, *) result."""
    num_groups = int_at_least("group_norm", "num_groups", num_groups, 1)
    channels = input.shape[1] if input.ndim >= 2 else None
    _check_inputs("group_norm", input, 2, channels, weight=weight, bias=bias)
    if channels % num_groups:
        raise ValueError(f"group_norm: the {channels} channels of input of shape {input.shape} do not split into "
                         f"{num_groups} groups")
    batch = input.shape[0]
    groups = input.reshape(1, batch * num_groups, channels // num_groups * _length(input))
    y = _normalize_by_batch(groups, None, None, eps).reshape(input.shape)
    if weight is None and bias is None:
        return y
    xp = input.backend.xp
    return ChannelAffine.apply(y, weight if weight is not None else _constant(xp, 1, channels, input.dtype),
                               bias if bias is not None else _constant(xp, 0, channels, input.dtype))
