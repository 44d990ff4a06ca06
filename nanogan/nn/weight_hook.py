"""The mechanism of PyTorch's old-style weight reparametrisations (torch.nn.utils.spectral_norm and weight_norm): the
parameter `name` of a module is replaced by tensors it is computed from (weight_orig, weight_u, weight_v;
weight_g, weight_v), and a forward pre-hook sets module.<name> from them before every forward, so that the optimiser
updates those tensors and every forward, and every derivative of it, goes through the computation. Removing the
hook makes module.<name> a parameter again, holding the weight the stored tensors give.
"""
from ..autograd import no_grad
from .module import Module
from .parameter import Parameter


class WeightHook:
    """A forward pre-hook that sets module.<name> to forward_weight(module). A subclass names the function that
    installs it and what it does (for errors), the suffixes of the tensors it stores in the weight's place, and
    computes the weight: forward_weight before each forward (it may update the module's state, as a power iteration
    does), final_weight on removal (it must not)."""
    function = what = None
    stored = ()

    def __init__(self, name):
        self.name = name

    def forward_weight(self, module):
        raise NotImplementedError

    def final_weight(self, module):
        raise NotImplementedError

    def __call__(self, module, args):
        setattr(module, self.name, self.forward_weight(module))

    @classmethod
    def find(cls, module, name):
        """(key, hook) of this kind of hook on module.<name> among its forward pre-hooks, or None."""
        return next(((key, hook) for key, hook in module._forward_pre_hooks.items()
                     if isinstance(hook, cls) and hook.name == name), None)

    @classmethod
    def parameter_to_replace(cls, module, name):
        """module.<name>, checked: a parameter of a Module, not None, without this hook already."""
        if not isinstance(module, Module):
            raise TypeError(f"{cls.function}: expected a Module, got {type(module).__name__}")
        layer = type(module).__name__
        if cls.find(module, name) is not None:
            raise RuntimeError(f"{cls.function}: {layer}.{name} has {cls.what} already")
        if name not in module._parameters:
            raise KeyError(f"{cls.function}: {layer} has no parameter {name!r} (its parameters: "
                           f"{list(module._parameters)})")
        weight = module._parameters[name]
        if weight is None:
            raise ValueError(f"{cls.function}: {layer}.{name} is None")
        return weight

    @classmethod
    def remove(cls, module, name):
        """module.<name> a parameter again, holding final_weight; the stored tensors and the hook gone."""
        found = cls.find(module, name)
        if found is None:
            raise ValueError(f"remove_{cls.function}: {type(module).__name__}.{name} has no {cls.what}")
        key, hook = found
        with no_grad():
            weight = hook.final_weight(module)
        del module._forward_pre_hooks[key]
        module._hooks_changed()
        for suffix in ("",) + cls.stored:
            delattr(module, name + suffix)
        module.register_parameter(name, Parameter(weight))
        return module
