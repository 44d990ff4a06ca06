"""RMSprop (Hinton's lecture 6e): steps divided by a running root mean square of the gradient."""
from .optimizer import Optimizer


class RMSprop(Optimizer):
    """PyTorch's torch.optim.RMSprop update, for each parameter p with gradient g (−g with maximize=True):

        g = g + weight_decay · p
        s = α · s + (1 − α) · g²
        centered:  ḡ = α · ḡ + (1 − α) · g,   r = √(s − ḡ²) + eps
        otherwise: r = √s + eps
        momentum > 0:  b = momentum · b + g / r,   p = p − lr · b
        otherwise:     p = p − lr · g / r
    """

    non_negative = ("lr", "alpha", "eps", "weight_decay", "momentum")

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False,
                 maximize=False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

    def _update(self, param, grad, state, group, backend):
        xp, alpha = backend.xp, group["alpha"]
        if not state:
            state.update(step=0, square_avg=xp.zeros_like(param))
            if group["momentum"] > 0:
                state["momentum_buffer"] = xp.zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = xp.zeros_like(param)
        state["step"] += 1
        lr = self._learning_rate(group, backend)
        if self._ran_as_kernel(backend, "rmsprop_step", param, grad, state["square_avg"], state.get("grad_avg"),
                               state.get("momentum_buffer"), lr=lr, alpha=alpha, eps=group["eps"],
                               weight_decay=group["weight_decay"], momentum=group["momentum"],
                               centered=group["centered"]):
            return
        grad = self._with_weight_decay(param, grad, group, lr)
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg += (1 - alpha) * (grad - grad_avg)  # = α ḡ + (1 − α) g, as torch's lerp computes it
            root_mean_square = xp.sqrt(square_avg - grad_avg * grad_avg) + group["eps"]
        else:
            root_mean_square = xp.sqrt(square_avg) + group["eps"]
        if group["momentum"] > 0:
            buffer = state["momentum_buffer"]
            buffer *= group["momentum"]
            buffer += grad / root_mean_square
            param -= lr * buffer
        else:
            param -= lr * grad / root_mean_square
