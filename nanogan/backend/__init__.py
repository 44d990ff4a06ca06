"""Backends: *how* arrays are stored and kernels run.

ops/ says what an operation computes; a backend says how. Every backend is a module with the
same flat interface (see backend/cpu/__init__.py for the list): `xp` (numpy, or CuPy on the GPU) for
the simple array algebra, plus named kernels for the loops numpy cannot express well
(convolution, pooling, normalisation). An op asks for the backend that owns its input arrays and
never branches on the device itself.
"""
import importlib
import sys

import numpy as np

_LOADERS = {"cpu": "nanogan.backend.cpu", "cuda": "nanogan.backend.cuda"}
_loaded = {}
_by_type = {}  # array type -> the backend that owns it


class Device(str):
    """A device name, as torch.device: "cpu", "cuda" or "cuda:0", with its `type` and `index`. It is the string
    itself, so it goes wherever a device string does and equals one."""

    def __new__(cls, kind, index=None):
        name = str(kind) if index is None else f"{kind}:{index}"
        base, _, number = name.partition(":")
        if base not in _LOADERS or not (number == "" or number.isdigit()):
            raise ValueError(f"device {name!r}: expected 'cpu', 'cuda' or 'cuda:N'")
        return super().__new__(cls, name)

    @property
    def type(self):
        return self.partition(":")[0]

    @property
    def index(self):
        number = self.partition(":")[2]
        return int(number) if number else None


def is_available(device):
    """Whether `device` runs here: for "cuda", CuPy is installed and finds a GPU."""
    try:
        get(device)
    except RuntimeError:
        return False
    return True


def get(device):
    """The backend module for a device string such as "cpu", "cuda" or "cuda:0" (one GPU: index 0)."""
    kind, _, index = str(device).partition(":")
    if index not in ("", "0"):
        raise ValueError(f"device {device!r}: nanogan drives one GPU, 'cuda' or 'cuda:0'")
    if kind not in _LOADERS:
        raise ValueError(f"unknown device {device!r}; expected one of {sorted(_LOADERS)}")
    if kind not in _loaded:
        try:
            _loaded[kind] = importlib.import_module(_LOADERS[kind])
        except ImportError as err:
            raise RuntimeError(f"device {device!r} is not available here: {err}") from err
    return _loaded[kind]


def of(array):
    """The backend module whose arrays include `array` (found once per array type: every op asks)."""
    backend = _by_type.get(type(array))
    if backend is None:
        backend = _find_owner(array)
        _by_type[type(array)] = backend
    return backend


def _find_owner(array):
    for backend in _loaded.values():
        if backend.owns(array):
            return backend
    cpu = get("cpu")
    if cpu.owns(array):
        return cpu
    raise TypeError(f"no backend stores arrays of type {type(array).__name__}: a Tensor holds a numpy or CuPy array "
                    f"(ng.tensor(data) makes one of numbers or nested lists)")


def array_module(array):
    """CuPy for a CuPy array, numpy for anything else: what array code shared by the backends computes with."""
    cupy = sys.modules.get("cupy")  # a CuPy array exists only where CuPy was imported
    return cupy if cupy is not None and isinstance(array, cupy.ndarray) else np


def add_channel_bias_(y, bias):
    """y[:, c, ...] += bias[c] in place, on the output array an op has just made; bias None adds nothing. A
    layer's bias, added by the backend function that computes the layer (array code of either backend; the
    CUDA convolution kernels add it themselves as they store y)."""
    if bias is not None:
        y += bias.reshape((-1,) + (1,) * (y.ndim - 2))
    return y


def device_memory_in_use():
    """Bytes of GPU memory held by live arrays (the CUDA backend's pool), or None while no GPU backend is
    loaded: what a training log records to show a flat memory profile."""
    cuda = _loaded.get("cuda")
    return None if cuda is None else cuda.memory_in_use()
