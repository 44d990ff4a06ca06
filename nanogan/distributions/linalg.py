"""The two factorisations MultivariateNormal needs, composed of nanogan's differentiable ops (nanogan has no linalg
kernels): a loop over the d rows or columns, so fine for the event sizes of GAN and VAE code (d up to a few
hundred), and differentiable to any order through the ops. Both broadcast over leading (batch) dimensions.
"""
import math

from ..ops.elementwise import sqrt, where
from ..ops.shape import cat, stack
from ..tensor import zeros_like


def solve_lower_triangular(lower, b):
    """X with L X = B, for L (..., d, d) lower triangular and B (..., d, k) (torch.linalg.solve_triangular(L, B,
    upper=False)), by forward substitution: X_i = (B_i - L_{i,<i} X_{<i}) / L_ii, row after row. Gradients are those
    of the substitution's ops, equal to the closed forms dB = L^-T G, dL = -tril(dB X^T)."""
    rows = []
    for i in range(lower.shape[-1]):
        row = b[..., i:i + 1, :]
        if i:
            row = row - lower[..., i:i + 1, :i] @ cat(rows, -2)
        rows.append(row / lower[..., i:i + 1, i:i + 1])
    return cat(rows, -2)


def cholesky(a):
    """The lower-triangular L with L Lᵀ = A, for A (..., d, d) symmetric positive definite (torch.linalg.cholesky),
    column after column: c = A_{:,j} - Σ_{k<j} L_{:,k} L_{jk}, L_{:,j} = c / √c_j below the diagonal, 0 above.
    A is first made symmetric, (A + Aᵀ)/2 (the same matrix where it is one), so that its gradient is symmetric, as
    torch's is: the loop reads only the lower triangle. A pivot c_j <= 0 (A not positive definite) gives NaN in
    its column and those after it, which the positive-definite check reads."""
    a = (a + a.transpose(-2, -1)) / 2
    d = a.shape[-1]
    columns = []
    for j in range(d):
        column = a[..., :, j]
        if j:
            left = stack(columns, -1)                                 # L_{:, <j}, (..., d, j)
            column = column - (left * left[..., j:j + 1, :]).sum(-1)  # Σ_{k<j} L_ik L_jk
        pivot = column[..., j:j + 1]
        pivot = where(pivot > 0, pivot, math.nan)
        below = column[..., j:] / sqrt(pivot)
        columns.append(cat([zeros_like(column[..., :j]), below], -1))
    return stack(columns, -1)
