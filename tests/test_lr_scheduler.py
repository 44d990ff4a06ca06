"""optim.lr_scheduler: the lr of every epoch against PyTorch's schedulers (closed form here, chained there) and
worked numbers; resuming from a checkpoint or with last_epoch; refused settings. That a scheduled lr reaches the
updates themselves (array code, capturable Adam, the fused kernels) is tested with the optimisers, in test_optim.py
and test_cuda_backend.py."""
import numpy as np
import pytest

import nanogan as ng
from nanogan import optim
from harness import refused_as_by_torch
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


STEPS = 100

# schedules that cycle the lr (and the momentum), restart it, or combine others: compared over STEPS steps; each made
# by `m` on `opt`, with **resume (last_epoch) where the schedule takes it
CYCLES = {
    "constant": lambda m, opt, **resume: m.ConstantLR(opt, factor=0.5, total_iters=4, **resume),
    "polynomial": lambda m, opt, **resume: m.PolynomialLR(opt, total_iters=60, power=2.0, **resume),
    "multiplicative": lambda m, opt, **resume: m.MultiplicativeLR(opt, lambda e: 0.97 if e % 3 else 1.01, **resume),
    "multiplicative-one-per-group": lambda m, opt, **resume: m.MultiplicativeLR(
        opt, [lambda e: 0.95, lambda e: 1 / (1 + 0.01 * e)], **resume),
    "warm-restarts": lambda m, opt, **resume: m.CosineAnnealingWarmRestarts(opt, T_0=7, **resume),
    "warm-restarts-t-mult": lambda m, opt, **resume: m.CosineAnnealingWarmRestarts(opt, T_0=5, T_mult=2,
                                                                                  eta_min=0.001, **resume),
    "one-cycle": lambda m, opt, **resume: m.OneCycleLR(opt, max_lr=0.5, total_steps=STEPS, **resume),
    "one-cycle-linear-three-phase": lambda m, opt, **resume: m.OneCycleLR(
        opt, max_lr=[0.5, 0.1], epochs=10, steps_per_epoch=STEPS // 10, pct_start=0.25, anneal_strategy="linear",
        three_phase=True, div_factor=10.0, final_div_factor=100.0, base_momentum=0.8, max_momentum=0.9, **resume),
    "one-cycle-momentum-kept": lambda m, opt, **resume: m.OneCycleLR(opt, max_lr=0.3, total_steps=STEPS + 20,
                                                                     pct_start=0.4, cycle_momentum=False, **resume),
    "cyclic-triangular": lambda m, opt, **resume: m.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=7, **resume),
    "cyclic-triangular2-uneven": lambda m, opt, **resume: m.CyclicLR(
        opt, base_lr=[0.01, 0.001], max_lr=[0.1, 0.05], step_size_up=5, step_size_down=9, mode="triangular2",
        base_momentum=[0.7, 0.8], max_momentum=[0.9, 0.95], **resume),
    "cyclic-exp-range": lambda m, opt, **resume: m.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=6,
                                                            mode="exp_range", gamma=0.98, cycle_momentum=False,
                                                            **resume),
    "chained": lambda m, opt: m.ChainedScheduler([m.ConstantLR(opt, factor=0.5, total_iters=4),
                                                  m.ExponentialLR(opt, gamma=0.97),
                                                  m.PolynomialLR(opt, total_iters=200, power=1.5)]),
    "chained-warmup-cosine-steps": lambda m, opt: m.ChainedScheduler(
        [m.LinearLR(opt, start_factor=0.1, total_iters=10), m.CosineAnnealingLR(opt, T_max=STEPS + 50),
         m.MultiStepLR(opt, [30, 70], gamma=0.5)], optimizer=opt),
}
TAKE_LAST_EPOCH = [case for case in CYCLES if not case.startswith("chained")]


def _with_momentum(module, params, betas, lrs=GROUP_LRS):
    """SGD with momentum, or Adam (`betas`): the two kinds of momentum a schedule cycles."""
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, lrs)]
    return module.Adam(groups, lr=lrs[0]) if betas else module.SGD(groups, lr=lrs[0], momentum=0.9)


@pytest.mark.parametrize("betas", [False, True], ids=["sgd-momentum", "adam-betas"])
@pytest.mark.parametrize("case", list(CYCLES))
def test_every_step_lr_and_momentum_equal_torch(case, betas):
    """The lr, and the momentum or β1 a schedule cycles, of every group at construction and after each of STEPS steps,
    with the scheduler's own record (get_last_lr, last_epoch, initial_lr)."""
    torch = pytest.importorskip("torch")
    ours = _with_momentum(optim, [ng.zeros(2, requires_grad=True) for _ in GROUP_LRS], betas)
    theirs = _with_momentum(torch.optim, [torch.zeros(2, requires_grad=True) for _ in GROUP_LRS], betas)
    schedulers = CYCLES[case](lr_scheduler, ours), CYCLES[case](torch.optim.lr_scheduler, theirs)
    momentum = (lambda group: group["betas"][0]) if betas else (lambda group: group["momentum"])
    seen = set()
    for step in range(STEPS):
        if step:
            theirs.step()
            for scheduler in schedulers:
                scheduler.step()
        np.testing.assert_allclose(schedulers[0].get_last_lr(), schedulers[1].get_last_lr(), rtol=1e-12, atol=0,
                                   err_msg=f"{case}, step {step}")
        for mine, torchs in zip(ours.param_groups, theirs.param_groups):
            np.testing.assert_allclose([mine["lr"], momentum(mine)], [torchs["lr"], momentum(torchs)], rtol=1e-12,
                                       atol=0, err_msg=f"{case}, step {step}")
            assert mine["initial_lr"] == torchs["initial_lr"]
            if betas:
                assert mine["betas"][1] == torchs["betas"][1]
        if not case.startswith("chained"):
            assert schedulers[0].last_epoch == schedulers[1].last_epoch == step
        seen.add((tuple(schedulers[0].get_last_lr()), momentum(ours.param_groups[0])))
    assert len(seen) > 1


def test_one_cycle_stays_at_its_minimum_on_the_step_after_the_last():
    """The step() after the last update sets step total_steps, past the last phase's end: PyTorch's straight line
    goes on below the minimum there (here below 0); the lr here stays at the minimum, max_lr / 10 / 100. A step
    further is refused by both."""
    torch = pytest.importorskip("torch")
    ours, theirs = _ours(), _optimizer(torch.optim, [torch.zeros(2, requires_grad=True) for _ in GROUP_LRS])
    schedulers = [module.OneCycleLR(optimizer, max_lr=0.5, total_steps=10, anneal_strategy="linear", div_factor=10.0,
                                    final_div_factor=100.0)
                  for module, optimizer in ((lr_scheduler, ours), (torch.optim.lr_scheduler, theirs))]
    for step in range(1, 11):
        theirs.step()
        for scheduler in schedulers:
            scheduler.step()
        if step < 10:
            np.testing.assert_allclose(schedulers[0].get_last_lr(), schedulers[1].get_last_lr(), rtol=1e-12)
    np.testing.assert_allclose(schedulers[0].get_last_lr(), [5e-4, 5e-4], rtol=1e-12)
    assert schedulers[1].get_last_lr()[0] < 0
    with pytest.raises(ValueError, match="Tried to step 11 times"):
        schedulers[1].step()
    with pytest.raises(ValueError, match="OneCycleLR: stepped to step 11, past total_steps=10"):
        schedulers[0].step()
    assert schedulers[0].last_epoch == 10 and schedulers[0].get_last_lr() == [g["lr"] for g in ours.param_groups]


@pytest.mark.parametrize("t_mult", [1, 2])
def test_warm_restarts_at_fractional_epochs_equal_torch(t_mult):
    """PyTorch's way to restart within an epoch: step(epoch + i / iterations) after each batch."""
    torch = pytest.importorskip("torch")
    ours = _ours()
    theirs = _optimizer(torch.optim, [torch.zeros(2, requires_grad=True) for _ in GROUP_LRS])
    schedulers = [module.CosineAnnealingWarmRestarts(optimizer, T_0=3, T_mult=t_mult, eta_min=0.002)
                  for module, optimizer in ((lr_scheduler, ours), (torch.optim.lr_scheduler, theirs))]
    iterations, lrs = 7, set()
    for epoch in range(12):
        for i in range(iterations):
            theirs.step()
            for scheduler in schedulers:
                scheduler.step(epoch + i / iterations)
            assert schedulers[0].last_epoch == schedulers[1].last_epoch == epoch
            np.testing.assert_allclose(schedulers[0].get_last_lr(), schedulers[1].get_last_lr(), rtol=1e-12, atol=0,
                                       err_msg=f"epoch {epoch} + {i}/{iterations}")
            lrs.add(schedulers[0].get_last_lr()[0])
    assert len(lrs) > 20


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
    (lambda opt: lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=2), [0.5, 0.5, 1, 1, 1, 1]),
    (lambda opt: lr_scheduler.PolynomialLR(opt, total_iters=4, power=2), [1, 0.5625, 0.25, 0.0625, 0, 0]),
    (lambda opt: lr_scheduler.MultiplicativeLR(opt, lambda epoch: 1 / epoch), [1, 1, 1 / 2, 1 / 6, 1 / 24, 1 / 120]),
    (lambda opt: lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2),
     [1, 0.5, 1, (2 + 2 ** 0.5) / 4, 0.5, (2 - 2 ** 0.5) / 4]),
    (lambda opt: lr_scheduler.CyclicLR(opt, base_lr=0.0, max_lr=1.0, step_size_up=2, cycle_momentum=False),
     [0, 0.5, 1, 0.5, 0, 0.5]),
    (lambda opt: lr_scheduler.CyclicLR(opt, base_lr=0.0, max_lr=1.0, step_size_up=1, mode="triangular2"),
     [0, 1, 0, 0.5, 0, 0.25]),
    (lambda opt: lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=5, pct_start=0.4, anneal_strategy="linear",
                                         div_factor=4.0, final_div_factor=2.5, cycle_momentum=False),
     [0.25, 1, 0.7, 0.4, 0.1, 0.1]),
    (lambda opt: lr_scheduler.ChainedScheduler([lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=3),
                                                lr_scheduler.ExponentialLR(opt, 0.5)]),
     [0.5, 0.25, 0.125, 0.125, 0.0625, 0.03125]),
], ids=["step", "multistep", "exponential", "linear", "lambda-pix2pix", "cosine", "cosine-eta-min", "sequential",
        "constant", "polynomial", "multiplicative", "warm-restarts", "cyclic", "cyclic-triangular2", "one-cycle-linear",
        "chained"])
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


@pytest.mark.parametrize("case", ["lambda-callable-object", "multistep", "linear", "cosine", "sequential",
                                  "multiplicative", "warm-restarts", "one-cycle", "cyclic", "chained"])
def test_resumed_from_a_checkpoint_file_the_schedule_continues_identically(tmp_path, case):
    """Optimiser and scheduler saved halfway through a nanogan checkpoint (.npz), loaded into freshly made ones
    (other lrs, other settings) in PyTorch's order: scheduler made, optimiser state loaded, scheduler state loaded."""
    make = {"lambda-callable-object": lambda opt, settings: lr_scheduler.LambdaLR(opt, _WarmUp(settings)),
            "multistep": lambda opt, settings: lr_scheduler.MultiStepLR(opt, [settings, 12, 15], gamma=0.5),
            "linear": lambda opt, settings: lr_scheduler.LinearLR(opt, 0.5, 0.0, total_iters=settings),
            "cosine": lambda opt, settings: lr_scheduler.CosineAnnealingLR(opt, T_max=settings, eta_min=0.01),
            "sequential": lambda opt, settings: lr_scheduler.SequentialLR(
                opt, [lr_scheduler.LinearLR(opt, 0.25, total_iters=settings // 4 + 1),
                      lr_scheduler.LambdaLR(opt, _WarmUp(settings))], milestones=[settings // 3]),
            "multiplicative": lambda opt, settings: lr_scheduler.MultiplicativeLR(opt, _WarmUp(settings)),
            "warm-restarts": lambda opt, settings: lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=settings // 4 + 1,
                                                                                            T_mult=2),
            "one-cycle": lambda opt, settings: lr_scheduler.OneCycleLR(opt, max_lr=[0.5, 0.1 * settings],
                                                                       total_steps=2 * settings, pct_start=0.25),
            "cyclic": lambda opt, settings: lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.01 * settings,
                                                                  step_size_up=settings // 3, mode="triangular2"),
            "chained": lambda opt, settings: lr_scheduler.ChainedScheduler(
                [lr_scheduler.LinearLR(opt, 0.25, total_iters=settings // 4 + 1),
                 lr_scheduler.CosineAnnealingLR(opt, T_max=3 * settings)])}[case]
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


RESUMABLE = {**SCHEDULES, **{case: CYCLES[case] for case in TAKE_LAST_EPOCH}}


@pytest.mark.parametrize("case", list(RESUMABLE))
def test_made_with_last_epoch_after_the_optimizer_state_it_goes_on_as_the_uninterrupted_schedule(case):
    """PyTorch's way to resume: the optimiser's state loaded (initial_lr with it), the scheduler made with last_epoch=k;
    the constructor sets the lr of epoch k + 1. Here every scheduler computes it from the base lrs, as PyTorch's
    LambdaLR does (compared with torch below); PyTorch's chainable ones continue from the group's current lr, and so
    does MultiplicativeLR here, recursive, from the lr the optimiser's state brings back."""
    uninterrupted = _ours()
    scheduler = RESUMABLE[case](lr_scheduler, uninterrupted)
    expected, saved = [], None
    for epoch in range(1, EPOCHS + 1):
        scheduler.step()
        expected.append(scheduler.get_last_lr())
        saved = uninterrupted.state_dict() if epoch == RESUMED_AT else saved
    optimizer = _ours(lrs=(1.0, 2.0))
    optimizer.load_state_dict(saved)
    resumed = RESUMABLE[case](lr_scheduler, optimizer, last_epoch=RESUMED_AT)
    assert resumed.last_epoch == RESUMED_AT + 1 and resumed.base_lrs == scheduler.base_lrs
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


def _metrics(mode, count=STEPS, seed=0):
    """A validation loss (or, for mode "max", an accuracy) that improves, stalls and wobbles: every branch of
    ReduceLROnPlateau is met."""
    rng = np.random.default_rng(seed)
    loss = 1 / (1 + 0.05 * np.arange(count)) + 0.01 * rng.standard_normal(count)
    loss[30:55] = loss[30] + 0.001 * rng.standard_normal(25)
    return loss if mode == "min" else 1 - loss


PLATEAUS = {
    "patience-3": dict(patience=3),
    "rel-threshold-cooldown": dict(factor=0.5, patience=2, threshold=0.05, cooldown=4),
    "max-abs-min-lr-per-group": dict(mode="max", threshold_mode="abs", threshold=0.01, factor=0.5, patience=1,
                                     min_lr=[0.01, 0.001]),
    "max-rel-min-lr": dict(mode="max", factor=0.3, patience=0, min_lr=1e-3),
    "eps-skips-small-cuts": dict(factor=0.5, patience=0, eps=0.01),
}


@pytest.mark.parametrize("case", list(PLATEAUS))
def test_reduce_lr_on_plateau_equals_torch(case):
    """The lr of every group after each of STEPS metrics, and the scheduler's count of them (best, bad epochs,
    cooldown); the metric given as a number or as a one-element tensor."""
    torch = pytest.importorskip("torch")
    settings = PLATEAUS[case]
    ours = _ours()
    theirs = _optimizer(torch.optim, [torch.zeros(2, requires_grad=True) for _ in GROUP_LRS])
    schedulers = [module.ReduceLROnPlateau(optimizer, **settings)
                  for module, optimizer in ((lr_scheduler, ours), (torch.optim.lr_scheduler, theirs))]
    lrs = set()
    for step, metric in enumerate(_metrics(settings.get("mode", "min")), start=1):
        theirs.step()
        schedulers[0].step(ng.tensor(metric) if step % 2 else metric)
        schedulers[1].step(metric)
        assert schedulers[0].get_last_lr() == schedulers[1].get_last_lr() == [g["lr"] for g in ours.param_groups], \
            f"{case}, step {step}"
        for key in ("last_epoch", "best", "num_bad_epochs", "cooldown_counter"):
            assert getattr(schedulers[0], key) == getattr(schedulers[1], key), f"{case}, step {step}: {key}"
        lrs.add(tuple(schedulers[0].get_last_lr()))
    assert len(lrs) > 2


def test_reduce_lr_on_plateau_resumed_from_a_checkpoint_file_continues_identically(tmp_path):
    settings, metrics = PLATEAUS["rel-threshold-cooldown"], _metrics("min")
    uninterrupted = _ours()
    scheduler = lr_scheduler.ReduceLROnPlateau(uninterrupted, **settings)
    expected = [scheduler.step(metric) or scheduler.get_last_lr() for metric in metrics]
    optimizer = _ours()
    scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, **settings)
    got = [scheduler.step(metric) or scheduler.get_last_lr() for metric in metrics[:40]]
    save_checkpoint(tmp_path / "run.npz", {"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()})
    saved = load_checkpoint(tmp_path / "run.npz")
    optimizer = _ours(lrs=(1.0, 2.0))
    scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, patience=20)
    optimizer.load_state_dict(saved["optimizer"])
    scheduler.load_state_dict(saved["scheduler"])
    got += [scheduler.step(metric) or scheduler.get_last_lr() for metric in metrics[40:]]
    assert got == expected and len({tuple(lrs) for lrs in expected[40:]}) > 1


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
    (lambda opt: lr_scheduler.ConstantLR(opt, total_iters=0), "ConstantLR: total_iters must be an int >= 1, got 0"),
    (lambda opt: lr_scheduler.PolynomialLR(opt, total_iters=0), "PolynomialLR: total_iters must be an int >= 1, got 0"),
    (lambda opt: lr_scheduler.PolynomialLR(opt, power=-1.0), "PolynomialLR: power must be a finite number >= 0, got "
                                                              "-1.0"),
    (lambda opt: lr_scheduler.MultiplicativeLR(opt, [abs]), r"MultiplicativeLR: lr_lambda must be a function or a list "
                                                            r"of one per parameter group \(2\)"),
    (lambda opt: lr_scheduler.ReduceLROnPlateau(opt, patience=-1), "ReduceLROnPlateau: patience must be an int >= 0, "
                                                                   "got -1"),
    (lambda opt: lr_scheduler.ReduceLROnPlateau(opt, min_lr=-0.1), "ReduceLROnPlateau: min_lr must be a finite number "
                                                                   ">= 0"),
    (lambda opt: lr_scheduler.CyclicLR(opt, 0.01, 0.1, step_size_up=0), "CyclicLR: step_size_up must be a finite "
                                                                        "number > 0, got 0"),
    (lambda opt: lr_scheduler.OneCycleLR(opt, 0.1, total_steps=10, pct_start=0.1),
     r"OneCycleLR: pct_start=0.1 leaves a phase of no steps in total_steps=10 \(phase ends \[0.0, 9\]\)"),
    (lambda opt: lr_scheduler.OneCycleLR(opt, 0.1, total_steps=10, div_factor=0.0),
     "OneCycleLR: div_factor must be a finite number > 0, got 0.0"),
    (lambda opt: lr_scheduler.ChainedScheduler([lr_scheduler.StepLR(opt, 3),
                                                lr_scheduler.MultiplicativeLR(opt, lambda epoch: 0.9)]),
     r"ChainedScheduler: schedulers\[1\] is a MultiplicativeLR, which scales the group's current lr"),
])
def test_bad_settings_are_refused_naming_the_scheduler_and_value(make, message):
    optimizer = _ours()
    with pytest.raises(ValueError, match=message):
        make(optimizer)
    assert [g["lr"] for g in optimizer.param_groups] == list(GROUP_LRS)


def _refused(make):
    """A call that makes a scheduler of nanogan's or torch's (`lib`) with make(lr_scheduler, optimizer, lib) over an
    SGD of two parameter groups."""
    return lambda lib: make(lib.optim.lr_scheduler, _optimizer(lib.optim, [lib.zeros(2, requires_grad=True)
                                                                             for _ in GROUP_LRS]), lib)


@pytest.mark.parametrize("call, message", [
    (_refused(lambda m, opt, lib: m.ConstantLR(opt, factor=1.5)), r"ConstantLR: factor must be a number in \[0, 1\], "
                                                                   r"got 1.5"),
    (_refused(lambda m, opt, lib: m.ReduceLROnPlateau(opt, factor=1.0)),
     r"ReduceLROnPlateau: factor must be a number in \[0, 1\), got 1.0"),
    (_refused(lambda m, opt, lib: m.ReduceLROnPlateau(opt, mode="lowest")),
     "ReduceLROnPlateau: mode must be 'min' or 'max', got 'lowest'"),
    (_refused(lambda m, opt, lib: m.ReduceLROnPlateau(opt, threshold_mode="relative")),
     "ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got 'relative'"),
    (_refused(lambda m, opt, lib: m.ReduceLROnPlateau(opt, min_lr=[0.0])),
     r"ReduceLROnPlateau: min_lr must be a finite number >= 0 or a list of one per parameter group \(2\), got "
     r"\[0.0\]"),
    (_refused(lambda m, opt, lib: m.OneCycleLR(opt, max_lr=0.1, total_steps=0)),
     "OneCycleLR: total_steps must be an int >= 1, got 0"),
    (_refused(lambda m, opt, lib: m.OneCycleLR(opt, max_lr=0.1, epochs=10)),
     "OneCycleLR: give total_steps, or epochs and steps_per_epoch"),
    (_refused(lambda m, opt, lib: m.OneCycleLR(opt, max_lr=0.1, epochs=0, steps_per_epoch=10)),
     "OneCycleLR: epochs must be an int >= 1, got 0"),
    (_refused(lambda m, opt, lib: m.OneCycleLR(opt, max_lr=0.1, total_steps=100, pct_start=1.5)),
     r"OneCycleLR: pct_start must be a number in \[0, 1\], got 1.5"),
    (_refused(lambda m, opt, lib: m.OneCycleLR(opt, max_lr=0.1, total_steps=100, anneal_strategy="cosine")),
     "OneCycleLR: anneal_strategy must be 'cos' or 'linear', got 'cosine'"),
    (_refused(lambda m, opt, lib: m.OneCycleLR(opt, max_lr=[0.1], total_steps=100)),
     r"OneCycleLR: max_lr must be a finite number >= 0 or a list of one per parameter group \(2\), got \[0.1\]"),
    (_refused(lambda m, opt, lib: m.OneCycleLR(lib.optim.Adagrad([lib.zeros(2, requires_grad=True)]), max_lr=0.1,
                                               total_steps=100)),
     "OneCycleLR: cycle_momentum needs an optimizer with momentum or betas, and Adagrad has neither"),
    (_refused(lambda m, opt, lib: m.CyclicLR(opt, base_lr=0.01, max_lr=0.1, mode="triangle")),
     "CyclicLR: mode must be 'triangular', 'triangular2' or 'exp_range', got 'triangle'"),
    (_refused(lambda m, opt, lib: m.CyclicLR(lib.optim.Adagrad([lib.zeros(2, requires_grad=True)]), base_lr=0.01,
                                             max_lr=0.1)),
     "CyclicLR: cycle_momentum needs an optimizer with momentum or betas, and Adagrad has neither"),
    (_refused(lambda m, opt, lib: m.CyclicLR(opt, base_lr=[0.01, 0.02, 0.03], max_lr=0.1)),
     r"CyclicLR: base_lr must be a finite number >= 0 or a list of one per parameter group \(2\)"),
    (_refused(lambda m, opt, lib: m.CosineAnnealingWarmRestarts(opt, T_0=0)),
     "CosineAnnealingWarmRestarts: T_0 must be an int >= 1, got 0"),
    (_refused(lambda m, opt, lib: m.CosineAnnealingWarmRestarts(opt, T_0=2.5)),
     "CosineAnnealingWarmRestarts: T_0 must be an int >= 1, got 2.5"),
    (_refused(lambda m, opt, lib: m.CosineAnnealingWarmRestarts(opt, T_0=5, T_mult=0)),
     "CosineAnnealingWarmRestarts: T_mult must be an int >= 1, got 0"),
    (_refused(lambda m, opt, lib: m.CosineAnnealingWarmRestarts(opt, T_0=5).step(-1)),
     "CosineAnnealingWarmRestarts.step: epoch must be a finite number >= 0, got -1"),
    (_refused(lambda m, opt, lib: m.ChainedScheduler([])),
     r"ChainedScheduler: schedulers must be a non-empty list of schedulers, got \[\]"),
    (_refused(lambda m, opt, lib: m.ChainedScheduler([m.StepLR(opt, 3), m.ReduceLROnPlateau(opt)])),
     r"ChainedScheduler: schedulers\[1\] is a ReduceLROnPlateau, whose step takes a metric"),
    (_refused(lambda m, opt, lib: m.SequentialLR(opt, [m.StepLR(opt, 3), m.ReduceLROnPlateau(opt)], milestones=[4])),
     r"SequentialLR: schedulers\[1\] is a ReduceLROnPlateau, whose step takes a metric"),
    (_refused(lambda m, opt, lib: m.ChainedScheduler([m.StepLR(opt, 3), m.StepLR(_optimizer(
        lib.optim, [lib.zeros(2, requires_grad=True)]), 3)])),
     r"ChainedScheduler: schedulers\[1\] \(StepLR\) schedules another optimizer than the one given"),
])
def test_settings_torch_refuses_are_refused_naming_the_scheduler_and_value(call, message):
    refused_as_by_torch(call, ValueError, message)


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
