"""RAdam (Liu et al. 2020): Adam with its adaptive step switched on only once the variance of v̂ is tractable, and
rectified by how far it is from that."""
import math

from .adam import AdamFamily


class RAdam(AdamFamily):
    """PyTorch's torch.optim.RAdam update, for each parameter p with gradient g (−g with maximize=True) at step
    t = 1, 2, ...:

        g = g + weight_decay · p                   (L2 decay, the default)
        p = p · (1 − lr · weight_decay)            (instead, with decoupled_weight_decay=True)
        m = β1 · m + (1 − β1) · g
        v = β2 · v + (1 − β2) · g²
        ρ∞ = 2 / (1 − β2) − 1,   ρₜ = ρ∞ − 2 t β2ᵗ / (1 − β2ᵗ)
        ρₜ > 5:  r = √((ρₜ − 4)(ρₜ − 2) ρ∞ / ((ρ∞ − 4)(ρ∞ − 2) ρₜ))
                 p = p − lr · r · (m / (1 − β1ᵗ)) · √(1 − β2ᵗ) / (√v + eps)
        else:    p = p − lr · m / (1 − β1ᵗ)          (SGD with momentum while v is too young to trust)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled_weight_decay=False,
                 maximize=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay, maximize=maximize))

    def _update(self, param, grad, state, group, backend):
        xp, (beta1, beta2) = backend.xp, group["betas"]
        lr = self._learning_rate(group, backend)
        step = self._count_step(param, state, xp)
        m, v = self._average_moments(state, self._with_weight_decay(param, grad, group, lr), group["betas"])
        correction2 = 1 - beta2 ** step
        rho_inf = 2 / (1 - beta2) - 1
        rho = rho_inf - 2 * step * beta2 ** step / correction2
        step_size = lr / (1 - beta1 ** step)
        if rho > 5:
            rectification = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
            param -= step_size * rectification * math.sqrt(correction2) * m / (xp.sqrt(v) + group["eps"])
        else:
            param -= step_size * m
