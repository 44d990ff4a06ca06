"""Module: a piece of a network that owns parameters, buffers and sub-modules.

Assigning to an attribute registers by type: a Parameter goes to `_parameters`, a Module to
`_modules`, and `register_buffer` puts non-learned state (batch-norm running statistics) in
`_buffers`. Everything else — walking the tree, train/eval, moving to a device, saving and
loading — follows from these three dictionaries. Names in a state dict are the attribute path
joined by dots ("main.0.weight"), exactly as PyTorch names them, so checkpoints line up key by key.

Forward hooks run around `forward` as PyTorch's do: register_forward_pre_hook(hook) calls hook(module, args) before
it (a result other than None replaces args; one that is not a tuple is taken as the only argument), and
register_forward_hook(hook) calls hook(module, args, output) after it (a result other than None replaces the
output). Backward hooks run in the backward pass: register_full_backward_pre_hook(hook) calls hook(module,
grad_output) once the gradients with respect to the outputs are known, register_full_backward_hook(hook) calls
hook(module, grad_input, grad_output) once those with respect to the positional inputs are (BackwardHook below).
Each returns a handle whose remove() takes the hook out. Hooks are code, not state: no state dict holds them.
"""
import warnings
from collections import OrderedDict, namedtuple

import numpy as np

from .. import npz
from ..autograd import no_grad, is_grad_enabled
from ..autograd.hooks import RemovableHandle, check_gradient, hook_name, hook_together
from ..tensor import Tensor, tensor as new_tensor
from .parameter import Parameter

_STORES = ("_parameters", "_buffers", "_modules")

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


# Whether any module of this process has had hooks. Module.__call__, run at every layer of every step, tests this
# global first: reading an attribute of a module costs some 400 instructions (Module.__getattr__ keeps Python 3.11
# from specialising the lookup), a global a few. Never set back: a deep copy of a module with hooks has them too.
_hooks_exist = False


class BackwardHook:
    """One call's backward hooks, as PyTorch's torch.utils.hooks.BackwardHook: the module's tensor inputs that
    require grad, and its tensor outputs, are hooked together (autograd.hooks.hook_together), so that the pre hooks
    see grad_output, and may replace it, before it flows into the module, and the full hooks see grad_input, and
    may replace it, before it flows out. grad_input has an entry per positional argument, grad_output one per
    output (a tuple's elements); None where no gradient is: an argument that is no tensor or does not require
    grad, an output the loss did not use."""

    def __init__(self, module):
        self.module = module
        # (shape, dtype, device) per positional argument and per output, None where it is not hooked
        self.inputs = self.outputs = None
        self.hooks_inputs = False  # does an input require grad (then its hook calls the full hooks)?
        self.grad_outputs = None  # from the outputs' hook to the inputs'

    def setup_input_hook(self, args):
        """args, their tensors that require grad replaced by hooked views of them."""
        self.inputs, hooked = _hooked_positions(args)
        self.hooks_inputs = bool(hooked)
        return _replaced(args, hooked, self._input_gradients)

    def setup_output_hook(self, output):
        """The output (a Tensor or a tuple), its tensors that require grad replaced by hooked views of them."""
        if not isinstance(output, (Tensor, tuple)):
            warnings.warn(f"{type(self.module).__name__}: for backward hooks to be called, module output should be "
                          f"a Tensor or a tuple of Tensors but received {type(output)}")
            return output
        outputs = output if isinstance(output, tuple) else (output,)
        self.outputs, hooked = _hooked_positions(outputs)
        outputs = _replaced(outputs, hooked, self._output_gradients)
        return outputs if isinstance(output, tuple) else outputs[0]

    def _output_gradients(self, grads):
        """The outputs' hook: the pre hooks, then, where no input requires grad, the full hooks."""
        module = self.module
        grad_outputs = given = _spread(grads, self.outputs)
        for hook in list(module._backward_pre_hooks.values()):
            result = hook(module, grad_outputs)
            if result is not None:
                grad_outputs = _checked(module, "register_full_backward_pre_hook", hook, result, self.outputs,
                                        "output")
        if self.hooks_inputs:
            self.grad_outputs = grad_outputs
        else:
            grad_input = (None,) * len(self.inputs)
            for hook in list(module._backward_hooks.values()):
                result = hook(module, grad_input, grad_outputs)
                if result is not None and not (isinstance(result, tuple) and all(g is None for g in result)):
                    raise RuntimeError(f"{type(module).__name__}.register_full_backward_hook: the hook "
                                       f"{hook_name(hook)} returned gradients for inputs of which none requires "
                                       f"grad; return None, or None for every input")
        return None if grad_outputs is given else _gathered(grad_outputs, self.outputs)

    def _input_gradients(self, grads):
        """The inputs' hook: the full hooks, given the grad_output the outputs' hook kept."""
        if self.grad_outputs is None:  # a gradient reached the inputs without passing the outputs (double backward)
            return None
        module, grad_outputs, self.grad_outputs = self.module, self.grad_outputs, None
        grad_input = given = _spread(grads, self.inputs)
        for hook in list(module._backward_hooks.values()):
            result = hook(module, grad_input, grad_outputs)
            if result is not None:
                grad_input = _checked(module, "register_full_backward_hook", hook, result, self.inputs, "input")
        return None if grad_input is given else _gathered(grad_input, self.inputs)


def _hooked_positions(values):
    """Per value, (shape, dtype, device) of a tensor that requires grad while grad mode records, else None; and the
    positions of those."""
    records = is_grad_enabled()
    specs = [(v.shape, v.dtype, v.device) if records and isinstance(v, Tensor) and v.requires_grad else None
             for v in values]
    return specs, [i for i, spec in enumerate(specs) if spec is not None]


def _replaced(values, positions, hook):
    """values as a tuple, those at `positions` hooked together (hook gets and returns their gradients)."""
    values = list(values)
    if positions:
        for i, view in zip(positions, hook_together([values[i] for i in positions], hook)):
            values[i] = view
    return tuple(values)


def _spread(grads, specs):
    """The gradients of the hooked values as one entry per value: None for the others."""
    grads = iter(grads)
    return tuple(None if spec is None else next(grads) for spec in specs)


def _gathered(grads, specs):
    """The entries of the hooked values, for hook_together."""
    return tuple(g for g, spec in zip(grads, specs) if spec is not None)


def _checked(module, owner, hook, result, specs, what):
    """A module hook's result, a tuple of one gradient (or None) per value, each of the value's shape, dtype and
    device; entries at values without a gradient are dropped later, as PyTorch drops them."""
    owner = f"{type(module).__name__}.{owner}"
    if not isinstance(result, (tuple, list)) or len(result) != len(specs):
        got = f"{len(result)} gradients" if isinstance(result, (tuple, list)) else type(result).__name__
        raise RuntimeError(f"{owner}: the hook {hook_name(hook)} returned {got}, expected a tuple of {len(specs)}, "
                           f"one per {what}")
    for g, spec in zip(result, specs):
        if g is not None and spec is not None:
            check_gradient(owner, hook, g, *spec)
    return tuple(result)


class Module:
    """Subclass, create parameters and sub-modules in `__init__`, compute in `forward`."""

    _has_hooks = False  # True on a module with hooks; a module without them holds nothing for it

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_backward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_backward_hooks", OrderedDict())
        object.__setattr__(self, "_load_state_dict_pre_hooks", OrderedDict())
        object.__setattr__(self, "training", True)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    def __call__(self, *args, **kwargs):
        if _hooks_exist and self._has_hooks:
            return self._call_with_hooks(args, kwargs)
        return self.forward(*args, **kwargs)

    def __setstate__(self, state):
        self.__dict__.update(state)
        if self._has_hooks:  # unpickled with hooks, maybe in a process where no module has had any
            self._hooks_changed()

    # ---- hooks ---------------------------------------------------------------------------
    def register_forward_pre_hook(self, hook):
        """hook(module, args) runs before every forward; a result other than None replaces the positional
        arguments (wrapped in a tuple if it is not one). Returns a handle: handle.remove() takes the hook out."""
        return self._add_hook("register_forward_pre_hook", self._forward_pre_hooks, hook)

    def register_forward_hook(self, hook):
        """hook(module, args, output) runs after every forward; a result other than None replaces the output.
        Returns a handle: handle.remove() takes the hook out."""
        return self._add_hook("register_forward_hook", self._forward_hooks, hook)

    def register_full_backward_pre_hook(self, hook):
        """hook(module, grad_output) runs in each backward pass once the gradients with respect to the module's
        outputs are known (a tuple, an entry per output); a result other than None, a tuple of as many, replaces
        them before they flow into the module. Returns a handle: handle.remove() takes the hook out."""
        return self._add_hook("register_full_backward_pre_hook", self._backward_pre_hooks, hook)

    def register_full_backward_hook(self, hook):
        """hook(module, grad_input, grad_output) runs in each backward pass once the gradients with respect to the
        module's positional inputs are known (grad_input, an entry per positional argument: None for one that is
        no tensor or does not require grad); a result other than None, a tuple of as many, replaces grad_input
        before it flows on. Where no input requires grad the hook runs once grad_output is known, and must return
        None. A module with backward hooks works on copies of its inputs and outputs (autograd.hooks.hook_together).
        Returns a handle: handle.remove() takes the hook out."""
        return self._add_hook("register_full_backward_hook", self._backward_hooks, hook)

    def _register_load_state_dict_pre_hook(self, hook):
        """hook(state_dict, prefix) runs at the start of load_state_dict on a copy of the state dict, prefix this
        module's dotted name and a dot ("" at the top), and may rename its keys (an old layout's to the present one).
        PyTorch's private hook, given only what nanogan's hooks use. Returns a handle: handle.remove() takes it out."""
        return self._add_hook("_register_load_state_dict_pre_hook", self._load_state_dict_pre_hooks, hook)

    def _add_hook(self, owner, hooks, hook):
        if not callable(hook):
            raise TypeError(f"{type(self).__name__}.{owner}: the hook must be callable, got {type(hook).__name__}")
        handle = RemovableHandle(hooks, self)
        hooks[handle.id] = hook
        self._hooks_changed()
        return handle

    def _hooks_changed(self):
        global _hooks_exist
        hooked = bool(self._forward_pre_hooks or self._forward_hooks or self._backward_pre_hooks
                      or self._backward_hooks)
        object.__setattr__(self, "_has_hooks", hooked)
        _hooks_exist = _hooks_exist or hooked

    def _call_with_hooks(self, args, kwargs):
        # each loop walks a copy, so that a hook may remove itself (or another) as it runs
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        backward_hook = BackwardHook(self) if self._backward_pre_hooks or self._backward_hooks else None
        if backward_hook is not None:
            args = backward_hook.setup_input_hook(args)
        output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, output)
            if result is not None:
                output = result
        if backward_hook is not None:
            output = backward_hook.setup_output_hook(output)
        return output

    # ---- registration -------------------------------------------------------------------
    def _require_init(self, name):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() has run "
                                 f"(call super().__init__() first in {type(self).__name__}.__init__)")

    def _forget(self, name):
        for store in _STORES:
            self.__dict__[store].pop(name, None)
        self._non_persistent_buffers.discard(name)
        self.__dict__.pop(name, None)

    def _put(self, store, name, value):
        """`value` under `name` in `store`: in its place when the name is there already (a replaced layer of a
        Sequential must run where the old one ran, as in PyTorch), else at the end, the name taken out of
        every other store first."""
        if name not in self.__dict__[store]:
            self._forget(name)
        self.__dict__[store][name] = value

    def __setattr__(self, name, value):
        if isinstance(value, Parameter):
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            self._require_init(name)
            self._put("_modules", name, value)
        elif "_parameters" in self.__dict__ and name in self._parameters:
            if value is not None:
                raise TypeError(f"{type(self).__name__}.{name} is a parameter: assign a Parameter or None, "
                                f"not {type(value).__name__}")
            self._parameters[name] = None
        elif "_buffers" in self.__dict__ and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"{type(self).__name__}.{name} is a buffer: assign a Tensor or None, "
                                f"not {type(value).__name__}")
            self._buffers[name] = value
        else:
            if "_modules" in self.__dict__ and name in self._modules:
                del self._modules[name]  # a module slot overwritten by a plain value
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        # only called when normal lookup fails: look in the registries
        d = self.__dict__
        for store in _STORES:
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name):
        if any(name in self.__dict__.get(store, ()) for store in _STORES):
            self._forget(name)
        else:
            object.__delattr__(self, name)

    def register_parameter(self, name, param):
        """Register `param` (a Parameter, or None for an absent one such as bias=False)."""
        self._require_init(name)
        if not isinstance(name, str) or not name or "." in name:  # as PyTorch: it would break state_dict's names
            raise KeyError(f"register_parameter: a parameter's name must be a non-empty str holding no '.', got "
                           f"{name!r}")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be a Parameter or None, got {type(param).__name__}")
        self._put("_parameters", name, param)

    def register_buffer(self, name, tensor, persistent=True):
        """Register state that is saved and moved with the module but not learned (running statistics).
        A non-persistent buffer moves with the module but is left out of `state_dict()`."""
        self._require_init(name)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a Tensor or None, got {type(tensor).__name__}")
        self._put("_buffers", name, tensor)
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        """Register `module` (a Module, or None) as the child `name`, refused as PyTorch refuses it where the name
        would break the dotted names of the state dict ("", "a.b") or is another attribute of this module
        ("train", "_parameters", a parameter's name), which it would hide or overwrite."""
        self._require_init(name)
        if not isinstance(name, str):
            raise TypeError(f"add_module: a module's name must be a str, got {type(name).__name__} {name!r}")
        if not name or "." in name:
            raise KeyError(f"add_module: a module's name must be non-empty and hold no '.', got {name!r}")
        if name not in self._modules and hasattr(self, name):
            raise KeyError(f"add_module: {type(self).__name__} has an attribute {name!r} already")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module or None, got {type(module).__name__}")
        self._put("_modules", name, module)

    # ---- walking the tree -------------------------------------------------------------
    def named_modules(self, prefix="", remove_duplicate=True, _seen=None):
        """(dotted name, module) for this module and every module below it: each once, or with
        remove_duplicate=False a module shared by two parents under each of its names."""
        seen = set() if _seen is None else _seen
        if id(self) in seen:
            return
        if remove_duplicate:
            seen.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(f"{prefix}.{name}" if prefix else name, remove_duplicate, seen)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        for name, child in self._modules.items():
            if child is not None:
                yield name, child

    def children(self):
        for _, child in self.named_children():
            yield child

    def _named_members(self, store, prefix, recurse):
        seen = set()
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in module.__dict__[store].items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))  # a tensor shared by two modules is listed (and optimised) once
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix="", recurse=True):
        return self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True):
        return self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse=True):
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, fn):
        """Call fn(module) on every sub-module (children first) and then on self; returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ---- modes and gradients ---------------------------------------------------------
    def train(self, mode=True):
        """Training mode (the default): dropout drops, batch norm uses and updates batch statistics."""
        if not isinstance(mode, bool):  # bool("False") is True
            raise TypeError(f"{type(self).__name__}.train: mode must be True or False, got {mode!r}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self):
        """Evaluation mode: dropout is the identity, batch norm uses its running statistics."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Forget the gradients of every parameter (set to None, so the next backward starts fresh)."""
        for param in self.parameters():
            if set_to_none or param.grad is None:
                param.grad = None
            else:
                param.grad = Tensor(param.backend.xp.zeros_like(param.grad.array))

    # ---- device and dtype --------------------------------------------------------------
    def _convert(self, convert):
        """Replace the array of every parameter, gradient and buffer by `convert(tensor)`'s, in place on
        the Tensor objects, so that references held elsewhere (an optimiser's) stay valid."""
        with no_grad():
            for module in self.modules():
                for store in ("_parameters", "_buffers"):
                    for tensor in module.__dict__[store].values():
                        if tensor is None:
                            continue
                        tensor.array = convert(tensor).array
                        if tensor.grad is not None:
                            tensor.grad = convert(tensor.grad)
        return self

    def to(self, device=None, dtype=None):
        """Move parameters and buffers to `device` ("cpu", "cuda") and/or cast the floating-point
        ones to `dtype` (`m.to("cuda")`, `m.to(ng.float64)`, `m.to("cuda", ng.float32)`); in place."""
        if isinstance(device, (np.dtype, type)) and dtype is None:
            device, dtype = None, device
        dtype = None if dtype is None else np.dtype(dtype)
        if dtype is not None and dtype.kind != "f":  # an int cast would truncate every weight to 0 or ±1
            raise TypeError(f"{type(self).__name__}.to: a module's parameters take a floating-point dtype, got {dtype}")

        def convert(t):
            floating = np.issubdtype(t.dtype, np.floating)  # integer buffers (batch counters) keep their type
            return t.to(device, dtype if floating else None)

        return self._convert(convert)

    def cpu(self):
        return self.to("cpu")

    def cuda(self):
        return self.to("cuda")

    def float(self):
        return self.to(np.float32)

    def double(self):
        return self.to(np.float64)

    # ---- saving and loading -----------------------------------------------------------
    def _state_tensors(self):
        """(dotted name, tensor) of every parameter and persistent buffer, module by module; a shared module's under
        each of its names, as PyTorch's state_dict lists them."""
        for prefix, module in self.named_modules(remove_duplicate=False):
            for store in ("_parameters", "_buffers"):
                for name, tensor in module.__dict__[store].items():
                    if tensor is None or (store == "_buffers" and name in module._non_persistent_buffers):
                        continue
                    yield (f"{prefix}.{name}" if prefix else name), tensor

    def state_dict(self, *, destination=None, prefix="", keep_vars=False):
        """{dotted name: tensor} of every parameter and persistent buffer, as PyTorch's: each is detached but shares
        the module's memory and device, so the next optimiser step changes it too (`.clone()` it, or save it, to keep
        the values of now). `keep_vars` gives the parameters themselves; `destination`, a dict, is filled and
        returned; `prefix` begins every key."""
        destination = OrderedDict() if destination is None else destination
        for name, tensor in self._state_tensors():
            destination[prefix + name] = tensor if keep_vars else tensor.detach()
        return destination

    def load_state_dict(self, state_dict, strict=True):
        """Copy the arrays of `state_dict` into this module's parameters and buffers, in place (cast to
        each tensor's dtype, moved to its device). Raises RuntimeError naming every shape mismatch and,
        when strict, every missing and unexpected key. Returns (missing_keys, unexpected_keys)."""
        state_dict = OrderedDict(state_dict)  # the pre-hooks may rename keys: the caller's dict stays as it was
        for prefix, module in self.named_modules():
            for hook in list(module._load_state_dict_pre_hooks.values()):
                hook(state_dict, f"{prefix}." if prefix else "")
        targets = OrderedDict(self._state_tensors())
        missing = [k for k in targets if k not in state_dict]
        unexpected = [k for k in state_dict if k not in targets]
        problems = [f"shape mismatch for {k!r}: checkpoint has {tuple(np.shape(state_dict[k]))}, "
                    f"the module has {targets[k].shape}"
                    for k in targets if k in state_dict and tuple(np.shape(state_dict[k])) != targets[k].shape]
        if strict and missing:
            problems.insert(0, f"missing keys {missing}")
        if strict and unexpected:
            problems.insert(0 if not missing else 1, f"unexpected keys {unexpected}")
        if problems:
            raise RuntimeError(f"load_state_dict into {type(self).__name__}: " + "; ".join(problems))
        for name, tensor in targets.items():
            if name in state_dict:
                # numpy arrays, lists, tensors and device arrays alike, read back in one copy (np.asarray walks a
                # tensor element by element, and cannot take a device array)
                value = new_tensor(state_dict[name], dtype=tensor.dtype).numpy()
                with no_grad():  # copy_ counts the change, as the optimisers' steps do
                    tensor.copy_(Tensor(tensor.backend.from_host(value)))
        return IncompatibleKeys(missing, unexpected)

    def save(self, path):
        """Write `state_dict()` to `path` as .npz, creating its directory if need be. The file appears whole or
        not at all (nanogan/npz.py)."""
        npz.write_atomically(path, {name: tensor.numpy() for name, tensor in self.state_dict().items()})

    def load(self, path, strict=True):
        """Load a file written by `save` (see load_state_dict). A file that cannot be read (empty, truncated,
        corrupt, not an .npz) raises ValueError naming it."""
        state = npz.read(path, f"{type(self).__name__}.load")
        try:
            return self.load_state_dict(state, strict)
        except RuntimeError as err:
            raise RuntimeError(f"{path}: {err}") from None

    # ---- printing ----------------------------------------------------------------------
    def extra_repr(self):
        """The constructor arguments worth printing, e.g. 'in_features=2, out_features=3, bias=True'."""
        return ""

    def __repr__(self):
        lines = [f"({name}): " + repr(child).replace("\n", "\n  ") for name, child in self._modules.items()]
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        body = ([extra] if extra else []) + lines
        return f"{type(self).__name__}(\n  " + "\n  ".join(body) + "\n)"
