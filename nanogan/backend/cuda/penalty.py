"""The WGAN-GP penalty term on the GPU, the two names of backend/cpu/penalty.py (read its docstring for the
math): float32 runs csrc/kernels/grad_penalty.cu, grad_penalty_fwd (one block per sample: the sum of squares,
the norm and the penalty in one launch) and grad_penalty_bwd (one elementwise launch); other dtypes run the CPU
backend's array code on CuPy arrays.
"""
from ... import _kernels_ops
from ..cpu import penalty as arrays
from ._dispatch import float32_kernel, kernel_library


@float32_kernel(arrays.unit_norm_penalty)
def unit_norm_penalty(g):
    """(penalty, norm), both (N,): penalty[i] = (‖g[i]‖₂ - 1)²."""
    return _kernels_ops.grad_penalty(kernel_library(), g)


@float32_kernel(arrays.unit_norm_penalty_backward)
def unit_norm_penalty_backward(g, norm, gy):
    """dg[i] = gy[i]·2(norm[i] - 1)·g[i]/norm[i], 0 where norm[i] = 0."""
    return _kernels_ops.grad_penalty_backward(kernel_library(), g, norm, gy)
