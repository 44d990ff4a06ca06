"""Matrix products (BLAS, through the backend's matmul).

y = a @ b with numpy's rules: 1-D operands are promoted to a row/column and the added axis is
removed afterwards; leading (batch) axes broadcast.
da = g @ bᵀ,  db = aᵀ @ g   (ᵀ swaps the last two axes), each summed back to its input's shape.

Like BLAS's gemm, the MatMul Function reads either operand transposed (ta, tb): y = op(a) @ op(b) with
op(m) = mᵀ when asked, and takes linear's bias as an optional third input (added to every row; ops/bias.py).
Then the gradients are MatMuls of the inputs themselves, with other flags, and no transposed view is ever a
node of the graph (linear's y = x @ wᵀ is MatMul(x, w, tb=True)):

    ta tb    da                  db
    -  -     g @ bᵀ              aᵀ @ g
    -  T     g @ b               gᵀ @ a
    T  -     b @ gᵀ              a @ g
    T  T     bᵀ @ gᵀ             gᵀ @ aᵀ
"""
from ..autograd.function import Function
from ..backend import add_channel_bias_
from ..tensor import Tensor
from .bias import bias_grad
from .shape import sum_to


def _op(m, transposed):
    return m.swapaxes(-1, -2) if transposed else m


class MatMul(Function):
    """y = op(a) @ op(b) (+ bias[j] on every row i of a 2-D y) for a, b of at least 2 dims, op(m) = mᵀ where
    ta / tb ask for it; da = g @ op(b)ᵀ (transposed back when ta),  db = op(a)ᵀ @ g (transposed back when tb): see
    the table above;  dbias = Σ_i g[i, :]."""

    @staticmethod
    def forward(ctx, a, b, bias=None, *, ta, tb):
        return add_channel_bias_(ctx.backend.matmul(_op(a, ta), _op(b, tb)), bias)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.inputs[:2]
        ta, tb = ctx.ta, ctx.tb
        da = db = None
        if ctx.needs_input_grad[0]:
            da = MatMul.apply(b, g, ta=tb, tb=True) if ta else MatMul.apply(g, b, ta=False, tb=not tb)
            da = sum_to(da, a.shape)
        if ctx.needs_input_grad[1]:
            db = MatMul.apply(g, a, ta=True, tb=ta) if tb else MatMul.apply(a, g, ta=not ta, tb=False)
            db = sum_to(db, b.shape)
        return da, db, bias_grad(ctx, g, 2)


def matmul(a, b):
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError("matmul: both operands must be Tensors")
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: operands must have at least 1 dimension, got {a.shape} and {b.shape}")
    if a.dtype != b.dtype:  # as in PyTorch: a product does not promote (numpy's would run in float64 silently)
        raise TypeError(f"matmul: operands must share one dtype, got {a.dtype} {a.shape} and {b.dtype} {b.shape}")
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
    y = MatMul.apply(a2, b2, ta=False, tb=False)
    if b.ndim == 1:
        y = y.squeeze(-1)
    if a.ndim == 1:
        y = y.squeeze(-2 if b.ndim > 1 else -1) if y.ndim else y
    return y


def mm(a, b):
    """matmul of two matrices, (n, m) @ (m, p), checked to be that: PyTorch's mm takes no vectors and no batches."""
    return _checked_product("mm", a, b, 2, "matrices (n, m) and (m, p)")


def bmm(a, b):
    """matmul of two batches of matrices, (b, n, m) @ (b, m, p) -> (b, n, p), checked to be that: PyTorch's bmm
    broadcasts nothing (matmul would broadcast the batch)."""
    return _checked_product("bmm", a, b, 3, "batches of matrices (b, n, m) and (b, m, p)")


def _checked_product(op, a, b, ndim, expected):
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"{op}: both operands must be Tensors, got {type(a).__name__} and {type(b).__name__}")
    if a.ndim != ndim or b.ndim != ndim or a.shape[:-2] != b.shape[:-2] or a.shape[-1] != b.shape[-2]:
        raise ValueError(f"{op}: expected {expected}, got shapes {a.shape} and {b.shape}")
    return matmul(a, b)
