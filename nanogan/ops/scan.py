"""Scans: running sums, products, log-sum-exps, maxima and minima along a dimension."""
import collections

from ..autograd.function import Function
from ..tensor import Tensor, int64
from .elementwise import where
from .activation import require_floating
from .reduce import logsumexp, prod
from .shape import _identity, clone, dim_index, flip, gather, movedim, reshape, unsqueeze


class CumSum(Function):
    """y_i = Σ_{j ≤ i} x_j along the axis;  dx_j = Σ_{i ≥ j} g_i, the running sum of g from the other end
    (g reversed, summed so, reversed back). Integers and bools are summed as int64, as in PyTorch."""
    floating_only = False

    @staticmethod
    def forward(ctx, x, *, axis):
        return ctx.xp.cumsum(x, axis=axis, dtype=x.dtype if x.dtype.kind in "fc" else int64)

    @staticmethod
    def backward(ctx, g):
        return flip(CumSum.apply(flip(g, ctx.axis), axis=ctx.axis), ctx.axis)


def cumsum(x, dim, *, dtype=None):
    """The running sums of x along dim (of x cast to dtype first, if given)."""
    axis = dim_index("cumsum", dim, x.ndim)
    if dtype is not None:
        x = x.to(dtype)
    if x.ndim == 0:  # dim 0 or -1 of a 0-d tensor: its one value
        return CumSum.apply(x.reshape(1), axis=0).reshape(())
    return CumSum.apply(x, axis=axis)


def _running(op, x, dim, reduce):
    """(x with dim moved last, the (…, n, n) tensor of x's prefixes: row i holds x_0 … x_i and the identity e of
    `reduce` after them, e ⊕ a = a) and the axis: a running reduction along dim is that reduction along the last
    axis, n² values per row instead of n."""
    axis = dim_index(op, dim, x.ndim)
    last = movedim(x, axis, -1)
    n = last.shape[-1]
    prefix = Tensor(last.backend.xp.tri(n, n, dtype=bool))  # [i, j]: j <= i
    return last, where(prefix, unsqueeze(last, -2), last._number_as_tensor(op, _identity(reduce, x.dtype))), axis


def cumprod(x, dim, *, dtype=None):
    """The running products of x along dim, y_i = Π_{j ≤ i} x_j (of x cast to dtype first, if given); integers and
    bools multiply as int64, as in PyTorch. Each y_i is prod of row i of the prefixes (x_j for j ≤ i, 1 after), so
    dx_j = Σ_{i ≥ j} g_i·Π_{k ≤ i, k ≠ j} x_k exactly where x has zeros too (nothing divides by x_j, as PyTorch's
    gradient takes care to), and prod's tree of products differentiates again to any order. It costs n² products
    per row of n along dim, where the usual g·y/x formula costs n but is wrong at zeros: the exact one was chosen."""
    if dtype is not None:
        x = x.to(dtype)
    if x.ndim == 0:  # dim 0 or -1 of a 0-d tensor: its one value
        dim_index("cumprod", dim, 0)
        return reshape(cumprod(reshape(x, 1), 0), ())
    _, prefixes, axis = _running("cumprod", x, dim, "prod")
    return movedim(prod(prefixes, -1), -1, axis)


def logcumsumexp(x, dim):
    """The running log-sum-exps along dim, y_i = log Σ_{j ≤ i} exp(x_j): logsumexp of each row of the prefixes (x_j
    for j ≤ i, -inf after, which adds e^-inf = 0), so that each y_i is shifted by its own maximum and neither
    overflows nor loses the small terms, and dx_j = Σ_{i ≥ j} g_i·exp(x_j - y_i) (logsumexp's softmax), to any order.
    n² values per row, as cumprod. Floating tensors only, as in PyTorch."""
    require_floating("logcumsumexp", x)
    if x.ndim == 0:  # dim 0 or -1 of a 0-d tensor: its one value
        dim_index("logcumsumexp", dim, 0)
        return reshape(logcumsumexp(reshape(x, 1), 0), ())
    _, prefixes, axis = _running("logcumsumexp", x, dim, "amax")  # a maximum's identity, -inf, is logsumexp's
    return movedim(logsumexp(prefixes, -1), -1, axis)


ExtremumResult = collections.namedtuple("ExtremumResult", ["values", "indices"])  # torch.return_types.cummax's


def _running_extremum(op, x, dim, reduce):
    """(values, indices) of the running maximum (reduce "amax") or minimum ("amin") along dim, as PyTorch's: the
    index is the last one where the extremum so far is reached (a tie moves it on), and from a NaN on the value is
    NaN, its index the last NaN's. The values are x gathered at the indices, so each one's gradient goes to the
    element it is (dx_j = Σ of g_i over the i whose index is j), to any order; the indices are int64, outside the
    graph."""
    if x.ndim == 0:
        dim_index(op, dim, 0)
        return ExtremumResult(clone(x), Tensor(x.backend.xp.zeros((), dtype=int64)))
    last, prefixes, axis = _running(op, x, dim, reduce)
    xp, n = x.backend.xp, last.shape[-1]
    if x.numel() == 0:  # no running extremum to take (numpy's max of no values raises): x itself, indices empty
        return ExtremumResult(clone(x), Tensor(xp.zeros(x.shape, dtype=int64)))
    with_nan = x.dtype.kind == "f"
    extremum = getattr(xp, {"amax": "max", "amin": "min"}[reduce])(prefixes.array, axis=-1)  # NaN wins, as PyTorch's
    values, extremum = last.array[..., None, :], extremum[..., None]
    reached = (values == extremum) | (xp.isnan(values) & xp.isnan(extremum)) if with_nan else values == extremum
    positions = xp.arange(n)
    reached &= positions <= positions[:, None]  # x_j for j <= i
    indices = movedim(Tensor(xp.where(reached, positions, -1).max(axis=-1).astype(int64)), -1, axis)
    return ExtremumResult(gather(x, axis, indices), indices)


def cummax(x, dim):
    """(values, indices) of the running maximum along dim: values_i = max_{j ≤ i} x_j and where it is (see
    _running_extremum)."""
    return _running_extremum("cummax", x, dim, "amax")


def cummin(x, dim):
    """(values, indices) of the running minimum along dim: values_i = min_{j ≤ i} x_j and where it is (see
    _running_extremum)."""
    return _running_extremum("cummin", x, dim, "amin")
