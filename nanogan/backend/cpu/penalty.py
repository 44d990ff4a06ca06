"""The WGAN-GP penalty term of each sample as array code, for numpy or CuPy arrays (the CUDA backend runs these
for the dtypes its kernels do not take). g (N, ...) holds one sample's gradient per row, n = ‖g[i]‖₂ over all of
a row's elements:

    unit_norm_penalty(g)                     -> (penalty, n)      penalty[i] = (n[i] - 1)²
    unit_norm_penalty_backward(g, n, gy)     -> dg                dg[i] = gy[i]·2(n[i] - 1)·g[i]/n[i]

dg[i] = 0 where n[i] = 0: the norm has no derivative at the zero vector, and the subgradient 0 is PyTorch's.
"""
from .. import array_module


def _per_sample(v, ndim):
    """A (N,) vector shaped (N, 1, ..., 1) to broadcast over the rows of an ndim-dimensional g."""
    return v.reshape((-1,) + (1,) * (ndim - 1))


def unit_norm_penalty(g):
    xp = array_module(g)
    rows = g.reshape(g.shape[0], -1)
    norm = xp.sqrt((rows * rows).sum(axis=1))
    return (norm - 1) ** 2, norm


def unit_norm_penalty_backward(g, norm, gy):
    xp = array_module(g)
    flat = norm == 0
    scale = xp.where(flat, 0, gy * 2 * (norm - 1) / xp.where(flat, 1, norm))
    return g * _per_sample(scale.astype(g.dtype, copy=False), g.ndim)
