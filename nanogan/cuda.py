"""ng.cuda: what ported code asks torch.cuda, `device = "cuda" if ng.cuda.is_available() else "cpu"`. The GPU's
own code is nanogan/backend/cuda."""
from . import backend as backends


def is_available():
    """Whether the CUDA backend runs here: CuPy installed, and a GPU it can use."""
    return backends.is_available("cuda")


def device_count():
    """GPUs nanogan can drive: it drives one, CuPy's current device."""
    return 1 if is_available() else 0
