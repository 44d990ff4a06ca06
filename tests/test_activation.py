"""Activations, softmax/log_softmax, dropout, linear and the layers' bias: finite differences (first and second order,
three memory layouts), PyTorch (forward, backward, double backward), worked numbers, errors."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

import nanogan as ng
import nanogan.nn.functional as F
from harness import check_op, away_from_kinks, compare_with_torch, refused_as_by_torch

rng = np.random.default_rng(2)
shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


_erf = np.vectorize(math.erf)  # the standard library's, not the backend's scipy.special.erf that nanogan runs
SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


# name -> (nanogan function, numpy reference, torch function name and keyword arguments)
ACTIVATIONS = {
    "relu": (F.relu, lambda x: np.maximum(x, 0), ("relu", {})),
    "leaky_relu": (lambda t: F.leaky_relu(t, 0.2), lambda x: np.where(x > 0, x, 0.2 * x),
                   ("leaky_relu", {"negative_slope": 0.2})),
    "elu": (lambda t: F.elu(t, 1.5), lambda x: np.where(x > 0, x, 1.5 * np.expm1(x)), ("elu", {"alpha": 1.5})),
    "sigmoid": (F.sigmoid, _sigmoid, ("sigmoid", {})),
    "tanh": (F.tanh, np.tanh, ("tanh", {})),
    "softplus": (lambda t: F.softplus(t, beta=2.0, threshold=3.0),
                 lambda x: np.where(2 * x > 3, x, np.log1p(np.exp(2 * x)) / 2),
                 ("softplus", {"beta": 2.0, "threshold": 3.0})),
    "logsigmoid": (F.logsigmoid, lambda x: np.log(_sigmoid(x)), ("logsigmoid", {})),
    "softmax": (lambda t: F.softmax(t, -1), lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True),
                ("softmax", {"dim": -1})),
    "log_softmax": (lambda t: F.log_softmax(t, 0), lambda x: x - np.log(np.exp(x).sum(0, keepdims=True)),
                    ("log_softmax", {"dim": 0})),
    "selu": (F.selu, lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)), ("selu", {})),
    "silu": (F.silu, lambda x: x * _sigmoid(x), ("silu", {})),
    "mish": (F.mish, lambda x: x * np.tanh(np.log1p(np.exp(x))), ("mish", {})),
    "gelu": (F.gelu, lambda x: x * (1 + _erf(x / math.sqrt(2))) / 2, ("gelu", {})),
    "gelu_tanh": (lambda t: F.gelu(t, approximate="tanh"),
                  lambda x: x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))) / 2,
                  ("gelu", {"approximate": "tanh"})),
    "hardtanh": (lambda t: F.hardtanh(t, -0.5, 1.5), lambda x: np.clip(x, -0.5, 1.5),
                 ("hardtanh", {"min_val": -0.5, "max_val": 1.5})),
    "relu6": (lambda t: F.relu6(t * 4), lambda x: np.clip(x * 4, 0, 6), ("relu6", {})),
    "softsign": (F.softsign, lambda x: x / (1 + np.abs(x)), ("softsign", {})),
}
# kinks to keep inputs away from (softplus with beta 2 switches to linear at x = 1.5; relu6 is of 4x)
KINKS = {"relu": (0.0,), "leaky_relu": (0.0,), "elu": (0.0,), "softplus": (1.5,), "selu": (0.0,),
         "hardtanh": (-0.5, 1.5), "relu6": (0.0, 1.5), "softsign": (0.0,)}
TORCH_CALLS = {"relu6": lambda torch_fn, t: torch_fn(t * 4)}  # the others: torch_fn(t, **kwargs)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@given(shape=shapes)
def test_activation_forward_gradcheck_gradgradcheck(name, shape):
    fn, reference, _ = ACTIVATIONS[name]
    x = away_from_kinks(rng, shape, kinks=KINKS.get(name, ()), scale=2.0)
    check_op(fn, [x], expected=reference(x))


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_matches_torch(name):
    torch = pytest.importorskip("torch")
    fn, _, (torch_name, kwargs) = ACTIVATIONS[name]
    x = away_from_kinks(rng, (3, 5), kinks=KINKS.get(name, ()), scale=3.0)
    torch_fn = getattr(torch.nn.functional, torch_name)
    call = TORCH_CALLS.get(name, lambda f, t: f(t, **kwargs))
    compare_with_torch(fn, lambda t: call(torch_fn, t), [x])


@pytest.mark.parametrize("name", ["selu", "silu", "mish", "gelu", "gelu_tanh", "hardtanh", "relu6", "softsign"])
def test_composed_activation_matches_torch_in_float32(name):
    """The compositions in float32, across |x| < 12: values within 1e-6 relative or 5e-7 absolute of the exact
    (float64) ones and of PyTorch's fused kernels, gradients within 1e-6 relative or absolute of PyTorch's. GELU's
    to 2e-6, its gradients to 3e-6 absolute: PyTorch's own float32 values are up to 1e-6 off the exact ones (ours
    4.5e-7; in gelu's left tail 1 + erf(x/√2) cancels), and the gradients read tanh' as 1 - tanh², from tanh's
    rounded output, which near ±1 is a few 1e-7 off, times x·u' (up to ~20). SELU's gradient reads ELU's the
    same way (y + α). Second derivatives: in float64, above."""
    torch = pytest.importorskip("torch")
    fn, reference, (torch_name, kwargs) = ACTIVATIONS[name]
    torch_fn = getattr(torch.nn.functional, torch_name)
    call = TORCH_CALLS.get(name, lambda f, t: f(t, **kwargs))
    x = away_from_kinks(rng, (40, 50), kinks=KINKS.get(name, ()), scale=4.0).clip(-12, 12).astype(np.float32)
    ours, theirs = ng.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = fn(ours), call(torch_fn, theirs)
    assert y.dtype == ng.float32
    np.testing.assert_allclose(y.numpy(), reference(x.astype(np.float64)), rtol=1e-6, atol=5e-7)
    gelu = name.startswith("gelu")
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=2e-6 if gelu else 1e-6,
                               atol=2e-6 if gelu else 5e-7)
    v = rng.standard_normal(x.shape).astype(np.float32)
    (g,), (tg,) = ng.grad(y, [ours], ng.tensor(v)), torch.autograd.grad(ty, [theirs], torch.tensor(v))
    np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=2e-6 if gelu else 1e-6, atol=3e-6 if gelu else 1e-6)


def test_prelu_matches_torch_with_the_weights_gradients_to_the_second_order():
    """One slope for all, one per channel (dim 1) of (N, C, H, W) and of (N, C), the weight differentiated too."""
    for x_shape, w_shape in [((2, 3, 4, 5), (3,)), ((2, 3, 4, 5), (1,)), ((4, 3), (3,)), ((5,), (1,)), ((4, 3), ())]:
        x, w = away_from_kinks(rng, x_shape), rng.uniform(0.05, 0.5, w_shape)
        compare_with_torch(F.prelu, lambda t, u: __import__("torch").nn.functional.prelu(t, u), [x, w])
        check_op(F.prelu, [x, w], expected=np.where(x > 0, x, x * w.reshape(w.shape + (1,) * (x.ndim - 2))),
                 layouts=("contiguous", "sliced"))
    torch = pytest.importorskip("torch")
    zero, tzero = ng.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)  # at the kink: torch's slope w
    (dx,) = ng.grad(F.prelu(zero, ng.tensor([0.3])).sum(), [zero])
    (tdx,) = torch.autograd.grad(torch.nn.functional.prelu(tzero, torch.tensor([0.3])).sum(), [tzero])
    np.testing.assert_array_equal(dx.numpy(), tdx.numpy())


def test_composed_activations_refuse_bad_arguments_naming_the_op():
    ints = ng.tensor([1, 2, 3])
    for name in ("selu", "silu", "mish", "gelu", "hardtanh", "relu6", "softsign"):
        with pytest.raises(TypeError, match=rf"{name}: expected floating-point tensors, got int64"):
            getattr(F, name)(ints)
    with pytest.raises(ValueError, match=r"gelu: approximate must be 'none' or 'tanh', got 'erf'"):
        F.gelu(ng.ones(2), approximate="erf")
    with pytest.raises(ValueError, match=r"hardtanh: max_val must be a number >= min_val \(1.0\), got 0.5"):
        F.hardtanh(ng.ones(2), 1.0, 0.5)
    with pytest.raises(ValueError, match=r"prelu: weight of shape \(2,\) must hold 1 slope or one per channel of "
                                         r"the input \(dim 1\), 3 for input of shape \(4, 3\)"):
        F.prelu(ng.ones(4, 3), ng.ones(2))
    with pytest.raises(ValueError, match=r"prelu: weight of shape \(1, 3\) must hold 1 slope"):
        F.prelu(ng.ones(4, 3), ng.ones(1, 3))
    with pytest.raises(TypeError, match=r"prelu: input \(float32\) and weight \(float64\) must share one dtype"):
        F.prelu(ng.ones(4, 3), ng.tensor(np.ones(3)))


def test_hardtanh_passes_no_gradient_at_its_bounds_as_torch():
    """clamp's gradient passes at the bounds, PyTorch's hardtanh's does not: hardtanh is not clamp."""
    torch = pytest.importorskip("torch")
    values = [-2.0, -1.0, 0.3, 1.0, 2.0, float("nan")]
    x, tx = ng.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    y, ty = F.hardtanh(x), torch.nn.functional.hardtanh(tx)
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())  # NaN passes through in both
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    assert x.grad.tolist()[:5] == [0.0, 0.0, 1.0, 0.0, 0.0]


def test_worked_numbers():
    x = ng.tensor([0.0], dtype=ng.float64)
    assert F.sigmoid(x).item() == 0.5
    assert F.tanh(x).item() == 0.0
    assert F.softplus(x).item() == pytest.approx(math.log(2), rel=1e-15)
    assert F.logsigmoid(x).item() == pytest.approx(-math.log(2), rel=1e-15)
    assert F.elu(ng.tensor([-math.log(2)], dtype=ng.float64)).item() == pytest.approx(-0.5, rel=1e-15)
    np.testing.assert_allclose(F.leaky_relu(ng.tensor([-2.0, 3.0])).numpy(), [-0.02, 3.0], rtol=1e-7)
    np.testing.assert_allclose(F.softmax(ng.tensor([[1.0, 1.0, 1.0, 1.0]]), 1).numpy(), [[0.25] * 4])
    np.testing.assert_allclose(F.log_softmax(ng.tensor([0.0, 0.0]), 0).numpy(), [-math.log(2)] * 2, rtol=1e-7)
    one = ng.tensor([1.0], dtype=ng.float64)
    assert F.gelu(one).item() == pytest.approx(0.8413447460685429, rel=1e-15)  # Φ(1)
    assert F.silu(one).item() == pytest.approx(1 / (1 + math.exp(-1)), rel=1e-15)
    assert F.selu(-one * 1000).item() == pytest.approx(-1.0507009873554805 * 1.6732632423543772, rel=1e-15)
    assert F.softsign(one).item() == 0.5 and F.relu6(one * 7).item() == 6.0 and F.mish(one * 0).item() == 0.0
    assert F.prelu(-one, ng.tensor([0.25], dtype=ng.float64)).item() == -0.25


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_along_a_dimension_of_size_zero_is_empty_as_torchs(name):
    torch = pytest.importorskip("torch")  # (it took the max of nothing); attention over no keys comes this way
    compare_with_torch(lambda x: getattr(F, name)(x, -1), lambda x: getattr(torch, name)(x, -1), [np.zeros((3, 0))])


def test_saturated_inputs_stay_finite_and_exact():
    big = ng.tensor([-1000.0, -50.0, 50.0, 1000.0], dtype=ng.float64, requires_grad=True)
    np.testing.assert_allclose(F.sigmoid(big).numpy(), [0.0, np.exp(-50), 1.0, 1.0], rtol=1e-12)
    np.testing.assert_allclose(F.logsigmoid(big).numpy(), [-1000.0, -50.0, -np.exp(-50), 0.0], rtol=1e-12)
    np.testing.assert_allclose(F.softplus(big).numpy(), [0.0, np.exp(-50), 50.0, 1000.0], rtol=1e-12)
    np.testing.assert_allclose(F.softmax(big, 0).numpy(), [0, 0, 0, 1.0])
    F.logsigmoid(big).sum().backward()
    np.testing.assert_allclose(big.grad.numpy(), [1.0, 1.0, np.exp(-50), 0.0], rtol=1e-12)


def test_relu_keeps_nan_and_maps_minus_infinity_to_zero():
    y = F.relu(ng.tensor([np.nan, -np.inf, np.inf]))
    assert np.isnan(y.numpy()[0]) and y.numpy()[1] == 0 and y.numpy()[2] == np.inf


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [7, 1 << 16])  # one thread, and the threads (backend/cpu/threads.py)
def test_cpu_leaky_relu_kernels_are_the_array_code_to_the_bit(dtype, size):
    """The CPU backend's numba passes against the array code the CUDA backend keeps for other dtypes: the same
    bits for NaN, ±inf, ±0 and ordinary values, on a contiguous and a strided array."""
    from nanogan.backend.cpu import activation as act
    values = np.concatenate([[np.nan, -np.inf, np.inf, 0.0, -0.0, 1e-30, -1e-30],
                             rng.standard_normal(size)]).astype(dtype)
    g = rng.standard_normal(values.size * 2).astype(dtype)
    for x, gx in ((values, g[:values.size]), (np.repeat(values, 2)[::2], g[::2])):  # the second pair: strided
        for slope in (0.2, 0.0, 1.5):
            np.testing.assert_array_equal(act.leaky_relu(x, slope), act.leaky_relu_arrays(x, slope))
            np.testing.assert_array_equal(act.leaky_relu_backward(x, gx, slope),
                                          act.leaky_relu_backward_arrays(x, gx, slope))
            assert act.leaky_relu(x, slope).dtype == act.leaky_relu_backward(x, gx, slope).dtype == dtype


def test_relu_gradient_is_a_mask_with_zero_second_derivative():
    x = ng.tensor([-1.0, 2.0, 3.0], dtype=ng.float64, requires_grad=True)
    (g,) = ng.grad((F.leaky_relu(x, 0.1) * ng.tensor([1.0, 2.0, 3.0], dtype=ng.float64)).sum(), x,
                   create_graph=True)
    np.testing.assert_allclose(g.numpy(), [0.1, 2.0, 3.0])
    assert not g.requires_grad  # a constant mask times a constant: nothing left to differentiate


def test_a_second_derivative_through_leaky_relu_refuses_once_its_input_changed_in_place():
    """Leaky ReLU's gradient node kept its input's array, unchecked: the second derivative below came from the
    changed input, silently ([0.2 1 0.2] where the slopes at the input used were [1 0.2 1]); PyTorch refuses."""
    x = ng.tensor([0.5, -1.0, 2.0], dtype=ng.float64, requires_grad=True)
    w = ng.tensor([1.0, 1.0, 1.0], dtype=ng.float64, requires_grad=True)
    h = x * 1
    gx, = ng.grad((F.leaky_relu(h, 0.2) * w).sum(), [x], create_graph=True)
    np.testing.assert_array_equal(ng.grad(gx.sum(), [w], retain_graph=True)[0].numpy(), [1.0, 0.2, 1.0])
    with ng.no_grad():
        h.mul_(-1)
    with pytest.raises(RuntimeError, match=r"LeakyReLUGrad: its input 1 of shape \(3,\) was changed in place"):
        ng.grad(gx.sum(), [w])


def test_softmax_of_float32_large_logits_does_not_overflow():
    y = F.softmax(ng.tensor([[1000.0, 1000.0], [-1000.0, 0.0]]), 1)
    np.testing.assert_allclose(y.numpy(), [[0.5, 0.5], [0.0, 1.0]])
    assert y.dtype == ng.float32


def test_dropout_mask_scale_seed_and_modes():
    x = ng.ones(1000, 20, requires_grad=True)
    ng.manual_seed(5)
    y = F.dropout(x, p=0.25)
    values = np.unique(y.numpy())
    np.testing.assert_allclose(values, [0.0, 1 / 0.75], rtol=1e-6)
    kept = (y.numpy() != 0).mean()
    assert abs(kept - 0.75) < 0.01  # 20000 Bernoulli draws: standard deviation 0.003
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.numpy())  # the gradient is the same scaled mask
    ng.manual_seed(5)
    np.testing.assert_array_equal(F.dropout(x, p=0.25).numpy(), y.numpy())
    assert F.dropout(x, p=0.25, training=False) is x
    assert F.dropout(x, p=0.0) is x
    assert not F.dropout(x, p=1.0).numpy().any()


def test_dropout_second_order():
    def same_mask_dropout(t):  # finite differences need the same mask at every evaluation
        ng.manual_seed(3)
        return F.dropout(t * t, p=0.5)
    check_op(same_mask_dropout, [rng.standard_normal((4, 5))])


@given(st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple), st.integers(1, 4), st.integers(1, 3),
       st.booleans())
def test_linear_gradcheck(lead, in_features, out_features, with_bias):
    arrays = [rng.standard_normal(lead + (in_features,)), rng.standard_normal((out_features, in_features))]
    if with_bias:
        arrays.append(rng.standard_normal(out_features))
    expected = arrays[0] @ arrays[1].T + (arrays[2] if with_bias else 0)
    check_op(lambda *t: F.linear(*t), arrays, expected=expected)


def test_linear_matches_torch():
    torch = pytest.importorskip("torch")
    arrays = [rng.standard_normal((2, 3, 4)), rng.standard_normal((5, 4)), rng.standard_normal(5)]
    compare_with_torch(lambda x, w, b: F.linear(x, w, b).tanh(),
                       lambda x, w, b: torch.nn.functional.linear(x, w, b).tanh(), arrays)


@pytest.mark.parametrize("layer, shapes", [
    ("linear", [(4, 3), (5, 3), (5,)]),
    ("conv2d", [(2, 3, 6, 5), (4, 3, 3, 3), (4,)]),
    ("conv_transpose2d", [(2, 4, 3, 3), (4, 3, 3, 3), (3,)])])
def test_a_biased_layer_is_one_node_whose_backward_gives_the_bias_gradient(layer, shapes):
    """The bias rides on the layer's own Function (added in place to its output): one node, not two, and
    its gradient Σ g over every axis but the channels', as a node, so that it can be differentiated again."""
    from nanogan.autograd.function import Function
    x, w, b = (ng.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes)
    y = getattr(F, layer)(x, w, b)
    assert y._ctx is not None and y._ctx.inputs[2] is b
    assert all(t._ctx is None for t in y._ctx.inputs)  # nothing between the leaves and the one node
    g = ng.tensor(rng.standard_normal(y.shape))
    applied = []
    original = Function.apply.__func__
    Function.apply = classmethod(lambda cls, *a, **k: applied.append(cls.__name__) or original(cls, *a, **k))
    try:
        (db,) = ng.grad(y, [b], g, create_graph=True)
    finally:
        Function.apply = classmethod(original)
    np.testing.assert_allclose(db.numpy(), g.numpy().sum(axis=(0, *range(2, y.ndim))), rtol=1e-12)
    assert applied == ["Sum"]  # the pruned pass computes the bias gradient alone


def test_a_bias_in_another_dtype_is_refused_not_cast():
    x32, w32 = ng.ones(2, 3), ng.ones(4, 3)
    with pytest.raises(TypeError, match=r"linear: input \(float32\) and bias \(float64\) must share one dtype"):
        F.linear(x32, w32, ng.tensor(np.ones(4)))
    with pytest.raises(TypeError, match=r"conv2d: input \(float32\), weight \(float32\) and bias \(float64\)"):
        F.conv2d(ng.ones(1, 3, 4, 4), ng.ones(2, 3, 3, 3), ng.tensor(np.ones(2)))


def test_errors_name_the_op_and_shapes():
    ints = ng.tensor([1, 2, 3])
    with pytest.raises(TypeError, match=r"LeakyReLU: expected floating-point tensors, got int64"):
        F.leaky_relu(ints)
    with pytest.raises(TypeError, match=r"relu: bool tensors are not supported, got one of shape \(3,\)"):
        F.relu(ints > 1)  # an integer tensor's relu is an integer tensor (tests/test_elementwise_names.py)
    with pytest.raises(TypeError, match=r"dropout: expected floating-point tensors, got int64 .* shape \(3,\)"):
        F.dropout(ints)
    with pytest.raises(ValueError, match=r"dropout: p must be a probability in \[0, 1\], got 1.5"):
        F.dropout(ng.ones(3), 1.5)
    with pytest.raises(IndexError, match=r"softmax: dimension 2 out of range for a tensor with 2 dimensions"):
        F.softmax(ng.ones(2, 3), 2)
    with pytest.raises(ValueError, match=r"linear: input of shape \(2, 3\) and weight of shape \(4, 5\)"):
        F.linear(ng.ones(2, 3), ng.ones(4, 5))
    with pytest.raises(ValueError, match=r"linear: bias of shape \(3,\) does not match weight of shape \(4, 5\)"):
        F.linear(ng.ones(2, 5), ng.ones(4, 5), ng.ones(3))
    with pytest.raises(TypeError, match=r"linear: expected floating-point tensors, got int64"):
        F.linear(ng.tensor([[1, 2]]), ng.ones(3, 2))


@pytest.mark.parametrize("beta", [0.0, -1.0, float("nan"), True])
def test_softplus_refuses_a_beta_that_is_not_a_positive_number(beta):
    """beta = NaN passed the check `beta <= 0` and made every output NaN."""
    with pytest.raises(ValueError, match=rf"softplus: beta must be a number > 0, got {beta}"):
        F.softplus(ng.ones(2), beta=beta)


@pytest.mark.parametrize("slope", [0.0, 0.1])
def test_relu_and_leaky_relu_of_a_0_d_tensor_stay_0_d(slope):
    """np.ascontiguousarray makes a 0-d array (1,): leaky_relu gave shape (1,) and the backward of both refused."""
    x = ng.tensor(-2.0, dtype=ng.float64, requires_grad=True)
    y = F.leaky_relu(x, slope)
    y.backward()
    assert y.shape == () and y.item() == -2.0 * slope and x.grad.item() == slope


def test_softmax_and_log_softmax_of_a_0_d_tensor_are_those_of_one_element():
    """They raised numpy's AxisError; PyTorch gives 1 and 0, with gradient 0."""
    x = ng.tensor(0.5, dtype=ng.float64, requires_grad=True)
    for fn, value in ((F.softmax, 1.0), (F.log_softmax, 0.0)):
        y = fn(x, -1)
        assert y.shape == () and y.item() == value
        assert ng.grad(y, [x])[0].item() == 0.0
    with pytest.raises(IndexError, match=r"softmax: dimension 1 out of range for a tensor with 0 dimensions"):
        F.softmax(x, 1)


@pytest.mark.parametrize("ndim", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_without_a_dim_takes_torchs_deprecated_guess_with_its_warning(name, ndim):
    """nn.Softmax() (PyTorch-GAN's ACGAN and InfoGAN heads) was refused; PyTorch normalises along dim 0 of a 0-, 1-
    or 3-d input and along dim 1 otherwise, and warns."""
    torch = pytest.importorskip("torch")
    layer = {"softmax": "Softmax", "log_softmax": "LogSoftmax"}[name]
    x = rng.standard_normal((2, 3, 4, 5)[:ndim])
    for call in (lambda lib, t: getattr(lib.nn.functional, name)(t), lambda lib, t: getattr(lib.nn, layer)()(t)):
        with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name} has been deprecated"):
            ours = call(ng, ng.tensor(x))
        with pytest.warns(UserWarning):
            theirs = call(torch, torch.tensor(x))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_takes_torchs_dtype_and_stacklevel(name):
    """F.softmax(x, dim, dtype=...) (the input cast first, the gradient cast back) and the positional _stacklevel
    of PyTorch's signature were refused with a TypeError."""
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((3, 4)).astype(np.float32)
    ours_x, theirs_x = ng.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours = getattr(F, name)(ours_x, 1, dtype=ng.float64)
    theirs = getattr(torch.nn.functional, name)(theirs_x, 1, dtype=torch.float64)
    assert ours.dtype == ng.float64
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-15)
    g = rng.standard_normal((3, 4))
    ours.backward(ng.tensor(g))
    theirs.backward(torch.tensor(g))
    assert ours_x.grad.dtype == ng.float32
    np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=1e-6, atol=1e-7)
    # the deprecation warning is attributed _stacklevel frames up: the caller by default, softmax itself at 2
    for stacklevel, where in ((3, __file__), (2, F.softmax.__code__.co_filename)):
        with pytest.warns(UserWarning, match="Implicit dimension choice") as caught:
            getattr(F, name)(ng.ones(2, 3), None, stacklevel)
        assert caught[0].filename == where


# ---- inplace=True: written into the input, with the gradients of the op done out of place -------------------------
INPLACE = {  # name -> (nanogan's call, torch's call of torch.nn.functional)
    "relu": (lambda h: F.relu(h, inplace=True), lambda tf, h: tf.relu(h, inplace=True)),
    "leaky_relu": (lambda h: F.leaky_relu(h, 0.2, inplace=True), lambda tf, h: tf.leaky_relu(h, 0.2, inplace=True)),
    "elu": (lambda h: F.elu(h, 1.3, inplace=True), lambda tf, h: tf.elu(h, 1.3, inplace=True)),
    "selu": (lambda h: F.selu(h, inplace=True), lambda tf, h: tf.selu(h, inplace=True)),
    "silu": (lambda h: F.silu(h, inplace=True), lambda tf, h: tf.silu(h, inplace=True)),
    "mish": (lambda h: F.mish(h, inplace=True), lambda tf, h: tf.mish(h, inplace=True)),
    "hardtanh": (lambda h: F.hardtanh(h, -0.5, 0.7, inplace=True), lambda tf, h: tf.hardtanh(h, -0.5, 0.7, True)),
    "relu6": (lambda h: F.relu6(h, inplace=True), lambda tf, h: tf.relu6(h, inplace=True)),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_an_activation_in_place_on_a_convolutions_output_equals_torch_to_the_second_derivative(name):
    """y = F.leaky_relu(conv(x), 0.2, inplace=True), as ported discriminators write it."""
    torch = pytest.importorskip("torch")
    ours, theirs = INPLACE[name]

    def ours_fn(x, w):
        h = F.conv2d(x, w)
        assert ours(h) is h
        return h

    arrays = [rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((4, 3, 3, 3))]
    compare_with_torch(ours_fn, lambda x, w: theirs(torch.nn.functional, torch.nn.functional.conv2d(x, w)), arrays)


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_an_activation_in_place_on_a_view_changes_its_base_as_in_torch(name):
    torch = pytest.importorskip("torch")
    ours, theirs = INPLACE[name]

    def ours_fn(x, w):
        h = F.linear(x, w)
        ours(h[:, 1:3])
        return h * h

    def torch_fn(x, w):
        h = torch.nn.functional.linear(x, w)
        theirs(torch.nn.functional, h[:, 1:3])
        return h * h

    compare_with_torch(ours_fn, torch_fn, [rng.standard_normal((3, 4)), rng.standard_normal((5, 4))])


def test_in_place_on_a_leaf_that_requires_grad_is_refused_and_outside_the_graph_it_changes_the_tensor():
    x = ng.tensor([-1.0, 2.0], dtype=ng.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"leaky_relu \(inplace=True\): a leaf tensor of shape \(2,\) that "
                                           r"requires grad cannot be changed in place"):
        F.leaky_relu(x, 0.2, inplace=True)  # as torch refuses it
    t = ng.tensor([-1.0, 2.0])
    assert F.relu(t, inplace=True) is t and t.tolist() == [0.0, 2.0]
    with ng.no_grad():
        F.elu(x, inplace=True)
    np.testing.assert_allclose(x.numpy(), [math.expm1(-1.0), 2.0], rtol=1e-15)
    with pytest.raises(ValueError, match=r"relu: inplace must be True or False, got 'yes'"):
        F.relu(t, inplace="yes")


def test_dropout_in_place_draws_the_same_mask_and_has_the_same_gradient():
    x = ng.tensor(rng.standard_normal((20, 30)), dtype=ng.float64, requires_grad=True)
    v = ng.tensor(rng.standard_normal((20, 30)), dtype=ng.float64)
    ng.manual_seed(4)
    expected = F.dropout(x * 1, 0.4)
    expected_grad, = ng.grad(expected, [x], v)
    ng.manual_seed(4)
    h = x * 1
    assert F.dropout(h, 0.4, inplace=True) is h
    np.testing.assert_array_equal(h.numpy(), expected.numpy())
    h.backward(v)
    np.testing.assert_array_equal(x.grad.numpy(), expected_grad.numpy())
    assert F.dropout(h, 0.4, training=False, inplace=True) is h


def test_dropout2d_zeroes_whole_channels_and_its_gradient_is_the_same_scaled_mask():
    x = ng.tensor(rng.uniform(1, 2, (40, 50, 3, 2)), dtype=ng.float64, requires_grad=True)
    ng.manual_seed(6)
    y = F.dropout2d(x, 0.25)
    kept = y.numpy() != 0
    np.testing.assert_array_equal(kept, np.broadcast_to(kept[:, :, :1, :1], kept.shape))
    assert abs(kept[:, :, 0, 0].mean() - 0.75) < 0.025  # 2000 channels: standard deviation 0.01
    np.testing.assert_allclose(y.numpy()[kept], x.numpy()[kept] / 0.75, rtol=1e-12)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), kept / 0.75, rtol=1e-12)
    ng.manual_seed(6)
    np.testing.assert_array_equal(F.dropout2d(x, 0.25).numpy(), y.numpy())
    assert F.dropout2d(x, 0.25, training=False) is x and F.dropout2d(x, 0.0) is x
    assert not F.dropout2d(x, 1.0).numpy().any()


def test_dropout2d_second_order():
    def same_mask_dropout2d(t):  # finite differences need the same mask at every evaluation
        ng.manual_seed(3)
        return F.dropout2d(t * t, p=0.5)
    check_op(same_mask_dropout2d, [rng.standard_normal((2, 3, 2, 2))])


def test_dropout2d_errors_name_the_op_and_shape():
    with pytest.raises(ValueError, match=r"dropout2d: expected an \(N, C, H, W\) input, got shape \(3, 4, 5\); one "
                                         r"\(C, H, W\) image is x.unsqueeze\(0\)"):
        F.dropout2d(ng.ones(3, 4, 5))
    with pytest.raises(ValueError, match=r"dropout2d: p must be a probability in \[0, 1\], got -0.1"):
        F.dropout2d(ng.ones(1, 2, 3, 3), -0.1)
    with pytest.raises(TypeError, match=r"dropout2d: expected floating-point tensors, got int64"):
        F.dropout2d(ng.ones(1, 2, 3, 3, dtype=ng.int64))


def test_sigmoid_and_tanh_of_integers_and_bools_are_float32_as_in_torch():
    torch = pytest.importorskip("torch")
    for values in ([-2, 0, 3], [True, False]):
        for name in ("sigmoid", "tanh"):
            ours, theirs = getattr(ng.tensor(values), name)(), getattr(torch.tensor(values), name)()
            assert ours.dtype == ng.float32 and theirs.dtype == torch.float32
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


LATER_ACTIVATIONS = {
    "hardsigmoid": lambda F: lambda x: F.hardsigmoid(x),
    "hardswish": lambda F: lambda x: F.hardswish(x),
    "celu": lambda F: lambda x: F.celu(x, alpha=0.7),
    "threshold": lambda F: lambda x: F.threshold(x, 0.3, -2.0),
    "hardshrink": lambda F: lambda x: F.hardshrink(x, 0.4),
    "softshrink": lambda F: lambda x: F.softshrink(x, 0.4),
    "tanhshrink": lambda F: lambda x: F.tanhshrink(x),
    "softmin": lambda F: lambda x: F.softmin(x, dim=1),
    "glu": lambda F: lambda x: F.glu(x, dim=1),
    "glu, last dim": lambda F: lambda x: F.glu(x),
}


@pytest.mark.parametrize("name", sorted(LATER_ACTIVATIONS))
def test_later_activations_match_pytorch_to_the_second_derivative(name):
    """Values over [-4, 4], away from every kink (±3, the thresholds), in float64 and float32."""
    torch = pytest.importorskip("torch")
    from harness import away_from_kinks, compare_with_torch
    rng = np.random.default_rng(sorted(LATER_ACTIVATIONS).index(name))
    x = away_from_kinks(rng, (3, 6, 2), kinks=(-3.0, -0.4, 0.0, 0.3, 0.4, 3.0), margin=0.05, scale=2.0)
    ours = LATER_ACTIVATIONS[name](ng.nn.functional)
    # PyTorch's hardsigmoid has no second derivative; its documented definition relu6(x + 3)/6 has
    theirs = (lambda x: torch.nn.functional.relu6(x + 3) / 6) if name == "hardsigmoid" else \
        LATER_ACTIVATIONS[name](torch.nn.functional)
    compare_with_torch(ours, theirs, [x])
    compare_with_torch(ours, theirs, [x], dtype=np.float32, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["hardsigmoid", "hardswish", "celu", "threshold"])
def test_later_activations_in_place_write_into_their_input(name):
    F = ng.nn.functional
    x = ng.tensor([-4.0, -1.0, 0.5, 4.0])
    expected = LATER_ACTIVATIONS[name](F)(x).numpy()
    arguments = {"celu": (0.7,), "threshold": (0.3, -2.0)}.get(name, ())
    assert getattr(F, name)(x, *arguments, inplace=True) is x
    np.testing.assert_allclose(x.numpy(), expected)


def test_worked_example_hard_activations_and_shrinks_at_their_corners():
    F = ng.nn.functional
    x = ng.tensor([-3.0, -1.5, 0.0, 1.5, 3.0])
    np.testing.assert_allclose(F.hardsigmoid(x).numpy(), [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_allclose(F.hardswish(x).numpy(), [0, -0.375, 0, 1.125, 3])
    np.testing.assert_allclose(F.softshrink(x, 1.0).numpy(), [-2, -0.5, 0, 0.5, 2])
    np.testing.assert_allclose(F.hardshrink(x, 1.5).numpy(), [-3, 0, 0, 0, 3])
    np.testing.assert_allclose(F.glu(ng.tensor([2.0, 0.0])).numpy(), [1.0])  # 2·sigmoid(0)


def test_later_activations_refuse_bad_input_with_the_op_and_shapes():
    F = ng.nn.functional
    with pytest.raises(ValueError, match=r"glu: the halved dimension 1 of the input of shape \(2, 3\) must have an "
                                         r"even size, got 3"):
        F.glu(ng.zeros(2, 3), 1)
    with pytest.raises(ValueError, match="softshrink: lambd must be a number >= 0, got -1"):
        F.softshrink(ng.zeros(3), -1)
    with pytest.raises(ValueError, match="celu: alpha must be a finite number other than 0, got 0"):
        F.celu(ng.zeros(3), 0.0)
    with pytest.raises(TypeError, match="hardswish: expected floating-point"):
        F.hardswish(ng.zeros(3, dtype=ng.int64))
    with pytest.raises(ValueError, match=r"Softmax2d: expected a 3-D \(C, H, W\) or 4-D \(N, C, H, W\) input, got "
                                         r"shape \(2, 3\)"):
        ng.nn.Softmax2d()(ng.zeros(2, 3))


def _gumbel_softmax_with_its_noise(logits_np, seed, **kwargs):
    """nanogan's gumbel_softmax of float64 logits drawn after ng.manual_seed(seed), with the Gumbel noise it drew:
    the global generator after manual_seed(s) is numpy's default_rng(s)."""
    ng.manual_seed(seed)
    logits = ng.tensor(logits_np, requires_grad=True)
    y = F.gumbel_softmax(logits, **kwargs)
    return logits, y, -np.log(np.random.default_rng(seed).exponential(1.0, logits_np.shape))


@pytest.mark.parametrize("hard", [False, True])
@pytest.mark.parametrize("dim", [-1, 0])
def test_gumbel_softmax_is_torchs_formula_for_its_noise_to_the_second_derivative(hard, dim):
    """softmax((logits + G)/tau), straight-through when hard: values, gradients and the gradient of the squared
    gradient norm equal torch's formula (F.gumbel_softmax's own code) given the same G."""
    torch = pytest.importorskip("torch")
    logits_np = np.random.default_rng(3).standard_normal((4, 5))
    u = np.random.default_rng(4).standard_normal((4, 5))
    logits, y, noise = _gumbel_softmax_with_its_noise(logits_np, 11, tau=0.7, hard=hard, dim=dim)
    theirs_logits = torch.tensor(logits_np, requires_grad=True)
    soft = ((theirs_logits + torch.tensor(noise)) / 0.7).softmax(dim)
    theirs = soft
    if hard:
        one_hot = torch.zeros_like(soft).scatter_(dim, soft.argmax(dim, keepdim=True), 1.0)
        theirs = one_hot - soft.detach() + soft
    np.testing.assert_allclose(y.detach().numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-15)
    (g,) = ng.grad((y * ng.tensor(u)).sum(), logits, create_graph=True)
    (g_theirs,) = torch.autograd.grad((theirs * torch.tensor(u)).sum(), theirs_logits, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), g_theirs.detach().numpy(), rtol=1e-10, atol=1e-13)
    (gg,) = ng.grad((g ** 2).sum(), logits)
    (gg_theirs,) = torch.autograd.grad((g_theirs ** 2).sum(), theirs_logits)
    np.testing.assert_allclose(gg.numpy(), gg_theirs.numpy(), rtol=1e-9, atol=1e-12)
    if hard:
        assert set(np.unique(y.detach().numpy())) == {0.0, 1.0} and (y.detach().numpy().sum(dim) == 1).all()


def test_gumbel_softmax_draws_categories_in_proportion_to_the_softmax_of_the_logits():
    """The Gumbel-max property: the argmax of logits + G is a draw from softmax(logits), whatever tau."""
    logits = ng.tensor([[1.0, 0.0, -1.0, 2.0]], dtype=ng.float64).expand(20000, 4)
    probabilities = F.softmax(logits[0], 0).numpy()
    ng.manual_seed(2)
    picks = F.gumbel_softmax(logits, tau=0.3, hard=True).numpy().argmax(1)
    frequencies = np.bincount(picks, minlength=4) / picks.size
    np.testing.assert_allclose(frequencies, probabilities,
                               atol=4.5 * np.sqrt(probabilities.max() * (1 - probabilities.min()) / picks.size))


def test_gumbel_softmax_refuses_what_has_no_meaning():
    with pytest.raises(ValueError, match="gumbel_softmax: tau must be a finite number > 0, got 0"):
        F.gumbel_softmax(ng.zeros(2, 3), tau=0)
    with pytest.raises(TypeError, match="gumbel_softmax"):
        F.gumbel_softmax(ng.zeros(2, 3, dtype=ng.int64))
    with pytest.warns(UserWarning, match="gumbel_softmax: eps is deprecated and has no effect"):
        F.gumbel_softmax(ng.zeros(2, 3), eps=1e-5)


@pytest.mark.parametrize("name, shape, channel_axes", [("dropout1d", (30, 40, 3), 2), ("dropout1d", (60, 3), 1),
                                                       ("dropout3d", (30, 40, 2, 1, 2), 2),
                                                       ("dropout3d", (60, 2, 2, 1), 1)])
def test_dropout1d_and_3d_zero_whole_channels_batched_or_not(name, shape, channel_axes):
    x = ng.tensor(rng.uniform(1, 2, shape), dtype=ng.float64, requires_grad=True)
    ng.manual_seed(6)
    y = getattr(F, name)(x, 0.25)
    kept = y.numpy() != 0
    per_channel = kept[(...,) + (0,) * (len(shape) - channel_axes)]
    np.testing.assert_array_equal(kept, np.broadcast_to(per_channel.reshape(per_channel.shape + (1,) * (
        len(shape) - channel_axes)), shape))
    assert abs(per_channel.mean() - 0.75) < 4.5 * np.sqrt(0.75 * 0.25 / per_channel.size)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), kept / 0.75, rtol=1e-12)
    assert getattr(F, name)(x, 0.25, training=False) is x


def test_channel_dropouts_refuse_inputs_of_another_rank():
    refused_as_by_torch(lambda lib: lib.nn.functional.dropout1d(lib.ones(2, 3, 4, 5)), ValueError,
                        r"dropout1d: expected an \(N, C, L\) or \(C, L\) input, got shape \(2, 3, 4, 5\)")
    with pytest.raises(ValueError, match=r"dropout3d: expected an \(N, C, D, H, W\) or \(C, D, H, W\) input"):
        F.dropout3d(ng.ones(2, 3, 4))  # PyTorch warns that this will be an error


def test_alpha_dropout_takes_torchs_values_and_keeps_a_unit_normal_one():
    """At p = 0.5, PyTorch's alpha_dropout of ones gives 1.6655989 where kept and -0.77919394 where dropped (the
    affine map of SELU's saturation); over 200,000 N(0, 1) draws the mean stays 0 and the deviation 1."""
    ng.manual_seed(1)
    y = F.feature_alpha_dropout(ng.ones(50, 40, 2, dtype=ng.float64), 0.5, training=True).numpy()
    np.testing.assert_allclose(np.unique(y), [-0.77919394, 1.6655989], rtol=1e-7)
    np.testing.assert_array_equal(y[:, :, 0], y[:, :, 1])  # a whole channel at once
    x = ng.randn(200000, dtype=ng.float64, requires_grad=True)
    y = F.alpha_dropout(x, 0.2, training=True)
    assert abs(y.numpy().mean()) < 0.01 and abs(y.numpy().std() - 1) < 0.01
    y.sum().backward()
    a = (0.8 * (1 + 0.2 * 1.7580993408473766 ** 2)) ** -0.5  # dx = g·a where kept, 0 where dropped
    dropped = np.isclose(y.numpy(), -1.7580993408473766 * a + 1.7580993408473766 * a * 0.2)
    np.testing.assert_allclose(x.grad.numpy(), np.where(dropped, 0.0, a), rtol=1e-12)
    assert abs(dropped.mean() - 0.2) < 0.005
    assert F.alpha_dropout(x, 0.2) is x  # the functional form is off unless training=True, as PyTorch's
    assert not F.alpha_dropout(x, 1.0, training=True).numpy().any()


def test_rrelu_is_leaky_relu_at_the_mean_slope_in_evaluation_as_torchs():
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((4, 5))
    np.testing.assert_allclose(F.rrelu(ng.tensor(x), 0.1, 0.3).numpy(),
                               torch.nn.functional.rrelu(torch.tensor(x), 0.1, 0.3).numpy(), rtol=1e-15)
    refused_as_by_torch(lambda lib: lib.nn.functional.rrelu(lib.ones(3), 0.5, 0.2), ValueError,
                        r"rrelu: \(lower, upper\) must be finite numbers lower <= upper, got \(0.5, 0.2\)")


def test_rrelu_in_training_draws_a_slope_per_negative_element_which_is_its_gradient():
    x = ng.tensor(rng.standard_normal((50, 40)), dtype=ng.float64, requires_grad=True)
    ng.manual_seed(2)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    y.sum().backward()
    negative = x.numpy() <= 0
    slopes = y.numpy()[negative] / x.numpy()[negative]
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.05  # U(0.1, 0.3): deviation 0.058
    np.testing.assert_allclose(x.grad.numpy()[negative], slopes, rtol=1e-10)
    np.testing.assert_array_equal(x.grad.numpy()[~negative], 1.0)
    np.testing.assert_array_equal(y.numpy()[~negative], x.numpy()[~negative])

    def same_slopes_rrelu(t):  # finite differences need the same slopes at every evaluation
        ng.manual_seed(3)
        return F.rrelu(t, 0.1, 0.3, training=True) * t
    check_op(same_slopes_rrelu, [away_from_kinks(rng, (3, 4))])


def test_the_new_dropout_and_rrelu_layers_print_and_switch_off_as_torchs():
    torch = pytest.importorskip("torch")
    for name, args in [("Dropout1d", (0.2,)), ("Dropout3d", ()), ("AlphaDropout", (0.3,)),
                       ("FeatureAlphaDropout", ()), ("RReLU", (0.1, 0.3))]:
        ours, theirs = getattr(ng.nn, name)(*args), getattr(torch.nn, name)(*args)
        assert repr(ours) == repr(theirs)
        x = ng.ones(*((2, 3, 4) if name == "Dropout1d" else (2, 3, 4, 4, 4))) * -1
        assert ours.eval()(x).numpy().tolist() == theirs.eval()(torch.tensor(x.numpy())).numpy().tolist()
