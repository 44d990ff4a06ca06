"""NAdam (Dozat 2016): Adam with Nesterov momentum, the first moment looked at one step ahead."""
from .adam import AdamFamily


class NAdam(AdamFamily):
    """PyTorch's torch.optim.NAdam update, for each parameter p with gradient g (−g with maximize=True) at step
    t = 1, 2, ...:

        g = g + weight_decay · p                   (L2 decay, the default)
        p = p · (1 − lr · weight_decay)            (instead, with decoupled_weight_decay=True)
        μₜ = β1 · (1 − ½ · 0.96^(t · momentum_decay)),   Πₜ = μ₁ · μ₂ ⋯ μₜ   (state "mu_product")
        m = β1 · m + (1 − β1) · g
        v = β2 · v + (1 − β2) · g²
        d = √(v / (1 − β2ᵗ)) + eps
        p = p − lr · (1 − μₜ) / (1 − Πₜ) · g / d − lr · μₜ₊₁ / (1 − Πₜ · μₜ₊₁) · m / d
    """

    non_negative = AdamFamily.non_negative + ("momentum_decay",)

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, maximize=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def _update(self, param, grad, state, group, backend):
        xp, (beta1, beta2) = backend.xp, group["betas"]
        lr = self._learning_rate(group, backend)
        step = self._count_step(param, state, xp)

        def momentum_at(t):
            return beta1 * (1 - 0.5 * 0.96 ** (t * group["momentum_decay"]))

        mu, mu_next = momentum_at(step), momentum_at(step + 1)
        state.setdefault("mu_product", 1.0)
        state["mu_product"] *= mu
        grad = self._with_weight_decay(param, grad, group, lr)
        m, v = self._average_moments(state, grad, group["betas"])
        denominator = xp.sqrt(v / (1 - beta2 ** step)) + group["eps"]
        param -= lr * (1 - mu) / (1 - state["mu_product"]) * grad / denominator
        param -= lr * mu_next / (1 - state["mu_product"] * mu_next) * m / denominator
