"""optim.lr_scheduler: the lr of every epoch against PyTorch's schedulers (closed form here, chained there) and
worked numbers; resuming from a checkpoint or with last_epoch; refused settings. That a scheduled lr reaches the
updates themselves (array code, capturable Adam, the fused kernels) is tested with the optimisers, in test_optim.py
and test_cuda_backend.py."""
import numpy as np
import pytest

import nanogan as ng
from nanogan import optim
from nanogan.gan.checkpoint import load_checkpoint, save_checkpoint
from nanogan.optim import lr_scheduler

EPOCHS = 30
GROUP_LRS = (0.1, 0.02)


def _optimizer(module, params, lrs=GROUP_LRS):
    return module.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, lrs)], lr=lrs[0])


def _ours(lrs=GROUP_LRS):
    return _optimizer(optim, [ng.zeros(2, requires_grad=True) for _ in lrs], lrs)


def _pix2pix_decay(keep, decay):
    """pix2pix / CycleGAN's rule (networks.get_scheduler, epoch_count 1): lr kept for `keep` epochs, then linearly
    down to 0 over `decay` more."""
    return lambda epoch: 1.0 - max(0, epoch + 1 - keep) / float(decay + 1)


# each made by `m` (nanogan's lr_scheduler or torch's) on `opt`, the last scheduler made with **resume (last_epoch)
SCHEDULES = {
    "lambda-pix2pix": lambda m, opt, **resume: m.LambdaLR(opt, _pix2pix_decay(10, 20), **resume),
    "lambda-one-per-group": lambda m, opt, **resume: m.LambdaLR(opt, [lambda e: 0.95 ** e, lambda e: 1 / (1 + e)],
                                                                **resume),
    "step": lambda m, opt, **resume: m.StepLR(opt, step_size=4, gamma=0.5, **resume),
    "step-default-gamma": lambda m, opt, **resume: m.StepLR(opt, 7, **resume),
    "multistep-unsorted-repeated": lambda m, opt, **resume: m.MultiStepLR(opt, [22, 3, 10, 10], gamma=0.3, **resume),
    "multistep-at-zero": lambda m, opt, **resume: m.MultiStepLR(opt, [0, 5, 17], **resume),
    "exponential": lambda m, opt, **resume: m.ExponentialLR(opt, gamma=0.9, **resume),
    "linear-warmup-default": lambda m, opt, **resume: m.LinearLR(opt, **resume),
    "linear-decay-to-zero": lambda m, opt, **resume: m.LinearLR(opt, start_factor=1.0, end_factor=0.0, total_iters=20,
                                                                **resume),
    "linear-between": lambda m, opt, **resume: m.LinearLR(opt, start_factor=0.5, end_factor=0.1, total_iters=12,
                                                          **resume),
    "cosine-past-t-max": lambda m, opt, **resume: m.CosineAnnealingLR(opt, T_max=12, **resume),
    "cosine-eta-min": lambda m, opt, **resume: m.CosineAnnealingLR(opt, T_max=7, eta_min=0.004, **resume),
    "sequential-warmup-cosine": lambda m, opt, **resume: m.SequentialLR(
        opt, [m.LinearLR(opt, start_factor=0.1, total_iters=5), m.CosineAnnealingLR(opt, T_max=20, eta_min=0.001)],
        milestones=[5], **resume),
    "sequential-three": lambda m, opt, **resume: m.SequentialLR(
        opt, [m.ExponentialLR(opt, 0.9), m.StepLR(opt, 3, gamma=0.5), m.LambdaLR(opt, lambda e: 1 / (1 + e))],
        milestones=[4, 12], **resume),
    "sequential-milestone-at-zero": lambda m, opt, **resume: m.SequentialLR(
        opt, [m.ExponentialLR(opt, 0.5), m.MultiStepLR(opt, [3, 8], gamma=0.5)], milestones=[0], **resume),
}


@pytest.mark.parametrize("case", list(SCHEDULES))
def test_every_epoch_lr_equals_torch(case):
    """get_last_lr(), the groups' lr and initial_lr, last_epoch: at construction and after each of 30 steps. PyTorch
    scales the current lr at each step where the lr here comes from the base lr in one expression: equal to rounding."""
    torch = pytest.importorskip("torch")
    ours = _ours()
    theirs = _optimizer(torch.optim, [torch.zeros(2, requires_grad=True) for _ in GROUP_LRS])
    schedulers = SCHEDULES[case](lr_scheduler, ours), SCHEDULES[case](torch.optim.lr_scheduler, theirs)
    seen = set()
    for epoch in range(EPOCHS + 1):
        if epoch:
            theirs.step()  # before the scheduler's step, or torch warns
            for scheduler in schedulers:
                scheduler.step()
        assert schedulers[0].last_epoch == schedulers[1].last_epoch == epoch
        np.testing.assert_allclose(schedulers[0].get_last_lr(), schedulers[1].get_last_lr(), rtol=1e-12, atol=0,
                                   err_msg=f"{case}, epoch {epoch}")
        for mine, torchs in zip(ours.param_groups, theirs.param_groups):
            np.testing.assert_allclose(mine["lr"], torchs["lr"], rtol=1e-12, atol=0, err_msg=f"{case}, epoch {epoch}")
            assert mine["initial_lr"] == torchs["initial_lr"]
        seen.add(tuple(schedulers[0].get_last_lr()))
    assert len(seen) > 2  # the schedule moved the lr more than once in the epochs compared


@pytest.mark.parametrize("make, lrs", [
    (lambda opt: lr_scheduler.StepLR(opt, step_size=2, gamma=0.1), [1, 1, 0.1, 0.1, 0.01, 0.01]),
    (lambda opt: lr_scheduler.MultiStepLR(opt, [4, 2, 2], gamma=0.5), [1, 1, 0.25, 0.25, 0.125, 0.125]),
    (lambda opt: lr_scheduler.ExponentialLR(opt, 0.5), [1, 0.5, 0.25, 0.125, 0.0625, 0.03125]),
    (lambda opt: lr_scheduler.LinearLR(opt, start_factor=0.25, total_iters=3), [0.25, 0.5, 0.75, 1, 1, 1]),
    (lambda opt: lr_scheduler.LambdaLR(opt, _pix2pix_decay(2, 3)), [1, 1, 0.75, 0.5, 0.25, 0]),
    (lambda opt: lr_scheduler.CosineAnnealingLR(opt, T_max=4),
     [1, (2 + 2 ** 0.5) / 4, 0.5, (2 - 2 ** 0.5) / 4, 0, (2 - 2 ** 0.5) / 4]),
    (lambda opt: lr_scheduler.CosineAnnealingLR(opt, T_max=2, eta_min=0.2), [1, 0.6, 0.2, 0.6, 1, 0.6]),
    (lambda opt: lr_scheduler.SequentialLR(opt, [lr_scheduler.LinearLR(opt, start_factor=0.5, total_iters=2),
                                                 lr_scheduler.ExponentialLR(opt, 0.5)], milestones=[2]),
     [0.5, 0.75, 1, 0.5, 0.25, 0.125]),
], ids=["step", "multistep", "exponential", "linear", "lambda-pix2pix", "cosine", "cosine-eta-min", "sequential"])
def test_worked_numbers(make, lrs):
    optimizer = _ours(lrs=(1.0,))
    scheduler = make(optimizer)
    got = [scheduler.get_last_lr()[0]]
    for _ in lrs[1:]:
        scheduler.step()
        got.append(optimizer.param_groups[0]["lr"])
    np.testing.assert_allclose(got, lrs, rtol=1e-15, atol=0)


def test_base_lrs_are_the_groups_initial_lr_kept_for_a_later_scheduler():
    """As in PyTorch: the first scheduler stores each group's lr as initial_lr; a second one made later starts from
    that, not from the lr the first has set since."""
    optimizer = _ours()
    first = lr_scheduler.ExponentialLR(optimizer, 0.5)
    first.step()
    second = lr_scheduler.StepLR(optimizer, 3)
    assert [g["initial_lr"] for g in optimizer.param_groups] == first.base_lrs == second.base_lrs == list(GROUP_LRS)
    assert second.get_last_lr() == list(GROUP_LRS)  # epoch 0 of StepLR: the base lrs


class _WarmUp:
    """A callable object with state, as some ported code passes to LambdaLR: its attributes are saved."""

    def __init__(self, epochs):
        self.epochs = epochs

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.epochs)


@pytest.mark.parametrize("case", ["lambda-callable-object", "multistep", "linear", "cosine", "sequential"])
def test_resumed_from_a_checkpoint_file_the_schedule_continues_identically(tmp_path, case):
    """Optimiser and scheduler saved halfway through a nanogan checkpoint (.npz), loaded into freshly made ones
    (other lrs, other settings) in PyTorch's order: scheduler made, optimiser state loaded, scheduler state loaded."""
    make = {"lambda-callable-object": lambda opt, settings: lr_scheduler.LambdaLR(opt, _WarmUp(settings)),
            "multistep": lambda opt, settings: lr_scheduler.MultiStepLR(opt, [settings, 12, 15], gamma=0.5),
            "linear": lambda opt, settings: lr_scheduler.LinearLR(opt, 0.5, 0.0, total_iters=settings),
            "cosine": lambda opt, settings: lr_scheduler.CosineAnnealingLR(opt, T_max=settings, eta_min=0.01),
            "sequential": lambda opt, settings: lr_scheduler.SequentialLR(
                opt, [lr_scheduler.LinearLR(opt, 0.25, total_iters=settings // 4 + 1),
                      lr_scheduler.LambdaLR(opt, _WarmUp(settings))], milestones=[settings // 3])}[case]
    uninterrupted = _ours()
    scheduler = make(uninterrupted, 20)
    expected = [scheduler.get_last_lr()] + [scheduler.step() or scheduler.get_last_lr() for _ in range(EPOCHS)]
    optimizer = _ours()
    scheduler = make(optimizer, 20)
    got = [scheduler.get_last_lr()] + [scheduler.step() or scheduler.get_last_lr() for _ in range(10)]
    save_checkpoint(tmp_path / "run.npz", {"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()})
    saved = load_checkpoint(tmp_path / "run.npz")
    optimizer = _ours(lrs=(1.0, 2.0))
    scheduler = make(optimizer, 3)
    optimizer.load_state_dict(saved["optimizer"])
    scheduler.load_state_dict(saved["scheduler"])
    assert scheduler.last_epoch == 10 and scheduler.get_last_lr() == got[-1]
    got += [scheduler.step() or scheduler.get_last_lr() for _ in range(EPOCHS - 10)]
    np.testing.assert_array_equal(got, expected)


RESUMED_AT = 9


@pytest.mark.parametrize("case", list(SCHEDULES))
def test_made_with_last_epoch_after_the_optimizer_state_it_goes_on_as_the_uninterrupted_schedule(case):
    """PyTorch's way to resume: the optimiser's state loaded (initial_lr with it), the scheduler made with last_epoch=k;
    the constructor sets the lr of epoch k + 1. Here every scheduler computes it from the base lrs, as PyTorch's
    LambdaLR does (compared with torch below); PyTorch's chainable ones continue from the group's current lr."""
    uninterrupted = _ours()
    scheduler = SCHEDULES[case](lr_scheduler, uninterrupted)
    expected, saved = [], None
    for epoch in range(1, EPOCHS + 1):
        scheduler.step()
        expected.append(scheduler.get_last_lr())
        saved = uninterrupted.state_dict() if epoch == RESUMED_AT else saved
    optimizer = _ours(lrs=(1.0, 2.0))
    optimizer.load_state_dict(saved)
    resumed = SCHEDULES[case](lr_scheduler, optimizer, last_epoch=RESUMED_AT)
    assert resumed.last_epoch == RESUMED_AT + 1 and resumed.base_lrs == list(GROUP_LRS)
    got = [resumed.get_last_lr()] + [resumed.step() or resumed.get_last_lr() for _ in range(EPOCHS - RESUMED_AT - 1)]
    np.testing.assert_allclose(got, expected[RESUMED_AT:], rtol=1e-15, atol=0)


@pytest.mark.parametrize("case", ["lambda-pix2pix", "lambda-one-per-group"])
def test_lambda_lr_made_with_last_epoch_equals_torch(case):
    torch = pytest.importorskip("torch")
    ours = _ours(lrs=(0.5, 0.25))
    theirs = _optimizer(torch.optim, [torch.zeros(2, requires_grad=True) for _ in GROUP_LRS], lrs=(0.5, 0.25))
    for optimizer in (ours, theirs):
        for group, base_lr in zip(optimizer.param_groups, GROUP_LRS):
            group["initial_lr"] = base_lr
    schedulers = [SCHEDULES[case](module, optimizer, last_epoch=RESUMED_AT)
                  for module, optimizer in ((lr_scheduler, ours), (torch.optim.lr_scheduler, theirs))]
    for epoch in range(RESUMED_AT + 1, EPOCHS + 1):
        if epoch > RESUMED_AT + 1:
            theirs.step()
            for scheduler in schedulers:
                scheduler.step()
        assert schedulers[0].last_epoch == schedulers[1].last_epoch == epoch
        np.testing.assert_allclose(schedulers[0].get_last_lr(), schedulers[1].get_last_lr(), rtol=1e-12, atol=0)


def test_last_epoch_on_an_optimizer_without_initial_lr_is_refused_as_in_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(KeyError, match="initial_lr"):
        torch.optim.lr_scheduler.StepLR(_optimizer(torch.optim, [torch.zeros(2, requires_grad=True)]), 3, last_epoch=4)
    optimizer = _ours()
    with pytest.raises(KeyError, match=r"StepLR: param 'initial_lr' is not specified in param_groups\[0\] when "
                                       r"resuming with last_epoch=4; load the optimizer's state dict"):
        lr_scheduler.StepLR(optimizer, 3, last_epoch=4)
    assert [g["lr"] for g in optimizer.param_groups] == list(GROUP_LRS)


@pytest.mark.parametrize("make, message", [
    (lambda opt: lr_scheduler.StepLR(opt, 0), "StepLR: step_size must be an int >= 1, got 0"),
    (lambda opt: lr_scheduler.StepLR(opt, 2.0), "StepLR: step_size must be an int >= 1, got 2.0"),
    (lambda opt: lr_scheduler.StepLR(opt, 2, gamma=float("nan")),
     "StepLR: gamma must be a finite number >= 0, got nan"),
    (lambda opt: lr_scheduler.MultiStepLR(opt, [3, -1]), r"MultiStepLR: milestones must be a list of ints >= 0, got "
                                                         r"\[3, -1\]"),
    (lambda opt: lr_scheduler.MultiStepLR(opt, 5), "MultiStepLR: milestones must be a list of ints >= 0, got 5"),
    (lambda opt: lr_scheduler.ExponentialLR(opt, -0.5), "ExponentialLR: gamma must be a finite number >= 0, got -0.5"),
    (lambda opt: lr_scheduler.LinearLR(opt, start_factor=0), r"LinearLR: start_factor must be a number in \(0, 1\], "
                                                             r"got 0"),
    (lambda opt: lr_scheduler.LinearLR(opt, end_factor=1.5), r"LinearLR: end_factor must be a number in \[0, 1\], "
                                                             r"got 1.5"),
    (lambda opt: lr_scheduler.LinearLR(opt, total_iters=0), "LinearLR: total_iters must be an int >= 1, got 0"),
    (lambda opt: lr_scheduler.LambdaLR(opt, 0.5), r"LambdaLR: lr_lambda must be a function or a list of one per "
                                                  r"parameter group \(2\), got 0.5"),
    (lambda opt: lr_scheduler.LambdaLR(opt, [abs]), r"LambdaLR: lr_lambda must be a function or a list of one per "
                                                    r"parameter group \(2\), got \[<built-in function abs>\]"),
    (lambda opt: lr_scheduler.CosineAnnealingLR(opt, 0), "CosineAnnealingLR: T_max must be an int >= 1, got 0"),
    (lambda opt: lr_scheduler.CosineAnnealingLR(opt, 10, eta_min=-1e-3),
     "CosineAnnealingLR: eta_min must be a finite number >= 0, got -0.001"),
    (lambda opt: lr_scheduler.StepLR(opt, 3, last_epoch=-2), "StepLR: last_epoch must be an int >= -1, got -2"),
    (lambda opt: lr_scheduler.SequentialLR(opt, [], []), r"SequentialLR: schedulers must be a non-empty list of "
                                                        r"schedulers, got \[\]"),
    (lambda opt: lr_scheduler.SequentialLR(opt, [lr_scheduler.StepLR(opt, 3), lr_scheduler.StepLR(opt, 5)], [4, 6]),
     r"SequentialLR: milestones must be a sorted list of 1 ints >= 0 \(one fewer than the schedulers\), got \[4, 6\]"),
    (lambda opt: lr_scheduler.SequentialLR(opt, [lr_scheduler.StepLR(opt, 3)] * 3, [6, 4]),
     r"SequentialLR: milestones must be a sorted list of 2 ints >= 0 .*, got \[6, 4\]"),
    (lambda opt: lr_scheduler.SequentialLR(opt, [lr_scheduler.StepLR(_ours(), 3)], []),
     r"SequentialLR: schedulers\[0\] \(StepLR\) schedules another optimizer than the one given"),
])
def test_bad_settings_are_refused_naming_the_scheduler_and_value(make, message):
    optimizer = _ours()
    with pytest.raises(ValueError, match=message):
        make(optimizer)
    assert [g["lr"] for g in optimizer.param_groups] == list(GROUP_LRS)


def test_an_lr_below_zero_is_refused_and_changes_nothing():
    """PyTorch would take it and climb the loss; the optimisers here refuse lr < 0, and so does a schedule."""
    optimizer = _ours()
    scheduler = lr_scheduler.LambdaLR(optimizer, lambda epoch: 1 - epoch)
    scheduler.step()
    with pytest.raises(ValueError, match="LambdaLR: the lr of parameter group 0 at epoch 2 must be a number >= 0, "
                                         "got -0.1"):
        scheduler.step()
    assert scheduler.last_epoch == 1 and [g["lr"] for g in optimizer.param_groups] == [0.0, 0.0]


def test_misuse_is_refused_clearly():
    optimizer = _ours()
    with pytest.raises(TypeError, match="StepLR: optimizer must be a nanogan.optim Optimizer, got list"):
        lr_scheduler.StepLR(optimizer.param_groups, 3)
    step = lr_scheduler.StepLR(optimizer, 3)
    with pytest.raises(ValueError, match=r"ExponentialLR.load_state_dict: the state has the keys \[.*'step_size'"):
        lr_scheduler.ExponentialLR(_ours(), 0.5).load_state_dict(step.state_dict())
    with pytest.raises(ValueError, match="StepLR.load_state_dict: the state's base_lrs has 2 entries, the optimizer 1"):
        lr_scheduler.StepLR(_ours(lrs=(0.1,)), 3).load_state_dict(step.state_dict())
    with pytest.raises(TypeError, match="SequentialLR: schedulers\\[1\\] must be a scheduler, got Adam"):
        lr_scheduler.SequentialLR(optimizer, [step, optim.Adam([ng.zeros(1, requires_grad=True)])], [3])
    with pytest.raises(ValueError, match="SequentialLR.load_state_dict: the state holds 2 schedulers, this "
                                         "SequentialLR 1"):
        lr_scheduler.SequentialLR(optimizer, [step], []).load_state_dict(
            lr_scheduler.SequentialLR(optimizer, [step, step], [3]).state_dict())
    optimizer.add_param_group({"params": [ng.zeros(1, requires_grad=True)]})
    with pytest.raises(RuntimeError, match="StepLR.step: the optimizer has 3 parameter groups, the scheduler was made "
                                           "for 2"):
        step.step()
