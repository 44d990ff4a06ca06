"""The CUDA backend: CuPy arrays on the current CUDA device, cuBLAS matrix products, nanogan's own kernels
(csrc/kernels, compiled at run time by NVRTC through CuPy's RawModule) for convolution, leaky ReLU, the
WGAN-GP penalty term, max pooling, the batch-norm reductions and the optimiser updates, and fused CuPy
kernels for the normalisation's elementwise passes (norm.py says why not csrc's fused batch-norm kernels) and
for the sigmoid (fused.py).

The same flat interface as backend/cpu (see its docstring for the list):
  name, xp                      "cuda", and CuPy as the array module
  owns(a), from_host(a), to_host(a)
  scatter_reduce(target, index, values, reduce)   CuPy's atomic scatters; a product by a sort and a scan (scatter.py)
  remainder(a, b), fmod(a, b)   exact, as numpy's: CuPy's own round for large quotients (see each)
  floor_divide(a, b)            ⌊a / b⌋ as numpy's and Python's // (see it)
  concatenate(arrays, axis)     cupy.concatenate, which a CUDA graph can record for any number of arrays (see it)
  argsort(a, axis)              cupy.argsort, a radix sort, stable as CuPy's sorts all are
  memory_in_use()               bytes held by live arrays in CuPy's memory pools
  memory_reserved(), empty_cache(), synchronize(), current_device(), device_name()   for ng.cuda (the CPU has none)
  require(ok, error, message)   an input check read at the next host read, not at once (checks.py)
  matmul(a, b)                  cuBLAS, called so that a CUDA graph can record it (blas.py)
  sgd_step, adam_step, rmsprop_step   optimiser updates as single kernels (optim.py; the CPU has none)
  learning_rate                 the lr an update takes: a device array inside a CUDA graph (optim.py; the CPU has none)
plus the kernels of the sibling modules (activation, fused, penalty, conv, pool, norm), imported below.

How the work is ordered: every kernel, CuPy operation and cuBLAS call is queued on CuPy's current
stream and returns at once; the host waits for the device only where a value is read (`to_host`:
`.numpy()`, `.item()`, printing). Memory comes from CuPy's default memory pool, which caches freed
blocks, so a training step allocates from the pool rather than from the driver. `graphs.capture`
records a whole step as a CUDA graph and replays it (see nanogan/backend/cuda/graphs.py for its limits).

Float32 arrays run those kernels; any other dtype (float64 for gradchecks) runs the same math as CuPy
array code (see _dispatch.py). "cuda" and "cuda:N" both mean CuPy's current device.

Importing this module raises ImportError when CuPy is missing or no CUDA device is usable;
nanogan.backend.get("cuda") reports that as "device 'cuda' is not available here: ...".
"""
try:
    import cupy
    import cupyx  # noqa: F401  (scatter.py's atomic scatters: checked here, with CuPy)
except ImportError as err:
    raise ImportError(f"the CUDA backend needs CuPy (pip install cupy-cuda12x, or nanogan[cuda]); "
                      f"importing it failed: {err}") from err


def _require_device():
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except cupy.cuda.runtime.CUDARuntimeError as err:
        raise ImportError(f"CuPy {cupy.__version__} is installed but finds no usable CUDA device ({err})") from None
    if count < 1:
        raise ImportError(f"CuPy {cupy.__version__} is installed but finds no CUDA device")


_require_device()

import numpy as np  # noqa: E402

from .. import Device  # noqa: E402

from . import checks, graphs  # noqa: E402
from .checks import require  # noqa: E402,F401

name = Device("cuda")
xp = cupy


def owns(array):
    return isinstance(array, cupy.ndarray)


def from_host(array):
    """A device copy of a host array (queued on the current stream; the host does not wait)."""
    graphs.refuse_during_capture("from_host", "a host-to-device copy would replay the host values of the "
                                 "capture forever; copy into a static device buffer before replaying")
    return cupy.asarray(np.asarray(array))


def to_host(array):
    """A numpy copy of a device array: the one place the host waits for the device, and so where the input
    checks queued on the device (checks.require) are read and raise."""
    graphs.refuse_during_capture("to_host", "a captured step cannot read values on the host")
    checks.raise_failed()
    return cupy.asnumpy(array)


def memory_in_use():
    """Bytes held by live arrays: in CuPy's default memory pool and in the private pools of CUDA graphs
    (cached free blocks not counted)."""
    return cupy.get_default_memory_pool().used_bytes() + graphs.memory_in_use()


def memory_reserved():
    """Bytes CuPy's default memory pool holds from the driver: live arrays and cached free blocks."""
    return cupy.get_default_memory_pool().total_bytes()


def empty_cache():
    """Give the default pool's cached free blocks back to the driver (live arrays keep theirs)."""
    cupy.get_default_memory_pool().free_all_blocks()


def synchronize():
    """Wait until the device has done all the work queued so far, then raise any input check that failed on it."""
    graphs.refuse_during_capture("synchronize", "a captured step cannot wait for the device")
    cupy.cuda.Device().synchronize()
    checks.raise_failed()


def current_device():
    return cupy.cuda.Device().id


def device_name():
    """The GPU's name, as cudaGetDeviceProperties gives it."""
    name = cupy.cuda.runtime.getDeviceProperties(current_device())["name"]
    return name.decode() if isinstance(name, bytes) else name


def concatenate(arrays, axis=0):
    """cupy.concatenate(arrays, axis); but more than 8 arrays, while a step is being recorded as a CUDA graph, are
    copied into their parts one by one. CuPy joins more than 8 small arrays in one kernel that reads a table of their
    addresses, copied over from a host buffer (cupy/_core/_routines_manipulation.pyx, _concatenate_single_kernel:
    core.array(ptrs)); a graph records that copy from a pinned buffer that CuPy then reuses, so its replays would
    read whatever the buffer holds by then as addresses."""
    first = arrays[0]
    axis = axis % max(first.ndim, 1)
    joined = first.shape[:axis] + first.shape[axis + 1:]
    if len(arrays) <= 8 or not graphs.capturing() or any(
            a.ndim != first.ndim or a.shape[:axis] + a.shape[axis + 1:] != joined for a in arrays):
        return cupy.concatenate(arrays, axis=axis)  # (shapes that do not join: CuPy's error)
    out = cupy.empty(first.shape[:axis] + (sum(a.shape[axis] for a in arrays),) + joined[axis:],
                     dtype=cupy.result_type(*arrays))
    start = 0
    for a in arrays:
        out[(slice(None),) * axis + (slice(start, start + a.shape[axis]),)] = a
        start += a.shape[axis]
    return out


def argsort(a, axis):
    return cupy.argsort(a, axis=axis)  # stable: CuPy takes no kind=, and numpy's stable sort gives the same order


def remainder(a, b):
    """a mod b with the sign of b (Python's %), exact, as numpy's and PyTorch's. CuPy's remainder of floats is
    a - floor(a/b)·b in the dtype (cupy/_core/_routines_math.pyx, _remainder; _floor_divide in carray.cuh), which
    rounds where a/b is large (float32 1e10 % 3 is 1, not 256 or 0) and is NaN where b is infinite: here it is
    fmod's exact remainder, moved to b's sign where it has a's (numpy's and PyTorch's own way). CuPy's for integers
    is exact."""
    if a.dtype.kind != "f" and b.dtype.kind != "f":
        return cupy.remainder(a, b)
    r = cupy.fmod(a, b)
    return cupy.where((r != 0) & ((r < 0) != (b < 0)), r + b, r)


def fmod(a, b):
    """a mod b with the sign of a (C's fmod), exact, as numpy's. CuPy's fmod of integers divides in double precision
    (cupy/_math/arithmetic.py, fmod), inexact beyond 2**53: here integers take CuPy's exact remainder (sign of b),
    moved to a's sign where that differs; floats are CuPy's, C's fmod."""
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        return cupy.fmod(a, b)
    r = cupy.remainder(a, b)
    return cupy.where((r != 0) & ((a < 0) != (b < 0)), r - b, r)


def floor_divide(a, b):
    """⌊a / b⌋ as numpy, Python and PyTorch compute it: of floats, the quotient (a - fmod(a, b)) / b, one less where
    the remainder's sign is not b's, rounded to the nearest integer, which it is to a rounding error, and 0 with the
    sign of a / b; a / b itself where b = 0. CuPy's of floats is ⌊a / b⌋ of the rounded quotient, one more than
    Python's where it rounds up to an integer (1 // 0.1 is 9, ⌊1 / 0.1⌋ = 10). CuPy's of integers is exact."""
    if a.dtype.kind != "f" and b.dtype.kind != "f":
        return cupy.floor_divide(a, b)
    mod = cupy.fmod(a, b)
    quotient = (a - mod) / b
    quotient = cupy.where((mod != 0) & ((b < 0) != (mod < 0)), quotient - 1, quotient)
    rounded = cupy.where(quotient == 0, cupy.copysign(0, a / b), cupy.rint(quotient))
    return cupy.where(b == 0, a / b, rounded).astype(cupy.result_type(a, b))


from .blas import matmul  # noqa: E402,F401
from .scatter import scatter_reduce  # noqa: E402,F401
from .optim import sgd_step, adam_step, rmsprop_step, learning_rate  # noqa: E402,F401
from .conv import conv2d, conv2d_input_grad, conv2d_weight_grad  # noqa: E402,F401
from .activation import leaky_relu, leaky_relu_backward, erf  # noqa: E402,F401
from .fused import sigmoid  # noqa: E402,F401
from .penalty import unit_norm_penalty, unit_norm_penalty_backward  # noqa: E402,F401
from .pool import max_pool2d_argmax, plane_scatter_add  # noqa: E402,F401
from .norm import (batch_norm_stats, channel_affine, batch_norm_backward_reduce,  # noqa: E402,F401
                   batch_norm_backward_elemt, normalized_affine, running_average_,
                   batch_norm_input_grad_backward)
