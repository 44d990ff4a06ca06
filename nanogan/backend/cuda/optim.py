"""Optimiser updates as single kernels: csrc/kernels/optim.cu's sgd_update, adam_update and rmsprop_update,
one launch per parameter where nanogan/optim's array code queues about a dozen array operations.

Each function does the step and returns True when every array is a non-empty, C-contiguous float32 CuPy array;
otherwise it does nothing and returns False, and the optimiser runs its array code (the formulas in
nanogan/optim, which these kernels implement; float64 gradchecks and the CPU run that code). nanogan.optim
asks for these by name on the parameter's backend; the CPU backend has none.
"""
import numpy as np

from ... import _kernels_ops
from ._dispatch import kernel_library


def _kernel_ready(*arrays):
    return all(a is None or (a.dtype == np.float32 and a.flags.c_contiguous and a.size > 0) for a in arrays)


def sgd_step(param, grad, momentum_buffer, **hyperparameters):
    """SGD (momentum, dampening, Nesterov, weight decay; first_step initialises the buffer to the step's d)."""
    if not _kernel_ready(param, grad, momentum_buffer):
        return False
    _kernels_ops.sgd_step(kernel_library(), param, grad, momentum_buffer, **hyperparameters)
    return True


def adam_step(param, grad, exp_avg, exp_avg_sq, *, step, **hyperparameters):
    """Adam at step t = `step` (a host count), with L2 weight decay; no amsgrad."""
    if not _kernel_ready(param, grad, exp_avg, exp_avg_sq):
        return False
    _kernels_ops.adam_step(kernel_library(), param, grad, exp_avg, exp_avg_sq, step=int(step), **hyperparameters)
    return True


def rmsprop_step(param, grad, square_avg, grad_avg, momentum_buffer, **hyperparameters):
    """RMSprop (centered, momentum, weight decay); grad_avg / momentum_buffer are None when unused."""
    if not _kernel_ready(param, grad, square_avg, grad_avg, momentum_buffer):
        return False
    _kernels_ops.rmsprop_step(kernel_library(), param, grad, square_avg, grad_avg, momentum_buffer, **hyperparameters)
    return True
