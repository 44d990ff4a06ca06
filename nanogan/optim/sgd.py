"""Stochastic gradient descent, with momentum, dampening, Nesterov momentum and weight decay."""
from .optimizer import Optimizer


class SGD(Optimizer):
    """PyTorch's torch.optim.SGD update, for each parameter p with gradient g (−g with maximize=True):

        d = g + weight_decay · p
        if momentum ≠ 0:
            b = d                                   on the first step
            b = momentum · b + (1 − dampening) · d  afterwards
            d = d + momentum · b   (nesterov)   or   d = b
        p = p − lr · d
    """

    non_negative = ("lr", "momentum", "dampening", "weight_decay")

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
                 maximize=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov, maximize=maximize))

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"SGD: nesterov momentum needs momentum > 0 and dampening = 0, got "
                             f"momentum={group['momentum']}, dampening={group['dampening']}")

    def _update(self, param, grad, state, group, backend):
        momentum, lr = group["momentum"], self._learning_rate(group, backend)
        first_step = momentum != 0 and "momentum_buffer" not in state
        if first_step:
            state["momentum_buffer"] = backend.xp.empty_like(param)  # set to this step's d below
        if self._ran_as_kernel(backend, "sgd_step", param, grad, state.get("momentum_buffer"), lr=lr,
                               momentum=momentum, dampening=group["dampening"], weight_decay=group["weight_decay"],
                               nesterov=group["nesterov"], first_step=first_step):
            return
        d = self._with_weight_decay(param, grad, group, lr)
        if momentum != 0:
            buffer = state["momentum_buffer"]
            if first_step:
                buffer[...] = d
            else:
                buffer *= momentum
                buffer += (1 - group["dampening"]) * d
            d = d + momentum * buffer if group["nesterov"] else buffer
        param -= lr * d
