"""Scans: running sums along a dimension."""
from ..autograd.function import Function
from ..tensor import Tensor, int64
from .shape import dim_index, flip


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
