"""Matrix products on the GPU: cuBLAS called directly, so that a CUDA graph can record them.

CuPy's own matmul refuses to run while a stream is being captured (it cannot know that cuBLAS has a workspace
the graph may keep using). cuBLAS itself records into a graph once its handle has a workspace of its own
(cublasSetWorkspace). So this module keeps one handle and one workspace, points the handle at CuPy's current
stream before each product, and calls sgemm / dgemm. Eager steps and captured steps take this same path, so a
replay computes what an eager step computes.

Row-major arrays seen by column-major cuBLAS: a C-contiguous (r, c) array X is, to cuBLAS, the c×r matrix Xᵀ
with leading dimension c; a transposed view (F-contiguous) is X itself with leading dimension r. The row-major
product C = A·B (M×K times K×N) is the column-major product Cᵀ = Bᵀ·Aᵀ:

    gemm(op_B, op_A, m=N, n=M, k=K, B, ld_B, A, ld_A, C, ld_C=N)

where op is N for an operand whose memory already is its transpose (C layout) and T for one whose memory is the
matrix itself (F layout). Math mode stays CUBLAS_DEFAULT_MATH: plain FP32, no TF32.
"""
import ctypes

import cupy
import numpy as np
from cupy_backends.cuda.libs import cublas as _cupy_cublas  # noqa: F401  (loads libcublas into the process)

WORKSPACE_BYTES = 32 << 20  # cuBLAS's guide: 32 MiB for Hopper, more than enough before it
_OP_N, _OP_T = 0, 1
_GEMM = {np.dtype(np.float32): ("cublasSgemm_v2", ctypes.c_float),
         np.dtype(np.float64): ("cublasDgemm_v2", ctypes.c_double)}


class _Handle:
    """The process's cuBLAS handle, its workspace, and the stream it was last pointed at."""

    def __init__(self):
        major = cupy.cuda.runtime.runtimeGetVersion() // 1000
        self.lib = ctypes.CDLL(f"libcublas.so.{major}")  # the copy CuPy loaded: same soname, same library
        self.handle = ctypes.c_void_p()
        self.call("cublasCreate_v2", ctypes.byref(self.handle))
        self.workspace = cupy.empty(WORKSPACE_BYTES, dtype=cupy.uint8)
        self.stream = None

    def call(self, function, *args):
        """cuBLAS `function`(*args); a status other than CUBLAS_STATUS_SUCCESS raises, naming it."""
        status = getattr(self.lib, function)(*args)
        if status != 0:
            raise RuntimeError(f"matmul: {function} failed with cuBLAS status {status}")

    def on_current_stream(self):
        stream = cupy.cuda.get_current_stream().ptr
        if stream != self.stream:
            self.call("cublasSetStream_v2", self.handle, ctypes.c_void_p(stream))
            # setting a stream resets the workspace to cuBLAS's own pool, which a graph cannot record
            self.call("cublasSetWorkspace_v2", self.handle, ctypes.c_void_p(self.workspace.data.ptr),
                        ctypes.c_size_t(WORKSPACE_BYTES))
            self.stream = stream
        return self.handle


_handle = None


def _column_major_view(x):
    """(pointer, leading dimension, op) such that op(memory) is xᵀ in cuBLAS's column-major terms; None when x
    is neither a row-major nor a column-major matrix (then it needs a copy)."""
    rows, cols = x.shape
    row_stride, col_stride = (s // x.itemsize for s in x.strides)
    if col_stride == 1 or cols == 1:
        if rows == 1 or row_stride >= cols:
            return x.data.ptr, max(row_stride if rows > 1 else cols, 1), _OP_N
    if row_stride == 1 or rows == 1:
        if cols == 1 or col_stride >= rows:
            return x.data.ptr, max(col_stride if cols > 1 else rows, 1), _OP_T
    return None


def matmul(a, b):
    """a @ b for CuPy arrays; 2-D float32/float64 products run through the graph-safe cuBLAS path above,
    anything else (batched, integer, empty) through CuPy, which a CUDA graph cannot record."""
    global _handle
    if a.ndim != 2 or b.ndim != 2 or a.dtype != b.dtype or a.dtype not in _GEMM or 0 in (*a.shape, b.shape[1]):
        return a @ b
    if a.shape[1] != b.shape[0]:  # cuBLAS would read past an operand's memory, and report nothing
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not align")
    views = []
    for x in (b, a):
        view = _column_major_view(x)
        if view is None:
            x = cupy.ascontiguousarray(x)
            view = _column_major_view(x)
        views.append((x, view))
    (b, (b_ptr, ld_b, op_b)), (a, (a_ptr, ld_a, op_a)) = views
    (m, k), n = a.shape, b.shape[1]
    out = cupy.empty((m, n), dtype=a.dtype)
    if _handle is None:
        _handle = _Handle()
    function, scalar = _GEMM[a.dtype]
    alpha, beta = scalar(1.0), scalar(0.0)
    _handle.call(function, _handle.on_current_stream(), op_b, op_a, n, m, k, ctypes.byref(alpha),
                 ctypes.c_void_p(b_ptr), ld_b, ctypes.c_void_p(a_ptr), ld_a, ctypes.byref(beta),
                 ctypes.c_void_p(out.data.ptr), n)
    return out
