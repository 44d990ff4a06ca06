"""Optimizer: updates parameters from their gradients, one parameter group at a time.

Parameters come in groups (`param_groups`), each a dict with its own hyperparameters, so a
generator and a discriminator, or weights and biases, can be trained with different learning rates
by one optimiser. Per-parameter state (momentum buffers, moment estimates) lives in `state[param]`
as backend arrays.

A subclass writes one method, `_update(param, grad, state, group, backend)`: the update of one parameter
array in place, from its gradient array, in array code through `backend.xp` (numpy or CuPy) — so the
same code runs on every device — unless the backend offers the update as one kernel (the CUDA backend's
sgd_step / adam_step / rmsprop_step) and takes these arrays. `grad` is never written to: gradient
arrays may be shared. Every optimiser takes PyTorch's maximize=True, which steps up the gradient: `grad` is then
−g, so that no update needs a case of its own.
"""
import copy

import numpy as np

from .. import backend as backends
from ..arguments import is_number, require
from ..autograd import no_grad, enable_grad
from ..tensor import Tensor


def _host_copy(value):
    """A state entry as a checkpoint holds it: arrays as numpy copies, counts (a capturable optimiser keeps
    them as 0-d device arrays) as Python numbers."""
    if np.isscalar(value):
        return value
    host = np.array(backends.of(value).to_host(value), copy=True)
    return host.item() if host.ndim == 0 else host


def _move_state_to(param, state):
    """A module moved with .to() after some steps leaves its optimiser's state on the old device (PyTorch's step
    then fails): it follows the parameter, as load_state_dict puts it on the parameter's device. An array of the
    parameter's own type needs no look (host time on every step)."""
    for key, value in state.items():
        if type(value) is not type(param.array) and not np.isscalar(value) and backends.of(value) is not param.backend:
            state[key] = param.backend.from_host(backends.of(value).to_host(value))


class Optimizer:
    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.state = {}
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params must be an iterable of Tensors or of dicts, "
                            f"got a single Tensor of shape {params.shape}")
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group):
        """Add {"params": [...], hyperparameter: value, ...}; hyperparameters not given take the defaults."""
        group = dict(group)
        if "params" not in group:
            raise ValueError(f"{type(self).__name__}: a parameter group is a dict with a 'params' entry, got the keys "
                             f"{sorted(group)}")
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__}: can only optimise Tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{type(self).__name__}: can only optimise leaf tensors, got a non-leaf "
                                 f"of shape {p.shape} (made by {p._ctx.name})")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in group["params"]) or len({id(p) for p in group["params"]}) < len(group["params"]):
            raise ValueError(f"{type(self).__name__}: a parameter appears in more than one place of the groups")
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        self._check_hyperparameters(group)
        self.param_groups.append(group)

    non_negative = ()  # the hyperparameters that must be numbers >= 0 (each optimiser names its own)

    def _check_hyperparameters(self, group):
        """Raise for a hyperparameter out of range: those named in `non_negative` must be numbers >= 0, which NaN
        is not (a NaN learning rate would fill every parameter with NaN at the first step). An optimiser with
        other rules extends this."""
        for key in self.non_negative:
            require(type(self).__name__, key, group[key], lambda v: is_number(v) and v >= 0, "a number >= 0")

    def zero_grad(self, set_to_none=True):
        """Forget every parameter's gradient (set to None; or to zeros with set_to_none=False)."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad = Tensor(p.backend.xp.zeros_like(p.grad.array))

    def step(self, closure=None):
        """One update of every parameter that has a gradient. `closure`, if given, re-evaluates the
        loss (with backward) first and its result is returned."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    if p.grad.shape != p.shape:
                        raise RuntimeError(f"{type(self).__name__}.step: gradient of shape {p.grad.shape} "
                                           f"for a parameter of shape {p.shape}")
                    if type(p.grad.array) is not type(p.array) and p.grad.backend is not p.backend:
                        raise RuntimeError(f"{type(self).__name__}.step: the gradient of a parameter of shape "
                                           f"{p.shape} on {p.device} is on {p.grad.device}")
                    state = self.state.setdefault(p, {})
                    _move_state_to(p, state)
                    grad = -p.grad.array if group["maximize"] else p.grad.array
                    self._update(p.array, grad, state, group, p.backend)
                    p._versions[0] += 1  # an in-place change: a graph that used p can no longer backward through it
        return loss

    def _update(self, param, grad, state, group, backend):
        raise NotImplementedError

    @staticmethod
    def _with_weight_decay(param, grad, group, lr):
        """`grad` with the group's weight decay: weight_decay · p added to it (L2, the default), or, for an optimiser
        with decoupled_weight_decay=True (AdamW's), `param` shrunk in place to p · (1 − lr · weight_decay) and `grad`
        kept. `grad` itself is never written to."""
        weight_decay = group["weight_decay"]
        if weight_decay == 0:
            return grad
        if group.get("decoupled_weight_decay", False):
            param *= 1 - lr * weight_decay
            return grad
        return grad + weight_decay * param

    def _learning_rate(self, group, backend, on_device=False):
        """group["lr"] as the update queued now is to apply it: the backend's `learning_rate` (the CUDA backend's)
        decides, since a step recorded as a CUDA graph must read a scheduler's later lr on the device
        (`on_device`, capturable Adam) or refuse to replay; the CPU backend has none, and the lr is group["lr"]."""
        follow = getattr(backend, "learning_rate", None)
        return group["lr"] if follow is None else follow(type(self).__name__, group, on_device)

    @staticmethod
    def _ran_as_kernel(backend, name, *arrays, **hyperparameters):
        """True when `backend` offers this update as one kernel (`name`, e.g. the CUDA backend's adam_step)
        and ran it on these arrays; False leaves the update to the optimiser's array code."""
        kernel = getattr(backend, name, None)
        return kernel is not None and kernel(*arrays, **hyperparameters)

    # ---- checkpoints --------------------------------------------------------------------
    def state_dict(self):
        """{"state": {index: {name: numpy array or number}}, "param_groups": [{hyperparameters...,
        "params": [index, ...]}]}; parameters are named by their position across the groups, as in
        PyTorch, and every array is a host copy."""
        index_of, groups = {}, []
        for group in self.param_groups:
            indices = []
            for p in group["params"]:
                index_of.setdefault(id(p), len(index_of))
                indices.append(index_of[id(p)])
            groups.append({**{k: copy.deepcopy(v) for k, v in group.items() if k != "params"}, "params": indices})
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index_of[id(p)]] = {name: _host_copy(value) for name, value in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore hyperparameters and per-parameter state saved by `state_dict()` into an optimiser over
        parameters of the same shapes, in the same groups; arrays go to each parameter's device."""
        saved_groups = state_dict["param_groups"]
        name = type(self).__name__
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: the checkpoint has {len(saved_groups)} parameter groups, "
                             f"this optimiser has {len(self.param_groups)}")
        params = {}
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{name}.load_state_dict: group {i} has {len(saved['params'])} parameters in the "
                                 f"checkpoint and {len(group['params'])} here")
            params.update(zip(saved["params"], group["params"]))
        new_state = {}
        for index, entries in state_dict["state"].items():
            if int(index) not in params:
                raise ValueError(f"{name}.load_state_dict: the checkpoint holds state for parameter {index}, and "
                                 f"the groups number {len(params)} parameters")
            p = params[int(index)]
            restored = {}
            for key, value in entries.items():
                if np.isscalar(value):
                    restored[key] = value
                    continue
                if tuple(np.shape(value)) != p.shape:
                    raise ValueError(f"{name}.load_state_dict: state {key!r} of parameter {index} has shape "
                                     f"{tuple(np.shape(value))}, the parameter has {p.shape}")
                restored[key] = p.backend.from_host(np.array(value, dtype=p.dtype, copy=True))
            new_state[p] = restored
        hyperparameters = [{k: copy.deepcopy(v) for k, v in saved.items() if k != "params"} for saved in saved_groups]
        for group, saved in zip(self.param_groups, hyperparameters):
            self._check_hyperparameters({**group, **saved})  # all checked before any is changed
        for group, saved in zip(self.param_groups, hyperparameters):
            group.update(saved)
        self.state = new_state

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params")
        return "\n".join(lines + [")"])
