"""Adagrad (Duchi et al. 2011): each coordinate's step divided by the root of the sum of its squared gradients."""
from .optimizer import Optimizer


class Adagrad(Optimizer):
    """PyTorch's torch.optim.Adagrad update, for each parameter p with gradient g (−g with maximize=True) at step
    t = 1, 2, ...:

        g = g + weight_decay · p
        s = s + g²                                 (state "sum", initial_accumulator_value at first)
        p = p − lr / (1 + (t − 1) · lr_decay) · g / (√s + eps)

    Each parameter group's sum starts at the group's initial_accumulator_value; torch's at the constructor's for
    every group, which a group's own value does not change there.
    """

    non_negative = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps")

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10,
                 maximize=False):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps,
                                      maximize=maximize))

    def _update(self, param, grad, state, group, backend):
        xp = backend.xp
        if not state:
            state.update(step=0, sum=xp.full_like(param, group["initial_accumulator_value"]))
        state["step"] += 1
        lr = self._learning_rate(group, backend)
        grad = self._with_weight_decay(param, grad, group, lr)
        state["sum"] += grad * grad
        param -= lr / (1 + (state["step"] - 1) * group["lr_decay"]) * grad / (xp.sqrt(state["sum"]) + group["eps"])
