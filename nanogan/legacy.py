"""torch < 0.4's spellings, which well-known GAN programs still use and torch still runs: `autograd.Variable`, the
typed constructors (`FloatTensor`, `LongTensor`, ...; `ng.cuda.FloatTensor` on the GPU) and `Tensor.type`. Each is
a thin name for today's API, so that

    Tensor = ng.cuda.FloatTensor if cuda else ng.FloatTensor
    valid = Variable(Tensor(imgs.size(0), 1).fill_(1.0), requires_grad=False)
    real_imgs = Variable(imgs.type(Tensor))

runs as written. New code says `ng.ones(n, 1, device=...)`, `x.requires_grad_()` and `x.to(device, ng.float)`.
"""
import numpy as np

from .arguments import is_int
from .tensor import Tensor, tensor, zeros

# the legacy name of each dtype, as torch names its typed tensors
NAMES = {np.dtype(np.float32): "FloatTensor", np.dtype(np.float64): "DoubleTensor", np.dtype(np.int64): "LongTensor",
         np.dtype(np.int32): "IntTensor", np.dtype(np.uint8): "ByteTensor", np.dtype(np.bool_): "BoolTensor"}


class TensorType:
    """A dtype on a device, called as torch's typed constructor: `FloatTensor(2, 3)` is a new (2, 3) tensor (zeros,
    where torch leaves it uninitialised) and `FloatTensor(values)` the values as a new float32 tensor (a copy, where
    torch shares a float32 numpy array's memory). `isinstance(x, ng.FloatTensor)` asks for x's dtype and device."""

    def __init__(self, dtype, device):
        self.dtype, self.device = np.dtype(dtype), device
        self.__name__ = NAMES[self.dtype]
        self.name = f"nanogan.{'cuda.' if device == 'cuda' else ''}{self.__name__}"

    def __call__(self, *args):
        if all(is_int(a) for a in args):  # sizes, or none: an empty tensor
            return zeros(args if args else (0,), dtype=self.dtype, device=self.device)
        if len(args) != 1:
            raise TypeError(f"{self.__name__}: expected sizes (ints) or one sequence of values, got {args!r}")
        return tensor(args[0], dtype=self.dtype, device=self.device)

    def __instancecheck__(self, x):
        return isinstance(x, Tensor) and x.dtype == self.dtype and x.device.type == self.device

    def __repr__(self):
        return f"<class '{self.name}'>"


FloatTensor, DoubleTensor, LongTensor = (TensorType(dtype, "cpu") for dtype in (np.float32, np.float64, np.int64))
IntTensor, ByteTensor, BoolTensor = (TensorType(dtype, "cpu") for dtype in (np.int32, np.uint8, np.bool_))


def _by_name(name):
    """The TensorType that "torch.cuda.FloatTensor" or "nanogan.FloatTensor" names."""
    _, _, rest = name.partition(".")
    device, _, rest = rest.rpartition(".")
    dtypes = [dtype for dtype, legacy_name in NAMES.items() if legacy_name == rest]
    if name.split(".")[0] not in ("torch", "nanogan") or device not in ("", "cuda") or not dtypes:
        raise ValueError(f"Tensor.type: unknown type {name!r}; expected a name such as 'torch.FloatTensor' or "
                         f"'torch.cuda.LongTensor'")
    return TensorType(dtypes[0], device or "cpu")


def retype(x, to=None):
    """`x.type()`: x's legacy type name ("nanogan.FloatTensor"); `x.type(ng.LongTensor)`, `x.type("torch.cuda.
    FloatTensor")` or `x.type(ng.float64)`: x cast to that dtype, and moved to that device (x itself if it is so
    already, as `.to`)."""
    if to is None:
        if x.dtype not in NAMES:
            raise TypeError(f"Tensor.type: {x.dtype} has no legacy type name")
        return TensorType(x.dtype, x.device.type).name
    if isinstance(to, str):
        to = _by_name(to)
    if isinstance(to, TensorType):
        return x.to(to.device, to.dtype)
    return x.to(np.dtype(to))


def Variable(data, requires_grad=False, volatile=False):
    """torch < 0.4's wrapper of a tensor for autograd; today, as in torch, a new leaf over data's memory that
    requires grad if asked: `data.detach().requires_grad_(requires_grad)`. `volatile` has no effect (it was
    no_grad's forerunner; torch ignores it too)."""
    if not isinstance(data, Tensor):
        raise TypeError(f"Variable: expected a Tensor, got {type(data).__name__}")
    return data.detach().requires_grad_(requires_grad)
