"""The affine part of a layer: the bias add that linear and the convolutions share, and linear itself.

BiasAdd, for x of shape (N, C, ...) and b of shape (C,):
    y[n, c, ...] = x[n, c, ...] + b[c];   dx = g,   db[c] = Σ_{n, ...} g[n, c, ...].
One Function instead of reshape + broadcast add (and their two backward nodes): a training step applies
it after every layer, and each node of the graph is host time on a GPU.

linear, for x of shape (..., in), w of shape (out, in), b of shape (out,):
    y = x @ wᵀ + b;   dx = g @ w,   dw = Σ_rows gᵀ @ x,   db = Σ_rows g   (from matmul's and BiasAdd's gradients;
    x @ wᵀ is one MatMul that reads w transposed, like BLAS).
Leading dims of x are flattened into one batch of rows so that it is a single BLAS product.
"""
from ..autograd.function import Function
from .activation import require_floating
from .matmul import MatMul


class BiasAdd(Function):
    """y = x + b along axis 1;  dx = g,  db = g summed over every axis but 1."""

    @staticmethod
    def forward(ctx, x, b):
        return x + b.reshape((1, -1) + (1,) * (x.ndim - 2))

    @staticmethod
    def backward(ctx, g):
        db = g.sum(dim=(0, *range(2, g.ndim))) if ctx.needs_input_grad[1] else None
        return g, db


def bias_add(x, b):
    """x + b[c] along the channel axis 1 of x (N, C, ...); b None adds nothing."""
    if b is None:
        return x
    if x.ndim < 2 or b.shape != (x.shape[1],):
        raise ValueError(f"bias_add: bias of shape {b.shape} does not match input of shape {x.shape}; "
                         f"expected ({x.shape[1] if x.ndim >= 2 else '?'},) along axis 1")
    if b.dtype != x.dtype:
        raise TypeError(f"bias_add: input ({x.dtype}) and bias ({b.dtype}) must share one dtype")
    return BiasAdd.apply(x, b)


def linear(input, weight, bias=None):
    require_floating("linear", input, weight, *([bias] if bias is not None else []))
    if weight.ndim != 2 or input.ndim < 1 or input.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input of shape {input.shape} and weight of shape {weight.shape} do not "
                         f"match; expected weight (out_features, {input.shape[-1] if input.ndim else '?'})")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"linear: bias of shape {bias.shape} does not match weight of shape {weight.shape}; "
                         f"expected ({weight.shape[0]},)")
    rows = input if input.ndim == 2 else input.reshape(-1, input.shape[-1])
    out = bias_add(MatMul.apply(rows, weight, ta=False, tb=True), bias)
    return out if input.ndim == 2 else out.reshape(input.shape[:-1] + (weight.shape[0],))
