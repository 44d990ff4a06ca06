"""linear, for x of shape (..., in), w of shape (out, in), b of shape (out,):
    y = x @ wᵀ + b;   dx = g @ w,   dw = Σ_rows gᵀ @ x,   db = Σ_rows g   (MatMul's gradients; x @ wᵀ + b is one
    MatMul that reads w transposed, like BLAS, and adds the bias to its output: ops/bias.py).
Leading dims of x are flattened into one batch of rows so that it is a single BLAS product.

bilinear, for x1 (..., in1), x2 (..., in2), w (out, in1, in2), b (out,): y[..., o] = Σ_ij x1_i·w[o, i, j]·x2_j + b[o],
one linear of x2 by w as an (out·in1, in2) matrix, then a product with x1 summed over in1.
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


def bilinear(input1, input2, weight, bias=None):
    """y[..., o] = x1ᵀ W[o] x2 + b[o] (module docstring); its derivatives are those of linear, a product and a sum:
    dx1 = Σ_o g_o·W[o] x2,  dx2 = Σ_o g_o·W[o]ᵀ x1,  dW[o] = Σ_rows g_o·x1 x2ᵀ,  db = Σ_rows g."""
    require_floating("bilinear", input1, input2, weight, *([bias] if bias is not None else []))
    if weight.ndim != 3 or input1.ndim < 1 or input1.shape[:-1] != input2.shape[:-1] or (
            (input1.shape[-1], input2.shape[-1]) != weight.shape[1:]):
        raise ValueError(f"bilinear: inputs of shapes {input1.shape} and {input2.shape} and weight of shape "
                         f"{weight.shape} do not match; expected (..., in1), (..., in2) and (out, in1, in2)")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"bilinear: bias of shape {bias.shape} does not match weight of shape {weight.shape}; "
                         f"expected ({weight.shape[0]},)")
    out_features, in1, in2 = weight.shape
    w_x2 = linear(input2, weight.reshape(out_features * in1, in2))  # (..., out·in1)
    y = (w_x2.reshape(input1.shape[:-1] + (out_features, in1)) * input1.unsqueeze(-2)).sum(-1)
    return y if bias is None else y + bias
