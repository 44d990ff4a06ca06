"""Adam (Kingma & Ba 2015): steps scaled by running estimates of the gradient's first two moments; and AdamW
(Loshchilov & Hutter 2019), the same steps with decoupled weight decay. AdamFamily is the part Adam shares with its
relatives RAdam, NAdam and Adamax."""
import math

from ..arguments import is_number, require
from .optimizer import Optimizer


class AdamFamily(Optimizer):
    """What Adam and its relatives share: lr, eps, weight_decay >= 0 and betas = (β1, β2) in [0, 1); per parameter a
    step count t and the running average m of the gradient (state "exp_avg"), with a second statistic of the
    gradient in state[second_moment] ("exp_avg_sq": v, the running average of g²; Adamax's "exp_inf" instead)."""

    non_negative = ("lr", "eps", "weight_decay")
    second_moment = "exp_avg_sq"

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        require(type(self).__name__, "betas", group["betas"], lambda v: isinstance(v, (tuple, list)) and len(v) == 2
                and all(is_number(b) and 0 <= b < 1 for b in v), "two numbers in [0, 1)")

    def _count_step(self, param, state, xp, on_device=False):
        """t + 1, the state made first (t = 0, zero averages) on a parameter's first step; t kept in a 0-d device
        array `on_device` (capturable Adam)."""
        if not state:
            state.update({"step": 0, "exp_avg": xp.zeros_like(param), self.second_moment: xp.zeros_like(param)})
        if on_device and not isinstance(state["step"], xp.ndarray):
            state["step"] = xp.full((), state["step"], dtype=xp.float64)  # host count (checkpoint) to device
        state["step"] += 1  # in place, on the device when capturable
        return state["step"]

    @staticmethod
    def _average_first_moment(state, grad, beta1):
        """m = β1 · m + (1 − β1) · g, in place; m."""
        m = state["exp_avg"]
        m += (1 - beta1) * (grad - m)  # as torch's lerp computes it
        return m

    def _average_moments(self, state, grad, betas):
        """m = β1 · m + (1 − β1) · g and v = β2 · v + (1 − β2) · g², in place; (m, v)."""
        (beta1, beta2), v = betas, state["exp_avg_sq"]
        m = self._average_first_moment(state, grad, beta1)
        v *= beta2
        v += (1 - beta2) * grad * grad
        return m, v


class Adam(AdamFamily):
    """PyTorch's torch.optim.Adam update, for each parameter p with gradient g (−g with maximize=True) at step
    t = 1, 2, ...:

        g = g + weight_decay · p                   (L2 decay, as in the original; the default)
        p = p · (1 − lr · weight_decay)            (instead, with decoupled_weight_decay=True: AdamW)
        m = β1 · m + (1 − β1) · g
        v = β2 · v + (1 − β2) · g²
        v̂ = max(v̂, v) with amsgrad, else v̂ = v
        p = p − (lr / (1 − β1ᵗ)) · m / (√v̂ / √(1 − β2ᵗ) + eps)

    capturable=True keeps t on the parameter's device (a 0-d array) and computes the bias corrections there,
    as PyTorch's option of that name does: a step recorded in a CUDA graph then counts t up on every replay,
    where a host counter would be frozen at its captured value; lr is read on the device there too, so that a
    scheduler's lr reaches the replays. It costs two tiny kernels per parameter on the CUDA backend (t + 1 and the
    corrections), and about twenty in the array code.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
                 capturable=False, decoupled_weight_decay=False, maximize=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def _update(self, param, grad, state, group, backend):
        xp, (beta1, beta2) = backend.xp, group["betas"]
        lr = self._learning_rate(group, backend, on_device=group["capturable"])
        step = self._count_step(param, state, xp, on_device=group["capturable"])
        if group["amsgrad"] and "max_exp_avg_sq" not in state:
            state["max_exp_avg_sq"] = xp.zeros_like(param)
        if not group["amsgrad"] and self._ran_as_kernel(  # the fused kernel has no amsgrad
                backend, "adam_step", param, grad, state["exp_avg"], state["exp_avg_sq"], step=step, lr=lr,
                betas=group["betas"], eps=group["eps"], weight_decay=group["weight_decay"],
                decoupled_weight_decay=group["decoupled_weight_decay"]):
            return
        m, v = self._average_moments(state, self._with_weight_decay(param, grad, group, lr), group["betas"])
        if group["amsgrad"]:
            xp.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        if group["capturable"]:  # device scalars (t, and lr in a CUDA graph), cast so as not to promote float32 arrays
            step_size = (lr / (1 - beta1 ** step)).astype(param.dtype)
            correction2 = xp.sqrt(1 - beta2 ** step).astype(param.dtype)
        else:
            step_size, correction2 = lr / (1 - beta1 ** step), math.sqrt(1 - beta2 ** step)
        param -= step_size * m / (xp.sqrt(v) / correction2 + group["eps"])


class AdamW(Adam):
    """PyTorch's torch.optim.AdamW: Adam with decoupled weight decay (decoupled_weight_decay=True), which shrinks
    each parameter before the step, p = p · (1 − lr · weight_decay), rather than adding weight_decay · p to its
    gradient, where Adam's division by √v̂ scales the decay down for the parameters with large gradients. Default
    weight_decay 1e-2, as in PyTorch."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False,
                 capturable=False, maximize=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         capturable=capturable, decoupled_weight_decay=True, maximize=maximize)
