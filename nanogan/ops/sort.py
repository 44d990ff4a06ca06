"""Ordering along a dimension: argsort, sort and topk; unique, unique_consecutive, bincount, searchsorted and
bucketize.

Each orders x by the backend's stable sort (numpy's stable sort; CuPy's radix sort, stable too), so equal values
keep their order in x, which is PyTorch's stable=True and one of the orders it allows without it. NaN counts as
larger than any number, as in PyTorch: last ascending, first descending. The values are x gathered at the order
(ops/shape.gather), so their gradient goes back to where each came from,

    y[…, i, …] = x[…, order[…, i, …], …]      dx[…, order[…, i, …], …] = g[…, i, …]

and its own gradient picks again, to any order; the indices are int64 and outside the graph.
"""
import collections
import math

import numpy as np

from ..arguments import is_int, require
from ..autograd.function import Function
from ..tensor import Tensor, int64
from .shape import clone, dim_index, gather, movedim, reshape

SortResult = collections.namedtuple("SortResult", ["values", "indices"])  # torch.return_types.sort's fields


def argsort(x, dim=-1, descending=False, *, stable=False):
    """The indices that order x along dim, ascending or descending; ties in their order in x, whatever `stable`
    says (the stable order is one that PyTorch's unstable sort may give)."""
    axis = dim_index("argsort", dim, x.ndim)
    xp, backend = x.backend.xp, x.backend
    if x.ndim == 0:
        return Tensor(xp.zeros((), dtype=int64))
    if not descending:
        return Tensor(backend.argsort(x.array, axis))
    # Descending, and still stable: sort x reversed and read that order backwards; ties then come by their place in
    # x reversed, last first, that is by their place in x, first first, and position i of x reversed is n - 1 - i
    # of x. (The ascending order of -x would put NaN last, and there is no -x of a bool.)
    n = x.shape[axis]
    return Tensor(n - 1 - xp.flip(backend.argsort(xp.flip(x.array, axis), axis), axis))


def sort(x, dim=-1, descending=False, *, stable=False):
    """(values, indices): x's values along dim in order (the module docstring's gradient), and where each was."""
    order = argsort(x, dim, descending, stable=stable)
    return SortResult(clone(x) if x.ndim == 0 else gather(x, dim, order), order)


def topk(x, k, dim=-1, largest=True, sorted=True):
    """(values, indices) of the k largest values along dim (the k smallest with largest=False), largest first
    (smallest first); sorted=False allows any order in PyTorch, and this one is sorted all the same. The k first
    of sort's, so the same gradient: each value's goes back to where it was."""
    axis = dim_index("topk", dim, x.ndim)
    n = x.shape[axis] if x.ndim else 1
    require("topk", "k", k, lambda v: is_int(v) and 0 <= v <= n,
            f"an int in 0..{n}, the size of dimension {axis} of the tensor of shape {x.shape}")
    if x.ndim == 0:  # PyTorch's 0-d topk gives the tensor itself, with k = 0 too
        return sort(x)
    order = argsort(x, axis, descending=largest).array
    indices = Tensor(order[(slice(None),) * axis + (slice(0, int(k)),)])
    return SortResult(gather(x, axis, indices), indices)


UniqueResult = collections.namedtuple("UniqueResult", ["values", "inverse", "counts"])


def unique(x, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """x's distinct values in ascending order (PyTorch's sorted=False allows any order; this one is sorted all the
    same), of x flattened, or x's distinct slices along dim; with return_inverse, where each element (slice) of x
    is among them (of x's shape, or of dim's length), with return_counts, how often each occurs: a tuple then, as
    PyTorch's. Each NaN element is a value of its own (NaN equals nothing), last, as in PyTorch. Outside the graph (PyTorch has no gradient for it); inverse and counts int64."""
    xp = x.backend.xp
    axis = None if dim is None else dim_index("unique", dim, x.ndim)
    # each NaN a value of its own, as PyTorch's (a NaN equals nothing); numpy's unique of elements merges them
    distinct = {"equal_nan": False} if axis is None else {}
    values, inverse, counts = xp.unique(x.array.reshape(-1) if axis is None else x.array, return_inverse=True,
                                        return_counts=True, axis=axis, **distinct)
    values = Tensor(values)
    if not (return_inverse or return_counts):
        return values
    inverse = Tensor(inverse.reshape(x.shape if axis is None else -1).astype(int64))
    counts = Tensor(counts.astype(int64))
    return (values, inverse, counts) if return_inverse and return_counts else \
        (values, inverse if return_inverse else counts)


def unique_consecutive(x, return_inverse=False, return_counts=False, dim=None):
    """x with each run of equal consecutive values (of x flattened) or slices (along dim) kept once; with
    return_inverse, the run each element (slice) of x is in (of x's shape, or of dim's length), with return_counts,
    each run's length: a tuple then, as unique's. A run starts at the first element and wherever one differs from
    the one before (a slice: in any element), so each NaN is a run of its own, as in PyTorch. Outside the graph
    (PyTorch has no gradient for it); inverse and counts int64."""
    op = "unique_consecutive"
    xp = x.backend.xp
    if dim is None:
        rows = x.array.reshape(-1, 1)
    else:
        if x.ndim == 0:  # dim_index takes 0 and -1 of a 0-d tensor; PyTorch's unique_consecutive does not
            raise IndexError(f"{op}: dimension {dim} out of range for a 0-d tensor")
        axis = dim_index(op, dim, x.ndim)
        if x.numel() == 0 and x.shape[axis] != 0:  # slices of no elements: PyTorch refuses to compare them
            raise ValueError(f"{op}: the tensor of shape {x.shape} has a dimension of size 0 other than dim {dim}")
        others = math.prod(x.shape[:axis] + x.shape[axis + 1:])  # not -1, which numpy cannot size for no rows
        rows = xp.moveaxis(x.array, axis, 0).reshape(x.shape[axis], others)
    starts = xp.ones(rows.shape[0], dtype=bool)
    starts[1:] = (rows[1:] != rows[:-1]).any(axis=1)
    values = Tensor(x.array.reshape(-1)[starts] if dim is None else xp.compress(starts, x.array, axis=axis))
    if not (return_inverse or return_counts):
        return values
    inverse = Tensor(xp.cumsum(starts).astype(int64).reshape(x.shape if dim is None else -1) - 1)
    first = xp.flatnonzero(starts)
    counts = Tensor(xp.diff(first, append=rows.shape[0]).astype(int64))
    return (values, inverse, counts) if return_inverse and return_counts else \
        (values, inverse if return_inverse else counts)


def bincount(x, weights=None, minlength=0):
    """How often each of 0 … max(x) occurs in the 1-D non-negative integer x (int64), or the sum of the weights at
    its places (float64 for integer weights, the weights' dtype for floats, as PyTorch's), at least minlength of
    them. Outside the graph, as PyTorch has no gradient for it."""
    op = "bincount"
    if x.ndim != 1 or x.dtype.kind not in "iu":
        raise ValueError(f"{op}: expected a 1-D tensor of non-negative integers, got {x.dtype} of shape {x.shape}")
    require(op, "minlength", minlength, lambda n: is_int(n) and n >= 0, "an int >= 0")
    x.backend.require(x.array >= 0, ValueError, f"{op}: expected non-negative integers (tensor of shape {x.shape})")
    if weights is not None and (not isinstance(weights, Tensor) or weights.shape != x.shape):
        what = f"shape {weights.shape}" if isinstance(weights, Tensor) else type(weights).__name__
        raise ValueError(f"{op}: weights must be a Tensor of the shape of the input, {x.shape}, got {what}")
    xp = x.backend.xp
    if weights is None:
        return Tensor(xp.bincount(x.array, minlength=int(minlength)).astype(int64))
    dtype = weights.dtype if weights.dtype.kind == "f" else np.dtype(np.float64)
    return Tensor(xp.bincount(x.array, weights=weights.array, minlength=int(minlength)).astype(dtype))


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """Where each value of input would go in sorted_sequence (ascending along its last dim; 1-D, or with input's
    leading dims) to keep it sorted: the count of its entries s with not s >= v (the first place, right=False or
    side='left'), or with not s > v (after the equal ones), so that a NaN value goes last, as PyTorch's search
    puts it. input may be a number (a 0-d result); sorter orders an unsorted sequence. int64, or int32 with
    out_int32; outside the graph. n comparisons per value, done at once on the device."""
    op = "searchsorted"
    if side is not None:
        if side not in ("left", "right") or (right and side == "left"):
            raise ValueError(f"{op}: side must be 'left' or 'right' and agree with right, got {side!r}")
        right = side == "right"
    if sorter is not None and (not isinstance(sorter, Tensor) or sorter.shape != sorted_sequence.shape):
        what = f"shape {sorter.shape}" if isinstance(sorter, Tensor) else type(sorter).__name__
        raise ValueError(f"{op}: sorter must be a tensor of the sorted sequence's shape {sorted_sequence.shape}, "
                         f"got {what}")  # gather would read a shorter one as the sequence's first entries
    seq = sorted_sequence if sorter is None else gather(sorted_sequence, -1, sorter)
    values = input if isinstance(input, Tensor) else Tensor(seq.backend.xp.asarray(input))
    if seq.ndim == 0 or (seq.ndim > 1 and seq.shape[:-1] != values.shape[:-1]):
        raise ValueError(f"{op}: the sorted sequence of shape {seq.shape} must be 1-D, or have the leading dims "
                         f"of the values of shape {values.shape}")
    # each value against its row of the sequence: the one row of a 1-D one, else the row of its leading dims
    s, v = seq.array if seq.ndim == 1 else seq.array[..., None, :], values.array[..., None]
    passed = ~(s > v) if right else ~(s >= v)
    return Tensor(passed.sum(axis=-1).astype(np.int32 if out_int32 else int64))


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each value of input among the 1-D ascending boundaries: searchsorted(boundaries, input,
    right=right), as PyTorch's (right=False: boundaries[i - 1] < v <= boundaries[i])."""
    if not isinstance(boundaries, Tensor) or boundaries.ndim != 1:
        what = f"shape {boundaries.shape}" if isinstance(boundaries, Tensor) else type(boundaries).__name__
        raise ValueError(f"bucketize: boundaries must be a 1-D tensor, got {what}")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)




OrderResult = collections.namedtuple("OrderResult", ["values", "indices"])  # torch.return_types.median's and others'


def _rows(op, x, dim):
    """(axis, the array of x with dim moved last, n, how many NaN each row holds (…, 1)): what the order statistics
    read of x; over no values refused, as PyTorch refuses them."""
    axis = dim_index(op, dim, x.ndim)
    xp = x.backend.xp
    last = xp.moveaxis(x.array, axis, -1) if x.ndim else x.array.reshape(1)
    n = last.shape[-1]
    if n == 0:
        raise ValueError(f"{op}: expected values to reduce, but dimension {axis} of the tensor of shape {x.shape} "
                         f"holds none")
    nans = xp.isnan(last).sum(axis=-1, keepdims=True) if x.dtype.kind == "f" else \
        xp.zeros(last.shape[:-1] + (1,), dtype=int64)
    return axis, last, n, nans


def _picked(op, x, dim, keepdim, position):
    """(values, indices) of the elements at the places position(n, nans) gives (an int array (…, 1), a row's NaN
    count nans) in x's stable ascending order along dim, NaN last: median, nanmedian and kthvalue. The index is
    where that element was in x, and the value x gathered there, so that its gradient goes to that element alone
    (dx = g there, 0 elsewhere), to any order, as PyTorch's."""
    axis, last, n, nans = _rows(op, x, dim)
    if x.ndim == 0:
        position(1, nans)  # checks k
        return OrderResult(clone(x), Tensor(x.backend.xp.zeros((), dtype=int64)))
    at = Tensor(x.backend.xp.moveaxis(position(n, nans).astype(int64), -1, axis))
    indices = gather(argsort(x, axis), axis, at)
    values = gather(x, axis, indices)
    if keepdim:
        return OrderResult(values, indices)
    return OrderResult(values.squeeze(axis), indices.squeeze(axis))


def _lower_middle(n, nans):
    """The lower median's place: (n - 1) // 2, or the first NaN's where a row has one (its median is NaN)."""
    return (nans > 0) * (n - nans) + (nans == 0) * ((n - 1) // 2)


class SharedAmongEquals(Function):
    """y = value, an element of x that the caller picked (the median of all of x); dx = g·[x = y] / #[x = y], g shared
    evenly among the elements equal to y (the NaNs, where y is NaN): PyTorch's gradient of a median of all of x,
    which picks no one element among equal ones. Linear in g, so its own gradient is that share again."""
    floating_only = False

    @staticmethod
    def forward(ctx, x, *, value):
        return value

    @staticmethod
    def backward(ctx, g):
        x, value, xp = ctx.inputs[0].array, ctx.value, ctx.xp
        equal = (x == value) | (xp.isnan(x) & xp.isnan(value)) if x.dtype.kind == "f" else x == value
        return g * Tensor((equal / equal.sum()).astype(x.dtype))


def _of_all(op, x, position):
    """The value at position(n, nans) of all of x in order (median's, nanmedian's), 0-d, its gradient shared among
    the elements equal to it (SharedAmongEquals)."""
    value = _picked(op, reshape(x, -1), 0, False, position).values
    return SharedAmongEquals.apply(x, value=value.array)


def median(x, dim=None, keepdim=False):
    """The lower median (the ⌊(n - 1)/2⌋-th smallest value; NaN where a NaN is among the values): of every element
    (a 0-d value, its gradient shared among the elements equal to it, as PyTorch's), or along dim as (values,
    indices), as PyTorch's, each value's gradient going to the element picked."""
    if dim is None:
        return _of_all("median", x, _lower_middle)
    return _picked("median", x, dim, keepdim, _lower_middle)


def nanmedian(x, dim=None, keepdim=False):
    """median of the values that are not NaN (NaN where all are), as PyTorch's."""
    def middle_of_numbers(n, nans):
        return ((n - nans - 1) // 2).clip(0, None)
    if dim is None:
        return _of_all("nanmedian", x, middle_of_numbers)
    return _picked("nanmedian", x, dim, keepdim, middle_of_numbers)


def kthvalue(x, k, dim=-1, keepdim=False):
    """(values, indices) of the k-th smallest value along dim (k from 1), NaN counting as the largest; the gradient
    goes to the element picked."""
    def kth(n, nans):
        require("kthvalue", "k", k, lambda v: is_int(v) and 1 <= v <= n, f"an int in 1..{n}, the size of dimension "
                                                                         f"{dim} of the tensor of shape {x.shape}")
        return nans * 0 + (k - 1)
    return _picked("kthvalue", x, dim, keepdim, kth)


def mode(x, dim=-1, keepdim=False):
    """(values, indices): the most frequent value along dim (the smallest of the most frequent ones; each NaN counts
    once, and is taken where all are NaN) and the last place where it occurs, as PyTorch's; the value x gathered there, so its gradient goes to that element. Counted
    by comparing each value with every other (n² comparisons per row, at once on the device)."""
    axis, last, n, _ = _rows("mode", x, dim)
    xp = x.backend.xp
    if x.ndim == 0:
        return OrderResult(clone(x), Tensor(xp.zeros((), dtype=int64)))
    places = xp.arange(n)
    # a NaN equals nothing, so it counts once, itself (as PyTorch counts it); the eye adds that once
    same = (last[..., :, None] == last[..., None, :]) | (places[:, None] == places)
    counts = same.sum(axis=-1)
    most = counts == counts.max(axis=-1, keepdims=True)
    # the smallest of the most frequent, by sort (NaN last), so that a NaN is taken only where all of them are NaN
    largest = xp.nan if x.dtype.kind == "f" else last.max(axis=-1, keepdims=True)
    smallest = xp.sort(xp.where(most, last, largest), axis=-1)[..., :1]
    found = (last == smallest) | (xp.isnan(last) & xp.isnan(smallest)) if x.dtype.kind == "f" else last == smallest
    at = xp.where(found, places, -1).max(axis=-1, keepdims=True)
    indices = Tensor(xp.moveaxis(at, -1, axis).astype(int64))
    values = gather(x, axis, indices)
    if keepdim:
        return OrderResult(values, indices)
    return OrderResult(values.squeeze(axis), indices.squeeze(axis))


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def quantile(x, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-th quantiles of x along dim (of every element if None), q a number in [0, 1] or a 1-D tensor of them
    (a leading dim of the result, one per q): at the place p = q·(n - 1) of x's ascending order, between its
    neighbours v_⌊p⌋ and v_⌈p⌉ by `interpolation`: linear v_⌊p⌋ + (p - ⌊p⌋)·(v_⌈p⌉ - v_⌊p⌋), lower, higher,
    midpoint (their mean) or nearest (p rounded half to even), as PyTorch's; NaN where a NaN is among the values.
    The neighbours are sort's values (x gathered), so the gradient goes to the two elements, weighted
    1 - (p - ⌊p⌋) and p - ⌊p⌋ for linear, to any order."""
    return _quantile("quantile", x, q, dim, keepdim, interpolation, ignore_nan=False)


def nanquantile(x, q, dim=None, keepdim=False, *, interpolation="linear"):
    """quantile of the values that are not NaN (n their count; NaN where all are NaN), as PyTorch's."""
    return _quantile("nanquantile", x, q, dim, keepdim, interpolation, ignore_nan=True)


def _quantile(op, x, q, dim, keepdim, interpolation, ignore_nan):
    if not x.is_floating_point():
        raise TypeError(f"{op}: expected a floating-point tensor, got {x.dtype} of shape {x.shape}")
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"{op}: interpolation must be one of {', '.join(map(repr, _INTERPOLATIONS))}, got "
                         f"{interpolation!r}")
    xp = x.backend.xp
    qs = q.array if isinstance(q, Tensor) else xp.asarray(q, dtype=x.dtype)
    if qs.ndim > 1 or not bool(((qs >= 0) & (qs <= 1)).all()):
        raise ValueError(f"{op}: q must be a number in [0, 1] or a 1-D tensor of them, got {q!r}")
    values = reshape(x, -1) if dim is None else x
    axis, last, n, nans = _rows(op, values, 0 if dim is None else dim)
    ordered = movedim(sort(values, axis)[0], axis, -1) if values.ndim else reshape(values, 1)
    numbers = n - nans if ignore_nan else xp.where(nans > 0, 1, n)  # a row with a NaN: its first place, NaN
    place = qs.reshape(qs.shape + (1,) * last.ndim) * (numbers - 1).clip(0, None)
    place = xp.where(nans == n, 0, place) if ignore_nan else xp.where(nans > 0, n - 1, place)
    below, above = xp.floor(place), xp.ceil(place)
    if interpolation == "nearest":
        below = above = xp.round(place)
    ordered = ordered.expand(*(place.shape[:-1] + (n,)))

    def at(places):
        return gather(ordered, -1, Tensor(places.astype(int64))).squeeze(-1)
    if interpolation in ("lower", "nearest"):
        result = at(below)
    elif interpolation == "higher":
        result = at(above)
    elif interpolation == "midpoint":
        result = (at(below) + at(above)) * 0.5
    else:
        low = at(below)
        result = low + Tensor((place - below).squeeze(-1).astype(x.dtype)) * (at(above) - low)
    if keepdim:
        kept = (1,) * x.ndim if dim is None or x.ndim == 0 else x.shape[:axis] + (1,) + x.shape[axis + 1:]
        result = reshape(result, qs.shape + kept)
    return result
