"""Shape and indexing ops: they move numbers around without changing them; and the reductions into positions
by index (scatter_reduce: sums, products, maxima, minima), which combine the numbers they move.

Each gradient moves g back the way the forward moved x: reshape ↔ reshape, permute ↔ inverse
permute, expand ↔ sum_to, indexing ↔ scatter-add into zeros, an assignment by index ↔ g picked
there (and, to the tensor assigned into, g with zeros there), cat ↔ slices; a reduction by index ↔
g picked there, times the reduction's own derivative (ScatterReduce).
"""
import math

import numpy as np

from .. import backend as backends
from ..arguments import int_at_least, is_int, is_number
from ..autograd.function import Function, NotDifferentiableWhere, memory_owner
from ..tensor import Tensor, int64, ones_like, zeros_like


def dim_index(op, dim, ndim, inserting=False):
    """`dim` as an index in range(ndim), a negative one counted from the end; an IndexError that names the op if it
    is out of range. An op that inserts a dimension (unsqueeze, stack) takes 0..ndim; a 0-d tensor takes 0 and -1,
    as in PyTorch."""
    extent = ndim + 1 if inserting else max(ndim, 1)
    if not is_int(dim):
        raise TypeError(f"{op}: a dimension must be an int, got {type(dim).__name__}")
    if not -extent <= dim < extent:
        raise IndexError(f"{op}: dimension {dim} out of range for a tensor with {ndim} dimensions (expected one in "
                         f"[{-extent}, {extent - 1}])")
    return int(dim) % extent


def _shape_arg(shape):
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)


class Reshape(Function):
    """y = x viewed with another shape of the same size;  dx = g reshaped back."""
    floating_only = False

    @staticmethod
    def forward(ctx, x, *, shape):
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.inputs[0].shape)


class Permute(Function):
    """y = x with axes reordered, y.shape[i] = x.shape[dims[i]];  dx = g permuted by the inverse."""
    floating_only = False

    @staticmethod
    def forward(ctx, x, *, dims):
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, g):
        return g.permute(*np.argsort(ctx.dims).tolist())


class Expand(Function):
    """y = x broadcast to `shape` (no copy);  dx = sum_to(g, x.shape)."""
    floating_only = False

    @staticmethod
    def forward(ctx, x, *, shape):
        return ctx.xp.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        return sum_to(g, ctx.inputs[0].shape)


class SumTo(Function):
    """y = x summed over the axes that broadcasting from `shape` would add or stretch;
    dx = g broadcast back (SumTo and Expand are each other's gradient)."""
    floating_only = False

    @staticmethod
    def forward(ctx, x, *, shape):
        lead = x.ndim - len(shape)
        stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1)
        y = x.sum(axis=tuple(range(lead)) + stretched, keepdims=True)
        return y.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.expand(*ctx.inputs[0].shape)


class GetItem(Function):
    """y = x[index] (basic slicing and integer-array indexing);
    dx = zeros like x with g scatter-added at index (repeated indices accumulate)."""
    floating_only = False

    @staticmethod
    def forward(ctx, x, *, index):
        return x[index]

    @staticmethod
    def backward(ctx, g):
        x = ctx.inputs[0]
        return ScatterAdd.apply(g, shape=x.shape, index=ctx.index)


class ScatterAdd(Function):
    """y = zeros(shape) with y[index] += x;  dx = g[index]  (GetItem's gradient, and vice versa)."""

    @staticmethod
    def forward(ctx, x, *, shape, index):
        return ctx.backend.scatter_reduce(ctx.xp.zeros(shape, dtype=x.dtype), index, x, "sum")

    @staticmethod
    def backward(ctx, g):
        return GetItem.apply(g, index=ctx.index)


class IndexPut(Function):
    """y = x with v written at `index` (as getitem takes it; v of the shape x[index] picks): y[index] = v, where a
    repeated position takes one of its values, which one undefined (as PyTorch's).  dx = g with dx[index] = 0,
    dv = g[index]."""
    floating_only = False

    @staticmethod
    def forward(ctx, x, v, *, index):
        y = x.copy()
        y[index] = v
        return y

    @staticmethod
    def backward(ctx, g):
        dx = IndexPut.apply(g, zeros_like(ctx.inputs[1]), index=ctx.index) if ctx.needs_input_grad[0] else None
        return dx, GetItem.apply(g, index=ctx.index) if ctx.needs_input_grad[1] else None


class ScatterReduce(Function):
    """y = x with v reduced in at `index` (as getitem takes it; v of the shape x[index] picks), every repeat of a
    position reducing its value in too: y_p = x_p ⊕ v_i ⊕ v_j ⊕ … over the i that index sends to position p, for
    ⊕ = `reduce`: "sum" (+), "prod" (×), "amax" (max) or "amin" (min). Gradients, PyTorch's (its
    scatter_reduce_backward), where w[index] is a tensor w of x's shape read at the position each v_i went to:
      sum         dx = g,  dv = g[index].
      amax, amin  g is shared evenly among the values equal to y at their position, x_p among them: for n_p of
                  them, dx = g·[x = y] / n,  dv = (g / n)[index]·[v = y[index]]  (the ties and n held constant).
      prod        each value's gradient is g times the product of the others: dx = g·y / x,  dv = (g·y)[index] / v,
                  except where that divides by 0. Where x_p = 0, dx_p = g_p·(y_p with x_p taken as 1); where v_i is
                  the only v of its position that is 0, dv_i = (g·(y with v_i taken as 1))[index]. Where two or more
                  v of a position are 0, their dv is 0, rightly, but its own derivative is not that formula's: a
                  second derivative through it raises, as PyTorch's does."""
    floating_only = False
    reads_output = True

    @staticmethod
    def forward(ctx, x, v, *, index, reduce):
        return ctx.backend.scatter_reduce(x.copy(), index, v, reduce)

    @staticmethod
    def backward(ctx, g):
        if ctx.reduce == "prod":
            return _product_gradients(ctx, g)
        (x, v), index = ctx.inputs, ctx.index
        needs_x, needs_v = ctx.needs_input_grad
        if ctx.reduce == "sum":
            return g, GetItem.apply(g, index=index) if needs_v else None
        y = ctx.output.array
        x_ties = (x.array == y).astype(g.dtype)
        v_ties = (v.array == y[index]).astype(g.dtype)
        ties = ctx.backend.scatter_reduce(x_ties.copy(), index, v_ties, "sum")  # n_p: x_p's tie and the v's at p
        shared = g / Tensor(ties)
        return (shared * Tensor(x_ties) if needs_x else None,
                GetItem.apply(shared, index=index) * Tensor(v_ties) if needs_v else None)


def _product_gradients(ctx, g):
    """ScatterReduce's gradients of a product (see its docstring), as PyTorch's scatter_reduce_backward computes
    them: of differentiable ops (ScatterReduce's product among them), so that they have gradients of their own."""
    (x, v), index, y = ctx.inputs, ctx.index, ctx.output
    needs_x, needs_v = ctx.needs_input_grad

    def product(x, v):
        return ScatterReduce.apply(x, v, index=index, reduce="prod")

    dx = dv = None
    if needs_x:
        x_or_1 = x.masked_fill(Tensor(x.array == 0), 1)
        dx = g * product(x_or_1, v) / x_or_1  # the product of the v alone where x_p = 0, y_p / x_p elsewhere
    if needs_v:
        from .elementwise import where  # elementwise imports this module
        zero = v.array == 0
        zeros_there = ctx.backend.scatter_reduce(ctx.xp.zeros(x.shape, dtype=g.dtype), index, zero.astype(g.dtype),
                                                 "sum")[index]  # how many v of each v's position are 0
        only_zero = Tensor(zero & (zeros_there == 1))
        divided = GetItem.apply(g * y, index=index) / v.masked_fill(Tensor(zero), 1)  # 0 for a v = 0 beside others
        without_v = GetItem.apply(g * product(x, v.masked_fill(only_zero, 1)), index=index)
        dv = NotDifferentiableWhere.apply(
            where(only_zero, without_v, divided), wrong=zero & (zeros_there > 1),
            message="scatter_reduce: the second derivative of a product in src, where two or more values of src "
                    "that go to one position are 0, is not computed (nor is it in PyTorch)")
    return dx, dv


def replay_view(view_ops, x):
    """The view of x that the shape ops `view_ops` ((Function, attrs), ... as Tensor._view_ops keeps them) make:
    what a view is of its base, made again of another tensor of the base's shape."""
    for op, attrs in view_ops:
        x = op.apply(x, **attrs)
    return x


class WriteIntoView(Function):
    """y = x with its view replaced by v, where the view is what `view_ops` make of x (replay_view):
    y = x except y[view] = v;  dx = g except dx[view] = 0,  dv = g[view].
    An in-place change of a view, recorded on its base (PyTorch's CopySlices). `axis_order` lists the base's axes
    from the farthest apart in memory to the nearest: y is laid out so, whatever x's layout, as the view ops made a
    view (not a copy) of a base laid out so. `written`: x is the base's own memory, into which an in-place change
    (Tensor._set_in_place) wrote v already, so y is x, not a copy of the base per change."""
    floating_only = False

    @staticmethod
    def forward(ctx, x, v, *, view_ops, axis_order, written=False):
        if written:
            return x
        y = ctx.xp.empty(tuple(x.shape[a] for a in axis_order), dtype=x.dtype).transpose(
            tuple(int(a) for a in np.argsort(axis_order)))
        y[...] = x
        view = replay_view(view_ops, Tensor(y)).array
        if memory_owner(view) is not memory_owner(y):
            raise RuntimeError(f"WriteIntoView: the ops {[op.__name__ for op, _ in view_ops]} made a copy of a "
                               f"tensor of shape {x.shape}, not a view, so the change of shape {v.shape} has "
                               f"nowhere to go")
        view[...] = v
        return y

    @staticmethod
    def backward(ctx, g):
        v = ctx.inputs[1]
        dx = WriteIntoView.apply(g, zeros_like(v), view_ops=ctx.view_ops, axis_order=ctx.axis_order) \
            if ctx.needs_input_grad[0] else None
        # dv copied out of g: as a view it would keep all of g alive until dv's own path is walked, one base-sized
        # array per change of a row-by-row fill
        return dx, replay_view(ctx.view_ops, g).clone() if ctx.needs_input_grad[1] else None


def write_into_view(x, v, view_ops, base_strides, written=False):
    """WriteIntoView of x and v, for a view of a base with strides `base_strides`."""
    axis_order = tuple(sorted(range(len(base_strides)), key=lambda axis: -abs(base_strides[axis])))
    return WriteIntoView.apply(x, v, view_ops=view_ops, axis_order=axis_order, written=written)


class Cat(Function):
    """y = the inputs joined along `dim`;  dx_k = g sliced to x_k's extent along dim."""
    floating_only = False

    @staticmethod
    def forward(ctx, *xs, dim):
        return ctx.backend.concatenate(xs, axis=dim)

    @staticmethod
    def backward(ctx, g):
        grads, start = [], 0
        for x, needed in zip(ctx.inputs, ctx.needs_input_grad):
            stop = start + x.shape[ctx.dim]
            index = (slice(None),) * ctx.dim + (slice(start, stop),)
            grads.append(g[index] if needed else None)
            start = stop
        return tuple(grads)


class Clone(Function):
    """y = a copy of x;  dx = g."""
    floating_only = False

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return g


class ToDevice(Function):
    """y = x copied to another device;  dx = g copied back."""
    floating_only = False

    @staticmethod
    def forward(ctx, x, *, device):
        return backends.get(device).from_host(ctx.backend.to_host(x))

    @staticmethod
    def backward(ctx, g):
        return to_device(g, ctx.inputs[0].device)


def reshape(x, *shape):
    shape = _shape_arg(shape)
    try:
        target = np.empty(x.shape, dtype=np.bool_).reshape(shape).shape  # resolves -1, checks the size
    except ValueError:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} into {shape}") from None
    return Reshape.apply(x, shape=target)


def flatten(x, start_dim=0, end_dim=-1):
    start, end = dim_index("flatten", start_dim, x.ndim), dim_index("flatten", end_dim, x.ndim)
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} (tensor of shape {x.shape})")
    if x.ndim == 0:
        return reshape(x, 1)
    return reshape(x, x.shape[:start] + (-1,) + x.shape[end + 1:])


def permute(x, *dims):
    dims = _shape_arg(dims)
    axes = tuple(dim_index("permute", d, x.ndim) for d in dims)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"permute: {dims} is not a permutation of the {x.ndim} dims of a tensor of shape {x.shape}")
    return Permute.apply(x, dims=axes)


def transpose(x, dim0, dim1):
    dims = list(range(x.ndim))
    dim0, dim1 = dim_index("transpose", dim0, x.ndim), dim_index("transpose", dim1, x.ndim)
    if x.ndim == 0:
        return x
    dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    return permute(x, *dims)


def unsqueeze(x, dim):
    dim = dim_index("unsqueeze", dim, x.ndim, inserting=True)
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def squeeze(x, dim=None):
    """x without its size-1 dimensions: all of them, or those of `dim` (an int, or as in PyTorch >= 2.0 a tuple of
    them); a dimension of another size is left alone."""
    if dim is None:
        return reshape(x, tuple(n for n in x.shape if n != 1))
    dims = [dim_index("squeeze", d, x.ndim) for d in (dim if isinstance(dim, (tuple, list)) else (dim,))]
    if len(set(dims)) < len(dims):
        raise ValueError(f"squeeze: dims {tuple(dim)} name a dimension more than once (tensor of shape {x.shape})")
    shape = tuple(n for i, n in enumerate(x.shape) if n != 1 or i not in dims)
    return x if shape == x.shape else reshape(x, shape)


def _images(op, input):
    """input's shape as (leading dims, C, H, W): the images (*, C, H, W) that pixel_shuffle and pixel_unshuffle
    rearrange."""
    if input.ndim < 3:
        raise ValueError(f"{op}: expected images (*, C, H, W) of at least 3 dimensions, got shape {input.shape}")
    return input.shape[:-3], *input.shape[-3:]


def pixel_shuffle(input, upscale_factor):
    """(*, C·r², H, W) → (*, C, H·r, W·r), r = upscale_factor (ESPCN's and SRGAN's upsampling):
    y[..., c, h·r + i, w·r + j] = x[..., c·r² + i·r + j, h, w], a reshape, a permute and a reshape;
    dx = pixel_unshuffle(g, r), their gradients moving g back the same way."""
    op = "pixel_shuffle"
    r = int_at_least(op, "upscale_factor", upscale_factor, 1)
    lead, channels, height, width = _images(op, input)
    if channels % (r * r):
        raise ValueError(f"{op}: input of shape {input.shape} has {channels} channels (dim -3), which is not "
                         f"divisible by upscale_factor² = {r * r}")
    n = len(lead)
    blocks = reshape(input, lead + (channels // (r * r), r, r, height, width))
    return reshape(permute(blocks, *range(n), n, n + 3, n + 1, n + 4, n + 2),
                   lead + (channels // (r * r), height * r, width * r))


def channel_shuffle(input, groups):
    """(N, C, *) with its channels dealt out of `groups` groups in turn (ShuffleNet's): channel g·(C/G) + k moves to
    k·G + g, a reshape to (N, G, C/G, *), a transpose and a reshape back; dx = the same moves of g, back."""
    op = "channel_shuffle"
    groups = int_at_least(op, "groups", groups, 1)
    if input.ndim < 3:
        raise ValueError(f"{op}: expected an (N, C, *) input of 3 or more dimensions, got shape {input.shape}")
    batch, channels, rest = input.shape[0], input.shape[1], input.shape[2:]
    if channels % groups:
        raise ValueError(f"{op}: the {channels} channels of input of shape {input.shape} do not split into {groups} "
                         f"groups")
    grouped = reshape(input, (batch, groups, channels // groups) + rest)
    return reshape(transpose(grouped, 1, 2), input.shape)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H·r, W·r) → (*, C·r², H, W), r = downscale_factor: pixel_shuffle's inverse,
    y[..., c·r² + i·r + j, h, w] = x[..., c, h·r + i, w·r + j];  dx = pixel_shuffle(g, r)."""
    op = "pixel_unshuffle"
    r = int_at_least(op, "downscale_factor", downscale_factor, 1)
    lead, channels, height, width = _images(op, input)
    if height % r or width % r:
        raise ValueError(f"{op}: input of shape {input.shape} has height and width {(height, width)} (dims -2, -1), "
                         f"which are not both divisible by downscale_factor = {r}")
    n = len(lead)
    blocks = reshape(input, lead + (channels, height // r, r, width // r, r))
    return reshape(permute(blocks, *range(n), n, n + 2, n + 4, n + 1, n + 3),
                   lead + (channels * r * r, height // r, width // r))


def as_batch_of_one(fn, image):
    """fn, which takes a batch (N, ...), applied to one image: run on a batch of one (unsqueeze), and each output's
    batch axis dropped again (squeeze), so that gradients flow; as PyTorch's image layers take unbatched input."""
    out = fn(unsqueeze(image, 0))
    return tuple(squeeze(y, 0) for y in out) if isinstance(out, tuple) else squeeze(out, 0)


def expand(x, *sizes):
    sizes = _shape_arg(sizes)
    lead = len(sizes) - x.ndim
    if lead < 0 or -1 in sizes[:lead]:
        raise ValueError(f"expand: a tensor of shape {x.shape} cannot be expanded to {sizes} (-1 keeps a size, and "
                         f"the {max(lead, 0)} new leading dimensions have none)")
    shape = tuple(n if n != -1 else x.shape[i - lead] for i, n in enumerate(sizes))
    try:
        broadcastable = np.broadcast_shapes(x.shape, shape) == shape
    except ValueError:
        broadcastable = False
    if not broadcastable:
        raise ValueError(f"expand: a tensor of shape {x.shape} cannot be expanded to {sizes}")
    if shape == x.shape:
        return x
    return Expand.apply(x, shape=shape)


def repeat(x, *sizes):
    """x tiled sizes[i] times along dim i (more sizes than dims add leading dims), as numpy's tile: a size-1 axis
    put before each dim is expanded to the repeats and merged with it, so the gradient sums the copies (expand's)."""
    sizes = _shape_arg(sizes)
    if len(sizes) < x.ndim or not all(is_int(r) and r >= 0 for r in sizes):
        raise ValueError(f"repeat: expected an int >= 0 for each of the {x.ndim} dims of a tensor of shape {x.shape}, "
                         f"got {sizes}")
    shape = (1,) * (len(sizes) - x.ndim) + x.shape
    spaced = reshape(x, tuple(v for n in shape for v in (1, n)))
    tiled = expand(spaced, *(v for r, n in zip(sizes, shape) for v in (r, n)))
    return reshape(tiled, tuple(r * n for r, n in zip(sizes, shape)))


def tile(x, *dims):
    """PyTorch's tile: repeat, with fewer sizes than dims taken as the last dims' (the others once)."""
    dims = _shape_arg(dims)
    return repeat(x, *((1,) * (x.ndim - len(dims)) + dims))


def narrow(x, dim, start, length):
    """x[…, start:start + length, …] along dim, a view (its gradient goes to its part of x); a negative start
    counts from the end, as in PyTorch."""
    axis = dim_index("narrow", dim, x.ndim)
    size = x.shape[axis] if x.ndim else 1
    if not (is_int(start) and is_int(length) and -size <= start <= size and length >= 0):
        raise ValueError(f"narrow: start must be an int in {-size}..{size} and length an int >= 0, got start={start!r}"
                         f", length={length!r} (dimension {axis} of size {size}, tensor of shape {x.shape})")
    start = int(start) % size if start < 0 else int(start)
    if start + length > size:
        raise ValueError(f"narrow: start {start} + length {length} exceeds the size {size} of dimension {axis} "
                         f"(tensor of shape {x.shape})")
    return x[(slice(None),) * axis + (slice(start, start + int(length)),)]


def movedim(x, source, destination):
    """x with its dims `source` (an int or a sequence) moved to the places `destination`, the others keeping their
    order: a permute."""
    source, destination = (tuple(d) if isinstance(d, (tuple, list)) else (d,) for d in (source, destination))
    if len(source) != len(destination):
        raise ValueError(f"movedim: source {source} and destination {destination} name different numbers of dims")
    moved = [dim_index("movedim", d, x.ndim) for d in source]
    places = [dim_index("movedim", d, x.ndim) for d in destination]
    if len(set(moved)) < len(moved) or len(set(places)) < len(places):
        raise ValueError(f"movedim: source {source} or destination {destination} names a dim more than once (tensor "
                         f"of shape {x.shape})")
    order = [None] * x.ndim
    for d, place in zip(moved, places):
        order[place] = d
    rest = iter(d for d in range(x.ndim) if d not in moved)
    return permute(x, *(next(rest) if d is None else d for d in order)) if x.ndim else x


def unflatten(x, dim, sizes):
    """dim of x split into dims of `sizes` (one of them may be -1), as PyTorch's unflatten: a reshape."""
    axis = dim_index("unflatten", dim, x.ndim)
    sizes = _shape_arg((sizes,))
    known = math.prod(n for n in sizes if n != -1)
    if not sizes or sizes.count(-1) > 1 or not all(is_int(n) and n >= -1 for n in sizes) or (
            x.shape[axis] != known if -1 not in sizes else known == 0 or x.shape[axis] % known):
        raise ValueError(f"unflatten: sizes {sizes} do not split dimension {axis} of size {x.shape[axis]} (tensor of "
                         f"shape {x.shape})")
    return reshape(x, x.shape[:axis] + sizes + x.shape[axis + 1:])


def roll(x, shifts, dims=None):
    """x's elements moved `shifts` places along `dims` (ints or sequences of them), those pushed off one end coming
    back at the other; without dims over x flattened, its shape kept, as PyTorch's. Two slices joined (cat) per dim,
    so the gradient is g rolled back."""
    if dims is None:
        if not is_int(shifts):
            raise ValueError(f"roll: without dims, shifts must be one int, got {shifts!r}")
        return reshape(roll(reshape(x, -1), shifts, 0), x.shape)
    shifts, dims = (tuple(v) if isinstance(v, (tuple, list)) else (v,) for v in (shifts, dims))
    if len(shifts) != len(dims) or not all(map(is_int, shifts)):
        raise ValueError(f"roll: shifts {shifts} must be ints, one for each of dims {dims}")
    for shift, dim in zip(shifts, dims):
        axis = dim_index("roll", dim, x.ndim)
        n = x.shape[axis] if x.ndim else 1
        cut = n - int(shift) % n if n else 0
        if 0 < cut < n:
            head = (slice(None),) * axis
            x = cat([x[head + (slice(cut, None),)], x[head + (slice(0, cut),)]], axis)
    return x


def split(x, split_size_or_sections, dim=0):
    """Slices of x along dim (views: each one's gradient goes to its part of x): of split_size each, the last one
    what is left, or of the listed sizes, which must add up to the dim's size."""
    axis = dim_index("split", dim, x.ndim)
    length = x.shape[axis]
    if is_int(split_size_or_sections):
        size = int(split_size_or_sections)
        if size < 1:
            raise ValueError(f"split: split_size must be an int >= 1, got {size}")
        sizes = [min(size, length - start) for start in range(0, length, size)] or [0]
    else:
        sizes = list(split_size_or_sections)
        if not all(is_int(n) and n >= 0 for n in sizes) or sum(sizes) != length:
            raise ValueError(f"split: sizes {sizes} do not add up to {length}, the size of dim {axis} of a tensor of "
                             f"shape {x.shape}")
    starts = np.cumsum([0] + sizes[:-1])
    return tuple(x[(slice(None),) * axis + (slice(int(start), int(start) + n),)] for start, n in zip(starts, sizes))


def chunk(x, chunks, dim=0):
    """x split along dim into `chunks` slices of ⌈n / chunks⌉ (fewer slices where that leaves none), as PyTorch; an
    empty dim into `chunks` empty slices, as PyTorch's."""
    if not (is_int(chunks) and chunks >= 1):
        raise ValueError(f"chunk: chunks must be an int >= 1, got {chunks!r}")
    length = x.shape[dim_index("chunk", dim, x.ndim)]
    return split(x, -(-length // chunks) if length else [0] * chunks, dim)


def sum_to(x, shape):
    shape = tuple(shape)
    if x.shape == shape:
        return x
    return SumTo.apply(x, shape=shape)


def _index_arrays(index, backend, op="getitem"):
    """Tensors inside an index become raw arrays; tuples keep basic slices as they are; a list is copied to the
    device (which a CUDA graph cannot record: the backend says so)."""
    if _is_int_index(index):  # an int, as PyTorch reads a 0-d integer tensor or array: the part picked is a view
        return int(index.item()) if hasattr(index, "item") else index
    if isinstance(index, Tensor):
        if index.backend is backend:  # a copy: the gradient goes where the op picked, however the index changes later
            return index.array.copy()
        if index.device != "cpu":  # a device index cannot address host memory; a host one is copied over
            raise RuntimeError(f"{op}: an index on {index.device} for a tensor on {backend.name}; indices must "
                               f"be on the tensor's device or on the cpu")
        return backend.from_host(index.array)
    if isinstance(index, tuple):
        return tuple(_index_arrays(i, backend, op) for i in index)
    if isinstance(index, list):
        return backend.from_host(np.asarray(index, dtype=None if index else int64))  # [] picks nothing, as in torch
    return index


def _is_int_index(part):
    return is_int(part) or (getattr(part, "ndim", None) == 0 and part.dtype.kind in "iu")


def picks_by_arrays(index):
    """Does `index` pick by arrays (integer or boolean tensors, arrays or lists), so that x[index] is a copy?"""
    return any(isinstance(part, list) or getattr(part, "ndim", 0) > 0
               for part in (index if isinstance(index, tuple) else (index,)))


def _dims_picked(part):
    """How many dimensions of the tensor one part of an index (not ...) picks from: a mask its own, None none."""
    if part is None:
        return 0
    if isinstance(part, list):
        part = np.asarray(part)
    return part.ndim if getattr(part, "dtype", None) == bool else 1


def split_ints(index):
    """`index` as (ints, rest) where it holds both ints and arrays, to be taken in turn, x[index] = x[ints][rest]:
    the ints with every other dimension whole, then the rest. PyTorch reads an int so, as the dimension it
    selects, where numpy broadcasts it with the arrays: of x of shape (2, 3, 4), x[0, :, [0, 1]] is of shape
    (3, 2) in PyTorch and (2, 3) in numpy. (None, index) where it has no ints or no arrays."""
    parts = index if isinstance(index, tuple) else (index,)
    if not (picks_by_arrays(parts) and any(map(_is_int_index, parts))):
        return None, index
    ints = tuple(part if _is_int_index(part) or part is Ellipsis else slice(None)
                 for part in parts if part is not None for _ in range(1 if part is Ellipsis else _dims_picked(part)))
    return ints, tuple(part for part in parts if not _is_int_index(part))


def getitem(x, index):
    ints, index = split_ints(index)
    if ints is not None:
        x = getitem(x, ints)
    index = _index_arrays(index, x.backend)
    _require_in_range("getitem", x, index)
    parts = index if isinstance(index, tuple) else (index,)
    if len(parts) == x.ndim and all(map(is_int, parts)):  # numpy gives one element as a number; with ... it gives
        index = parts + (Ellipsis,)                        # a 0-d view, as torch does
    return _pick("getitem", x, index)


def index_put(input, indices, values, accumulate=False):
    """PyTorch's index_put: a copy of input with `values` written at input[indices], where `indices` is a tuple of
    integer or boolean tensors for input's first dimensions (a mask picks its nonzero positions, for as many
    dimensions as it has), broadcast together, a negative index counting from the end; `values`, of input's dtype,
    is broadcast to the shape they pick. accumulate=True adds them instead, every repeat of a position adding.
    Gradients: IndexPut's, dinput = g with zeros where written, dvalues = g at indices summed over the broadcast;
    with accumulate ScatterReduce's sum, dinput = g whole."""
    if not isinstance(indices, (tuple, list)) or not all(isinstance(i, Tensor) and i.dtype.kind in "iub"
                                                         for i in indices):
        what = [f"{i.dtype} tensor" if isinstance(i, Tensor) else type(i).__name__ for i in indices] \
            if isinstance(indices, (tuple, list)) else type(indices).__name__
        raise TypeError(f"index_put: indices must be a tuple of integer or boolean tensors, got {what}")
    if not isinstance(values, Tensor) or values.dtype != input.dtype:
        what = f"{values.dtype} of shape {values.shape}" if isinstance(values, Tensor) else type(values).__name__
        raise TypeError(f"index_put: values must be a Tensor of the dtype of the tensor ({input.dtype}, shape "
                        f"{input.shape}), got {what}")
    return put("index_put", input, tuple(indices), values, "sum" if accumulate else None)


def put(op, x, index, values, reduce=None):
    """x with `values` (a tensor of x's dtype) broadcast into the part that x[index] picks, index as getitem takes
    it: written there (IndexPut, whose gradients it has), or with `reduce` ("sum", "prod", "amax" or "amin")
    reduced in, every repeat of a position too (ScatterReduce). Errors name `op`. A value with more dimensions than
    the part is taken without its extra leading dimensions of size 1, as numpy's and PyTorch's setitem take it."""
    index = _index_arrays(index, x.backend, op)
    _require_in_range(op, x, index)
    try:
        part = x.array[index].shape
    except IndexError as err:
        raise IndexError(f"{op}: {err} (tensor of shape {x.shape})") from None
    try:
        placed = expand(drop_leading_ones(values, len(part)), *part)
    except ValueError:
        raise ValueError(f"{op}: a value of shape {values.shape} cannot be broadcast to the shape {part} that the "
                         f"index picks of a tensor of shape {x.shape}") from None
    if reduce is None:
        return IndexPut.apply(x, placed, index=index)
    return ScatterReduce.apply(x, placed, index=index, reduce=reduce)


def drop_leading_ones(value, ndim):
    """value without its leading dimensions of size 1 beyond `ndim`, as numpy's and PyTorch's setitem drop them."""
    extra = value.ndim - ndim
    if extra > 0 and all(n == 1 for n in value.shape[:extra]):
        return value.reshape(value.shape[extra:])
    return value


def _require_in_range(op, x, index):
    """An IndexError naming op unless each integer array of `index` (raw arrays) lies in -n..n-1 for the dimension
    of size n it picks from. numpy would raise on its own; CuPy wraps such an index round, so the check runs on the
    device, read at the next host read (backend.require)."""
    parts = index if isinstance(index, tuple) else (index,)
    axis = 0
    for i, part in enumerate(parts):
        if part is Ellipsis:
            axis = x.ndim - sum(map(_dims_picked, parts[i + 1:]))
            continue
        if getattr(part, "ndim", 0) > 0 and part.dtype.kind in "iu" and axis < x.ndim:
            n = x.shape[axis]
            x.backend.require((part >= -n) & (part < n), IndexError,
                              f"{op}: indices (shape {part.shape}) into dimension {axis} of size {n} must lie in "
                              f"{-n}..{n - 1} (tensor of shape {x.shape})")
        axis += _dims_picked(part)


def _pick(op, x, index):
    """GetItem of x at `index` (of raw arrays), an IndexError that names op where an index is out of range."""
    try:
        return GetItem.apply(x, index=index)
    except IndexError as err:
        raise IndexError(f"{op}: {err} (tensor of shape {x.shape})") from None


def _require_integer_index(op, index):
    if not isinstance(index, Tensor) or index.dtype.kind not in "iu":
        what = f"{index.dtype} of shape {index.shape}" if isinstance(index, Tensor) else type(index).__name__
        raise TypeError(f"{op}: expected an integer index Tensor, got {what}")


def _picks_along(op, x, dim, index):
    """The integer arrays that pick x[i_0, …, index[i_0, …, i_{n-1}], …, i_{n-1}] for every position i of `index`
    (the index at dim, each other coordinate its own: an arange along its axis, broadcast), which gather reads and
    scatter writes. The index is checked as PyTorch checks it, errors naming op: an integer tensor of x's
    dimensions, none larger than x's but dim."""
    axis = dim_index(op, dim, x.ndim)
    _require_integer_index(op, index)
    if index.ndim != x.ndim or any(n > x.shape[d] for d, n in enumerate(index.shape) if d != axis):
        raise ValueError(f"{op}: an index of shape {index.shape} for a tensor of shape {x.shape} must have its "
                         f"{x.ndim} dimensions, none larger than the tensor's but dimension {axis}")
    xp = x.backend.xp
    return tuple(_index_arrays(index, x.backend, op) if d == axis else
                 xp.arange(n).reshape((1,) * d + (n,) + (1,) * (x.ndim - d - 1)) for d, n in enumerate(index.shape))


def gather(x, dim, index):
    """y[i_0, …, i_{n-1}] = x[i_0, …, index[i_0, …, i_{n-1}], …, i_{n-1}] (the index at dim, each other coordinate
    its own), of index's shape, as PyTorch's gather: one pick of x by integer arrays (GetItem), so
    dx = g scatter-added where it was picked from (a repeated pick accumulating), and its gradient picks again.
    A negative index counts from the end, as numpy's does (PyTorch refuses it). A 0-d x is gathered from as the 1-D
    tensor of its one value, by a 0-d or 1-D index, as PyTorch's."""
    if x.ndim == 0 and isinstance(index, Tensor) and index.ndim <= 1:
        dim_index("gather", dim, 0)
        return reshape(gather(reshape(x, 1), 0, reshape(index, -1)), index.shape)
    picks = _picks_along("gather", x, dim, index)
    axis = dim_index("gather", dim, x.ndim)
    _require_in_range("gather", x, (slice(None),) * axis + (picks[axis],))  # the other picks are aranges
    return _pick("gather", x, picks)


_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")  # scatter_reduce's
_SCATTER_REDUCTIONS = {"add": "sum", "multiply": "prod"}  # scatter's reduce= (PyTorch's older API), by those names


def scatter(x, dim, index, src=None, value=None, *, reduce=None):
    """PyTorch's scatter, gather's inverse: out = x except, along dim, out[…, index[i], …] = src[i] for every
    position i of index (the index at dim, each other coordinate i's own), or = value, a number cast to x's dtype;
    torch's scatter(x, dim, index, 1.0) passes the number in src's place, which is taken as value. src, of x's
    dtype and dimensions, may be larger than index: only its part src[:index.shape[0], …] is written. Gradients
    (IndexPut's, src's part picked by a slice): dx = g with zeros at the written positions,
    dsrc[i] = g[…, index[i], …] for i inside index's shape, 0 for src's part outside it. Where index names one
    position twice the result is unspecified, as PyTorch's: here the last write in numpy's order wins (on CUDA,
    any one). A negative index counts from the end, as gather's (PyTorch refuses it).
    reduce="add" or "multiply" (PyTorch's older API) adds or multiplies each value into its position instead,
    every repeat of a position too: scatter_reduce's "sum" or "prod" with include_self, and its gradients
    (PyTorch gives none)."""
    if (src is None) == (value is None):
        raise TypeError(f"scatter: expected src (a Tensor) or value (a number), got "
                        f"{'neither' if src is None else 'both'}")
    if reduce is not None and reduce not in _SCATTER_REDUCTIONS:
        raise ValueError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}")
    reduction = _SCATTER_REDUCTIONS.get(reduce)
    if isinstance(src, Tensor):
        return put("scatter", x, *_source("scatter", x, dim, index, src), reduction)
    number = value if src is None else src
    if not (is_number(number) or isinstance(number, (bool, np.bool_))):
        raise TypeError(f"scatter: value must be a number, got {type(number).__name__}")
    return put("scatter", x, _picks_along("scatter", x, dim, index), x._number_as_tensor("scatter", number),
               reduction)


def scatter_add(x, dim, index, src):
    """PyTorch's scatter_add: out = x except, along dim, out[…, index[i], …] += src[i] for every position i of index,
    each repeat of a position adding (a scatter-add); src as scatter takes it. Gradients: dx = g,
    dsrc[i] = g[…, index[i], …] for i inside index's shape, 0 for src's part outside it."""
    return put("scatter_add", x, *_source("scatter_add", x, dim, index, src), "sum")


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """PyTorch's scatter_reduce: out = input except that, along dim, src[i] is reduced into out[…, index[i], …] for
    every position i of index (the index at dim, each other coordinate i's own), every repeat of a position too;
    src as scatter takes it. reduce is "sum", "prod", "amax" or "amin" (ScatterReduce), or "mean": the sum over
    the count n_p of values summed at each position p (1 where index names none), rounded down for integers as
    PyTorch's. include_self=False leaves input's own value out where index names: it is replaced by the
    reduction's identity first (0, 1, the dtype's lowest or highest value), so that only src's values count there.
    Gradients: ScatterReduce's (the sum's, the ties shared, the products of the others), and for the mean,
    dinput = g / n,  dsrc = (g / n)[index]; with include_self=False, dinput = 0 where index names. A maximum or
    minimum that ties with input's left-out value shares nothing with it (PyTorch counts it among the ties)."""
    op = "scatter_reduce"
    if reduce not in _REDUCTIONS:
        raise ValueError(f"{op}: reduce must be one of {', '.join(map(repr, _REDUCTIONS))}, got {reduce!r}")
    picks, part = _source(op, input, dim, index, src)
    if reduce != "mean":
        return _reduce_into(op, input, picks, part, reduce, include_self)
    if input.dtype == bool:
        raise TypeError(f"{op}: the mean is not defined for bool tensors, got bool of shape {input.shape}")
    total = _reduce_into(op, input, picks, part, "sum", include_self)
    count = _reduce_into(op, ones_like(input), picks, ones_like(part), "sum", include_self)
    if input.is_floating_point():
        return total / count
    return Tensor(input.backend.xp.floor_divide(total.array, count.array))  # integers carry no gradient


def _reduce_into(op, x, picks, part, reduce, include_self):
    """x with part reduced into the positions picks names (put, ScatterReduce); without include_self, x's own
    values there are replaced by the reduction's identity first, so that only part's count."""
    if not include_self:
        x = put(op, x, picks, x._number_as_tensor(op, _identity(reduce, x.dtype)))
    return put(op, x, picks, part, reduce)


def _identity(reduce, dtype):
    """The e of dtype with e ⊕ a = a for every a: 0 for a sum, 1 for a product, and the lowest value for a maximum,
    the highest for a minimum (±inf for floats, False and True for bools)."""
    if reduce in ("sum", "prod"):
        return int(reduce == "prod")
    if dtype.kind == "f":
        lowest, highest = -math.inf, math.inf
    elif dtype.kind == "b":
        lowest, highest = False, True
    else:
        lowest, highest = np.iinfo(dtype).min, np.iinfo(dtype).max
    return lowest if reduce == "amax" else highest


def _source(op, x, dim, index, src):
    """(picks, part): the positions _picks_along names for index, and src's part of index's shape, which goes
    there; src checked as PyTorch checks it, a Tensor of x's dtype with index's dimensions, none smaller."""
    picks = _picks_along(op, x, dim, index)
    if not isinstance(src, Tensor) or src.dtype != x.dtype:
        what = f"{src.dtype} of shape {src.shape}" if isinstance(src, Tensor) else type(src).__name__
        raise TypeError(f"{op}: src must be a Tensor of the dtype of the tensor ({x.dtype}, shape {x.shape}), got "
                        f"{what}")
    if src.ndim != index.ndim or any(n > m for n, m in zip(index.shape, src.shape)):
        raise ValueError(f"{op}: a source of shape {src.shape} must have the {index.ndim} dimensions of the index, of "
                         f"shape {index.shape}, none smaller (tensor of shape {x.shape})")
    return picks, src if src.shape == index.shape else getitem(src, tuple(slice(0, n) for n in index.shape))


def index_select(x, dim, index):
    """x with the entries of dim at `index` (0-D or 1-D, repeats allowed), in its order: y.shape[dim] = len(index);
    x[:, …, index] picked by an integer array (GetItem), so dx = g scatter-added back, a repeated entry's
    accumulating. Of a 0-d x, the index names its one value once, and y is 0-d, as in PyTorch."""
    axis = dim_index("index_select", dim, x.ndim)
    _require_integer_index("index_select", index)
    if x.ndim == 0:
        if index.numel() != 1:
            raise ValueError(f"index_select: the index into a 0-d tensor must hold one value, got shape {index.shape}")
        return reshape(index_select(reshape(x, 1), 0, index), ())
    if index.ndim > 1:
        raise ValueError(f"index_select: expected a 0-D or 1-D index, got shape {index.shape} (tensor of shape "
                         f"{x.shape})")
    picks = (slice(None),) * axis + (_index_arrays(reshape(index, -1), x.backend),)
    _require_in_range("index_select", x, picks)
    return _pick("index_select", x, picks)


def flip(x, *dims):
    """x reversed along dims (given as flip(x, 0, 1) or flip(x, (0, 1))), a copy as PyTorch's: a reversed view
    (GetItem of negative steps) cloned, so dx = g reversed back."""
    dims = _shape_arg(dims)
    axes = {dim_index("flip", d, x.ndim) for d in dims}
    if len(axes) < len(dims):
        raise ValueError(f"flip: dims {dims} name a dimension more than once (tensor of shape {x.shape})")
    return clone(GetItem.apply(x, index=tuple(slice(None, None, -1 if d in axes else 1) for d in range(x.ndim))))


def meshgrid(*tensors, indexing="ij"):
    """Grids of k 0-D or 1-D tensors (given as meshgrid(a, b) or meshgrid([a, b])), each of shape
    (len(t_0), …, len(t_{k-1})) with out_i[j_0, …, j_{k-1}] = t_i[j_i] (indexing "ij", PyTorch's default), or with
    the first two axes swapped ("xy", numpy's: t_0 runs along the columns). Each is t_i reshaped and expanded, a
    view as PyTorch's, so dt_i = g summed over the other axes."""
    tensors = _shape_arg(tensors)
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    if not tensors or any(not isinstance(t, Tensor) or t.ndim > 1 for t in tensors):
        raise ValueError(f"meshgrid: expected one or more 0-D or 1-D tensors, got "
                         f"{[t.shape if isinstance(t, Tensor) else type(t).__name__ for t in tensors]}")
    axes = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(tensors)
    for t, axis in zip(tensors, axes):
        shape[axis] = t.numel()
    return tuple(expand(reshape(t, tuple(n if d == axis else 1 for d, n in enumerate(shape))), *shape)
                 for t, axis in zip(tensors, axes))


def cat(tensors, dim=0):
    """The tensors joined along dim, in the dtype PyTorch promotes them to (integers or bools joined with floats take
    the floats' type, where numpy's concatenate makes int64 and float32 float64). A 1-D empty tensor among tensors
    of other shapes counts for the dtype alone, as PyTorch's legacy rule takes it (`cat([tensor([]), x])` is x; the
    empty one gets no gradient, PyTorch's an empty one)."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat: expected a non-empty list of tensors")
    floats = [t.dtype for t in tensors if t.is_floating_point()]
    dtype = np.result_type(*(floats or [t.dtype for t in tensors]))
    joined = [t for t in tensors if t.shape != (0,)] or tensors
    ndim = joined[0].ndim
    if ndim == 0:
        raise ValueError("cat: 0-d tensors cannot be concatenated; stack them, or unsqueeze them first")
    dim = dim_index("cat", dim, ndim)
    for t in joined:
        if t.ndim != ndim or any(a != b for i, (a, b) in enumerate(zip(t.shape, joined[0].shape)) if i != dim):
            raise ValueError(f"cat: shapes {[t.shape for t in tensors]} differ outside dimension {dim}")
    from .elementwise import cast  # elementwise imports this module
    return Cat.apply(*(cast(t, dtype) for t in joined), dim=dim)


def stack(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: expected a non-empty list of tensors")
    if len({t.shape for t in tensors}) > 1:
        raise ValueError(f"stack: expected tensors of one shape, got {[t.shape for t in tensors]}")
    dim = dim_index("stack", dim, tensors[0].ndim, inserting=True)
    return cat([unsqueeze(t, dim) for t in tensors], dim)


def clone(x):
    return Clone.apply(x)


def to_device(x, device):
    return ToDevice.apply(x, device=device)
