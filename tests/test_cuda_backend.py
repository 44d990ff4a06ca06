"""The CUDA backend (nanogan/backend/cuda).

Without a GPU (every machine): importing the backend without CuPy, or asking for device "cuda" without a
usable device, fails with a clear error; and, where CuPy is installed, the backend exports every name of
the CPU backend and its array-code versions (what float64 runs on the GPU) agree with the CPU kernels.

With a GPU (`gpu` marker, `pytest -m gpu`; skipped unless CuPy sees a device): every op family runs on CPU
and CUDA from the same float32 inputs, and the forward, the first derivatives and the second derivatives
(the gradient of <grad, u>, what a gradient penalty needs) must agree within float32 tolerances; float64
gradchecks run on the device; `.to("cuda")` / `.cpu()` round-trip tensors, modules and optimisers; mixing
devices in one op names both; a captured CUDA graph replays the same training as eager steps.
"""
import copy
import importlib
import itertools
import importlib.util
import os
import sys
import types
import warnings

import numpy as np
import pytest

import fake_cupy
import nanogan as ng
import nanogan.nn.functional as F
from nanogan.ops.loss import unit_norm_penalty
from nanogan import backend as backends
from nanogan import models, nn, optim
from harness import DEVICE, on_gpu

CUDA_MODULES = ("nanogan.backend.cuda", "nanogan.backend.cuda._dispatch", "nanogan.backend.cuda.conv",
                "nanogan.backend.cuda.norm", "nanogan.backend.cuda.graphs", "nanogan.backend.cuda.pool",
                "nanogan.backend.cuda.activation", "nanogan.backend.cuda.penalty", "nanogan.backend.cuda.checks",
                "nanogan.backend.cuda.scatter")


# ---- without a GPU -------------------------------------------------------------------------------------------

def _forget_cuda_backend(monkeypatch):
    """Make the next import of nanogan.backend.cuda run its module code again (restored afterwards)."""
    for name in CUDA_MODULES:
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setattr(backends, "_loaded", {k: v for k, v in backends._loaded.items() if k != "cuda"})


def test_importing_without_cupy_says_cupy_is_needed(monkeypatch):
    _forget_cuda_backend(monkeypatch)
    monkeypatch.setitem(sys.modules, "cupy", None)  # `import cupy` now raises ImportError
    with pytest.raises(ImportError, match=r"CUDA backend needs CuPy \(pip install cupy-cuda12x"):
        importlib.import_module("nanogan.backend.cuda")
    with pytest.raises(RuntimeError, match=r"device 'cuda' is not available here: .*needs CuPy"):
        backends.get("cuda")


@pytest.mark.skipif(DEVICE, reason="a CUDA device is present")
def test_tensor_on_cuda_without_a_device_is_a_clear_error():
    with pytest.raises(RuntimeError, match=r"device 'cuda' is not available here: .*(CuPy|CUDA device)"):
        ng.tensor([1.0, 2.0], device="cuda")
    with pytest.raises(RuntimeError, match="device 'cuda' is not available here"):
        ng.zeros(3).to("cuda")
    for ask in (ng.cuda.synchronize, ng.cuda.memory_allocated, ng.cuda.empty_cache, ng.cuda.get_device_name):
        with pytest.raises(RuntimeError, match="device 'cuda' is not available here"):
            ask()


@pytest.fixture
def cuda_backend(monkeypatch):
    """nanogan.backend.cuda, imported even without a device (CuPy told it sees one) when CuPy is installed:
    enough to check its names and its array code on numpy arrays, never to launch anything."""
    cupy = pytest.importorskip("cupy")
    _forget_cuda_backend(monkeypatch)
    if not DEVICE:
        monkeypatch.setattr(cupy.cuda.runtime, "getDeviceCount", lambda: 1)
    return importlib.import_module("nanogan.backend.cuda")


@pytest.fixture
def cuda_modules(monkeypatch):
    """A function importing a submodule of nanogan.backend.cuda for its array code, on every machine: through
    the real package where CuPy is installed, else through a stand-in package object (the real __init__ needs
    CuPy; conv.py and pool.py need it only to launch kernels)."""
    if importlib.util.find_spec("cupy") is None:
        _forget_cuda_backend(monkeypatch)
        stand_in = types.ModuleType("nanogan.backend.cuda")
        stand_in.__path__ = [os.path.join(os.path.dirname(backends.__file__), "cuda")]
        monkeypatch.setitem(sys.modules, "nanogan.backend.cuda", stand_in)
    elif not DEVICE:
        _forget_cuda_backend(monkeypatch)
        monkeypatch.setattr(importlib.import_module("cupy").cuda.runtime, "getDeviceCount", lambda: 1)
    return lambda name: importlib.import_module(f"nanogan.backend.cuda.{name}")


def _interface(module):
    """The public names of a backend module: name, xp and its functions (not the modules it imports)."""
    return {n for n in dir(module) if not n.startswith("_") and
            (n in ("name", "xp") or callable(getattr(module, n)) and not isinstance(getattr(module, n), type(sys)))}


def test_cuda_backend_has_every_name_of_the_cpu_backend(cuda_backend):
    cpu = backends.get("cpu")
    missing = _interface(cpu) - _interface(cuda_backend)
    assert not missing, f"backend/cuda lacks {sorted(missing)} of backend/cpu"
    assert cuda_backend.name == "cuda" and cuda_backend.xp.__name__ == "cupy"


def test_float32_goes_to_the_kernel_and_other_dtypes_to_array_code(cuda_modules):
    float32_kernel = cuda_modules("_dispatch").float32_kernel
    calls = []

    @float32_kernel(lambda x, scale: calls.append(("arrays", x.dtype)) or x * scale)
    def double(x, scale):
        calls.append(("kernel", x.flags.c_contiguous))
        return x * scale

    strided = np.arange(12, dtype=np.float32).reshape(3, 4).T
    np.testing.assert_array_equal(double(strided, 2), strided * 2)
    double(strided.astype(np.float64), 2)
    double(np.zeros((0, 3), np.float32), 2)  # empty: the kernels' launch checks refuse it, array code does not
    assert calls == [("kernel", True), ("arrays", np.float64), ("arrays", np.float32)]

    @float32_kernel(lambda x, *, total: calls.append("arrays") or total.__iadd__(x), in_place=("total",))
    def accumulate(x, *, total):
        calls.append(("kernel", x.flags.c_contiguous))
        total += x
    calls.clear()
    total = np.zeros((4, 3), np.float32)
    accumulate(strided, total=total)  # x is copied to C order; total is updated where it is
    accumulate(strided, total=total.T.copy().T)  # a strided total: a copy would lose the update, so array code
    accumulate(strided, total=total.astype(np.float64))  # a keyword argument's dtype counts too
    assert calls == [("kernel", True), "arrays", "arrays"]
    np.testing.assert_array_equal(total, strided)


CONV_GEOMETRIES = [  # x shape, w shape, stride, padding, dilation
    ((2, 3, 9, 8), (4, 3, 3, 2), (2, 1), (1, 2), (1, 2)),
    ((3, 2, 7, 7), (5, 2, 5, 5), (2, 2), (2, 2), (1, 1)),
    ((2, 4, 8, 8), (3, 4, 4, 4), (2, 2), (1, 1), (1, 1)),
    ((2, 2, 10, 9), (3, 2, 3, 3), (3, 2), (0, 1), (2, 1)),
    ((1, 1, 5, 6), (2, 1, 1, 1), (1, 1), (0, 0), (1, 1)),
]


@pytest.mark.parametrize("x_shape, w_shape, stride, padding, dilation", CONV_GEOMETRIES)
def test_convolution_array_code_matches_cpu_kernels(cuda_modules, x_shape, w_shape, stride, padding, dilation):
    from nanogan.backend.cpu import conv as cpu_conv
    conv = cuda_modules("conv")
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    geometry = (stride, padding, dilation)
    y = conv.conv2d.array_version(x, w, *geometry)
    np.testing.assert_allclose(y, cpu_conv.conv2d(x, w, *geometry), rtol=1e-12, atol=1e-12)
    gy = rng.standard_normal(y.shape)
    for shape in (x_shape, x_shape[:2] + (x_shape[2] + stride[0] - 1, x_shape[3])):  # + a transposed conv's
        np.testing.assert_allclose(                                                   # output_padding
            conv.conv2d_input_grad.array_version(gy, w, shape, *geometry),
            cpu_conv.conv2d_input_grad(gy, w, shape, *geometry), rtol=1e-12, atol=1e-12)
    cropped = gy[:, :, :-1, :-1]  # what a transposed convolution's gradients pass when output_padding >= stride
    for g in (gy, cropped):
        np.testing.assert_allclose(conv.conv2d_weight_grad.array_version(x, g, w_shape, *geometry),
                                   cpu_conv.conv2d_weight_grad(x, g, w_shape, *geometry), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(conv.conv2d_input_grad.array_version(cropped, w, x_shape, *geometry),
                               cpu_conv.conv2d_input_grad(cropped, w, x_shape, *geometry), rtol=1e-12, atol=1e-12)


POOL_GEOMETRIES = [  # x shape, kernel, stride, padding, dilation
    ((2, 3, 8, 9), (2, 2), (2, 2), (0, 0), (1, 1)),
    ((2, 2, 7, 7), (3, 3), (2, 2), (1, 1), (1, 1)),
    ((1, 2, 9, 8), (3, 2), (2, 3), (1, 1), (2, 1)),
]


@pytest.mark.parametrize("x_shape, kernel, stride, padding, dilation", POOL_GEOMETRIES)
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_max_pool_array_code_matches_cpu_kernels(cuda_modules, x_shape, kernel, stride, padding, dilation,
                                                 ceil_mode):
    from nanogan.ops.pool import _pool_output_size
    pool = cuda_modules("pool")
    x = np.random.default_rng(2).standard_normal(x_shape)
    x[0, 0, 0, :3] = np.nan  # NaNs win, the last one kept
    x[0, 1, 1, 1:3] = -np.inf
    x[-1, -1, :2, :2] = 0.5  # ties: the first maximal tap
    geometry = (kernel, stride, padding, dilation, _pool_output_size(x_shape[2:], kernel, stride, padding, dilation,
                                                                      ceil_mode))
    ours = pool.max_pool2d_argmax.array_version(x, *geometry)
    assert ours.dtype == np.int64
    np.testing.assert_array_equal(ours, backends.get("cpu").max_pool2d_argmax(x, *geometry))


@pytest.mark.parametrize("shape", [(3, 4, 10), (1, 6, 7), (5, 2, 1)])
def test_normalisation_array_code_matches_cpu_kernels(cuda_backend, shape):
    cpu = backends.get("cpu")
    rng = np.random.default_rng(1)
    x, g = rng.standard_normal(shape) * 3 + 2, rng.standard_normal(shape)
    scale, shift, weight = (rng.standard_normal(shape[1]) for _ in range(3))

    def both(name, *args):
        ours, theirs = getattr(cuda_backend, name).array_version(*args), getattr(cpu, name)(*args)
        for a, b in zip(*((r,) if not isinstance(r, tuple) else r for r in (ours, theirs))):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, err_msg=name)
        return theirs

    mean, _, invstd = both("batch_norm_stats", x, 1e-5)
    both("channel_affine", x, scale, shift)
    sums = both("batch_norm_backward_reduce", x, g, mean, invstd)
    both("batch_norm_backward_elemt", x, g, mean, invstd, weight, *sums)


def test_leaky_relu_and_penalty_kernels_are_called_as_the_cpu_computes(cuda_modules, monkeypatch):
    """backend.cuda's activation and penalty functions with their kernel library swapped for the host emulation
    of the same csrc kernels, on float32 numpy arrays: the arguments reach the kernels in the right order and the
    results are the CPU backend's."""
    from nanogan import _kernels
    cpu = backends.get("cpu")
    rng = np.random.default_rng(3)
    x, g = rng.standard_normal((3, 4, 5)).astype(np.float32), rng.standard_normal((3, 4, 5)).astype(np.float32)
    x[0, 0, :2] = 0.0  # the kink: the left slope
    for name in ("activation", "penalty"):
        monkeypatch.setattr(cuda_modules(name), "kernel_library", lambda: _kernels.load("emu"))
    activation, penalty = cuda_modules("activation"), cuda_modules("penalty")
    for slope in (0.2, 0.0):
        np.testing.assert_array_equal(activation.leaky_relu(x, slope), cpu.leaky_relu(x, slope))
        np.testing.assert_array_equal(activation.leaky_relu_backward(x, g, slope), cpu.leaky_relu_backward(x, g, slope))
    gy = rng.standard_normal(3).astype(np.float32)
    x[1] = 0.0  # the zero vector: penalty 1, gradient 0
    for ours, cpus in zip(penalty.unit_norm_penalty(x), cpu.unit_norm_penalty(x)):
        np.testing.assert_allclose(ours, cpus, rtol=1e-6)
    norm = cpu.unit_norm_penalty(x)[1]
    np.testing.assert_allclose(penalty.unit_norm_penalty_backward(x, norm, gy),
                               cpu.unit_norm_penalty_backward(x, norm, gy), rtol=1e-5, atol=1e-7)


# ---- on the GPU: CPU and CUDA agree, op family by op family ------------------------------------------------

def _scale_tolerance(expected):
    return 2e-4 * max(1.0, float(np.abs(expected).max(initial=0.0)))


def _assert_close(actual, expected, what):
    assert (actual is None) == (expected is None), f"{what}: one device gives no gradient"
    if expected is not None:
        np.testing.assert_allclose(actual, expected, rtol=2e-4, atol=_scale_tolerance(expected), err_msg=what)


def _derivatives(fn, arrays, cotangent_seed, device):
    """fn's output, its gradients for a random cotangent v, and the gradients of <grads, u> for random u —
    all as numpy arrays, computed on `device` from the same float32 inputs."""
    xs = [ng.tensor(a, requires_grad=True, device=device) for a in arrays]
    y = fn(*xs)
    rng = np.random.default_rng(cotangent_seed)
    v = ng.tensor(rng.standard_normal(y.shape).astype(np.float32), device=device)
    grads = ng.grad(y, xs, v, create_graph=True, allow_unused=True)
    results = {"forward": y.numpy()}
    results.update({f"d/d input {i}": None if g is None else g.numpy() for i, g in enumerate(grads)})
    curved = [(g * ng.tensor(rng.standard_normal(g.shape).astype(np.float32), device=device)).sum()
              for g in grads if g is not None and g.requires_grad]
    if curved:
        second = ng.grad(sum(curved[1:], curved[0]), xs, allow_unused=True)
        results.update({f"second derivative, input {i}": None if g is None else g.numpy()
                        for i, g in enumerate(second)})
    return results


def agree_with_the_cpu(name, fn, arrays):
    """fn's output, first and second derivatives on CUDA are the CPU's, from the same inputs."""
    expected = _derivatives(fn, arrays, 3, "cpu")
    actual = _derivatives(fn, arrays, 3, "cuda")
    assert actual.keys() == expected.keys()
    for what in expected:
        _assert_close(actual[what], expected[what], f"{name}: {what}")


def _target(device):
    return ng.tensor([0, 2, 1, 2], device=device)


def _picks(device):
    return ng.tensor([[0, 3, 1, 1], [2, 2, 0, 3], [3, 1, 1, 0]], device=device)


def _running(x, value):
    return ng.full((x.shape[1],), value, device=x.device)


def _changed_in_place_through_views(a, b):
    e = a * a
    e.reshape(3, 2, 2).transpose(1, 2)[:, 1].add_(b * b)  # recorded on e: WriteIntoView
    e[:, :2].mul_(b)
    e[2, 3] = b[1, 1] * 2  # one element picked by ints: a 0-d view (CuPy's, and the CPU's)
    e[1, 2:] += b[0]
    return e * a


def _set_through_arrays(a, b):
    e = a * 1
    e[[2, 0], [1, 3]] = b[0, :2]  # lists, copied to the device
    e[a[:, 0] > 0, 1:] = b[1, 1:]  # a mask among other indices
    e[1:][ng.tensor([1, 0], device=a.device), -1] = b[2, :2] * 3  # into a view, by device indices
    e.index_put_((ng.tensor([1, 2, 1], device=a.device),), b * 2, accumulate=True)  # cupyx.scatter_add
    return e * a


def _scattered(a, b):
    rows = ng.tensor([[3, 0, 2], [1, 2, 0], [0, 3, 1]], device=a.device)  # each position once along dim 1
    repeats = ng.tensor([[2, 0, 2, 2], [2, 1, 0, -1]], device=a.device)  # cupyx.scatter_add adds every repeat
    e = a.scatter(1, rows, b) * a.scatter_add(0, repeats, b)  # b larger than the index: its part is written
    e[1:].scatter_(1, rows[1:], -1.5)
    e.scatter_add_(1, rows, b[:, :3] * 2)
    return e * a


def _reduced(a, b):
    repeats = ng.tensor([[2, 0, 2, 2], [2, 1, 0, 2], [1, 1, 1, 2]], device=a.device)  # every reduction takes repeats
    e = a.scatter(0, repeats, b, reduce="multiply") * a.scatter(1, repeats, 0.5, reduce="add")
    for reduce in ("sum", "prod", "mean", "amax", "amin"):  # the product by the CUDA backend's sort and scan
        e = e + a.scatter_reduce(0, repeats, b, reduce) * a.scatter_reduce(1, repeats, b, reduce, include_self=False)
    e[1:].scatter_reduce_(1, repeats[1:], b[1:] * 2, "amax")
    return e * a


def _volume_layers(z, x):
    """Every 3-d pooling of two (2, 4, 5, 6, 5) volumes, windows overlapping and not, bins of unequal sizes."""
    return (F.max_pool3d(z, 2, ceil_mode=True).sum() * F.avg_pool3d(x, 3, 2, 1)
            + F.max_pool3d(x, 3, 2, 1) * F.avg_pool3d(z, 3, 2, 1, count_include_pad=False)
            + F.adaptive_max_pool3d(z, 3) * F.adaptive_avg_pool3d(x, 3))


# name: (fn, input shapes, functional names it needs, values kept away from the kinks at 0)
FAMILIES = {
    "elementwise": (lambda a, b: ((a * b + a / (b * b + 1) - (a - b).abs() * 0.5).exp()
                                  + (b * b + 1).log() + (a * a + 1).sqrt() + a ** 3),
                    [(3, 4), (3, 4)], (), True),
    "where and clamp": (lambda a, b: ng.where(a > 0, a * b, b * 2) + a.clamp(-0.5, 0.5) * b,
                        [(3, 4), (3, 4)], (), True),
    "reductions": (lambda a: a.sum(1) * a.mean(0).sum() + a.amax(1) + a.var(1) + a.std(1) + a.norm(dim=1),
                   [(3, 4)], (), False),
    # ties between a and its detached copy: amin shares the gradient between them (half reaches a); max(dim) and
    # min(dim) give all of it to the first, a, where CuPy's argmax returns the first index as numpy's does
    "ties, signs and powers": (lambda a, b: ng.cat([a, a.detach()], dim=1).amin(1)
                               * ng.stack([b, b.detach()]).max(0)[0].sum(1) + ng.stack([a, a.detach()]).min(0)[0].sum(1)
                               + b.min() * a.sign().sum(1)
                               + (a.abs() + 1).pow(b).sum(1) + a.clip(-0.5, 0.5).sum(1),
                               [(3, 4), (3, 4)], (), True),
    "torch's names": (lambda a, b: ng.maximum(a, b) * ng.minimum(a, b.detach()) + a.abs().log1p() * b.expm1()
                      + ng.lerp(a, b, 0.3) * ng.lerp(a, b, 0.8) + a.flip(0, 1) * a.abs().rsqrt() + a.floor() * b
                      + a.prod(0) * a.logsumexp(1, keepdim=True) + ng.bmm(a[None], b.t()[None])[0].mm(b)
                      + a.gather(1, _picks(a.device)) * a.index_select(1, _picks(a.device)[0]),
                      [(3, 4), (3, 4)], (), True),
    # CuPy's sort is a radix sort, stable as the CPU's; ties between a and its copy keep their order
    "sort, topk and cumsum": (lambda a, b: ng.cat([a, a.detach()], 1).sort(1, descending=True)[0][:, :4]
                              * b.cumsum(1)[:, :1] + a.topk(2, 0, largest=False)[0].sum(0) * b.sort(0)[0][:1]
                              + (a * b).cumsum(0)
                              + a.argsort(1).to(a.dtype) * b.topk(3)[1].sum(1, keepdim=True).to(a.dtype),
                              [(3, 4), (3, 4)], (), True),
    "torch's shape helpers": (lambda a, b: a.roll((1, -2), (0, 1)) * b.movedim(0, 1).mT + a.narrow(1, 1, 2).tile(2)
                              + b.unflatten(1, (2, 2)).flatten(1) * a.roll(5),
                              [(3, 4), (3, 4)], (), False),
    "sin, cos, logarithms and fractions": (lambda a, b: a.sin() * b.cos() + a.abs().log2() * b.exp2()
                                           + b.abs().log10() + a.frac() * b.trunc(),
                                           [(3, 4), (3, 4)], (), True),
    "masks, diagonals, windows, running products and order statistics": (
        lambda a, b: a.masked_select(a > 0).sum() * b.masked_scatter(b < 0, a * a)
        + a.index_add(1, _picks(a.device)[0, :2], b[:, :2], alpha=2) + a.tril(1) * b.triu()
        + a.repeat_interleave(2, 1)[:, ::2] + a.diagonal(1).sum() * b.diag_embed()[0, :3]
        + a.unfold(1, 2, 1).sum(-1).sum(1, keepdim=True) * b.rot90(2) + a.cumprod(1) * b.cummax(0)[0]
        + a.median(1, keepdim=True)[0] * b.quantile(0.3, 0) + a.kthvalue(2, 0)[0] * b.nanquantile(0.7, 1)[:, None],
        [(3, 4), (3, 4)], (), True),
    "views": (lambda a: a.unsqueeze(0).permute(2, 0, 1).squeeze(1).transpose(0, 1).flatten().view(4, 3) ** 2
              * a.t().contiguous().expand_as(a.t()),
              [(3, 4)], (), False),
    "in-place changes of views": (_changed_in_place_through_views, [(3, 4), (3, 2)], (), False),
    "shape and indexing": (lambda a, b: ng.cat([a.t(), b[[0, 2, 2]].t()], dim=1) ** 2
                           + ng.stack([a, b]).sum(0).t().sum(1, keepdim=True)
                           + a[1:, ::2].reshape(-1).unsqueeze(0).expand(4, 4)[:, :1],
                           [(3, 4), (3, 4)], (), False),
    "assignment through arrays": (_set_through_arrays, [(3, 4), (3, 4)], (), False),
    "scatter and scatter_add": (_scattered, [(3, 4), (3, 4)], (), False),
    "scatter_reduce and scatter's reduce": (_reduced, [(3, 4), (3, 4)], (), True),
    "matmul and linear": (lambda a, b, c: F.linear(a, b, c).tanh() @ b + ng.matmul(a, a.t()).sum(1, keepdim=True),
                          [(5, 4), (3, 4), (3,)], (), False),
    "activations": (lambda a: F.relu(a) + F.leaky_relu(a, 0.2) + F.elu(a) + F.sigmoid(a) + F.tanh(a)
                    + F.softplus(a) + F.logsigmoid(a) + F.softmax(a, 1) * F.log_softmax(a, 0),
                    [(4, 5)], (), True),
    "composed activations": (lambda a, w: F.selu(a) + F.silu(a) + F.mish(a) + F.gelu(a) * F.softsign(a)
                             + F.gelu(a, approximate="tanh") + F.hardtanh(a, -0.5, 0.5) + F.relu6(a * 8)
                             + F.prelu(a, w),
                             [(4, 5), (5,)], (), True),
    "pixel shuffle": (lambda x: F.pixel_unshuffle(F.pixel_shuffle(x, 2) ** 2, 3), [(2, 8, 3, 6)], (), False),
    "losses": (lambda a, b: F.mse_loss(a, b) + F.l1_loss(a, b) + F.binary_cross_entropy_with_logits(a, b.sigmoid())
               + F.binary_cross_entropy(a.sigmoid(), b.sigmoid()) + F.cross_entropy(a, _target(a.device)),
               [(4, 3), (4, 3)], (), True),
    "nll, huber, smooth l1 and kl_div losses": (
        lambda a, b: F.huber_loss(a, b, delta=0.5) + F.smooth_l1_loss(a, b, beta=0.7)
        + F.nll_loss(F.log_softmax(a, 1), _target(a.device), reduction="sum")
        + F.kl_div(F.log_softmax(a, 1), F.relu(b), reduction="batchmean")  # zeros in the target
        + F.kl_div(F.log_softmax(a, 1), F.log_softmax(b, 1), reduction="sum", log_target=True),
        [(4, 3), (4, 3)], (), True),
    "cosine similarity and pairwise distance": (
        lambda a, b: F.cosine_similarity(a, b) * F.pairwise_distance(a, b) + F.pairwise_distance(a, b, p=3.0),
        [(4, 3), (3,)], (), False),
    "batch norm, training": (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                             [(4, 3, 5, 5), (3,), (3,)], (), False),
    "batch norm, evaluation": (lambda x, w, b: F.batch_norm(x, _running(x, 0.3), _running(x, 2.0), w, b),
                               [(4, 3, 5, 5), (3,), (3,)], (), False),
    "instance norm": (lambda x, w, b: F.instance_norm(x, weight=w, bias=b), [(2, 3, 5, 4), (3,), (3,)], (), False),
    "layer norm": (lambda x, w, b: F.layer_norm(x, (5, 4), w, b), [(2, 3, 5, 4), (5, 4), (5, 4)], (), False),
    "group norm": (lambda x, w, b: F.group_norm(x, 2, w, b), [(2, 6, 5, 4), (6,), (6,)], ("group_norm",), False),
    "conv2d": (lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), [(2, 3, 9, 8), (4, 3, 3, 3), (4,)],
               ("conv2d",), False),
    "conv2d, dilated": (lambda x, w: F.conv2d(x, w, None, stride=(1, 2), padding=(2, 0), dilation=2),
                        [(2, 3, 9, 8), (4, 3, 3, 2)], ("conv2d",), False),
    "conv_transpose2d": (lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=2, output_padding=1),
                         [(2, 4, 4, 4), (4, 3, 5, 5), (3,)], ("conv_transpose2d",), False),
    "conv_transpose2d, output_padding past the stride": (
        lambda x, w: F.conv_transpose2d(x, w, stride=1, output_padding=1, dilation=2),
        [(2, 2, 4, 4), (2, 3, 3, 3)], ("conv_transpose2d",), False),
    "grouped conv2d and conv_transpose2d": (
        lambda x, w, b: F.conv_transpose2d(F.conv2d(x, w, b, stride=2, padding=1, groups=2), w, b[:4], groups=2),
        [(2, 4, 7, 6), (6, 2, 3, 3), (6,)], ("conv2d", "conv_transpose2d"), False),
    # the window is the whole image (DCGAN's last critic layer, its generator's first): cuBLAS products
    "whole-window conv2d and conv_transpose2d": (
        lambda x, w, b: F.conv_transpose2d(F.conv2d(x, w, b, stride=2), w, b[:2]),
        [(3, 2, 4, 3), (5, 2, 4, 3), (5,)], (), False),
    "pooling": (lambda x: F.max_pool2d(x, 2).sum() * F.avg_pool2d(x, 3, 2, 1)
                + (F.max_pool2d(x, 3, 2, 1, ceil_mode=True) * F.avg_pool2d(x, 3, 2, 1, True, False)).sum(),
                [(2, 3, 8, 8)], ("max_pool2d", "avg_pool2d"), False),
    "unbatched (C, H, W) convolutions and pooling": (
        lambda x, w, b: F.max_pool2d(F.conv_transpose2d(F.conv2d(x, w, b, padding=1), w, padding=1), 2)
        * F.avg_pool2d(x, 2), [(3, 8, 8), (4, 3, 3, 3), (4,)], ("conv2d", "conv_transpose2d"), False),
    # the 3-d ones: the 2-d ones over depth planes, gathered (GetItem) and scattered back (ScatterAdd) in depth
    "3-d convolutions and pooling": (
        lambda x, w, b: _volume_layers(F.conv_transpose3d(F.conv3d(x, w, b, stride=(2, 1, 1), padding=1, groups=2),
                                                          w, b, stride=(2, 1, 1), padding=1, groups=2), x),
        [(2, 4, 5, 6, 5), (4, 2, 3, 3, 2), (4,)], ("conv3d", "max_pool3d"), False),
    "adaptive pooling": (lambda x: F.adaptive_avg_pool2d(x, (3, 5)) * F.adaptive_avg_pool2d(x, 1)
                         + F.adaptive_avg_pool2d(x, (3, None))[:, :, :, :5] * F.adaptive_max_pool2d(x, (3, 5))
                         + F.adaptive_max_pool2d(x, (4, 3))[:, :, 1:].sum(3, keepdim=True),
                         [(2, 3, 9, 5)], ("adaptive_avg_pool2d", "adaptive_max_pool2d"), False),
    "bilinear resizing": (lambda x: F.interpolate(x, scale_factor=2, mode="bilinear") ** 2
                          + F.interpolate(x, size=(8, 10), mode="bilinear", align_corners=True)
                          * F.interpolate(x[:, :, :3], size=(8, 10), mode="bilinear"),
                          [(2, 3, 4, 5)], ("interpolate",), False),
    "bicubic resizing": (lambda x: F.interpolate(x, scale_factor=(1.5, 1.6), mode="bicubic") ** 2
                         + F.interpolate(x, size=(6, 8), mode="bicubic", align_corners=True)
                         * F.interpolate(x[:, :, :3, 1:], size=(6, 8), mode="bicubic"),
                         [(2, 3, 4, 5)], ("interpolate",), False),
    "antialiased resizing": (lambda x: F.interpolate(x, size=(3, 4), mode="bicubic", antialias=True) ** 2
                             + F.interpolate(x, scale_factor=(0.4, 0.5), mode="bilinear", antialias=True)
                             * F.interpolate(x, size=(3, 4), mode="bilinear", align_corners=True, antialias=True),
                             [(2, 3, 9, 8)], ("interpolate",), False),
    "nearest upsampling": (lambda x: F.interpolate(x, scale_factor=2, mode="nearest") ** 2
                           + F.interpolate(x, size=(8, 10)) * F.interpolate(x[:, :, :3], size=(8, 10)),
                           [(2, 3, 4, 5)], ("interpolate",), False),
    "nearest-exact and area resizing": (lambda x: F.interpolate(x, size=(7, 9), mode="nearest-exact") ** 2
                                        + F.interpolate(x, scale_factor=2, mode="nearest-exact")[:, :, :7, :9]
                                        * F.interpolate(x, size=(7, 9), mode="area")
                                        + F.interpolate(x[:, :, :3], size=(2, 3), mode="area").sum(),
                                        [(2, 3, 4, 5)], ("interpolate",), False),
    "scaled dot-product attention": (
        lambda q, k: F.scaled_dot_product_attention(q, k, k * 2, is_causal=True) ** 2
        + F.scaled_dot_product_attention(q, k, k, attn_mask=q[0, :, :1] > 0).sum(),  # rows all masked too
        [(2, 4, 3), (2, 4, 3)], ("scaled_dot_product_attention",), False),
    "inverse trigonometric, hyperbolic and two-argument math": (
        lambda a, b: (ng.atan(a) + ng.asinh(b) + ng.tan(a * 0.5) * ng.cosh(b) + ng.sinh(a) + ng.atan2(a, b)
                      + ng.hypot(a, b) + ng.logaddexp(a, b) + ng.xlogy(a, b * b + 1) + ng.asin(a * 0.3)
                      + ng.acos(b * 0.3) + ng.atanh(a * 0.3) + ng.acosh(b * b + 2) + ng.logit(a.sigmoid())
                      + ng.nan_to_num(a.log()) + (a // b) * a),
        [(3, 4), (3, 4)], (), True),
    "einsum and the matrix-product family": (
        lambda a, b, c: (ng.einsum("bij,bjk->bik", a, b)[:, :, :3] * ng.einsum("bii->bi", c).unsqueeze(-1)
                         + ng.cdist(a, b.transpose(1, 2)[:, :3]) + ng.baddbmm(c, a, b[:, :, :3])
                         + ng.cross(a[:, :, :3], c, dim=1) + ng.kron(a[0, :, :1], c[1, :1])
                         + ng.tensordot(a, b, ([0, 2], [0, 1]))[:, :3] + ng.addbmm(c[0], a, b[:, :, :3], beta=0.5)
                         + ng.linalg.multi_dot([a[0], b[0], b[1].t(), a[1].t()]) + ng.addmv(c[0, 0], c[1], a[0, :, 0])
                         + ng.addr(c[0], a[0, :, 0], a[1, :, 1], alpha=2)),
        [(2, 3, 4), (2, 4, 5), (2, 3, 3)], (), False),
    "grid sampling": (lambda x, grid, theta: F.grid_sample(x, grid, "bilinear", "reflection", False)
                      * F.grid_sample(x, grid, "nearest", "border", True)
                      + F.grid_sample(x, F.affine_grid(theta, (2, 3, 3, 4), True), "bilinear", "zeros", True) ** 2,
                      [(2, 3, 5, 6), (2, 3, 4, 2), (2, 2, 3)], ("grid_sample", "affine_grid"), False),
    "unfold and fold": (lambda x: F.fold(F.unfold(x, (2, 3), dilation=(2, 1), padding=1, stride=(1, 2)) ** 2, (5, 6),
                                         (2, 3), dilation=(2, 1), padding=1, stride=(1, 2)),
                        [(2, 3, 5, 6)], ("unfold", "fold"), False),
    "later activations and 1-d layers": (
        lambda x, w: F.glu(F.conv1d(x, w, padding=1), dim=1) * F.hardswish(x[:, :2] * 2) + F.celu(x[:, 2:], 0.7)
        + F.softshrink(F.max_pool1d(x[:, :2], 3, 1, 1), 0.1) + F.softmin(F.avg_pool1d(x[:, 1:3], 3, 1, 1), dim=1)
        + F.tanhshrink(F.conv_transpose1d(x[:, :2], w[:2, :2], padding=1)) ** 2,
        [(2, 4, 6), (4, 4, 3)], ("glu", "conv1d", "max_pool1d"), True),
    "rms and local response norms, bilinear and channel shuffle": (
        lambda x, w, a: F.rms_norm(x, (3, 4), w) * F.local_response_norm(x, 3, 0.5, 0.75, 1.0)
        + F.channel_shuffle(x, 2) + F.bilinear(x, x.flip(1), a, a[:, 0, 0]),
        [(2, 4, 3, 4), (3, 4), (4, 4, 4)], ("rms_norm", "bilinear"), False),
    "margin, embedding and Poisson losses": (
        lambda a, b, c: F.margin_ranking_loss(a, b, c.sign(), 0.1, "none")
        + F.hinge_embedding_loss(a, c.sign(), 0.5, "none")
        + F.soft_margin_loss(a * b, c.sign(), "none") + F.poisson_nll_loss(a, c.abs() * 3, full=True, reduction="none")
        + F.poisson_nll_loss(b.abs(), c.abs(), log_input=False, reduction="none")
        + F.multilabel_soft_margin_loss(a, (c.sign() + 1) / 2, b[0].abs(), "none").unsqueeze(1)
        + F.cosine_embedding_loss(a, b, c[:, 0].sign(), -0.1, "none").unsqueeze(1)
        + F.triplet_margin_loss(a, b, c, 2.0, 1.5, swap=True, reduction="none").unsqueeze(1)
        + F.multi_margin_loss(a, c.argmax(1), 2, 0.8, b[1].abs(), "none").unsqueeze(1),
        [(3, 4), (3, 4), (3, 4)], ("margin_ranking_loss", "triplet_margin_loss", "multi_margin_loss"), True),
    "distributions' densities, entropies and KL divergences": (
        lambda a, b, c: ng.distributions.Normal(a, b.exp()).log_prob(c) + ng.distributions.Bernoulli(logits=a).entropy()
        + ng.distributions.Uniform(a - b.exp(), a + 1).log_prob(a)
        + ng.distributions.Categorical(logits=b).log_prob(c.argmax(1)).unsqueeze(1)
        + ng.distributions.kl_divergence(ng.distributions.Normal(a, b.exp()), ng.distributions.Normal(c, 1.0))
        + ng.distributions.MultivariateNormal(a, covariance_matrix=b.T @ b + ng.eye(4, device=b.device))
        .log_prob(c).unsqueeze(1),
        [(3, 4), (3, 4), (3, 4)], (), False),
}


@on_gpu
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_cpu_and_cuda_agree(family):
    fn, shapes, needs, avoid_kinks = FAMILIES[family]
    absent = [n for n in needs if not hasattr(F, n)]
    if absent:
        pytest.skip(f"nanogan.nn.functional has no {absent} yet")
    rng = np.random.default_rng(7)
    arrays = [(rng.standard_normal(s) if not avoid_kinks else
               np.where(rng.random(s) < 0.5, -1, 1) * (0.2 + rng.random(s))).astype(np.float32) for s in shapes]
    agree_with_the_cpu(family, fn, arrays)


@on_gpu
@pytest.mark.parametrize("family", sorted(f for f in FAMILIES if f.startswith("conv")))
def test_benchmarked_convolutions_agree_with_the_cpu(family, monkeypatch):
    """conv.benchmark = True (torch.backends.cudnn.benchmark's counterpart) times each geometry's kernels on its
    first call, on the device, and runs the fastest: the values and derivatives stay the CPU's."""
    from nanogan.backend.cuda import conv
    from nanogan.backend.cuda._dispatch import kernel_library
    monkeypatch.setattr(conv, "benchmark", True)
    timed_before = len(kernel_library().fastest_kernels)
    test_cpu_and_cuda_agree(family)
    assert len(kernel_library().fastest_kernels) > timed_before


@on_gpu
def test_whole_window_convolutions_run_as_matrix_products(monkeypatch):
    """Every pass of a convolution whose window is the whole image, to the third derivative, without nanogan's
    convolution kernels (their wrappers made to fail): cuBLAS products, with the CPU's values."""
    from nanogan.backend.cuda import conv
    monkeypatch.setattr(conv, "_kernels", None)
    test_cpu_and_cuda_agree("whole-window conv2d and conv_transpose2d")


@on_gpu
def test_a_graph_records_an_untimed_benchmarked_convolution_without_timing_it(monkeypatch):
    """Timing waits for the device, which a graph being recorded cannot: there the heuristic's kernel runs."""
    from nanogan.backend.cuda import conv, graphs
    from nanogan.backend.cuda._dispatch import kernel_library
    rng = np.random.default_rng(5)
    x, w = (rng.standard_normal(s).astype(np.float32) for s in ((3, 2, 11, 10), (6, 2, 3, 3)))
    x_gpu, w_gpu = ng.tensor(x, device="cuda"), ng.tensor(w, device="cuda")
    F.conv2d(x_gpu, w_gpu, stride=2, padding=1).numpy()  # eager, not benchmarked: compiles the kernels it runs
    monkeypatch.setattr(conv, "benchmark", True)
    timed_before = dict(kernel_library().fastest_kernels)
    step = graphs.capture(lambda: F.conv2d(x_gpu, w_gpu, stride=2, padding=1), warmup=0)
    assert kernel_library().fastest_kernels == timed_before
    expected = F.conv2d(ng.tensor(x), ng.tensor(w), stride=2, padding=1).numpy()
    np.testing.assert_allclose(step.replay().numpy(), expected, rtol=1e-4, atol=1e-5)


@on_gpu
@pytest.mark.parametrize("family", ["conv2d", "conv_transpose2d", "batch norm, training", "layer norm", "group norm",
                                    "shape and indexing", "composed activations", "assignment through arrays"])
def test_float64_gradchecks_on_the_device(family):
    fn, shapes, needs, _ = FAMILIES[family]
    if any(not hasattr(F, n) for n in needs):
        pytest.skip(f"nanogan.nn.functional lacks {needs}")
    rng = np.random.default_rng(2)
    inputs = [ng.tensor(rng.standard_normal(s), dtype=ng.float64, requires_grad=True, device="cuda") for s in shapes]
    assert ng.autograd.gradcheck(fn, inputs) and ng.autograd.gradgradcheck(fn, inputs)


@on_gpu
def test_unit_norm_penalty_agrees_with_the_cpu_and_gradchecks_on_the_device():
    """The WGAN-GP term's kernels (grad_penalty_fwd / grad_penalty_bwd) against the CPU's array code, float32; its
    array code on CuPy against finite differences, float64. First order only: its backward is not differentiable."""
    rng = np.random.default_rng(5)
    g = rng.standard_normal((6, 1, 28, 28)).astype(np.float32) * np.linspace(0.01, 0.1, 6, dtype=np.float32)[:, None,
                                                                                                             None, None]
    g[3] = 0  # the zero vector: penalty 1, gradient 0
    weights = rng.standard_normal(6).astype(np.float32)
    results = {}
    for device in ("cpu", "cuda"):
        x = ng.tensor(g, requires_grad=True, device=device)
        penalty = unit_norm_penalty(x)
        (penalty * ng.tensor(weights, device=device)).sum().backward()
        results[device] = (penalty.numpy(), x.grad.numpy())
    for what, mine, cpu in zip(("penalty", "gradient"), results["cuda"], results["cpu"]):
        _assert_close(mine, cpu, f"unit_norm_penalty: {what}")
    x = ng.tensor(rng.standard_normal((3, 2, 5)), dtype=ng.float64, requires_grad=True, device="cuda")
    assert ng.autograd.gradcheck(unit_norm_penalty, [x])


# ---- on the GPU: devices, modules, optimisers ---------------------------------------------------------------

@on_gpu
def test_matmul_reads_every_operand_layout():
    """backend.cuda.matmul hands cuBLAS row-major, transposed and row-padded operands without copies, and
    copies the rest; every combination must give numpy's product."""
    import cupy
    from nanogan.backend.cuda.blas import matmul
    rng = np.random.default_rng(0)

    def layouts(rows, cols, dtype):
        base = rng.standard_normal((rows, cols)).astype(dtype)
        padded = np.concatenate([base, rng.standard_normal((rows, 3)).astype(dtype)], axis=1)
        every_other = np.repeat(base, 2, axis=0)
        return {"C": (base, cupy.asarray(base)), "F": (base, cupy.asarray(base.T.copy()).T),
                "padded rows": (base, cupy.asarray(padded)[:, :cols]),
                "strided rows": (base, cupy.asarray(every_other)[::2])}

    for dtype, rtol in ((np.float32, 1e-5), (np.float64, 1e-12)):
        for m, k, n in ((5, 7, 3), (1, 4, 6), (6, 4, 1), (3, 1, 2), (64, 128, 33)):
            for name_a, (host_a, a) in layouts(m, k, dtype).items():
                for name_b, (host_b, b) in layouts(k, n, dtype).items():
                    out = matmul(a, b)
                    assert out.dtype == dtype and out.shape == (m, n)
                    np.testing.assert_allclose(cupy.asnumpy(out), host_a.astype(np.float64) @ host_b, rtol=rtol,
                                               atol=rtol * k, err_msg=f"{m}x{k} ({name_a}) @ {k}x{n} ({name_b})")
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) do not align"):
        matmul(cupy.ones((2, 3), dtype=np.float32), cupy.ones((4, 5), dtype=np.float32))  # cuBLAS would read past


@on_gpu
def test_integer_powers_and_abs_agree_with_the_cpu():
    """Integer tensors to integer powers stay integers on the device too, a negative exponent truncating toward zero
    (which numpy refuses and CuPy computes), and so do their absolute values and their products (which wrap around
    in the dtype)."""
    def compute(device):
        base = ng.tensor([[-3, -1, 0, 1, 2]], device=device)
        exponent = ng.tensor([[2], [0], [-1], [-2], [3]], device=device)
        small = base.to(np.dtype(np.int32))
        return [base ** exponent, 2 ** exponent, small ** 3, small ** exponent, abs(base), abs(small), base ** 2.0,
                exponent.t() @ base.t(), small.t() @ small, ng.einsum("ij,jk->ik", exponent * 2 ** 61, base)]
    for actual, expected in zip(compute("cuda"), compute("cpu"), strict=True):
        assert actual.dtype == expected.dtype
        np.testing.assert_array_equal(actual.numpy(), expected.numpy())


@on_gpu
def test_unique_consecutive_agrees_with_the_cpu():
    """Runs of elements and of slices, NaNs each a run of their own, through CuPy's compress, cumsum and diff."""
    array = np.array([[1.0, 1.0, 2.0], [1.0, 1.0, 2.0], [np.nan, 0.0, 0.0], [np.nan, 0.0, 0.0]], dtype=np.float32)
    for dim in (None, 0, 1):
        actual = ng.unique_consecutive(ng.tensor(array, device="cuda"), True, True, dim)
        expected = ng.unique_consecutive(ng.tensor(array), True, True, dim)
        for ours, theirs in zip(actual, expected, strict=True):
            assert ours.device == "cuda" and ours.dtype == theirs.dtype
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@on_gpu
def test_to_cuda_and_back_round_trips_values_dtypes_and_gradients():
    host = np.random.default_rng(0).standard_normal((3, 4))
    for dtype in (ng.float32, ng.float64):
        x = ng.tensor(host, dtype=dtype, requires_grad=True)
        on_device = x.to("cuda")
        assert on_device.device == "cuda" and on_device.dtype == dtype
        assert backends.get("cuda").owns(on_device.array)
        back = on_device.cpu()
        assert back.device == "cpu" and isinstance(back.array, np.ndarray)
        np.testing.assert_array_equal(back.numpy(), x.numpy())
        (back * back).sum().backward()  # the gradient flows back through both copies
        np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy(), rtol=1e-6)
    assert ng.tensor([1, 2], device="cuda").to("cuda", ng.float64).dtype == ng.float64
    with pytest.raises(TypeError, match=r"can't convert a cuda tensor of shape \(2,\) to a numpy array"):
        np.asarray(ng.tensor([1, 2], device="cuda"))  # PyTorch refuses too: the copy is the caller's to ask


@on_gpu
def test_random_draws_are_the_same_numbers_on_the_device():
    """bernoulli, multinomial (both ways), normal, poisson, the in-place fills and the random layers draw on the
    host, so a seed gives one result; bad weights are found on the device, and reported at the next host read as other device checks are."""
    draws = {}
    for device in ("cpu", "cuda"):
        ng.manual_seed(7)
        weights = ng.tensor([[1.0, 0.0, 3.0, 2.0], [0.5, 0.5, 0.0, 1.0]], device=device)
        results = [ng.bernoulli(weights / 3), ng.multinomial(weights, 3), ng.multinomial(weights, 5, True),
                   ng.zeros(4, device=device).exponential_(), ng.zeros(4, device=device).random_(9),
                   ng.zeros(2, 4, device=device).bernoulli_(weights / 3), ng.normal(weights, weights / 2),
                   ng.normal(0.0, 2.0, (3,), device=device), ng.poisson(weights),
                   ng.zeros(4, device=device).log_normal_(), ng.zeros(4, device=device).cauchy_(),
                   ng.zeros(4, device=device).geometric_(0.4), nn.init.trunc_normal_(ng.zeros(4, device=device)),
                   F.alpha_dropout(weights, 0.3, True), F.rrelu(weights - 1, training=True), F.dropout1d(weights),
                   F.gumbel_softmax(weights, hard=True)]
        assert all(r.device == device for r in results)
        draws[device] = [r.numpy() for r in results]
    for cpu, cuda in zip(draws["cpu"], draws["cuda"]):
        np.testing.assert_array_equal(cuda, cpu)
    with pytest.raises(ValueError, match="multinomial: weights must be finite.*reported at the next host read"):
        ng.multinomial(ng.tensor([1.0, -1.0], device="cuda"), 1).numpy()


@on_gpu
def test_ng_cuda_answers_what_ported_code_asks_torch_cuda():
    """torch.cuda's housekeeping as a ported script calls it: the device, a wait before reading a timer (which also
    raises a failed device-side check), memory held and cached, and seeding."""
    import cupy
    assert ng.cuda.current_device() == 0 and ng.cuda.get_device_name()  # fake: "fake H100 (numpy)"
    ng.multinomial(ng.tensor([1.0, -1.0], device="cuda"), 1)  # queued; nothing is read yet
    with pytest.raises(ValueError, match="multinomial: weights must be finite"):
        ng.cuda.synchronize()
    ng.cuda.synchronize()  # the failure was reported once
    before = ng.cuda.memory_allocated()
    held = ng.ones(1 << 20, device="cuda")  # 4 MiB
    if not fake_cupy.installed():  # the fake's pool holds nothing
        assert ng.cuda.memory_allocated() - before >= 4 << 20
        reserved = ng.cuda.memory_reserved()
        assert reserved >= ng.cuda.memory_allocated()
        del held
        ng.cuda.empty_cache()
        assert ng.cuda.memory_allocated() == before and ng.cuda.memory_reserved() <= reserved
    else:
        frees = getattr(cupy.get_default_memory_pool(), "frees", 0)
        ng.cuda.empty_cache()
        assert cupy.get_default_memory_pool().frees == frees + 1
    ng.cuda.manual_seed_all(5)  # the one host stream every device draws from
    seeded = ng.randn(3, device="cuda").numpy()
    ng.cuda.manual_seed(5)
    np.testing.assert_array_equal(ng.randn(3, device="cuda").numpy(), seeded)
    ng.manual_seed(5)
    np.testing.assert_array_equal(ng.randn(3).numpy(), seeded)


@on_gpu
def test_a_generators_draws_are_the_same_numbers_on_the_device():
    """A Generator (of either device) draws on the host as the global one does: a seed gives one result on every
    device, and drawing with it onto the device leaves the global stream where it was."""
    draws = {}
    for device in ("cpu", "cuda"):
        g = ng.Generator(device=device).manual_seed(7)
        ng.manual_seed(3)
        weights = ng.tensor([[1.0, 0.0, 3.0, 2.0], [0.5, 0.5, 0.0, 1.0]], device=device)
        results = [ng.randn(3, 4, generator=g, device=device), ng.rand_like(weights, generator=g),
                   ng.randperm(6, generator=g, device=device), ng.bernoulli(weights / 3, generator=g),
                   ng.multinomial(weights, 3, generator=g), ng.zeros(4, device=device).normal_(generator=g),
                   nn.init.orthogonal_(ng.zeros(3, 4, device=device), generator=g)]
        assert all(r.device == device for r in results)
        draws[device] = [r.numpy() for r in results] + [ng.rand(4).numpy()]  # the last: the global stream after
    for cpu, cuda in zip(draws["cpu"], draws["cuda"]):
        np.testing.assert_array_equal(cuda, cpu)
    ng.manual_seed(3)
    np.testing.assert_array_equal(draws["cuda"][-1], ng.rand(4).numpy())


@on_gpu
@pytest.mark.parametrize("make, run", [
    (lambda: nn.LSTM(4, 4, num_layers=2, bidirectional=True), lambda layer, x: layer(x)[0]),
    (lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0), 2), lambda layer, x: layer(x)),
    (lambda: nn.Transformer(4, 2, 1, 2, 8, dropout=0.0, norm_first=True),  # tgt: the first 3 steps, causal
     lambda layer, x: layer(x, x[:3], tgt_mask=nn.Transformer.generate_square_subsequent_mask(
         3, device=x.device, dtype=x.dtype))),
], ids=["LSTM", "TransformerEncoder", "Transformer"])
def test_sequence_layers_on_the_device_equal_the_cpu_with_a_gradient_penalty(make, run):
    ng.manual_seed(0)
    cpu = make().double()
    cuda = make().double().to("cuda")
    cuda.load_state_dict(cpu.state_dict())
    x = np.random.default_rng(0).standard_normal((5, 2, 4))
    results = []
    for layer, device in ((cpu, "cpu"), (cuda, "cuda")):
        inputs = ng.tensor(x, dtype=ng.float64, device=device, requires_grad=True)
        out = run(layer, inputs)
        (g,) = ng.grad(out.tanh().sum(), inputs, create_graph=True)
        (g ** 2).sum().backward()
        results.append([out.numpy(), g.numpy()] + [p.grad.numpy() for p in layer.parameters()])
    for cpu_value, cuda_value in zip(*results):
        # atol at the array's scale: the gradient of an attention's key bias is 0 up to the rounding of its neighbours
        np.testing.assert_allclose(cuda_value, cpu_value, rtol=1e-9, atol=1e-12 * max(1, np.abs(cpu_value).max()))


def _forward_twice_and_penalise(layers, x):
    """The CPU's layer and the device's, in training mode: a forward, then a second one whose input gradient takes
    the penalty (‖∂Σy²/∂x‖ - 1)², backward into the parameters."""
    for layer, device in zip(layers, ("cpu", "cuda")):
        layer(ng.tensor(x, dtype=ng.float64, device=device))
        inputs = ng.tensor(x, dtype=ng.float64, device=device, requires_grad=True)
        g, = ng.grad((layer(inputs) ** 2).sum(), inputs, create_graph=True)
        ((g.norm() - 1) ** 2).backward()


@on_gpu
def test_spectral_norm_on_the_device_equals_the_cpu_with_a_gradient_penalty():
    """Two forwards in training mode (power iterations on the device), then the penalty on the input gradient."""
    layers = []
    for device in ("cpu", "cuda"):
        ng.manual_seed(0)
        layers.append(nn.utils.spectral_norm(nn.ConvTranspose2d(3, 4, 4, 2, 1).double()).to(device))
    _forward_twice_and_penalise(layers, np.random.default_rng(0).standard_normal((2, 3, 5, 5)))
    cpu, cuda = layers
    assert cuda.weight_u.device == "cuda"
    for name in ("weight_u", "weight_v"):
        np.testing.assert_allclose(getattr(cuda, name).numpy(), getattr(cpu, name).numpy(), rtol=1e-10, err_msg=name)
    np.testing.assert_allclose(cuda.weight_orig.grad.numpy(), cpu.weight_orig.grad.numpy(), rtol=1e-9, atol=1e-12)


@on_gpu
@pytest.mark.parametrize("reparametrise", [
    lambda layer: nn.utils.weight_norm(layer, dim=1),
    nn.utils.parametrizations.weight_norm,
    nn.utils.parametrizations.spectral_norm,
], ids=["weight_norm", "parametrized-weight_norm", "parametrized-spectral_norm"])
def test_weight_norm_and_the_parametrizations_on_the_device_equal_the_cpu_with_a_gradient_penalty(reparametrise):
    """A Conv1d moved to the device after the reparametrisation (its originals and buffers move with it): two
    forwards in training mode (spectral norm's power iterations on the device), the penalty on the input gradient,
    and vector_to_parameters(parameters_to_vector) on the device."""
    layers = []
    for device in ("cpu", "cuda"):
        ng.manual_seed(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            layers.append(reparametrise(nn.Conv1d(3, 4, 3, padding=1).double()).to(device))
    _forward_twice_and_penalise(layers, np.random.default_rng(0).standard_normal((2, 3, 7)))
    cpu, cuda = layers
    assert list(cuda.state_dict()) == list(cpu.state_dict())
    for (name, p), q in zip(cuda.named_parameters(), cpu.parameters()):
        assert p.device == "cuda", name
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name)
    for (name, b), c in zip(cuda.named_buffers(), cpu.buffers()):
        np.testing.assert_allclose(b.numpy(), c.numpy(), rtol=1e-10, err_msg=name)
    vec = nn.utils.parameters_to_vector(cuda.parameters())
    assert vec.device == "cuda"
    nn.utils.vector_to_parameters(vec * 2, cuda.parameters())
    np.testing.assert_allclose(nn.utils.parameters_to_vector(cuda.parameters()).numpy(),
                               2 * nn.utils.parameters_to_vector(cpu.parameters()).numpy(), rtol=1e-12)

@on_gpu
def test_mixing_devices_in_one_op_names_both():
    a, b = ng.ones(3), ng.ones(3, device="cuda")
    with pytest.raises(RuntimeError, match=r"\(3,\) on cpu, \(3,\) on cuda"):
        a + b
    with pytest.raises(RuntimeError, match="on cuda, .* on cpu"):
        F.linear(ng.ones(2, 3, device="cuda"), ng.ones(4, 3))


@on_gpu
@pytest.mark.parametrize("call, message", [
    (lambda cpu, gpu: gpu < cpu, r"less: expected all tensors on one device, got \(3,\) on cuda, \(3,\) on cpu"),
    (lambda cpu, gpu: ng.where(cpu > 0, gpu, gpu), r"where: expected all tensors on one device"),
    (lambda cpu, gpu: gpu.clamp(min=cpu), r"clamp: expected all tensors on one device, got \(3,\) on cuda"),
    (lambda cpu, gpu: cpu[ng.tensor([0, 2], device="cuda")], r"getitem: an index on cuda for a tensor on cpu"),
    (lambda cpu, gpu: gpu + np.ones(3, np.float32), r"a ndarray of shape \(3,\) on cpu met a tensor on cuda"),
    (lambda cpu, gpu: models.one_hot(ng.tensor([0, 1]), 3, like=gpu),
     r"one_hot: labels of shape \(2,\) on cpu, the model's tensors on cuda"),
])
def test_ops_outside_functions_name_both_devices_too(call, message):
    """Comparisons, where, clamp's bounds, an index, a raw array and one_hot's labels on the other device failed
    inside CuPy (\"cupy.less: got a numpy array\"), or were copied between host and device without a word."""
    with pytest.raises(RuntimeError, match=message):
        call(ng.ones(3), ng.ones(3, device="cuda"))
    np.testing.assert_array_equal(ng.ones(3, device="cuda")[ng.tensor([0, 2])].numpy(), [1.0, 1.0])  # a cpu index


@on_gpu
def test_batch_norm_checks_devices_before_it_updates_the_running_statistics():
    x = ng.tensor(np.arange(12.0, dtype=np.float32).reshape(4, 3), device="cuda")
    running_mean, running_var = ng.zeros(3, device="cuda"), ng.ones(3, device="cuda")
    with pytest.raises(RuntimeError, match=r"batch_norm: input of shape \(4, 3\) on cuda, weight on cpu"):
        F.batch_norm(x, running_mean, running_var, weight=ng.ones(3), training=True)
    np.testing.assert_array_equal(running_mean.numpy(), [0.0, 0.0, 0.0])  # it was updated before the error
    with pytest.raises(RuntimeError, match=r"batch_norm: input of shape \(4, 3\) on cuda, running_mean on cpu"):
        F.batch_norm(x, ng.zeros(3), ng.ones(3), training=True)


@on_gpu
def test_optimiser_state_follows_its_module_to_the_gpu():
    """Steps on the CPU, then module.to("cuda"): Adam's moments stayed numpy arrays, and the next step failed
    inside the update kernel's checks. They follow the parameters now, and training goes on as on the CPU."""
    ng.manual_seed(0)
    model = nn.Linear(3, 2)
    twin = copy.deepcopy(model)
    x, y = np.random.default_rng(0).standard_normal((2, 8, 3)).astype(np.float32)[0], np.zeros((8, 2), np.float32)

    def step(module, optimizer, device):
        optimizer.zero_grad()
        F.mse_loss(module(ng.tensor(x, device=device)), ng.tensor(y, device=device)).backward()
        optimizer.step()

    moved, stayed = optim.Adam(model.parameters(), lr=0.1), optim.Adam(twin.parameters(), lr=0.1)
    for _ in range(2):
        step(model, moved, "cpu")
        step(twin, stayed, "cpu")
    model.to("cuda")
    for _ in range(2):
        step(model, moved, "cuda")
        step(twin, stayed, "cpu")
    for ours, theirs in zip(model.parameters(), twin.parameters()):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(RuntimeError, match=r"Tensor.grad: the gradient of a tensor of shape \(2, 3\), float32, on "
                                           r"cuda must be None or a Tensor of that shape, dtype and device, got a "
                                           r"Tensor of shape \(2, 3\), float32, on cpu"):
        model.weight.grad = ng.zeros(2, 3)
    model.weight.grad = ng.zeros(2, 3, device="cuda")
    model.weight.array = model.weight.numpy()  # .array is not checked: the step still is
    with pytest.raises(RuntimeError, match=r"Adam.step: the gradient of a parameter of shape \(2, 3\) on cpu is "
                                           r"on cuda"):
        moved.step()


def _trained(model, make_optimizer, device, steps, data):
    model = copy.deepcopy(model).to(device)
    optimizer = make_optimizer(model.parameters())
    x, y = (ng.tensor(a, device=device) for a in data)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
    return model.cpu(), optimizer


@on_gpu
@pytest.mark.parametrize("make_optimizer", [lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
                                            lambda p: optim.Adam(p, lr=1e-2, betas=(0.5, 0.9), weight_decay=0.01),
                                            lambda p: optim.Adam(p, lr=1e-2, betas=(0.5, 0.9), amsgrad=True),
                                            lambda p: optim.AdamW(p, lr=1e-2, betas=(0.5, 0.9), weight_decay=0.2),
                                            lambda p: optim.RMSprop(p, lr=1e-2, momentum=0.5, centered=True),
                                            lambda p: optim.RAdam(p, lr=1e-2, weight_decay=0.1,
                                                                  decoupled_weight_decay=True),
                                            lambda p: optim.NAdam(p, lr=1e-2, betas=(0.5, 0.9), weight_decay=0.01),
                                            lambda p: optim.Adamax(p, lr=1e-2, weight_decay=0.01),
                                            lambda p: optim.Adagrad(p, lr=1e-2, lr_decay=0.1,
                                                                    initial_accumulator_value=0.1)],
                         ids=["sgd-kernel", "adam-kernel", "adam-amsgrad-array-code", "adamw-kernel", "rmsprop-kernel",
                              "radam-array-code", "nadam-array-code", "adamax-array-code", "adagrad-array-code"])
def test_module_to_cuda_trains_like_the_cpu(make_optimizer):
    ng.manual_seed(0)
    # no bias before the batch norm: its gradient is zero up to rounding, which Adam and RMSprop's
    # normalised steps would blow up into different full-size steps on the two devices
    model = nn.Sequential(nn.Linear(4, 8, bias=False), nn.BatchNorm1d(8), nn.LeakyReLU(0.2), nn.Linear(8, 2))
    rng = np.random.default_rng(0)
    data = (rng.standard_normal((16, 4)).astype(np.float32), rng.standard_normal((16, 2)).astype(np.float32))
    on_cpu, _ = _trained(model, make_optimizer, "cpu", 5, data)
    on_cuda, optimizer = _trained(model, make_optimizer, "cuda", 5, data)
    for (name, ours), (_, theirs) in zip(on_cuda.state_dict().items(), on_cpu.state_dict().items()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5, err_msg=name)  # incl. running stats
    state = optimizer.state_dict()  # device state comes back to the host for checkpoints
    assert all(isinstance(v, np.ndarray) for s in state["state"].values() for v in s.values() if not np.isscalar(v))


@on_gpu
@pytest.mark.parametrize("adam", [optim.Adam, optim.AdamW])
def test_capturable_adam_takes_the_fused_kernel_with_its_step_count_on_the_device(adam):
    """capturable=True (t on the device, so that a CUDA graph's replays count it) runs adam_update too, reading
    the bias corrections computed on the device in double precision: the parameters follow the host count's
    kernel to float32 rounding, in four calls into CuPy per parameter (t + 1, the corrections and their array, the
    update) where the array code made twenty."""
    rng = np.random.default_rng(4)
    start = nn.Linear(5, 3)
    grads = [[rng.standard_normal(p.shape).astype(np.float32) for p in start.parameters()] for _ in range(4)]
    trained = []
    for capturable in (False, True):
        model = copy.deepcopy(start).to("cuda")
        optimizer = adam(model.parameters(), lr=1e-2, betas=(0.5, 0.999), weight_decay=0.2, capturable=capturable)
        for step_grads in grads:
            for p, g in zip(model.parameters(), step_grads):
                p.grad = ng.tensor(g, device="cuda")
            fake_cupy.calls.clear()
            optimizer.step()
            calls_of_a_step = dict(fake_cupy.calls)
        trained.append([p.numpy() for p in model.parameters()])
    if fake_cupy.installed():
        assert calls_of_a_step == {"add": 2, "empty": 2, "nanogan_adam_corrections": 2, "adam_update": 2}
    for device_count, host_count in zip(*reversed(trained)):
        np.testing.assert_allclose(device_count, host_count, rtol=1e-6, atol=1e-7)
    assert not np.allclose(trained[0][0], start.weight.numpy())


# ---- on the GPU: CUDA graphs -------------------------------------------------------------------------------

def _regression_step(model, optimizer, x, y, loss_fn=F.mse_loss):
    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss
    return step


_REGRESSION_MODELS = {
    "linear": lambda: nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 1)),
    # windows that are the whole image: cuBLAS products (backend/whole_window.py), recorded like the rest
    "whole-window convolutions": lambda: nn.Sequential(nn.Unflatten(1, (6, 1, 1)), nn.ConvTranspose2d(6, 3, (4, 3)),
                                                       nn.Tanh(), nn.Conv2d(3, 1, (4, 3)), nn.Flatten()),
}


@on_gpu
@pytest.mark.parametrize("make_optimizer", [lambda p: optim.SGD(p, lr=0.05, momentum=0.9),
                                            lambda p: optim.Adam(p, lr=1e-2, betas=(0.5, 0.9), capturable=True)],
                         ids=["sgd", "capturable-adam"])
@pytest.mark.parametrize("model_name", sorted(_REGRESSION_MODELS))
def test_captured_step_replays_what_eager_steps_compute(make_optimizer, model_name):
    from nanogan.backend.cuda import graphs
    ng.manual_seed(0)
    model = _REGRESSION_MODELS[model_name]().to("cuda")
    twin = copy.deepcopy(model)
    rng = np.random.default_rng(0)
    batches = [(rng.standard_normal((8, 6)).astype(np.float32), rng.standard_normal((8, 1)).astype(np.float32))
               for _ in range(6)]
    x, y = ng.tensor(batches[0][0], device="cuda"), ng.tensor(batches[0][1], device="cuda")
    eager_x, eager_y = ng.tensor(batches[0][0], device="cuda"), ng.tensor(batches[0][1], device="cuda")
    eager = _regression_step(twin, make_optimizer(twin.parameters()), eager_x, eager_y)
    step = graphs.capture(_regression_step(model, make_optimizer(model.parameters()), x, y), warmup=2)
    for _ in range(2):
        eager()
    for batch_x, batch_y in batches[1:]:
        for static, eager_static, value in ((x, eager_x, batch_x), (y, eager_y, batch_y)):
            static.array[...] = ng.tensor(value, device="cuda").array
            eager_static.array[...] = static.array
        loss = step.replay()
        expected = eager()
        np.testing.assert_allclose(loss.numpy(), expected.numpy(), rtol=1e-5)
    for ours, theirs in zip(model.parameters(), twin.parameters()):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)


def _linear_decay(optimizer):
    return optim.lr_scheduler.LambdaLR(optimizer, lambda epoch: 1 - epoch / 8)


@on_gpu
@pytest.mark.parametrize("make_optimizer", [
    lambda p: optim.SGD(p, lr=0.05, momentum=0.9),
    lambda p: optim.Adam(p, lr=1e-2, betas=(0.5, 0.9)),
    lambda p: optim.Adam(p, lr=1e-2, betas=(0.5, 0.9), capturable=True),
    lambda p: optim.AdamW(p, lr=1e-2, betas=(0.5, 0.9), weight_decay=0.5, amsgrad=True),
    lambda p: optim.RMSprop(p, lr=1e-3, centered=True)],
    ids=["sgd-kernel", "adam-kernel", "capturable-adam-kernel", "adamw-amsgrad-array-code", "rmsprop-kernel"])
def test_a_scheduled_lr_reaches_eager_updates_on_the_device_as_on_the_cpu(make_optimizer):
    """Each update path on the device (fused kernels, capturable Adam's device corrections, the array code) takes
    the lr a scheduler sets before it, as the CPU's array code does."""
    ng.manual_seed(0)
    start = _REGRESSION_MODELS["linear"]()
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((8, 6)).astype(np.float32), rng.standard_normal((8, 1)).astype(np.float32)
    trained = []
    for device in ("cpu", "cuda", None):
        on = device or "cuda"
        model = copy.deepcopy(start).to(on)
        optimizer = make_optimizer(model.parameters())
        scheduler = _linear_decay(optimizer) if device else None
        step = _regression_step(model, optimizer, ng.tensor(x, device=on), ng.tensor(y, device=on))
        for _ in range(6):
            step()
            if scheduler is not None:
                scheduler.step()
        trained.append([p.numpy() for p in model.parameters()])
    on_cpu, on_cuda, unscheduled = trained
    for ours, theirs in zip(on_cuda, on_cpu):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    assert not np.allclose(on_cuda[0], unscheduled[0], rtol=1e-4, atol=1e-6)


@on_gpu
@pytest.mark.parametrize("make_optimizer", [
    lambda p: optim.Adam(p, lr=1e-2, betas=(0.5, 0.9), capturable=True),
    lambda p: optim.AdamW(p, lr=1e-2, betas=(0.5, 0.9), weight_decay=0.5, capturable=True),
    lambda p: optim.AdamW(p, lr=1e-2, betas=(0.5, 0.9), weight_decay=0.5, amsgrad=True, capturable=True)],
    ids=["adam-kernel", "adamw-kernel", "adamw-amsgrad-array-code"])
def test_a_scheduled_lr_reaches_the_replays_of_a_captured_capturable_adam_step(make_optimizer):
    """A replay repeats the recorded kernels with their recorded arguments; capturable Adam reads lr from a device
    array that each replay refills from group["lr"] first, so the lr a scheduler sets between replays applies as it
    does between eager steps."""
    from nanogan.backend.cuda import graphs
    ng.manual_seed(0)
    model = _REGRESSION_MODELS["linear"]().to("cuda")
    twin = copy.deepcopy(model)
    rng = np.random.default_rng(0)
    x, y = ng.tensor(rng.standard_normal((8, 6)).astype(np.float32), device="cuda"), ng.tensor(
        rng.standard_normal((8, 1)).astype(np.float32), device="cuda")
    optimizer, twin_optimizer = make_optimizer(model.parameters()), make_optimizer(twin.parameters())
    step = graphs.capture(_regression_step(model, optimizer, x, y), warmup=1)
    assert len(step.before_replay) == 1  # one refill for the group, however many parameters it holds
    eager = _regression_step(twin, twin_optimizer, x, y)
    eager()
    schedulers = _linear_decay(optimizer), _linear_decay(twin_optimizer)
    for _ in range(5):
        np.testing.assert_allclose(step.replay().numpy(), eager().numpy(), rtol=1e-5)
        for scheduler in schedulers:
            scheduler.step()
    for ours, theirs in zip(model.parameters(), twin.parameters()):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(RuntimeError, match="before_each_replay: no step is being recorded on this thread"):
        graphs.before_each_replay(lambda: None)


@on_gpu
@pytest.mark.parametrize("make_optimizer, name", [(lambda p: optim.SGD(p, lr=0.05, momentum=0.9), "SGD"),
                                                  (lambda p: optim.RMSprop(p, lr=0.05), "RMSprop"),
                                                  (lambda p: optim.AdamW(p, lr=0.05), "AdamW")])
def test_a_captured_step_whose_kernel_takes_lr_by_value_refuses_to_replay_a_changed_lr(make_optimizer, name):
    """SGD's and RMSprop's kernels, and Adam's without capturable, take lr by value: a replay would apply the
    recorded lr whatever a scheduler set since, so it refuses to run, changing nothing, until the lr is back."""
    from nanogan.backend.cuda import graphs
    model = _REGRESSION_MODELS["linear"]().to("cuda")
    x, y = ng.ones(4, 6, device="cuda"), ng.zeros(4, 1, device="cuda")
    optimizer = make_optimizer(model.parameters())
    step = graphs.capture(_regression_step(model, optimizer, x, y), warmup=1)
    assert len(step.before_replay) == 1  # one check for the group, however many parameters it holds
    step.replay()
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    step.replay()  # epoch 0 of the schedule: the lr as recorded
    scheduler.step()
    before = [p.numpy() for p in model.parameters()]
    with pytest.raises(RuntimeError, match=f"{name}: lr changed from 0.05 to 0.025 since the step was recorded as a "
                                           f"CUDA graph, whose replays would still apply 0.05"):
        step.replay()
    for p, value in zip(model.parameters(), before):
        np.testing.assert_array_equal(p.numpy(), value)
    optimizer.param_groups[0]["lr"] = 0.05
    step.replay()
    assert not np.array_equal(next(model.parameters()).numpy(), before[0])


@on_gpu
def test_capture_refuses_host_copies_inside_the_step():
    from nanogan.backend.cuda import graphs
    x = ng.zeros(4, device="cuda")

    def draws_on_the_host():
        return x + ng.randn(4, device="cuda")

    with pytest.raises(RuntimeError, match="from_host inside a captured CUDA graph step"):
        graphs.capture(draws_on_the_host, warmup=1)
    assert not graphs.capturing()
    (x + 1).numpy()  # the stream is usable again


def _built_from_the_shapes(x):
    """The ops that gather by an index array, or multiply by a matrix, built from the shapes alone."""
    return (F.pad(x, (2, 1, 1, 2), mode="reflect").sum() + F.pad(x, (1, 1, 1, 1), mode="replicate").sum()
            + F.pad(x, (2, 0, 0, 2), mode="circular").sum() + F.interpolate(x, scale_factor=1.5).sum()
            + F.interpolate(x, size=(7, 3), mode="bilinear").sum() + F.adaptive_avg_pool2d(x, (3, 3)).sum()
            + F.interpolate(x, size=(7, 3), mode="bicubic").sum()
            + F.interpolate(x, size=(3, 2), mode="bicubic", antialias=True).sum()
            + F.adaptive_max_pool2d(x, (3, 3)).sum())


@on_gpu
def test_assignment_through_arrays_on_the_device_checks_its_indices_there():
    """CuPy wraps an index out of bounds round, where numpy raises: the check runs on the device and is reported at
    the next host read, as PyTorch's device-side assert."""
    labels = ng.tensor([3, 1, 4, 1], device="cuda")
    onehot = ng.zeros(4, 5, device="cuda")
    onehot[ng.arange(4, device="cuda"), labels] = 1
    np.testing.assert_array_equal(onehot.numpy(), np.eye(5, dtype=np.float32)[[3, 1, 4, 1]])
    onehot[:, ng.tensor([0, 5], device="cuda")] = 2.0
    with pytest.raises(IndexError, match=r"setitem: indices \(shape \(2,\)\) into dimension 1 of size 5 must lie in "
                                         r"-5..4 \(tensor of shape \(4, 5\)\) \(checked on the device"):
        onehot.numpy()


@on_gpu
@pytest.mark.parametrize("op, read, message", [
    ("getitem", lambda x, i: x[:, i], r"getitem: indices \(shape \(2,\)\) into dimension 1 of size 5"),
    ("gather", lambda x, i: x.gather(1, i.reshape(1, 2).expand(4, 2)),
     r"gather: indices \(shape \(4, 2\)\) into dimension 1 of size 5"),
    ("index_select", lambda x, i: x.index_select(1, i),
     r"index_select: indices \(shape \(2,\)\) into dimension 1 of size 5"),
])
def test_reading_through_arrays_on_the_device_checks_its_indices_there(op, read, message):
    """A read through an index out of bounds would give an entry CuPy's wrap-round picked (x[:, 5] as x[:, 0]), a
    silent wrong value: as for writes, the check runs on the device and is reported at the next host read."""
    x = ng.tensor(np.arange(20, dtype=np.float32).reshape(4, 5), device="cuda")
    np.testing.assert_array_equal(read(x, ng.tensor([4, -5], device="cuda")).numpy(), x.numpy()[:, [4, 0]])
    picked = read(x, ng.tensor([0, 5], device="cuda"))
    with pytest.raises(IndexError, match=message + r" must lie in -5..4 \(tensor of shape \(4, 5\)\) \(checked"):
        picked.numpy()


@on_gpu
def test_scatter_on_the_device_checks_its_indices_there():
    """As assignment through arrays: scatter writes through put, whose index check runs on the device."""
    onehot = ng.zeros(4, 5, device="cuda").scatter_(1, ng.tensor([[3], [1], [4], [1]], device="cuda"), 1)
    np.testing.assert_array_equal(onehot.numpy(), np.eye(5, dtype=np.float32)[[3, 1, 4, 1]])
    onehot.scatter_add_(0, ng.tensor([[0, 4]], device="cuda"), ng.ones(1, 2, device="cuda"))
    with pytest.raises(IndexError, match=r"scatter_add: indices \(shape \(1, 2\)\) into dimension 0 of size 4 must "
                                         r"lie in -4..3 \(tensor of shape \(4, 5\)\) \(checked on the device"):
        onehot.numpy()


@on_gpu
@pytest.mark.parametrize("reduce", ["sum", "prod", "amax", "amin"])
def test_scatter_reduce_takes_in_every_repeat_of_a_position_as_the_cpus_does(reduce):
    """CuPy's atomic scatters, and for the product (CUDA has no atomic multiply) a sort by position and a scan,
    against numpy's ufunc.at: a position named seven times (-1 among them), so that the scan's runs start and end
    inside its passes; integer arrays broadcast together, a slice beside one, and an empty index."""
    cpu, cuda = backends.get("cpu"), backends.get("cuda")
    rng = np.random.default_rng(4)
    target = rng.uniform(0.5, 1.5, (4, 6)) * rng.choice([-1, 1], (4, 6))
    rows = np.array([3, 0, 3, 3, -1, 1, 3, 3, 0, 3])
    for index in [(rows, np.array([[2], [5]])), (slice(None), np.array([0, 0, -6, 5])), (np.array([], dtype=int),)]:
        values = rng.uniform(0.5, 1.5, target[index].shape) * rng.choice([-1, 1], target[index].shape)
        expected = cpu.scatter_reduce(target.copy(), index, values, reduce)
        arrays = [cuda.from_host(a) for a in (target, values)]
        fake_cupy.calls.clear()
        on_device = cuda.scatter_reduce(arrays[0], tuple(cuda.from_host(part) if isinstance(part, np.ndarray)
                                                         else part for part in index), arrays[1], reduce)
        assert fake_cupy.calls[fake_cupy.HOST_READ] == 0  # the device is not waited for
        np.testing.assert_allclose(cuda.to_host(on_device), expected, rtol=1e-12)  # a product's order differs


@on_gpu
def test_a_products_refused_second_derivative_is_reported_at_the_next_host_read():
    """Two zeros of src at one position: the second derivative in src is refused (as PyTorch refuses it), by a
    check on the device, so that a backward never waits for the values to reach the host."""
    x = ng.ones(1, 3, device="cuda", requires_grad=True)
    src = ng.tensor([[0.0, 0.0, 2.0]], device="cuda", requires_grad=True)
    y = x.scatter_reduce(1, ng.tensor([[1, 1, 0]], device="cuda"), src, "prod")
    (dsrc,) = ng.grad(y.sum(), [src], create_graph=True)
    (second,) = ng.grad(dsrc.sum(), [x])
    with pytest.raises(RuntimeError, match=r"scatter_reduce: the second derivative of a product in src, where two or "
                                           r"more .* \(checked on the device"):
        second.numpy()


@on_gpu
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int16, np.int8, np.uint8, np.bool_, np.float16,
                                   np.float64])
def test_scatter_reductions_of_every_dtype_agree_with_the_cpu(dtype):
    """CuPy's atomic scatters exist for int32, uint32, uint64 and the floats (a sum), or int32, uint32, uint64,
    float32 and float64 (a maximum or minimum) only, and raise TypeError for any other dtype where the index holds an
    integer array (int64 counts, a bool's or): the backend reduces those in an atomic dtype, with numpy's result
    (wrapping round; a bool's sum or maximum is its logical or, its minimum its and)."""
    big = 2 ** 62 if dtype == np.int64 else 100 if np.dtype(dtype).kind in "iu" else 30
    numbers = (np.array([big, -3, 0, 1]), np.array([big, 5, -big, -7, 1]))
    start, values = (n.astype(dtype) if dtype != np.bool_ else n % 2 == 0 for n in numbers)
    index = np.array([0, 3, 0, 2, 0])

    def reduced(device):
        tensors = [ng.tensor(a, device=device) for a in (start, index, values)]
        accumulated = tensors[0].clone().index_put_((tensors[1],), tensors[2], accumulate=True)
        return [accumulated.numpy()] + [tensors[0].scatter_reduce(0, tensors[1], tensors[2], reduce).numpy()
                                        for reduce in ("sum", "amax", "amin", "prod", "mean")[:4 + (dtype != np.bool_)]]

    for on_cuda, on_cpu in zip(reduced("cuda"), reduced("cpu")):
        assert on_cuda.dtype == on_cpu.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(on_cuda, on_cpu)


@on_gpu
def test_remainder_and_fmod_on_the_device_are_exact_as_numpys():
    """CuPy's remainder of floats is a - floor(a/b)·b in the dtype, which rounds for a large quotient and is NaN for an
    infinite divisor, and its fmod of integers divides in double precision: the backend's are exact, as numpy's."""
    floats = (np.array([1e10, -1.0, 1.0, 7.5, -7.5, 0.3], np.float32),
              np.array([3, np.inf, -np.inf, -2, 2, 0.1], np.float32))
    ints = (np.array([2 ** 62 + 1, -(2 ** 62) - 3, 7, -7, -8]), np.array([3, 5, -2, 2, 2]))
    for a, b in (floats, ints):
        x, y = ng.tensor(a, device="cuda"), ng.tensor(b, device="cuda")
        np.testing.assert_array_equal((x % y).numpy(), np.remainder(a, b))
        np.testing.assert_array_equal(ng.fmod(x, y).numpy(), np.fmod(a, b))


@on_gpu
def test_gathers_and_products_by_arrays_from_the_shapes_copy_nothing_from_the_host():
    """Their index arrays were numpy arrays copied over: a host-to-device copy, which a CUDA graph cannot
    record. They are computed on the device now, and agree with the CPU (and so are resizing's and adaptive
    pooling's matrices)."""
    x = np.random.default_rng(2).standard_normal((2, 3, 5, 4)).astype(np.float32)
    x_device = ng.tensor(x, device="cuda")
    fake_cupy.calls.clear()
    on_device = _built_from_the_shapes(x_device)
    if fake_cupy.installed():
        assert fake_cupy.calls["asarray"] == 0, fake_cupy.calls
    np.testing.assert_allclose(on_device.numpy(), _built_from_the_shapes(ng.tensor(x)).numpy(), rtol=1e-5)


@on_gpu
def test_gathers_and_products_by_arrays_from_the_shapes_record_in_a_graph():
    from nanogan.backend.cuda import graphs
    x = ng.tensor(np.random.default_rng(3).standard_normal((2, 3, 5, 4)).astype(np.float32), device="cuda")
    step = graphs.capture(lambda: _built_from_the_shapes(x), warmup=1)
    x.array[...] = x.array * 2
    np.testing.assert_allclose(step.replay().numpy(), _built_from_the_shapes(x).numpy(), rtol=1e-5)


@on_gpu
def test_a_capture_that_cannot_begin_leaves_the_thread_eager(monkeypatch):
    import cupy
    from nanogan.backend.cuda import graphs

    def refuse(stream):
        raise RuntimeError("capture refused")
    monkeypatch.setattr(cupy.cuda.Stream, "begin_capture", refuse)
    with pytest.raises(RuntimeError, match="capture refused"):
        graphs.capture(lambda: None, warmup=0)
    assert not graphs.capturing()
    np.testing.assert_array_equal(ng.tensor([1.0, 2.0]).to("cuda").numpy(), [1.0, 2.0])  # host copies work again


@on_gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_per_channel_batch_norm_maps_agree_with_the_cpu(dtype):
    """normalized_affine and running_average_ (one fused CuPy kernel each), and batch_norm_stats with the running
    statistics it updates (one csrc launch for float32, array code for float64), against the CPU's."""
    import cupy
    cpu, cuda = backends.get("cpu"), backends.get("cuda")
    rng = np.random.default_rng(4)
    mean, var, weight, bias, running = (rng.standard_normal(7).astype(dtype) for _ in range(5))
    var = np.abs(var)
    x = (rng.standard_normal((3, 7, 5)) * 2 + 1).astype(dtype)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    # the running variance a strided view: updated in place all the same (the array version runs)
    device_running = dict(running_mean=cupy.asarray(running), running_var=cupy.asarray(np.repeat(var, 2))[::2])
    host_running = dict(running_mean=running.copy(), running_var=var.copy())
    stats = cuda.batch_norm_stats(cupy.asarray(x), 1e-5, **device_running, momentum=0.2)
    np.testing.assert_allclose(cupy.asnumpy(stats), cpu.batch_norm_stats(x, 1e-5, **host_running, momentum=0.2), **tol)
    for name in host_running:
        np.testing.assert_allclose(cupy.asnumpy(device_running[name]), host_running[name], **tol)
    invstd = 1 / np.sqrt(var + 1e-5)
    ours = cuda.normalized_affine(*map(cupy.asarray, (x, mean, invstd, weight, bias)))
    np.testing.assert_allclose(cupy.asnumpy(ours), cpu.normalized_affine(x, mean, invstd, weight, bias), **tol)
    on_device = cupy.asarray(running.astype(np.float32))
    cuda.running_average_(on_device, cupy.asarray(var), 0.1, 5 / 4)
    on_host = running.astype(np.float32)
    cpu.running_average_(on_host, var, 0.1, 5 / 4)
    np.testing.assert_allclose(cupy.asnumpy(on_device), on_host, rtol=1e-6)


@on_gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.filterwarnings("ignore:overflow encountered in exp")  # the fake CuPy evaluates e⁻ˣ with numpy
def test_sigmoid_kernel_agrees_with_the_cpu_out_to_where_the_exponential_overflows(dtype):
    """The GPU's fused 1/(1 + e⁻ˣ) lets e⁻ˣ overflow to inf below x ≈ -88 (float32): 1/(1 + inf) = 0, the limit,
    where the CPU's e^-|x| form still reaches the subnormal numbers (e⁻¹⁰⁰ ≈ 4e-44): they agree to below the
    smallest normal float."""
    import cupy
    x = np.array([-1000, -100, -50, -5, -1e-3, 0, 1e-3, 5, 50, 100, 1000], dtype=dtype)
    expected = backends.get("cpu").sigmoid(x)
    ours = cupy.asnumpy(backends.get("cuda").sigmoid(cupy.asarray(x)))
    assert ours.dtype == dtype
    np.testing.assert_allclose(ours, expected, rtol=1e-6 if dtype == np.float32 else 1e-14, atol=np.finfo(dtype).tiny)


@on_gpu
@pytest.mark.skipif(not fake_cupy.installed(), reason="on a GPU, CuPy compiles the kernels itself in every test")
def test_cupy_elementwise_kernels_compile_with_nvrtc():
    """The C operations of backend/cuda's CuPy elementwise kernels, which the fake CuPy evaluates as numpy
    expressions, compile with NVRTC inside a loop written as CuPy writes it (float32)."""
    from kernel_helpers import nvrtc_compile
    for module in ("norm", "fused", "optim"):
        importlib.import_module(f"nanogan.backend.cuda.{module}")
    kernels = {k.name: k for k in fake_cupy.elementwise_kernels}  # re-imports of the backend make them again
    assert {"nanogan_batch_norm_second_order_coefficients", "nanogan_sigmoid",
            "nanogan_adam_corrections"} <= set(kernels)
    nvrtc_compile("typedef float T;\ntypedef float S;\n" + "".join(k.cuda_source() for k in kernels.values()))


@on_gpu
@pytest.mark.skipif(not fake_cupy.installed(), reason="checks the fake CuPy against what CuPy refuses")
def test_the_fake_cupy_refuses_kernel_arguments_as_cupy_does():
    """CuPy casts no array to an elementwise kernel's declared dtype and grows no output by broadcasting
    (cupy/_core/_kernel.pyx), and passes a Python number to a RawKernel as an int64 or a double, whatever the
    parameter (cupy/cuda/function.pyx): the fake refuses each, so that a backend relying on them fails here too."""
    import cupy
    scale = cupy.ElementwiseKernel("float64 s, T x", "T y", "y = x * s", "scale")
    x = cupy.asarray(np.ones(3, np.float32))
    np.testing.assert_array_equal(cupy.asnumpy(scale(2.0, x)), 2 * np.ones(3))
    with pytest.raises(TypeError, match="Type is mismatched"):
        scale(cupy.asarray(np.float32(2)), x)
    with pytest.raises(ValueError, match="Out shape is mismatched"):
        scale(2.0, x, cupy.asarray(np.ones(1, np.float32)))
    launch = cupy.RawModule(code="").get_function("leaky_relu_fwd")
    y = cupy.asarray(np.zeros(3, np.float32))
    launch((1,), (32,), (x, y, np.int32(3), np.float32(0.5)))
    with pytest.raises(TypeError, match="int n given a int"):
        launch((1,), (32,), (x, y, 3, np.float32(0.5)))
    with pytest.raises(TypeError, match="grid and block must be tuples"):
        launch([1], [32], (x, y, np.int32(3), np.float32(0.5)))


@on_gpu
@pytest.mark.parametrize("shape", [(3, 4, 10), (1, 6, 7), (5, 2, 1)])
def test_batch_norm_second_order_pass_agrees_with_the_cpu(shape):
    """batch_norm_input_grad_backward, float32 (two batch_norm_grad_sums launches and two fused kernels, from the
    three per-channel sums Σ G, Σ G·x̂, Σ G·g) against the CPU's array code of the stated formulas in float64, for
    every subset of the gradients asked for; one channel has weight 0, where the coefficients must not divide."""
    import cupy
    cpu, cuda = backends.get("cpu"), backends.get("cuda")
    rng = np.random.default_rng(6)
    x = (rng.standard_normal(shape) * 3 + 2).astype(np.float32)
    g, grad_dx = (rng.standard_normal(shape).astype(np.float32) for _ in range(2))
    mean, _, invstd = cpu.batch_norm_stats(x, 1e-5)
    weight = rng.standard_normal(shape[1]).astype(np.float32)
    weight[0] = 0.0
    arrays = [x, g, mean, invstd, weight, *cpu.batch_norm_backward_reduce(x, g, mean, invstd), grad_dx]
    expected = cpu.batch_norm_input_grad_backward(*(a.astype(np.float64) for a in arrays), (True,) * 4)
    for needs in itertools.product([False, True], repeat=4):
        ours = cuda.batch_norm_input_grad_backward(*map(cupy.asarray, arrays), needs)
        for what, wanted, mine, theirs in zip(("dx", "dg", "dw", "dS"), needs, ours, expected):
            assert (mine is None) == (not wanted), f"{what} for needs {needs}"
            if wanted:
                np.testing.assert_allclose(cupy.asnumpy(mine), theirs, rtol=1e-4, atol=1e-4 * np.abs(theirs).max(),
                                           err_msg=f"{what} for needs {needs}")


@on_gpu
def test_input_checks_run_on_the_device_and_raise_at_the_next_host_read():
    """cross_entropy's label check, binary_cross_entropy's range check and gaussian_nll_loss's variance check queue
    a reduction instead of reading the device; the error comes with the next host read, and only once."""
    x = ng.randn(3, 2, device="cuda")
    loss = F.cross_entropy(x, ng.tensor([0, 1, 2], device="cuda"))  # queued, not read: no error yet
    with pytest.raises(IndexError, match=r"cross_entropy: a target .* out of bounds for 2 classes .*next host read"):
        loss.item()
    expected = F.cross_entropy(ng.tensor(x.numpy()), ng.tensor([0, 1, -100]))
    np.testing.assert_allclose(F.cross_entropy(x, ng.tensor([0, 1, -100], device="cuda")).item(), expected.item(),
                               rtol=1e-6)
    with pytest.raises(ValueError, match="binary_cross_entropy: all elements of input .* between 0 and 1"):
        F.binary_cross_entropy(ng.full((2,), 1.5, device="cuda"), ng.zeros(2, device="cuda")).numpy()
    with pytest.raises(ValueError, match="gaussian_nll_loss: var .* has negative entries"):
        F.gaussian_nll_loss(x, x, -ng.ones(3, 2, device="cuda")).item()


@on_gpu
@pytest.mark.parametrize("read", ["a boolean mask", "a number"])
def test_a_step_that_waits_for_the_device_cannot_be_recorded(read):
    """A mask picks as many elements as it has Trues, which CuPy counts on the host, and float() reads a value:
    each waits for the device, which a stream being captured cannot do, so recording the step fails, clearly."""
    from nanogan.backend.cuda import graphs
    x = ng.randn(6, device="cuda")
    step = (lambda: x[x > 0].sum()) if read == "a boolean mask" else (lambda: x * float(x.array[0]))
    with pytest.raises(RuntimeError, match="capture: the step cannot be recorded as a CUDA graph"):
        graphs.capture(step, warmup=0)
    (x * 2).numpy()  # the stream works again


@on_gpu
def test_a_recorded_step_joins_more_than_eight_arrays_as_eager_steps_do():
    """CuPy joins more than 8 arrays in one kernel that reads their addresses from a table it copies over from a host
    buffer, which a graph would record and replay from a buffer CuPy reuses. A recorded step with a cat of 9 tensors
    and the gradient norm of a network of 10 parameters (as every variant's update logs) joins them one by one
    instead, and its replays train as eager steps do."""
    from nanogan.backend.cuda import graphs
    from nanogan.gan.variants.base import gradient_norm
    ng.manual_seed(0)
    model = nn.Sequential(*(nn.Linear(3, 3) for _ in range(5))).to("cuda")
    twin = copy.deepcopy(model)
    x = ng.randn(4, 3, device="cuda")

    def step_of(network):
        optimizer = optim.SGD(network.parameters(), lr=0.05)

        def step():
            optimizer.zero_grad()
            y = network(x)
            loss = ng.cat([y * k for k in range(1, 10)], dim=1).square().mean()
            loss.backward()
            norm = gradient_norm(network.parameters())
            optimizer.step()
            return loss, norm
        return step

    captured = graphs.capture(step_of(model), warmup=1)
    eager = step_of(twin)
    eager()
    for _ in range(3):
        recorded, expected = captured.replay(), eager()
        for a, b in zip(recorded, expected):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5)


@on_gpu
def test_a_classifier_step_with_cross_entropy_records_as_a_cuda_graph():
    """Capture refuses every host read, so recording proves the step (label check included) never waits."""
    from nanogan.backend.cuda import graphs
    ng.manual_seed(0)
    model = nn.Linear(4, 3).to("cuda")
    optimizer = optim.SGD(model.parameters(), lr=0.5)
    x, labels = ng.randn(6, 4, device="cuda"), ng.tensor([0, 1, 2, 2, 1, 0], device="cuda")
    captured = graphs.capture(_regression_step(model, optimizer, x, labels, F.cross_entropy), warmup=1)
    first = float(captured.replay().item())
    for _ in range(20):
        captured.replay()
    assert float(captured.replay().item()) < first


@on_gpu
@pytest.mark.skipif(not fake_cupy.installed(), reason="counts host reads on tests/fake_cupy.py; on a GPU, recording "
                    "the steps as CUDA graphs proves the same (test_wgan_gp_critic_step_is_stream_ordered...)")
@pytest.mark.parametrize("networks", ["wgan-gp mnist", "dcgan, batch-norm critic", "conditional wgan-gp mnist"])
@pytest.mark.filterwarnings("ignore:WGANGP. the critic's layer")  # batch norm in a WGAN-GP critic: said, and meant
def test_eager_wgan_gp_steps_never_wait_for_the_device(networks):
    """The issue's rule: no host synchronisation inside a training step. Eager steps of nanogan.gan.WGANGP, the
    trainer's own, make no host read (item, float, bool, asnumpy: each waits for the device). The conditional
    models' one_hot read the labels' range on the host, twice a call, and as_labels took a device batch's labels
    through the host."""
    from nanogan import gan
    ng.manual_seed(0)
    real = np.random.default_rng(0).random((3, 1, 28, 28))
    if networks == "wgan-gp mnist":
        G, D = models.WGANGPMNISTGenerator(dim=4, latent_dim=8), models.WGANGPMNISTCritic(dim=4)
    elif networks == "conditional wgan-gp mnist":
        G, D = models.conditional_wgangp_mnist(dim=4, n_classes=3, latent_dim=8)
    else:
        G, D = models.DCGANGenerator(16, latent_dim=8, dim=4), models.DCGANDiscriminator(16, dim=4)
        real = np.random.default_rng(0).random((3, 1, 16, 16)) * 2 - 1
    conditional = networks.startswith("conditional")
    variant = (gan.ConditionalWGANGP if conditional else gan.WGANGP)(G.to("cuda"), D.to("cuda"),
                                                                     **({"n_classes": 3} if conditional else {}))
    batch = ng.tensor(real.astype(np.float32), device="cuda")
    if conditional:
        batch = (batch, ng.tensor([0, 2, 1], device="cuda"))
    variant.critic_step(batch)  # lazy state (optimiser moments) exists from here on
    variant.generator_step(3)
    fake_cupy.calls.clear()
    numbers = {**variant.critic_step(batch), **variant.generator_step(3)}
    assert fake_cupy.calls[fake_cupy.HOST_READ] == 0, "a training step read a value on the host"
    assert all(np.isfinite(float(v.numpy())) for v in numbers.values())


@on_gpu
@pytest.mark.skipif(not fake_cupy.installed(), reason="counts host reads on tests/fake_cupy.py")
def test_a_logged_training_iteration_waits_for_the_device_once(tmp_path):
    """Logging every iteration reads its numbers (losses, penalty, gradient norms: six for WGAN-GP) from the
    device in one copy, so the host waits once an iteration, not once a number; the steps themselves read
    nothing."""
    from nanogan import gan
    from nanogan.data import DataLoader, get_toy
    ng.manual_seed(0)
    G, D = models.ToyGenerator(hidden=8).to("cuda"), models.ToyCritic(hidden=8).to("cuda")
    points = get_toy("ring8_wgangp")(64, np.random.default_rng(0))
    trainer = gan.Trainer(gan.WGANGP(G, D, "official-toy", batch_size=16), DataLoader(points, batch_size=16, seed=3),
                          tmp_path, progress=False, n_samples=4, log_every=1)
    reads = []
    trainer.every(1, lambda _: reads.append(fake_cupy.calls[fake_cupy.HOST_READ]))
    trainer.fit(4)
    assert np.diff(reads).tolist() == [1, 1, 1]
    logged = gan.read_log(trainer.log_path)[-1]
    assert len(logged) > 8 and all(np.isfinite(v) for v in logged.values())


def _wgan_gp_critic_step(G, D, optimizer, real, z, eps):
    def step():
        optimizer.zero_grad()
        with ng.no_grad():
            fake = G(z)
        x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_()
        (g,) = ng.grad(D(x_hat).sum(), [x_hat], create_graph=True)
        loss = D(fake).mean() - D(real).mean() + 10 * unit_norm_penalty(g).mean()
        loss.backward()
        optimizer.step()
        return loss
    return step


@on_gpu
@pytest.mark.parametrize("networks", ["wgan-gp mnist, sgd", "dcgan with a batch-norm critic, capturable adam"])
@pytest.mark.filterwarnings("ignore:WGANGP. the critic's layer")
def test_wgan_gp_critic_step_is_stream_ordered_and_replays_like_eager(networks):
    """Recording fails on any host read or host copy, so a captured step proves the critic step (convolutions,
    the penalty's double backward, the optimiser) queues its work without waiting for the device. Replays must
    train as eager steps do: the parameters, and batch norm's running statistics and batch count too."""
    from nanogan.backend.cuda import graphs
    from nanogan.models import DCGANDiscriminator, DCGANGenerator, WGANGPMNISTCritic, WGANGPMNISTGenerator
    ng.manual_seed(0)
    rng = np.random.default_rng(0)
    if networks.startswith("wgan-gp"):
        G, D, image, latent = WGANGPMNISTGenerator(dim=8, latent_dim=16), WGANGPMNISTCritic(dim=8), (1, 28, 28), 16
        make_optimizer = lambda p: optim.SGD(p, lr=1e-3, momentum=0.9)  # noqa: E731
    else:
        G, D, image, latent = DCGANGenerator(16, latent_dim=8, dim=4), DCGANDiscriminator(16, dim=4), (1, 16, 16), 8
        make_optimizer = lambda p: optim.Adam(p, lr=1e-3, betas=(0.5, 0.9), capturable=True)  # noqa: E731
    G, D = G.to("cuda"), D.to("cuda")
    twin = copy.deepcopy(D)
    real, z, eps = (ng.tensor(a.astype(np.float32), device="cuda")
                    for a in (rng.random((6, *image)), rng.standard_normal((6, latent)), rng.random((6, 1, 1, 1))))
    step = graphs.capture(_wgan_gp_critic_step(G, D, make_optimizer(D.parameters()), real, z, eps), warmup=2)
    eager = _wgan_gp_critic_step(G, twin, make_optimizer(twin.parameters()), real, z, eps)
    for _ in range(2):
        eager()
    for _ in range(3):
        np.testing.assert_allclose(step.replay().numpy(), eager().numpy(), rtol=1e-4)
    ours, theirs = D.state_dict(), twin.state_dict()
    assert ours.keys() == theirs.keys()
    for name in ours:
        np.testing.assert_allclose(ours[name].numpy(), theirs[name].numpy(), rtol=1e-4, atol=1e-6, err_msg=name)
    if networks.startswith("dcgan"):  # the critic saw 3 batches a step (x_hat, fake, real) in 5 steps: 2 + 3 replays
        counts = [int(ours[k]) for k in ours if k.endswith("num_batches_tracked")]
        assert counts and all(count == 15 for count in counts)


@on_gpu
@pytest.mark.parametrize("scheduled", [False, True], ids=["constant-lr", "lr-decayed-by-a-hook"])
def test_trainer_replaying_cuda_graphs_trains_like_eager_steps(tmp_path, scheduled):
    """Trainer(cuda_graph=True): the first critic and generator steps run eagerly and are recorded, every later
    step refills the graph's inputs with the same draws an eager step makes and replays it; four iterations
    (20 critic steps) must land where eager training lands, and log the same numbers. So too with both lrs
    decayed after each iteration by schedulers in a trainer hook: the graphs' Adam reads lr on the device."""
    from nanogan import gan
    from nanogan.data import DataLoader, get_toy
    points = get_toy("ring8_wgangp")(96, np.random.default_rng(0))

    def train(cuda_graph):
        ng.manual_seed(0)
        G, D = models.ToyGenerator(hidden=16).to("cuda"), models.ToyCritic(hidden=16).to("cuda")
        trainer = gan.Trainer(gan.WGANGP(G, D, "official-toy", batch_size=16),
                              DataLoader(points, batch_size=16, seed=3),
                              tmp_path / str(cuda_graph), progress=False, n_samples=4, cuda_graph=cuda_graph)
        if scheduled:
            schedulers = [optim.lr_scheduler.LambdaLR(opt, lambda epoch: 10.0 ** -epoch)
                          for opt in (trainer.variant.opt_D, trainer.variant.opt_G)]
            trainer.every(1, lambda _: [scheduler.step() for scheduler in schedulers])
        trainer.fit(4)
        return trainer

    eager, graphed = train(False), train(True)
    assert len(graphed.steps._recorded) == 2  # one critic graph, one generator graph, replayed ever since
    for ours, theirs in zip([*graphed.variant.G.parameters(), *graphed.variant.D.parameters()],
                            [*eager.variant.G.parameters(), *eager.variant.D.parameters()]):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-4, atol=1e-6)
    for ours, theirs in zip(gan.read_log(graphed.log_path), gan.read_log(eager.log_path)):
        for key in ("d_loss", "gradient_penalty", "g_loss", "d_grad_norm"):
            np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-3, atol=1e-6, err_msg=key)

