"""Pointwise maps as one fused CuPy elementwise kernel each, for every dtype, where their array code (the CPU
backend's, read its docstrings for the math) would launch a chain of small kernels: on the GPU each launch is
host time, and the arrays are small. (Batch norm's per-channel maps are fused the same way in norm.py.)

    sigmoid(x) -> y = 1 / (1 + e⁻ˣ)      backend/cpu/activation.py's array code: seven launches
"""
import cupy

# e⁻ˣ overflows to inf below x ≈ -88 in float32 (-709 in float64), and 1/(1 + inf) = 0 is the right limit: no
# branch on the sign is needed, as it is on the CPU, where numpy would warn about the overflow.
_sigmoid = cupy.ElementwiseKernel("T x", "T y", "y = 1 / (1 + exp(-x))", "nanogan_sigmoid")


def sigmoid(x):
    """y = 1 / (1 + e⁻ˣ)."""
    return _sigmoid(x)
