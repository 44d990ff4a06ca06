"""The affine map of a fully connected layer.

y = x @ wᵀ + b  for x of shape (..., in), w of shape (out, in), b of shape (out,);
dx = g @ w,  dw = Σ_rows gᵀ @ x,  db = Σ_rows g  (all from matmul's and add's own gradients).
Leading dims of x are flattened into one batch of rows so that it is a single BLAS product.
"""
from .activation import require_floating


def linear(input, weight, bias=None):
    require_floating("linear", input, weight, *([bias] if bias is not None else []))
    if weight.ndim != 2 or input.ndim < 1 or input.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input of shape {input.shape} and weight of shape {weight.shape} do not "
                         f"match; expected weight (out_features, {input.shape[-1] if input.ndim else '?'})")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"linear: bias of shape {bias.shape} does not match weight of shape {weight.shape}; "
                         f"expected ({weight.shape[0]},)")
    rows = input.reshape(-1, input.shape[-1])
    out = rows @ weight.t()
    if bias is not None:
        out = out + bias
    return out.reshape(input.shape[:-1] + (weight.shape[0],))
