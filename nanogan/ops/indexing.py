"""Indexing by masks and along a dimension (masked_select, masked_scatter, nonzero, index_add, index_fill,
index_copy, repeat_interleave), triangles and diagonals (tril, triu, diagonal, diag, diag_embed), turns (fliplr,
flipud, rot90) and sliding windows (unfold), with PyTorch's names.

Each is built of the shape ops (ops/shape.py), so its gradient moves g back the way the forward moved x, to any
order: a pick ↔ a scatter-add into zeros, a write ↔ g picked there and zeros left in its place. Positions
(nonzero, argwhere) are int64 and outside the graph, as PyTorch's.
"""
import math

import numpy as np

from ..arguments import is_int
from ..tensor import Tensor, int64
from .elementwise import _broadcast_shape, cast, masked_fill
from .shape import (GetItem, _index_arrays, _require_in_range, _require_integer_index, dim_index, expand, flip,
                    movedim, put, reshape, transpose)


def _require_mask(op, mask, shape):
    if not isinstance(mask, Tensor) or mask.dtype != bool:
        what = f"{mask.dtype} of shape {mask.shape}" if isinstance(mask, Tensor) else type(mask).__name__
        raise TypeError(f"{op}: expected a boolean mask Tensor for the tensor of shape {shape}, got {what}")


def _masked_positions(op, x, mask):
    """x and mask broadcast together (a 0-d pair as 1-D), and the integer arrays of the mask's True positions, in
    row-major order (the order masked_select reads and masked_scatter writes)."""
    _require_mask(op, mask, x.shape)
    shape = _broadcast_shape(op, x, mask) or (1,)
    xp = x.backend.xp
    return expand(x, *shape), xp.nonzero(xp.broadcast_to(mask.array, shape))


def masked_select(x, mask):
    """The 1-D tensor of x's elements where the boolean mask is True (x and mask broadcast together), in row-major
    order: y = x[mask], a pick, so dx = g scatter-added where each came from (summed over a broadcast)."""
    x, positions = _masked_positions("masked_select", x, mask)
    return GetItem.apply(x, index=positions)


def masked_scatter(x, mask, source):
    """x with the places where the boolean mask is True (x and mask broadcast together) filled, in row-major order,
    by source's first elements (in its own row-major order): y[mask] = source.flatten()[:k] for k places. Gradients
    (IndexPut's): dx = g with zeros where the mask is True; dsource = g[mask] at its first k elements, 0 after."""
    op = "masked_scatter"
    shape = _broadcast_shape(op, x, mask) if isinstance(mask, Tensor) else x.shape
    x, positions = _masked_positions(op, x, mask)
    if not isinstance(source, Tensor) or source.dtype != x.dtype:
        what = f"{source.dtype} of shape {source.shape}" if isinstance(source, Tensor) else type(source).__name__
        raise TypeError(f"{op}: source must be a Tensor of the dtype of the tensor ({x.dtype}, shape {x.shape}), "
                        f"got {what}")
    count = int(positions[0].shape[0])
    if source.numel() < count:
        raise ValueError(f"{op}: the mask of shape {mask.shape} sets {count} places, more than the {source.numel()} "
                         f"elements of the source of shape {source.shape}")
    return reshape(put(op, x, positions, reshape(source, -1)[:count]), shape)


def nonzero(x, *, as_tuple=False):
    """The positions of x's nonzero elements in row-major order: an int64 tensor (count, x.ndim), one row per
    element; with as_tuple, x.ndim 1-D tensors, one per dimension (a 0-d x as a 1-D one of its element, as
    PyTorch's). Outside the graph."""
    xp = x.backend.xp
    if as_tuple:
        return tuple(Tensor(p.astype(int64)) for p in xp.nonzero(x.array.reshape(-1) if x.ndim == 0 else x.array))
    return Tensor(xp.argwhere(x.array.reshape(-1))[:, :0].astype(int64) if x.ndim == 0 else
                  xp.argwhere(x.array).astype(int64))


def argwhere(x):
    """nonzero(x): the (count, x.ndim) positions of x's nonzero elements."""
    return nonzero(x)


def _along(op, x, dim, index):
    """(axis, picks): dim checked, and the index that picks x's entries of dim at `index` (a 0-D or 1-D integer
    tensor), every other dim whole, as getitem takes it; the index checked in range."""
    axis = dim_index(op, dim, x.ndim)
    _require_integer_index(op, index)
    if index.ndim > 1:
        raise ValueError(f"{op}: expected a 0-D or 1-D index, got shape {index.shape} (tensor of shape {x.shape})")
    picks = (slice(None),) * axis + (_index_arrays(reshape(index, -1), x.backend, op),)
    _require_in_range(op, x, picks)
    return axis, picks


def _source_along(op, x, dim, index, source):
    """_along's (axis, picks), and source checked as PyTorch checks it: of x's dtype and shape, but len(index) in
    dim."""
    axis, picks = _along(op, x, dim, index)
    expected = x.shape[:axis] + (index.numel(),) + x.shape[axis + 1:]
    if not isinstance(source, Tensor) or source.dtype != x.dtype or source.shape != expected:
        what = f"{source.dtype} of shape {source.shape}" if isinstance(source, Tensor) else type(source).__name__
        raise ValueError(f"{op}: source must be a Tensor of the tensor's dtype ({x.dtype}) and of shape {expected} "
                         f"(the tensor's shape {x.shape}, with the index's length in dimension {axis}), got {what}")
    return picks


def _of_its_value(op, fn, x, dim, index, *source):
    """fn (index_add, index_copy, index_fill) of a 0-d x: of the 1-D tensor of its value, by dim 0 or -1, and of a
    source of one value likewise, as PyTorch takes them."""
    dim_index(op, dim, 0)
    source = [reshape(s, -1) if isinstance(s, Tensor) and s.ndim == 0 else s for s in source]
    return reshape(fn(reshape(x, 1), 0, index, *source), ())


def index_add(x, dim, index, source, *, alpha=1):
    """x with alpha·source[…, i, …] added into x[…, index[i], …] along dim, every repeat of an index adding:
    y = x + scatter-add of alpha·source (ScatterReduce's sum);  dx = g,  dsource = alpha·g[…, index, …]."""
    if x.ndim == 0:
        if isinstance(source, Tensor) and source.ndim != 0:  # PyTorch's index_add, unlike its index_copy
            raise ValueError(f"index_add: the source for a 0-d tensor must be 0-d, got shape {source.shape}")
        return _of_its_value("index_add", lambda *a: index_add(*a, alpha=alpha), x, dim, index, source)
    picks = _source_along("index_add", x, dim, index, source)
    # alpha in x's dtype, as PyTorch takes it (truncated into an integer one), not promoting x to float
    return put("index_add", x, picks, source if alpha == 1 else source * x._number_as_tensor("index_add", alpha),
               "sum")


def index_copy(x, dim, index, source):
    """x with source[…, i, …] written at x[…, index[i], …] along dim (a repeated index takes one of its values, which
    one undefined, as PyTorch's): IndexPut, so dx = g with zeros where written, dsource = g[…, index, …]."""
    if x.ndim == 0:
        return _of_its_value("index_copy", index_copy, x, dim, index, source)
    return put("index_copy", x, _source_along("index_copy", x, dim, index, source), source)


def index_fill(x, dim, index, value):
    """x with x[…, index, …] = value along dim, value a number (cast to x's dtype) or a 0-d tensor: dx = g with
    zeros there, dvalue = Σ g there."""
    op = "index_fill"
    if x.ndim == 0:
        return _of_its_value(op, lambda x, dim, index: index_fill(x, dim, index, value), x, dim, index)
    _, picks = _along(op, x, dim, index)
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ValueError(f"{op}: value must be a number or a 0-d tensor, got a tensor of shape {value.shape}")
        value = cast(value, x.dtype)
    else:
        value = x._number_as_tensor(op, value)
    return put(op, x, picks, value)


def repeat_interleave(x, repeats=None, dim=None, *, output_size=None):
    """Each entry of x along dim repeated repeats[i] times in place (repeats an int, or a 0-D or 1-D integer tensor
    of one count per entry or one for all); without dim, of x flattened. An index_select of the entries at
    [0]·r_0, [1]·r_1, …, so dx_i = the sum of g over entry i's copies. repeat_interleave(repeats) alone repeats
    arange(len(repeats)), as PyTorch's. output_size, if given, must be the result's length."""
    op = "repeat_interleave"
    if repeats is None:
        repeats, x = x, Tensor(x.backend.xp.arange(x.numel(), dtype=int64))
    if dim is None:
        x, dim = reshape(x, -1), 0
    axis = dim_index(op, dim, x.ndim)
    length = x.shape[axis] if x.ndim else 1
    if isinstance(repeats, Tensor):
        _require_integer_index(op, repeats)
        counts = x.backend.to_host(repeats.array).reshape(-1)  # the result's length is a host number, as PyTorch's
        if repeats.ndim > 1 or counts.size not in (1, length):
            raise ValueError(f"{op}: repeats of shape {repeats.shape} must hold one count, or one for each of the "
                             f"{length} entries of dimension {axis} (tensor of shape {x.shape})")
    elif is_int(repeats):
        counts = np.asarray([repeats])
    else:
        raise TypeError(f"{op}: repeats must be an int or an integer Tensor, got {type(repeats).__name__}")
    if (counts < 0).any():
        raise ValueError(f"{op}: repeats must be >= 0, got {counts.tolist()}")
    entries = np.repeat(np.arange(length), np.broadcast_to(counts, (length,)))
    if output_size is not None and output_size != entries.size:
        raise ValueError(f"{op}: output_size {output_size} differs from the {entries.size} entries the repeats make")
    from .shape import index_select
    return index_select(x, axis, Tensor(x.backend.from_host(entries.astype(int64))))


def _triangle(op, x, diagonal, lower):
    """x with zeros above (lower) or below (upper) the `diagonal`-th diagonal of its last two dims: a masked_fill,
    so dx = g where x is kept, 0 elsewhere."""
    if x.ndim < 2:
        raise ValueError(f"{op}: expected a tensor of at least 2 dimensions (a batch of matrices), got shape "
                         f"{x.shape}")
    if not is_int(diagonal):
        raise TypeError(f"{op}: diagonal must be an int, got {type(diagonal).__name__}")
    rows, cols = x.shape[-2:]
    xp = x.backend.xp
    on_or_below = xp.tri(rows, cols, k=int(diagonal) - (0 if lower else 1), dtype=bool)  # j - i <= k
    dropped = ~on_or_below if lower else on_or_below
    return masked_fill(x, Tensor(dropped), 0)


def tril(x, diagonal=0):
    """The lower triangle of x's last two dims: x[…, i, j] where j - i <= diagonal, else 0."""
    return _triangle("tril", x, diagonal, lower=True)


def triu(x, diagonal=0):
    """The upper triangle of x's last two dims: x[…, i, j] where j - i >= diagonal, else 0."""
    return _triangle("triu", x, diagonal, lower=False)


class StridedView(GetItem):
    """y = the elements of x that the integer arrays `index` pick (GetItem's value, so GetItem's gradient: g
    scatter-added back, overlaps accumulating), as a view into x's memory rather than a copy, as PyTorch's diagonal
    and unfold are: x sliced at `start` (one offset per axis), read with the strides Σ_a steps[o][a]·stride_a for
    each output axis o. An in-place change of it changes x (recorded on x, as any view's)."""

    @staticmethod
    def forward(ctx, x, *, index, start, steps, shape):
        x = x[tuple(slice(s, None) for s in start)]
        strides = tuple(sum(c * stride for c, stride in zip(coefficients, x.strides)) for coefficients in steps)
        return ctx.xp.lib.stride_tricks.as_strided(x, shape, strides)


def _axis_range(xp, n, position, ndim, offset=0, step=1):
    """offset + step·arange(n), along axis `position` of ndim broadcastable axes."""
    return (offset + step * xp.arange(n)).reshape((1,) * position + (n,) + (1,) * (ndim - position - 1))


def _diagonal_of_last_two(x, offset):
    """The offset-th diagonal of x's last two dims, as the last dim of a view (StridedView): y[…, k] =
    x[…, k + max(-offset, 0), k + max(offset, 0)]."""
    rows, cols = x.shape[-2:]
    first_row, first_col = max(-offset, 0), max(offset, 0)
    length = max(min(rows - first_row, cols - first_col), 0)
    lead, xp = x.ndim - 2, x.backend.xp
    index = tuple(_axis_range(xp, n, a, lead + 1) for a, n in enumerate(x.shape[:lead])) + (
        _axis_range(xp, length, lead, lead + 1, first_row), _axis_range(xp, length, lead, lead + 1, first_col))
    steps = tuple(tuple(int(a == o) for a in range(x.ndim)) for o in range(lead)) + ((0,) * lead + (1, 1),)
    start = (0,) * lead + (min(first_row, rows), min(first_col, cols))
    return StridedView.apply(x, index=index, start=start, steps=steps, shape=x.shape[:lead] + (length,))


def diagonal(x, offset=0, dim1=0, dim2=1):
    """The offset-th diagonal of the matrices in dims dim1 and dim2 (above the main one for offset > 0, below it for
    offset < 0), those dims removed and the diagonal appended as the last dim: y[…, k] = x[…, i_k, …, j_k, …]
    with j_k - i_k = offset. A view into x, as PyTorch's (StridedView: dx = g written on the diagonal of zeros)."""
    op = "diagonal"
    if x.ndim < 2:
        raise ValueError(f"{op}: expected a tensor of at least 2 dimensions, got shape {x.shape}")
    first, second = dim_index(op, dim1, x.ndim), dim_index(op, dim2, x.ndim)
    if first == second:
        raise ValueError(f"{op}: dim1 and dim2 must differ, got {dim1} and {dim2} (tensor of shape {x.shape})")
    if not is_int(offset):
        raise TypeError(f"{op}: offset must be an int, got {type(offset).__name__}")
    return _diagonal_of_last_two(movedim(x, (first, second), (-2, -1)), int(offset))


_diagonal = diagonal  # for diag, whose argument `diagonal` hides the function


def diag_embed(x, offset=0, dim1=-2, dim2=-1):
    """Matrices with x's last dim on their offset-th diagonal and zeros elsewhere, in dims dim1 and dim2 of the
    result (of x.ndim + 1 dims, each of the two of size n + |offset|): y[…, i_k, …, j_k, …] = x[…, k],
    j_k - i_k = offset. x written into zeros (IndexPut), so dx = g's diagonal."""
    op = "diag_embed"
    ndim = x.ndim + 1
    first, second = dim_index(op, dim1, ndim), dim_index(op, dim2, ndim)
    if first == second:
        raise ValueError(f"{op}: dim1 and dim2 must differ, got {dim1} and {dim2} (result of {ndim} dimensions)")
    if not is_int(offset):
        raise TypeError(f"{op}: offset must be an int, got {type(offset).__name__}")
    if x.ndim == 0:
        raise ValueError(f"{op}: expected a tensor of at least 1 dimension, got a 0-d tensor")
    n, offset = x.shape[-1], int(offset)
    size = n + abs(offset)
    xp = x.backend.xp
    zeros = Tensor(xp.zeros(x.shape[:-1] + (size, size), dtype=x.dtype))
    matrices = put(op, zeros, (Ellipsis, xp.arange(n) + max(-offset, 0), xp.arange(n) + max(offset, 0)), x)
    return movedim(matrices, (-2, -1), (first, second))


def diag(x, diagonal=0):
    """Of a 1-D x, the square matrix with x on its `diagonal`-th diagonal (diag_embed); of a 2-D x, that diagonal of
    it as a 1-D tensor (diagonal)."""
    if x.ndim == 1:
        return diag_embed(x, diagonal)
    if x.ndim == 2:
        return _diagonal(x, diagonal, 0, 1)
    raise ValueError(f"diag: expected a 1-D or 2-D tensor, got shape {x.shape}")


def fliplr(x):
    """x reversed along dim 1 (left to right), of a tensor of at least 2 dims."""
    if x.ndim < 2:
        raise ValueError(f"fliplr: expected a tensor of at least 2 dimensions, got shape {x.shape}")
    return flip(x, 1)


def flipud(x):
    """x reversed along dim 0 (up to down), of a tensor of at least 1 dim."""
    if x.ndim < 1:
        raise ValueError("flipud: expected a tensor of at least 1 dimension, got a 0-d tensor")
    return flip(x, 0)


def rot90(x, k=1, dims=(0, 1)):
    """x turned k quarter turns in the plane of dims, from the first towards the second (PyTorch's direction): one
    turn is flip(dims[1]) then transpose, two flip both, three flip(dims[0]) then transpose (k mod 4)."""
    op = "rot90"
    if len(dims) != 2:
        raise ValueError(f"rot90: expected two dims, got {dims}")
    if x.ndim < 2:
        raise ValueError(f"{op}: expected a tensor of at least 2 dimensions, got shape {x.shape}")
    first, second = (dim_index(op, d, x.ndim) for d in dims)
    if first == second:
        raise ValueError(f"{op}: the two dims must differ, got {tuple(dims)} (tensor of shape {x.shape})")
    if not is_int(k):
        raise TypeError(f"{op}: k must be an int, got {type(k).__name__}")
    turns = int(k) % 4
    if turns == 1:
        return transpose(flip(x, second), first, second)
    if turns == 2:
        return flip(x, first, second)
    if turns == 3:
        return transpose(flip(x, first), first, second)
    return x.clone()


def unfold(x, dimension, size, step):
    """The windows of `size` entries along `dimension`, one every `step` entries: dimension becomes the count of
    windows, ⌊(n - size) / step⌋ + 1, and a last dim of `size` is appended: y[…, w, …, j] = x[…, w·step + j, …].
    A view into x, as PyTorch's (StridedView), so dx = g added back where each window read, overlaps summing."""
    op = "unfold"
    axis = dim_index(op, dimension, x.ndim)
    n = x.shape[axis] if x.ndim else 1
    if not (is_int(size) and 0 <= size <= n):
        raise ValueError(f"{op}: size must be an int in 0..{n}, the size of dimension {axis} of the tensor of shape "
                         f"{x.shape}, got {size!r}")
    if not (is_int(step) and step >= 1):
        raise ValueError(f"{op}: step must be an int >= 1, got {step!r}")
    if x.ndim == 0:  # the one window of its one value, or no value for size 0, as PyTorch's
        return reshape(x, 1)[:int(size)]
    windows, ndim, xp = (n - size) // step + 1, x.ndim + 1, x.backend.xp
    index = tuple(_axis_range(xp, m, a, ndim) if a != axis else
                  _axis_range(xp, windows, a, ndim, step=step) + _axis_range(xp, size, x.ndim, ndim)
                  for a, m in enumerate(x.shape))
    steps = tuple(tuple((step if a == axis else 1) * int(a == o) for a in range(x.ndim)) for o in range(x.ndim)) + (
        tuple(int(a == axis) for a in range(x.ndim)),)
    shape = x.shape[:axis] + (windows,) + x.shape[axis + 1:] + (size,)
    return StridedView.apply(x, index=index, start=(0,) * x.ndim, steps=steps, shape=shape)
