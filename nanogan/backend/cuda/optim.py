"""Optimiser updates as single kernels: csrc/kernels/optim.cu's sgd_update, adam_update and rmsprop_update,
one launch per parameter where nanogan/optim's array code queues about a dozen array operations (about twenty
for Adam with its step count on the device).

Each function does the step and returns True when every array is a non-empty, C-contiguous float32 CuPy array;
otherwise it does nothing and returns False, and the optimiser runs its array code (the formulas in
nanogan/optim, which these kernels implement; float64 gradchecks and the CPU run that code). nanogan.optim
asks for these by name on the parameter's backend; the CPU backend has none. It asks for `learning_rate` too: the lr
an update takes, which is group["lr"] except while a step is being recorded as a CUDA graph.
"""
import cupy
import numpy as np

from ... import _kernels_ops
from . import graphs
from ._dispatch import kernel_library


def learning_rate(owner, group, on_device):
    """The lr for an update of `group` queued now: group["lr"], except while the step is being recorded as a CUDA
    graph, whose replays repeat the kernels' recorded arguments while a scheduler changes group["lr"] between them.
    Then an update that can read lr from the device (on_device: capturable Adam) gets a 0-d float64 device array
    that each replay first refills from group["lr"]; one whose kernel takes lr by value (SGD's, RMSprop's, Adam's
    without capturable) keeps the number, and each replay refuses to run, naming `owner` (the optimiser's class),
    once group["lr"] differs from it, rather than train with the recorded lr. Either is made once per group and
    recording, not once per parameter of the group."""
    if not graphs.capturing():
        return group["lr"]
    return graphs.once_per_recording(("lr", id(group), on_device), lambda: _recorded_lr(owner, group, on_device))


def _recorded_lr(owner, group, on_device):
    if on_device:
        refill = _LearningRateOnDevice(group)
        graphs.before_each_replay(refill)
        return refill.array
    recorded = group["lr"]

    def refuse_a_changed_lr():
        if group["lr"] != recorded:
            raise RuntimeError(f"{owner}: lr changed from {recorded} to {group['lr']} since the step was recorded as "
                               f"a CUDA graph, whose replays would still apply {recorded}; record the step again, or "
                               f"use Adam or AdamW with capturable=True, which read lr on the device")
    graphs.before_each_replay(refuse_a_changed_lr)
    return recorded


class _LearningRateOnDevice:
    """group["lr"] in a 0-d float64 device array, refilled (called before each replay) only when it has changed: a
    fill is a launch, and most replays of a training loop see the same lr."""

    def __init__(self, group):
        self.group, self.array, self.filled_with = group, cupy.empty((), np.float64), None

    def __call__(self):
        if self.group["lr"] != self.filled_with:
            self.array.fill(self.group["lr"])
            self.filled_with = self.group["lr"]


def _kernel_ready(*arrays):
    return all(a is None or (a.dtype == np.float32 and a.flags.c_contiguous and a.size > 0) for a in arrays)


def sgd_step(param, grad, momentum_buffer, **hyperparameters):
    """SGD (momentum, dampening, Nesterov, weight decay; first_step initialises the buffer to the step's d)."""
    if not _kernel_ready(param, grad, momentum_buffer):
        return False
    _kernels_ops.sgd_step(kernel_library(), param, grad, momentum_buffer, **hyperparameters)
    return True


# Adam's bias corrections and the parameter's scale at a step count t held on the device (capturable=True), in double
# precision as the host computes them for a host count: [lr / (1 - β1ᵗ), √(1 - β2ᵗ), 1 - lr · decoupled decay]
# (decoupled decay 0, a scale of 1, for Adam's L2 decay). One launch where the array code takes about twenty.
_adam_corrections = cupy.ElementwiseKernel(
    "float64 step, float64 lr, float64 beta1, float64 beta2, float64 decoupled_weight_decay",
    "float32 step_size, float32 bias_correction2_sqrt, float32 param_scale",
    "step_size = lr / (1 - pow(beta1, step)); bias_correction2_sqrt = sqrt(1 - pow(beta2, step)); "
    "param_scale = 1 - lr * decoupled_weight_decay",
    "nanogan_adam_corrections")


def adam_step(param, grad, exp_avg, exp_avg_sq, *, step, lr, betas, weight_decay, decoupled_weight_decay,
              **hyperparameters):
    """Adam at step t = `step`, with L2 or decoupled (AdamW's) weight decay; no amsgrad. t is a host count, or a
    float64 0-d array on the device (capturable=True), whose corrections are then computed there and read by the
    update kernel."""
    if not _kernel_ready(param, grad, exp_avg, exp_avg_sq):
        return False
    if isinstance(step, cupy.ndarray):
        corrections = cupy.empty(3, np.float32)
        # one element: t as a (1,) view, the shape of the outputs, which are views into `corrections`
        _adam_corrections(step.reshape(1), lr, betas[0], betas[1], weight_decay if decoupled_weight_decay else 0.0,
                          corrections[0:1], corrections[1:2], corrections[2:3])
        step_count = {"corrections": corrections}
    else:
        step_count = {"step": int(step), "lr": lr}
    _kernels_ops.adam_step(kernel_library(), param, grad, exp_avg, exp_avg_sq, betas=betas, weight_decay=weight_decay,
                           decoupled_weight_decay=decoupled_weight_decay, **step_count, **hyperparameters)
    return True


def rmsprop_step(param, grad, square_avg, grad_avg, momentum_buffer, **hyperparameters):
    """RMSprop (centered, momentum, weight decay); grad_avg / momentum_buffer are None when unused."""
    if not _kernel_ready(param, grad, square_avg, grad_avg, momentum_buffer):
        return False
    _kernels_ops.rmsprop_step(kernel_library(), param, grad, square_avg, grad_avg, momentum_buffer, **hyperparameters)
    return True
