"""Losses: finite differences to second order (into targets too, where PyTorch's flow), PyTorch
(values, gradients, double backward), saturated inputs, worked numbers, errors."""
import math
import re

import numpy as np
import pytest
from hypothesis import given, strategies as st

import nanogan as ng
import nanogan.nn.functional as F
from harness import check_op, away_from_kinks
from harness import compare_with_torch, refused_as_by_torch
from nanogan.ops.loss import unit_norm_penalty

rng = np.random.default_rng(4)
shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)
REDUCTIONS = ("mean", "sum", "none")


def _probabilities(shape):
    return rng.uniform(0.05, 0.95, shape)


# ---- finite differences, first and second order ----------------------------------------------
@given(shapes, st.sampled_from(REDUCTIONS))
def test_regression_losses_gradcheck_into_input_and_target(shape, reduction):
    x, t = rng.standard_normal(shape), rng.standard_normal(shape)
    diff = away_from_kinks(rng, shape)  # l1's kink is at x = t
    reduce = {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction]
    check_op(lambda x, t: F.mse_loss(x, t, reduction=reduction), [x, t], expected=reduce((x - t) ** 2))
    check_op(lambda x, t: F.l1_loss(x, t, reduction=reduction), [t + diff, t], expected=reduce(np.abs(diff)))


@given(shapes, st.sampled_from(REDUCTIONS), st.sampled_from([0.5, 1.0, 2.0]))
def test_huber_and_smooth_l1_gradcheck_into_input_and_target(shape, reduction, delta):
    t = rng.standard_normal(shape)
    diff = away_from_kinks(rng, shape, kinks=(-delta, 0.0, delta), scale=2 * delta)  # the pieces meet at ±δ
    reduce = {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction]
    huber = np.where(np.abs(diff) < delta, diff ** 2 / 2, delta * (np.abs(diff) - delta / 2))
    check_op(lambda x, t: F.huber_loss(x, t, reduction, delta), [t + diff, t], expected=reduce(huber))
    check_op(lambda x, t: F.smooth_l1_loss(x, t, reduction, beta=delta), [t + diff, t],
             expected=reduce(huber / delta))
    check_op(lambda x, t: F.smooth_l1_loss(x, t, reduction, beta=0.0), [t + diff, t],
             expected=reduce(np.abs(diff)))


@given(shapes, st.sampled_from(REDUCTIONS), st.booleans())
def test_binary_cross_entropy_gradcheck(shape, reduction, weighted):
    p, t = _probabilities(shape), rng.random(shape)
    weight = ng.tensor(rng.random(shape[-1:]) + 0.5, dtype=ng.float64) if weighted else None
    check_op(lambda p, t: F.binary_cross_entropy(p, t, weight, reduction=reduction), [p, t])


@given(shapes, st.sampled_from(REDUCTIONS), st.booleans())
def test_binary_cross_entropy_with_logits_gradcheck(shape, reduction, pos_weighted):
    z, t = rng.standard_normal(shape) * 3, rng.random(shape)
    pos_weight = rng.random(shape[-1:]) + 0.5
    if pos_weighted:
        check_op(lambda z, t, pw: F.binary_cross_entropy_with_logits(z, t, reduction=reduction, pos_weight=pw),
                 [z, t, pos_weight])
    else:
        expected = np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))
        expected = {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction](expected)
        check_op(lambda z, t: F.binary_cross_entropy_with_logits(z, t, reduction=reduction), [z, t], expected)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_gradcheck(reduction):
    logits, labels = rng.standard_normal((4, 3)), ng.tensor([0, 2, 1, 2])
    log_p = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    losses = -log_p[np.arange(4), labels.numpy()]
    expected = {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction](losses)
    check_op(lambda z: F.cross_entropy(z, labels, reduction=reduction), [logits], expected)
    check_op(lambda z: F.cross_entropy(z, labels, reduction=reduction, label_smoothing=0.2), [logits])
    probabilities = rng.dirichlet(np.ones(3), size=4)
    check_op(lambda z, t: F.cross_entropy(z, t, reduction=reduction), [logits, probabilities], grad_inputs=[0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_gradcheck(reduction):
    log_p, labels = rng.standard_normal((4, 3, 2)), ng.tensor([[0, 2], [1, -100], [2, 2], [1, 0]])
    weight = ng.tensor(rng.random(3) + 0.5, dtype=ng.float64)
    picked = np.array([[log_p[n, labels.numpy()[n, d], d] if labels.numpy()[n, d] >= 0 else 0.0 for d in range(2)]
                       for n in range(4)])
    expected = {"mean": -picked.sum() / 7, "sum": -picked.sum(), "none": -picked}[reduction]
    check_op(lambda x: F.nll_loss(x, labels, reduction=reduction), [log_p], expected)
    labels = ng.tensor([[0, 2], [1, 2], [2, 0], [1, 0]])
    check_op(lambda x: F.nll_loss(x, labels, weight, reduction=reduction, ignore_index=2), [log_p])


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("reduction", REDUCTIONS + ("batchmean",))
def test_kl_div_gradcheck_into_input_and_target(reduction):
    log_p, t = np.log(rng.dirichlet(np.ones(4), size=3)), rng.dirichlet(np.ones(4), size=3)
    pointwise = t * (np.log(t) - log_p)
    expected = {"mean": np.mean, "sum": np.sum, "none": lambda a: a, "batchmean": lambda a: a.sum() / 3}[reduction]
    check_op(lambda x, t: F.kl_div(x, t, reduction), [log_p, t], expected(pointwise))
    check_op(lambda x, s: F.kl_div(x, s, reduction, log_target=True), [log_p, np.log(t)], expected(pointwise))
    # 0·log 0 = 0 where t = 0; into the input only, as t ± eps would leave the domain of log t (the target's
    # derivative there is test_kl_div_at_zero_targets_and_its_mean_warning's)
    t[0, 1] = t[2, 3] = 0.0
    check_op(lambda x, t: F.kl_div(x, t, reduction), [log_p, t], expected(np.where(t > 0, pointwise, 0.0)),
             grad_inputs=[0])


@pytest.mark.parametrize("var_shape", [(3, 4), (3, 1), (3,)])
def test_gaussian_nll_gradcheck(var_shape):
    x, t = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    var = rng.random(var_shape) + 0.5
    v = var.reshape(3, -1)
    expected = np.mean(0.5 * (np.log(v) + (x - t) ** 2 / v) + 0.5 * np.log(2 * np.pi))
    check_op(lambda x, t, v: F.gaussian_nll_loss(x, t, v, full=True), [x, t, var], expected)


# ---- PyTorch: values, gradients, double backward ------------------------------------------
def _torch_loss(name, **kwargs):
    torch = pytest.importorskip("torch")
    return lambda *args: getattr(torch.nn.functional, name)(*args, **kwargs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_losses_match_torch(reduction):
    torch = pytest.importorskip("torch")
    x, t = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    p, q = _probabilities((3, 4)), rng.random((3, 4))
    weight, pos_weight = rng.random(4) + 0.5, rng.random(4) + 0.5
    for name, arrays, kwargs in [("mse_loss", [x, t], {}),
                                 ("l1_loss", [x, t], {}),
                                 ("binary_cross_entropy", [p, q], {}),
                                 ("binary_cross_entropy_with_logits", [x * 3, q], {})]:
        compare_with_torch(lambda *a: getattr(F, name)(*a, reduction=reduction),
                           _torch_loss(name, reduction=reduction), arrays)
    compare_with_torch(lambda p, q: F.binary_cross_entropy(p, q, ng.tensor(weight), reduction),
                       lambda p, q: torch.nn.functional.binary_cross_entropy(p, q, torch.tensor(weight),
                                                                            reduction=reduction), [p, q])
    compare_with_torch(lambda z, q, w, pw: F.binary_cross_entropy_with_logits(z, q, w, reduction, pw),
                       lambda z, q, w, pw: torch.nn.functional.binary_cross_entropy_with_logits(
                           z, q, w, reduction=reduction, pos_weight=pw), [x * 3, q, weight, pos_weight],
                       differentiable=[0, 1])  # torch takes no gradient into weight or pos_weight
    compare_with_torch(lambda x, t, v: F.gaussian_nll_loss(x, t, v, reduction=reduction),
                       _torch_loss("gaussian_nll_loss", reduction=reduction), [x, t, rng.random((3, 1)) + 0.1])


@pytest.mark.parametrize("name", ["nll_loss", "cross_entropy"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_class_index_losses_match_torch_with_weights_and_ignore_index(name, reduction):
    """nll_loss of log-probabilities and cross_entropy of logits (its log_softmax, then nll_loss's code)."""
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(F, name), getattr(torch.nn.functional, name)
    scores, labels = rng.standard_normal((5, 4)), rng.integers(0, 4, 5)
    compare_with_torch(lambda x, y: ours(x, y, reduction=reduction),
                       lambda x, y: theirs(x, y, reduction=reduction), [scores, labels], differentiable=[0])
    # per-pixel labels (N, C, H, W), class weights and an ignored label: the default -100 and another
    labels = rng.integers(0, 3, (2, 2, 2))
    labels[0, 1, 0], labels[1, 0, 1] = -100, 1
    weight = rng.random(3) + 0.5
    for ignore_index in (-100, 1):
        compare_with_torch(lambda x, y, w: ours(x, y, w, ignore_index=ignore_index, reduction=reduction),
                           lambda x, y, w: theirs(x, y, w, ignore_index=ignore_index, reduction=reduction),
                           [rng.standard_normal((2, 3, 2, 2)), np.where(labels == -100, ignore_index, labels), weight],
                           differentiable=[0])  # torch's weight takes no gradient
    # one unbatched sample
    compare_with_torch(lambda x, y: ours(x, y, reduction=reduction), lambda x, y: theirs(x, y, reduction=reduction),
                       [rng.standard_normal(4), np.array(2)], differentiable=[0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_with_label_smoothing_or_probabilities_matches_torch(reduction):
    torch = pytest.importorskip("torch")
    # per-pixel labels (N, C, H, W), class weights, an ignored label and label smoothing together
    logits, labels = rng.standard_normal((2, 3, 2, 2)), rng.integers(0, 3, (2, 2, 2))
    labels[0, 1, 0] = -100
    weight = rng.random(3) + 0.5
    compare_with_torch(
        lambda z, y, w: F.cross_entropy(z, y, w, reduction=reduction, label_smoothing=0.1),
        lambda z, y, w: torch.nn.functional.cross_entropy(z, y, w, reduction=reduction, label_smoothing=0.1),
        [logits, labels, weight], differentiable=[0])  # torch's weight takes no gradient
    # class probabilities as the target
    probabilities = rng.dirichlet(np.ones(4), size=3)
    compare_with_torch(lambda z, t: F.cross_entropy(z, t, reduction=reduction, label_smoothing=0.3),
                       _torch_loss("cross_entropy", reduction=reduction, label_smoothing=0.3),
                       [rng.standard_normal((3, 4)), probabilities])


def test_cross_entropy_refuses_ignore_index_with_a_probability_target_as_pytorch_does():
    """The ignore_index was accepted and ignored: every position counted, where the caller meant to leave some out."""
    logits, probabilities = ng.randn(3, 4), ng.tensor(rng.dirichlet(np.ones(4), size=3).astype(np.float32))
    with pytest.raises(ValueError, match=r"cross_entropy: ignore_index \(1\) is for class-index targets, not a "
                                         r"probability target \(of shape \(3, 4\)\)"):
        F.cross_entropy(logits, probabilities, ignore_index=1)
    with pytest.raises(ValueError, match=r"cross_entropy: ignore_index \(0\)"):
        ng.nn.CrossEntropyLoss(ignore_index=0)(logits, probabilities)
    # a negative one, PyTorch's default among them, names no class: accepted, as PyTorch accepts it
    expected = F.cross_entropy(logits, probabilities).item()
    assert F.cross_entropy(logits, probabilities, ignore_index=-1).item() == expected


@pytest.mark.parametrize("ignore_index", [True, 1.0, None, "1"])
@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
def test_ignore_index_must_be_an_int_as_in_pytorch(loss, ignore_index):
    """True and 1.0 compared equal to label 1 and ignored it, silently, and None ignored nothing: PyTorch's legacy
    positional layout (weight, size_average, ignore_index) puts a size_average there, as in CrossEntropyLoss(w, True).
    """
    with pytest.raises(ValueError, match=rf"{loss}: ignore_index must be an int, got {re.escape(repr(ignore_index))}"):
        getattr(F, loss)(ng.randn(3, 4), ng.tensor([0, 1, 2]), ignore_index=ignore_index)
    with pytest.raises(ValueError, match=rf"{loss}: ignore_index must be an int"):
        getattr(F, loss)(ng.randn(3, 4), ng.ones(3, 4) / 4, ignore_index=ignore_index)


def test_cross_entropy_is_nll_loss_of_log_softmax():
    logits, labels = ng.randn(4, 3, 2, dtype=ng.float64), ng.tensor([[0, 2], [1, -100], [2, 2], [1, 0]])
    weight = ng.tensor([0.5, 2.0, 1.0], dtype=ng.float64)
    for reduction in REDUCTIONS:
        np.testing.assert_array_equal(F.cross_entropy(logits, labels, weight, reduction=reduction).numpy(),
                                      F.nll_loss(F.log_softmax(logits, 1), labels, weight, reduction=reduction).numpy())


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("delta", [0.3, 1.0, 2.5])
def test_huber_and_smooth_l1_match_torch(reduction, delta):
    x, t = rng.standard_normal((3, 4)) * 2, rng.standard_normal((3, 4))
    compare_with_torch(lambda x, t: F.huber_loss(x, t, reduction, delta),
                       _torch_loss("huber_loss", reduction=reduction, delta=delta), [x, t])
    compare_with_torch(lambda x, t: F.smooth_l1_loss(x, t, reduction, delta),
                       _torch_loss("smooth_l1_loss", reduction=reduction, beta=delta), [x, t])
    compare_with_torch(lambda x, t: F.smooth_l1_loss(x, t, reduction, beta=0.0),
                       _torch_loss("smooth_l1_loss", reduction=reduction, beta=0.0), [x, t])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("loss", ["mse_loss", "l1_loss", "huber_loss"])
def test_weighted_mse_l1_and_huber_match_torch(loss, reduction):
    """PyTorch 2's weight (of the input's shape) was a TypeError. Its "mean" is Σ w·ℓ / Σ w for mse and l1 but
    the mean of w·ℓ for huber; the weight takes a gradient in both."""
    x, t, w = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), rng.random((3, 4)) + 0.1
    torch = pytest.importorskip("torch")
    compare_with_torch(lambda x, t, w: getattr(F, loss)(x, t, reduction=reduction, weight=w),
                       lambda x, t, w: getattr(torch.nn.functional, loss)(x, t, reduction=reduction, weight=w),
                       [x, t, w])
    with pytest.raises(ValueError, match=rf"{loss}: weight of shape \(4,\) does not match input of shape \(3, 4\)"):
        getattr(F, loss)(ng.tensor(x), ng.tensor(t), weight=ng.ones(4, dtype=ng.float64))


@pytest.mark.parametrize("delta", [0.5, 1.0, 2.0])
def test_huber_and_smooth_l1_at_the_boundary_and_at_zero_take_torch_s_derivatives(delta):
    """At |d| = δ the pieces' values and slopes meet, but the second derivative jumps from 1 to 0: PyTorch's is 0
    there (the linear piece's), and so is nanogan's; at d = 0 smooth_l1 with β = 0 (|d|) has the slope 0."""
    t = np.array([0.5, 0.5, -1.0, 0.25, 3.0])
    x = t + np.array([delta, -delta, 0.0, delta / 2, 3 * delta])  # exact in binary: d is exactly ±δ, 0, ...
    assert np.array_equal(np.abs(x - t)[:2], [delta, delta])
    for beta in (delta, 0.0):
        compare_with_torch(lambda x, t: F.smooth_l1_loss(x, t, "sum", beta),
                           _torch_loss("smooth_l1_loss", reduction="sum", beta=beta), [x, t], rtol=1e-12)
    compare_with_torch(lambda x, t: F.huber_loss(x, t, "sum", delta),
                       _torch_loss("huber_loss", reduction="sum", delta=delta), [x, t], rtol=1e-12)
    ours = ng.tensor(x, requires_grad=True)
    (dx,) = ng.grad(F.huber_loss(ours, ng.tensor(t), "sum", delta), [ours], create_graph=True)
    np.testing.assert_array_equal(dx.numpy(), [delta, -delta, 0.0, delta / 2, delta])
    (ddx,) = ng.grad(dx.sum(), [ours])
    np.testing.assert_array_equal(ddx.numpy(), [0.0, 0.0, 1.0, 1.0, 0.0])


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("reduction", REDUCTIONS + ("batchmean",))
def test_kl_div_matches_torch(reduction):
    torch = pytest.importorskip("torch")
    log_p, t = np.log(rng.dirichlet(np.ones(4), size=(2, 3))), rng.dirichlet(np.ones(4), size=(2, 3))
    compare_with_torch(lambda x, t: F.kl_div(x, t, reduction), _torch_loss("kl_div", reduction=reduction), [log_p, t])
    log_t = rng.standard_normal((2, 3, 4))  # any real log-target
    compare_with_torch(lambda x, s: F.kl_div(x, s, reduction, log_target=True),
                       _torch_loss("kl_div", reduction=reduction, log_target=True), [log_p, log_t])
    # zeros in the target: PyTorch's target gradient is NaN there (the derivative of xlogy(t, t) at 0 is 0/0), so
    # only the input's is compared; nanogan's is -g·x (test_kl_div_at_zero_targets)
    t[0, 1, :2] = t[1, 2, 3] = 0.0
    compare_with_torch(lambda x, t: F.kl_div(x, t, reduction), _torch_loss("kl_div", reduction=reduction),
                       [log_p, t], differentiable=[0])
    # a 0-d input: "batchmean" is the sum, as PyTorch's
    compare_with_torch(lambda x, t: F.kl_div(x, t, reduction), _torch_loss("kl_div", reduction=reduction),
                       [np.array(-0.5), np.array(0.25)])


def test_kl_div_at_zero_targets_and_its_mean_warning():
    """t = 0 adds nothing (0·log 0 = 0, not NaN) and takes the target gradient -g·x of the term -t·x, where
    PyTorch's is NaN; "mean" (Σℓ over every element) warns in PyTorch's words, "batchmean" does not."""
    x = ng.tensor([[-1.0, -2.0], [-0.5, -3.0]], dtype=ng.float64, requires_grad=True)
    t = ng.tensor([[0.0, 1.0], [0.5, 0.5]], dtype=ng.float64, requires_grad=True)
    loss = F.kl_div(x, t, reduction="batchmean")
    terms = np.array([[0.0, 2.0], [0.5 * (np.log(0.5) + 0.5), 0.5 * (np.log(0.5) + 3.0)]])
    np.testing.assert_allclose(loss.item(), terms.sum() / 2, rtol=1e-15)
    dx, dt = ng.grad(loss, [x, t])
    np.testing.assert_allclose(dx.numpy(), -t.numpy() / 2, rtol=1e-15)
    np.testing.assert_allclose(dt.numpy(), [[1.0, 3.0], [np.log(0.5) + 1.5, np.log(0.5) + 4.0]] * np.array(0.5),
                               rtol=1e-15)
    with pytest.warns(UserWarning, match=r"^reduction: 'mean' divides the total loss by both the batch size and the "
                                         r"support size.'batchmean' divides only by the batch size, and aligns with "
                                         r"the KL div math definition.'mean' will be changed to behave the same as "
                                         r"'batchmean' in the next major release.$") as record:
        assert F.kl_div(x, t).item() == pytest.approx(terms.mean())
    assert record[0].filename == __file__  # the warning points at the caller, as PyTorch's does


def test_binary_cross_entropy_with_logits_at_plus_minus_1000_matches_torch():
    torch = pytest.importorskip("torch")
    z = np.array([1000.0, -1000.0, 1000.0, -1000.0, 0.0])
    t = np.array([1.0, 0.0, 0.0, 1.0, 0.5])
    for dtype, torch_dtype in [(ng.float32, torch.float32), (ng.float64, torch.float64)]:
        ours = ng.tensor(z, dtype=dtype, requires_grad=True)
        theirs = torch.tensor(z, dtype=torch_dtype, requires_grad=True)
        loss = F.binary_cross_entropy_with_logits(ours, ng.tensor(t, dtype=dtype), reduction="sum")
        t_loss = torch.nn.functional.binary_cross_entropy_with_logits(theirs, torch.tensor(t, dtype=torch_dtype),
                                                                      reduction="sum")
        loss.backward()
        t_loss.backward()
        assert np.isfinite(loss.item()) and np.all(np.isfinite(ours.grad.numpy()))
        assert loss.item() == pytest.approx(2000 + math.log(2), rel=1e-6)
        np.testing.assert_allclose(loss.item(), t_loss.item(), rtol=1e-6)
        np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


def test_binary_cross_entropy_at_zero_and_one_is_finite_like_torch():
    torch = pytest.importorskip("torch")
    p, t = np.array([0.0, 1.0, 0.0, 1.0]), np.array([0.0, 1.0, 1.0, 0.0])
    ours = ng.tensor(p, dtype=ng.float64, requires_grad=True)
    theirs = torch.tensor(p, requires_grad=True)
    loss = F.binary_cross_entropy(ours, ng.tensor(t, dtype=ng.float64), reduction="none")
    t_loss = torch.nn.functional.binary_cross_entropy(theirs, torch.tensor(t), reduction="none")
    np.testing.assert_array_equal(loss.numpy(), [0.0, 0.0, 100.0, 100.0])
    np.testing.assert_array_equal(loss.numpy(), t_loss.detach().numpy())
    loss.sum().backward()
    t_loss.sum().backward()
    # (p - t)/max(p(1 - p), 1e-12); PyTorch's 1e-12 is a float32 constant, hence rtol
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-8)


def test_gradient_flows_into_the_target_as_in_torch():
    torch = pytest.importorskip("torch")
    x, t = rng.standard_normal(6), rng.standard_normal(6)
    ours = ng.tensor(t, requires_grad=True)
    theirs = torch.tensor(t, requires_grad=True)
    F.mse_loss(ng.tensor(x), ours).backward()
    torch.nn.functional.mse_loss(torch.tensor(x), theirs).backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.grad.numpy(), 2 * (t - x) / 6, rtol=1e-12)


def test_gaussian_nll_clamps_small_variances_but_passes_their_gradient_like_torch():
    torch = pytest.importorskip("torch")
    x, t, var = rng.standard_normal((2, 3)), rng.standard_normal((2, 3)), np.array([[1e-9, 0.5, 2.0], [0.0, 1.0, 3.0]])
    compare_with_torch(lambda x, t, v: F.gaussian_nll_loss(x, t, v, eps=1e-3),
                       lambda x, t, v: torch.nn.functional.gaussian_nll_loss(x, t, v, eps=1e-3), [x, t, var],
                       rtol=1e-9)


# ---- worked numbers ------------------------------------------------------------------------
def test_worked_numbers():
    half = ng.tensor([0.5, 0.5])
    assert F.binary_cross_entropy(half, ng.tensor([1.0, 0.0])).item() == pytest.approx(math.log(2))
    assert F.binary_cross_entropy_with_logits(ng.zeros(3), ng.ones(3)).item() == pytest.approx(math.log(2))
    assert F.mse_loss(ng.tensor([1.0, 2.0]), ng.zeros(2)).item() == pytest.approx(2.5)
    assert F.mse_loss(ng.tensor([1.0, 2.0]), ng.zeros(2), reduction="sum").item() == pytest.approx(5.0)
    assert F.l1_loss(ng.tensor([1.0, -3.0]), ng.zeros(2)).item() == pytest.approx(2.0)
    assert F.cross_entropy(ng.zeros(2, 5), ng.tensor([1, 4])).item() == pytest.approx(math.log(5))
    same = ng.tensor([[1.0, 2.0]])
    assert F.gaussian_nll_loss(same, same, ng.ones(1, 2)).item() == 0.0
    assert F.gaussian_nll_loss(same, same, 1.0, full=True).item() == pytest.approx(0.5 * math.log(2 * math.pi))
    np.testing.assert_allclose(F.l1_loss(ng.tensor([1.0, -3.0]), ng.zeros(2), reduction="none").numpy(), [1, 3])


# ---- errors --------------------------------------------------------------------------------
def test_errors_name_the_op_and_shapes():
    x, t = ng.randn(3, 2), ng.randn(3)
    for name in ["mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy",
                 "binary_cross_entropy_with_logits", "gaussian_nll_loss"]:
        args = (ng.rand(3, 2), t) + ((ng.ones(3, 2),) if name == "gaussian_nll_loss" else ())
        with pytest.raises(ValueError, match=rf"{name}: target of shape \(3,\) does not match input of shape "
                                             rf"\(3, 2\)"):
            getattr(F, name)(*args)
    with pytest.raises(TypeError, match=r"mse_loss: expected floating-point tensors, got int64 for argument 0"):
        F.mse_loss(ng.tensor([1, 2]), ng.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"binary_cross_entropy_with_logits: expected floating-point tensors"):
        F.binary_cross_entropy_with_logits(ng.randn(2), ng.tensor([1, 0]))
    with pytest.raises(ValueError, match=r"mse_loss: reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        F.mse_loss(x, x, reduction="avg")
    with pytest.raises(ValueError, match=r"kl_div: reduction must be 'mean', 'batchmean', 'sum' or 'none', got "
                                         r"'batch_mean'"):
        F.kl_div(x, x, reduction="batch_mean")
    with pytest.raises(ValueError, match=r"kl_div: target of shape \(3,\) does not match input of shape \(3, 2\)"):
        F.kl_div(x, t, reduction="sum")
    with pytest.raises(ValueError, match=r"huber_loss: delta must be a finite number > 0, got 0.0"):
        F.huber_loss(x, x, delta=0.0)
    with pytest.raises(ValueError, match=r"smooth_l1_loss: beta must be a finite number >= 0, got -1"):
        F.smooth_l1_loss(x, x, beta=-1)
    with pytest.raises(ValueError, match=r"binary_cross_entropy: all elements of input \(shape \(2,\)\) should be "
                                         r"between 0 and 1"):
        F.binary_cross_entropy(ng.tensor([0.5, 1.5]), ng.tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits: pos_weight of shape \(3,\) does not "
                                         r"broadcast to input of shape \(3, 2\)"):
        F.binary_cross_entropy_with_logits(x, x, pos_weight=ng.ones(3))
    with pytest.raises(ValueError, match=r"cross_entropy: class-index target of shape \(2,\) does not match input "
                                         r"of shape \(3, 2\); expected \(3,\)"):
        F.cross_entropy(x, ng.tensor([0, 1]))
    with pytest.raises(IndexError, match=r"cross_entropy: a target \(of shape \(3,\)\) is out of bounds for 2 classes"):
        F.cross_entropy(x, ng.tensor([0, 1, 2]))
    with pytest.raises(IndexError, match=r"cross_entropy: a target .* is out of bounds"):
        F.cross_entropy(x, ng.tensor([0, -1, 1]))
    F.cross_entropy(x, ng.tensor([0, -100, 1]))  # ignore_index is not a class and not an error
    with pytest.raises(TypeError, match=r"cross_entropy: expected floating-point tensors, got int64"):
        F.cross_entropy(ng.tensor([[1, 2]]), ng.tensor([0]))
    with pytest.raises(ValueError, match=r"gaussian_nll_loss: var of shape \(2, 2\) does not fit input of shape "
                                         r"\(3, 2\)"):
        F.gaussian_nll_loss(x, x, ng.ones(2, 2))
    with pytest.raises(ValueError, match=r"gaussian_nll_loss: var \(shape \(3, 2\)\) has negative entries"):
        F.gaussian_nll_loss(x, x, -ng.ones(3, 2))


def test_nll_loss_errors_name_the_op_and_shapes():
    x = ng.randn(3, 2)
    with pytest.raises(TypeError, match=r"nll_loss: target must hold class indices \(an integer tensor\), got float32 "
                                        r"of shape \(3,\)"):
        F.nll_loss(x, ng.zeros(3))
    with pytest.raises(ValueError, match=r"nll_loss: class-index target of shape \(2,\) does not match input of "
                                         r"shape \(3, 2\); expected \(3,\)"):
        F.nll_loss(x, ng.tensor([0, 1]))
    with pytest.raises(IndexError, match=r"nll_loss: a target \(of shape \(3,\)\) is out of bounds for 2 classes"):
        F.nll_loss(x, ng.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match=r"nll_loss: weight of shape \(3,\) does not match the 2 classes of input "
                                         r"of shape \(3, 2\)"):
        F.nll_loss(x, ng.tensor([0, 1, 1]), weight=ng.ones(3))
    with pytest.raises(ValueError, match=r"nll_loss: expected input of shape \(N, C, ...\) or \(C,\), got \(\)"):
        F.nll_loss(ng.tensor(1.0), ng.tensor(0))
    with pytest.raises(TypeError, match=r"nll_loss: target must be a Tensor, got list"):
        F.nll_loss(x, [0, 1, 1])
    with pytest.raises(ValueError, match=r"nll_loss: reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        F.nll_loss(x, ng.tensor([0, 1, 1]), reduction="avg")


def test_cross_entropy_refuses_a_non_tensor_target_and_reports_an_unbatched_sample_as_given():
    """A numpy target is refused by name (it failed with an AttributeError on a memoryview), and the errors for one
    (C,) sample show the shapes passed, not the (1, C) and (1,) that it is computed as."""
    with pytest.raises(TypeError, match=r"cross_entropy: target must be a Tensor, got ndarray"):
        F.cross_entropy(ng.randn(4, 3), np.array([0, 1, 2, 0]))
    logits = ng.randn(3)
    with pytest.raises(ValueError, match=r"cross_entropy: class-index target of shape \(1,\) does not match input "
                                         r"of shape \(3,\); expected \(\)"):
        F.cross_entropy(logits, ng.tensor([1]))
    with pytest.raises(ValueError, match=r"cross_entropy: probability target of shape \(1, 3\) does not match "
                                         r"input of shape \(3,\)"):
        F.cross_entropy(logits, ng.ones(1, 3) / 3)
    with pytest.raises(ValueError, match=r"cross_entropy: weight of shape \(2,\) does not match the 3 classes of "
                                         r"input of shape \(3,\)"):
        F.cross_entropy(logits, ng.tensor(1), weight=ng.ones(2))
    with pytest.raises(IndexError, match=r"cross_entropy: a target \(of shape \(\)\) is out of bounds for 3 classes"):
        F.cross_entropy(logits, ng.tensor(3))
    assert F.cross_entropy(ng.zeros(5), ng.tensor(4)).item() == pytest.approx(math.log(5))


def test_bce_with_logits_gradient_keeps_precision_for_very_negative_logits():
    # dℓ/dz = sigmoid(z) - t; at z = -30, t = 0 it is e^-30 ≈ 9.4e-14, which 1 - t - sigmoid(-z) rounds to 0
    z = ng.tensor([-30.0, -20.0], requires_grad=True)
    F.binary_cross_entropy_with_logits(z, ng.zeros(2), reduction="sum").backward()
    np.testing.assert_allclose(z.grad.numpy(), 1 / (1 + np.exp([30.0, 20.0])), rtol=1e-5)


# ---- unit_norm_penalty: the WGAN-GP term (‖g‖ − 1)² per sample ----------------------------------
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple))
def test_unit_norm_penalty_gradcheck(shape):
    g = rng.standard_normal(shape) * rng.uniform(0.2, 2.0, shape[:1] + (1,) * (len(shape) - 1))
    rows = g.reshape(shape[0], -1)
    expected = (np.sqrt((rows ** 2).sum(1)) - 1) ** 2
    check_op(lambda t: unit_norm_penalty(t).tanh(), [g], expected=np.tanh(expected), second_order=False)


def test_unit_norm_penalty_matches_torch_and_its_worked_numbers():
    """Rows (3, 4) and (0, 0): norms 5 and 0, penalties 16 and 1; d/dg = 2(5 − 1)(3, 4)/5 = (4.8, 6.4), and 0 at
    the zero vector (PyTorch's norm subgradient)."""
    torch = pytest.importorskip("torch")
    g = ng.tensor([[3.0, 4.0], [0.0, 0.0]], dtype=ng.float64, requires_grad=True)
    penalty = unit_norm_penalty(g)
    np.testing.assert_allclose(penalty.numpy(), [16.0, 1.0])
    (dg,) = ng.grad(penalty.sum(), [g])
    np.testing.assert_allclose(dg.numpy(), [[4.8, 6.4], [0.0, 0.0]])
    x = rng.standard_normal((3, 2, 4, 5))
    t = torch.tensor(x, requires_grad=True)
    ((t.flatten(1).norm(dim=1) - 1) ** 2 * torch.arange(1.0, 4.0, dtype=torch.float64)).sum().backward()
    mine = ng.tensor(x, requires_grad=True)
    (unit_norm_penalty(mine) * ng.tensor([1.0, 2.0, 3.0], dtype=ng.float64)).sum().backward()
    np.testing.assert_allclose(mine.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_unit_norm_penalty_refuses_what_it_cannot_do():
    with pytest.raises(ValueError, match=r"unit_norm_penalty: expected a batch of gradients \(N, ...\).*shape \(\)"):
        unit_norm_penalty(ng.tensor(1.0))
    g = ng.randn(2, 3, dtype=ng.float64, requires_grad=True)
    (dg,) = ng.grad(unit_norm_penalty(g).sum(), [g], create_graph=True)
    with pytest.raises(RuntimeError, match="UnitNormPenalty: its backward is not differentiable"):
        ng.grad(dg.sum(), [g])


@pytest.mark.parametrize("loss_fn", [F.cross_entropy, F.nll_loss])
def test_cross_entropy_and_nll_loss_with_every_target_ignored_are_nan_with_gradient_zero(loss_fn):
    """The mean over no targets divided by 0: the loss is NaN, as in PyTorch, but the gradient was NaN too, and
    one such batch wrote NaN into every parameter; PyTorch's is 0."""
    logits = ng.randn(3, 4, requires_grad=True)
    loss = loss_fn(logits, ng.tensor([-100, -100, -100]))
    assert np.isnan(loss.item())
    loss.backward()
    np.testing.assert_array_equal(logits.grad.numpy(), np.zeros((3, 4)))
    partly = loss_fn(ng.full((2, 4), -math.log(4)), ng.tensor([1, -100]))  # log-probabilities of softmax too
    assert partly.item() == pytest.approx(math.log(4))


# ---- the loss layers (nn.BCELoss, ...) pass their settings on to the functions above --------------
@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_loss_layers_match_torch_with_every_setting(reduction):
    torch = pytest.importorskip("torch")
    import nanogan.nn as nn
    x, t, p, q = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), _probabilities((3, 4)), rng.random((3, 4))
    weight, pos_weight, labels = rng.random(4) + 0.5, rng.random(4) + 0.5, rng.integers(0, 4, 3)
    labels[:2] = 2, 0  # one label of the ignored class below, so that ignore_index is passed on, and one not
    cases = [("MSELoss", {}, [x, t]), ("L1Loss", {}, [x, t]), ("BCELoss", {"weight": weight}, [p, q]),
             ("BCEWithLogitsLoss", {"weight": weight, "pos_weight": pos_weight}, [x * 3, q]),
             ("CrossEntropyLoss", {"weight": weight, "ignore_index": 2, "label_smoothing": 0.2}, [x, labels]),
             ("NLLLoss", {"weight": weight, "ignore_index": 2}, [x, labels]),
             ("HuberLoss", {"delta": 0.7}, [x, t]), ("SmoothL1Loss", {"beta": 0.7}, [x, t]),
             ("KLDivLoss", {"log_target": True}, [x, t]),
             ("GaussianNLLLoss", {"full": True, "eps": 0.3}, [x, t, rng.random((3, 4))])]
    for name, settings, arrays in cases:
        ours = getattr(nn, name)(reduction=reduction, **{k: ng.tensor(v) if isinstance(v, np.ndarray) else v
                                                         for k, v in settings.items()})
        theirs = getattr(torch.nn, name)(reduction=reduction, **{
            k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in settings.items()})
        float_inputs = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
        compare_with_torch(ours, theirs, arrays, differentiable=float_inputs)
        assert sorted(ours.state_dict()) == sorted(theirs.state_dict()), name


def test_loss_layers_refuse_an_unknown_reduction_where_they_are_made():
    import nanogan.nn as nn
    with pytest.raises(ValueError, match=r"MSELoss: reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match=r"MSELoss: reduction must be 'mean', 'sum' or 'none', got 'batchmean'"):
        nn.MSELoss(reduction="batchmean")
    with pytest.raises(ValueError, match=r"KLDivLoss: reduction must be 'mean', 'batchmean', 'sum' or 'none', got "
                                         r"'avg'"):
        nn.KLDivLoss(reduction="avg")
    log_p, t = ng.tensor([[-1.0, -2.0]]), ng.tensor([[0.25, 0.75]])
    assert nn.KLDivLoss(reduction="batchmean")(log_p, t).item() == pytest.approx(F.kl_div(log_p, t, "sum").item())
    criterion = nn.BCELoss()
    assert criterion(ng.tensor([0.5]), ng.tensor([1.0])).item() == pytest.approx(math.log(2))


LEGACY = [dict(size_average=False), dict(reduce=False), dict(size_average=True, reduce=True),
          dict(size_average=False, reduce=False), dict(size_average=None, reduce=True)]


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss")  # kl_div's "mean", in both
@pytest.mark.parametrize("legacy", LEGACY)
def test_legacy_size_average_and_reduce_are_pytorchs_reductions(legacy):
    """F.binary_cross_entropy(p, t, size_average=False), nn.MSELoss(reduce=False) and the like, in older GAN code,
    were a TypeError. PyTorch reads them as the reduction they stand for and warns; so does nanogan, and the
    argument `reduction` is then ignored, as PyTorch ignores it."""
    torch = pytest.importorskip("torch")
    x, t, p = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), _probabilities((3, 4))
    labels = np.array([0, 3, 1])
    calls = {  # name -> arguments after the input and target
        "binary_cross_entropy": (p, rng.random((3, 4))), "binary_cross_entropy_with_logits": (x, rng.random((3, 4))),
        "mse_loss": (x, t), "l1_loss": (x, t), "smooth_l1_loss": (x, t), "kl_div": (x, p),
        "nll_loss": (x, labels), "cross_entropy": (x, labels)}
    for name, (a, b) in calls.items():
        with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
            ours = getattr(F, name)(ng.tensor(a), ng.tensor(b), reduction="sum", **legacy)
        with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
            theirs = getattr(torch.nn.functional, name)(torch.tensor(a), torch.tensor(b), reduction="sum", **legacy)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, err_msg=name)
    layers = {"BCELoss": calls["binary_cross_entropy"], "BCEWithLogitsLoss": calls["binary_cross_entropy_with_logits"],
              "MSELoss": calls["mse_loss"], "L1Loss": calls["l1_loss"], "SmoothL1Loss": calls["smooth_l1_loss"],
              "KLDivLoss": calls["kl_div"], "NLLLoss": calls["nll_loss"], "CrossEntropyLoss": calls["cross_entropy"]}
    for name, (a, b) in layers.items():
        with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
            ours = getattr(ng.nn, name)(**legacy)
        with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
            theirs = getattr(torch.nn, name)(**legacy)
        assert ours.reduction == theirs.reduction, name
        np.testing.assert_allclose(ours(ng.tensor(a), ng.tensor(b)).numpy(), theirs(torch.tensor(a),
                                   torch.tensor(b)).numpy(), rtol=1e-12, err_msg=name)


def test_loss_weights_of_another_dtype_are_refused_or_cast_as_torch_does():
    """cross_entropy and nll_loss refuse a float64 class weight for float32 scores (PyTorch: 'expected scalar type
    Float but found Double'); the binary cross-entropies compute in the input's dtype whatever their weights' (both
    gave float64 losses)."""
    torch = pytest.importorskip("torch")
    x, t = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32), np.full((2, 3), 0.25, np.float32)
    with pytest.raises(TypeError, match=r"cross_entropy: input \(float32\) and weight \(float64\) must share one"):
        F.cross_entropy(ng.tensor(x), ng.tensor([0, 1]), weight=ng.ones(3, dtype=ng.float64))
    with pytest.raises(TypeError, match=r"nll_loss: input \(float32\) and weight \(float64\) must share one"):
        F.nll_loss(ng.tensor(x), ng.tensor([0, 1]), weight=ng.ones(3, dtype=ng.float64))
    weight = np.array([0.5, 1.0, 2.0])
    ours = [F.binary_cross_entropy(ng.tensor(x).sigmoid(), ng.tensor(t), weight=ng.tensor(weight)),
            F.binary_cross_entropy_with_logits(ng.tensor(x), ng.tensor(t), weight=ng.tensor(weight),
                                               pos_weight=ng.tensor(weight))]
    TF = torch.nn.functional
    theirs = [TF.binary_cross_entropy(torch.tensor(x).sigmoid(), torch.tensor(t), weight=torch.tensor(weight)),
              TF.binary_cross_entropy_with_logits(torch.tensor(x), torch.tensor(t), weight=torch.tensor(weight),
                                                  pos_weight=torch.tensor(weight))]
    for a, b in zip(ours, theirs):
        assert a.dtype == ng.float32 and b.dtype == torch.float32
        np.testing.assert_allclose(a.item(), b.item(), rtol=1e-6)


# ---- the margin, embedding and Poisson losses -----------------------------------------------------------
def _signs(shape):
    return rng.choice([-1.0, 1.0], shape)


def _margin_cases():
    """(name, settings, arrays, differentiable) of each loss against torch's, away from its kinks: the hinges'
    arguments are drawn at least 0.1 from 0."""
    x1, y = rng.standard_normal((4, 5)), _signs((4, 5))
    ranking = x1 + y * (0.3 - away_from_kinks(rng, (4, 5)))  # margin - y·(x1 - x2) = the drawn values
    anchor, positive, negative = rng.standard_normal((3, 6, 4))
    counts = rng.uniform(0.1, 4.0, (4, 5))
    counts[counts.round() == 1] = 1.5  # full's Stirling term starts at t > 1
    labels = np.array([0, 3, 1, 4])
    return [
        ("margin_ranking_loss", {"margin": 0.3}, [x1, ranking, y], [0, 1, 2]),
        ("hinge_embedding_loss", {"margin": 0.7}, [away_from_kinks(rng, (4, 5), kinks=(0.7,)), y], [0]),
        ("soft_margin_loss", {}, [rng.standard_normal((4, 5)) * 3, y], [0]),  # torch: no gradient in y
        ("triplet_margin_loss", {"margin": 1.5}, [anchor, positive, negative], [0, 1, 2]),
        ("triplet_margin_loss", {"margin": 0.5, "p": 1, "swap": True}, [anchor, positive, negative], [0, 1, 2]),
        ("triplet_margin_loss", {"p": 3, "eps": 0.1}, [anchor[0], positive[0], negative[0]], [0, 1, 2]),
        ("multilabel_soft_margin_loss", {}, [x1, rng.integers(0, 2, (4, 5)).astype(float)], [0, 1]),
        ("multilabel_soft_margin_loss", {"weight": rng.random(5) + 0.5}, [x1[0], rng.random(5)], [0, 1]),
        ("cosine_embedding_loss", {"margin": -0.2}, [anchor, positive, _signs(6)], [0, 1]),
        ("cosine_embedding_loss", {}, [anchor[0], positive[0], np.array(-1.0)], [0, 1]),
        ("poisson_nll_loss", {}, [x1, counts], [0, 1]),
        ("poisson_nll_loss", {"log_input": False, "full": True, "eps": 0.01},
         [rng.uniform(0.5, 3.0, (4, 4)), counts[:, :4]], [0, 1]),
        ("poisson_nll_loss", {"full": True}, [x1, counts], [0, 1]),
    ] + [("multi_margin_loss", {"p": p, "margin": m, "weight": w}, [x1 * 2, labels], [0])
         for p, m, w in [(1, 1.0, None), (2, 0.5, rng.random(5) + 0.5)]]


def _call(library, name, settings, reduction):
    def loss(*inputs):
        weight = settings.get("weight")
        given = dict(settings, **({} if weight is None else {"weight": library.tensor(weight)}))
        return getattr(library.nn.functional, name)(*inputs, reduction=reduction, **given)
    return loss


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_embedding_and_poisson_losses_match_torch_to_the_second_derivative(reduction):
    """multi_margin_loss against torch to the first derivative (torch has no second), and to the second by finite
    differences."""
    torch = pytest.importorskip("torch")
    for name, settings, arrays, differentiable in _margin_cases():
        ours, theirs = _call(ng, name, settings, reduction), _call(torch, name, settings, reduction)
        if name == "multi_margin_loss":
            x, labels = arrays
            ours_x, theirs_x = ng.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
            y, their_y = ours(ours_x, ng.tensor(labels)), theirs(theirs_x, torch.tensor(labels))
            np.testing.assert_allclose(y.numpy(), their_y.detach().numpy(), rtol=1e-12, err_msg=name)
            y.sum().backward()
            their_y.sum().backward()
            np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=1e-12, err_msg=name)
            check_op(lambda x: ours(x, ng.tensor(labels)), [x], layouts=("contiguous",))
        else:
            compare_with_torch(ours, theirs, arrays, differentiable=differentiable)


def test_margin_loss_layers_match_torch_with_their_settings_and_buffers():
    torch = pytest.importorskip("torch")
    import nanogan.nn as nn
    layer_of = {"margin_ranking_loss": "MarginRankingLoss", "hinge_embedding_loss": "HingeEmbeddingLoss",
                "soft_margin_loss": "SoftMarginLoss", "triplet_margin_loss": "TripletMarginLoss",
                "multilabel_soft_margin_loss": "MultiLabelSoftMarginLoss",
                "cosine_embedding_loss": "CosineEmbeddingLoss", "poisson_nll_loss": "PoissonNLLLoss",
                "multi_margin_loss": "MultiMarginLoss"}
    for reduction in REDUCTIONS:
        for name, settings, arrays, differentiable in _margin_cases():
            ours = getattr(nn, layer_of[name])(reduction=reduction, **{
                k: ng.tensor(v) if isinstance(v, np.ndarray) else v for k, v in settings.items()})
            theirs = getattr(torch.nn, layer_of[name])(reduction=reduction, **{
                k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in settings.items()})
            assert sorted(ours.state_dict()) == sorted(theirs.state_dict()), name
            y = ours(*map(ng.tensor, arrays))
            np.testing.assert_allclose(y.numpy(), theirs(*map(torch.tensor, arrays)).numpy(), rtol=1e-12, err_msg=name)
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        assert nn.SoftMarginLoss(size_average=False).reduction == "sum"
    x, y = rng.standard_normal((3, 4)), _signs((3, 4))
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        legacy = F.hinge_embedding_loss(ng.tensor(x), ng.tensor(y), reduce=False)
    np.testing.assert_allclose(legacy.numpy(), torch.nn.functional.hinge_embedding_loss(
        torch.tensor(x), torch.tensor(y), reduction="none").numpy(), rtol=1e-12)


def test_margin_losses_take_integer_labels_and_soft_margin_stays_finite():
    """±1 labels as an integer tensor, as torch takes them; soft_margin_loss at -y·x = 1000 is 1000 (torch's is
    inf there)."""
    torch = pytest.importorskip("torch")
    x, y = rng.standard_normal((3, 4)), rng.choice([-1, 1], (3, 4))
    for name in ("soft_margin_loss", "hinge_embedding_loss"):
        ours = getattr(F, name)(ng.tensor(x), ng.tensor(y))
        theirs = getattr(torch.nn.functional, name)(torch.tensor(x), torch.tensor(y))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, err_msg=name)
    huge = ng.tensor([-1000.0], requires_grad=True)
    loss = F.soft_margin_loss(huge, ng.tensor([1.0]))
    loss.backward()
    assert loss.item() == 1000.0 and huge.grad.item() == -1.0


def test_margin_embedding_and_poisson_losses_refuse_bad_input():
    x = ng.zeros(3, 4)
    with pytest.raises(ValueError, match=r"margin_ranking_loss: target of shape \(3, 4\) does not match input of "
                                         r"shape \(3,\)"):
        F.margin_ranking_loss(ng.zeros(3), ng.zeros(3), x)
    with pytest.raises(ValueError, match=r"triplet_margin_loss: target of shape \(3, 5\) does not match input"):
        F.triplet_margin_loss(x, x, ng.zeros(3, 5))
    with pytest.raises(ValueError, match="triplet_margin_loss: margin must be a finite number > 0, got 0"):
        F.triplet_margin_loss(x, x, x, margin=0)
    with pytest.raises(ValueError, match=r"cosine_embedding_loss: expected inputs \(N, D\) with a target \(N,\), or "
                                         r"\(D,\) with a 0-d target, got inputs of shape \(3, 4\) and a target of "
                                         r"shape \(2,\)"):
        F.cosine_embedding_loss(x, x, ng.ones(2))
    with pytest.raises(ValueError, match=r"multilabel_soft_margin_loss: weight of shape \(3,\) does not broadcast"):
        F.multilabel_soft_margin_loss(x, x, weight=ng.ones(3))
    with pytest.raises(ValueError, match="poisson_nll_loss: reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        F.poisson_nll_loss(x, x, reduction="avg")
    with pytest.raises(ValueError, match="multi_margin_loss: p must be 1 or 2, got 3"):
        F.multi_margin_loss(x, ng.tensor([0, 1, 2]), p=3)
    with pytest.raises(TypeError, match="multi_margin_loss: target must hold class indices"):
        F.multi_margin_loss(x, ng.zeros(3))
    with pytest.raises(ValueError, match=r"multi_margin_loss: expected input \(N, C\) with a target \(N,\)"):
        F.multi_margin_loss(ng.zeros(2, 3, 4), ng.tensor([0, 1]))
    with pytest.raises(IndexError, match=r"multi_margin_loss: a target \(of shape \(3,\)\) is out of range for 4"):
        F.multi_margin_loss(x, ng.tensor([0, 1, 4]))
    with pytest.raises(ValueError, match=r"multi_margin_loss: weight of shape \(3,\) does not"):
        F.multi_margin_loss(x, ng.tensor([0, 1, 2]), weight=ng.ones(3))


@pytest.mark.parametrize("loss", ["margin_ranking_loss", "poisson_nll_loss", "gaussian_nll_loss", "triplet_margin_loss"])
def test_the_mean_of_an_empty_loss_differentiates_twice_as_torchs(loss):
    """The mean over no elements is NaN, as PyTorch's, but its gradient is a gradient of nothing: the second
    derivative in the output's gradient was 0/0 = NaN (the mean's backward differentiated as a mean of nothing),
    PyTorch's 0."""
    torch = pytest.importorskip("torch")
    calls = {"margin_ranking_loss": (lambda lib: lambda a, b: lib.nn.functional.margin_ranking_loss(
                 a, b, lib.ones(a.shape, dtype=a.dtype)), (0,), 2),
             "poisson_nll_loss": (lambda lib: lambda x, t: lib.nn.functional.poisson_nll_loss(x, t), (0,), 2),
             "gaussian_nll_loss": (lambda lib: lambda x, t, v: lib.nn.functional.gaussian_nll_loss(x, t, v), (0, 3), 3),
             "triplet_margin_loss": (lambda lib: lambda a, p, n: lib.nn.functional.triplet_margin_loss(a, p, n),
                                     (0, 3), 3)}
    call, shape, count = calls[loss]
    with np.errstate(invalid="ignore"), pytest.warns(RuntimeWarning):  # numpy's, for the mean of nothing
        compare_with_torch(call(ng), call(torch), [np.zeros(shape)] * count)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_multilabel_margin_loss_matches_torch_with_its_lists_of_classes(reduction):
    """F.multilabel_margin_loss and nn.MultiLabelMarginLoss, which nanogan lacked: each target row lists classes up
    to its first -1 (entries after it are ignored, a class listed twice counts twice). PyTorch has no second
    derivative, so the values and first gradients are compared."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(11).standard_normal((4, 5))
    target = np.array([[3, 0, -1, 1, 4], [2, 2, -1, -1, -1], [0, 1, 2, 3, 4], [-1, 4, 4, 0, 1]])
    for rows in (slice(None), 0):  # (N, C) and one (C,)
        x_ours, x_theirs = ng.tensor(x[rows], requires_grad=True), torch.tensor(x[rows], requires_grad=True)
        ours = F.multilabel_margin_loss(x_ours, ng.tensor(target[rows]), reduction=reduction)
        layer = ng.nn.MultiLabelMarginLoss(reduction=reduction)(x_ours, ng.tensor(target[rows]))
        expected = torch.nn.functional.multilabel_margin_loss(x_theirs, torch.tensor(target[rows]), reduction=reduction)
        np.testing.assert_allclose(ours.numpy(), expected.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(layer.numpy(), expected.detach().numpy(), rtol=1e-12)
        ours.sum().backward()
        expected.sum().backward()
        np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("distance", ["pairwise", "cosine"])
def test_triplet_margin_with_distance_loss_matches_torch_to_the_second_derivative(distance, swap):
    """F.triplet_margin_with_distance_loss and its layer, which nanogan lacked, with the default distance (a
    PairwiseDistance layer, shown in the repr as PyTorch's) and a given one."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(12)
    triplet = [rng.standard_normal((4, 5)) for _ in range(3)]

    def loss(lib):
        functional = lib.nn.functional
        d = None if distance == "pairwise" else lambda x, y: 1 - functional.cosine_similarity(x, y, dim=-1)
        return lambda a, p, n: functional.triplet_margin_with_distance_loss(a, p, n, distance_function=d, margin=0.5,
                                                                            swap=swap, reduction="sum")
    compare_with_torch(loss(ng), loss(torch), triplet)
    compare_with_torch(ng.nn.TripletMarginWithDistanceLoss(swap=swap), torch.nn.TripletMarginWithDistanceLoss(swap=swap),
                       triplet)
    assert repr(ng.nn.TripletMarginWithDistanceLoss()) == repr(torch.nn.TripletMarginWithDistanceLoss())


def test_multilabel_margin_and_triplet_with_distance_losses_refuse_what_torch_refuses():
    def rows(lib):
        return lib.zeros(1, 4, dtype=lib.float64)
    refused_as_by_torch(lambda lib: lib.nn.functional.multilabel_margin_loss(rows(lib), lib.tensor([[3, -1, 7, 1]])),
                        IndexError, r"multilabel_margin_loss: a target \(of shape \(1, 4\)\) is out of range \[-1, 4\)")
    refused_as_by_torch(lambda lib: lib.nn.functional.multilabel_margin_loss(rows(lib), lib.tensor([[3, -1, 0]])),
                        ValueError, r"multilabel_margin_loss: .*input of shape \(1, 4\) and a target of shape \(1, 3\)")
    refused_as_by_torch(lambda lib: lib.nn.functional.multilabel_margin_loss(rows(lib), rows(lib)),
                        TypeError, "multilabel_margin_loss: target must hold class indices as int64, got float64")
    refused_as_by_torch(lambda lib: lib.nn.functional.triplet_margin_with_distance_loss(
        rows(lib), rows(lib)[0], rows(lib)), ValueError,
        r"triplet_margin_with_distance_loss: expected the anchor, positive and negative of one rank, got shapes "
        r"\(1, 4\), \(4,\) and \(1, 4\)")
    refused_as_by_torch(lambda lib: lib.nn.TripletMarginWithDistanceLoss(margin=0.0)(rows(lib), rows(lib), rows(lib)),
                        ValueError, "TripletMarginWithDistanceLoss: margin must be a finite number > 0, got 0.0")
