"""Helpers for the kernel tests: a float64 test oracle for convolution, and guarded buffers for the emulation.

The oracle is a direct loop over the kernel taps (r, s), each tap a strided slice of the zero-padded input:
slow, obvious, float64. It is a test oracle only; nanogan.backend.cpu and PyTorch are compared as well where
importable.

Guarded buffers: every array handed to an emulated kernel sits inside a larger allocation whose margins hold
a sentinel NaN bit pattern. A stray read pulls a NaN into the result; a stray write changes a margin, which
`check_guards` notices. Outputs allocated through `GuardedEmu.xp` are also filled with the sentinel, so an
element the kernel forgot to write shows up as NaN.
"""
import numpy as np
import pytest

from nanogan import _kernels

# ---- float64 convolution oracle ------------------------------------------------------------------------


def _pad(x, padding):
    ph, pw = padding
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def _tap(xp, r, s, out_hw, stride, dilation):
    """xp[:, :, p*sh + r*dh, q*sw + s*dw] for all (p, q): the input seen by tap (r, s)."""
    (P, Q), (sh, sw), (dh, dw) = out_hw, stride, dilation
    return xp[:, :, r * dh: r * dh + sh * (P - 1) + 1: sh, s * dw: s * dw + sw * (Q - 1) + 1: sw]


def conv2d_ref(x, w, stride, padding, dilation, out_hw=None):
    """y[n,k,p,q] = sum_{c,r,s} w[k,c,r,s] x[n,c,p*sh-ph+r*dh,q*sw-pw+s*dw]; out_hw crops/forces (P, Q)."""
    x, w = np.asarray(x, np.float64), np.asarray(w, np.float64)
    (N, C, H, W), (K, _, R, S) = x.shape, w.shape
    if out_hw is None:
        out_hw = tuple(_kernels.conv_output_size(n, k, s, p, d)
                       for n, k, s, p, d in zip((H, W), (R, S), stride, padding, dilation))
    xp = _pad(x, padding)
    # room for forced output sizes whose last taps fall beyond the padded input (they read zeros)
    need_h = stride[0] * (out_hw[0] - 1) + dilation[0] * (R - 1) + 1
    need_w = stride[1] * (out_hw[1] - 1) + dilation[1] * (S - 1) + 1
    xp = np.pad(xp, ((0, 0), (0, 0), (0, max(0, need_h - xp.shape[2])), (0, max(0, need_w - xp.shape[3]))))
    y = np.zeros((N, K) + tuple(out_hw))
    for r in range(R):
        for s in range(S):
            y += np.einsum("ncpq,kc->nkpq", _tap(xp, r, s, out_hw, stride, dilation), w[:, :, r, s])
    return y


def conv2d_input_grad_ref(gy, w, x_shape, stride, padding, dilation):
    """dx = adjoint of conv2d_ref in x: scatter gy * w back through every tap, then drop the padding."""
    gy, w = np.asarray(gy, np.float64), np.asarray(w, np.float64)
    (N, C, H, W), (K, _, R, S), (P, Q) = x_shape, w.shape, gy.shape[2:]
    ph, pw = padding
    rows = max(H + 2 * ph, stride[0] * (P - 1) + dilation[0] * (R - 1) + 1)
    cols = max(W + 2 * pw, stride[1] * (Q - 1) + dilation[1] * (S - 1) + 1)
    dxp = np.zeros((N, C, rows, cols))
    for r in range(R):
        for s in range(S):
            _tap(dxp, r, s, (P, Q), stride, dilation)[...] += np.einsum("nkpq,kc->ncpq", gy, w[:, :, r, s])
    return dxp[:, :, ph: ph + H, pw: pw + W]


def conv2d_weight_grad_ref(x, gy, w_shape, stride, padding, dilation):
    """dw[k,c,r,s] = sum_{n,p,q} gy[n,k,p,q] x[n,c,p*sh-ph+r*dh,q*sw-pw+s*dw]."""
    x, gy = np.asarray(x, np.float64), np.asarray(gy, np.float64)
    K, C, R, S = w_shape
    out_hw = gy.shape[2:]
    xp = _pad(x, padding)
    need_h = stride[0] * (out_hw[0] - 1) + dilation[0] * (R - 1) + 1
    need_w = stride[1] * (out_hw[1] - 1) + dilation[1] * (S - 1) + 1
    xp = np.pad(xp, ((0, 0), (0, 0), (0, max(0, need_h - xp.shape[2])), (0, max(0, need_w - xp.shape[3]))))
    dw = np.zeros(w_shape)
    for r in range(R):
        for s in range(S):
            dw[:, :, r, s] = np.einsum("ncpq,nkpq->kc", _tap(xp, r, s, out_hw, stride, dilation), gy)
    return dw


# ---- guarded buffers --------------------------------------------------------------------------------------

GUARD = 64  # sentinel elements on each side of every buffer
SENTINEL_BITS = np.uint32(0x7FA5A5A5)  # a quiet NaN with a recognisable payload


class GuardedArrays:
    """Stands in for numpy as `lib.xp`: allocations come with sentinel margins, recorded for check_guards()."""

    ndarray = np.ndarray
    __name__ = "numpy"

    def __init__(self):
        self._buffers = []

    def _alloc(self, shape, dtype, fill_sentinel):
        shape = tuple(int(d) for d in np.atleast_1d(shape)) if not isinstance(shape, tuple) else shape
        dtype = np.dtype(dtype)
        size = int(np.prod(shape, dtype=np.int64))
        raw = np.empty(size + 2 * GUARD, dtype=dtype)
        raw.view(np.uint32 if dtype.itemsize == 4 else np.uint8)[...] = (
            SENTINEL_BITS if dtype.itemsize == 4 else 0xA5)
        inner = raw[GUARD: GUARD + size].reshape(shape)
        if not fill_sentinel:
            inner[...] = 0
        self._buffers.append(raw)
        return inner

    def empty(self, shape, dtype=np.float32):
        return self._alloc(shape, dtype, fill_sentinel=True)

    def empty_like(self, a):
        return self._alloc(a.shape, a.dtype, fill_sentinel=True)

    def zeros(self, shape, dtype=np.float32):
        return self._alloc(shape, dtype, fill_sentinel=False)

    def copy_in(self, a):
        """A guarded copy of array a (float32, C-contiguous)."""
        inner = self._alloc(a.shape, np.float32, fill_sentinel=False)
        inner[...] = a
        return inner

    def check_guards(self):
        for raw in self._buffers:
            bits = raw.view(np.uint32)
            for margin, where in ((bits[:GUARD], "before"), (bits[-GUARD:], "after")):
                bad = np.flatnonzero(margin != SENTINEL_BITS)
                assert bad.size == 0, (f"a kernel wrote {bad.size} element(s) {where} a buffer of "
                                       f"{raw.size - 2 * GUARD} elements (out-of-range store)")
        self._buffers.clear()


class GuardedEmu(_kernels.EmuLibrary):
    """The emulated kernel library with guarded allocations (tests only)."""

    def __init__(self):
        super().__init__()
        self._arrays = GuardedArrays()

    @property
    def xp(self):
        return self._arrays

    def guarded(self, a):
        return self._arrays.copy_in(np.ascontiguousarray(a, dtype=np.float32))

    def check_guards(self):
        self._arrays.check_guards()


def gpu_library(kind):
    """The kernels on the GPU ("cuda": nanogan._C, "cupy": NVRTC), or a skip where there is no device or
    no such build."""
    if not _kernels.cuda_device_present():
        pytest.skip("no usable CUDA device")
    try:
        return _kernels.load(kind)
    except ImportError as e:
        pytest.skip(f"{kind} kernels not available: {e}")


def nvrtc_library():
    """libnvrtc via NANOGAN_NVRTC (its path), the nvidia-cuda-nvrtc wheel, or the system; None if absent."""
    import ctypes
    import ctypes.util
    import glob
    import os
    candidates = [os.environ.get("NANOGAN_NVRTC", "")]
    try:
        import nvidia
        for root in nvidia.__path__:
            candidates += sorted(glob.glob(os.path.join(root, "cu*", "lib", "libnvrtc.so.*")), reverse=True)
            candidates += sorted(glob.glob(os.path.join(root, "cuda_nvrtc", "lib", "libnvrtc.so.*")), reverse=True)
    except ImportError:
        pass
    candidates.append(ctypes.util.find_library("nvrtc") or "")
    for path in filter(None, candidates):
        try:
            # NVRTC dlopens its builtins by soname: load them first from beside the library.
            for builtins in sorted(glob.glob(os.path.join(os.path.dirname(path), "libnvrtc-builtins.so.*"))):
                ctypes.CDLL(builtins, mode=ctypes.RTLD_GLOBAL)
            return ctypes.CDLL(path)
        except OSError:
            continue
    return None


def nvrtc_compile(code, options=()):
    """Compile CUDA source `code` with NVRTC for compute_90, as CuPy does at run time; a test fails with NVRTC's
    log if it is rejected, and skips where libnvrtc is absent."""
    import ctypes
    nvrtc = nvrtc_library()
    if nvrtc is None:
        pytest.skip("libnvrtc not found (pip install nvidia-cuda-nvrtc, or set NANOGAN_NVRTC)")
    options = [o.encode() for o in options] + [b"-arch=compute_90"]
    program = ctypes.c_void_p()
    assert nvrtc.nvrtcCreateProgram(ctypes.byref(program), code.encode(), b"nanogan_kernels.cu", 0, None, None) == 0
    try:
        status = nvrtc.nvrtcCompileProgram(program, len(options), (ctypes.c_char_p * len(options))(*options))
        size = ctypes.c_size_t()
        nvrtc.nvrtcGetProgramLogSize(program, ctypes.byref(size))
        log = ctypes.create_string_buffer(size.value)
        nvrtc.nvrtcGetProgramLog(program, log)
        assert status == 0, f"NVRTC rejects the kernel sources:\n{log.value.decode()}"
    finally:
        nvrtc.nvrtcDestroyProgram(ctypes.byref(program))
