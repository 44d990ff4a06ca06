"""Normalisations: batch_norm (training and eval, with and without affine), instance_norm,
layer_norm, group_norm, and the backend kernels behind them. Finite differences to second order (a gradient
penalty through a normalised critic differentiates the backward), PyTorch to third order,
running-statistic updates, errors."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import nanogan as ng
import nanogan.nn.functional as F
from nanogan.backend.cpu.threads import SERIAL_BELOW
from nanogan import nn
from harness import check_op
from harness import assert_matches_torch, compare_with_torch, penalise_input_gradient, refused_as_by_torch

rng = np.random.default_rng(3)


def _reference_batch_norm(x, weight, bias, axes, eps=1e-5):
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _channel_shaped(v, ndim):
    return v.reshape((1, -1) + (1,) * (ndim - 2))


# ---- the kernels' interface (the CUDA backend provides the same names) -----------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(5, 3, 1), (2, 4, 7), (1, 2, 33)])
def test_kernels_against_numpy(shape, dtype):
    backend = ng.tensor(0.0).backend
    x = (rng.standard_normal(shape) * 3 + 2).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    w = rng.standard_normal(shape[1]).astype(dtype)
    tol = dict(rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-5 if dtype == np.float32 else 1e-12)
    running_mean, running_var = rng.standard_normal(shape[1]).astype(dtype), rng.random(shape[1]).astype(dtype)
    expected_running = (0.7 * running_mean + 0.3 * x.mean(axis=(0, 2)),
                        0.7 * running_var + 0.3 * x.var(axis=(0, 2), ddof=1))
    stats = backend.batch_norm_stats(x[:, :, ::-1], 1e-5, running_mean=running_mean, running_var=running_var,
                                     momentum=0.3)  # a view is fine
    assert stats.shape == (3, shape[1]) and stats.dtype == dtype
    mean, var, invstd = stats
    np.testing.assert_allclose(mean, x.mean(axis=(0, 2)), **tol)
    np.testing.assert_allclose(var, x.var(axis=(0, 2)), **tol)
    np.testing.assert_allclose(invstd, 1 / np.sqrt(x.var(axis=(0, 2)) + 1e-5), **tol)
    for updated, expected in zip((running_mean, running_var), expected_running):
        np.testing.assert_allclose(updated, expected, **tol)
    np.testing.assert_allclose(backend.batch_norm_stats(x, 1e-5), stats, **tol)  # without running statistics
    xhat = (x - mean[:, None]) * invstd[:, None]
    np.testing.assert_allclose(backend.channel_affine(x, w, invstd), x * w[:, None] + invstd[:, None], **tol)
    sum_g, sum_g_xhat = backend.batch_norm_backward_reduce(x, g, mean, invstd)
    np.testing.assert_allclose(sum_g, g.sum(axis=(0, 2)), **tol)
    np.testing.assert_allclose(sum_g_xhat, (g * xhat).sum(axis=(0, 2)), **tol)
    count = shape[0] * shape[2]
    dx = backend.batch_norm_backward_elemt(x, g, mean, invstd, w, sum_g, sum_g_xhat)
    expected = (w * invstd)[:, None] * (g - sum_g[:, None] / count - xhat * sum_g_xhat[:, None] / count)
    np.testing.assert_allclose(dx, expected, **tol)


# ---- finite differences, first and second order, three layouts -------------------------------
batch_norm_shapes = st.tuples(st.integers(2, 3), st.integers(1, 3),
                              st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple)) \
    .map(lambda t: (t[0], t[1]) + t[2])


@given(batch_norm_shapes, st.booleans())
def test_batch_norm_training_gradcheck(shape, affine):
    x = rng.standard_normal(shape) * 2 + 1
    channels = shape[1]
    axes = (0,) + tuple(range(2, len(shape)))
    if affine:
        w, b = rng.standard_normal(channels), rng.standard_normal(channels)
        expected = _reference_batch_norm(x, _channel_shaped(w, x.ndim), _channel_shaped(b, x.ndim), axes)
        check_op(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [x, w, b], expected)
    else:
        expected = _reference_batch_norm(x, 1.0, 0.0, axes)
        check_op(lambda x: F.batch_norm(x, None, None, training=True), [x], expected)


def test_batch_norm_training_2d_and_4d_second_order_with_running_stats():
    for shape in [(4, 3), (2, 3, 2, 2)]:
        x, w, b = rng.standard_normal(shape), rng.standard_normal(3), rng.standard_normal(3)

        def fn(x, w, b):  # running statistics are updated on every call but do not affect the output
            return F.batch_norm(x, ng.zeros(3, dtype=ng.float64), ng.ones(3, dtype=ng.float64), w, b, True)
        check_op(fn, [x, w, b])


def test_batch_norm_eval_gradcheck():
    x = rng.standard_normal((3, 2, 2, 2))
    running_mean = ng.tensor(rng.standard_normal(2))
    running_var = ng.tensor(rng.random(2) + 0.5)
    w, b = rng.standard_normal(2), rng.standard_normal(2)
    expected = ((x - _channel_shaped(running_mean.numpy(), 4)) / np.sqrt(_channel_shaped(running_var.numpy(), 4)
                                                                         + 1e-5) * _channel_shaped(w, 4)
                + _channel_shaped(b, 4))
    check_op(lambda x, w, b: F.batch_norm(x, running_mean, running_var, w, b), [x, w, b], expected)
    check_op(lambda x: F.batch_norm(x, running_mean, running_var) ** 2, [x])


@pytest.mark.parametrize("shape,normalized_shape,affine", [((3, 4), (4,), True), ((2, 3, 4), (3, 4), True),
                                                          ((2, 1, 3), (3,), False), ((5,), 5, False)])
def test_layer_norm_gradcheck(shape, normalized_shape, affine):
    x = rng.standard_normal(shape)
    trailing = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
    axes = tuple(range(x.ndim - len(trailing), x.ndim))
    if affine:
        w, b = rng.standard_normal(trailing), rng.standard_normal(trailing)
        check_op(lambda x, w, b: F.layer_norm(x, normalized_shape, w, b), [x, w, b],
                 _reference_batch_norm(x, w, b, axes))
    else:
        check_op(lambda x: F.layer_norm(x, normalized_shape), [x], _reference_batch_norm(x, 1.0, 0.0, axes))


@pytest.mark.parametrize("shape", [(2, 3, 4), (2, 2, 2, 3)])
def test_instance_norm_gradcheck(shape):
    x, w, b = rng.standard_normal(shape), rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
    axes = tuple(range(2, len(shape)))
    expected = _reference_batch_norm(x, _channel_shaped(w, x.ndim), _channel_shaped(b, x.ndim), axes)
    check_op(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), [x, w, b], expected)


@pytest.mark.parametrize("shape,groups", [((2, 6, 3), 3), ((3, 4), 2), ((2, 4, 2, 3), 1)])
def test_group_norm_gradcheck(shape, groups):
    x, w, b = rng.standard_normal(shape), rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
    grouped = x.reshape((shape[0], groups, -1))
    expected = _reference_batch_norm(grouped, 1.0, 0.0, (2,)).reshape(shape)
    expected = expected * _channel_shaped(w, x.ndim) + _channel_shaped(b, x.ndim)
    check_op(lambda x, w, b: F.group_norm(x, groups, w, b), [x, w, b], expected)


def test_gradient_penalty_through_a_batch_normalised_critic():
    """‖∂D/∂x‖² with D = Σ tanh(batch_norm(x)·v): what WGAN-GP differentiates, checked to second order."""
    v = ng.tensor(rng.standard_normal((1, 3, 1)))

    def penalty(x, w):
        critic = (F.batch_norm(x, None, None, w, None, training=True) * v).tanh().sum()
        (gx,) = ng.grad(critic, x, create_graph=True)
        return (gx * gx).sum()
    check_op(penalty, [rng.standard_normal((3, 3, 2)), rng.standard_normal(3)], layouts=("contiguous",),
             second_order=False)


# ---- PyTorch: values, gradients, double backward, running statistics ------------------------
@pytest.mark.parametrize("shape,affine", [((6, 4), True), ((3, 4, 3, 5), True), ((3, 4, 7), False)])
def test_batch_norm_training_matches_torch(shape, affine):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal(shape) * 3 + 1
    params = [rng.standard_normal(shape[1]), rng.standard_normal(shape[1])] if affine else []
    ng_mean, ng_var = ng.tensor(rng.standard_normal(shape[1])), ng.tensor(rng.random(shape[1]) + 0.5)
    torch_mean, torch_var = torch.tensor(ng_mean.numpy()), torch.tensor(ng_var.numpy())
    compare_with_torch(lambda x, *p: F.batch_norm(x, ng_mean, ng_var, *p, training=True, momentum=0.3).tanh(),
                       lambda x, *p: torch.nn.functional.batch_norm(x, torch_mean, torch_var, *p, training=True,
                                                                    momentum=0.3).tanh(),
                       [x] + params)
    np.testing.assert_allclose(ng_mean.numpy(), torch_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ng_var.numpy(), torch_var.numpy(), rtol=1e-12)  # unbiased batch variance


def test_batch_norm_eval_matches_torch():
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((4, 3, 2, 2))
    mean, var = rng.standard_normal(3), rng.random(3) + 0.5
    compare_with_torch(lambda x, w, b: F.batch_norm(x, ng.tensor(mean), ng.tensor(var), w, b).tanh(),
                       lambda x, w, b: torch.nn.functional.batch_norm(x, torch.tensor(mean), torch.tensor(var),
                                                                      w, b).tanh(),
                       [x, rng.standard_normal(3), rng.standard_normal(3)])


def test_layer_norm_matches_torch():
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((3, 2, 5))
    compare_with_torch(lambda x, w, b: F.layer_norm(x, (2, 5), w, b).tanh(),
                       lambda x, w, b: torch.nn.functional.layer_norm(x, (2, 5), w, b).tanh(),
                       [x, rng.standard_normal((2, 5)), rng.standard_normal((2, 5))])


GROUP_NORM_SHAPES = [((2, 6, 3, 4), 3), ((3, 4), 2), ((2, 4, 5), 4), ((2, 6, 5), 1), ((1, 6, 7, 5), 2)]


@pytest.mark.parametrize("dtype,tol", [(np.float64, dict(rtol=1e-6, atol=1e-9)),
                                       (np.float32, dict(rtol=1e-3, atol=1e-4))])
@pytest.mark.parametrize("params", ["weight and bias", "weight", "none"])
@pytest.mark.parametrize("shape,groups", GROUP_NORM_SHAPES)
def test_group_norm_matches_torch(shape, groups, params, dtype, tol):
    """Value, gradient and double backward (into x, weight, bias and the output gradient), groups of one channel
    (instance norm), of all of them (layer norm) and in between."""
    torch = pytest.importorskip("torch")
    x = rng.standard_normal(shape) * 2 + 1
    arrays = [x] + [rng.standard_normal(shape[1]) for _ in range({"weight and bias": 2, "weight": 1, "none": 0}[params])]
    y = compare_with_torch(lambda x, *p: F.group_norm(x, groups, *p).tanh(),
                           lambda x, *p: torch.nn.functional.group_norm(x, groups, *p).tanh(),
                           arrays, dtype=dtype, **tol)
    assert y.dtype == dtype


def test_group_norm_layer_and_an_empty_batch_match_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = ng.nn.GroupNorm(2, 6).double(), torch.nn.GroupNorm(2, 6).double()
    y = compare_with_torch(lambda x: ours(x).tanh(), lambda x: theirs(x).tanh(), [rng.standard_normal((3, 6, 4, 2))])
    assert y.shape == (3, 6, 4, 2) and repr(ours) == repr(theirs) == "GroupNorm(2, 6, eps=1e-05, affine=True, bias=True)"
    y = compare_with_torch(lambda x, w, b: F.group_norm(x, 3, w, b),
                           lambda x, w, b: torch.nn.functional.group_norm(x, 3, w, b),
                           [rng.standard_normal((0, 6, 4)), rng.standard_normal(6), rng.standard_normal(6)])
    assert y.shape == (0, 6, 4)


def test_instance_norm_matches_torch_including_running_stats():
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((3, 2, 4, 3))
    ng_mean, ng_var = ng.zeros(2, dtype=ng.float64), ng.ones(2, dtype=ng.float64)
    torch_mean, torch_var = torch.zeros(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64)
    compare_with_torch(lambda x, w, b: F.instance_norm(x, ng_mean, ng_var, w, b, momentum=0.2).tanh(),
                       lambda x, w, b: torch.nn.functional.instance_norm(x, torch_mean, torch_var, w, b,
                                                                         momentum=0.2).tanh(),
                       [x, rng.standard_normal(2), rng.standard_normal(2)])
    np.testing.assert_allclose(ng_mean.numpy(), torch_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ng_var.numpy(), torch_var.numpy(), rtol=1e-12)
    compare_with_torch(lambda x: F.instance_norm(x, ng_mean, ng_var, use_input_stats=False),
                       lambda x: torch.nn.functional.instance_norm(x, torch_mean, torch_var, use_input_stats=False),
                       [x])


@pytest.mark.parametrize("shape", [(0, 3, 2, 2), (2, 3, 0, 2)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_of_an_empty_batch_matches_torch(shape, training):
    """No values per channel failed with numpy's "cannot reshape array of size 0" (eval) or a "more than 1 value"
    error (training); PyTorch gives an empty output, zero gradients for w and b, and keeps its running statistics."""
    torch = pytest.importorskip("torch")
    mean, var = rng.standard_normal(3), rng.random(3) + 0.5
    ng_mean, ng_var = ng.tensor(mean.copy()), ng.tensor(var.copy())
    torch_mean, torch_var = torch.tensor(mean), torch.tensor(var)
    y = compare_with_torch(lambda x, w, b: F.batch_norm(x, ng_mean, ng_var, w, b, training=training),
                           lambda x, w, b: torch.nn.functional.batch_norm(x, torch_mean, torch_var, w, b,
                                                                          training=training),
                           [rng.standard_normal(shape), rng.standard_normal(3), rng.standard_normal(3)])
    assert y.shape == shape
    np.testing.assert_array_equal(ng_mean.numpy(), torch_mean.numpy())
    np.testing.assert_array_equal(ng_var.numpy(), torch_var.numpy())


def test_instance_norm_layer_takes_one_unbatched_image_as_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = ng.nn.InstanceNorm2d(2, affine=True).double(), torch.nn.InstanceNorm2d(2, affine=True).double()
    x = rng.standard_normal((2, 4, 3))
    y = compare_with_torch(lambda x: ours(x).tanh(), lambda x: theirs(x).tanh(), [x])
    assert y.shape == (2, 4, 3)
    with pytest.raises(ValueError, match=r"InstanceNorm2d\(2\): expected an input with 4 dimensions"):
        ours(ng.zeros(2, 4))


def test_layer_norm_and_instance_norm_of_an_empty_batch_match_torch():
    torch = pytest.importorskip("torch")
    y = compare_with_torch(lambda x, w, b: F.layer_norm(x, (2, 5), w, b),
                           lambda x, w, b: torch.nn.functional.layer_norm(x, (2, 5), w, b),
                           [rng.standard_normal((0, 2, 5)), rng.standard_normal((2, 5)), rng.standard_normal((2, 5))])
    assert y.shape == (0, 2, 5)
    y = compare_with_torch(F.instance_norm, torch.nn.functional.instance_norm, [rng.standard_normal((0, 2, 4, 3))])
    assert y.shape == (0, 2, 4, 3)


def test_batch_norm_third_derivative_by_finite_differences():
    """Every derivative stays in the graph: the gradient of a second derivative against finite
    differences. (PyTorch's own third derivative of batch_norm fails this same check, so it cannot
    be the reference here.)"""
    def second_derivative(x, w):
        y = F.batch_norm(x, None, None, w, None, training=True)
        (gx,) = ng.grad((y.tanh() * y).sum(), x, create_graph=True)
        (gxx,) = ng.grad((gx * gx).sum(), x, create_graph=True)
        return gxx
    check_op(second_derivative, [rng.standard_normal((4, 2, 3)), rng.standard_normal(2)],
             layouts=("contiguous",), second_order=False)


@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_second_derivative_is_the_same_fused_and_composed(affine):
    """BatchNormInputGrad's backward runs as one pass of array code when no graph is recorded, and as tensor ops
    under create_graph: both must give every second derivative (into x, w and the output gradient v)."""
    x = ng.tensor(rng.standard_normal((3, 4, 5)) * 2 + 1, requires_grad=True)
    w = ng.tensor(rng.standard_normal(4), requires_grad=True) if affine else None
    v = ng.tensor(rng.standard_normal((3, 4, 5)), requires_grad=True)
    wrt = [x, v] + ([w] if affine else [])
    y = F.batch_norm(x, None, None, w, None, training=True)
    grads = ng.grad(y, wrt[:1] + wrt[2:], v, create_graph=True)
    total = sum((g * ng.tensor(rng.standard_normal(g.shape))).sum() for g in grads)
    composed = ng.grad(total, wrt, retain_graph=True, create_graph=True)
    fused = ng.grad(total, wrt)
    for name, a, b in zip(("x", "v", "w"), fused, composed):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


def test_float32_batch_norm_matches_torch_on_a_large_strided_input():
    torch = pytest.importorskip("torch")
    base = (rng.standard_normal((16, 16, 16, 32)) * 2 + 3).astype(np.float32)
    x_np = base[:, :, :, ::2]  # non-contiguous, and large enough for the kernels to run in parallel
    assert x_np.size >= SERIAL_BELOW
    w_np, b_np = rng.standard_normal(16).astype(np.float32), rng.standard_normal(16).astype(np.float32)
    g_np = rng.standard_normal(x_np.shape).astype(np.float32)
    x, w, b = (ng.tensor(a, requires_grad=True) for a in (x_np, w_np, b_np))
    tx, tw, tb = (torch.tensor(np.ascontiguousarray(a), requires_grad=True) for a in (x_np, w_np, b_np))
    y = F.batch_norm(x, None, None, w, b, training=True)
    ty = torch.nn.functional.batch_norm(tx, None, None, tw, tb, training=True)
    y.backward(ng.tensor(g_np))
    ty.backward(torch.tensor(g_np))
    assert y.dtype == ng.float32 and x.grad.dtype == ng.float32
    for ours, theirs in [(y, ty), (x.grad, tx.grad), (w.grad, tw.grad), (b.grad, tb.grad)]:
        np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-4, atol=1e-4)


# ---- errors ------------------------------------------------------------------------------------
def test_errors_name_the_op_and_shapes():
    x = ng.randn(4, 3, 2)
    with pytest.raises(ValueError, match=r"batch_norm: running_mean of shape \(4,\) does not match the 3 "
                                         r"channels of input of shape \(4, 3, 2\)"):
        F.batch_norm(x, ng.zeros(4), ng.ones(3))
    with pytest.raises(ValueError, match=r"batch_norm: weight of shape \(2,\)"):
        F.batch_norm(x, None, None, ng.ones(2), training=True)
    with pytest.raises(TypeError, match=r"batch_norm: expected floating-point tensors, got int64"):
        F.batch_norm(ng.tensor([[1, 2], [3, 4]]), None, None, training=True)
    with pytest.raises(ValueError, match=r"batch_norm: expected an input with at least 2 dimensions, got shape \(3,\)"):
        F.batch_norm(ng.randn(3), None, None, training=True)
    with pytest.raises(ValueError, match=r"batch_norm: expected more than 1 value per channel when training, "
                                         r"got input of shape \(1, 3\)"):
        F.batch_norm(ng.randn(1, 3), None, None, training=True)
    with pytest.raises(ValueError, match=r"batch_norm: eval mode \(training=False\) needs running_mean"):
        F.batch_norm(x, None, None)
    with pytest.raises(ValueError, match=r"layer_norm: input of shape \(4, 3, 2\) does not end with "
                                         r"normalized_shape \(3,\)"):
        F.layer_norm(x, 3)
    with pytest.raises(ValueError, match=r"layer_norm: weight of shape \(3,\) does not match normalized_shape \(2,\)"):
        F.layer_norm(x, 2, ng.ones(3))
    with pytest.raises(ValueError, match=r"instance_norm: expected an input with at least 3 dimensions"):
        F.instance_norm(ng.randn(4, 3))
    with pytest.raises(ValueError, match=r"instance_norm: expected more than 1 value per channel"):
        F.instance_norm(ng.randn(4, 3, 1))

    with pytest.raises(ValueError, match=r"group_norm: the 6 channels of input of shape \(2, 6, 3\) do not split "
                                         r"into 4 groups"):
        F.group_norm(ng.randn(2, 6, 3), 4)
    with pytest.raises(ValueError, match=r"group_norm: weight of shape \(3,\) does not match the 6 channels of "
                                         r"input of shape \(2, 6, 3\); expected \(6,\)"):
        F.group_norm(ng.randn(2, 6, 3), 2, ng.ones(3))
    with pytest.raises(ValueError, match=r"group_norm: bias of shape \(6, 1\) does not match"):
        F.group_norm(ng.randn(2, 6, 3), 2, ng.ones(6), ng.zeros(6, 1))
    with pytest.raises(ValueError, match=r"group_norm: expected an input with at least 2 dimensions, got shape \(6,\)"):
        F.group_norm(ng.randn(6), 2)
    with pytest.raises(ValueError, match=r"group_norm: num_groups must be an int >= 1, got 0"):
        F.group_norm(ng.randn(2, 6), 0)
    with pytest.raises(ValueError, match=r"GroupNorm: num_channels \(6\) must be divisible by num_groups \(4\)"):
        ng.nn.GroupNorm(4, 6)

def test_one_running_statistic_without_the_other_is_refused_as_pytorch_does():
    """Given running_mean alone, a training pass updated it and left running_var out, silently; PyTorch refuses."""
    running_mean = ng.zeros(3)
    with pytest.raises(ValueError, match=r"batch_norm: running_mean is given but running_var is None; give both "
                                         r"running statistics or neither"):
        F.batch_norm(ng.randn(4, 3), running_mean, None, training=True)
    assert np.array_equal(running_mean.numpy(), np.zeros(3))
    with pytest.raises(ValueError, match=r"batch_norm: running_var is given but running_mean is None"):
        F.batch_norm(ng.randn(4, 3), None, ng.ones(3))
    with pytest.raises(ValueError, match=r"instance_norm: running_mean is given but running_var is None"):
        F.instance_norm(ng.randn(2, 3, 4), ng.zeros(3))


def test_batch_norm_in_eval_refuses_a_negative_eps_as_pytorch_does():
    """eps = -0.5 was subtracted from the running variance: 1/sqrt(0.5) for a variance of 1, NaN below 0.5."""
    running_mean, running_var = ng.zeros(2), ng.ones(2)
    with pytest.raises(ValueError, match=r"batch_norm: eps must be a number >= 0, got -0.5"):
        F.batch_norm(ng.ones(3, 2), running_mean, running_var, eps=-0.5)
    np.testing.assert_array_equal(F.batch_norm(ng.ones(3, 2), running_mean, running_var, eps=0.0).numpy(), 1.0)


def test_batch_norm_in_training_refuses_eps_0_as_pytorch_does():
    """A channel of one value in the batch divided 0 by 0: NaN, silently."""
    with pytest.raises(ValueError, match=r"batch_norm: eps must be a number > 0 in training, got 0.0"):
        F.batch_norm(ng.ones(3, 2), None, None, training=True, eps=0.0)
    with pytest.raises(ValueError, match=r"batch_norm: eps must be a number > 0 in training"):
        ng.nn.BatchNorm1d(2, eps=0)(ng.ones(3, 2))


def test_norms_refuse_parameters_of_another_dtype_as_torch_does():
    """A float64 weight on a float32 input made layer_norm's output float64 without a word; PyTorch refuses."""
    x = ng.zeros(4, 3, 2, 2)
    double = ng.ones(3, dtype=ng.float64)
    for call, name in [(lambda: F.batch_norm(x, ng.zeros(3), ng.ones(3), weight=double), "batch_norm"),
                       (lambda: F.batch_norm(x, double * 0, double, training=True), "batch_norm"),
                       (lambda: F.instance_norm(x, weight=double), "instance_norm"),
                       (lambda: F.group_norm(x, 1, bias=double), "group_norm"),
                       (lambda: F.layer_norm(x, (2,), weight=ng.ones(2, dtype=ng.float64)), "layer_norm")]:
        with pytest.raises(TypeError, match=rf"{name}: input \(float32\) and \w+ \(float64\) must share one dtype"):
            call()


# ---- rms_norm and local_response_norm: compositions of elementwise ops, against torch to the second derivative --

def torch_functional():
    return pytest.importorskip("torch").nn.functional


@pytest.mark.parametrize("normalized_shape, weighted, eps", [((4,), True, None), ((3, 4), False, 1e-3),
                                                             ((3, 4), True, 0.0)])
def test_rms_norm_is_torchs_to_the_second_derivative(normalized_shape, weighted, eps):
    arrays = [np.random.default_rng(1).standard_normal((2, 3, 4))]
    if weighted:
        arrays.append(np.random.default_rng(2).standard_normal(normalized_shape))
    compare_with_torch(lambda x, *w: F.rms_norm(x, normalized_shape, *w, eps=eps),
                       lambda x, *w: torch_functional().rms_norm(x, normalized_shape, *w, eps=eps), arrays)


@pytest.mark.parametrize("shape, size, alpha, beta, k", [((2, 7, 3, 4), 3, 0.1, 0.75, 2.0),
                                                         ((2, 5, 6), 4, 1e-4, 0.75, 1.0),
                                                         ((1, 4, 2, 3, 2), 5, 0.5, 1.5, 0.5)])
def test_local_response_norm_is_torchs_to_the_second_derivative(shape, size, alpha, beta, k):
    compare_with_torch(lambda x: F.local_response_norm(x, size, alpha, beta, k),
                       lambda x: torch_functional().local_response_norm(x, size, alpha, beta, k),
                       [np.random.default_rng(3).standard_normal(shape)])


@pytest.mark.parametrize("call, error, message", [
    (lambda lib: lib.nn.functional.rms_norm(lib.ones(2, 3), (4,)), ValueError,
     r"rms_norm: input of shape \(2, 3\) does not end with normalized_shape \(4,\)"),
    (lambda lib: lib.nn.functional.rms_norm(lib.ones(2, 3), (3,), lib.ones(4)), ValueError,
     r"rms_norm: weight of shape \(4,\) does not match normalized_shape \(3,\)"),
    (lambda lib: lib.nn.functional.rms_norm(lib.ones(2, 3, dtype=lib.int64), (3,)), TypeError, "rms_norm"),
    (lambda lib: lib.nn.functional.local_response_norm(lib.ones(2, 3), 3), ValueError,
     r"local_response_norm: expected an \(N, C, \*\) input of 3 or more dimensions, got shape \(2, 3\)"),
    (lambda lib: lib.nn.functional.local_response_norm(lib.ones(2, 3, 4), 0), ValueError,
     "local_response_norm: size must be an int >= 1, got 0"),
])
def test_rms_and_local_response_norms_refuse_what_torch_refuses(call, error, message):
    refused_as_by_torch(call, error, message)


def test_rms_norm_and_local_response_norm_layers_are_torchs():
    torch = pytest.importorskip("torch")
    for ours, theirs, shape in [(nn.RMSNorm((3, 4)), torch.nn.RMSNorm((3, 4)), (2, 3, 4)),
                                (nn.RMSNorm(4, eps=1e-3, elementwise_affine=False),
                                 torch.nn.RMSNorm(4, eps=1e-3, elementwise_affine=False), (5, 4)),
                                (nn.LocalResponseNorm(3, 0.2, 0.5, 1.5), torch.nn.LocalResponseNorm(3, 0.2, 0.5, 1.5),
                                 (2, 5, 3, 3))]:
        assert repr(ours) == repr(theirs)
        assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
        theirs.double()
        for p_ours, p_theirs in zip(ours.parameters(), theirs.parameters()):
            p_theirs.data = torch.tensor(np.random.default_rng(4).standard_normal(tuple(p_theirs.shape)))
            p_ours.data = ng.tensor(p_theirs.data.numpy(), dtype=ng.float64)
        ours.to(ng.float64)
        penalise_input_gradient(ours, theirs, shape, 5)
        for p_ours, p_theirs in zip(ours.parameters(), theirs.parameters()):
            assert_matches_torch(p_ours.grad, p_theirs.grad, "parameter gradient of the penalty")
