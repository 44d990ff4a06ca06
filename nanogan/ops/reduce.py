"""Reductions over dimensions: sum, mean, max/min, var/std, norm.

Notation: y = reduce(x) over the axes `dim`, g = dL/dy. The gradient is g put back in x's shape
(keepdim, then broadcast), times the reduction's local derivative.
"""
import builtins
import collections

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from .shape import dim_index

MaxResult = collections.namedtuple("MaxResult", ["values", "indices"])


def normalize_dims(op, dim, ndim):
    """`dim` (None, int or tuple; negatives allowed) as a sorted tuple of axes, checked."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    return tuple(sorted({dim_index(op, d, ndim) for d in dims}))


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
    Sum(grad). A sum's is a broadcast view (no copy). A mean's division writes the full array at once, the same
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
        return Sum.apply(grad, dims=ctx.dims, keepdim=ctx.keepdim, mean=ctx.mean)


class Amax(Function):
    """y = max_dims x;  dx = g * [x == y] / (number of ties), the gradient shared among equal maxima."""
    floating_only = False

    @staticmethod
    def forward(ctx, x, *, dims, keepdim):
        return x.max(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        x = ctx.inputs[0]
        is_max = x.data == ctx.output.data.reshape(_keepdim_shape(x.shape, ctx.dims))
        share = is_max / is_max.sum(axis=ctx.dims, keepdims=True)
        spread = Unreduce.apply(g, shape=x.shape, dims=ctx.dims, keepdim=ctx.keepdim, mean=False)
        return spread * Tensor(share.astype(x.dtype))


def sum(x, dim=None, keepdim=False):
    return Sum.apply(x, dims=normalize_dims("sum", dim, x.ndim), keepdim=keepdim, mean=False)


def mean(x, dim=None, keepdim=False):
    """y = Σ_dims x / n."""
    if not x.is_floating_point():
        raise TypeError(f"mean: expected a floating-point tensor, got {x.dtype} of shape {x.shape}")
    return Sum.apply(x, dims=normalize_dims("mean", dim, x.ndim), keepdim=keepdim, mean=True)


def amax(x, dim=None, keepdim=False):
    return Amax.apply(x, dims=normalize_dims("amax", dim, x.ndim), keepdim=keepdim)


def amin(x, dim=None, keepdim=False):
    """min x = -max(-x)."""
    return -amax(-x, dim, keepdim)


def argmax(x, dim=None, keepdim=False):
    xp = x.backend.xp
    if dim is None:
        return Tensor(xp.asarray(xp.argmax(x.data)))
    return Tensor(xp.argmax(x.data, axis=dim_index("argmax", dim, x.ndim), keepdims=keepdim))


def max(x, dim=None, keepdim=False):
    """x.max() is the largest element; x.max(dim) is (values, indices), as in PyTorch."""
    if dim is None:
        return amax(x)
    return MaxResult(amax(x, dim, keepdim), argmax(x, dim, keepdim))


def min(x, dim=None, keepdim=False):
    if dim is None:
        return amin(x)
    return MaxResult(amin(x, dim, keepdim), argmax(-x, dim, keepdim))


def var(x, dim=None, keepdim=False, unbiased=True):
    """var = Σ (x - mean)² / (n - 1) (unbiased) or / n."""
    dims = normalize_dims("var", dim, x.ndim)
    count = _count(x.shape, dims)
    centred = x - mean(x, dims, keepdim=True)
    return sum(centred * centred, dims, keepdim) / (count - 1 if unbiased else count)


def std(x, dim=None, keepdim=False, unbiased=True):
    return var(x, dim, keepdim, unbiased).sqrt()


def norm(x, dim=None, keepdim=False):
    """The Euclidean norm ‖x‖₂ = sqrt(Σ x²) over dims."""
    return sum(x * x, dim, keepdim).sqrt()
