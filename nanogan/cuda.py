"""ng.cuda: what ported code asks torch.cuda, `device = "cuda" if ng.cuda.is_available() else "cpu"`. The GPU's
own code is nanogan/backend/cuda. Every function but is_available and device_count needs the GPU, and says so
where there is none ("device 'cuda' is not available here: ..."), as torch.cuda's do."""
import sys

import numpy as np

from . import backend as backends
from . import random
from .amp import cuda_amp as amp
from .legacy import TensorType

# torch < 0.4's typed constructors on the GPU: `Tensor = ng.cuda.FloatTensor if cuda else ng.FloatTensor`
FloatTensor, DoubleTensor, LongTensor = (TensorType(dtype, "cuda") for dtype in (np.float32, np.float64, np.int64))
IntTensor, ByteTensor, BoolTensor = (TensorType(dtype, "cuda") for dtype in (np.int32, np.uint8, np.bool_))
# torch.cuda.amp's GradScaler and autocast (nanogan/amp.py); known to the import system too, so that ported code's
# `from nanogan.cuda.amp import GradScaler` finds it, though ng.cuda is a module rather than a package
sys.modules[__name__ + ".amp"] = amp


def is_available():
    """Whether the CUDA backend runs here: CuPy installed, and a GPU it can use."""
    return backends.is_available("cuda")


def device_count():
    """GPUs nanogan can drive: it drives one, CuPy's current device."""
    return 1 if is_available() else 0


def current_device():
    """The index of the GPU nanogan drives (CuPy's current device)."""
    return backends.get("cuda").current_device()


def get_device_name(device=None):
    return backends.get("cuda").device_name()


def synchronize(device=None):
    """Wait until the GPU has done all the work queued so far (before reading a timer, say). A failed input check
    queued on the device (an index out of range) raises here, as a device-side assert does in PyTorch."""
    backends.get("cuda").synchronize()


def memory_allocated(device=None):
    """Bytes of GPU memory held by live tensors (and by the private pools of recorded CUDA graphs)."""
    return backends.get("cuda").memory_in_use()


def memory_reserved(device=None):
    """Bytes CuPy's memory pool holds from the driver: memory_allocated plus the cached free blocks."""
    return backends.get("cuda").memory_reserved()


def empty_cache():
    """Give the memory pool's cached free blocks back to the driver (what nvidia-smi counts drops; live tensors
    keep theirs)."""
    backends.get("cuda").empty_cache()


def manual_seed(seed):
    """Seed the global generator, ng.manual_seed's: nanogan draws the numbers of every device on the host, from one
    stream, so there is no separate GPU stream to seed (PyTorch's is; its CPU stream stays where it was)."""
    return random.manual_seed(seed)


manual_seed_all = manual_seed
