"""Adamax (Kingma & Ba 2015, section 7): Adam with the root mean square of the gradient replaced by a running
infinity norm."""
from .adam import AdamFamily


class Adamax(AdamFamily):
    """PyTorch's torch.optim.Adamax update, for each parameter p with gradient g (−g with maximize=True) at step
    t = 1, 2, ...:

        g = g + weight_decay · p
        m = β1 · m + (1 − β1) · g
        u = max(β2 · u, |g| + eps)                 (state "exp_inf")
        p = p − (lr / (1 − β1ᵗ)) · m / u
    """

    second_moment = "exp_inf"

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, maximize=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize))

    def _update(self, param, grad, state, group, backend):
        xp, (beta1, beta2) = backend.xp, group["betas"]
        lr = self._learning_rate(group, backend)
        step = self._count_step(param, state, xp)
        grad = self._with_weight_decay(param, grad, group, lr)
        m, infinity_norm = self._average_first_moment(state, grad, beta1), state["exp_inf"]
        infinity_norm *= beta2
        xp.maximum(infinity_norm, xp.abs(grad) + group["eps"], out=infinity_norm)
        param -= lr / (1 - beta1 ** step) * m / infinity_norm
