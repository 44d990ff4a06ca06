"""Reductions over dimensions: sum, mean, max/min, prod, logsumexp, var/std, norm (and normalize, x over its norm;
cosine_similarity and pairwise_distance, norms of two tensors broadcast together).

Notation: y = reduce(x) over the axes `dim`, g = dL/dy. The gradient is g put back in x's shape
(keepdim, then broadcast), times the reduction's local derivative.
"""
import builtins
import collections
import math

import numpy as np

from ..arguments import is_number, require
from ..autograd.function import Function
from ..tensor import Tensor
from .activation import require_floating
from .elementwise import _as_floating, _broadcast_shape, cast, clamp_min_passing_gradient, exp, log, maximum, minimum, where
from .shape import dim_index, permute, reshape, unsqueeze

MaxResult = collections.namedtuple("MaxResult", ["values", "indices"])


def normalize_dims(op, dim, ndim):
    """`dim` (None, int or tuple; negatives allowed) as a sorted tuple of axes, checked. An empty tuple or list is
    every axis, as None, as in PyTorch (sum(x, ()) is the total); a dimension named twice is refused, as PyTorch
    refuses it. A 0-d tensor takes 0 and -1, as in PyTorch, and they name no axis: its one value is the reduction
    over them."""
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)  # dim_index names the op for a float
    if dim is None or not dims:
        return tuple(range(ndim))
    axes = [dim_index(op, d, ndim) for d in dims]
    if len(set(axes)) < len(axes):
        raise ValueError(f"{op}: dims {dims} name a dimension more than once (a tensor with {ndim} dimensions)")
    return tuple(sorted(axes)) if ndim else ()


def _keepdim_shape(shape, dims):
    return tuple(1 if i in dims else n for i, n in enumerate(shape))


def _count(shape, dims):
    """How many values of a tensor of `shape` each output of a reduction over dims sums."""
    return int(np.prod([shape[d] for d in dims]))


class Sum(Function):
    """y = Σ_dims x / n, where n = 1 for a sum and n = the number of values summed for a mean (`mean=True`);
    dx = g / n broadcast back over dims = Unreduce(g). Sum and Unreduce are each other's gradient, so a mean is one
    node forward and one backward at every order."""
    floating_only = False

    @staticmethod
    def forward(ctx, x, *, dims, keepdim, mean):
        return x.mean(axis=dims, keepdims=keepdim) if mean else x.sum(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        return Unreduce.apply(g, shape=ctx.inputs[0].shape, dims=ctx.dims, keepdim=ctx.keepdim, mean=ctx.mean)


class Unreduce(Function):
    """y = g / n broadcast from Sum's output shape back to its input's `shape` over dims;  dg = Σ_dims grad / n =
    Sum(grad) (0 where n = 0: a sum of nothing). A sum's is a broadcast view (no copy). A mean's division writes the full array at once, the same
    one pass as dividing g: a broadcast view would be copied by the first consumer that needs a real matrix (a
    loss's mean reaches the critic's last linear layer, whose two GEMMs each copied it)."""
    floating_only = False

    @staticmethod
    def forward(ctx, g, *, shape, dims, keepdim, mean):
        count = _count(shape, dims)
        g = g.reshape(_keepdim_shape(shape, dims))
        if not (mean and count):
            return ctx.xp.broadcast_to(g, shape)
        y = ctx.xp.empty(shape, dtype=g.dtype)
        return ctx.xp.divide(g, g.dtype.type(count), out=y)

    @staticmethod
    def backward(ctx, grad):
        # a mean over no values spread g over nothing: its gradient is a sum of nothing, 0, as PyTorch's (whose
        # expand-then-divide sums an empty gradient), where the mean of nothing would be 0/0
        mean = ctx.mean and _count(ctx.shape, ctx.dims) > 0
        return Sum.apply(grad, dims=ctx.dims, keepdim=ctx.keepdim, mean=mean)


class Amax(Function):
    """y = max_dims x;  dx = g * [x == y] / (number of ties), the gradient shared among equal maxima."""
    reads_output = True
    floating_only = False
    extremum = "max"  # the array method that computes y

    @staticmethod
    def forward(ctx, x, *, dims, keepdim):
        return getattr(x, ctx.op.extremum)(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        x = ctx.inputs[0]
        is_max = x.array == ctx.output.array.reshape(_keepdim_shape(x.shape, ctx.dims))
        share = is_max / is_max.sum(axis=ctx.dims, keepdims=True)
        spread = Unreduce.apply(g, shape=x.shape, dims=ctx.dims, keepdim=ctx.keepdim, mean=False)
        return spread * Tensor(share.astype(x.dtype))


class Amin(Amax):
    """y = min_dims x;  dx = g * [x == y] / (number of ties), as Amax's. Its own reduction, not -max(-x), which
    wraps unsigned integers (amin of uint8 [3, 0, 2] was 2) and refuses bools."""
    extremum = "min"


def _widened(x):
    """x, or x as int64 where it holds bools or narrower integers: PyTorch sums and multiplies them in int64 (numpy
    sums uint8 as uint64, and its products keep the dtype, so a uint8 product of [30, 30] wrapped to 132)."""
    if x.dtype.kind == "b" or (x.dtype.kind in "iu" and x.dtype.itemsize < 8):
        return cast(x, np.dtype(np.int64))
    return x


def sum(x, dim=None, keepdim=False):
    """y = Σ_dims x; bools and integers sum as int64, as in PyTorch."""
    return Sum.apply(_widened(x), dims=normalize_dims("sum", dim, x.ndim), keepdim=keepdim, mean=False)


def mean(x, dim=None, keepdim=False):
    """y = Σ_dims x / n."""
    if not x.is_floating_point():
        raise TypeError(f"mean: expected a floating-point tensor, got {x.dtype} of shape {x.shape}")
    return Sum.apply(x, dims=normalize_dims("mean", dim, x.ndim), keepdim=keepdim, mean=True)


def amax(x, dim=None, keepdim=False):
    return Amax.apply(x, dims=_dims_holding_values("amax", x, dim), keepdim=keepdim)


def amin(x, dim=None, keepdim=False):
    return Amin.apply(x, dims=_dims_holding_values("amin", x, dim), keepdim=keepdim)


def _dims_holding_values(op, x, dim):
    """normalize_dims, for a largest or smallest value (or its index): refused over no values, which have none, as
    PyTorch refuses it (numpy's error named neither the op nor the shape)."""
    dims = normalize_dims(op, dim, x.ndim)
    if not _count(x.shape, dims):
        raise ValueError(f"{op}: expected values to reduce, but dims {dims} of the tensor of shape {x.shape} hold none")
    return dims


def _index_of_extremum(op, x, dim, keepdim):
    """The index (int64, outside the graph) of the first largest (op "argmax") or smallest ("argmin") element of x,
    flat (of shape (1,) * x.ndim with keepdim, as PyTorch's), or along dim."""
    xp = x.backend.xp
    _dims_holding_values(op, x, dim)
    if dim is None:
        flat_index = xp.asarray(getattr(xp, op)(x.array))
        return Tensor(flat_index.reshape((1,) * x.ndim) if keepdim else flat_index)
    return Tensor(xp.asarray(getattr(xp, op)(x.array, axis=dim_index(op, dim, x.ndim), keepdims=keepdim)))


def argmax(x, dim=None, keepdim=False):
    return _index_of_extremum("argmax", x, dim, keepdim)


def argmin(x, dim=None, keepdim=False):
    return _index_of_extremum("argmin", x, dim, keepdim)


def _at_indices(x, dim, keepdim, indices):
    """(values, indices) of x at `indices` along dim (an argmax without keepdim): the values gathered, so that
    each one's gradient goes to the element at its index alone, through GetItem's scatter."""
    if x.ndim == 0:
        return MaxResult(x, indices)
    from .shape import GetItem  # not getitem, which reads a 0-d index (of a 1-D x) as an int, picking a view
    xp, dim = x.backend.xp, dim_index("max", dim, x.ndim)
    index = []
    for axis, size in enumerate(x.shape):
        if axis == dim:
            index.append(indices.array)
        else:  # an arange along this axis, broadcast over the values' other x.ndim - 2 dimensions
            position = axis if axis < dim else axis - 1
            index.append(xp.arange(size).reshape((1,) * position + (size,) + (1,) * (x.ndim - 2 - position)))
    values = GetItem.apply(x, index=tuple(index))
    if keepdim:
        return MaxResult(values.unsqueeze(dim), Tensor(xp.expand_dims(indices.array, dim)))
    return MaxResult(values, indices)


def max(x, dim=None, keepdim=False):
    """x.max() is the largest element, its gradient shared among ties (Amax); x.max(dim) is (values, indices), as
    in PyTorch, and each value's gradient goes to the element at its index, the one returned; max(x, other) of a
    Tensor other is maximum(x, other), as PyTorch's."""
    if isinstance(dim, Tensor):
        return maximum(x, dim)
    _dims_holding_values("max", x, dim)
    return amax(x) if dim is None else _at_indices(x, dim, keepdim, argmax(x, dim))


def min(x, dim=None, keepdim=False):
    if isinstance(dim, Tensor):
        return minimum(x, dim)
    _dims_holding_values("min", x, dim)
    return amin(x) if dim is None else _at_indices(x, dim, keepdim, argmin(x, dim))


def prod(x, dim=None, keepdim=False):
    """y = Π x over dim (one, as PyTorch's prod takes), or over every element (dim None, a 0-d result), as a tree of
    pairwise products: about log₂ n Mul nodes, so dx_i = g·Π_{j≠i} x_j exactly, zeros included (nothing divides
    by x_i), at every order, as Mul's gradients are. Bools and integers multiply as int64, as in PyTorch."""
    x = _widened(x)
    if x.ndim == 0 or dim is None:
        if dim is not None:
            dim_index("prod", dim, 0)
        return _product_along_first_axis(reshape(x, -1))
    axis = dim_index("prod", dim, x.ndim)
    y = _product_along_first_axis(permute(x, axis, *(d for d in range(x.ndim) if d != axis)))
    return unsqueeze(y, axis) if keepdim else y


def _product_along_first_axis(x):
    """Π over axis 0: halved by one Mul of its two halves, again and again, an odd one out multiplied in at the
    end."""
    if x.shape[0] == 0:
        return sum(x, 0) + 1  # the empty product, in x's graph as PyTorch's is (with an empty gradient)
    odd_ones_out = None
    while x.shape[0] > 1:
        n, half = x.shape[0], x.shape[0] // 2
        if n % 2:
            odd_ones_out = x[n - 1] if odd_ones_out is None else odd_ones_out * x[n - 1]
        x = x[:half] * x[half:2 * half]
    return x[0] if odd_ones_out is None else x[0] * odd_ones_out


def logsumexp(x, dim, keepdim=False):
    """y = log Σ_dim exp(x), computed as m + log Σ_dim exp(x - m) for m = max_dim x, so that no exp overflows; m is
    a constant (0 where it is ±inf, so that all -inf gives -inf and an inf gives inf, as PyTorch's):
    dx = g·exp(x - y) = g·softmax_dim(x), m's terms cancelling. Over no values it is log 0 = -inf (m = 0 there), and
    bools and integers give the default float dtype, as PyTorch's."""
    dims = normalize_dims("logsumexp", dim, x.ndim)
    x = _as_floating(x)
    xp = x.backend.xp
    if _count(x.shape, dims):
        largest = x.array.max(axis=dims, keepdims=True)
        shift = Tensor(xp.where(xp.isinf(largest), 0, largest).astype(x.dtype))
    else:  # numpy's max of no values is an error
        shift = Tensor(xp.zeros(_keepdim_shape(x.shape, dims), dtype=x.dtype))
    summed = sum(exp(x - shift), dims, keepdim)
    return log(summed) + (shift if keepdim else shift.reshape(summed.shape))


class RootOfSquares(Function):
    """y = √s for s ≥ 0 a sum of squares (a norm, a standard deviation);  ds = g / (2y) where y > 0, and 0 where
    y = 0. There √ has no derivative, and g / (2·0) = inf times the 0 that the squares' own derivative 2x brings
    would make a NaN: a WGAN-GP critic flat at one sample would turn every weight's gradient to NaN. 0 is a
    subgradient of ‖x‖ at x = 0, the one PyTorch's norm and std take. The branch not taken divides by 1, so
    that a zero sent into it at the next order stays a zero."""
    reads_output = True

    @staticmethod
    def forward(ctx, s):
        return ctx.xp.sqrt(s)

    @staticmethod
    def backward(ctx, g):
        y = ctx.output
        positive = y.array > 0
        return where(positive, g / (2 * where(positive, y, 1.0)), 0.0)


def _correction(op, dim, unbiased, correction):
    """(dim, δ) for var/std from PyTorch's two ways of naming the divisor n - δ: unbiased (True: δ = 1, Bessel's
    correction, the default; False: δ = 0) or correction=δ, not both. A bool where dim goes is PyTorch's
    var(unbiased) overload; dim_index would refuse it, and reading it as the int dim 0 would be silently wrong."""
    if isinstance(dim, bool):
        if unbiased is not None:
            raise TypeError(f"{op}: a bool first argument is unbiased, and unbiased was also given")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}: give unbiased or correction, not both")
    if correction is not None:
        require(op, "correction", correction, is_number, "a number")
        return dim, correction
    if unbiased is not None:
        require(op, "unbiased", unbiased, lambda u: isinstance(u, (bool, np.bool_)), "a bool")
        return dim, int(unbiased)
    return dim, 1


def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """var = Σ (x - mean)² / max(n - δ, 0), δ = correction, or 1 if unbiased (the default) and 0 if not; PyTorch's
    argument order, so that var(x, 0, False) is the biased variance over dim 0. NaN for no values, or for n ≤ δ
    (0 / 0; inf where the values spread)."""
    return _variance("var", x, dim, unbiased, keepdim, correction)


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """√var, var's arguments; the gradient 0 where the values do not spread (RootOfSquares)."""
    return RootOfSquares.apply(_variance("std", x, dim, unbiased, keepdim, correction))


def _variance(op, x, dim, unbiased, keepdim, correction):
    """var's value, its arguments checked with errors that name op (var or std)."""
    require_floating(op, x)
    dim, delta = _correction(op, dim, unbiased, correction)
    dims = normalize_dims(op, dim, x.ndim)
    count = _count(x.shape, dims)
    centred = x - mean(x, dims, keepdim=True)
    divisor = builtins.max(count - delta, 0)  # n - δ < 0 would make a negative variance (-0 for none)
    return sum(centred * centred, dims, keepdim) / divisor


def norm(x, p="fro", dim=None, keepdim=False):
    """‖x‖_p over dims (all of them by default), PyTorch's vector norm:
      p = 2 or "fro":  √(Σ x²), with the gradient 0 at x = 0 (RootOfSquares);
      p = 1:           Σ |x|;                 p = inf:  max |x| (its gradient shared among ties);
      p = 0:           the count of nonzero x, with gradient 0 (sign's);
      other p > 0:     (Σ |x|^p)^(1/p), with the gradient 0 at each x_i = 0 and where the norm is 0, as PyTorch's
                       (the formula's |x|^(p-1) and s^(1/p - 1) there are inf for p < 1 and p > 1: times 0, NaN)."""
    require_floating("norm", x)
    if p in (2, "fro"):
        return RootOfSquares.apply(sum(x * x, dim, keepdim))
    if p == 1:
        return sum(x.abs(), dim, keepdim)
    if p == math.inf:
        return amax(x.abs(), dim, keepdim)
    if p == 0:
        return sum(x.sign().abs(), dim, keepdim)
    if not (is_number(p) and 0 < p < math.inf):
        raise ValueError(f"norm: p must be 'fro', inf or a number >= 0, got {p!r}")
    return _power_at_zero_flat(sum(_power_at_zero_flat(x.abs(), p), dim, keepdim), 1 / p)


def _power_at_zero_flat(x, exponent):
    """x^exponent for x >= 0, with every derivative 0 at x = 0 (where x^exponent's own is inf or 0·inf = NaN for
    exponent < 1 or the chain rule's inf·0 past it): x = 0 takes the power of 1 in its place and is then given 0,
    so that no inf enters the graph."""
    zero = x == 0
    return where(zero, 0.0, where(zero, 1.0, x) ** exponent)


def normalize(x, p=2.0, dim=1, eps=1e-12):
    """y = x / max(‖x‖_p along dim, eps), PyTorch's F.normalize: norm, clamp and a division, so that its gradient
    (for p = 2 where the norm n passes eps: dx = (g - y·Σ_dim g·y) / n; below eps: g / eps) and the higher ones are
    theirs."""
    return x / norm(x, p, dim, keepdim=True).clamp(min=eps)


def _broadcast_together(op, x1, x2):
    """x1 and x2 expanded to their broadcast shape (a reduction over a dim then sees the expanded values)."""
    require_floating(op, x1, x2)
    shape = _broadcast_shape(op, x1, x2)
    return tuple(x if x.shape == shape else x.expand(*shape) for x in (x1, x2))


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """y = Σ_dim (x1/n1)·(x2/n2), n_i = max(‖x_i‖₂ along dim, eps), of x1 and x2 broadcast together: PyTorch 2's
    formula (each vector scaled to length 1 before the product, which keeps y in [-1, 1]; its documentation's
    x1·x2 / max(‖x1‖·‖x2‖, eps) differs where a norm is below eps). As in PyTorch, the clamp is made outside autograd,
    so the gradient is taken as if n_i = ‖x_i‖: where both norms pass eps, dx1 = g·(x2/n2 - y·x1/n1)/n1 and dx2
    likewise, each summed back over the dims it was broadcast along."""
    op = "cosine_similarity"
    x1, x2 = _broadcast_together(op, x1, x2)
    dim = dim_index(op, dim, x1.ndim)
    n1, n2 = (clamp_min_passing_gradient(norm(x, 2, dim, keepdim=True), eps) for x in (x1, x2))
    return sum((x1 / n1) * (x2 / n2), dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """y = ‖x1 - x2 + eps‖_p over the last dim of x1 and x2 broadcast together, PyTorch's: eps is added to every
    difference, so x1 = x2 gives eps·D^(1/p) for D values in the dim, away from the norm's kink at 0;
    dx1 = g·∂‖d‖_p/∂d at d = x1 - x2 + eps (p = 2: g·d/y), dx2 = -dx1, each summed back over its broadcast dims."""
    op = "pairwise_distance"
    require(op, "p", p, lambda v: is_number(v) and v > 0, "a number > 0 (inf included)")
    x1, x2 = _broadcast_together(op, x1, x2)
    return norm(x1 - x2 + eps, p, -1, keepdim)


def any(x, dim=None, keepdim=False):
    """Whether any element of x is nonzero, over every dim or those of dim (x.any's)."""
    return x.any(dim, keepdim)


def all(x, dim=None, keepdim=False):
    """Whether every element of x is nonzero, over every dim or those of dim (x.all's)."""
    return x.all(dim, keepdim)


def count_nonzero(x, dim=None):
    """How many elements of x are nonzero, over every dim or those of dim (an int or a tuple): int64, outside the
    graph."""
    return sum(Tensor(x.array != 0), dim)


def var_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over dim, var's arguments (PyTorch's torch.var_mean): the two reductions, with their gradients."""
    return var(x, dim, unbiased, keepdim, correction=correction), mean(x, _correction("var_mean", dim, unbiased,
                                                                                      correction)[0], keepdim)


def std_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over dim, std's arguments (PyTorch's torch.std_mean)."""
    return std(x, dim, unbiased, keepdim, correction=correction), mean(x, _correction("std_mean", dim, unbiased,
                                                                                      correction)[0], keepdim)
