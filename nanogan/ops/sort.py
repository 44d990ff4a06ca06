"""Ordering along a dimension: argsort, sort and topk.

Each orders x by the backend's stable sort (numpy's stable sort; CuPy's radix sort, stable too), so equal values
keep their order in x, which is PyTorch's stable=True and one of the orders it allows without it. NaN counts as
larger than any number, as in PyTorch: last ascending, first descending. The values are x gathered at the order
(ops/shape.gather), so their gradient goes back to where each came from,

    y[…, i, …] = x[…, order[…, i, …], …]      dx[…, order[…, i, …], …] = g[…, i, …]

and its own gradient picks again, to any order; the indices are int64 and outside the graph.
"""
import collections

from ..arguments import is_int, require
from ..tensor import Tensor, int64
from .shape import clone, dim_index, gather

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
