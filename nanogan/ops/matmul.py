"""Matrix products (BLAS, through the backend's matmul).

y = a @ b with numpy's rules: 1-D operands are promoted to a row/column and the added axis is
removed afterwards; leading (batch) axes broadcast.
da = g @ bᵀ,  db = aᵀ @ g   (ᵀ swaps the last two axes), each summed back to its input's shape.
"""
from ..autograd.function import Function
from .shape import sum_to


class MatMul(Function):
    """y = a @ b for a, b of at least 2 dims;  da = g @ bᵀ,  db = aᵀ @ g."""

    @staticmethod
    def forward(ctx, a, b):
        return ctx.backend.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.inputs
        da = sum_to(g @ b.transpose(-1, -2), a.shape) if ctx.needs_input_grad[0] else None
        db = sum_to(a.transpose(-1, -2) @ g, b.shape) if ctx.needs_input_grad[1] else None
        return da, db


def matmul(a, b):
    from ..tensor import Tensor
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError("matmul: both operands must be Tensors")
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: operands must have at least 1 dimension, got {a.shape} and {b.shape}")
    a2 = a.unsqueeze(0) if a.ndim == 1 else a
    b2 = b.unsqueeze(-1) if b.ndim == 1 else b
    if a2.shape[-1] != b2.shape[-2]:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not align "
                         f"({a2.shape[-1]} != {b2.shape[-2]})")
    try:
        import numpy as np
        np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    except ValueError:
        raise ValueError(f"matmul: batch dimensions of {a.shape} and {b.shape} cannot be broadcast") from None
    y = MatMul.apply(a2, b2)
    if b.ndim == 1:
        y = y.squeeze(-1)
    if a.ndim == 1:
        y = y.squeeze(-2 if b.ndim > 1 else -1) if y.ndim else y
    return y
