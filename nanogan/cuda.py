"""ng.cuda: what ported code asks torch.cuda, `device = "cuda" if ng.cuda.is_available() else "cpu"`. The GPU's
own code is nanogan/backend/cuda."""
import numpy as np

from . import backend as backends
from .legacy import TensorType

# torch < 0.4's typed constructors on the GPU: `Tensor = ng.cuda.FloatTensor if cuda else ng.FloatTensor`
FloatTensor, DoubleTensor, LongTensor = (TensorType(dtype, "cuda") for dtype in (np.float32, np.float64, np.int64))
IntTensor, ByteTensor, BoolTensor = (TensorType(dtype, "cuda") for dtype in (np.int32, np.uint8, np.bool_))


def is_available():
    """Whether the CUDA backend runs here: CuPy installed, and a GPU it can use."""
    return backends.is_available("cuda")


def device_count():
    """GPUs nanogan can drive: it drives one, CuPy's current device."""
    return 1 if is_available() else 0
