"""ng.amp against torch.amp: GradScaler's dynamic loss scaling step by step beside torch's (its scales, growth
tracker, unscaled gradients, skipped steps and parameters), and autocast, which runs its region in float32 and
warns so once.

Both sides fit the same affine map x @ wᵀ + b from the same start by Adam, on losses scaled by their scalers; at
chosen steps a gradient entry is set to inf after backward, which must skip that step and back the scale off.
"""
import warnings

import numpy as np
import pytest

import nanogan as ng
from harness import DEVICE, on_gpu

torch = pytest.importorskip("torch")

STEPS = 9
INF_AT = (2, 5, 6)  # steps whose gradients hold an inf: skipped, and the scale backs off
UNSCALE_AT = (1, 3, 4)  # steps that call unscale_ before step (the others leave it to step)


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(np.float32) for shape in ((4, 3), (4,), (8, 3), (8, 4))]


def _train(lib, scaler, device="cpu", steps=STEPS, sabotage_at=INF_AT):
    """Each step's (scale, growth tracker, step's return, gradients after unscaling, parameters after the step)."""
    w0, b0, x, y = _data()
    w, b = (lib.tensor(v, requires_grad=True, device=device) for v in (w0, b0))
    x, y = (lib.tensor(v, device=device) for v in (x, y))
    optimizer = lib.optim.Adam([w, b], lr=0.01)
    trace = []
    for step in range(steps):
        optimizer.zero_grad()
        loss = ((x @ w.T + b - y) ** 2).mean()
        scaler.scale(loss).backward()
        if step in sabotage_at:
            with lib.no_grad():
                w.grad[1, 2] = float("inf")
        if step in UNSCALE_AT:
            scaler.unscale_(optimizer)
        # a closure that only returns a number: step hands back its result when the step is taken
        returned = scaler.step(optimizer, lambda: 7.0)
        grads = [p.grad.cpu().numpy().copy() for p in (w, b)]
        scaler.update()
        trace.append((scaler.get_scale(), scaler._get_growth_tracker(), returned, grads,
                      [p.detach().cpu().numpy().copy() for p in (w, b)]))
    return trace


def _assert_same_trace(ours, theirs):
    for step, (mine, torchs) in enumerate(zip(ours, theirs, strict=True)):
        assert mine[:3] == torchs[:3], f"step {step}: (scale, growth tracker, step's return)"
        for kind, index in (("gradient", 3), ("parameter", 4)):
            for a, b in zip(mine[index], torchs[index]):
                np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7, err_msg=f"step {step}: {kind}")


@pytest.mark.parametrize("growth_interval", [2, 2000])
def test_grad_scaler_follows_torch_step_by_step(growth_interval):
    settings = dict(init_scale=2.0 ** 10, growth_interval=growth_interval)
    ours = _train(ng, ng.amp.GradScaler("cpu", **settings))
    theirs = _train(torch, torch.amp.GradScaler("cpu", **settings))
    _assert_same_trace(ours, theirs)
    scales = [entry[0] for entry in ours]
    assert [entry[2] for entry in ours] == [None if s in INF_AT else 7.0 for s in range(STEPS)]
    if growth_interval == 2:  # both growth and backoff happened, so the comparison saw both rules
        assert any(b > a for a, b in zip(scales, scales[1:])) and any(b < a for a, b in zip(scales, scales[1:]))
    else:
        assert scales[-1] == 2.0 ** 10 * 0.5 ** len(INF_AT)


@pytest.mark.filterwarnings("ignore:overflow encountered")  # numpy warns of an intermediate product overflowing under a scale of 2¹²⁷
def test_grad_scaler_growth_stops_short_of_float32_overflow():
    ours = _train(ng, ng.amp.GradScaler("cpu", init_scale=2.0 ** 126, growth_interval=1), sabotage_at=())
    theirs = _train(torch, torch.amp.GradScaler("cpu", init_scale=2.0 ** 126, growth_interval=1), sabotage_at=())
    _assert_same_trace(ours, theirs)
    assert ours[-1][0] == 2.0 ** 127


def test_grad_scaler_state_dict_round_trip():
    ours, theirs = ng.amp.GradScaler("cpu", growth_interval=3), torch.amp.GradScaler("cpu", growth_interval=3)
    _train(ng, ours, steps=5)
    _train(torch, theirs, steps=5)
    saved = ours.state_dict()
    assert saved == theirs.state_dict()
    restored, torch_restored = ng.amp.GradScaler("cpu"), torch.amp.GradScaler("cpu")
    restored.load_state_dict(saved)
    torch_restored.load_state_dict(saved)
    assert restored.state_dict() == saved == torch_restored.state_dict()
    _assert_same_trace(_train(ng, restored, sabotage_at=(3,)), _train(torch, torch_restored, sabotage_at=(3,)))
    with pytest.raises(RuntimeError, match="source state dict is empty"):
        restored.load_state_dict({})


def _scaled_backward(lib, scaler):
    w = lib.tensor([1.0, -2.0], requires_grad=True)
    optimizer = lib.optim.SGD([w], lr=0.1)
    scaler.scale((w * w).sum()).backward()
    return w, optimizer


@pytest.mark.parametrize("second, message", [("unscale_", "unscale_\\(\\) has already been called"),
                                             ("step", None)])
def test_unscale_twice_in_one_iteration_is_refused_as_by_torch(second, message):
    """A second unscale_ would divide the gradients again; after unscale_, step is what follows."""
    for lib in (torch, ng):
        scaler = lib.amp.GradScaler("cpu")
        w, optimizer = _scaled_backward(lib, scaler)
        scaler.unscale_(optimizer)
        if message is None:
            scaler.step(optimizer)
            with pytest.raises(RuntimeError, match="unscale_\\(\\) is being called after step\\(\\)"):
                scaler.unscale_(optimizer)
        else:
            with pytest.raises(RuntimeError, match=message):
                scaler.unscale_(optimizer)
        np.testing.assert_array_equal(w.grad.numpy(), [2.0, -4.0])  # unscaled once


def test_update_before_any_scale_is_refused_as_by_torch():
    for lib in (torch, ng):
        with pytest.raises(AssertionError, match="Attempted update but _scale is None"):
            lib.amp.GradScaler("cpu").update()


@pytest.mark.parametrize("lib", ["torch", "nanogan"])
def test_disabled_grad_scaler_passes_through(lib):
    lib = torch if lib == "torch" else ng
    scaler = lib.amp.GradScaler("cpu", enabled=False)
    w = lib.tensor([1.0, -2.0], requires_grad=True)
    optimizer = lib.optim.SGD([w], lr=0.5)
    loss = (w * w).sum()
    assert scaler.scale(loss) is loss
    loss.backward()
    assert scaler.unscale_(optimizer) is None
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, -4.0])
    assert scaler.step(optimizer, lambda: 3.0) == 3.0
    np.testing.assert_array_equal(w.detach().numpy(), [0.0, 0.0])
    assert scaler.update() is None
    assert (scaler.get_scale(), scaler.is_enabled(), scaler.state_dict()) == (1.0, False, {})


def test_scale_keeps_the_structure_of_nested_outputs():
    scaler = ng.amp.GradScaler("cpu", init_scale=4.0)
    a, b, c = ng.tensor([1.0]), ng.tensor([2.0, 3.0]), ng.tensor(0.5)
    scaled = scaler.scale([a, (b, [c])])
    assert type(scaled) is list and type(scaled[1]) is tuple and type(scaled[1][1]) is list
    assert [t.tolist() for t in (scaled[0], scaled[1][0], scaled[1][1][0])] == [[4.0], [8.0, 12.0], 2.0]
    with pytest.raises(ValueError, match="outputs must be a Tensor or an iterable of Tensors"):
        scaler.scale(2.0)


def test_cuda_amp_names_take_torch_cuda_amp_arguments():
    from nanogan.cuda.amp import GradScaler, autocast
    scaler = GradScaler(8.0, enabled=False)  # torch.cuda.amp.GradScaler's first argument is init_scale
    assert isinstance(scaler, ng.amp.GradScaler) and not scaler.is_enabled() and scaler._init_scale == 8.0
    assert ng.cuda.amp.autocast is autocast and isinstance(autocast(False), ng.amp.autocast)


@pytest.mark.skipif(DEVICE, reason="a CUDA device is present")
def test_cuda_scaler_without_a_gpu_disables_itself_as_torch_does():
    for lib in (torch, ng):
        with pytest.warns(UserWarning, match="CUDA is not available.  Disabling."):
            assert not lib.amp.GradScaler().is_enabled()


@on_gpu
def test_grad_scaler_on_cuda_tensors_matches_the_cpu():
    """unscale_'s finiteness check and division run on the device; the trace is the CPU's (checked against torch)."""
    settings = dict(init_scale=2.0 ** 10, growth_interval=2)
    on_cuda = _train(ng, ng.amp.GradScaler("cuda", **settings), device="cuda")
    _assert_same_trace(on_cuda, _train(ng, ng.amp.GradScaler("cpu", **settings)))


# ---- autocast -----------------------------------------------------------------------------------------------

@pytest.fixture
def autocast_not_yet_warned(monkeypatch):
    monkeypatch.setattr(ng.amp, "_float32_warning_given", False)


def _square_matmul(x):
    return x @ x.T


def test_autocast_warns_once_and_computes_unchanged(autocast_not_yet_warned):
    x = ng.tensor(_data()[0])
    outside = _square_matmul(x)
    with pytest.warns(UserWarning, match="nanogan computes in float32"):
        with ng.autocast("cpu", dtype=ng.float16) as region:
            inside = _square_matmul(x)
    assert region.fast_dtype == ng.float16
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with ng.amp.autocast("cuda"):
            again = _square_matmul(x)
        decorated = ng.cuda.amp.autocast()(_square_matmul)(x)
    for result in (inside, again, decorated):
        assert result.dtype == ng.float32
        np.testing.assert_array_equal(result.numpy(), outside.numpy())


@pytest.mark.parametrize("make", [lambda: ng.autocast("cuda", enabled=False), lambda: ng.cuda.amp.autocast(False)])
def test_disabled_autocast_is_silent(autocast_not_yet_warned, make):
    x = ng.tensor(_data()[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with make():
            result = _square_matmul(x)
        decorated = make()(_square_matmul)(x)
    np.testing.assert_array_equal(result.numpy(), decorated.numpy())
    assert not ng.amp._float32_warning_given
