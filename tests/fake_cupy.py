"""A stand-in for CuPy on a machine without a GPU, so that the CUDA backend's Python code runs on the CPU.

    NANOGAN_FAKE_CUPY=1 python -m pytest -q -m gpu

What stands in for what:
- a CuPy array is `ndarray`, a numpy subclass: a type of its own (so backend.of() sends it to the CUDA
  backend and mixing it with numpy arrays is an error), and, as in CuPy, indexing and reductions give 0-d
  arrays, never numpy scalars;
- `cupy.<function>` is numpy's, with fake arrays in and out, except where CuPy's kernel computes otherwise
  (CUPY_LOOPS: remainder of floats, fmod of integers);
- `cupyx.scipy.special.erf` is scipy's (a ufunc, so fake arrays in and out as well);
- `cupyx.scatter_add`, `scatter_max` and `scatter_min` are numpy's add.at, maximum.at and minimum.at;
- the kernels of csrc/ (RawModule) run on the host emulation, nanogan._emu, from the arrays' addresses, so the
  Python wrappers, their grids and their argument conversion are the ones the GPU runs;
- cuBLAS (backend/cuda/blas.py calls it through ctypes) is `FakeCublas`: a column-major GEMM read from the raw
  pointers, leading dimensions and transpose flags blas.py computes, so its layout logic is checked too;
- `cupy.ElementwiseKernel` evaluates its C operation as numpy expressions (the few forms nanogan uses).

- a CUDA graph (Stream.begin_capture ... end_capture) is the list of the operations queued while it was open,
  replayed in order on the same arrays (see "CUDA graphs" below).

What it cannot stand in for: streams and asynchrony (everything runs at once), memory pools (they report 0
bytes), the kernels' speed, and nanogan._C (its kernels take device pointers, so it counts as not built:
tests/test_kernels*.py's GPU tests run the "cupy" library only).

`calls` counts every array operation, kernel launch and GEMM by name: on the GPU each is one launch from the
host, so a step's count is what its eager host work scales with (benchmarks/count_nodes.py --launches).
"""
import collections
import contextlib
import ctypes
import re
import sys
import time
import types

import numpy as np
import scipy.special

calls = collections.Counter()
HOST_READ = "host read"
run_kernels = True  # False: csrc kernels and GEMMs are counted, not run (install(kernels=False))


# ---- arrays ----------------------------------------------------------------------------------------------------

def _waits(what):
    """CuPy waits for the device here: counted as a host read, and refused while a capture is open, where CUDA
    refuses a synchronisation (and CuPy's begin_capture documents that such calls raise)."""
    calls[HOST_READ] += 1
    if _capture is not None:
        raise CUDARuntimeError(f"cudaErrorStreamCaptureUnsupported: {what} waits for the device, which a stream "
                               f"being captured cannot do")


def _host_read(method):
    """`method`, counted as a host read."""
    def read(self, *args):
        _waits(method.__name__)
        return method(self, *args)
    return read


# CuPy's functions whose output size depends on the values: they read a count on the host first
# (cupy/_core/_routines_indexing.pyx: _ndarray_argwhere, _prepare_mask_indexing_single, "# synchronize!")
VALUE_SIZED = ("nonzero", "argwhere", "flatnonzero", "compress", "extract", "unique")


def _masks_in(key):
    """Whether an index holds a boolean array of one or more dimensions (a mask: CuPy counts its Trues on the host)."""
    return any(isinstance(k, np.ndarray) and k.dtype == np.bool_ and k.ndim > 0
               for k in (key if isinstance(key, tuple) else (key,)))


class ndarray(np.ndarray):
    """A 'device' array: numpy memory, CuPy's type rules."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
        calls[name] += 1
        _refuse_host_arrays(name, inputs)
        operation = (method == "__call__" and CUPY_LOOPS.get(ufunc)) or getattr(ufunc, method)
        if _capture is not None:
            _refuse_cupy_products(name)
            return _record(operation, inputs, kwargs)
        if "out" in kwargs:
            kwargs["out"] = tuple(_plain(o) for o in kwargs["out"])
        return _fake(operation(*(_plain(i) for i in inputs), **kwargs))

    def __array_function__(self, func, types, args, kwargs):
        calls[func.__name__] += 1
        _refuse_hidden_host_copies(func.__name__, args, kwargs)
        if func.__name__ in VALUE_SIZED or func.__name__ == "where" and len(args) + len(kwargs) == 1:
            _waits(f"cupy.{func.__name__}")
        _refuse_host_arrays(func.__name__, (*args, *kwargs.values()))
        if _capture is not None:
            _refuse_cupy_products(func.__name__)
            return _record(func, args, kwargs)
        return _fake(func(*_plain(args), **{k: _plain(v) for k, v in kwargs.items()}))

    def __getitem__(self, key):
        if _masks_in(key):
            _waits("indexing by a boolean mask")
        if _capture is not None:
            return _record(_getitem, (self, key), {})
        return _fake(_getitem(self, _plain(key)))

    def mean(self, *args, **kwargs):  # one reduction kernel in CuPy, where numpy's is a sum and a division
        calls["mean"] += 1
        if _capture is not None:
            return _record(np.ndarray.mean, (self, *args), kwargs)
        return _fake(np.ndarray.mean(self.view(np.ndarray), *args, **_plain(kwargs)))

    def __setitem__(self, key, value):  # a copy kernel on the GPU
        calls["setitem"] += 1
        if _masks_in(key):
            _waits("assigning through a boolean mask")
        if _capture is not None:
            return _record(_setitem, (self, key, value), {}, writes=True)
        _setitem(self.view(np.ndarray), _plain(key), _plain(value))

    # Reading a value on the host waits for the device: counted as "host read" (a training step should make none)
    item, tolist, nonzero = _host_read(np.ndarray.item), _host_read(np.ndarray.tolist), _host_read(np.ndarray.nonzero)
    __float__, __int__, __bool__ = (_host_read(m) for m in (np.ndarray.__float__, np.ndarray.__int__,
                                                           np.ndarray.__bool__))

    @property
    def data(self):  # CuPy's MemoryPointer: the address
        return types.SimpleNamespace(ptr=self.__array_interface__["data"][0])


# ---- CuPy's arithmetic, where it is not numpy's ---------------------------------------------------------------

def _stored(result, computed):
    """`computed` as numpy's `result` (an array, maybe out=, or a scalar) is: in its memory, or its type."""
    if isinstance(result, np.ndarray):
        result[...] = computed
        return result
    return np.asarray(computed, dtype=result.dtype)[()]


def remainder(a, b, **kwargs):
    """CuPy's remainder: numpy's for integers; for floats a - floor(a / b)·b in the result's dtype
    (cupy/_core/_routines_math.pyx, _remainder), which rounds where a/b is large and is NaN where b is infinite. (NVRTC
    may fuse it into an FMA, which rounds elsewhere: not numpy's either.)"""
    with np.errstate(all="ignore"):
        result = np.remainder(a, b, **kwargs)
        dtype = np.asarray(result).dtype
        if dtype.kind != "f":
            return result
        x, y = (np.asarray(v).astype(dtype) for v in (a, b))
        return _stored(result, x - np.floor(x / y) * y)


def fmod(a, b, **kwargs):
    """CuPy's fmod: numpy's (C's) for floats; for integers C's fmod of the two as doubles, 0 where b is 0
    (cupy/_math/arithmetic.py, fmod), which rounds beyond 2**53."""
    with np.errstate(all="ignore"):
        result = np.fmod(a, b, **kwargs)
        dtype = np.asarray(result).dtype
        if dtype.kind == "f":
            return result
        x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        return _stored(result, np.where(y == 0, 0, np.fmod(x, np.where(y == 0, 1, y))).astype(dtype))


CUPY_LOOPS = {np.remainder: remainder, np.fmod: fmod}  # ufuncs whose CuPy kernels compute otherwise than numpy's
def argsort(a, axis=-1):
    """CuPy's argsort: always stable (a radix sort), with no kind= (numpy's default quicksort is not stable)."""
    return np.argsort(a, axis=axis, kind="stable")


CUPY_FUNCTIONS = {"remainder": remainder, "mod": remainder, "fmod": fmod, "argsort": argsort}


def _refuse_host_arrays(name, arguments):
    """CuPy refuses numpy arrays (but not scalars) in device operations: data must be copied over explicitly."""
    for a in arguments:
        if isinstance(a, (tuple, list)):
            _refuse_host_arrays(name, a)
        elif isinstance(a, np.ndarray) and not isinstance(a, ndarray) and a.ndim > 0:
            raise TypeError(f"cupy.{name}: got a numpy array of shape {a.shape}; CuPy takes device arrays only")


def _plain(obj):
    """Fake arrays as numpy arrays (views), through tuples and lists."""
    if isinstance(obj, ndarray):
        return obj.view(np.ndarray)
    if isinstance(obj, (tuple, list)):
        return type(obj)(_plain(o) for o in obj)
    return obj


def _fake(obj):
    """numpy results as fake arrays; numpy scalars as 0-d fake arrays, as CuPy returns them."""
    if isinstance(obj, np.ndarray):
        return obj if isinstance(obj, ndarray) else obj.view(ndarray)
    if isinstance(obj, np.generic):
        return np.asarray(obj).view(ndarray)
    if isinstance(obj, tuple):
        return tuple(_fake(o) for o in obj)
    if isinstance(obj, list):
        return [_fake(o) for o in obj]
    return obj


def _wrapped(array, key):
    """key with its integer arrays wrapped round into the dimensions they index, as CuPy's getitem, setitem and
    atomic scatters take an index out of bounds, where numpy raises (dimensions counted as if key had no None,
    ... or masks)."""
    parts = key if isinstance(key, tuple) else (key,)
    wrapped = tuple(k % size if isinstance(k, np.ndarray) and k.dtype.kind in "iu" else k
                    for k, size in zip(parts, array.shape))
    return wrapped + parts[len(wrapped):]


def _out_of_bounds_wrapped(operation):
    """`operation(array, key, ...)`, its key wrapped round (_wrapped) where numpy finds an index out of bounds."""
    def run(array, key, *args):
        try:
            return operation(array, key, *args)
        except IndexError:
            return operation(array, _wrapped(array, key), *args)
    return run


def _getitem(array, key):
    try:
        picked = np.ndarray.__getitem__(array, key)
    except IndexError:
        key = _wrapped(array, key)
        picked = np.ndarray.__getitem__(array, key)
    if isinstance(picked, np.generic):  # one element: CuPy gives a 0-d view of the array, numpy a number
        return np.ndarray.__getitem__(array, (key if isinstance(key, tuple) else (key,)) + (Ellipsis,))
    return picked


_setitem = _out_of_bounds_wrapped(np.ndarray.__setitem__)


def _refuse_hidden_host_copies(name, args, kwargs):
    """CuPy joins more than 8 arrays of one dtype (under 2 MiB each on average) in one kernel, which reads a table of
    their addresses that CuPy copies over from a host buffer (cupy/_core/_routines_manipulation.pyx,
    _concatenate_single_kernel); stack and the others join through it. A graph would record that copy from a pinned
    buffer CuPy reuses afterwards: refused while a capture is open, as nanogan's from_host is."""
    if name not in ("concatenate", "stack", "hstack", "vstack") or _capture is None:
        return
    arrays = list(args[0] if args else kwargs.get("arrays", kwargs.get("tup", ())))
    one_kernel = len({a.dtype for a in arrays}) == 1 and sum(a.nbytes for a in arrays) < (2 << 20) * len(arrays)
    if len(arrays) > 8 and one_kernel:
        raise CUDARuntimeError(f"cupy.{name} of {len(arrays)} arrays copies their addresses from the host, which a "
                               f"graph records as a copy from a buffer CuPy reuses afterwards")


def _device_function(name, function):
    def run(*args, **kwargs):
        calls[name] += 1
        _refuse_hidden_host_copies(name, args, kwargs)
        if name in VALUE_SIZED or name == "where" and len(args) + len(kwargs) == 1:
            _waits(f"cupy.{name}")
        _refuse_host_arrays(name, (*args, *kwargs.values()))
        if _capture is not None and name not in ALLOCATIONS:
            return _record(function, args, kwargs)
        made = _fake(function(*_plain(args), **{k: _plain(v) for k, v in kwargs.items()}))
        if _capture is not None:
            _capture.arrays.append(made)
        return made
    run.__name__ = name
    return run


def asarray(a, dtype=None):
    calls["asarray"] += 1
    if isinstance(a, ndarray) and (dtype is None or a.dtype == dtype):
        return a
    if _capture is not None:
        return _record(np.array, (a, dtype), {})
    return np.array(_plain(a), dtype=dtype).view(ndarray)


def asnumpy(a):
    _waits("cupy.asnumpy")
    return np.array(_plain(a))


# ---- CUDA graphs -----------------------------------------------------------------------------------------------
# A capture records the device work queued on its stream without running it; a replay runs that work again on
# the same memory. Here, while a capture is open, every operation goes through _record, which keeps it as a
# replay step over the very arrays it was given and keeps every array made alive with the graph (a graph's
# private pool keeps its memory):
#   - an operation that makes arrays (arithmetic, reductions, copies) runs at once, since the host needs their
#     shapes, and replays as `made[...] = the operation again`; one that returns a view of an array it was given
#     replays as nothing (the view follows its base), and so does an allocation (ALLOCATIONS), which queues no
#     work on a GPU: a replay must not overwrite what was written into its array between replays;
#   - an operation that writes into arrays it is given (a csrc kernel, a GEMM, out=, a[...] = v, scatter_add)
#     does not run while recording, as on a GPU, so the arrays that existed before the capture keep their values.
# So values read while recording are whatever the arrays held then, as on a GPU, where nothing is read: a host
# read (item, float, asnumpy, a boolean mask's count) raises while a capture is open, as CUDA refuses to wait for
# a stream being captured (nanogan's to_host refuses first). numpy's own ndarray methods that may copy
# (COPYING_METHODS) go through _record only while a capture is open; eager steps pay nothing for any of this. CuPy's
# own products (CUBLAS_PRODUCTS: cuBLAS through CuPy's handle) refuse to run while a capture is open, as CuPy's do;
# nanogan's graph-safe products call cuBLAS themselves (backend/cuda/blas.py, FakeCublas here).

_capture = None  # the open capture: its replay steps and the arrays they need
ALLOCATIONS = ("empty", "empty_like")
COPYING_METHODS = ("astype", "copy", "ravel", "flatten", "reshape", "argmax")
CUBLAS_PRODUCTS = ("matmul", "dot", "tensordot", "inner", "vdot", "einsum")


class _Capture:
    def __init__(self):
        self.steps, self.arrays = [], []


def _root(array):
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def _arrays_in(values):
    for v in values:
        if isinstance(v, np.ndarray):
            yield v
        elif isinstance(v, (tuple, list)):
            yield from _arrays_in(v)


def _refuse_cupy_products(name):
    if name in CUBLAS_PRODUCTS:
        raise CUDARuntimeError(f"cudaErrorStreamCaptureUnsupported: cupy.{name} runs cuBLAS through CuPy's handle, "
                               f"which a graph being captured cannot record")


def _record(function, args, kwargs, writes=False):
    """function(*args, **kwargs) on plain numpy arrays, queued on the open capture (see above); returns what
    CuPy's operation returns. `writes`: it writes into arrays it is given, as one with out= does."""
    def run():
        return function(*_plain(args), **{k: _plain(v) for k, v in kwargs.items()})
    given = list(_arrays_in((args, tuple(kwargs.values()))))
    _capture.arrays.extend(given)
    out = kwargs.get("out")
    if writes or out is not None:
        _capture.steps.append(run)
        return out[0] if isinstance(out, tuple) and len(out) == 1 else out
    with np.errstate(all="ignore"):  # what the arrays hold while recording is not meant to be computed with
        result = _fake(run())
    given = {id(_root(a)) for a in given}
    made = [(i, r) for i, r in enumerate(result if isinstance(result, tuple) else (result,))
            if isinstance(r, np.ndarray) and id(_root(r)) not in given]
    if made:
        _capture.arrays.extend(r for _, r in made)

        def replay():
            fresh = run()
            fresh = fresh if isinstance(fresh, tuple) else (fresh,)
            for i, r in made:
                np.ndarray.__setitem__(r, Ellipsis, fresh[i])
        _capture.steps.append(replay)
    return result


def _copying_method(name):
    method = getattr(np.ndarray, name)

    def call(self, *args, **kwargs):
        return _record(method, (self, *args), kwargs)
    return call


def _begin_capture():
    global _capture
    if _capture is not None:
        raise CUDARuntimeError("cudaErrorStreamCaptureUnsupported: a capture is already open")
    _capture = _Capture()
    for name in COPYING_METHODS:
        setattr(ndarray, name, _copying_method(name))


def _end_capture():
    global _capture
    if _capture is None:
        raise CUDARuntimeError("cudaErrorIllegalState: no capture is open")
    graph, _capture = Graph(_capture), None
    for name in COPYING_METHODS:
        delattr(ndarray, name)
    return graph


class Graph:
    """A recorded capture: launch() runs its steps in order."""

    def __init__(self, capture):
        self.capture = capture

    def launch(self, stream=None):
        for step in self.capture.steps:
            step()


# ---- kernels ---------------------------------------------------------------------------------------------------

class RawModule:
    """csrc's kernels, by name, on the host emulation."""

    def __init__(self, code, options=()):
        from nanogan import _kernels
        self.emulation = _kernels.load("emu").module

    def get_function(self, name):
        from nanogan import _kernels
        kernel, params = getattr(self.emulation, name), _kernels.kernel_sources()[0][name]

        def run(grid, block, *args):
            kernel(list(grid), list(block), 0, *(a.__array_interface__["data"][0] if isinstance(a, np.ndarray)
                                                 else a.item() for a in args))

        def launch(grid, block, args):
            calls[name] += 1
            _check_raw_arguments(name, params, grid, block, args)
            if not run_kernels:
                return
            if _capture is not None:
                return _record(run, (grid, block, *args), {}, writes=True)
            run(grid, block, *args)
        return launch


def _check_raw_arguments(name, params, grid, block, args):
    """What a RawKernel takes as CuPy passes it (cupy/cuda/function.pyx): grid and block as tuples, and each argument
    by value at its own width (_pointer): an array as its address, a numpy scalar as its bytes, but a Python int as
    an int64, a float as a double and None as a null pointer *to* the argument. The kernel reads its parameters at
    their C widths, so a pointer takes an array or a uint64, an int an int32 and a float a float32; anything else is
    read as other bytes than the ones meant (or, for None, not at all)."""
    if type(grid) is not tuple or type(block) is not tuple:
        raise TypeError(f"kernel {name}: grid and block must be tuples, got {type(grid).__name__} and "
                        f"{type(block).__name__}")
    if len(args) != len(params):
        raise TypeError(f"kernel {name}: {len(params)} parameters, {len(args)} arguments")
    for param, a in zip(params, args):
        takes = (ndarray, np.uint64) if param.pointer else np.int32 if param.ctype == "int" else np.float32
        if not isinstance(a, takes):
            raise TypeError(f"kernel {name}: parameter {param} given a {type(a).__name__}, which CuPy passes at "
                            f"another width than the kernel reads")


elementwise_kernels = []  # every ElementwiseKernel made: their C code is compiled by NVRTC in a test


class ElementwiseKernel:
    """CuPy's elementwise kernel, its C operation evaluated on whole arrays: statements `out = expr;` or
    `T local = expr;` whose expressions use + - * /, sqrt, exp, pow and casts to a type parameter, as nanogan's do."""

    def __init__(self, in_params, out_params, operation, name):
        self.inputs, self.outputs = _params(in_params), _params(out_params)
        self.name, self.operation = name, operation
        elementwise_kernels.append(self)
        numpy_names = {"sqrt": "np.sqrt(", "exp": "np.exp(", "pow": "np.power("}
        python = re.sub(r"\b(sqrt|exp|pow)\(", lambda m: numpy_names[m[1]], re.sub(r"\((?:T|S)\)", "", operation))
        # (name assigned, whether it is a local, the expression compiled once: host instructions that
        # benchmarks/host_cost.py counts as the host's, which CuPy spends in compiled code)
        self.statements = []
        for statement in filter(str.strip, python.split(";")):
            target, expression = statement.split("=", 1)
            declared = target.split()
            self.statements.append((declared[-1], len(declared) == 2, compile(expression.strip(), name, "eval")))

    def __call__(self, *args):
        calls[self.name] += 1
        if len(args) not in (len(self.inputs), len(self.inputs) + len(self.outputs)):
            raise TypeError(f"Wrong number of arguments for {self.name}")
        _refuse_host_arrays(self.name, args)
        inputs, outputs = args[:len(self.inputs)], args[len(self.inputs):]
        type_of = self._checked_types(inputs, outputs)
        # CuPy broadcasts the inputs and the outputs given together, and refuses outputs that broadcasting would grow
        shape = np.broadcast_shapes(*(a.shape for a in args if isinstance(a, np.ndarray)))
        for (_, name), o in zip(self.outputs, outputs):
            if o.shape != shape:
                raise ValueError(f"Out shape is mismatched: {shape} while {o.shape} is expected ({self.name}: {name})")
        if not outputs:  # the kernel allocates its outputs: the inputs' broadcast shape, their declared types
            outputs = tuple(ndarray(shape, dtype=np.dtype(ctype) if len(ctype) > 1 else type_of[ctype])
                            for ctype, _ in self.outputs)
        if _capture is not None:
            _record(self._evaluate, (inputs, outputs), {}, writes=True)
        else:
            self._evaluate(inputs, outputs)
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    def _checked_types(self, inputs, outputs):
        """_types, checked as CuPy checks them (cupy/_core/_kernel.pyx, _decide_params_type_core): an output must be
        an array; an array given for a parameter declared with a dtype must have it (no cast: TypeError), and the
        arrays given for one type parameter must agree. Scalars are cast to their parameter's type."""
        if not all(isinstance(o, np.ndarray) for o in outputs):
            raise TypeError("Output arguments must be cupy.ndarray")
        type_of = {}
        for (ctype, name), a in (*zip(self.outputs, outputs), *zip(self.inputs, inputs)):
            if not isinstance(a, np.ndarray):
                continue
            expected = np.dtype(ctype) if len(ctype) > 1 else type_of.setdefault(ctype, a.dtype)
            if a.dtype != expected:
                raise TypeError(f"Type is mismatched. {name} {a.dtype.type} {expected.type} ({self.name})")
        return type_of

    def _types(self, args):
        """{type parameter (T, S): the dtype of the first array argument declared with it}"""
        type_of = {}
        for (ctype, _), a in zip(self.inputs + self.outputs, args):
            if len(ctype) == 1 and isinstance(a, np.ndarray):
                type_of.setdefault(ctype, a.dtype)
        return type_of

    def _evaluate(self, inputs, outputs):
        type_of = self._types((*inputs, *outputs))
        values = {name: np.asarray(_plain(a), dtype=type_of.get(ctype, ctype if len(ctype) > 1 else None))
                  for (ctype, name), a in zip(self.inputs, inputs)}
        values.update((name, _plain(o)) for (_, name), o in zip(self.outputs, outputs))
        for target, is_local, expression in self.statements:
            value = eval(expression, {"np": np}, values)
            if is_local:  # T local = ...
                values[target] = value
            else:
                values[target][...] = value

    def cuda_source(self):
        """The kernel as CuPy writes it for float32 arrays, near enough for a compiler to judge the operation:
        type parameters float, each input read by value at index i, each output bound by reference."""
        def ctype(name):
            return {"float64": "double", "float32": "float"}.get(name, name)
        pointers = [f"const {ctype(t)}* _in_{n}" for t, n in self.inputs] + \
            [f"{ctype(t)}* _out_{n}" for t, n in self.outputs]
        bindings = [f"const {ctype(t)} {n} = _in_{n}[i];" for t, n in self.inputs] + \
            [f"{ctype(t)} &{n} = _out_{n}[i];" for t, n in self.outputs]
        return (f'extern "C" __global__ void {self.name}({", ".join(pointers)}, int _n) {{\n'
                f"  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < _n; i += blockDim.x * gridDim.x) {{\n"
                f"    {' '.join(bindings)}\n    {self.operation};\n  }}\n}}\n")


def _params(text):
    return [tuple(p.split()) for p in text.split(",")]


# CuPy's atomic scatters reduce by CUDA's atomics where the index holds an integer array (or more than one array), and
# have them for these dtypes only: any other raises TypeError (cupy/_core/_routines_indexing.pyx,
# _scatter_op_single). A boolean mask alone, or slices alone, reduce without atomics, for every dtype.
ATOMIC_DTYPES = {"scatter_add": tuple(map(np.dtype, (np.int32, np.float16, np.float32, np.float64, np.uint32,
                                                     np.uint64))),
                 "scatter_max": tuple(map(np.dtype, (np.int32, np.float32, np.float64, np.uint32, np.uint64)))}
ATOMIC_DTYPES["scatter_min"] = ATOMIC_DTYPES["scatter_max"]


def _reduces_atomically(index):
    arrays = [np.asarray(part) for part in (index if isinstance(index, tuple) else (index,))
              if isinstance(part, (np.ndarray, list))]
    return len(arrays) > 1 or any(a.dtype.kind in "iu" for a in arrays)


def _atomic_scatter(name, ufunc):
    """cupyx's scatter `name`: numpy's ufunc.at, which reduces every repeat of a position in as CUDA's atomics do,
    for the dtypes CuPy has those atomics for."""
    reduce_at = _out_of_bounds_wrapped(ufunc.at)

    def scatter(target, index, values):
        calls[name] += 1
        if target.dtype not in ATOMIC_DTYPES[name] and _reduces_atomically(index):
            raise TypeError(f"{name} only supports {', '.join(d.name for d in ATOMIC_DTYPES[name])} as data type, "
                            f"got {target.dtype}")
        if _masks_in(index):
            _waits(f"{name} through a boolean mask")
        if _capture is not None:
            return _record(reduce_at, (target, index, values), {}, writes=True)
        reduce_at(_plain(target), _plain(index), _plain(values))
    return scatter


scatter_add, scatter_max, scatter_min = (_atomic_scatter(f"scatter_{name}", ufunc) for name, ufunc in
                                         (("add", np.add), ("max", np.maximum), ("min", np.minimum)))


# ---- cuBLAS ----------------------------------------------------------------------------------------------------

class FakeCublas:
    """Stands in for blas._Handle: cublas<S|D>gemm_v2 on the matrices its raw pointers describe (column-major:
    element (i, j) of an m×n matrix with leading dimension ld is at i + j·ld)."""

    def on_current_stream(self):
        return None

    def call(self, function, handle, op_a, op_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc):
        calls["gemm"] += 1
        if not run_kernels:
            return
        arguments = (function, op_a, op_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        if _capture is not None:  # raw pointers, into arrays kept alive by the capture (every one it made)
            return _record(self._gemm, arguments, {}, writes=True)
        self._gemm(*arguments)

    @staticmethod
    def _gemm(function, op_a, op_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc):
        dtype = np.float32 if function == "cublasSgemm_v2" else np.float64
        op_a_matrix = _column_major(a.value, op_a, m, k, lda, dtype)
        op_b_matrix = _column_major(b.value, op_b, k, n, ldb, dtype)
        result = _column_major(c.value, 0, m, n, ldc, dtype)
        product = alpha._obj.value * (op_a_matrix @ op_b_matrix)
        result[...] = product if beta._obj.value == 0 else product + beta._obj.value * result  # beta 0: C unread

    _check = call  # its name in blas.py up to 67bada4 (benchmarks/host_cost.py --tree counts older commits)


def _column_major(address, transposed, rows, cols, ld, dtype):
    """The rows×cols matrix op(X) over the memory at `address`: X itself (op N) or the transpose of X (op T)."""
    size = np.dtype(dtype).itemsize
    if transposed:
        extent, strides = (rows - 1) * ld + cols, (ld * size, size)
    else:
        extent, strides = (cols - 1) * ld + rows, (size, ld * size)
    memory = np.frombuffer((ctypes.c_char * (extent * size)).from_address(address), dtype=dtype)
    return np.lib.stride_tricks.as_strided(memory, (rows, cols), strides)


# ---- the runtime: one device, one stream, no asynchrony --------------------------------------------------------

class CUDARuntimeError(RuntimeError):
    pass


class Stream:
    ptr = 0

    def __init__(self, non_blocking=False):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def synchronize(self):
        pass

    def record(self):
        return None

    def wait_event(self, event):
        pass

    def is_capturing(self):  # one stream in all: a capture on any is a capture on this one
        return _capture is not None

    def begin_capture(self):
        _begin_capture()

    def end_capture(self):
        return _end_capture()


class Event:
    """Host time at record(): the fake runs every operation as it is called, so the work queued between two
    events is the work done between them."""

    def record(self, stream=None):
        self.seconds = time.perf_counter()

    def synchronize(self):
        pass


def get_elapsed_time(start, end):
    return (end.seconds - start.seconds) * 1e3


class MemoryPool:
    def malloc(self, size):
        raise CUDARuntimeError("the fake CuPy has no device memory")

    def used_bytes(self):
        return 0

    def total_bytes(self):
        return 0

    def free_all_blocks(self):
        self.frees = getattr(self, "frees", 0) + 1


# an H100's, as cudaGetDeviceProperties names them (clocks in kHz)
DEVICE_PROPERTIES = {"name": b"fake H100 (numpy)", "major": 9, "minor": 0, "multiProcessorCount": 132,
                     "clockRate": 1_980_000, "memoryClockRate": 2_619_000, "memoryBusWidth": 5120}


class Device:
    def __init__(self, device_id=0):
        self.id = device_id
        self.attributes = {"MultiProcessorCount": DEVICE_PROPERTIES["multiProcessorCount"]}

    def synchronize(self):
        pass


_stream = Stream()
_pool = MemoryPool()


def _module(name, **attributes):
    module = types.ModuleType(name)
    module.__dict__.update(attributes)
    return module


def installed():
    """Whether `cupy` is this stand-in."""
    return getattr(sys.modules.get("cupy"), "ndarray", None) is ndarray


def install(kernels=True):
    """Put the fake `cupy`, `cupyx` and `cupy_backends` into sys.modules (before nanogan imports them), and the
    fake cuBLAS into backend/cuda/blas.py. kernels=False counts the csrc kernels and the GEMMs without running
    them (their outputs are left as allocated): enough to count a step's calls, which no value decides, in
    seconds at any batch size. Arithmetic on such arrays overflows meaninglessly, so numpy's warnings are then
    silenced."""
    global run_kernels
    run_kernels = kernels
    if not kernels:
        np.seterr(all="ignore")
    runtime = _module("cupy.cuda.runtime", getDeviceCount=lambda: 1, getDevice=lambda: 0,
                      getDeviceProperties=lambda device_id: dict(DEVICE_PROPERTIES),
                      runtimeGetVersion=lambda: 13000, driverGetVersion=lambda: 13000,
                      CUDARuntimeError=CUDARuntimeError)
    cuda = _module("cupy.cuda", runtime=runtime, Stream=Stream, ExternalStream=lambda ptr: _stream,
                   get_current_stream=lambda: _stream, MemoryPool=MemoryPool, Device=Device,
                   Event=Event, get_elapsed_time=get_elapsed_time,
                   using_allocator=lambda malloc=None: contextlib.nullcontext())
    cupy = _module("cupy", __version__="fake (numpy)", ndarray=ndarray, cuda=cuda, asarray=asarray,
                   asnumpy=asnumpy, RawModule=RawModule,
                   ElementwiseKernel=ElementwiseKernel, get_default_memory_pool=lambda: _pool,
                   lib=_module("cupy.lib", stride_tricks=_module(
                       "cupy.lib.stride_tricks", as_strided=_device_function("as_strided",
                                                                           np.lib.stride_tricks.as_strided))))

    def numpy_attribute(name):
        value = CUPY_FUNCTIONS.get(name) or getattr(np, name)
        if callable(value) and not isinstance(value, type):
            value = _device_function(name, value)
        setattr(cupy, name, value)  # looked up once
        return value

    cupy.__getattr__ = numpy_attribute
    cublas = _module("cupy_backends.cuda.libs.cublas")
    # scipy's special functions are ufuncs: given fake arrays, they run through ndarray.__array_ufunc__
    cupyx_scipy = _module("cupyx.scipy", special=_module("cupyx.scipy.special", erf=scipy.special.erf))
    sys.modules.update({"cupy": cupy, "cupy.cuda": cuda, "cupy.cuda.runtime": runtime,
                        "cupyx": _module("cupyx", scatter_add=scatter_add, scatter_max=scatter_max,
                                         scatter_min=scatter_min, scipy=cupyx_scipy),
                        "cupyx.scipy": cupyx_scipy, "cupyx.scipy.special": cupyx_scipy.special,
                        "cupy_backends": _module("cupy_backends"), "cupy_backends.cuda": _module("cupy_backends.cuda"),
                        "cupy_backends.cuda.libs": _module("cupy_backends.cuda.libs", cublas=cublas),
                        "cupy_backends.cuda.libs.cublas": cublas,
                        "nanogan._C": None})  # its kernels take real device pointers: "not built" here
    from nanogan.backend import cpu
    from nanogan.backend.cuda import blas
    blas._Handle = FakeCublas
    numpy_owns = cpu.owns
    cpu.owns = lambda array: numpy_owns(array) and not isinstance(array, ndarray)  # a CuPy array is no numpy array
