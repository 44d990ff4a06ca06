"""nanogan's hand-written CUDA kernels (csrc/), reachable three ways behind one interface.

    lib = load("emu")    # nanogan._emu: the kernels compiled by g++ against csrc/emu, on numpy arrays (CPU)
    lib = load("cuda")   # nanogan._C:   the kernels compiled by nvcc, on device arrays (CuPy, or anything
                         #               with __cuda_array_interface__)
    lib = load("cupy")   # the same sources compiled at run time by NVRTC through cupy.RawModule

    lib.launch("leaky_relu_fwd", grid, block, x, y, n, 0.2)          # any kernel, by name
    y = leaky_relu(lib, x, 0.2)                                       # or through its wrapper below

`launch` checks each argument against the kernel's C signature (read from its source): a pointer parameter
takes a contiguous array of the matching dtype (writable unless the pointer is const), an `int` an integer,
a `float` a real number. Any launch failure raises KernelLaunchError naming the kernel and its
<<<grid, block>>>; NANOGAN_SYNC_LAUNCHES=1 (read when the library loads) also synchronises after each GPU launch
so that an asynchronous fault is reported against its kernel.

The wrappers (conv2d, conv2d_input_grad, ..., leaky_relu) take the library first, check dtypes and shapes
(errors name the op and the shapes), allocate the output with `lib.xp` (numpy or cupy) and compute the grid
from the kernels' own tile constants (`lib.constant("IGEMM_BM")`, read from csrc/).
"""
from __future__ import annotations

import ast
import functools
import hashlib
import importlib
import math
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .arguments import int_at_least, int_pair

CSRC = Path(os.environ.get("NANOGAN_CSRC", Path(__file__).resolve().parent.parent / "csrc"))
INT32_MAX = 2**31 - 1
INT32_MIN = -2**31
MAX_GRID_Z = 65535  # blocks along a launch's y and z


class KernelLaunchError(RuntimeError):
    """A kernel launch failed: bad arguments, bad launch shape, a CUDA error, or (emulation) a kernel that
    broke the execution model (divergent barrier, deadlock)."""


# ---- reading the kernel sources -------------------------------------------------------------------------

@dataclass(frozen=True)
class Param:
    name: str
    ctype: str        # "float" or "int"
    pointer: bool
    const: bool
    int_scalar: bool = field(init=False)  # an `int` by value: the most common argument, converted inline by launch
    element: np.dtype = field(init=False)  # a pointer's element type (a pointer is the other common argument)

    def __post_init__(self):  # frozen: set once, here
        object.__setattr__(self, "int_scalar", self.ctype == "int" and not self.pointer)
        object.__setattr__(self, "element", np.dtype(np.float32 if self.ctype == "float" else np.int32))

    @property
    def nullable(self):
        """A pointer named `..._or_null` may be null: the launch takes None for it."""
        return self.pointer and self.name.endswith("_or_null")

    def __str__(self):
        return f"{'const ' if self.const else ''}{self.ctype}{'*' if self.pointer else ''} {self.name}"


_KERNEL_RE = re.compile(r"NG_KERNEL\s+void\s+(?:__launch_bounds__\s*\([^)]*\)\s*)?(\w+)\s*\(([^)]*)\)")
_CONSTANT_RE = re.compile(r"^constexpr\s+int\s+(\w+)\s*=\s*([^;]+);", re.MULTILINE)  # namespace scope: column 0


def _strip_comments(text: str) -> str:
    return re.sub(r"//[^\n]*|/\*.*?\*/", "", text, flags=re.DOTALL)


def _source_files() -> list[Path]:
    if not (CSRC / "common.cuh").is_file():
        raise FileNotFoundError(f"nanogan kernel sources not found at {CSRC} (set NANOGAN_CSRC to the csrc/ folder)")
    return [CSRC / "common.cuh", *sorted((CSRC / "kernels").glob("*.cuh")), *sorted((CSRC / "kernels").glob("*.cu"))]


def _parse_param(kernel: str, text: str) -> Param:
    tokens = re.findall(r"\w+|\*", text)
    qualifiers = [t for t in tokens[:-1] if t not in ("const", "__restrict__", "*")]
    if len(tokens) < 2 or qualifiers not in (["float"], ["int"]) or tokens.count("*") > 1 or tokens[-1] == "*":
        raise ValueError(f"kernel {kernel}: parameter '{text.strip()}' is outside the conventions of csrc/README.md "
                         "(const float*, float*, const int*, int*, int, float)")
    return Param(name=tokens[-1], ctype=qualifiers[0], pointer="*" in tokens, const="const" in tokens)


def _eval_constant(expr: str, known: dict[str, int]) -> int:
    """Integer value of a constexpr initialiser: literals, earlier constants, + - * / (C integer division)."""
    def ev(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.Name) and node.id in known:
            return known[node.id]
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
            a, b = ev(node.left), ev(node.right)
            if isinstance(node.op, ast.Div):
                return int(a / b)
            return {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b}[type(node.op)]
        raise ValueError(f"constexpr initialiser '{expr}' is not integer arithmetic of earlier constants")
    return ev(ast.parse(expr.strip(), mode="eval").body)


@functools.lru_cache(maxsize=None)
def kernel_sources():
    """(signatures {kernel: [Param] or the ValueError of a signature outside the conventions},
    constants {name: int}, digest of all sources) read from csrc/."""
    signatures, constants, digest = {}, {}, hashlib.sha256()
    for path in _source_files():
        raw = path.read_text()
        digest.update(path.name.encode() + raw.encode())
        text = _strip_comments(raw)
        for name, expr in _CONSTANT_RE.findall(text):
            try:
                constants[name] = _eval_constant(expr, constants)
            except ValueError as e:
                raise ValueError(f"{path}: constexpr int {name}: {e}") from None
        for name, params in _KERNEL_RE.findall(text):
            try:
                signatures[name] = [_parse_param(name, p) for p in params.split(",") if p.strip()]
            except ValueError as e:  # reported when the kernel is launched (and by the tests)
                signatures[name] = e
    return signatures, constants, digest.hexdigest()


# ---- the libraries --------------------------------------------------------------------------------------

class _LaunchShape:
    """"kernel name<<<grid(...), block(...)>>>", what every launch error starts with; formatted only when an
    error is raised, since a launch that succeeds never prints it (host time on every launch)."""

    __slots__ = ("name", "grid", "block")

    def __init__(self, name, grid, block):
        self.name, self.grid, self.block = name, grid, block

    def __str__(self):
        return f"kernel {self.name}<<<grid{self.grid}, block{self.block}>>>"


def _dims(value, what, name):
    if type(value) is int and value >= 1:  # what the wrappers pass for a block, and for most 1-D grids
        return (value,)
    if type(value) is tuple and 1 <= len(value) <= 3 and all(type(d) is int and d >= 1 for d in value):
        dims = value  # the GEMMs' grids
    else:
        dims = (value,) if isinstance(value, (int, np.integer)) else tuple(value)
        if not 1 <= len(dims) <= 3 or not all(isinstance(d, (int, np.integer)) and d >= 1 for d in dims):
            raise KernelLaunchError(f"kernel {name}: {what} must be 1 to 3 positive ints, got {value!r}")
        dims = tuple(int(d) for d in dims)
    if what == "grid" and max(dims[1:], default=1) > MAX_GRID_Z:  # a GPU would refuse it without saying which
        raise KernelLaunchError(f"kernel {name}: grid {dims} has more than {MAX_GRID_Z} blocks along y or z, "
                                f"CUDA's limit")
    return dims


class KernelLibrary:
    """The kernels of csrc/ on one device kind. Subclasses say how an array becomes a kernel argument."""

    kind = ""
    xp = None  # the array module of this library's arrays (numpy or cupy)
    _ready_array_type = None  # the array type a pointer argument takes as it is, once checked (CupyLibrary's)

    def __init__(self):
        self.signatures, self.constants, _ = kernel_sources()
        # algorithm="benchmark"'s timed choices: (pass, device, geometry, splits, bias given) -> (algorithm, splits)
        self.fastest_kernels = {}

    def constant(self, name: str) -> int:
        """A named `constexpr int` of the kernel sources (tile sizes, threads per block)."""
        try:
            return self.constants[name]
        except KeyError:
            raise KeyError(f"no constexpr int {name} in the kernel sources of {CSRC}") from None

    def multiprocessors(self) -> int:
        """Streaming multiprocessors to fill (for split-K decisions)."""
        return 1

    def device_id(self):
        """Which device runs the kernels (None: the host); timings are remembered per device."""
        return None

    def capturing(self) -> bool:
        """Whether the work queued now is being recorded into a CUDA graph rather than run."""
        return False

    def elapsed_ms(self, fn, repeats: int) -> float:
        """Milliseconds that `repeats` calls of fn() take to run (the host emulation runs them as it is called)."""
        start = time.perf_counter()
        for _ in range(repeats):
            fn()
        return (time.perf_counter() - start) * 1e3

    def launch(self, name: str, grid, block, *args, stream=None):
        """Launch kernel `name` over `grid` x `block` (each 1 to 3 ints) with the kernel's arguments."""
        if name not in self.signatures:
            raise KernelLaunchError(f"no kernel named {name} in {CSRC}/kernels (known: {sorted(self.signatures)})")
        grid, block = _dims(grid, "grid", name), _dims(block, "block", name)
        params = self.signatures[name]
        if isinstance(params, Exception):
            raise KernelLaunchError(str(params))
        shape = _LaunchShape(name, grid, block)
        if len(args) != len(params):
            raise KernelLaunchError(f"{shape}: takes {len(params)} arguments ({', '.join(map(str, params))}), "
                                    f"got {len(args)}")
        # The common cases are converted inline (host time on every launch): a plain int in range, and an array
        # the library's kernels take as it is (a C-contiguous CuPy array of the pointer's element type)
        int32, ready = self._int32, self._ready_array_type
        converted = [int32(a) if p.int_scalar and type(a) is int and INT32_MIN <= a <= INT32_MAX
                     else a if type(a) is ready and p.pointer and a.dtype == p.element and a.flags.c_contiguous
                     else self._argument(shape, p, a) for p, a in zip(params, args)]
        self._launch(name, shape, grid, block, converted, stream)

    # -- argument conversion, shared checks --
    def _argument(self, shape, param: Param, value):
        if param.pointer:
            if value is None and param.nullable:
                return self._null_pointer()
            return self._pointer(shape, param, value)
        if param.ctype == "int":
            if type(value) is not int:  # the wrappers pass plain ints; anything else is checked, then converted
                if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                    raise KernelLaunchError(f"{shape}: parameter {param} takes an int, got {type(value).__name__}")
                value = int(value)
            if not INT32_MIN <= value <= INT32_MAX:
                raise KernelLaunchError(f"{shape}: parameter {param} = {value} does not fit in a 32-bit int")
            return self._int32(value)
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise KernelLaunchError(f"{shape}: parameter {param} takes a float, got {type(value).__name__}")
        return self._float32(float(value))

    @staticmethod
    def _check_array_interface(shape, param, interface, kind):
        dtype = {"float": "<f4", "int": "<i4"}[param.ctype]
        if np.dtype(interface["typestr"]) != np.dtype(dtype):
            raise KernelLaunchError(f"{shape}: parameter {param} takes a {np.dtype(dtype)} array, "
                                    f"got {np.dtype(interface['typestr'])}")
        strides, dims = interface.get("strides"), interface["shape"]
        if strides is not None:
            expected, step = [], np.dtype(dtype).itemsize
            for d in reversed(dims):
                expected.insert(0, step)
                step *= d
            if any(d > 1 and s != e for d, s, e in zip(dims, strides, expected)):
                raise KernelLaunchError(f"{shape}: parameter {param} needs a C-contiguous {kind} array, got strides "
                                        f"{strides} for shape {dims}")
        address, readonly = interface["data"]
        if readonly and not param.const:
            raise KernelLaunchError(f"{shape}: parameter {param} is written by the kernel, got a read-only array")
        return address

    # What an int or float argument becomes: the extensions take Python numbers (pybind11 converts them)
    _int32, _float32 = int, float

    def _pointer(self, shape, param, value):
        raise NotImplementedError

    def _null_pointer(self):
        return 0  # the extensions take every pointer as an address

    def _launch(self, name, shape, grid, block, args, stream):
        raise NotImplementedError


class _ExtensionLibrary(KernelLibrary):
    """nanogan._emu or nanogan._C: one pybind11 function per kernel, name(grid, block, stream, *args)."""

    module_name = ""

    def __init__(self):
        super().__init__()
        try:
            self.module = importlib.import_module(self.module_name)
        except ImportError as e:
            raise ImportError(f"{self.module_name} is not built ({e}); build it with `pip install -e .` or "
                              "`python setup.py build_ext --inplace`") from e

    def _launch(self, name, shape, grid, block, args, stream):
        function = getattr(self.module, name, None)
        if function is None:
            raise KernelLaunchError(f"{shape}: not in {self.module_name}: add its NG_BIND line to "
                                    "csrc/bindings.cpp and rebuild (python setup.py build_ext --inplace)")
        try:
            function(list(grid), list(block), self._stream(stream), *args)
        except self.module.KernelLaunchError as e:
            raise KernelLaunchError(str(e)) from None

    def _stream(self, stream):
        return 0


class EmuLibrary(_ExtensionLibrary):
    """The kernels run on the CPU by the host emulation (csrc/emu): numpy arrays in, numpy arrays out."""

    kind = "emu"
    module_name = "nanogan._emu"
    xp = np

    def _pointer(self, shape, param, value):
        if not isinstance(value, np.ndarray):
            raise KernelLaunchError(f"{shape}: parameter {param} takes a numpy array on the emulation, "
                                    f"got {type(value).__name__}")
        return self._check_array_interface(shape, param, value.__array_interface__, "numpy")


def _is_kernel_ready_cupy_array(param, value):
    """Whether `value` is a CuPy array that pointer parameter `param` takes as it is: what the interface checks
    of _device_pointer accept, read off a CuPy array without building its interface (host time on every launch)."""
    cupy = sys.modules.get("cupy")  # a CuPy array exists only where CuPy was imported
    return cupy is not None and isinstance(value, cupy.ndarray) and value.dtype == param.element \
        and value.flags.c_contiguous


def _device_pointer(shape, param, value):
    if _is_kernel_ready_cupy_array(param, value):
        return value.data.ptr
    interface = getattr(value, "__cuda_array_interface__", None)
    if interface is None:
        raise KernelLaunchError(f"{shape}: parameter {param} takes a device array (with __cuda_array_interface__), "
                                f"got {type(value).__name__}")
    return KernelLibrary._check_array_interface(shape, param, interface, "device")


def _cupy():
    try:
        import cupy
    except ImportError as e:
        raise ImportError("this needs CuPy (pip install nanogan[cuda])") from e
    return cupy


class _OnTheGPU:
    """What the two GPU libraries share: CuPy arrays, and the current device's SM count."""

    @functools.cached_property
    def xp(self):  # imported on first use (nanogan._C also launches on other arrays), then held: host time
        return _cupy()

    def multiprocessors(self):
        return _multiprocessors(self.xp.cuda.runtime.getDevice())

    def device_id(self):
        return self.xp.cuda.runtime.getDevice()

    def capturing(self):
        return self.xp.cuda.get_current_stream().is_capturing()

    def elapsed_ms(self, fn, repeats):
        """Device time between events recorded on the current stream around the calls (waits for them)."""
        start, end = self.xp.cuda.Event(), self.xp.cuda.Event()
        start.record()
        for _ in range(repeats):
            fn()
        end.record()
        end.synchronize()
        return self.xp.cuda.get_elapsed_time(start, end)


class CudaLibrary(_OnTheGPU, _ExtensionLibrary):
    """The kernels compiled by nvcc (nanogan._C): device arrays in; `stream` is a cudaStream_t (int) or an
    object with `.ptr` (a CuPy stream); by default CuPy's current stream, else the legacy default stream."""

    kind = "cuda"
    module_name = "nanogan._C"

    def _pointer(self, shape, param, value):
        return _device_pointer(shape, param, value)

    def _stream(self, stream):
        if stream is None:
            try:
                import cupy
            except ImportError:
                return 0
            return cupy.cuda.get_current_stream().ptr
        return int(getattr(stream, "ptr", stream))


@functools.lru_cache(maxsize=None)
def _multiprocessors(device_id):
    """Queried once per device: reading device attributes on every launch is host overhead."""
    return _cupy().cuda.Device(device_id).attributes["MultiProcessorCount"]


def nvrtc_program():
    """(source text, options) that NVRTC compiles: every csrc/kernels/*.cu in one module."""
    _, _, digest = kernel_sources()
    # The digest makes CuPy's compile cache (keyed on this text) notice edits of the included files.
    code = f"// nanogan kernels, sources {digest}\n" + "".join(
        f'#include "kernels/{p.name}"\n' for p in sorted((CSRC / "kernels").glob("*.cu")))
    return code, ("-std=c++17", f"-I{CSRC}")


class CupyLibrary(_OnTheGPU, KernelLibrary):
    """The kernels compiled at run time by NVRTC (cupy.RawModule over every csrc/kernels/*.cu)."""

    kind = "cupy"

    def __init__(self):
        super().__init__()
        code, options = nvrtc_program()
        self.module = self.xp.RawModule(code=code, options=options)
        self._functions = {}
        self._ready_array_type = self.xp.ndarray  # a RawKernel takes a CuPy array as it is
        # read once, when the library loads: an environment lookup on every launch is host time
        self.sync_launches = os.environ.get("NANOGAN_SYNC_LAUNCHES", "0") not in ("", "0")

    def _pointer(self, shape, param, value):
        if _is_kernel_ready_cupy_array(param, value):
            return value  # a RawKernel takes a CuPy array as it is
        # another library's device array (PyTorch, Numba): a RawKernel takes only CuPy's own types, so its checked
        # address goes by value, as the null pointer does
        return np.uint64(_device_pointer(shape, param, value))

    _int32, _float32 = np.int32, np.float32  # a RawKernel passes a numpy scalar at its own width

    _NULL = np.uint64(0)  # a pointer-sized zero by value (CuPy makes None a null pointer *to* the argument)

    def _null_pointer(self):
        return self._NULL  # made once: building a numpy scalar took 0.35 µs per null argument of every launch

    def _launch(self, name, shape, grid, block, args, stream):
        cuda = self.xp.cuda
        try:
            if name not in self._functions:
                self._functions[name] = self.module.get_function(name)
            if stream is None:  # the current stream, which the kernel call uses by itself
                self._functions[name](grid, block, tuple(args))
                if self.sync_launches:
                    _wait_for_the_kernel(cuda.get_current_stream())
            else:
                stream_ctx = cuda.ExternalStream(int(stream)) if isinstance(stream, int) else stream
                with stream_ctx:
                    self._functions[name](grid, block, tuple(args))
                    if self.sync_launches:
                        _wait_for_the_kernel(stream_ctx)
        except Exception as e:  # compile errors, launch errors, faults seen on synchronisation
            raise KernelLaunchError(f"{shape}: {type(e).__name__}: {e}") from e


def _wait_for_the_kernel(stream):
    """NANOGAN_SYNC_LAUNCHES: wait for the kernel just queued, so that a fault is reported against it. A stream
    being captured into a CUDA graph runs nothing yet, and CUDA forbids waiting on it (the capture would fail)."""
    if not stream.is_capturing():
        stream.synchronize()


_LIBRARIES = {"emu": EmuLibrary, "cuda": CudaLibrary, "cupy": CupyLibrary}


@functools.lru_cache(maxsize=None)
def load(kind: str = "emu") -> KernelLibrary:
    """The kernel library of `kind`: "emu" (CPU emulation), "cuda" (nanogan._C) or "cupy" (NVRTC)."""
    if kind not in _LIBRARIES:
        raise ValueError(f"unknown kernel library {kind!r}; choose one of {sorted(_LIBRARIES)}")
    return _LIBRARIES[kind]()


def cuda_device_present() -> bool:
    """Whether CuPy sees a usable CUDA device."""
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def available() -> list[str]:
    """The library kinds usable here: "emu" when nanogan._emu is built; "cuda" and "cupy" with a device."""
    kinds = []
    for kind in _LIBRARIES:
        if kind != "emu" and not cuda_device_present():
            continue
        try:
            load(kind)
        except Exception:
            continue
        kinds.append(kind)
    return kinds


# ---- wrappers: one per kernel -----------------------------------------------------------------------------

def _check_array(op, name, a, ndim, lib):
    if not (isinstance(a, lib.xp.ndarray) and a.dtype == np.float32 and a.ndim == ndim and a.flags.c_contiguous):
        desc = f"{type(a).__name__} {getattr(a, 'dtype', '')} {getattr(a, 'shape', '')}"
        raise ValueError(f"{op}: {name} must be a C-contiguous float32 {lib.xp.__name__} array with {ndim} "
                         f"dimensions, got {desc}")
    if a.size > INT32_MAX:
        raise ValueError(f"{op}: {name} {tuple(a.shape)} has more than 2**31-1 elements (32-bit kernel indexing)")


def _check_shape(op, name, shape, ndim):
    shape = tuple(int(d) for d in shape)
    if len(shape) != ndim or any(d < 1 for d in shape) or math.prod(shape) > INT32_MAX:
        raise ValueError(f"{op}: {name} must be {ndim} positive sizes with fewer than 2**31 elements, got {shape}")
    return shape


def conv_output_size(size, kernel, stride, padding, dilation):
    """Output length of a convolution along one axis: floor((size + 2p - d(k-1) - 1) / s) + 1."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


@dataclass(frozen=True)
class _ConvGeometry:
    """Sizes of one convolution x[N,C,H,W] (*) w[K,C,R,S] -> y[N,K,P,Q]: the kernels' integer arguments."""
    N: int
    C: int
    H: int
    W: int
    K: int
    R: int
    S: int
    P: int
    Q: int
    stride: tuple
    padding: tuple
    dilation: tuple

    def args(self):
        return (self.N, self.C, self.H, self.W, self.K, self.R, self.S, self.P, self.Q,
                *self.stride, *self.padding, *self.dilation)

    def __str__(self):
        return (f"x ({self.N}, {self.C}, {self.H}, {self.W}), w ({self.K}, {self.C}, {self.R}, {self.S}), "
                f"y ({self.N}, {self.K}, {self.P}, {self.Q}), stride {self.stride}, padding {self.padding}, "
                f"dilation {self.dilation}")


def _memoised(function):
    """`function` remembering its results: a training step asks for the same few convolution geometries on
    every iteration, and their checks are host time on every launch. Lists among the arguments are read as
    tuples (hashable); errors are raised again on every call, never remembered."""
    remembered = functools.lru_cache(maxsize=1024)(function)

    @functools.wraps(function)
    def call(*args, **kwargs):
        if any(type(a) is list for a in args):
            args = tuple(tuple(a) if type(a) is list else a for a in args)
        return remembered(*args, **kwargs)
    return call


@_memoised
def _conv_geometry(op, x_shape, w_shape, stride, padding, dilation, y_hw=None):
    """Checks and sizes of a convolution; y_hw overrides (P, Q) for the transposed convolution's uses."""
    stride = int_pair(op, "stride", stride, 1)
    padding = int_pair(op, "padding", padding, 0)
    dilation = int_pair(op, "dilation", dilation, 1)
    N, C, H, W = x_shape
    K, C_w, R, S = w_shape
    if C != C_w:
        raise ValueError(f"{op}: the input has {C} channels but the weight {tuple(w_shape)} expects {C_w} "
                         f"(input {tuple(x_shape)})")
    if y_hw is None:
        y_hw = tuple(conv_output_size(n, k, s, p, d) for n, k, s, p, d in zip((H, W), (R, S), stride, padding, dilation))
    P, Q = y_hw
    if P < 1 or Q < 1:
        raise ValueError(f"{op}: the kernel {(R, S)} with dilation {dilation} does not fit the padded input "
                         f"{(H, W)} + 2*{padding}")
    if N * K * P * Q > INT32_MAX:
        raise ValueError(f"{op}: the output ({N}, {K}, {P}, {Q}) has more than 2**31-1 elements")
    return _ConvGeometry(N, C, H, W, K, R, S, P, Q, stride, padding, dilation)


def _split_count(lib, blocks, kdim, blocks_per_sm):
    """Reduction splits, where the caller gives none: enough blocks for every SM to hold as many as its registers
    allow (`blocks_per_sm`), each split at least 16 BK steps."""
    bk = lib.constant("IGEMM_BK")
    wanted = math.ceil(blocks_per_sm * lib.multiprocessors() / blocks)
    return max(1, min(wanted, kdim // (16 * bk), MAX_GRID_Z))


def _check_bias(op, bias, channels, lib):
    """A layer's bias for an output of `channels` channels: None, or a float32 array of shape (channels,)."""
    if bias is not None:
        _check_array(op, "bias", bias, 1, lib)
        if bias.shape[0] != channels:
            raise ValueError(f"{op}: bias has shape {tuple(bias.shape)}, expected ({channels},) for an output with "
                             f"{channels} channels")
    return bias


def _output(lib, shape, accumulate):
    return lib.xp.zeros(shape, dtype=np.float32) if accumulate else lib.xp.empty(shape, dtype=np.float32)


def _run_igemm(lib, kernel, a, b, out_shape, rows, cols, kdim, g: _ConvGeometry, splits, algorithm, phases=1,
               takes_bias=True, bias=None):
    """Launches the implicit GEMM `kernel` (csrc/kernels/conv2d.cu) computing O[rows, cols], `phases` GEMMs
    side by side, each reducing over `kdim`, into a new array of `out_shape`, plus `bias` on axis 1 where the
    kernel `takes_bias` (a `bias_or_null` parameter: not the weight gradient's). Where O has at most
    IGEMM_BM_NARROW rows (a 64-channel side), it runs the kernel's `_narrow` twin, whose 64-row tile does not
    multiply zero rows; algorithm="igemm_wide" forces the 128-row tile (the benchmarks time both)."""
    narrow = rows <= lib.constant("IGEMM_BM_NARROW") and algorithm != "igemm_wide"
    rows_per_block, threads, blocks_per_sm, suffix = (
        ("IGEMM_BM_NARROW", "IGEMM_NARROW_THREADS", "IGEMM_NARROW_MIN_BLOCKS_PER_SM", "_narrow") if narrow else
        ("IGEMM_BM", "IGEMM_THREADS", "IGEMM_MIN_BLOCKS_PER_SM", ""))
    tiles = (math.ceil(cols / lib.constant("IGEMM_BN")), math.ceil(rows / lib.constant(rows_per_block)))
    if splits is None:  # grid z holds phases * splits blocks
        splits = min(_split_count(lib, tiles[0] * tiles[1] * phases, kdim, lib.constant(blocks_per_sm)),
                     MAX_GRID_Z // phases)
    elif int_at_least(kernel, "splits", splits, 1) * phases > MAX_GRID_Z:
        raise ValueError(f"{kernel}: splits must be at most {MAX_GRID_Z // phases} with {phases} stride phases, "
                         f"got {splits}")
    out = _output(lib, out_shape, splits > 1)
    bias_arg = (bias,) if takes_bias else ()
    lib.launch(kernel + suffix, (*tiles, phases * splits), lib.constant(threads), a, b, out, *bias_arg, *g.args())
    return out


CONV_ALGORITHMS = ("auto", "benchmark", "direct", "igemm", "igemm_wide")
BENCHMARK_REPEATS = 3  # timed calls per candidate kernel, after one untimed call (which compiles it)


def _benchmarkable(run_pass):
    """A convolution pass run_pass(op, lib, a, b, g, splits, algorithm, *bias) that also takes
    algorithm="benchmark", PyTorch's torch.backends.cudnn.benchmark: the first call with a geometry times the
    pass on each kernel that can compute it (the direct kernel, the implicit GEMM in either tile, each with
    the device's split-K and with none, or only with the caller's `splits`), and that call and every later
    one run the fastest, remembered in lib.fastest_kernels. A graph being recorded cannot wait for a timing,
    so there an untimed geometry runs algorithm="auto"."""
    @functools.wraps(run_pass)
    def run(op, lib, a, b, g: _ConvGeometry, splits, algorithm, *bias):
        if algorithm != "benchmark":
            return run_pass(op, lib, a, b, g, splits, algorithm, *bias)
        key = (run_pass.__name__, lib.device_id(), g, splits, *(v is not None for v in bias))
        if key not in lib.fastest_kernels:
            if lib.capturing():
                return run_pass(op, lib, a, b, g, splits, "auto", *bias)
            times = {}
            for forced in ("direct", "igemm", "igemm_wide"):
                for split in (None, 1) if splits is None else (splits,):
                    def candidate():
                        return run_pass(op, lib, a, b, g, split, forced, *bias)
                    try:
                        candidate()  # untimed: compiles the kernel
                    except ValueError:  # only the direct kernel refuses: a geometry it does not fit, or any splits
                        continue
                    times[forced, split] = lib.elapsed_ms(candidate, BENCHMARK_REPEATS)
            lib.fastest_kernels[key] = min(times, key=times.get)
        algorithm, splits = lib.fastest_kernels[key]
        return run_pass(op, lib, a, b, g, splits, algorithm, *bias)
    return run


def _runs_direct(op, algorithm, splits, fits, needs, g: _ConvGeometry):
    """Whether a convolution pass runs its direct kernel rather than the implicit GEMM. "auto" takes the direct
    kernel where it `fits` (a layer with few channels, whose GEMM tiles would be mostly idle) unless `splits`
    asks for a split-K GEMM; "direct" forces it, "igemm" forces the implicit GEMM and "igemm_wide" the GEMM in
    128-row tiles even where the rows would fit a narrow one (the benchmarks time each to set the thresholds);
    "benchmark" never reaches here (_benchmarkable times the others)."""
    if algorithm not in CONV_ALGORITHMS:
        raise ValueError(f"{op}: algorithm must be one of {CONV_ALGORITHMS}, got {algorithm!r}")
    if algorithm == "direct":
        if splits is not None:
            raise ValueError(f"{op}: splits={splits!r} splits the implicit GEMM; the direct kernel takes none")
        if not fits:
            raise ValueError(f"{op}: the direct kernel needs {needs}, which {g} does not have")
    return algorithm == "direct" or (algorithm == "auto" and splits is None and fits)


@_benchmarkable
def _run_conv_fwd(op, lib, x, w, g: _ConvGeometry, splits, algorithm, bias=None):
    taps, most = g.C * g.R * g.S, lib.constant("FWD_DIRECT_MAX_TAPS")
    if _runs_direct(op, algorithm, splits, taps <= most, f"C*R*S <= {most}", g):  # a GEMM's BK steps would idle
        y = lib.xp.empty((g.N, g.K, g.P, g.Q), dtype=np.float32)
        grid = (math.ceil(g.N * g.P * g.Q / lib.constant("FWD_DIRECT_THREADS")),
                math.ceil(g.K / lib.constant("FWD_DIRECT_K_TILE")))
        lib.launch("conv2d_fwd_direct", grid, lib.constant("FWD_DIRECT_THREADS"), x, w, y, bias, *g.args())
        return y
    return _run_igemm(lib, "conv2d_fwd_igemm", x, w, (g.N, g.K, g.P, g.Q), g.K, g.N * g.P * g.Q, taps, g, splits,
                      algorithm, bias=bias)


def _direct_dgrad_threads(lib, g: _ConvGeometry):
    """Threads of conv2d_dgrad_direct: its pixels, numbered by stride phase (N·sh·sw·ceil(H/sh)·ceil(W/sw)),
    times the lanes that split each pixel's sum over K."""
    sh, sw = g.stride
    return g.N * sh * sw * math.ceil(g.H / sh) * math.ceil(g.W / sw) * lib.constant("DGRAD_DIRECT_KSPLIT")


@_benchmarkable
def _run_conv_dgrad(op, lib, gy, w, g: _ConvGeometry, splits, algorithm, bias=None):
    most = lib.constant("DGRAD_DIRECT_MAX_C")  # up to it, a GEMM tile over C would be mostly idle
    threads = _direct_dgrad_threads(lib, g) if g.C <= most else None  # counted only where the kernel could run
    fits = threads is not None and threads <= INT32_MAX
    if _runs_direct(op, algorithm, splits, fits, f"C <= {most} and at most 2**31-1 threads", g):
        dx = lib.xp.empty((g.N, g.C, g.H, g.W), dtype=np.float32)
        lib.launch("conv2d_dgrad_direct", elementwise_grid(lib, threads, "DGRAD_DIRECT_THREADS"),
                   lib.constant("DGRAD_DIRECT_THREADS"), gy, w, dx, bias, *g.args())
        return dx
    sh, sw = g.stride
    if sh * sw > MAX_GRID_Z:
        raise ValueError(f"{op}: the stride makes {sh * sw} stride phases, one z-block each, more than the "
                         f"{MAX_GRID_Z} of a launch: {g}")
    phase_cols = g.N * math.ceil(g.H / sh) * math.ceil(g.W / sw)  # the largest phase: (0, 0)
    phase_kdim = g.K * math.ceil(g.R / (sh // math.gcd(sh, g.dilation[0]))) * math.ceil(
        g.S / (sw // math.gcd(sw, g.dilation[1])))
    return _run_igemm(lib, "conv2d_dgrad_igemm", gy, w, (g.N, g.C, g.H, g.W), g.C, phase_cols, phase_kdim, g, splits,
                      algorithm, phases=sh * sw, bias=bias)


@_benchmarkable
def _run_conv_wgrad(op, lib, x, gy, g: _ConvGeometry, splits, algorithm):
    taps, most, threads = g.C * g.R * g.S, lib.constant("WGRAD_DIRECT_MAX_TAPS"), lib.constant("WGRAD_DIRECT_THREADS")
    # the kernel packs each tap's (r*dh, s*dw) into 16 bits each, and its int position loop steps past the last
    # position by up to MAX_GRID_Z blocks of threads
    room = INT32_MAX - MAX_GRID_Z * threads
    fits = (taps <= most and (g.R - 1) * g.dilation[0] < 2**16 and (g.S - 1) * g.dilation[1] < 2**16
            and g.N * g.P * g.Q <= room)
    if _runs_direct(op, algorithm, splits, fits, f"C*R*S <= {most}, dilated kernel extents below 2**16 and at most "
                    f"{room} output positions", g):
        # blocks: K of them per split; enough splits to fill the device twice, each at least 4 positions a thread
        splits = max(1, min(math.ceil(2 * lib.multiprocessors() / g.K), math.ceil(g.N * g.P * g.Q / (4 * threads)),
                            MAX_GRID_Z))
        dw = lib.xp.zeros((g.K, g.C, g.R, g.S), dtype=np.float32)
        lib.launch("conv2d_wgrad_direct", (g.K, splits), threads, x, gy, dw, *g.args())
        return dw
    return _run_igemm(lib, "conv2d_wgrad_igemm", x, gy, (g.K, g.C, g.R, g.S), g.K, taps, g.N * g.P * g.Q, g, splits,
                      algorithm, takes_bias=False)


def conv2d(lib, x, w, stride=1, padding=0, dilation=1, *, bias=None, splits=None, algorithm="auto"):
    """y[n,k,p,q] = sum_{c,r,s} w[k,c,r,s] x[n,c, p*sh-ph+r*dh, q*sw-pw+s*dw] (+ bias[k]) (zero padding); x NCHW,
    w KCRS, bias (K,) or None; the kernels add the bias as they store y.
    `splits` (default: chosen for the device) splits the reduction over C*R*S (split-K). Every convolution
    wrapper takes these two: `algorithm` "auto" (the default) runs a layer with few channels on its direct kernel
    and every other on the implicit GEMM; "benchmark" times them once per geometry and runs the fastest (see
    _benchmarkable); "direct", "igemm" or "igemm_wide" forces one (see _runs_direct)."""
    op = "conv2d"
    _check_array(op, "x", x, 4, lib)
    _check_array(op, "w", w, 4, lib)
    g = _conv_geometry(op, x.shape, w.shape, stride, padding, dilation)
    return _run_conv_fwd(op, lib, x, w, g, splits, algorithm, _check_bias(op, bias, g.K, lib))


def conv2d_input_grad(lib, gy, w, x_shape, stride=1, padding=0, dilation=1, *, splits=None, algorithm="auto"):
    """dx = d(sum gy*y)/dx of y = conv2d(x, w): dx[n,c,h,w] = sum over k and taps (r,s) with
    h+ph-r*dh = p*sh, w+pw-s*dw = q*sw (0 <= p < P, 0 <= q < Q) of w[k,c,r,s] gy[n,k,p,q]."""
    op = "conv2d_input_grad"
    _check_array(op, "gy", gy, 4, lib)
    _check_array(op, "w", w, 4, lib)
    g = _conv_geometry(op, _check_shape(op, "x_shape", x_shape, 4), w.shape, stride, padding, dilation)
    if tuple(gy.shape) != (g.N, g.K, g.P, g.Q):
        raise ValueError(f"{op}: gy has shape {tuple(gy.shape)}, expected {(g.N, g.K, g.P, g.Q)} for {g}")
    return _run_conv_dgrad(op, lib, gy, w, g, splits, algorithm)


def conv2d_weight_grad(lib, x, gy, w_shape, stride=1, padding=0, dilation=1, *, splits=None, algorithm="auto"):
    """dw = d(sum gy*y)/dw of y = conv2d(x, w): dw[k,c,r,s] = sum_{n,p,q} gy[n,k,p,q] x[n,c, p*sh-ph+r*dh, q*sw-pw+s*dw].
    `splits` (default: chosen for the device) splits the reduction over N*P*Q."""
    op = "conv2d_weight_grad"
    _check_array(op, "x", x, 4, lib)
    _check_array(op, "gy", gy, 4, lib)
    g = _conv_geometry(op, x.shape, _check_shape(op, "w_shape", w_shape, 4), stride, padding, dilation)
    if tuple(gy.shape) != (g.N, g.K, g.P, g.Q):
        raise ValueError(f"{op}: gy has shape {tuple(gy.shape)}, expected {(g.N, g.K, g.P, g.Q)} for {g}")
    return _run_conv_wgrad(op, lib, x, gy, g, splits, algorithm)


def conv_transpose2d_output_size(size, kernel, stride, padding, output_padding, dilation):
    """(size-1)*s - 2p + d(k-1) + output_padding + 1: the input length of the convolution it transposes."""
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


@_memoised
def _transpose_geometry(op, x_shape, w_shape, y_hw, stride, padding, dilation):
    """The convolution that a transposed convolution x[N,Ci,H,W] (*)^T w[Ci,Co,R,S] -> y[N,Co,OH,OW] is the
    adjoint of: conv input = y (Co channels), conv weight = w read as [K=Ci, C=Co, R, S], conv output = x."""
    N, Ci, H, W = x_shape
    Ci_w, Co, R, S = w_shape
    if Ci != Ci_w:
        raise ValueError(f"{op}: the input has {Ci} channels but the weight {tuple(w_shape)} expects {Ci_w} "
                         f"(input {tuple(x_shape)})")
    if N * Co * y_hw[0] * y_hw[1] > INT32_MAX:
        raise ValueError(f"{op}: the output {(N, Co, *y_hw)} has more than 2**31-1 elements (32-bit kernel indexing)")
    g = _conv_geometry(op, (N, Co, *y_hw), (Ci, Co, R, S), stride, padding, dilation, y_hw=(H, W))
    for n, out, k, s, p, d in zip((H, W), y_hw, (R, S), g.stride, g.padding, g.dilation):
        extra = out - conv_transpose2d_output_size(n, k, s, p, 0, d)  # the output_padding this size implies
        if not 0 <= extra < max(s, d):
            raise ValueError(f"{op}: output size {tuple(y_hw)} does not belong to input {tuple(x_shape)}, weight "
                             f"{tuple(w_shape)}, stride {g.stride}, padding {g.padding}, dilation {g.dilation} "
                             f"(implied output_padding {extra} outside [0, max(stride, dilation)))")
    return g


def conv_transpose2d(lib, x, w, stride=1, padding=0, output_padding=0, dilation=1, *, bias=None, splits=None,
                     algorithm="auto"):
    """y = conv_transpose2d(x, w) (+ bias[co]), w[Cin, Cout, R, S]: the adjoint of conv2d, i.e. y[n,co,h,w] = sum
    over ci and taps with h+ph-r*dh = i*sh (0 <= i < H) ... of w[ci,co,r,s] x[n,ci,i,j]; runs conv2d_dgrad_igemm,
    which adds the bias (Cout,) as it stores y."""
    op = "conv_transpose2d"
    _check_array(op, "x", x, 4, lib)
    _check_array(op, "w", w, 4, lib)
    stride_, padding_ = int_pair(op, "stride", stride, 1), int_pair(op, "padding", padding, 0)
    dilation_ = int_pair(op, "dilation", dilation, 1)
    output_padding_ = int_pair(op, "output_padding", output_padding, 0)
    if any(o >= s and o >= d for o, s, d in zip(output_padding_, stride_, dilation_)):
        raise ValueError(f"{op}: output_padding {output_padding_} must be smaller than the stride {stride_} or the "
                         f"dilation {dilation_}")
    y_hw = tuple(conv_transpose2d_output_size(n, k, s, p, o, d) for n, k, s, p, o, d in
                 zip(x.shape[2:], w.shape[2:], stride_, padding_, output_padding_, dilation_))
    if min(y_hw) < 1:
        raise ValueError(f"{op}: empty output {y_hw} for input {tuple(x.shape)}, weight {tuple(w.shape)}, "
                         f"stride {stride_}, padding {padding_}")
    g = _transpose_geometry(op, x.shape, w.shape, y_hw, stride_, padding_, dilation_)
    return _run_conv_dgrad(op, lib, x, w, g, splits, algorithm, _check_bias(op, bias, g.C, lib))


def conv_transpose2d_input_grad(lib, gy, w, x_shape, stride=1, padding=0, dilation=1, *, splits=None, algorithm="auto"):
    """dx of y = conv_transpose2d(x, w): the convolution of gy with w (read as [K=Cin, C=Cout, R, S]),
    cropped to x's (H, W); runs conv2d_fwd_igemm. (output_padding is implied by gy's size.)"""
    op = "conv_transpose2d_input_grad"
    _check_array(op, "gy", gy, 4, lib)
    _check_array(op, "w", w, 4, lib)
    x_shape = _check_shape(op, "x_shape", x_shape, 4)
    g = _transpose_geometry(op, x_shape, w.shape, gy.shape[2:], stride, padding, dilation)
    if gy.shape[:2] != (x_shape[0], w.shape[1]):
        raise ValueError(f"{op}: gy has shape {tuple(gy.shape)}, expected ({x_shape[0]}, {w.shape[1]}, ...) for "
                         f"input {x_shape} and weight {tuple(w.shape)}")
    return _run_conv_fwd(op, lib, gy, w, g, splits, algorithm)


def conv_transpose2d_weight_grad(lib, x, gy, w_shape, stride=1, padding=0, dilation=1, *, splits=None,
                                 algorithm="auto"):
    """dw of y = conv_transpose2d(x, w): dw[ci,co,r,s] = sum_{n,i,j} x[n,ci,i,j] gy[n,co, i*sh-ph+r*dh, j*sw-pw+s*dw],
    the convolution weight gradient with the roles of input and output gradient swapped (conv2d_wgrad_igemm)."""
    op = "conv_transpose2d_weight_grad"
    _check_array(op, "x", x, 4, lib)
    _check_array(op, "gy", gy, 4, lib)
    w_shape = _check_shape(op, "w_shape", w_shape, 4)
    g = _transpose_geometry(op, x.shape, w_shape, gy.shape[2:], stride, padding, dilation)
    if gy.shape[:2] != (x.shape[0], w_shape[1]):
        raise ValueError(f"{op}: gy has shape {tuple(gy.shape)}, expected ({x.shape[0]}, {w_shape[1]}, ...) for "
                         f"input {tuple(x.shape)} and weight {w_shape}")
    return _run_conv_wgrad(op, lib, gy, x, g, splits, algorithm)


def elementwise_grid(lib, n, threads="ELEMENTWISE_THREADS"):
    """Blocks for a grid-stride kernel over n elements with `threads` (the name of its block-size constant)
    per block: enough to cover n, at most 8 per SM."""
    return max(1, min(math.ceil(n / lib.constant(threads)), 8 * lib.multiprocessors()))


def leaky_relu(lib, x, slope):
    """y = x where x > 0, slope * x elsewhere (any shape)."""
    if not (isinstance(x, lib.xp.ndarray) and x.dtype == np.float32 and x.flags.c_contiguous):
        raise ValueError(f"leaky_relu: x must be a C-contiguous float32 {lib.xp.__name__} array, got "
                         f"{type(x).__name__} {getattr(x, 'dtype', '')}")
    y = lib.xp.empty_like(x)
    lib.launch("leaky_relu_fwd", elementwise_grid(lib, x.size), lib.constant("ELEMENTWISE_THREADS"),
               x, y, x.size, slope)
    return y
