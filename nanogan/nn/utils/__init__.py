"""PyTorch's torch.nn.utils: utilities on a model's gradients, between backward and the optimiser's step,

clip_grad_norm_   every gradient scaled by min(1, max_norm / (total + 1e-6)), total the norm of all of them together
clip_grad_value_  every gradient element clamped to [-clip_value, clip_value]

(both change the gradients in place, outside the graph, and read nothing on the host: the scale is computed and
applied on the gradients' device), a model's parameters as one vector and back:

parameters_to_vector   the parameters flattened and concatenated, in a graph (differentiable)
vector_to_parameters   consecutive slices of a vector copied into the parameters, outside the graph

and reparametrisations of a layer's weight, the old hooks (PyTorch deprecates weight_norm's) and the parametrizations
PyTorch recommends now:

spectral_norm, remove_spectral_norm   weight = weight_orig / σ, σ its largest singular value by power iteration
                                      (spectral_norm.py)
weight_norm, remove_weight_norm       weight = weight_g · weight_v / ‖weight_v‖ (weight_norm.py)
parametrize                           register_parametrization, remove_parametrizations, is_parametrized, cached
parametrizations                      weight_norm and spectral_norm as parametrizations
"""
import math

from ...arguments import is_number, require
from ...autograd import no_grad
from ...ops.shape import cat, stack
from ...tensor import Tensor, tensor
from ..spectral_norm import remove_spectral_norm, spectral_norm
from ..weight_norm import remove_weight_norm, weight_norm
from . import parametrizations, parametrize

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters", "spectral_norm",
           "remove_spectral_norm", "weight_norm", "remove_weight_norm", "parametrize", "parametrizations"]


def _grads(parameters):
    """The gradients of `parameters` (a tensor, or an iterable of them) that backward has given one."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """total = the norm_type-norm of the gradients of `parameters` taken as one vector (the norm of their norms);
    each gradient multiplied in place by min(1, max_norm / (total + 1e-6)). Returns total, a 0-d tensor on the
    first gradient's device (0.0 where no parameter has a gradient). error_if_nonfinite: raise where total is NaN
    or infinite, which reads it on the host."""
    require("clip_grad_norm_", "max_norm", max_norm, lambda v: is_number(v) and v >= 0, "a number >= 0")
    require("clip_grad_norm_", "norm_type", norm_type, lambda v: is_number(v) and v > 0, "a number > 0 or inf")
    grads = _grads(parameters)
    if not grads:
        return tensor(0.0)
    first = grads[0]
    with no_grad():
        norms = [g.norm(norm_type).to(first.device, first.dtype) for g in grads]
        total = stack(norms).norm(norm_type)
        if error_if_nonfinite and not math.isfinite(total.item()):
            raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the gradients of "
                               f"{len(grads)} parameters is {total.item()}, so they cannot be clipped; set "
                               f"error_if_nonfinite=False to scale them anyway")
        scale = (max_norm / (total + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(scale.to(g.device, g.dtype))
    return total


def clip_grad_value_(parameters, clip_value):
    """Each gradient element of `parameters` clamped in place to [-clip_value, clip_value]. Returns None."""
    require("clip_grad_value_", "clip_value", clip_value, lambda v: is_number(v) and v >= 0, "a number >= 0")
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(-clip_value, clip_value)


def _on_one_device(function, parameters):
    """parameters as a list, refused (as PyTorch refuses them) where they are on different devices."""
    parameters = list(parameters)
    devices = {str(p.device) for p in parameters}
    if len(devices) > 1:
        raise TypeError(f"{function}: found parameters on different devices ({sorted(devices)}), which is not "
                        f"supported")
    return parameters


def parameters_to_vector(parameters):
    """cat([p.reshape(-1) for p in parameters]): one vector, in a graph, so that its gradient reaches them."""
    return cat([p.reshape(-1) for p in _on_one_device("parameters_to_vector", parameters)])


def vector_to_parameters(vec, parameters):
    """Each parameter in turn set to the next p.numel() values of vec, reshaped to p's shape, outside the graph
    (values beyond the parameters' total are left unused, as in PyTorch). Returns None."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected a Tensor, got {type(vec).__name__}")
    parameters = _on_one_device("vector_to_parameters", parameters)
    needed = sum(p.numel() for p in parameters)
    if vec.numel() < needed:
        raise RuntimeError(f"vector_to_parameters: the parameters hold {needed} values, the vector of shape "
                           f"{vec.shape} only {vec.numel()}")
    start = 0
    with no_grad():
        for p in parameters:
            p.copy_(vec[start:start + p.numel()].reshape(p.shape))
            start += p.numel()
