"""Losses. Each computes per-element losses ℓ and reduces them by `reduction`:
"mean" (the average), "sum", or "none" (ℓ itself).

Most are compositions of differentiable ops, so first and higher derivatives come from the parts;
each docstring states the gradient that results (g = dL/dℓ). binary_cross_entropy is a Function
because composing it would divide 0 by 0 where p is exactly 0 or 1; unit_norm_penalty is one because it is a
single kernel each way on the GPU, where its composition is seven nodes and as many launches.
"""
import math
import warnings

import numpy as np

from ..arguments import is_finite, is_int, is_number, require
from ..autograd.function import Function
from ..tensor import Tensor
from .activation import logsigmoid, log_softmax, require_floating, softplus
from .elementwise import clamp, clamp_min_passing_gradient, minimum, where
from .reduce import pairwise_distance

_LOG_FLOOR = -100.0  # PyTorch clamps BCE's logs here, so p = 0 or 1 gives a large finite loss
_BCE_EPSILON = 1e-12  # and keeps p(1 - p) at least this in BCE's gradient


REDUCTIONS = ("mean", "sum", "none")
KL_DIV_REDUCTIONS = ("mean", "batchmean", "sum", "none")
# PyTorch's words (and its missing spaces), so that a filter written for its warning catches this one too
_KL_DIV_MEAN_WARNING = ("reduction: 'mean' divides the total loss by both the batch size and the support size."
                        "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                        "'mean' will be changed to behave the same as 'batchmean' in the next major release.")


def require_reduction(owner, reduction, allowed=REDUCTIONS):
    """Refuse a reduction not among `allowed`, naming `owner`: the op, or the loss layer where it is made."""
    if reduction not in allowed:
        listed = ", ".join(map(repr, allowed[:-1])) + f" or {allowed[-1]!r}"
        raise ValueError(f"{owner}: reduction must be {listed}, got {reduction!r}")


def legacy_reduction(size_average, reduce, reduction):
    """PyTorch < 0.4.1's size_average and reduce, which its losses still take (keywords here), as the reduction they
    stand for, with PyTorch's deprecation warning: reduce=False is "none", else size_average=False is "sum", else
    "mean" (None counts as True); `reduction` where neither is given."""
    if size_average is None and reduce is None:
        return reduction
    size_average, reduce = size_average is None or size_average, reduce is None or reduce
    legacy = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{legacy}' instead.",
                  UserWarning, stacklevel=3)
    return legacy


def _reduce(op, loss, reduction):
    require_reduction(op, reduction)
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _check_same_shape(op, input, target):
    require_floating(op, input, target)
    if input.shape != target.shape:
        raise ValueError(f"{op}: target of shape {target.shape} does not match input of shape {input.shape}")


def _weight_for(op, name, t, input):
    """A weight that broadcasts to input's shape, in input's dtype: PyTorch computes the weighted loss of a float32
    input in float32 whatever the weight's, where numpy would promote it to a float64 weight's."""
    require_floating(op, t)
    try:
        fits = np.broadcast_shapes(t.shape, input.shape) == tuple(input.shape)
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{op}: {name} of shape {t.shape} does not broadcast to input of shape {input.shape}")
    return t if t.dtype == input.dtype else t.to(input.dtype)


class BinaryCrossEntropy(Function):
    """ℓ = -(t·max(log p, -100) + (1 - t)·max(log(1 - p), -100));
    dp = g·(p - t) / max(p(1 - p), 1e-12)   (PyTorch's: finite at p = 0 or 1),
    dt = g·(max(log(1 - p), -100) - max(log p, -100))."""

    @staticmethod
    def forward(ctx, p, t):
        xp = ctx.xp
        with np.errstate(divide="ignore"):  # log 0 = -inf is what the floor is for
            log_p, log_q = xp.maximum(xp.log(p), _LOG_FLOOR), xp.maximum(xp.log1p(-p), _LOG_FLOOR)
        return -(t * log_p + (1 - t) * log_q)

    @staticmethod
    def backward(ctx, g):
        p, t = ctx.inputs
        dp = g * (p - t) / clamp(p * (1 - p), min=_BCE_EPSILON) if ctx.needs_input_grad[0] else None
        dt = None
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore"):
                dt = g * (clamp((1 - p).log(), min=_LOG_FLOOR) - clamp(p.log(), min=_LOG_FLOOR))
        return dp, dt


def binary_cross_entropy(input, target, weight=None, reduction="mean", *, size_average=None, reduce=None):
    """ℓ = -w·(t·log p + (1 - t)·log(1 - p)), logs floored at -100, for probabilities p = input."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_same_shape("binary_cross_entropy", input, target)
    p = input.array
    input.backend.require(~((p < 0) | (p > 1)), ValueError,  # NaN passes, as in PyTorch
                          f"binary_cross_entropy: all elements of input (shape {input.shape}) should be between 0 "
                          f"and 1")
    loss = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * _weight_for("binary_cross_entropy", "weight", weight, input)
    return _reduce("binary_cross_entropy", loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None, *,
                                     size_average=None, reduce=None):
    """ℓ = w·(softplus(z) - t·z + (pos_weight - 1)·t·softplus(-z))
         = w·((1 - t)·z - L·log sigmoid(z)) with L = 1 + (pos_weight - 1)·t,
    where softplus(z) = max(z, 0) + log(1 + e^-|z|) is stable for any logit z;
    dz = g·w·(sigmoid(z) - t - (pos_weight - 1)·t·sigmoid(-z))  (= g·w·(sigmoid(z) - t) without
    pos_weight: written this way, not as 1 - t - sigmoid(-z), it keeps its precision at z ≪ 0);
    dt = g·w·(-z - (pos_weight - 1)·log sigmoid(z))."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    op = "binary_cross_entropy_with_logits"
    _check_same_shape(op, input, target)
    loss = softplus(input, threshold=math.inf) - target * input
    if pos_weight is not None:
        pos_weight = _weight_for(op, "pos_weight", pos_weight, input)
        loss = loss + (pos_weight - 1) * target * softplus(-input, threshold=math.inf)
    if weight is not None:
        loss = loss * _weight_for(op, "weight", weight, input)
    return _reduce(op, loss, reduction)


def _reduce_weighted(op, loss, reduction, weight, mean_over_weight):
    """w·ℓ reduced, for a weight of the input's shape (PyTorch's): "mean" is Σ w·ℓ / Σ w where mean_over_weight
    (mse_loss, l1_loss), else Σ w·ℓ / the count (huber_loss), as PyTorch divides them."""
    require_reduction(op, reduction)
    if weight is None:
        return _reduce(op, loss, reduction)
    require_floating(op, weight)
    if weight.shape != loss.shape:
        raise ValueError(f"{op}: weight of shape {weight.shape} does not match input of shape {loss.shape}")
    weighted = loss * weight
    if reduction == "mean" and mean_over_weight:
        return weighted.sum() / weight.sum()
    return _reduce(op, weighted, reduction)


def mse_loss(input, target, reduction="mean", weight=None, *, size_average=None, reduce=None):
    """ℓ = w·(x - t)² (w = 1 without a weight; "mean" divides by Σ w);  dx = 2g·w·(x - t),  dt = -dx,
    dw = g·(x - t)²."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_same_shape("mse_loss", input, target)
    diff = input - target
    return _reduce_weighted("mse_loss", diff * diff, reduction, weight, mean_over_weight=True)


def l1_loss(input, target, reduction="mean", weight=None, *, size_average=None, reduce=None):
    """ℓ = w·|x - t| (w = 1 without a weight; "mean" divides by Σ w);  dx = g·w·sign(x - t),  dt = -dx,
    dw = g·|x - t|."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_same_shape("l1_loss", input, target)
    return _reduce_weighted("l1_loss", (input - target).abs(), reduction, weight, mean_over_weight=True)


def _huber(diff, delta):
    """½d² where |d| < δ, else δ·(|d| - ½δ): the two pieces meet at |d| = δ with the value ½δ² and the slope ±δ."""
    size = diff.abs()
    return where(size.array < delta, diff * diff * 0.5, (size - 0.5 * delta) * delta)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """ℓ = ½d² where |d| < δ, else δ·(|d| - ½δ), for d = x - t: mse's half near 0, l1's times δ beyond;
    times w where a weight is given ("mean" still divides by the count, as PyTorch's);
    dx = g·d where |d| < δ, else g·δ·sign(d) (= g·clamp(d, -δ, δ)), times w,  dt = -dx; the second derivative is
    g·w where |d| < δ and 0 from |d| = δ on, as PyTorch's."""
    op = "huber_loss"
    require(op, "delta", delta, lambda d: is_finite(d) and d > 0, "a finite number > 0")
    _check_same_shape(op, input, target)
    return _reduce_weighted(op, _huber(input - target, delta), reduction, weight, mean_over_weight=False)


def smooth_l1_loss(input, target, reduction="mean", beta=1.0, *, size_average=None, reduce=None):
    """ℓ = ½d²/β where |d| < β, else |d| - ½β, for d = x - t: huber_loss with δ = β, divided by β, so its linear
    part is l1's; β = 0 is l1_loss.  dx = g·d/β where |d| < β, else g·sign(d) (= g·clamp(d/β, -1, 1)),  dt = -dx;
    the second derivative is g/β where |d| < β and 0 from |d| = β on, as PyTorch's."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    op = "smooth_l1_loss"
    require(op, "beta", beta, lambda b: is_finite(b) and b >= 0, "a finite number >= 0")
    _check_same_shape(op, input, target)
    diff = input - target
    return _reduce(op, diff.abs() if beta == 0 else _huber(diff, beta) / beta, reduction)


def kl_div(input, target, reduction="mean", log_target=False, *, size_average=None, reduce=None):
    """Pointwise terms of KL(t ‖ p) = Σ t·(log t - log p), for log-probabilities x = log p (the input) and
    probabilities t (the target):
      ℓ = t·(log t - x), with 0·log 0 = 0 where t = 0 (PyTorch's xlogy);
      with log_target, the target is s = log t:  ℓ = e^s·(s - x);
    dx = -g·t (-g·e^s),  dt = g·(log t + 1 - x) where t ≠ 0 and -g·x where t = 0 (PyTorch's is NaN there),
    ds = g·e^s·(s - x + 1). reduction "batchmean" is Σℓ / N for input (N, ...), the KL divergence per sample;
    "mean" divides by every element, not the divergence, and warns as PyTorch's does."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    op = "kl_div"
    require_reduction(op, reduction, KL_DIV_REDUCTIONS)
    _check_same_shape(op, input, target)
    if reduction == "mean":
        warnings.warn(_KL_DIV_MEAN_WARNING, stacklevel=2)
    if log_target:
        loss = target.exp() * (target - input)
    else:  # t·log t as t·log 1 where t = 0: the value 0, and no 0·(1/0) in the gradient
        loss = target * where(target.array != 0, target, 1.0).log() - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    return _reduce(op, loss, reduction)


def _class_rows(x):
    """(N, C, d1, ...) -> (N·d1·..., C): one row of class scores per predicted position; (C,) -> (1, C)."""
    if x.ndim == 1:
        return x.unsqueeze(0)
    if x.ndim == 2:
        return x
    moved = x.permute(0, *range(2, x.ndim), 1)
    return moved.reshape(-1, x.shape[1])


def _weighted_class_rows(log_p, weight):
    """w_c·lp_c in rows of classes (_class_rows)."""
    rows = _class_rows(log_p)
    return rows if weight is None else rows * weight


def _check_class_scores(op, input, target, weight, ignore_index):
    """The checks nll_loss and cross_entropy share: scores (N, C, d...) or (C,) for one sample, a target Tensor, a
    weight per class, an int ignore_index (as PyTorch's: True or 1.0 ignored class 1, and None nothing). Returns the
    number of classes C and the shape of a class-index target, (N, d...) or ()."""
    require_floating(op, input)
    require(op, "ignore_index", ignore_index, is_int, "an int")
    if not isinstance(target, Tensor):
        raise TypeError(f"{op}: target must be a Tensor, got {type(target).__name__}")
    if input.ndim == 0:
        raise ValueError(f"{op}: expected input of shape (N, C, ...) or (C,), got {input.shape}")
    classes = input.shape[1] if input.ndim > 1 else input.shape[0]
    positions = input.shape[:1] + input.shape[2:] if input.ndim > 1 else ()
    if weight is not None:
        require_floating(op, weight)
        if weight.dtype != input.dtype:  # as PyTorch: a float64 weight would make a float32 loss float64
            raise TypeError(f"{op}: input ({input.dtype}) and weight ({weight.dtype}) must share one dtype")
        if weight.shape != (classes,):
            raise ValueError(f"{op}: weight of shape {weight.shape} does not match the {classes} classes of "
                             f"input of shape {input.shape}")
    return classes, positions


def _check_class_index_target(op, input, target, positions):
    if target.shape != positions:
        raise ValueError(f"{op}: class-index target of shape {target.shape} does not match input of shape "
                         f"{input.shape}; expected {positions}")


def _negative_log_likelihood(op, log_p, target, weight, ignore_index, reduction, label_smoothing=0.0):
    """nll_loss of checked arguments, with cross_entropy's label smoothing ε (see their docstrings)."""
    if target.device != log_p.device:
        raise RuntimeError(f"{op}: input on {log_p.device} and target on {target.device}")
    class_weight_rows = _weighted_class_rows(log_p, weight)
    classes = class_weight_rows.shape[1]
    xp, labels = log_p.backend.xp, target.array.reshape(-1)
    valid = labels != ignore_index
    log_p.backend.require(~valid | ((labels >= 0) & (labels < classes)), IndexError,
                          f"{op}: a target (of shape {target.shape}) is out of bounds for {classes} classes")
    safe_labels = xp.where(valid, labels, 0)
    valid_t = Tensor(valid.astype(log_p.dtype))
    picked = class_weight_rows[xp.arange(labels.size), safe_labels] * valid_t  # w_y·lp_y, 0 where ignored
    target_weight = valid_t if weight is None else weight[safe_labels] * valid_t
    loss = -picked * (1 - label_smoothing)
    if label_smoothing > 0:
        loss = loss - class_weight_rows.sum(1) * valid_t * (label_smoothing / classes)
    if reduction == "mean":
        # every target ignored: the mean of no losses is NaN, as in PyTorch, and its gradient 0; dividing by the 0
        # would make the gradient NaN too, and one such batch would write NaN into every parameter
        total = target_weight.sum()
        nothing = total.array == 0
        return where(nothing, float("nan"), loss.sum() / where(nothing, 1.0, total))
    return _reduce(op, loss.reshape(target.shape), reduction)


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean", *, size_average=None, reduce=None):
    """Negative log-likelihood of class-index targets y (N, d...) — or () for one sample — under log-probabilities
    x (N, C, d...) — or (C,) — (a log_softmax over the classes, dim 1):
      ℓ = -w_y·x_y, and 0 where y = ignore_index; "mean" divides Σℓ by W = Σ w_y over the non-ignored positions
      (NaN when there are none, with the gradient 0);
    dx = -g·w_y at each position's class y and 0 elsewhere (÷ W for "mean"): linear in x, so no second derivative."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    op = "nll_loss"
    _, positions = _check_class_scores(op, input, target, weight, ignore_index)
    if not np.issubdtype(target.dtype, np.integer):
        raise TypeError(f"{op}: target must hold class indices (an integer tensor), got {target.dtype} of shape "
                        f"{target.shape}")
    _check_class_index_target(op, input, target, positions)
    return _negative_log_likelihood(op, input, target, weight, ignore_index, reduction)


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0, *,
                  size_average=None, reduce=None):
    """Cross-entropy of logits z (N, C, d...) — or (C,) for one sample — with lp = log_softmax(z)
    over the classes, and smoothing ε spreading ε/C of the target over every class:
      class-index target y (N, d...):  ℓ = -(1 - ε)·w_y·lp_y - (ε/C)·Σ_c w_c·lp_c
          (0 where y = ignore_index); "mean" divides by Σ w_y over the non-ignored positions: with ε = 0 this
          is nll_loss(lp, y), and it is computed by nll_loss's code;
      probability target t (shape of z):  ℓ = -Σ_c w_c·((1 - ε)·t_c + ε/C)·lp_c; "mean" over positions;
          an ignore_index >= 0 is refused there, as in PyTorch (it would ignore nothing).
    dz = the gradient of that composition: per row, w_y·(softmax(z) - onehot(y)) when ε = 0, w = 1."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    op = "cross_entropy"
    classes, positions = _check_class_scores(op, input, target, weight, ignore_index)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be in [0, 1], got {label_smoothing}")
    probability_target = np.issubdtype(target.dtype, np.floating)
    if probability_target and target.shape != input.shape:
        raise ValueError(f"{op}: probability target of shape {target.shape} does not match input of "
                         f"shape {input.shape}")
    if probability_target and ignore_index >= 0:  # as PyTorch: no position holds a class index to ignore
        raise ValueError(f"{op}: ignore_index ({ignore_index}) is for class-index targets, not a probability "
                         f"target (of shape {target.shape})")
    if not probability_target:
        _check_class_index_target(op, input, target, positions)
    log_p = log_softmax(input, 1 if input.ndim > 1 else 0)
    if probability_target:
        smoothed = _class_rows(target) * (1 - label_smoothing) + label_smoothing / classes
        return _reduce(op, -(_weighted_class_rows(log_p, weight) * smoothed).sum(1).reshape(positions), reduction)
    return _negative_log_likelihood(op, log_p, target, weight, ignore_index, reduction, label_smoothing)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """ℓ = ½·(log v + (x - t)²/v) (+ ½·log 2π when full), v = max(var, eps) where the clamp passes
    the gradient through unchanged, as PyTorch's no-grad clamp does;
    dx = g·(x - t)/v,  dt = -dx,  dvar = g·½·(1/v - (x - t)²/v²).
    var has input's shape, or input's without its last dim, or one dim of size 1 (homoscedastic),
    or is a float."""
    op = "gaussian_nll_loss"
    _check_same_shape(op, input, target)
    if is_number(var):
        var = Tensor(input.backend.xp.full(input.shape, float(var), dtype=input.dtype))
    require_floating(op, var)
    if var.shape != input.shape:
        if var.shape == input.shape[:-1]:
            var = var.unsqueeze(-1)
        elif not (var.ndim == input.ndim and
                  sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1):
            raise ValueError(f"{op}: var of shape {var.shape} does not fit input of shape {input.shape}; "
                             f"expected {input.shape}, {input.shape[:-1]} or one dim of size 1")
    var.backend.require(~(var.array < 0), ValueError, f"{op}: var (shape {var.shape}) has negative entries")
    var = clamp_min_passing_gradient(var, eps)
    diff = input - target
    loss = (var.log() + diff * diff / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(op, loss, reduction)


class UnitNormPenalty(Function):
    """y[i] = (‖g[i]‖₂ - 1)² per sample i of g (N, ...), the norm over all of a sample's elements;
    dg[i] = gy[i]·2(‖g[i]‖ - 1)·g[i]/‖g[i]‖, and 0 where g[i] = 0 (the norm's subgradient there, as in PyTorch).
    Its backward is one backend kernel, outside the graph: a gradient penalty needs this first derivative only
    (the second-order work of WGAN-GP is in the critic's input gradient, upstream of this op)."""
    differentiable_backward = False

    @staticmethod
    def forward(ctx, g):
        penalty, ctx.norm = ctx.backend.unit_norm_penalty(g)
        return penalty

    @staticmethod
    def backward(ctx, gy):
        g = ctx.inputs[0]
        return Tensor(ctx.backend.unit_norm_penalty_backward(g.array, ctx.norm, gy.array))


def unit_norm_penalty(g):
    """(‖g[i]‖₂ - 1)² for each sample i of g (N, ...): the WGAN-GP term of the critic's input gradients g."""
    require_floating("unit_norm_penalty", g)
    if g.ndim < 1 or g.shape[0] == 0:
        raise ValueError(f"unit_norm_penalty: expected a batch of gradients (N, ...) with N >= 1, got shape "
                         f"{g.shape}")
    return UnitNormPenalty.apply(g)


def _label_target(op, input, target):
    """A target of input's shape in input's dtype: the ±1 or 0/1 labels of the margin losses may be integers, as
    PyTorch takes them."""
    if isinstance(target, Tensor) and np.issubdtype(target.dtype, np.integer):
        target = target.to(input.dtype)
    _check_same_shape(op, input, target)
    return target


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction="mean", *, size_average=None, reduce=None):
    """ℓ = max(0, -y·(x1 - x2) + margin) for labels y = ±1 (x1 should rank higher where y = 1);
    dx1 = -g·y where ℓ > 0 (else 0),  dx2 = -dx1,  dy = -g·(x1 - x2) where ℓ > 0; the second derivative in x is 0."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    op = "margin_ranking_loss"
    _check_same_shape(op, input1, input2)
    target = _label_target(op, input1, target)
    return _reduce(op, clamp(margin - target * (input1 - input2), min=0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, reduction="mean", *, size_average=None, reduce=None):
    """ℓ = x where y = 1, max(0, margin - x) where y = -1 (a target of other values gets both terms, as
    PyTorch's does);  dx = g where y = 1, -g where y = -1 and margin - x > 0."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    op = "hinge_embedding_loss"
    labels = _label_target(op, input, target).array
    return _reduce(op, where(labels != 1, clamp(margin - input, min=0), 0.0) + where(labels != -1, input, 0.0),
                   reduction)


def soft_margin_loss(input, target, reduction="mean", *, size_average=None, reduce=None):
    """ℓ = log(1 + e^(-y·x)) = softplus(-y·x), computed without overflow (PyTorch's log1p(exp(-y·x)) is inf beyond
    -y·x ≈ 89 in float32);  dx = -g·y·sigmoid(-y·x),  dy = -g·x·sigmoid(-y·x)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    op = "soft_margin_loss"
    target = _label_target(op, input, target)
    return _reduce(op, softplus(-target * input, threshold=math.inf), reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, reduction="mean", *,
                        size_average=None, reduce=None):
    """ℓ = max(0, margin + d(a, pos) - d(a, neg)) with d = pairwise_distance(·, ·, p, eps) over the last dim; with
    swap, d(a, neg) is replaced by min(d(a, neg), d(pos, neg)) (Balntas et al.'s distance swap). The gradient is
    pairwise_distance's, through the clamp and the minimum (0 where ℓ = 0)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    op = "triplet_margin_loss"
    require(op, "margin", margin, lambda m: is_finite(m) and m > 0, "a finite number > 0")
    _check_same_shape(op, anchor, positive)
    _check_same_shape(op, anchor, negative)
    if anchor.ndim == 0:
        raise ValueError(f"{op}: expected inputs of shape (N, D) or (D,), got {anchor.shape}")
    d_positive = pairwise_distance(anchor, positive, p, eps)
    d_negative = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_negative = minimum(d_negative, pairwise_distance(positive, negative, p, eps))
    return _reduce(op, clamp(margin + d_positive - d_negative, min=0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False,
                                      reduction="mean"):
    """ℓ = max(0, margin + d(a, pos) - d(a, neg)) for any distance d (a function of two tensors; pairwise_distance
    unless given); with swap, d(a, neg) is replaced by min(d(a, neg), d(pos, neg)). The gradient is d's, through the
    clamp and the minimum. The inputs need one rank; d decides what shapes it takes, as in PyTorch."""
    op = "triplet_margin_with_distance_loss"
    require(op, "margin", margin, lambda m: is_finite(m) and m > 0, "a finite number > 0")
    require_reduction(op, reduction)
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise ValueError(f"{op}: expected the anchor, positive and negative of one rank, got shapes {anchor.shape}, "
                         f"{positive.shape} and {negative.shape}")
    distance = pairwise_distance if distance_function is None else distance_function
    d_positive, d_negative = distance(anchor, positive), distance(anchor, negative)
    if swap:
        d_negative = minimum(d_negative, distance(positive, negative))
    return _reduce(op, clamp(margin + d_positive - d_negative, min=0), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, reduction="mean", *, size_average=None, reduce=None):
    """For C labels in the last dim, each a 0/1 target t: ℓ = -(1/C)·Σ_c w_c·(t_c·log sigmoid(x_c) +
    (1 - t_c)·log sigmoid(-x_c)), one loss per sample;  dx_c = g·w_c·(sigmoid(x_c) - t_c)/C,
    dt_c = g·w_c·(-x_c)/C."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    op = "multilabel_soft_margin_loss"
    target = _label_target(op, input, target)
    if input.ndim == 0:
        raise ValueError(f"{op}: expected input of shape (N, C) or (C,), got {input.shape}")
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * _weight_for(op, "weight", weight, input)
    return _reduce(op, loss.sum(-1) / input.shape[-1], reduction)


_COSINE_EPSILON = 1e-12  # PyTorch's, added to each squared norm


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction="mean", *, size_average=None, reduce=None):
    """cos = Σ x1·x2 / sqrt((Σ x1² + 1e-12)·(Σ x2² + 1e-12)) over the last dim of x1, x2 (N, D) — or (D,) with a
    0-d target — and ℓ = 1 - cos where y = 1, max(0, cos - margin) where y = -1, 0 for other labels (PyTorch's
    formula); the gradient is that composition's."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    op = "cosine_embedding_loss"
    _check_same_shape(op, input1, input2)
    if not isinstance(target, Tensor) or target.ndim > 1 or input1.ndim != target.ndim + 1 or \
            input1.shape[:-1] != target.shape:
        shape = target.shape if isinstance(target, Tensor) else type(target).__name__
        raise ValueError(f"{op}: expected inputs (N, D) with a target (N,), or (D,) with a 0-d target, got inputs "
                         f"of shape {input1.shape} and a target of shape {shape}")
    squared_norms = ((input1 * input1).sum(-1) + _COSINE_EPSILON) * ((input2 * input2).sum(-1) + _COSINE_EPSILON)
    cos = (input1 * input2).sum(-1) / squared_norms.sqrt()
    labels = target.array
    loss = where(labels == 1, 1 - cos, 0.0) + where(labels == -1, clamp(cos - margin, min=0), 0.0)
    return _reduce(op, loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, eps=1e-8, reduction="mean", *, size_average=None,
                     reduce=None):
    """Negative log-likelihood of counts t under a Poisson of rate λ:
      log_input: x = log λ,  ℓ = e^x - t·x;     dx = g·(e^x - t),  dt = -g·x;
      else:      x = λ,      ℓ = x - t·log(x + eps);  dx = g·(1 - t/(x + eps)),  dt = -g·log(x + eps);
    full adds Stirling's term of log t!, t·log t - t + ½·log(2πt), where t > 1 (0 elsewhere, its gradient too)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    op = "poisson_nll_loss"
    _check_same_shape(op, input, target)
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        above_one = target.array > 1
        t = where(above_one, target, 2.0)  # any t > 1: the logs of the masked t <= 1 would be NaN in the gradient
        loss = loss + where(above_one, t * t.log() - t + 0.5 * (2 * math.pi * t).log(), 0.0)
    return _reduce(op, loss, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, reduction="mean", *, size_average=None,
                      reduce=None):
    """Multi-class hinge loss of scores x (N, C) — or (C,) — and class indices y (N,) — or ():
      ℓ = (1/C)·Σ_{i ≠ y} w_y·max(0, margin - x_y + x_i)^p, p = 1 or 2;
    dx_i = g·w_y·p·max(0, margin - x_y + x_i)^(p-1)/C for i ≠ y, and dx_y = -Σ_{i ≠ y} dx_i. PyTorch has no second
    derivative of it; this one, a composition, has (0 for p = 1, 2·g·w_y/C on the active margins for p = 2)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    op = "multi_margin_loss"
    require(op, "p", p, lambda v: v in (1, 2), "1 or 2")
    require_floating(op, input)
    if not isinstance(target, Tensor) or not np.issubdtype(target.dtype, np.integer):
        raise TypeError(f"{op}: target must hold class indices (an integer tensor), got "
                        f"{getattr(target, 'dtype', type(target).__name__)}")
    if input.ndim not in (1, 2) or target.shape != input.shape[:-1]:
        raise ValueError(f"{op}: expected input (N, C) with a target (N,), or (C,) with a 0-d target, got input of "
                         f"shape {input.shape} and a target of shape {target.shape}")
    rows, classes = input.reshape(-1, input.shape[-1]), input.shape[-1]
    if weight is not None:
        weight = _weight_for(op, "weight", weight, input)
        if weight.shape != (classes,):
            raise ValueError(f"{op}: weight of shape {weight.shape} does not match the {classes} classes of input "
                             f"of shape {input.shape}")
    xp, labels = input.backend.xp, target.array.reshape(-1)
    input.backend.require((labels >= 0) & (labels < classes), IndexError,
                          f"{op}: a target (of shape {target.shape}) is out of range for {classes} classes")
    picked = rows[xp.arange(labels.size), labels].unsqueeze(1)
    others = (xp.arange(classes)[None, :] != labels[:, None]).astype(input.dtype)
    hinge = clamp(margin - picked + rows, min=0)
    loss = ((hinge if p == 1 else hinge * hinge) * Tensor(others)).sum(1) / classes
    if weight is not None:
        loss = loss * weight[labels]
    return _reduce(op, loss.reshape(target.shape), reduction)


def multilabel_margin_loss(input, target, reduction="mean", *, size_average=None, reduce=None):
    """Multi-label hinge loss of scores x (N, C) — or (C,) — for the classes listed in each row of target (int64, of
    x's shape): its entries up to the first -1 are the row's target classes J (a class listed twice counts twice, as
    in PyTorch), the others are I:
      ℓ = (1/C)·Σ_{j listed} Σ_{i ∉ J} max(0, 1 - x_j + x_i);
    dx_i = g/C·#{active pairs with i} for i ∉ J, dx_j = -g/C·#{active pairs with j}; 0 at a kink. PyTorch has no
    second derivative of it; this one, a composition, has 0."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    op = "multilabel_margin_loss"
    require_floating(op, input)
    if not isinstance(target, Tensor) or target.dtype != np.int64:
        raise TypeError(f"{op}: target must hold class indices as int64, got "
                        f"{getattr(target, 'dtype', type(target).__name__)}")
    if input.ndim > 2 or target.shape != input.shape:
        raise ValueError(f"{op}: expected input (N, C) or (C,) and a target of its shape, got input of shape "
                         f"{input.shape} and a target of shape {target.shape}")
    if input.ndim == 0:  # one class, which PyTorch counts as listed: nothing to rank it above
        return _reduce(op, input * 0, reduction)
    classes = input.shape[-1]
    rows, xp = input.reshape(-1, classes), input.backend.xp
    labels = target.array.reshape(-1, classes)
    input.backend.require((labels >= -1) & (labels < classes), IndexError,
                          f"{op}: a target (of shape {target.shape}) is out of range [-1, {classes}) for {classes} "
                          f"classes")
    listed = xp.cumsum(labels < 0, axis=1) == 0  # the entries before the first -1
    times = ((labels[:, :, None] == xp.arange(classes)) & listed[:, :, None]).sum(axis=1)  # (rows, C): j's count
    pairs = times[:, :, None] * (times == 0)[:, None, :]  # (rows, C_j, C_i): how often the pair (j, i) counts
    hinge = clamp(1 - rows.unsqueeze(2) + rows.unsqueeze(1), min=0)
    loss = (hinge * Tensor(pairs.astype(input.dtype))).sum((1, 2)) / classes
    return _reduce(op, loss.reshape(input.shape[:-1]), reduction)
