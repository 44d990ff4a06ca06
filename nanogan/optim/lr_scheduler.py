"""Learning-rate schedules: each sets its optimiser's group["lr"] from the group's base lr and a count of scheduler
steps, with PyTorch's names and numbers (torch.optim.lr_scheduler).

    scheduler = lr_scheduler.LambdaLR(optimizer, lambda epoch: 1 - max(0, epoch - 99) / 101)   # pix2pix's decay
    for epoch in range(200):
        train_one_epoch()                # optimizer.step() inside
        scheduler.step()

Making a scheduler stores each group's lr as its base lr in group["initial_lr"] (one already there, from an earlier
scheduler or a loaded checkpoint, is kept, as in PyTorch) and sets the lr of epoch 0; each step() counts last_epoch up
by one and sets the lr of that epoch. Every lr is computed from the base lr and last_epoch alone. PyTorch's step()
scales the group's current lr instead, which gives the same numbers (to rounding) unless something else changes the lr
between steps: there a second scheduler on the same optimiser, or an lr set by hand, compounds with this one, where
here the next step() replaces it.

The lr a step() sets is the lr of the next update on every path: the array code, the fused kernels, capturable
Adam's, and the replays of a step recorded as a CUDA graph with capturable Adam (which read it on the device); a
replay with SGD, RMSprop or Adam without capturable refuses to run once the lr has changed, since their recorded
kernels hold the old one (nanogan/backend/cuda/graphs.py).

To resume, save both `optimizer.state_dict()` (the groups' lr and initial_lr) and `scheduler.state_dict()`
(last_epoch, the base lrs, the settings: numbers and lists, which a nanogan checkpoint stores), and load both into an
optimiser and a scheduler made as before.

Ported code may resume instead by making the scheduler with last_epoch=k (every scheduler takes it, as in PyTorch)
after loading the optimiser's state: the groups must hold initial_lr then (a KeyError otherwise, as in PyTorch), and
the constructor's step sets the lr of epoch k + 1, computed from the base lrs, as PyTorch's LambdaLR does. PyTorch's
other schedulers keep the group's current lr on that step and multiply it from there on: StepLR, MultiStepLR and
ExponentialLR run one epoch late, LinearLR and CosineAnnealingLR leave their curve.
"""
import bisect
import copy
import math
import types

from ..arguments import int_at_least, is_finite, is_int, is_number, require
from .optimizer import Optimizer


def _param_groups(owner, optimizer):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{owner}: optimizer must be a nanogan.optim Optimizer, got {type(optimizer).__name__}")
    return optimizer.param_groups


def _finite_at_least_zero(owner, name, value):
    require(owner, name, value, lambda v: is_finite(v) and v >= 0, "a finite number >= 0")
    return value


class LRScheduler:
    """The common part: base lrs, last_epoch, step(), get_last_lr(), state_dict(). A schedule writes _lrs_at(epoch),
    the lr of each group at that epoch."""

    def __init__(self, optimizer, last_epoch=-1):
        name = type(self).__name__
        groups = _param_groups(name, optimizer)
        last_epoch = int_at_least(name, "last_epoch", last_epoch, -1)
        if last_epoch == -1:
            for group in groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(groups):
                if "initial_lr" not in group:
                    raise KeyError(f"{name}: param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                                   f"with last_epoch={last_epoch}; load the optimizer's state dict, which holds it, "
                                   f"first (or make a new scheduler with last_epoch=-1)")
        self.optimizer = optimizer
        self.base_lrs = [group["initial_lr"] for group in groups]
        self.last_epoch = last_epoch
        self.step()  # epoch last_epoch + 1 (0 for a new schedule), as PyTorch's constructor does

    def _lrs_at(self, epoch):
        raise NotImplementedError

    def step(self):
        """Count one epoch and set each group's lr to the schedule's lr there. An lr below 0 or NaN is refused,
        as the optimisers refuse it: it would climb the loss, or fill the parameters with NaN."""
        name, groups = type(self).__name__, self.optimizer.param_groups
        if len(groups) != len(self.base_lrs):
            raise RuntimeError(f"{name}.step: the optimizer has {len(groups)} parameter groups, the scheduler was "
                               f"made for {len(self.base_lrs)} (a group added after the scheduler has no base lr)")
        epoch = self.last_epoch + 1
        lrs = self._lrs_at(epoch)
        for i, lr in enumerate(lrs):  # all checked before anything changes
            require(name, f"the lr of parameter group {i} at epoch {epoch}", lr, lambda v: is_number(v) and v >= 0,
                    "a number >= 0")
        self.last_epoch = epoch
        for group, lr in zip(groups, lrs):
            group["lr"] = lr
        self._last_lr = list(lrs)

    def get_last_lr(self):
        """The lr of each group set by the latest step() (or by the constructor: epoch 0)."""
        return list(self._last_lr)

    def state_dict(self):
        """Everything but the optimiser: last_epoch, base_lrs, the last lrs and the schedule's settings."""
        return {key: copy.deepcopy(value) for key, value in vars(self).items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        """Take back what state_dict() gave, from a scheduler of the same kind over as many parameter groups. The
        groups' lrs are the optimiser's state: load it too, or they change only at the next step()."""
        name, expected = type(self).__name__, self.state_dict()
        if set(state_dict) != set(expected):
            raise ValueError(f"{name}.load_state_dict: the state has the keys {sorted(state_dict)}, a {name}'s has "
                             f"{sorted(expected)}")
        for key in ("base_lrs", "_last_lr"):
            if len(state_dict[key]) != len(self.base_lrs):
                raise ValueError(f"{name}.load_state_dict: the state's {key} has {len(state_dict[key])} entries, "
                                 f"the optimizer {len(self.base_lrs)} parameter groups")
        self._restore(state_dict)

    def _restore(self, state_dict):
        self.__dict__.update(copy.deepcopy(state_dict))


class LambdaLR(LRScheduler):
    """lr = base_lr · λ(epoch), λ = lr_lambda: a function of the epoch count, or a list of them, one per parameter
    group. pix2pix and CycleGAN keep the lr for n epochs and then decay it linearly to 0 over n more with
    λ(epoch) = 1 − max(0, epoch + 1 − n) / (n + 1).

    state_dict() saves a λ's attributes when it is a callable object, none when it is a plain function, as PyTorch
    does: code is not state."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        count = len(_param_groups("LambdaLR", optimizer))
        lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * count
        require("LambdaLR", "lr_lambda", lr_lambda, lambda _: len(lambdas) == count and all(map(callable, lambdas)),
                f"a function or a list of one per parameter group ({count})")
        self.lr_lambdas = lambdas
        super().__init__(optimizer, last_epoch)

    def _lrs_at(self, epoch):
        return [base_lr * lr_lambda(epoch) for lr_lambda, base_lr in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self):
        state = {key: copy.deepcopy(value) for key, value in vars(self).items()
                 if key not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else copy.deepcopy(vars(fn))
                               for fn in self.lr_lambdas]
        return state

    def _restore(self, state_dict):
        state = dict(state_dict)
        saved_attributes = state.pop("lr_lambdas")
        if len(saved_attributes) != len(self.lr_lambdas):
            raise ValueError(f"LambdaLR.load_state_dict: the state's lr_lambdas has {len(saved_attributes)} entries, "
                             f"the optimizer {len(self.lr_lambdas)} parameter groups")
        super()._restore(state)
        for fn, attributes in zip(self.lr_lambdas, saved_attributes):
            if attributes is not None:
                vars(fn).update(copy.deepcopy(attributes))


class StepLR(LRScheduler):
    """lr = base_lr · γ^⌊epoch / step_size⌋: the lr drops by a factor γ every step_size epochs."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size = int_at_least("StepLR", "step_size", step_size, 1)
        self.gamma = _finite_at_least_zero("StepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def _lrs_at(self, epoch):
        return [base_lr * self.gamma ** (epoch // self.step_size) for base_lr in self.base_lrs]


class MultiStepLR(LRScheduler):
    """lr = base_lr · γ^(the number of milestones <= epoch): the lr drops by γ at each milestone epoch (by γᵏ at one
    listed k times, as in PyTorch, which counts them)."""

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        try:
            values = list(milestones)
        except TypeError:
            values = None
        require("MultiStepLR", "milestones", milestones,
                lambda _: values is not None and all(is_int(m) and m >= 0 for m in values), "a list of ints >= 0")
        self.milestones = sorted(int(m) for m in values)
        self.gamma = _finite_at_least_zero("MultiStepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def _lrs_at(self, epoch):
        return [base_lr * self.gamma ** bisect.bisect_right(self.milestones, epoch) for base_lr in self.base_lrs]


class ExponentialLR(LRScheduler):
    """lr = base_lr · γ^epoch."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = _finite_at_least_zero("ExponentialLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def _lrs_at(self, epoch):
        return [base_lr * self.gamma ** epoch for base_lr in self.base_lrs]


class LinearLR(LRScheduler):
    """lr = base_lr · (start_factor + (end_factor − start_factor) · min(epoch, total_iters) / total_iters): from
    start_factor · base_lr at epoch 0 in a straight line to end_factor · base_lr at total_iters, then constant (a
    warm-up with the defaults, a linear decay with end_factor < start_factor)."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        require("LinearLR", "start_factor", start_factor, lambda v: is_number(v) and 0 < v <= 1, "a number in (0, 1]")
        require("LinearLR", "end_factor", end_factor, lambda v: is_number(v) and 0 <= v <= 1, "a number in [0, 1]")
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = int_at_least("LinearLR", "total_iters", total_iters, 1)
        super().__init__(optimizer, last_epoch)

    def _lrs_at(self, epoch):
        return [base_lr * (self.start_factor
                           + (self.end_factor - self.start_factor) * min(epoch, self.total_iters) / self.total_iters)
                for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr − eta_min) · (1 + cos(π · epoch / T_max)) / 2: half a cosine from base_lr at epoch 0
    down to eta_min at T_max, and on past it as the cosine goes (back up to base_lr at 2 T_max), as PyTorch's."""

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self.T_max = int_at_least("CosineAnnealingLR", "T_max", T_max, 1)
        self.eta_min = _finite_at_least_zero("CosineAnnealingLR", "eta_min", eta_min)
        super().__init__(optimizer, last_epoch)

    def _lrs_at(self, epoch):
        return [self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2
                for base_lr in self.base_lrs]


class SequentialLR(LRScheduler):
    """Schedulers one after another: schedulers[i] from epoch milestones[i − 1] on (schedulers[0] from epoch 0), each
    counting its epochs from its own start: lr(epoch) = the lr of schedulers[i] at epoch − milestones[i − 1], with i
    the number of milestones <= epoch. A warm-up, then a decay:

        warmup = lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=5)
        decay = lr_scheduler.CosineAnnealingLR(optimizer, T_max=95)
        scheduler = lr_scheduler.SequentialLR(optimizer, [warmup, decay], milestones=[5])

    Step only the SequentialLR. It asks the schedulers for their lr at an epoch and moves nothing of theirs (PyTorch
    steps them, so their own last_epoch follows); state_dict() holds each one's state_dict(), as PyTorch's does."""

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        if not isinstance(schedulers, (list, tuple)) or not schedulers:
            raise ValueError(f"SequentialLR: schedulers must be a non-empty list of schedulers, got {schedulers!r}")
        for i, scheduler in enumerate(schedulers):
            if not isinstance(scheduler, LRScheduler):
                raise TypeError(f"SequentialLR: schedulers[{i}] must be a scheduler, got {type(scheduler).__name__}")
            if scheduler.optimizer is not optimizer:
                raise ValueError(f"SequentialLR: schedulers[{i}] ({type(scheduler).__name__}) schedules another "
                                 f"optimizer than the one given")
        values = list(milestones) if isinstance(milestones, (list, tuple)) else None
        require("SequentialLR", "milestones", milestones,
                lambda _: values is not None and len(values) == len(schedulers) - 1
                and all(is_int(m) and m >= 0 for m in values) and values == sorted(values),
                f"a sorted list of {len(schedulers) - 1} ints >= 0 (one fewer than the schedulers)")
        self._schedulers = list(schedulers)
        self._milestones = [int(m) for m in values]
        super().__init__(optimizer, last_epoch)

    def _lrs_at(self, epoch):
        index = bisect.bisect_right(self._milestones, epoch)
        start = self._milestones[index - 1] if index else 0
        return self._schedulers[index]._lrs_at(epoch - start)

    def state_dict(self):
        state = {key: copy.deepcopy(value) for key, value in vars(self).items()
                 if key not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def _restore(self, state_dict):
        state = dict(state_dict)
        saved_schedulers = state.pop("_schedulers")
        if len(saved_schedulers) != len(self._schedulers):
            raise ValueError(f"SequentialLR.load_state_dict: the state holds {len(saved_schedulers)} schedulers, "
                             f"this SequentialLR {len(self._schedulers)}")
        super()._restore(state)
        for scheduler, saved in zip(self._schedulers, saved_schedulers):
            scheduler.load_state_dict(saved)
