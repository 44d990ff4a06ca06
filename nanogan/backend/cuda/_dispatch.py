"""Float32 arrays to nanogan's kernels, everything else to array code: written once, for every kernel.

nanogan's CUDA kernels (csrc/kernels) compute in float32 on C-contiguous arrays. A backend function is
written as a pair: the kernel version (float32, contiguous, non-empty arrays) and the array version (the
same math in array operations of any dtype, through the array module of its inputs: CuPy here, numpy in
the tests that check the math without a GPU). `float32_kernel(array_version)` joins them:

    def _conv2d_arrays(x, w, stride, padding, dilation, bias=None): ...       # any dtype

    @float32_kernel(_conv2d_arrays)
    def conv2d(x, w, stride, padding, dilation, bias=None): ...                # float32, contiguous

Float64 is what the gradchecks run in; they need the math, not the speed.
"""
import functools

import numpy as np

from ... import _kernels


def kernel_library():
    """nanogan's kernels (every csrc/kernels/*.cu) compiled by NVRTC through CuPy's RawModule, loaded once."""
    return _kernels.load("cupy")


_FLOAT32 = np.dtype(np.float32)  # compared against every array argument: built once


def _is_array(value):
    return hasattr(value, "dtype") and hasattr(value, "shape")


def float32_kernel(array_version, in_place=()):
    """Decorator: call the decorated kernel version when every array argument is a non-empty float32
    array (made C-contiguous on the way in), and `array_version` with the same arguments otherwise. The
    keyword arguments named in `in_place` are arrays the function updates in place: a copy would lose the
    update, so where one is not C-contiguous the array version runs."""
    def decorate(kernel_version):
        @functools.wraps(kernel_version)
        def dispatch(*args, **kwargs):
            contiguous = True  # every op's every call comes through here: one pass over the arguments
            for a in (*args, *kwargs.values()) if kwargs else args:
                if _is_array(a):
                    if a.dtype != _FLOAT32 or a.size == 0:
                        return array_version(*args, **kwargs)
                    contiguous = contiguous and a.flags.c_contiguous
            if contiguous:
                return kernel_version(*args, **kwargs)
            if not all(kwargs[name].flags.c_contiguous for name in in_place if kwargs.get(name) is not None):
                return array_version(*args, **kwargs)
            return kernel_version(*[_contiguous(a) if _is_array(a) else a for a in args],
                                  **{k: _contiguous(v) if _is_array(v) else v for k, v in kwargs.items()})
        dispatch.array_version = array_version
        return dispatch
    return decorate


def _contiguous(array):
    if array.flags.c_contiguous:
        return array
    return array.copy()  # ndarray.copy() is C order in numpy and CuPy
