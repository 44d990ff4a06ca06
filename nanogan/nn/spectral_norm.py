"""Spectral normalisation (Miyato et al. 2018, "Spectral Normalization for Generative Adversarial Networks"), as
PyTorch's torch.nn.utils.spectral_norm: a layer's weight divided by its largest singular value σ, estimated by power
iteration, so that the layer is about 1-Lipschitz. SNGAN, SAGAN and BigGAN put it on every layer of the
discriminator (BigGAN on the generator's too).

spectral_norm(module) renames the parameter `weight` to `weight_orig` (the one the optimiser updates), adds the
buffers `weight_u` (h numbers) and `weight_v` (w numbers), drawn from N(0, 1) and scaled to norm 1, and a forward
pre-hook that sets module.weight before every forward:

    W      weight_orig as an h × w matrix: its dimension `dim` as the rows (0; 1 for a ConvTranspose, whose output
           channels are its dimension 1), the others flattened into the columns
    in training mode only, n_power_iterations times, outside the graph, writing into the buffers:
           v ← Wᵀu / max(‖Wᵀu‖, eps),   u ← W v / max(‖W v‖, eps)
    σ      = uᵀ W v,  with u and v constants of the graph
    weight = weight_orig / σ

With G = ∂L/∂weight, autograd gives ∂L/∂weight_orig = G / σ − (⟨G, weight_orig⟩ / σ²) · u vᵀ (u vᵀ shaped as
weight_orig). It is computed through differentiable ops (permute, reshape, matmul, division), so it has a gradient
of its own: a gradient penalty on a critic with spectral norm (WGAN-GP + SN) differentiates it again.

The state dict holds weight_orig, weight_u and weight_v, PyTorch's names, so a PyTorch checkpoint of a spectrally
normalised model loads. `weight` is a plain attribute, not state, as in PyTorch: the weight of the latest forward, and
before the first one weight_orig's memory outside the graph (an initialiser called on module.weight then fills
weight_orig). remove_spectral_norm(module) makes `weight` a parameter again, holding weight_orig / σ for the present
u and v.
"""
from ..arguments import int_at_least, is_number, require
from ..autograd import no_grad
from ..ops.reduce import normalize
from ..ops.shape import dim_index
from ..tensor import randn
from .conv import ConvTranspose1d, ConvTranspose2d
from .weight_hook import WeightHook


def outputs_dim(module):
    """The dimension of a layer's weight that holds its outputs: 1 for a ConvTranspose (in_channels, out_channels,
    ...), else 0."""
    return 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d)) else 0


def weight_matrix(weight, dim):
    """W: weight with its dimension `dim` as the rows and the others flattened into the columns."""
    if dim != 0:
        weight = weight.permute(dim, *(d for d in range(weight.ndim) if d != dim))
    return weight.reshape(weight.shape[0], -1)


def power_iteration(matrix, u, v, steps, eps, u_first=False):
    """`steps` steps of the power method on W = matrix, in place in the buffers u and v, outside the graph; a step is
    v ← Wᵀu / max(‖Wᵀu‖, eps), then u ← W v / max(‖W v‖, eps), or with u_first (torch.nn.utils.parametrizations'
    order) u from v and then v from u."""
    def update_u():
        u.copy_(normalize(matrix @ v, dim=0, eps=eps))

    def update_v():
        v.copy_(normalize(matrix.t() @ u, dim=0, eps=eps))

    with no_grad():
        for _ in range(steps):
            for update in ((update_u, update_v) if u_first else (update_v, update_u)):
                update()


def divided_by_sigma(weight, matrix, u, v):
    """weight / σ, σ = uᵀ W v with u and v constants of the graph."""
    # σ's graph keeps copies: the next forward changes the buffers in place, and a loss over two forwards
    # (D(real) and D(fake)) backs through both graphs
    return weight / (u.clone() @ (matrix @ v.clone()))


class SpectralNorm(WeightHook):
    """The forward pre-hook of spectral_norm on one parameter: sets module.<name> to weight_orig / σ."""
    function, what, stored = "spectral_norm", "spectral normalisation", ("_u", "_v", "_orig")

    def __init__(self, name, n_power_iterations, dim, eps):
        super().__init__(name)
        self.n_power_iterations = n_power_iterations
        self.dim = dim
        self.eps = eps

    def compute_weight(self, module, iterate):
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        matrix = weight_matrix(weight, self.dim)
        if iterate:
            power_iteration(matrix, u, v, self.n_power_iterations, self.eps)
        return divided_by_sigma(weight, matrix, u, v)

    def forward_weight(self, module):
        return self.compute_weight(module, iterate=module.training)

    def final_weight(self, module):
        return self.compute_weight(module, iterate=False)


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Spectral normalisation of module.<name> (see the module docstring); returns the module. dim: the dimension of
    the weight that holds the outputs, 0 unless the module is a ConvTranspose (1)."""
    n_power_iterations = int_at_least("spectral_norm", "n_power_iterations", n_power_iterations, 1)
    require("spectral_norm", "eps", eps, lambda value: is_number(value) and value >= 0, "a number >= 0")
    weight = SpectralNorm.parameter_to_replace(module, name)
    if dim is None:
        dim = outputs_dim(module)
    hook = SpectralNorm(name, n_power_iterations, dim_index("spectral_norm", dim, weight.ndim), eps)
    with no_grad():
        rows, columns = weight_matrix(weight, hook.dim).shape
        u = normalize(randn(rows, dtype=weight.dtype, device=weight.device), dim=0, eps=eps)
        v = normalize(randn(columns, dtype=weight.dtype, device=weight.device), dim=0, eps=eps)
    delattr(module, name)
    module.register_parameter(name + "_orig", weight)
    setattr(module, name, weight.detach())
    module.register_buffer(name + "_u", u)
    module.register_buffer(name + "_v", v)
    module.register_forward_pre_hook(hook)
    return module


def remove_spectral_norm(module, name="weight"):
    """module.<name> a parameter again, holding weight_orig / σ for the present u and v (no power iteration);
    weight_orig, weight_u, weight_v and the hook are gone. Returns the module."""
    return SpectralNorm.remove(module, name)
