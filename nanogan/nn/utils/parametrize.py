"""PyTorch's torch.nn.utils.parametrize: a tensor of a module (module.weight) computed, on every access, by a Module
from the tensors it is stored as.

register_parametrization(module, "weight", p) moves the parameter (or buffer) `weight` into
module.parametrizations.weight, a ParametrizationList holding p and the tensors p computes the weight from: `original`,
or `original0`, `original1`, ... where p.right_inverse(weight) returns several (weight norm's g and v). module.weight
becomes a property of the module's class, made a subclass named Parametrized<Class> for the module alone (PyTorch's
ParametrizedLinear): reading it calls p(original...) (then any parametrization registered after p on the result),
assigning to it stores right_inverse(value) in the originals. So the state dict holds
"parametrizations.weight.original" or "...original0", "...original1", after the module's own tensors, and the
parametrization's buffers ("parametrizations.weight.0._u"), as PyTorch's does.

Inside `with cached():` each parametrized tensor is computed once, at its first access, and reused until the block
ends. remove_parametrizations(module, "weight") makes `weight` a plain parameter (or buffer) again: holding the
parametrized value (leave_parametrized=True, the default; this reads module.weight, so a spectral norm in training
mode makes one more power iteration, as in PyTorch) or the original. A parametrized module refuses to be pickled, as
in PyTorch (save its state_dict instead); copy.deepcopy copies it.
"""
from collections.abc import Sequence
from contextlib import contextmanager
from copy import deepcopy

from ...autograd import no_grad
from ...tensor import Tensor
from ..container import ModuleDict, ModuleList
from ..parameter import Parameter

__all__ = ["cached", "ParametrizationList", "register_parametrization", "is_parametrized",
           "remove_parametrizations", "type_before_parametrizations"]

_cache_depth = 0  # how many cached() blocks are open
_cache = {}  # (id(module), tensor name) -> its value, while a cached() block is open


@contextmanager
def cached():
    """Within the block, each parametrized tensor is computed at its first access and then reused (an RNN's
    parametrized recurrent weight, read at every step, is computed once; a spectral norm iterates once)."""
    global _cache_depth
    _cache_depth += 1
    try:
        yield
    finally:
        _cache_depth -= 1
        if not _cache_depth:
            _cache.clear()


def _register_parameter_or_buffer(module, name, tensor):
    if isinstance(tensor, Parameter):
        module.register_parameter(name, tensor)
    else:
        module.register_buffer(name, tensor)


def _check_like(what, value, shape, dtype):
    """The checks of a parametrization that may not change its tensor's shape or dtype (unsafe=False)."""
    if not isinstance(value, Tensor):
        raise ValueError(f"register_parametrization: a parametrization must return a tensor, got "
                         f"{type(value).__name__}")
    if value.dtype != dtype or value.shape != shape:
        raise ValueError(f"register_parametrization: {what} has dtype {value.dtype} and shape {value.shape}, the "
                         f"tensor dtype {dtype} and shape {shape}; a parametrization may not change them unless "
                         f"unsafe=True")


class ParametrizationList(ModuleList):
    """module.parametrizations.<name>: the parametrizations of one tensor, in the order registered, and the tensors
    the first computes it from ("original", or "original0", "original1", ...: see the module docstring). Its forward
    is the parametrized tensor."""

    def __init__(self, modules, original, unsafe=False):
        if len(modules) == 0:
            raise ValueError("ParametrizationList: requires one or more modules")
        super().__init__(modules)
        self.unsafe = unsafe
        with no_grad():
            new = original
            for module in list(self)[::-1]:
                if hasattr(module, "right_inverse"):
                    try:
                        new = module.right_inverse(new)
                    except NotImplementedError:  # as in PyTorch: taken to be the identity
                        pass
        if isinstance(new, Tensor):
            self.is_tensor, self.ntensors = True, 1
            if new.dtype != original.dtype or new.device != original.device:
                raise ValueError(f"register_parametrization: right_inverse returned a tensor of dtype {new.dtype} "
                                 f"on {new.device}, the tensor is {original.dtype} on {original.device}; one tensor "
                                 f"returned may not change them")
            if new is not original:
                with no_grad():  # the original tensor object stays: an optimiser holding it still updates it
                    original.copy_(new)
            _register_parameter_or_buffer(self, "original", original)
        elif isinstance(new, Sequence) and all(isinstance(t, Tensor) for t in new):
            self.is_tensor, self.ntensors = False, len(new)
            for i, tensor in enumerate(new):
                if isinstance(original, Parameter):
                    tensor = Parameter(tensor, requires_grad=original.requires_grad)
                _register_parameter_or_buffer(self, f"original{i}", tensor)
        else:
            raise ValueError(f"register_parametrization: right_inverse must return a Tensor or a sequence of "
                             f"tensors, got {type(new).__name__}")
        if not unsafe:
            _check_like("the parametrized tensor", self(), original.shape, original.dtype)

    def originals(self):
        return [self.original] if self.is_tensor else [getattr(self, f"original{i}") for i in range(self.ntensors)]

    def right_inverse(self, value):
        """Store `value` (a parametrized tensor assigned to module.<name>) as the originals: value passed through
        each parametrization's right_inverse, the last registered first, and copied into them."""
        with no_grad():
            for module in list(self)[::-1]:
                if not hasattr(module, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(module).__name__} does not implement right_inverse")
                value = module.right_inverse(value)
            values = [value] if self.is_tensor else value
            if not isinstance(values, Sequence) or len(values) != self.ntensors:
                raise ValueError(f"right_inverse must return {self.ntensors} tensors, got {type(value).__name__}")
            for original, new in zip(self.originals(), values):
                if not isinstance(new, Tensor) or new.dtype != original.dtype:
                    raise ValueError(f"right_inverse returned {getattr(new, 'dtype', type(new).__name__)} for an "
                                     f"original of dtype {original.dtype}")
                original.copy_(new)

    def forward(self):
        parametrizations = list(self)
        x = parametrizations[0](*self.originals())
        for parametrization in parametrizations[1:]:
            x = parametrization(x)
        return x


def _refuse_pickling(self):
    raise RuntimeError(f"{type(self).__name__}: a parametrized module is not pickled, as in PyTorch; save its "
                       f"state_dict() and load it into a module parametrized alike")


def _deepcopy(self, memo):
    """copy.deepcopy without pickling's __getstate__ (refused above): the instance's dict copied deeply."""
    replica = self.__new__(type(self))
    memo[id(self)] = replica
    replica.__dict__ = deepcopy(self.__dict__, memo)
    return replica


def _inject_new_class(module):
    """module's class replaced by a subclass of it for this module alone, to hold the properties of its
    parametrized tensors (a property lives on a class)."""
    cls = type(module)
    attributes = {"__getstate__": _refuse_pickling}
    if not hasattr(cls, "__deepcopy__"):
        attributes["__deepcopy__"] = _deepcopy
    module.__class__ = type(f"Parametrized{cls.__name__}", (cls,), attributes)


def _inject_property(module, tensor_name):
    def get_parametrized(self):
        parametrization = self.parametrizations[tensor_name]
        if not _cache_depth:
            return parametrization()
        key = (id(self), tensor_name)
        if key not in _cache:
            _cache[key] = parametrization()
        return _cache[key]

    def set_original(self, value):
        self.parametrizations[tensor_name].right_inverse(value)

    setattr(type(module), tensor_name, property(get_parametrized, set_original))


def register_parametrization(module, tensor_name, parametrization, *, unsafe=False):
    """module.<tensor_name> computed by `parametrization` (a Module) on every access (see the module docstring); on
    a tensor parametrized already, `parametrization` is applied after the others. unsafe=True lets it change the
    tensor's shape or dtype, and skips the checks. Returns the module."""
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            current = getattr(module, tensor_name)
            _check_like(f"{type(parametrization).__name__}(module.{tensor_name})", parametrization(current),
                        current.shape, current.dtype)
        module.parametrizations[tensor_name].append(parametrization)
        module.parametrizations[tensor_name].unsafe |= unsafe
    elif tensor_name in module._parameters or tensor_name in module._buffers:
        parametrizations = ParametrizationList([parametrization], getattr(module, tensor_name), unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            _inject_new_class(module)
            module.parametrizations = ModuleDict()
        _inject_property(module, tensor_name)
        module.parametrizations[tensor_name] = parametrizations
    else:
        raise ValueError(f"register_parametrization: {type(module).__name__} has no parameter, buffer or "
                         f"parametrized tensor {tensor_name!r}")
    return module


def is_parametrized(module, tensor_name=None):
    """Whether module.<tensor_name> is parametrized; with tensor_name None, whether any tensor of module is."""
    parametrizations = getattr(module, "parametrizations", None)
    if not isinstance(parametrizations, ModuleDict):
        return False
    return len(parametrizations) > 0 if tensor_name is None else tensor_name in parametrizations


def remove_parametrizations(module, tensor_name, leave_parametrized=True):
    """module.<tensor_name> a plain parameter (or buffer) again, holding its parametrized value
    (leave_parametrized=True; for a single original, that tensor object, so that an optimiser holding it goes on)
    or its original (leave_parametrized=False, refused where there are several). Once no tensor of the module is
    parametrized, `parametrizations` goes and the module gets its class back. Returns the module."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"remove_parametrizations: {type(module).__name__} has no parametrization on "
                         f"{tensor_name!r}")
    parametrizations = module.parametrizations[tensor_name]
    if parametrizations.is_tensor:
        original = parametrizations.original
        if leave_parametrized:
            with no_grad():
                original.copy_(getattr(module, tensor_name))
    elif leave_parametrized:
        value = getattr(module, tensor_name)
        original = Parameter(value) if value.requires_grad else value
    else:
        raise ValueError(f"remove_parametrizations: {type(module).__name__}.{tensor_name} is parametrized by "
                         f"{parametrizations.ntensors} tensors, so it cannot be left unparametrized "
                         f"(leave_parametrized=False)")
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    _register_parameter_or_buffer(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = type(module).__bases__[0]
    return module


def type_before_parametrizations(module):
    """The module's class before any parametrization (Linear for a ParametrizedLinear)."""
    return type(module).__bases__[0] if is_parametrized(module) else type(module)
