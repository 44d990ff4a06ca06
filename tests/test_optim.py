"""Optimisers against PyTorch: the same start, gradients and hyperparameters give the same trajectory.

Both sides descend the same fixed quadratic L(p) = ½ (p − c)ᵀ H (p − c), each computing its gradient
H (p − c) from its own current parameters, so any difference in an update shows up in all later
steps. Two parameter groups with different hyperparameters check per-group settings.
"""
import contextlib

import numpy as np
import pytest

import nanogan as ng
from harness import refused_as_by_torch
from nanogan import optim

torch = pytest.importorskip("torch")

STEPS = 20
SHAPES = [(3, 4), (5,)]


def _leaf(values):
    return ng.tensor(values, dtype=ng.float64, requires_grad=True)


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    starts = [rng.standard_normal(s) for s in SHAPES]
    centres = [rng.standard_normal(s) for s in SHAPES]
    curvatures = []
    for s in SHAPES:
        a = rng.standard_normal((int(np.prod(s)),) * 2)
        curvatures.append(a @ a.T / a.shape[0] + 0.1 * np.eye(a.shape[0]))
    return starts, centres, curvatures


def _quadratic_grad(p, c, h):
    return (h @ (p - c).ravel()).reshape(p.shape)


def _groups(params, second_group):
    return [{"params": [params[0]]}, {"params": [params[1]], **second_group}]


def _run_ours(make, hyper, second_group, starts, centres, curvatures, steps, checkpoint_at=None, schedule=None):
    """`schedule(lr_scheduler, optimizer)`, if given, makes a scheduler that steps after each optimiser step."""
    params = [_leaf(s) for s in starts]
    opt = make(optim, _groups(params, second_group), hyper)
    scheduler = None if schedule is None else schedule(optim.lr_scheduler, opt)
    trajectory = []
    for t in range(steps):
        for p, c, h in zip(params, centres, curvatures):
            p.grad = ng.tensor(_quadratic_grad(p.numpy(), c, h), dtype=ng.float64)
        opt.step()
        if scheduler is not None:
            scheduler.step()
        trajectory.append([p.numpy().copy() for p in params])
        if checkpoint_at == t:  # continue in a fresh optimiser (and fresh parameters) restored from checkpoints
            saved = opt.state_dict()
            params = [_leaf(p.numpy()) for p in params]
            opt = make(optim, _groups(params, {}), {})
            if scheduler is not None:  # made before the optimiser's state is loaded, as PyTorch says to
                saved_schedule, scheduler = scheduler.state_dict(), schedule(optim.lr_scheduler, opt)
            opt.load_state_dict(saved)
            if scheduler is not None:
                scheduler.load_state_dict(saved_schedule)
    return trajectory


@contextlib.contextmanager
def _default_dtype(dtype):
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)


def _run_torch(make, hyper, second_group, starts, centres, curvatures, steps, schedule=None):
    """torch keeps each parameter's scalar state (step counts, NAdam's product of momenta) in the default dtype:
    float64 here, as nanogan's Python floats are; float32 would round NAdam's product by 1e-8."""
    params = [torch.tensor(s, dtype=torch.float64, requires_grad=True) for s in starts]
    opt = make(torch.optim, _groups(params, second_group), {**hyper, "foreach": False})
    scheduler = None if schedule is None else schedule(torch.optim.lr_scheduler, opt)
    trajectory = []
    with _default_dtype(torch.float64):
        for _ in range(steps):
            for p, c, h in zip(params, centres, curvatures):
                p.grad = torch.tensor(_quadratic_grad(p.detach().numpy(), c, h))
            opt.step()
            if scheduler is not None:
                scheduler.step()
            trajectory.append([p.detach().numpy().copy() for p in params])
    return trajectory


def _sgd(module, groups, hyper):
    return module.SGD(groups, **{"lr": 0.05, **hyper})


def _adam(module, groups, hyper):
    return module.Adam(groups, **{"lr": 0.05, **hyper})


def _adamw(module, groups, hyper):
    return module.AdamW(groups, **{"lr": 0.05, **hyper})


def _rmsprop(module, groups, hyper):
    return module.RMSprop(groups, **{"lr": 0.01, **hyper})


def _radam(module, groups, hyper):
    return module.RAdam(groups, **{"lr": 0.05, **hyper})


def _nadam(module, groups, hyper):
    return module.NAdam(groups, **{"lr": 0.05, **hyper})


def _adamax(module, groups, hyper):
    return module.Adamax(groups, **{"lr": 0.05, **hyper})


def _adagrad(module, groups, hyper):
    return module.Adagrad(groups, **{"lr": 0.1, **hyper})


CASES = {
    "sgd": (_sgd, {}, {"lr": 0.02}),
    "sgd-momentum": (_sgd, {"momentum": 0.9}, {"momentum": 0.5}),
    "sgd-momentum-dampening": (_sgd, {"momentum": 0.9, "dampening": 0.3}, {}),
    "sgd-nesterov": (_sgd, {"momentum": 0.9, "nesterov": True}, {"lr": 0.01}),
    "sgd-weight-decay": (_sgd, {"momentum": 0.8, "weight_decay": 0.1}, {"weight_decay": 0.0}),
    "sgd-maximize": (_sgd, {"momentum": 0.9, "weight_decay": 0.1, "maximize": True}, {"maximize": False}),
    "adam": (_adam, {}, {"betas": (0.5, 0.9)}),
    "adam-weight-decay": (_adam, {"weight_decay": 0.05}, {"lr": 0.01}),
    "adam-amsgrad": (_adam, {"amsgrad": True, "betas": (0.0, 0.99)}, {}),
    "adam-decoupled-weight-decay": (_adam, {"weight_decay": 0.3, "decoupled_weight_decay": True}, {"lr": 0.01}),
    "adamw": (_adamw, {}, {"weight_decay": 0.5}),
    "adamw-amsgrad": (_adamw, {"amsgrad": True, "weight_decay": 0.2}, {"betas": (0.5, 0.9)}),
    "adam-maximize": (_adam, {"weight_decay": 0.05, "maximize": True}, {"maximize": False}),
    "adamw-maximize": (_adamw, {"maximize": True}, {}),
    "rmsprop": (_rmsprop, {}, {"alpha": 0.9}),
    "rmsprop-momentum": (_rmsprop, {"momentum": 0.9}, {"lr": 0.003}),
    "rmsprop-centered": (_rmsprop, {"centered": True}, {"eps": 1e-3}),
    "rmsprop-centered-momentum-decay": (_rmsprop, {"centered": True, "momentum": 0.5, "weight_decay": 0.1}, {}),
    "rmsprop-maximize": (_rmsprop, {"centered": True, "momentum": 0.5, "maximize": True}, {}),
    # RAdam takes plain momentum steps until ρₜ > 5: from step 6 with β2 = 0.999, from step 3 with β2 = 0.9
    "radam": (_radam, {}, {"betas": (0.5, 0.9)}),
    "radam-weight-decay": (_radam, {"weight_decay": 0.1, "eps": 1e-3}, {"lr": 0.01}),
    "radam-decoupled-weight-decay": (_radam, {"weight_decay": 0.3, "decoupled_weight_decay": True},
                                     {"betas": (0.8, 0.95)}),
    "radam-maximize": (_radam, {"weight_decay": 0.05, "maximize": True}, {"maximize": False}),
    "nadam": (_nadam, {}, {"betas": (0.5, 0.9)}),
    "nadam-momentum-decay": (_nadam, {"momentum_decay": 0.05}, {"momentum_decay": 0.0}),
    "nadam-weight-decay": (_nadam, {"weight_decay": 0.1, "eps": 1e-3}, {"lr": 0.01}),
    "nadam-decoupled-weight-decay": (_nadam, {"weight_decay": 0.3, "decoupled_weight_decay": True},
                                     {"momentum_decay": 0.1}),
    "nadam-maximize": (_nadam, {"weight_decay": 0.05, "maximize": True}, {"maximize": False}),
    "adamax": (_adamax, {}, {"betas": (0.5, 0.9)}),
    "adamax-weight-decay-eps": (_adamax, {"weight_decay": 0.1, "eps": 0.1}, {"lr": 0.01}),
    "adamax-maximize": (_adamax, {"weight_decay": 0.05, "maximize": True}, {"maximize": False}),
    "adagrad": (_adagrad, {}, {"lr": 0.3}),
    "adagrad-lr-decay": (_adagrad, {"lr_decay": 0.1, "initial_accumulator_value": 0.5}, {"lr_decay": 0.0}),
    "adagrad-weight-decay-eps": (_adagrad, {"weight_decay": 0.1, "eps": 0.1, "initial_accumulator_value": 0.2}, {}),
    "adagrad-maximize": (_adagrad, {"lr_decay": 0.05, "weight_decay": 0.05, "maximize": True}, {"maximize": False}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_trajectory_equals_torch(case):
    make, hyper, second_group = CASES[case]
    problem = _problem()
    ours = _run_ours(make, hyper, second_group, *problem, STEPS)
    theirs = _run_torch(make, hyper, second_group, *problem, STEPS)
    for t, (a_step, b_step) in enumerate(zip(ours, theirs)):
        for a, b in zip(a_step, b_step):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=f"{case}, step {t + 1}")
    # and the parameters did move: a trajectory that stands still would match trivially
    assert not np.allclose(ours[-1][0], problem[0][0])


@pytest.mark.parametrize("case", ["adam", "adam-weight-decay", "adam-amsgrad", "adamw", "adamw-amsgrad"])
def test_capturable_adam_counts_steps_in_an_array_and_follows_torch(case):
    """capturable=True (step count and bias corrections as device arrays, for CUDA graphs) changes where t
    lives, not the trajectory: still PyTorch's, through a checkpoint taken halfway too."""
    make, hyper, second_group = CASES[case]
    problem = _problem()
    theirs = _run_torch(make, hyper, second_group, *problem, STEPS)
    for checkpoint_at in (None, STEPS // 2):
        ours = _run_ours(make, {**hyper, "capturable": True}, second_group, *problem, STEPS,
                         checkpoint_at=checkpoint_at)
        for t, (a_step, b_step) in enumerate(zip(ours, theirs)):
            for a, b in zip(a_step, b_step):
                np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=f"{case}, step {t + 1}")


def _linear_decay(lr_scheduler, optimizer):
    """pix2pix's schedule in miniature: a new lr at every step."""
    return lr_scheduler.LambdaLR(optimizer, lambda epoch: 1 - epoch / (STEPS + 5))


@pytest.mark.parametrize("case, capturable", [("sgd-momentum", False), ("adam", False), ("adam", True),
                                              ("adamw", False), ("adamw-amsgrad", True),
                                              ("rmsprop-centered-momentum-decay", False),
                                              ("radam-decoupled-weight-decay", False),
                                              ("nadam-decoupled-weight-decay", False), ("adamax", False),
                                              ("adagrad-lr-decay", False)])
def test_a_scheduled_lr_reaches_every_update_as_in_torch(case, capturable):
    """The lr a scheduler sets is the lr of the next update, in the array code and with capturable Adam's step count
    on the device, through a checkpoint of optimiser and scheduler taken halfway too. (The fused kernels: below and
    in test_cuda_backend.py.)"""
    make, hyper, second_group = CASES[case]
    problem = _problem(3)
    theirs = _run_torch(make, hyper, second_group, *problem, STEPS, schedule=_linear_decay)
    ours_hyper = {**hyper, "capturable": True} if capturable else hyper
    for checkpoint_at in (None, STEPS // 2):
        ours = _run_ours(make, ours_hyper, second_group, *problem, STEPS, checkpoint_at, schedule=_linear_decay)
        for t, (a_step, b_step) in enumerate(zip(ours, theirs)):
            for a, b in zip(a_step, b_step):
                np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=f"{case}, step {t + 1}")
    unscheduled = _run_ours(make, ours_hyper, second_group, *problem, STEPS)
    assert not np.allclose(unscheduled[-1][0], ours[-1][0], rtol=1e-6)


@pytest.mark.parametrize("case", ["radam-decoupled-weight-decay", "nadam-momentum-decay",
                                  "nadam-decoupled-weight-decay", "adamax-weight-decay-eps", "adagrad-lr-decay"])
def test_resumed_from_a_state_dict_mid_trajectory_it_goes_on_as_torch(case):
    """The state each keeps (NAdam's product of momenta, Adagrad's sum and step count for lr_decay, ...) survives a
    checkpoint into an optimiser made with the defaults, whose hyperparameters come from the checkpoint."""
    make, hyper, second_group = CASES[case]
    problem = _problem(4)
    theirs = _run_torch(make, hyper, second_group, *problem, STEPS)
    ours = _run_ours(make, hyper, second_group, *problem, STEPS, checkpoint_at=STEPS // 2)
    for t, (a_step, b_step) in enumerate(zip(ours, theirs)):
        for a, b in zip(a_step, b_step):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=f"{case}, step {t + 1}")


@pytest.mark.parametrize("case", ["sgd-momentum", "adam-amsgrad", "adamw", "rmsprop-centered-momentum-decay"])
def test_state_dict_round_trip_mid_trajectory_continues_identically(case):
    make, hyper, second_group = CASES[case]
    problem = _problem(1)
    uninterrupted = _run_ours(make, hyper, second_group, *problem, STEPS)
    resumed = _run_ours(make, hyper, second_group, *problem, STEPS, checkpoint_at=STEPS // 2)
    for a_step, b_step in zip(uninterrupted, resumed):
        for a, b in zip(a_step, b_step):
            np.testing.assert_array_equal(a, b)


def test_state_dict_is_a_host_copy_with_group_hyperparameters():
    params = [_leaf(np.ones(3)), _leaf(np.ones(2))]
    opt = optim.Adam([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.5}])
    for p in params:
        p.grad = ng.ones_like(p)
    opt.step()
    saved = opt.state_dict()
    assert saved["param_groups"][0]["lr"] == 1e-3 and saved["param_groups"][1]["lr"] == 0.5
    assert saved["param_groups"][1]["params"] == [1]
    assert saved["state"][0]["step"] == 1
    saved["state"][0]["exp_avg"][...] = 123.0  # editing the checkpoint must not touch the optimiser
    assert not np.any(opt.state[params[0]]["exp_avg"] == 123.0)


def test_step_skips_parameters_without_gradient_and_never_writes_the_gradient():
    a = _leaf(np.ones(3))
    b = _leaf(np.ones(3))
    shared = ng.tensor(np.full(3, 2.0), dtype=ng.float64)
    a.grad = shared
    opt = optim.SGD([a, b], lr=0.1, momentum=0.9, weight_decay=0.5)
    opt.step()
    opt.step()
    np.testing.assert_array_equal(shared.numpy(), np.full(3, 2.0))
    np.testing.assert_array_equal(b.numpy(), np.ones(3))
    assert not np.allclose(a.numpy(), 1.0)


def test_zero_grad_sets_gradients_to_none():
    p = _leaf(np.ones(3))
    p.grad = ng.ones_like(p)
    opt = optim.SGD([p], lr=0.1)
    opt.zero_grad()
    assert p.grad is None


def test_step_with_closure_returns_the_loss():
    p = _leaf(np.array([3.0]))
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 9.0
    np.testing.assert_allclose(p.numpy(), [3.0 - 0.25 * 6.0])


def test_bad_arguments_raise_clear_errors():
    p = _leaf(np.ones(3))
    with pytest.raises(ValueError, match="nesterov"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="betas"):
        optim.Adam([p], betas=(1.0, 0.9))
    with pytest.raises(ValueError, match="more than one place"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(ValueError, match="empty"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="leaf"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(ValueError, match=r"Adam: a parameter group is a dict with a 'params' entry, got the keys"):
        optim.Adam([{"lr": 1.0}])
    opt = optim.Adam([p])
    other = optim.Adam([p, _leaf(np.ones(2))])
    with pytest.raises(ValueError, match="group 0"):
        opt.load_state_dict(other.state_dict())


@pytest.mark.parametrize("make, error, message", [
    (lambda p: optim.SGD([p], lr=float("nan")), ValueError, "SGD: lr must be a number >= 0, got nan"),
    (lambda p: optim.SGD([p], lr=0.1, momentum=-0.5), ValueError, "SGD: momentum must be a number >= 0, got -0.5"),
    (lambda p: optim.Adam([p], lr=float("nan")), ValueError, "Adam: lr must be a number >= 0, got nan"),
    (lambda p: optim.Adam([p], eps=float("nan")), ValueError, "Adam: eps must be a number >= 0, got nan"),
    (lambda p: optim.Adam([p], lr="1e-3"), ValueError, "Adam: lr must be a number >= 0, got '1e-3'"),
    (lambda p: optim.Adam([p], betas=0.9), ValueError, r"Adam: betas must be two numbers in \[0, 1\), got 0.9"),
    (lambda p: optim.Adam([p], betas=(0.5, float("nan"))), ValueError, "Adam: betas must be two numbers"),
    (lambda p: optim.AdamW([p], weight_decay=-0.01), ValueError,
     "AdamW: weight_decay must be a number >= 0, got -0.01"),
    (lambda p: optim.AdamW([p], betas=(1.0, 0.9)), ValueError, r"AdamW: betas must be two numbers in \[0, 1\), got "
                                                               r"\(1.0, 0.9\)"),
    (lambda p: optim.RMSprop([p], lr=float("nan")), ValueError, "RMSprop: lr must be a number >= 0, got nan"),
])
def test_hyperparameters_out_of_range_are_refused(make, error, message):
    """The checks were `value < 0`, which a NaN passes: SGD(lr=nan) filled the parameters with NaN at the first
    step. PyTorch writes `not 0.0 <= lr`; so does nanogan."""
    with pytest.raises(error, match=message):
        make(_leaf(np.ones(3)))


def test_adagrad_takes_each_group_s_initial_accumulator_value():
    """Worked numbers: g = 1 on a sum that starts at 3 gives s = 4 and the step lr · 1 / (√4 + eps). (torch's Adagrad
    starts every group's sum at the constructor's value.)"""
    params = [_leaf(np.zeros(2)), _leaf(np.zeros(2))]
    opt = optim.Adagrad([{"params": [params[0]]}, {"params": [params[1]], "initial_accumulator_value": 3.0}], lr=0.5,
                        eps=0.0)
    for p in params:
        p.grad = ng.ones_like(p)
    opt.step()
    np.testing.assert_array_equal(params[0].numpy(), [-0.5, -0.5])
    np.testing.assert_array_equal(params[1].numpy(), [-0.25, -0.25])


def _made_with(name, **arguments):
    """A call that makes optimiser `name` of nanogan or torch (`lib`) over one fresh parameter."""
    return lambda lib: getattr(lib.optim, name)([lib.zeros(3, requires_grad=True)], **arguments)


@pytest.mark.parametrize("call, message", [
    (_made_with("RAdam", lr=-1e-3), "RAdam: lr must be a number >= 0, got -0.001"),
    (_made_with("RAdam", betas=(0.9, 1.0)), r"RAdam: betas must be two numbers in \[0, 1\), got \(0.9, 1.0\)"),
    (_made_with("RAdam", weight_decay=-0.1), "RAdam: weight_decay must be a number >= 0, got -0.1"),
    (_made_with("NAdam", momentum_decay=-4e-3), "NAdam: momentum_decay must be a number >= 0, got -0.004"),
    (_made_with("NAdam", eps=float("nan")), "NAdam: eps must be a number >= 0, got nan"),
    (_made_with("NAdam", betas=(-0.1, 0.9)), r"NAdam: betas must be two numbers in \[0, 1\), got \(-0.1, 0.9\)"),
    (_made_with("Adamax", betas=(0.9, float("nan"))), r"Adamax: betas must be two numbers in \[0, 1\)"),
    (_made_with("Adamax", weight_decay=-1.0), "Adamax: weight_decay must be a number >= 0, got -1.0"),
    (_made_with("Adagrad", lr=float("nan")), "Adagrad: lr must be a number >= 0, got nan"),
    (_made_with("Adagrad", lr_decay=-0.5), "Adagrad: lr_decay must be a number >= 0, got -0.5"),
    (_made_with("Adagrad", initial_accumulator_value=-1.0),
     "Adagrad: initial_accumulator_value must be a number >= 0, got -1.0"),
    (_made_with("Adagrad", eps=-1e-10), "Adagrad: eps must be a number >= 0, got -1e-10"),
])
def test_hyperparameters_out_of_range_are_refused_as_by_torch(call, message):
    refused_as_by_torch(call, ValueError, message)


def test_load_state_dict_checks_the_hyperparameters_and_changes_nothing_when_refused():
    p = _leaf(np.ones(3))
    opt = optim.Adam([p], lr=0.1)
    saved = opt.state_dict()
    saved["param_groups"][0]["lr"] = -5.0
    with pytest.raises(ValueError, match="Adam: lr must be a number >= 0, got -5.0"):
        opt.load_state_dict(saved)
    assert opt.param_groups[0]["lr"] == 0.1
    saved = opt.state_dict()
    saved["state"] = {5: {"step": 1}}
    with pytest.raises(ValueError, match="holds state for parameter 5, and the groups number 1 parameters"):
        opt.load_state_dict(saved)


class _KernelBackend:
    """The CPU backend plus the CUDA backend's fused-update hooks, run by the host emulation of the same csrc
    kernels: what nanogan.optim hands to backend.cuda.optim, on numpy arrays."""
    xp = np

    def __init__(self):
        from nanogan import _kernels, _kernels_ops
        self.lib, self.ops, self.calls = _kernels.load("emu"), _kernels_ops, []

    def sgd_step(self, param, grad, momentum_buffer, **hyper):
        self.calls.append("sgd_step")
        self.ops.sgd_step(self.lib, param, grad, momentum_buffer, **hyper)
        return True

    def adam_step(self, param, grad, exp_avg, exp_avg_sq, *, step, **hyper):
        self.calls.append("adam_step")
        self.ops.adam_step(self.lib, param, grad, exp_avg, exp_avg_sq, step=int(step), **hyper)
        return True

    def rmsprop_step(self, param, grad, square_avg, grad_avg, momentum_buffer, **hyper):
        self.calls.append("rmsprop_step")
        self.ops.rmsprop_step(self.lib, param, grad, square_avg, grad_avg, momentum_buffer, **hyper)
        return True


@pytest.mark.parametrize("case", ["sgd", "sgd-momentum-dampening", "sgd-nesterov", "sgd-weight-decay", "adam",
                                  "adam-weight-decay", "adam-decoupled-weight-decay", "adamw", "rmsprop",
                                  "rmsprop-centered-momentum-decay"])
def test_a_backend_kernel_takes_the_update_and_follows_the_array_code(case):
    """Where the backend offers an update as one kernel (the CUDA backend's sgd_step / adam_step / rmsprop_step),
    the optimiser hands it its state and hyperparameters; those kernels (csrc/kernels/optim.cu, emulated) must
    follow the array code's float32 trajectory, with the lr a scheduler changes at every step."""
    make, hyper, _ = CASES[case]
    problem = _problem(2)
    kernels = _KernelBackend()
    trajectories = []
    array_code = type("ArrayCodeBackend", (), {"xp": np})  # the CPU backend's part here: xp, no kernels
    for backend in (kernels, array_code):
        params = [s.astype(np.float32) for s in problem[0]]
        opt = make(optim, [_leaf(np.zeros(1))], hyper)  # one group with the case's hyperparameters
        group, states = opt.param_groups[0], [{} for _ in params]
        scheduler = optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
        for _ in range(5):
            for p, state, c, h in zip(params, states, problem[1], problem[2]):
                opt._update(p, _quadratic_grad(p, c, h).astype(np.float32), state, group, backend)
            scheduler.step()
        trajectories.append(params)
    assert kernels.calls and len(set(kernels.calls)) == 1
    for ours, theirs in zip(*trajectories):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5, err_msg=case)  # float32 rounding
