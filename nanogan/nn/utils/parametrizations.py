"""PyTorch's torch.nn.utils.parametrizations: weight norm and spectral norm as parametrizations (parametrize.py), the
API PyTorch now recommends over the old hooks. The weight is computed on every access of module.weight, from the
parametrization's originals:

weight_norm    w = g · v / ‖v‖ (weight_norm.py's math), g = parametrizations.weight.original0 (torch's weight_g),
               v = parametrizations.weight.original1 (weight_v). A state dict of the old weight_norm (weight_g,
               weight_v) loads into it, as in PyTorch.
spectral_norm  w = W / σ as the old spectral norm (spectral_norm.py's math), W = parametrizations.weight.original, with
               the buffers parametrizations.weight.0._u and ._v. Unlike the old one: each power-iteration step
               computes u from v first, then v from u; registering runs 15 steps from random unit vectors, so σ starts
               close; every access of module.weight in training mode runs n_power_iterations steps (once per
               `with parametrize.cached():` block); a 1-d weight is divided by its norm, max(‖w‖, eps), exactly.
"""
from ...arguments import int_at_least, is_number, require
from ...ops.reduce import normalize
from ...ops.shape import dim_index
from ...tensor import Tensor, randn
from ..module import Module
from ..spectral_norm import divided_by_sigma, outputs_dim, power_iteration, weight_matrix
from ..weight_norm import norm_except_dim, weight_normalised
from . import parametrize

__all__ = ["spectral_norm", "weight_norm"]

_INITIAL_POWER_ITERATIONS = 15  # PyTorch's: u and v start near the singular vectors, not at random


class _WeightNorm(Module):
    """forward(g, v) = g · v / ‖v‖, the norm over every dimension but `dim` (all of them for None or -1);
    right_inverse(w) = (‖w‖, w). PyTorch's name, which the module's repr shows."""

    def __init__(self, dim=0):
        super().__init__()
        self.dim = dim

    def forward(self, weight_g, weight_v):
        return weight_normalised("weight_norm", weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return norm_except_dim("weight_norm", weight, self.dim), weight


def weight_norm(module, name="weight", dim=0):
    """Weight normalisation of module.<name> as a parametrization (see the module docstring); returns the module."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    module._register_load_state_dict_pre_hook(_old_weight_norm_keys(name))
    return module


def _old_weight_norm_keys(name):
    """A load_state_dict pre-hook renaming the old weight_norm's <prefix><name>_g and _v to this one's originals."""
    def rename(state_dict, prefix):
        old = (f"{prefix}{name}_g", f"{prefix}{name}_v")
        if all(key in state_dict for key in old):
            for i, key in enumerate(old):
                state_dict[f"{prefix}parametrizations.{name}.original{i}"] = state_dict.pop(key)
    return rename


class _SpectralNorm(Module):
    """forward(W) = W / σ, σ = uᵀ W v (W as a matrix, its dimension `dim` the rows), u and v the buffers _u and _v
    after n_power_iterations steps of the power method in training mode; a 1-d W is W / max(‖W‖, eps).
    PyTorch's name, which the module's repr shows."""

    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        self.dim = dim_index("spectral_norm", dim, weight.ndim)
        self.eps = eps
        self.n_power_iterations = int_at_least("spectral_norm", "n_power_iterations", n_power_iterations, 1)
        if weight.ndim > 1:
            matrix = weight_matrix(weight, self.dim)
            rows, columns = matrix.shape
            self.register_buffer("_u", normalize(randn(rows, dtype=weight.dtype, device=weight.device), dim=0,
                                                 eps=eps))
            self.register_buffer("_v", normalize(randn(columns, dtype=weight.dtype, device=weight.device), dim=0,
                                                 eps=eps))
            power_iteration(matrix, self._u, self._v, _INITIAL_POWER_ITERATIONS, eps, u_first=True)

    def forward(self, weight):
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        matrix = weight_matrix(weight, self.dim)
        if self.training:
            power_iteration(matrix, self._u, self._v, self.n_power_iterations, self.eps, u_first=True)
        return divided_by_sigma(weight, matrix, self._u, self._v)

    def right_inverse(self, value):
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Spectral normalisation of module.<name> as a parametrization (see the module docstring); returns the module.
    dim: the dimension of the weight that holds the outputs, 0 unless the module is a ConvTranspose (1)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"spectral_norm: {type(module).__name__} has no parameter or buffer {name!r}")
    require("spectral_norm", "eps", eps, lambda value: is_number(value) and value >= 0, "a number >= 0")
    if dim is None:
        dim = outputs_dim(module)
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module
