"""Weight normalisation (Salimans & Kingma 2016, "Weight Normalization"), as PyTorch's torch.nn.utils.weight_norm:
a layer's weight split into a magnitude g and a direction v,

    w = g · v / ‖v‖,   ‖v‖ the 2-norm over every dimension of v but `dim` (one norm per output channel for dim=0),
                       over the whole tensor for dim=None or -1 (PyTorch's meaning of -1; other negative dims count
                       from the end), with g of the norm's shape (size 1 in the reduced dimensions, 0-d for the whole)

MelGAN, HiFi-GAN and WaveGAN discriminators put it on every Conv1d. weight_norm(module) replaces the parameter
`weight` by the parameters `weight_g` (= ‖weight‖, so that w starts as the weight it was) and `weight_v` (= weight),
and adds a forward pre-hook that sets module.weight to g · v / ‖v‖ before every forward (weight_hook.py). The weight
is computed by differentiable ops (norm, division, product), so a gradient penalty differentiates it again. The state
dict holds weight_g and weight_v, PyTorch's names and order, after the module's other tensors. remove_weight_norm
makes `weight` a parameter again, holding g · v / ‖v‖.

PyTorch deprecates this function in favour of nn.utils.parametrizations.weight_norm (the same w, kept under other
names) and warns so (FutureWarning); so does nanogan.
"""
import warnings

from ..autograd import no_grad
from ..ops.reduce import norm
from ..ops.shape import dim_index
from .parameter import Parameter
from .weight_hook import WeightHook


def norm_except_dim(function, v, dim):
    """‖v‖₂ over every dimension but `dim`, the reduced ones kept with size 1; over the whole tensor (0-d) for dim
    None or -1, as PyTorch's norm_except_dim (torch.nn.utils.weight_norm's g)."""
    if dim is None or dim == -1:
        return norm(v)
    kept = dim_index(function, dim, v.ndim)
    reduced = tuple(d for d in range(v.ndim) if d != kept)
    # a 1-d v keeps its one dimension: the norm of each element alone (a reduction over no dims would be the total)
    return norm(v, 2, reduced, keepdim=True) if reduced else v.abs()


def weight_normalised(function, v, g, dim):
    """w = v · (g / ‖v‖), the norm over every dimension but `dim` (norm_except_dim)."""
    return v * (g / norm_except_dim(function, v, dim))


class WeightNorm(WeightHook):
    """The forward pre-hook of weight_norm on one parameter: sets module.<name> to g · v / ‖v‖."""
    function, what, stored = "weight_norm", "weight normalisation", ("_g", "_v")

    def __init__(self, name, dim):
        super().__init__(name)
        self.dim = dim

    def compute_weight(self, module):
        return weight_normalised(self.function, getattr(module, self.name + "_v"), getattr(module, self.name + "_g"),
                                 self.dim)

    forward_weight = final_weight = compute_weight


def weight_norm(module, name="weight", dim=0):
    """Weight normalisation of module.<name> (see the module docstring); returns the module. dim: the dimension that
    keeps its own norm (0: each output channel; 1 for a ConvTranspose's), None or -1 for one norm of the whole
    tensor."""
    warnings.warn("nn.utils.weight_norm is deprecated in favor of nn.utils.parametrizations.weight_norm",
                  FutureWarning, stacklevel=2)
    weight = WeightNorm.parameter_to_replace(module, name)
    hook = WeightNorm(name, dim)
    with no_grad():
        g = norm_except_dim("weight_norm", weight, dim)
    delattr(module, name)
    module.register_parameter(name + "_g", Parameter(g))
    module.register_parameter(name + "_v", Parameter(weight))
    setattr(module, name, hook.compute_weight(module))
    module.register_forward_pre_hook(hook)
    return module


def remove_weight_norm(module, name="weight"):
    """module.<name> a parameter again, holding g · v / ‖v‖; weight_g, weight_v and the hook are gone. Returns the
    module."""
    return WeightNorm.remove(module, name)
