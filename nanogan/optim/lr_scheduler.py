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
here the next step() replaces it (ChainedScheduler combines schedules on purpose). Two schedules are recursive by
nature, and scale the group's current lr here too: MultiplicativeLR, a product of factors so far, and
ReduceLROnPlateau, which follows a metric rather than an epoch count.

The lr a step() sets is the lr of the next update on every path: the array code, the fused kernels, capturable
Adam's, and the replays of a step recorded as a CUDA graph with capturable Adam (which read it on the device); a
replay with SGD, RMSprop or Adam without capturable refuses to run once the lr has changed, since their recorded
kernels hold the old one (nanogan/backend/cuda/graphs.py).

To resume, save both `optimizer.state_dict()` (the groups' lr and initial_lr) and `scheduler.state_dict()`
(last_epoch, the base lrs, the settings: numbers and lists, which a nanogan checkpoint stores), and load both into an
optimiser and a scheduler made as before.

Ported code may resume instead by making the scheduler with last_epoch=k (every scheduler made alone takes it, as in
PyTorch)
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


def _per_group(owner, name, value, groups):
    """A number for every group, or a list of one per group, as a list (PyTorch's max_lr, base_momentum, min_lr...)."""
    values = list(value) if isinstance(value, (list, tuple)) else [value] * len(groups)
    require(owner, name, value, lambda _: len(values) == len(groups) and all(is_finite(v) and v >= 0 for v in values),
            f"a finite number >= 0 or a list of one per parameter group ({len(groups)})")
    return values


def _set_momentum(group, momentum):
    """The momentum of an optimiser that has one (SGD's, RMSprop's), else the β1 of one with betas (Adam's)."""
    if "betas" in group:
        group["betas"] = (momentum, *group["betas"][1:])
    else:
        group["momentum"] = momentum


def _momenta_to_cycle(owner, optimizer, base_momentum, max_momentum, last_epoch):
    """cycle_momentum's (base, max) momentum of each group, stored in the groups as PyTorch does; a new schedule
    (last_epoch = -1) starts every group at its max momentum."""
    groups = optimizer.param_groups
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError(f"{owner}: cycle_momentum needs an optimizer with momentum or betas, and "
                         f"{type(optimizer).__name__} has neither; pass cycle_momentum=False")
    base = _per_group(owner, "base_momentum", base_momentum, groups)
    top = _per_group(owner, "max_momentum", max_momentum, groups)
    if last_epoch == -1:
        for group, low, high in zip(groups, base, top):
            _set_momentum(group, high)
            group["base_momentum"], group["max_momentum"] = low, high
    return base, top


class LRScheduler:
    """The common part: base lrs, last_epoch, step(), get_last_lr(), state_dict(). A schedule writes _lrs_at(epoch),
    the lr of each group at that epoch, and one that cycles the momentum _momenta_at(epoch) too."""

    per_group = ("base_lrs", "_last_lr")  # the state entries with one value per parameter group

    def __init__(self, optimizer, last_epoch=-1, base_lrs=None):
        """base_lrs: the schedule's own, where it takes them as arguments (CyclicLR); else the groups' initial_lr."""
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
        self.base_lrs = [group["initial_lr"] for group in groups] if base_lrs is None else list(base_lrs)
        self.last_epoch = last_epoch
        self.step()  # epoch last_epoch + 1 (0 for a new schedule), as PyTorch's constructor does

    def _lrs_at(self, epoch):
        raise NotImplementedError

    def _momenta_at(self, epoch):
        """Each group's momentum (β1 with betas) at `epoch`, for a schedule that cycles it; None leaves it."""
        return None

    def step(self):
        """Count one epoch and set each group's lr to the schedule's lr there. An lr below 0 or NaN is refused,
        as the optimisers refuse it: it would climb the loss, or fill the parameters with NaN."""
        self._move_to(self.last_epoch + 1)

    def _move_to(self, epoch, position=None):
        """last_epoch = epoch, and each group's lr (and momentum, where cycled) the schedule's at `position`: the epoch
        itself, or the fraction of an epoch CosineAnnealingWarmRestarts.step(epoch) takes."""
        name, groups = type(self).__name__, self.optimizer.param_groups
        if len(groups) != len(self.base_lrs):
            raise RuntimeError(f"{name}.step: the optimizer has {len(groups)} parameter groups, the scheduler was "
                               f"made for {len(self.base_lrs)} (a group added after the scheduler has no base lr)")
        position = epoch if position is None else position
        lrs, momenta = self._lrs_at(position), self._momenta_at(position)
        for i, lr in enumerate(lrs):  # all checked before anything changes
            require(name, f"the lr of parameter group {i} at epoch {position}", lr,
                    lambda v: is_number(v) and v >= 0, "a number >= 0")
        self.last_epoch = epoch
        for group, lr in zip(groups, lrs):
            group["lr"] = lr
        for group, momentum in zip(groups, momenta or ()):
            _set_momentum(group, momentum)
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
        for key in self.per_group:
            if len(state_dict[key]) != len(expected[key]):
                raise ValueError(f"{name}.load_state_dict: the state's {key} has {len(state_dict[key])} entries, "
                                 f"the optimizer {len(expected[key])} parameter groups")
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
        name = type(self).__name__
        count = len(_param_groups(name, optimizer))
        lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * count
        require(name, "lr_lambda", lr_lambda, lambda _: len(lambdas) == count and all(map(callable, lambdas)),
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
            raise ValueError(f"{type(self).__name__}.load_state_dict: the state's lr_lambdas has "
                             f"{len(saved_attributes)} entries, the optimizer {len(self.lr_lambdas)} parameter groups")
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


class _ComposedScheduler(LRScheduler):
    """What SequentialLR and ChainedScheduler share: schedulers of the same optimizer, asked for their lr at an epoch
    (nothing of theirs moves: PyTorch steps them, so their own last_epoch follows there); state_dict() holds each
    one's state_dict(), as PyTorch's does."""

    def _take(self, optimizer, schedulers):
        name = type(self).__name__
        if not isinstance(schedulers, (list, tuple)) or not schedulers:
            raise ValueError(f"{name}: schedulers must be a non-empty list of schedulers, got {schedulers!r}")
        for i, scheduler in enumerate(schedulers):
            if not isinstance(scheduler, LRScheduler):
                raise TypeError(f"{name}: schedulers[{i}] must be a scheduler, got {type(scheduler).__name__}")
            if isinstance(scheduler, ReduceLROnPlateau):
                raise ValueError(f"{name}: schedulers[{i}] is a ReduceLROnPlateau, whose step takes a metric; step it "
                                 f"on its own")
            if scheduler.optimizer is not optimizer:
                raise ValueError(f"{name}: schedulers[{i}] ({type(scheduler).__name__}) schedules another "
                                 f"optimizer than the one given")
        self._schedulers = list(schedulers)

    def state_dict(self):
        state = {key: copy.deepcopy(value) for key, value in vars(self).items()
                 if key not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def _restore(self, state_dict):
        state = dict(state_dict)
        saved_schedulers = state.pop("_schedulers")
        if len(saved_schedulers) != len(self._schedulers):
            raise ValueError(f"{type(self).__name__}.load_state_dict: the state holds {len(saved_schedulers)} "
                             f"schedulers, this {type(self).__name__} {len(self._schedulers)}")
        super()._restore(state)
        for scheduler, saved in zip(self._schedulers, saved_schedulers):
            scheduler.load_state_dict(saved)


class SequentialLR(_ComposedScheduler):
    """Schedulers one after another: schedulers[i] from epoch milestones[i − 1] on (schedulers[0] from epoch 0), each
    counting its epochs from its own start: lr(epoch) = the lr of schedulers[i] at epoch − milestones[i − 1], with i
    the number of milestones <= epoch. A warm-up, then a decay:

        warmup = lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=5)
        decay = lr_scheduler.CosineAnnealingLR(optimizer, T_max=95)
        scheduler = lr_scheduler.SequentialLR(optimizer, [warmup, decay], milestones=[5])

    Step only the SequentialLR. It asks the schedulers for their lr at an epoch and moves nothing of theirs (PyTorch
    steps them, so their own last_epoch follows); state_dict() holds each one's state_dict(), as PyTorch's does."""

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        self._take(optimizer, schedulers)
        values = list(milestones) if isinstance(milestones, (list, tuple)) else None
        require("SequentialLR", "milestones", milestones,
                lambda _: values is not None and len(values) == len(schedulers) - 1
                and all(is_int(m) and m >= 0 for m in values) and values == sorted(values),
                f"a sorted list of {len(schedulers) - 1} ints >= 0 (one fewer than the schedulers)")
        self._milestones = [int(m) for m in values]
        super().__init__(optimizer, last_epoch)

    def _in_charge_at(self, epoch):
        """The scheduler in charge at `epoch`, and the epoch it is at there."""
        index = bisect.bisect_right(self._milestones, epoch)
        return self._schedulers[index], epoch - (self._milestones[index - 1] if index else 0)

    def _lrs_at(self, epoch):
        scheduler, its_epoch = self._in_charge_at(epoch)
        return scheduler._lrs_at(its_epoch)

    def _momenta_at(self, epoch):
        scheduler, its_epoch = self._in_charge_at(epoch)
        return scheduler._momenta_at(its_epoch)


class ChainedScheduler(_ComposedScheduler):
    """Schedulers applied together, as PyTorch's ChainedScheduler steps them one after the other: the lr of the first,
    scaled by each later one's lr over its base lr. Where every schedule scales the lr (StepLR, MultiStepLR,
    ExponentialLR, ConstantLR, LinearLR, PolynomialLR, CosineAnnealingLR with eta_min 0) that is PyTorch's lr at every
    step. PyTorch's LambdaLR, OneCycleLR, CyclicLR and CosineAnnealingWarmRestarts set the lr outright at each step
    instead, and the schedulers chained after one of them scale that only by their change since the step before: a
    chain with one of these differs from PyTorch's, where here every later schedule's whole factor applies. A cycled
    momentum is the last cycling one's.

    Each scheduler goes on from the epoch it is at when the chain is made. MultiplicativeLR, which scales the group's
    current lr, and ReduceLROnPlateau, whose step takes a metric, are refused: the chain computes each lr from the
    schedules' own."""

    def __init__(self, schedulers, optimizer=None):
        if isinstance(schedulers, (list, tuple)) and schedulers and optimizer is None:
            optimizer = getattr(schedulers[0], "optimizer", None)
        self._take(optimizer, schedulers)
        for i, scheduler in enumerate(schedulers):
            if isinstance(scheduler, MultiplicativeLR):
                raise ValueError(f"ChainedScheduler: schedulers[{i}] is a MultiplicativeLR, which scales the group's "
                                 f"current lr; chain a LambdaLR with the product of its factors instead")
        self._starts = [scheduler.last_epoch for scheduler in schedulers]
        super().__init__(optimizer)

    def _lrs_at(self, epoch):
        first, *later = self._schedulers
        lrs = first._lrs_at(self._starts[0] + epoch)
        for scheduler, start in zip(later, self._starts[1:]):
            lrs = [lr * (its_lr / its_base if its_base else 0.0)  # a base lr of 0 stays at 0 under scaling
                   for lr, its_lr, its_base in zip(lrs, scheduler._lrs_at(start + epoch), scheduler.base_lrs)]
        return lrs

    def _momenta_at(self, epoch):
        momenta = None
        for scheduler, start in zip(self._schedulers, self._starts):
            momenta = scheduler._momenta_at(start + epoch) or momenta
        return momenta


class ConstantLR(LRScheduler):
    """lr = base_lr · factor for epoch < total_iters, base_lr from then on (a warm-up at a constant lower lr)."""

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        require("ConstantLR", "factor", factor, lambda v: is_number(v) and 0 <= v <= 1, "a number in [0, 1]")
        self.factor = factor
        self.total_iters = int_at_least("ConstantLR", "total_iters", total_iters, 1)
        super().__init__(optimizer, last_epoch)

    def _lrs_at(self, epoch):
        return [base_lr * (self.factor if epoch < self.total_iters else 1.0) for base_lr in self.base_lrs]


class PolynomialLR(LRScheduler):
    """lr = base_lr · (1 − min(epoch, total_iters) / total_iters)^power: down to 0 at total_iters (in a straight line
    with power 1), 0 after."""

    def __init__(self, optimizer, total_iters=5, power=1.0, last_epoch=-1):
        self.total_iters = int_at_least("PolynomialLR", "total_iters", total_iters, 1)
        self.power = _finite_at_least_zero("PolynomialLR", "power", power)
        super().__init__(optimizer, last_epoch)

    def _lrs_at(self, epoch):
        return [base_lr * (1.0 - min(self.total_iters, epoch) / self.total_iters) ** self.power
                for base_lr in self.base_lrs]


class MultiplicativeLR(LambdaLR):
    """lr = (the group's current lr) · λ(epoch) at each step from epoch 1 on (the lr is kept at epoch 0), λ = lr_lambda
    as LambdaLR's: a function of the epoch, or a list of one per parameter group.

    Recursive, as PyTorch's is, unlike the other schedules here: the product of all the factors so far is not
    something λ gives at one epoch. So an lr set by hand, or by another scheduler, between two steps is scaled from;
    resuming with last_epoch=k scales the lr of the loaded optimiser state."""

    def _lrs_at(self, epoch):
        return [group["lr"] * lr_lambda(epoch) if epoch > 0 else group["lr"]
                for lr_lambda, group in zip(self.lr_lambdas, self.optimizer.param_groups)]


class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR (Loshchilov & Hutter 2017): lr = eta_min + (base_lr − eta_min) · (1 + cos(π · T_cur / T_i)) / 2, a half
    cosine from base_lr towards eta_min over a period of T_i epochs, restarting at base_lr when it ends; the first
    period is T_0 epochs long and each one after T_mult times the one before. T_cur is the epoch less the lengths of
    the periods before it.

    step(epoch) sets the lr at any epoch, fractional ones included, as PyTorch's does for a restart within an epoch:

        for epoch in range(epochs):
            for i, batch in enumerate(batches):
                train_on(batch)
                scheduler.step(epoch + i / len(batches))

    last_epoch is then ⌊epoch⌋, and a plain step() after it goes on to ⌊epoch⌋ + 1 (PyTorch's to epoch + 1)."""

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):
        self.T_0 = int_at_least("CosineAnnealingWarmRestarts", "T_0", T_0, 1)
        self.T_mult = int_at_least("CosineAnnealingWarmRestarts", "T_mult", T_mult, 1)
        self.eta_min = _finite_at_least_zero("CosineAnnealingWarmRestarts", "eta_min", eta_min)
        super().__init__(optimizer, last_epoch)

    def step(self, epoch=None):
        """Count one epoch, or go to `epoch` (a fraction of one too)."""
        if epoch is None:
            super().step()
        else:
            require("CosineAnnealingWarmRestarts.step", "epoch", epoch, lambda v: is_finite(v) and v >= 0,
                    "a finite number >= 0")
            self._move_to(math.floor(epoch), epoch)

    def _lrs_at(self, epoch):
        if self.T_mult == 1:
            position, period = epoch % self.T_0, self.T_0
        else:  # a period T_mult times longer each time: as many turns as periods passed, a few dozen at most
            position, period = epoch, self.T_0
            while position >= period:
                position, period = position - period, period * self.T_mult
        return [self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * position / period)) / 2
                for base_lr in self.base_lrs]


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin 2018), over total_steps steps (or epochs · steps_per_epoch): the lr from
    max_lr / div_factor up to max_lr over the first pct_start of the steps, then down to
    max_lr / (div_factor · final_div_factor); with three_phase=True up, back down to max_lr / div_factor over as many
    steps, then down to the minimum. Each phase anneals along half a cosine (anneal_strategy="cos") or a straight line
    ("linear") in PyTorch's phase boundaries: phase k ends at step pct_start · total_steps · k − k (the last at
    total_steps − 1). With cycle_momentum the momentum (β1 for an optimiser with betas) moves the other way between
    max_momentum and base_momentum.

    As in PyTorch, the groups hold initial_lr, max_lr and min_lr (and base_momentum, max_momentum), which the
    optimiser's state_dict() saves, and stepping past total_steps is refused. At step total_steps itself (set by the
    step() after the last update) the lr stays at the minimum, where PyTorch's anneal runs on past the end of its last
    phase: a straight line then goes below the minimum, often below 0, which the schedules here refuse."""

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
                 anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85, max_momentum=0.95, div_factor=25.0,
                 final_div_factor=1e4, three_phase=False, last_epoch=-1):
        name = "OneCycleLR"
        groups = _param_groups(name, optimizer)
        if total_steps is not None:
            self.total_steps = int_at_least(name, "total_steps", total_steps, 1)
        elif epochs is not None and steps_per_epoch is not None:
            self.total_steps = (int_at_least(name, "epochs", epochs, 1)
                                * int_at_least(name, "steps_per_epoch", steps_per_epoch, 1))
        else:
            raise ValueError(f"{name}: give total_steps, or epochs and steps_per_epoch")
        require(name, "pct_start", pct_start, lambda v: is_number(v) and 0 <= v <= 1, "a number in [0, 1]")
        require(name, "anneal_strategy", anneal_strategy, lambda v: v in ("cos", "linear"), "'cos' or 'linear'")
        for key, value in (("div_factor", div_factor), ("final_div_factor", final_div_factor)):
            require(name, key, value, lambda v: is_finite(v) and v > 0, "a finite number > 0")
        up = float(pct_start * self.total_steps) - 1
        if three_phase:
            self._phases = [(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                            (float(2 * pct_start * self.total_steps) - 2, "max_lr", "initial_lr", "base_momentum",
                             "max_momentum"),
                            (self.total_steps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
        else:
            self._phases = [(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                            (self.total_steps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum")]
        ends = [0.0] + [end for end, *_ in self._phases]
        if any(start == end for start, end in zip(ends, ends[1:])):  # an anneal over no steps divides by zero
            raise ValueError(f"{name}: pct_start={pct_start} leaves a phase of no steps in total_steps="
                             f"{self.total_steps} (phase ends {ends[1:]})")
        self.anneal_strategy = anneal_strategy
        max_lrs = _per_group(name, "max_lr", max_lr, groups)
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            _momenta_to_cycle(name, optimizer, base_momentum, max_momentum, last_epoch)
        if last_epoch == -1:
            for group, top in zip(groups, max_lrs):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start, end, fraction):
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * fraction) + 1)
        return (end - start) * fraction + start

    def _phase_at(self, step):
        """(the phase's group keys (start lr, end lr, start momentum, end momentum), the fraction of it done)."""
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: stepped to step {step}, past total_steps={self.total_steps}")
        start = 0.0
        for i, (end, *keys) in enumerate(self._phases):
            if step <= end or i == len(self._phases) - 1:
                return keys, min((step - start) / (end - start), 1.0)
            start = end

    def _lrs_at(self, epoch):
        (start, end, _, _), fraction = self._phase_at(epoch)
        return [self._anneal(group[start], group[end], fraction) for group in self.optimizer.param_groups]

    def _momenta_at(self, epoch):
        if not self.cycle_momentum:
            return None
        (_, _, start, end), fraction = self._phase_at(epoch)
        return [self._anneal(group[start], group[end], fraction) for group in self.optimizer.param_groups]


class CyclicLR(LRScheduler):
    """The cyclical learning rate (Smith 2017): the lr up from base_lr to max_lr in step_size_up steps, back down in
    step_size_down (default: as many), over and over; the height of each cycle scaled by mode: "triangular" 1,
    "triangular2" 1/2 more each cycle, "exp_range" gamma^step. With cycle_momentum (the default, as in PyTorch) the
    momentum (β1 for an optimiser with betas) moves the other way between max_momentum and base_momentum.

    base_lr and max_lr (and the momenta) are a number or a list of one per parameter group; base_lr replaces the
    groups' lr when the schedule starts (PyTorch's scale_fn, a custom scaling, is not taken)."""

    scales = {"triangular": lambda cycle, step, gamma: 1.0,
              "triangular2": lambda cycle, step, gamma: 1 / (2.0 ** (cycle - 1)),
              "exp_range": lambda cycle, step, gamma: gamma ** step}

    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None, mode="triangular",
                 gamma=1.0, cycle_momentum=True, base_momentum=0.8, max_momentum=0.9, last_epoch=-1):
        name = "CyclicLR"
        groups = _param_groups(name, optimizer)
        base_lrs = _per_group(name, "base_lr", base_lr, groups)
        self.max_lrs = _per_group(name, "max_lr", max_lr, groups)
        require(name, "step_size_up", step_size_up, lambda v: is_finite(v) and v > 0, "a finite number > 0")
        step_size_down = step_size_up if step_size_down is None else step_size_down
        require(name, "step_size_down", step_size_down, lambda v: is_finite(v) and v >= 0, "a finite number >= 0")
        require(name, "mode", mode, lambda v: v in self.scales, "'triangular', 'triangular2' or 'exp_range'")
        self.total_size = float(step_size_up + step_size_down)
        self.step_ratio = step_size_up / self.total_size
        self.mode, self.gamma = mode, _finite_at_least_zero(name, "gamma", gamma)
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.base_momentums, self.max_momentums = _momenta_to_cycle(name, optimizer, base_momentum, max_momentum,
                                                                        last_epoch)
        if last_epoch == -1:
            for group, lr in zip(groups, base_lrs):
                group["lr"] = lr
        super().__init__(optimizer, last_epoch, base_lrs=base_lrs)

    def _height_at(self, step):
        """How far up from the bottom of the cycle the schedule is at `step`, in [0, 1] of the cycle's height."""
        cycle = math.floor(1 + step / self.total_size)
        x = 1.0 + step / self.total_size - cycle
        rise = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        return rise, self.scales[self.mode](cycle, step, self.gamma)

    def _lrs_at(self, epoch):
        rise, scale = self._height_at(epoch)
        return [base_lr + (max_lr - base_lr) * rise * scale for base_lr, max_lr in zip(self.base_lrs, self.max_lrs)]

    def _momenta_at(self, epoch):
        if not self.cycle_momentum:
            return None
        rise, scale = self._height_at(epoch)
        return [top - (top - low) * rise * scale for low, top in zip(self.base_momentums, self.max_momentums)]


class ReduceLROnPlateau(LRScheduler):
    """Lower the lr when a metric stops improving: step(metric) after each evaluation; when the metric has not beaten
    the best so far (by threshold: best · (1 ∓ threshold) in "rel" mode, best ∓ threshold in "abs"; lower is better
    in mode "min", higher in "max") for more than `patience` steps in a row, each group's lr becomes
    max(lr · factor, min_lr), unless that changes it by eps or less; then `cooldown` steps pass before bad steps count
    again.

    Recursive, as PyTorch's is, unlike the other schedules here: each lr comes from the group's current one and the
    metrics so far, not from an epoch count. Its step takes the metric, so SequentialLR and ChainedScheduler refuse
    it, as PyTorch's do; it is made without last_epoch (resume with state_dict())."""

    per_group = ("min_lrs", "_last_lr")

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0, eps=1e-8):
        name = "ReduceLROnPlateau"
        groups = _param_groups(name, optimizer)
        require(name, "mode", mode, lambda v: v in ("min", "max"), "'min' or 'max'")
        require(name, "threshold_mode", threshold_mode, lambda v: v in ("rel", "abs"), "'rel' or 'abs'")
        require(name, "factor", factor, lambda v: is_number(v) and 0 <= v < 1, "a number in [0, 1)")
        self.optimizer, self.mode, self.threshold_mode, self.factor = optimizer, mode, threshold_mode, factor
        self.patience = int_at_least(name, "patience", patience, 0)
        self.cooldown = int_at_least(name, "cooldown", cooldown, 0)
        self.threshold = _finite_at_least_zero(name, "threshold", threshold)
        self.eps = _finite_at_least_zero(name, "eps", eps)
        self.min_lrs = _per_group(name, "min_lr", min_lr, groups)
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = self.cooldown_counter = self.last_epoch = 0
        self._last_lr = [group["lr"] for group in groups]

    def _is_better(self, metric):
        sign = 1 if self.mode == "min" else -1  # "max" is "min" of the negated metric
        if self.threshold_mode == "rel":
            return sign * metric < sign * self.best * (1 - sign * self.threshold)
        return sign * metric < sign * self.best - self.threshold

    def step(self, metrics):
        """Count one epoch with this value of the metric (a number, or a one-element tensor)."""
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            raise RuntimeError(f"ReduceLROnPlateau.step: the optimizer has {len(groups)} parameter groups, the "
                               f"scheduler was made for {len(self.min_lrs)} (a group added after it has no min_lr)")
        metric = float(metrics)
        self.last_epoch += 1
        if self._is_better(metric):
            self.best, self.num_bad_epochs = metric, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:  # bad epochs in a cooldown do not count
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(groups, self.min_lrs):
                lowered = max(group["lr"] * self.factor, min_lr)
                if group["lr"] - lowered > self.eps:
                    group["lr"] = lowered
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = [group["lr"] for group in groups]
