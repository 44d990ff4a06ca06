"""linear, for x of shape (..., in), w of shape (out, in), b of shape (out,):
    y = x @ wᵀ + b;   dx = g @ w,   dw = Σ_rows gᵀ @ x,   db = Σ_rows g   (MatMul's gradients; x @ wᵀ + b is one
    MatMul that reads w transposed, like BLAS, and adds the bias to its output: ops/bias.py).
Leading dims of x are flattened into one batch of rows so that it is a single BLAS product.
"""
from .activation import require_floating
from .bias import with_bias
from .matmul import MatMul


def linear(input, weight, bias=None):
    require_floating("linear", input, weight, *([bias] if bias is not None else []))
    if weight.ndim != 2 or input.ndim < 1 or input.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input of shape {input.shape} and weight of shape {weight.shape} do not "
                         f"match; expected weight (out_features, {input.shape[-1] if input.ndim else '?'})")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"linear: bias of shape {bias.shape} does not match weight of shape {weight.shape}; "
                         f"expected ({weight.shape[0]},)")
    if weight.dtype != input.dtype:  # as in PyTorch: a product does not promote
        raise TypeError(f"linear: input ({input.dtype}) and weight ({weight.dtype}) must share one dtype")
    if bias is not None and bias.dtype != input.dtype:  # else added in place, a float64 bias cast to float32 silently
        raise TypeError(f"linear: input ({input.dtype}) and bias ({bias.dtype}) must share one dtype")
    rows = input if input.ndim == 2 else input.reshape(-1, input.shape[-1])
    out = MatMul.apply(*with_bias(rows, weight, bias=bias), ta=False, tb=True)
    return out if input.ndim == 2 else out.reshape(input.shape[:-1] + (weight.shape[0],))
