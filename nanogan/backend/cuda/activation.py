"""Leaky ReLU and erf on the GPU, names of backend/cpu/activation.py (read its docstring for the math): float32
runs csrc's leaky_relu_fwd (leaky_relu.cu) and leaky_relu_bwd (activation.cu), one kernel each, where the array
code would launch three; ReLU's forward (slope 0) stays CuPy's maximum, for its NaN and -inf rule; other dtypes
run the CPU backend's array code on CuPy arrays. erf is CuPy's (cupyx.scipy.special), one elementwise kernel.
"""
from ... import _kernels, _kernels_ops
from ..cpu import activation as arrays
from ._dispatch import float32_kernel, kernel_library


@float32_kernel(arrays.leaky_relu_arrays)
def leaky_relu(x, negative_slope):
    """y = x if x > 0 else slope·x."""
    if negative_slope == 0:
        return arrays.leaky_relu_arrays(x, negative_slope)
    return _kernels.leaky_relu(kernel_library(), x, negative_slope)


@float32_kernel(arrays.leaky_relu_backward_arrays)
def leaky_relu_backward(x, g, negative_slope):
    """dx = g·(1 if x > 0 else slope)."""
    return _kernels_ops.activation_backward(kernel_library(), "leaky_relu", x, g, negative_slope=negative_slope)


def erf(x):
    """y = (2/√π) ∫₀ˣ e^(-t²) dt."""
    import cupyx.scipy.special  # here, not above: the array code above is imported without CuPy too (tests)
    return cupyx.scipy.special.erf(x)
