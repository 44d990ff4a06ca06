"""The engine itself: graph traversal, grad mode, freeing, errors, higher order."""
import math

import numpy as np
import pytest

import nanogan as ng
import nanogan.nn.functional as F
from harness import check_op, away_from_kinks, compare_with_torch
from nanogan.autograd.function import NotDifferentiable, memory_owner

rng = np.random.default_rng(0)


def test_backward_accumulates_into_leaves():
    x = ng.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 7.0, 9.0])


def test_shared_subexpression_gradients_sum():
    x = ng.tensor(2.0, dtype=ng.float64, requires_grad=True)
    y = x * x
    z = y * y + y  # x^4 + x^2 -> 4x^3 + 2x = 36
    z.backward()
    assert x.grad.item() == pytest.approx(36.0)


def test_third_derivative():
    x = ng.tensor(1.5, dtype=ng.float64, requires_grad=True)
    y = x.exp() * x ** 3
    (g1,) = ng.grad(y, x, create_graph=True)
    (g2,) = ng.grad(g1, x, create_graph=True)
    (g3,) = ng.grad(g2, x)
    # d³/dx³ [e^x x³] = e^x (x³ + 9x² + 18x + 6)
    assert g3.item() == pytest.approx(np.exp(1.5) * (1.5 ** 3 + 9 * 1.5 ** 2 + 27 + 6))


def test_grad_does_not_touch_leaf_grads_and_prunes():
    x = ng.randn(3, requires_grad=True)
    w = ng.randn(3, requires_grad=True)
    (gx,) = ng.grad((x * w).sum(), x)
    np.testing.assert_allclose(gx.numpy(), w.numpy())
    assert x.grad is None and w.grad is None


def test_no_grad_records_nothing():
    x = ng.randn(3, requires_grad=True)
    with ng.no_grad():
        y = x * 2
    assert not y.requires_grad and y.is_leaf

    @ng.no_grad()
    def double(t):
        return t * 2
    assert not double(x).requires_grad


def test_grad_mode_is_per_thread():
    import threading
    seen = {}

    def worker():
        seen["enabled"] = ng.autograd.grad_mode.is_grad_enabled()
    with ng.no_grad():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        assert not ng.autograd.grad_mode.is_grad_enabled()
    assert seen["enabled"] is True  # a new thread records, whatever the others do


def test_create_graph_false_records_nothing_in_gradients():
    x = ng.randn(3, requires_grad=True)
    (g,) = ng.grad((x * x).sum(), x)
    assert not g.requires_grad
    # x reaches the output along two paths: their gradients are summed as arrays, outside any graph
    (g,) = ng.grad((x * x + x.exp()).sum(), x)
    assert not g.requires_grad and g.is_leaf
    np.testing.assert_allclose(g.numpy(), 2 * x.numpy() + np.exp(x.numpy()), rtol=1e-6)
    s = ng.tensor(0.5, dtype=ng.float64, requires_grad=True)  # 0-d: numpy's sum of two 0-d arrays is a scalar
    (s * s + s).backward()
    assert isinstance(s.grad.array, np.ndarray) and s.grad.item() == pytest.approx(2.0)


def test_second_backward_through_freed_graph_raises():
    x = ng.randn(3, requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = ng.randn(3, requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * np.exp(x.numpy()), rtol=1e-6)


def test_backward_on_non_scalar_needs_gradient():
    x = ng.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"scalar outputs, got an output of shape \(3,\)"):
        (x * 2).backward()
    (x * 2).backward(ng.ones(3))
    np.testing.assert_allclose(x.grad.numpy(), 2.0)


def test_a_leaf_that_stopped_requiring_grad_after_the_forward_pass_gets_no_grad_as_in_pytorch():
    torch = pytest.importorskip("torch")
    seen = {}
    for L in (ng, torch):
        d_weight, z = L.tensor([1.0, 3.0], requires_grad=True), L.tensor([2.0, -1.0], requires_grad=True)
        score = (d_weight * z).sum()
        d_weight.requires_grad_(False)  # D frozen for G's step, after D's forward pass
        score.backward()
        seen[L.__name__] = d_weight.grad, z.grad.tolist()
    assert seen["nanogan"] == seen["torch"] == (None, [1.0, 3.0])


def test_backward_into_the_given_inputs_only_as_in_pytorch():
    torch = pytest.importorskip("torch")
    seen = {}
    for L in (ng, torch):
        x, w = L.tensor([1.0, 2.0], requires_grad=True), L.tensor([3.0, 4.0], requires_grad=True)
        h = x * w
        h.register_hook(lambda g: g * 10)
        y = (h * h).sum()
        y.backward(inputs=[x, x], retain_graph=True)  # once into x, named twice
        y.backward(inputs=h, retain_graph=True)  # a non-leaf's .grad, after its hooks
        first = (x.grad.tolist(), w.grad, h.grad.tolist())
        L.autograd.backward([y], inputs=[w])
        seen[L.__name__] = first, x.grad.tolist(), w.grad.tolist()
        with pytest.raises(RuntimeError, match="inputs"):
            (x * w).sum().backward(inputs=[])
        with pytest.raises(RuntimeError, match="require"):
            (x * w).sum().backward(inputs=[L.tensor([1.0, 2.0])])
    assert seen["nanogan"] == seen["torch"] == (([180.0, 640.0], None, [60.0, 160.0]), [180.0, 640.0], [60.0, 320.0])


def test_a_given_gradient_must_match_its_output():
    """A gradient of another shape was summed down to the leaf's shape: x.grad came out [6, 6, 6] for a (3, 3)
    gradient of 2x. PyTorch refuses it, and so does nanogan; a float64 gradient is cast to the output's dtype."""
    x = ng.randn(3, requires_grad=True)
    for given, error, message in [
        (ng.ones(3, 3), RuntimeError, r"backward: the gradient given for output 0 has shape \(3, 3\), but the output "
                                      r"has shape \(3,\)"),
        (ng.ones(1), RuntimeError, r"has shape \(1,\), but the output has shape \(3,\)"),
        (2.0, TypeError, r"backward: the gradient given for output 0 must be a Tensor of shape \(3,\), got float"),
        (ng.tensor([1, 2, 3]), TypeError, r"must be floating-point, got int64"),
    ]:
        with pytest.raises(error, match=message):
            (x * 2).backward(given)
        assert x.grad is None
    with pytest.raises(RuntimeError, match=r"grad: the gradient given for output 0 has shape \(2, 3\)"):
        ng.grad(x * 2, x, grad_outputs=ng.ones(2, 3))
    with pytest.raises(RuntimeError, match="backward: 1 gradients given for 2 outputs"):
        ng.autograd.backward([x * 2, x * 3], [ng.ones(3)])

    (x * 2).backward(ng.tensor([1.0, 2.0, 3.0], dtype=ng.float64))
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0, 6.0])


def test_grad_of_unused_input():
    x, y = ng.randn(3, requires_grad=True), ng.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="input 1 of shape \\(3,\\) was not used"):
        ng.grad((x * 2).sum(), [x, y])
    gx, gy = ng.grad((x * 2).sum(), [x, y], allow_unused=True)
    assert gy is None


def test_grad_materializes_unused_inputs_gradients_and_refuses_no_inputs_as_pytorch_does():
    torch = pytest.importorskip("torch")
    for L in (ng, torch):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        w = L.tensor([[3.0]], requires_grad=True)
        gx, gw = L.autograd.grad((x * x).sum(), [x, w], materialize_grads=True, create_graph=True)
        np.testing.assert_array_equal(gx.detach().numpy(), [2.0, 4.0])
        np.testing.assert_array_equal(gw.detach().numpy(), [[0.0]])
        assert gw.requires_grad  # as create_graph asks, so that it can be differentiated as the others
        with pytest.raises(ValueError, match="allow_unused"):
            L.autograd.grad((x * x).sum(), [x, w], materialize_grads=True, allow_unused=False)
        with pytest.raises(RuntimeError, match="inputs"):
            L.autograd.grad((x * x).sum(), [])


def test_grad_of_input_not_requiring_grad():
    x = ng.randn(3)
    y = ng.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="does not require grad"):
        ng.grad((x * y).sum(), [x])


def test_integer_tensors_into_differentiable_ops():
    with pytest.raises(TypeError, match="floating-point"):
        ng.tensor([1, 2]).requires_grad_()
    from nanogan.ops.elementwise import Exp
    with pytest.raises(TypeError, match="Exp: expected floating-point tensors, got int64"):
        Exp.apply(ng.tensor([1, 2]))  # the Function itself; ng.exp computes integers in float32, as torch.exp


def test_float_functions_of_integers_and_bools_are_float32_as_in_torch():
    """exp, log, sqrt, log1p, expm1 and erf of an integer or bool tensor were refused ('Exp: expected floating-point
    tensors'); PyTorch computes them in float32."""
    torch = pytest.importorskip("torch")
    arrays = [np.array([[1, 4, 0], [-3, 2, 9]]), np.array([1, 4, 0], dtype=np.uint8), np.array([True, False])]
    for name in ("exp", "log", "sqrt", "log1p", "expm1", "erf"):
        for a in arrays:
            with np.errstate(divide="ignore", invalid="ignore"):  # log 0 = -inf and sqrt(-3) = NaN, as torch's
                ours = getattr(ng.tensor(a), name)()
            theirs = getattr(torch, name)(torch.tensor(a))
            assert ours.dtype == ng.float32 and theirs.dtype == torch.float32
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, err_msg=name)


def test_op_inputs_must_be_tensors_on_one_device(monkeypatch):
    from types import SimpleNamespace
    from nanogan import backend as backends
    from nanogan.ops.elementwise import Add

    with pytest.raises(TypeError, match="Add: input 1 must be a Tensor, got list"):
        Add.apply(ng.ones(2), [1.0, 2.0])

    class FakeArray(np.ndarray):  # arrays of a second device, which this backend owns
        pass
    fake = SimpleNamespace(name="fake", xp=np, owns=lambda a: isinstance(a, FakeArray))
    monkeypatch.setattr(backends, "_loaded", {"fake": fake, **backends._loaded})  # asked before the CPU
    monkeypatch.setattr(backends, "_by_type", {})
    elsewhere = ng.Tensor(np.ones((2, 3), np.float32).view(FakeArray))
    with pytest.raises(RuntimeError, match=r"Add: expected all tensors on one device, got \(2, 3\) on cpu, "
                                           r"\(2, 3\) on fake"):
        Add.apply(ng.ones(2, 3), elsewhere)


def test_mismatched_shapes_name_op_and_shapes():
    with pytest.raises(ValueError, match=r"mul: shapes \(2, 3\) and \(4,\)"):
        ng.ones(2, 3) * ng.ones(4)
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) do not align"):
        ng.ones(2, 3) @ ng.ones(4, 5)


def test_nan_is_not_hidden():
    x = ng.tensor([-1.0, 4.0], requires_grad=True)
    y = x.sqrt()
    assert np.isnan(y.numpy()[0])
    assert np.isnan(ng.tensor([np.nan]).clamp(0, 1).item())


def test_gradcheck_reports_input_index_and_values():
    x = ng.tensor(away_from_kinks(rng, (3,)), requires_grad=True, dtype=ng.float64)
    wrong = lambda a: ng.Tensor(a.array ** 2) * a  # the a² factor escapes the graph  # noqa: E731
    with pytest.raises(ng.autograd.GradcheckError, match=r"input 0 \(shape \(3,\)\) at element \(0,\).*analytic.*numerical"):
        ng.autograd.gradcheck(wrong, [x])


def test_remainder_and_fmod_by_finite_differences():
    """Between the jumps at a/b an integer, d(a mod b)/db = -q(a/b) for q = floor (remainder) or trunc (fmod).
    torch has no derivative for a number % a tensor, so finite differences check that one, away from the jumps."""
    a = np.array([[2.3, -2.3, 5.9], [-0.4, 7.7, -6.2]])
    b = np.array([0.7, -1.3, 2.2])
    quotients = [a / b, 2.5 / b, a / -0.9, a * a / b]  # each at least 0.05 from the integer where it jumps
    assert all(np.abs(q - np.round(q)).min() > 0.05 for q in quotients)
    check_op(lambda s, t: (s % t) * (2.5 % t) + s.fmod(t) * ng.fmod(s, -0.9) + ng.remainder(s * s, t), [a, b])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the NaN and inf are the point
def test_check_op_fails_on_a_nan_gradient():
    # sqrt at negative inputs: NaN value, NaN analytic and NaN numerical derivative; NaN compares
    # False with everything, so a check written as "fail when far apart" would let it through
    with pytest.raises(AssertionError, match="non-finite"):
        check_op(lambda a: a.sqrt(), [np.array([-1.0, -2.0])], second_order=False)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the NaN and inf are the point
def test_gradcheck_fails_on_an_infinite_gradient():
    # d/dx sqrt(x) at 0 is inf analytically; |inf - inf| is NaN and |a - inf| <= rtol * inf holds,
    # so only an explicit finiteness check catches it
    x = ng.tensor([0.0, 1.0], requires_grad=True, dtype=ng.float64)
    with pytest.raises(ng.autograd.GradcheckError, match="non-finite derivative for input 0"):
        ng.autograd.gradcheck(lambda a: a.sqrt(), [x])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the NaN and inf are the point
def test_gradcheck_fails_when_only_the_analytic_gradient_is_nan():
    # sqrt(0 x) is 0 for every x, so the numerical derivative is 0, but the chain rule multiplies
    # sqrt's derivative at 0 (inf) by 0: NaN
    x = ng.tensor(away_from_kinks(rng, (3,)), requires_grad=True, dtype=ng.float64)
    with pytest.raises(ng.autograd.GradcheckError, match=r"analytic nan, numerical 0\.0"):
        ng.autograd.gradcheck(lambda a: (a * 0).sqrt(), [x])


@pytest.mark.parametrize("fn", [
    lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / (b * b + 1),
    lambda a, b: (a * a + 1) ** b, lambda a, b: a.exp() * b.abs() + (a * a + 1).log() - (b * b + 1).sqrt(),
])
def test_elementwise_broadcasting_first_and_second_order(fn):
    a, b = away_from_kinks(rng, (3, 4)), away_from_kinks(rng, (4,))
    check_op(fn, [a, b])


def test_worked_broadcast_gradient():
    a = ng.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = ng.tensor([10.0, 20.0], requires_grad=True)
    (a * b).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), [4.0, 6.0])
    np.testing.assert_allclose(a.grad.numpy(), [[10.0, 20.0], [10.0, 20.0]])


def test_true_division_of_integer_tensors_is_float32_like_torch():
    """ops/elementwise.div: two integer operands divide as float32 (PyTorch's default float type) instead of
    being refused; a float operand keeps its dtype, and the float path's gradients are unchanged."""
    for quotient in (ng.tensor([3, 4]) / 2, ng.tensor([3, 4]) / ng.tensor([2, 2]), 6 / ng.tensor([4, 8])):
        assert quotient.dtype == np.float32
    np.testing.assert_array_equal((ng.tensor([3, 4]) / ng.tensor([2, 2])).numpy(), [1.5, 2.0])
    np.testing.assert_array_equal((6 / ng.tensor([4, 8])).numpy(), [1.5, 0.75])
    assert (ng.tensor([3, 4]) / ng.tensor([2.0, 2.0], dtype=ng.float64)).dtype == np.float64
    a = ng.tensor([3.0, 4.0], dtype=ng.float64, requires_grad=True)
    b = ng.tensor([2.0, 8.0], dtype=ng.float64, requires_grad=True)
    da, db = ng.grad((a / b).sum(), [a, b])
    np.testing.assert_allclose(da.numpy(), [0.5, 0.125])  # 1/b
    np.testing.assert_allclose(db.numpy(), [-0.75, -0.0625])  # -a/b²


def _integer_tensor_maker(lib, dtypes):
    return lambda values, dtype="int64": lib.tensor(values, dtype=getattr(dtypes, dtype))


@pytest.mark.parametrize("compute", [
    lambda i: i([[-2, 0, 3]]) ** 2,
    lambda i: i([[-2, 0, 3]]) ** 0,
    lambda i: i([[-2, 0, 3]]) ** 2.0,  # a float number makes float32
    lambda i: i([[-2, 4, 3]]) ** -1.0,
    lambda i: i([[-2, 0, 3]]) ** i([-1, 2, 1]),  # a negative exponent in a tensor: 1 / a^|b| toward zero
    lambda i: i([-2, -1, 0, 1, 3]) ** i(-3),
    lambda i: (-1) ** i([-3, -2, 0, 3]),
    lambda i: 2 ** i([-2, 0, 3]),
    lambda i: 2.5 ** i([-2, 0, 3]),
    lambda i: i([True, False], "bool") ** 2,
    lambda i: i([3, 2]) ** i([True, False], "bool"),
    lambda i: i([2, 3], "int32") ** 3,
    lambda i: i([2, 3], "int32") ** i(2),  # a 0-d int64 tensor counts as a number: int32
    lambda i: i([2, 3], "int32") ** i([2, 1]),
    lambda i: i([2, 3], "uint8") ** 2,
    lambda i: i([2, 3]) ** i([0.5, 2.0], "float64"),
    lambda i: abs(i([[-2, 0, 3]])),
    lambda i: i([-2, 5], "int32").abs(),
    lambda i: -i([-2, 5]) + +i([1, 1]),
])
def test_integer_powers_and_abs_match_torch(compute):
    """Pow and Abs refused integer tensors ("expected floating-point tensors, got int64"); PyTorch computes them
    in integers, and promotes to float32 where a float number meets them."""
    torch = pytest.importorskip("torch")
    expected = compute(_integer_tensor_maker(torch, torch))
    actual = compute(_integer_tensor_maker(ng, np))
    assert str(actual.dtype) == str(expected.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(actual.numpy(), expected.numpy())


def test_integer_and_bool_powers_torch_refuses_are_refused():
    for base, dtype in ((ng.tensor([2, 3]), "int64"), (ng.tensor([2], dtype=np.uint8), "uint8")):
        with pytest.raises(ValueError, match=rf"pow: integers to negative integer powers are not allowed, got a "
                                             rf"tensor of {dtype} and shape \({base.shape[0]},\) to the power -1"):
            base ** -1
    with pytest.raises(ValueError, match=r"pow: integers to negative integer powers.* to the power -2"):
        ng.tensor([2, 3]).pow(np.int64(-2))
    flags = ng.tensor([True, False])
    for call, op in ((lambda: abs(flags), "abs"), (lambda: +flags, "positive"), (lambda: flags ** flags, "pow")):
        with pytest.raises(TypeError, match=rf"{op}: not implemented for bool tensors, got bool of shape \(2,\)"):
            call()


def test_abs_and_unary_plus_are_tensor_operators():
    x = ng.tensor([-1.5, 2.0, 0.0], requires_grad=True)
    assert +x is x  # as in PyTorch
    (g,) = ng.grad(abs(x).sum(), x)
    np.testing.assert_array_equal(g.numpy(), [-1.0, 1.0, 0.0])
    np.testing.assert_array_equal(abs(x).numpy(), [1.5, 2.0, 0.0])


def test_pow_at_a_zero_base_has_the_derivatives_of_its_constant_pieces():
    """g·b·a^(b-1) at a = 0, b = 0 and g·y·log a at a = 0 read 0·inf and 0·(-inf): NaN where x⁰ ≡ 1 and 0^b ≡ 0
    (b > 0) have derivative 0, at every order (PyTorch's pow takes the same)."""
    x = ng.tensor([0.0, 2.0], dtype=ng.float64, requires_grad=True)
    (g,) = ng.grad((x ** 0).sum(), x)
    np.testing.assert_array_equal(g.numpy(), [0.0, 0.0])
    (g,) = ng.grad((x ** 2).sum(), x, create_graph=True)
    (h,) = ng.grad(g.sum(), x, create_graph=True)
    (k,) = ng.grad(h.sum(), x, allow_unused=True)
    np.testing.assert_array_equal(g.numpy(), [0.0, 4.0])
    np.testing.assert_array_equal(h.numpy(), [2.0, 2.0])
    assert k is None or np.array_equal(k.numpy(), [0.0, 0.0])
    base = ng.tensor([0.0, 0.0], dtype=ng.float64, requires_grad=True)
    exponent = ng.tensor([2.0, 0.0], dtype=ng.float64, requires_grad=True)
    d_base, d_exponent = ng.grad((base ** exponent).sum(), [base, exponent])
    np.testing.assert_array_equal(d_base.numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(d_exponent.numpy(), [0.0, 0.0])


def test_clamp_with_min_above_max_gives_max_everywhere():
    """min(max(x, lo), hi), as PyTorch documents it: the upper bound was tested on x, not on the clamped value."""
    x = ng.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    y = x.clamp(1.0, 0.0)
    np.testing.assert_array_equal(y.numpy(), [0.0, 0.0, 0.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])


def test_gradients_keep_their_inputs_dtype():
    """A float32 input that met a float64 one got a float64 gradient; and a 0-d float64 tensor made a float32
    tensor float64. PyTorch casts the gradient to the input's dtype and lets a 0-d tensor count as a number."""
    a = ng.ones(3, requires_grad=True)
    b = ng.ones(3, dtype=ng.float64, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    scale = ng.tensor(2.0, dtype=ng.float64, requires_grad=True)
    y = a * scale
    assert y.dtype == np.float32
    y.sum().backward()
    assert scale.grad.dtype == np.float64 and scale.grad.item() == 3.0


def test_a_gradient_assigned_to_grad_must_match_the_tensor():
    """A (1,)-shaped .grad on a (3,) leaf used to be broadcast into the next backward's sum ([3., 3., 3.] after
    one backward of (2p).sum()); a float64 or numpy .grad failed only in the optimiser. As in PyTorch, the
    assignment itself is refused; a matching gradient still accumulates."""
    p = ng.ones(3, requires_grad=True)
    for wrong, error, shown in ((ng.ones(1), RuntimeError, r"a Tensor of shape \(1,\), float32, on cpu"),
                                (ng.ones(3, dtype=ng.float64), RuntimeError, r"a Tensor of shape \(3,\), float64"),
                                (np.ones(3, dtype=np.float32), TypeError, "ndarray")):
        with pytest.raises(error, match=r"Tensor.grad: the gradient of a tensor of shape \(3,\), float32, on cpu "
                                        r"must be None or a Tensor of that shape, dtype and device, got " + shown):
            p.grad = wrong
        assert p.grad is None
    p.grad = ng.tensor([1.0, 2.0, 3.0])
    (p * 2).sum().backward()
    np.testing.assert_array_equal(p.grad.numpy(), [3.0, 4.0, 5.0])


# ---- in-place changes -----------------------------------------------------------------------------------------

def test_in_place_operators_change_the_tensor_itself_like_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = ng.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.0, 3.0])
    alias, their_alias = ours, theirs
    for t in (ours, theirs):
        t += 1
        t *= ng.tensor([2.0, 3.0, 4.0]) if t is ours else torch.tensor([2.0, 3.0, 4.0])
        t -= 0.5
        t /= 2
        t.add_(1, alpha=3).sub_(0.25, alpha=2).mul_(-1).clamp_(-9, -5)
    np.testing.assert_allclose(alias.numpy(), their_alias.numpy())  # both names see one tensor
    assert ours._version == 8


def test_hand_written_sgd_under_no_grad_updates_the_parameters():
    layer = ng.nn.Linear(2, 1)
    before = layer.weight.numpy().copy()
    layer(ng.ones(3, 2)).sum().backward()
    with ng.no_grad():
        for p in layer.parameters():
            p -= 0.1 * p.grad
    np.testing.assert_allclose(layer.weight.numpy(), before - 0.1 * 3.0, rtol=1e-6)  # d/dW of Σ W·[1,1] + b = 3


def test_copy_fill_and_zero_in_place():
    t = ng.tensor([[1.0, float("nan")], [3.0, 4.0]])
    t.copy_(ng.tensor([5, 6]))  # broadcast over the rows, cast to float32
    np.testing.assert_array_equal(t.numpy(), [[5.0, 6.0], [5.0, 6.0]])
    t.fill_(float("nan")).zero_()
    np.testing.assert_array_equal(t.numpy(), np.zeros((2, 2)))
    assert t.dtype == ng.float32


def test_in_place_changes_of_an_empty_tensor_are_no_ops_returning_it():
    """numpy gives an empty array zero strides, which the in-place check read as a broadcast (expand), many elements
    in one place; there are no elements, and torch's copy_ of an empty tensor is a no-op returning it."""
    t = ng.zeros(0, 3)
    assert t.copy_(ng.zeros(0, 3)) is t and t.copy_(ng.ones(3)) is t and t.shape == (0, 3)
    assert t.fill_(2.0) is t and t.add_(1) is t and ng.zeros(2, 0).zero_().shape == (2, 0)
    expanded = ng.zeros(1, 0).expand(3, 0)  # numpy's broadcast is read-only; still nothing to write, as in torch
    assert expanded.add_(1) is expanded and expanded.shape == (3, 0)
    x = ng.zeros(0, 3, requires_grad=True)
    y = x * 2
    y.copy_(ng.ones(0, 3))  # recorded in the graph, as any change of a tensor that requires grad
    y.sum().backward()
    assert x.grad.shape == (0, 3)


def test_fill_and_setitem_take_values_as_pytorch_does():
    """A float number into an int tensor is truncated, and a value with leading dims of size 1 fits the part it is
    set into: both were refused (fill_ found float32 would not fit, copy_ could not expand (1, 3) to (3,))."""
    t = ng.tensor([1, 2, 3])
    t[0] = 2.7
    np.testing.assert_array_equal(t.numpy(), [2, 2, 3])
    t.fill_(-1.9)
    np.testing.assert_array_equal(t.numpy(), [-1, -1, -1])
    assert t.dtype == ng.int64
    u = ng.zeros(2, 3)
    u[1, :] = ng.tensor([[[1.0, 2.0, 3.0]]])
    np.testing.assert_array_equal(u.numpy(), [[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match=r"expand: a tensor of shape \(2, 3\) cannot be expanded to \(3,\)"):
        u[0] = ng.ones(2, 3)
    with pytest.raises(RuntimeError, match=r"fill_: expected a number or a 0-d tensor, got a tensor of shape \(2,\)"):
        u.fill_(np.array([1.0, 2.0]))


def test_a_tensor_in_the_graph_filled_with_a_constant_keeps_a_graph_of_gradient_zero():
    """As PyTorch's FillBackward: it became a constant, so the gradient through it was refused ("does not require
    grad") where PyTorch gives zeros."""
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    for change in (lambda e: e.fill_(3.0), lambda e: e.zero_(), lambda e: e.copy_(ng.tensor([5.0, 6.0]))):
        e = x * 2
        change(e)
        assert e.requires_grad
        np.testing.assert_array_equal(ng.grad((e * e).sum(), [x])[0].numpy(), [0.0, 0.0])
    e = x * 2
    e.fill_(3.0)
    y = e * x  # the constant meets x again
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_a_leaf_that_requires_grad_is_not_changed_in_place_while_recording():
    w = ng.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"add_: a leaf tensor of shape \(2,\) that requires grad"):
        w += 1
    with ng.no_grad():
        w += 1
    np.testing.assert_array_equal(w.numpy(), [2.0, 3.0])


def test_in_place_results_must_fit_the_tensor():
    with pytest.raises(TypeError, match=r"div_: the result \(float32, shape \(2,\)\) cannot be stored in place in a "
                                        r"tensor of int64"):
        t = ng.tensor([1, 2])
        t /= 2
    with pytest.raises(ValueError, match=r"add_: the result \(float32, shape \(2, 2\)\) .* shape \(2,\)"):
        ng.zeros(2).add_(ng.ones(2, 2))
    x = ng.tensor([0.5, 1.0], requires_grad=True)
    e = x.exp()
    with pytest.raises(ValueError, match="add_: the result"):
        e += ng.ones(2, 2)  # refused while recording: the graph stays as it was
    e.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([0.5, 1.0]), rtol=1e-6)


def test_in_place_on_a_recorded_tensor_is_recorded():
    # against PyTorch's out-of-place spelling: PyTorch itself refuses the last change (exp saved its output), which
    # nanogan can differentiate, since its old value stays in the graph
    torch = pytest.importorskip("torch")
    x = rng.standard_normal(3)
    a = ng.tensor(x, requires_grad=True)
    h = a * 2
    h += a.exp()
    h *= a
    e = a.exp()
    e -= 1
    (h.sum() + (e * e).sum()).backward()
    t = torch.tensor(x, requires_grad=True)
    (((t * 2 + t.exp()) * t).sum() + ((t.exp() - 1) ** 2).sum()).backward()
    np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    a.grad = None
    h = a * 2
    h.zero_()  # h no longer depends on a
    (h + a).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), np.ones(3))


def test_backward_refuses_an_input_changed_by_an_optimiser_step():
    # the classic GAN mistake: one forward pass, D's step, then G's backward through the stepped D
    w = ng.tensor([1.0, 2.0], requires_grad=True)
    y = (w * w).sum()
    w.grad = ng.tensor([1.0, 1.0])
    ng.optim.SGD([w], lr=0.5).step()
    w.grad = None
    with pytest.raises(RuntimeError, match=r"Mul: its input 1 of shape \(2,\) was changed in place after the op used "
                                           r"it \(version 0, now 1\)"):
        y.backward()


def test_backward_refuses_an_output_changed_in_place_under_no_grad():
    a = ng.tensor([0.5, 1.0], requires_grad=True)
    e = a.exp()
    with ng.no_grad():
        e += 1
    with pytest.raises(RuntimeError, match=r"Exp: its output of shape \(2,\), which its backward uses, was changed"):
        e.sum().backward()


def test_a_view_and_its_base_count_their_in_place_changes_together():
    """A change through a view used to leave the base's count as it was: backward took the gradient of the new
    values, silently (w.grad 11 where the product used b = 1)."""
    w = ng.tensor([1.0, 1.0, 1.0, 1.0], requires_grad=True)
    b = ng.tensor([1.0, 2.0, 3.0, 4.0]) * 1
    y = (b * w).sum()
    with ng.no_grad():
        b.reshape(2, 2).add_(10)
    with pytest.raises(RuntimeError, match=r"Mul: its input 0 of shape \(4,\) was changed in place after the op used "
                                           r"it \(version 0, now 1\)"):
        y.backward()
    x = ng.tensor([0.1, 0.2, 0.3, 0.4], requires_grad=True)
    detached = x.detach()
    y = (x * x).sum()
    detached.add_(1)  # as in PyTorch, detach() shares the memory and its count
    with pytest.raises(RuntimeError, match=r"Mul: its input 1 of shape \(4,\) was changed in place"):
        y.backward()


def test_an_in_place_change_of_a_view_is_recorded_on_its_base():
    """It used to change the base's values and not its graph (x's gradient below came out [1.8 7.2 10.8 7.2]), and
    then was refused; the base now takes the change as an op of its own, as PyTorch's does."""
    x = ng.tensor([0.1, 0.2, 0.3, 0.4], dtype=ng.float64, requires_grad=True)
    e = x * 3
    e[1:3].mul_(2)  # e = [3x0, 6x1, 6x2, 3x3]
    (e * e).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.8, 14.4, 21.6, 7.2], rtol=1e-12)  # 2e · de/dx
    x.grad = None
    e = x * 3
    v = e[1:3]
    v.mul_(2)  # the view itself is the new base's part: v = 6x1, 6x2
    (v * v).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 14.4, 21.6, 0.0], rtol=1e-12)  # 72x


def _change_a_slice(x, y):
    e = x * 3
    e[:, 1:3].mul_(y)
    return e * e


def _change_a_view_of_a_view(x, y):
    e = x * x
    v = e.reshape(3, 2, 2).transpose(1, 2)[:, 1]  # columns 1 and 3 of each row
    v.add_(y * y)
    return v * v + e.sum()


def _change_a_buffer(x, y):
    buffer = x.detach() * 0  # needs no gradient until the change writes x and y into it
    buffer[:, 1:3].copy_(y * x[:, :2])
    return buffer * x


@pytest.mark.parametrize("fn", [_change_a_slice, _change_a_view_of_a_view, _change_a_buffer])
def test_an_in_place_change_of_a_view_differentiates_as_in_pytorch(fn):
    arrays = [rng.uniform(0.5, 1.5, size=(3, 4)), rng.uniform(-1.5, 1.5, size=(3, 2))]
    check_op(fn, arrays)  # finite differences, to the second order
    compare_with_torch(fn, fn, arrays)


def test_in_place_changes_of_views_that_cannot_be_recorded_are_refused():
    w = ng.ones(4, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"mul_: a view \(shape \(2,\)\) of a leaf tensor of shape \(4,\) that "
                                           r"requires grad cannot be changed in place"):
        w[1:3].mul_(2)
    np.testing.assert_array_equal(w.numpy(), [1.0] * 4)  # refused before any change
    x = ng.tensor([0.1, 0.2, 0.3, 0.4], requires_grad=True)
    unchanged_gradient = NotDifferentiable.apply(x * 1, x, op_name="op")  # a view of an op of two inputs
    with pytest.raises(RuntimeError, match=r"add_: an in-place change of a view \(shape \(4,\), of a tensor of shape "
                                           r"\(4,\)\) made by an op of several inputs cannot be recorded"):
        unchanged_gradient.add_(x)
    for grad_mode in (ng.no_grad, ng.enable_grad):
        with grad_mode(), pytest.raises(RuntimeError, match=r"add_: the tensor of shape \(2, 3\) is a broadcast"):
            ng.ones(3).expand(2, 3).add_(1)
        with grad_mode(), pytest.raises(RuntimeError, match=r"mul_: the tensor of shape \(1, 3\) is a broadcast"):
            ng.ones(3).expand(1, 3).mul_(2)  # numpy's broadcast is read-only, with no stride 0 here
    with pytest.raises(RuntimeError, match=r"fill_: expected a number or a 0-d tensor, got a tensor of shape \(2,\)"):
        ng.zeros(3).fill_(ng.ones(2))


def _add_its_own_sum(x):
    e = x * 3
    e.add_(e.sum())
    return e * e


def _copy_one_part_into_another(x):
    e = x * 3
    e[2:4].copy_(e[0:2].clone())
    return e * e


def _set_one_part_from_another(x):
    e = x * 3
    e[1:3] = e[2:4] * 2
    return e * e


def _add_one_part_to_another(x):
    e = x * x
    e[0:2].add_(e[2:4].exp())
    return e * e


@pytest.mark.parametrize("fn, x_gradient", [(_add_its_own_sum, [1098, 1116, 1134, 1152]),
                                             (_copy_one_part_into_another, [36, 72, 0, 0]),
                                             (_set_one_part_from_another, [18, 0, 216, 360]),
                                             (_add_one_part_to_another, None)])
def test_an_in_place_change_given_a_value_of_the_tensor_it_changes_differentiates_as_in_pytorch(fn, x_gradient):
    """The value's graph leads to the tensor's old value, which the ops that computed it used. The graph's edges
    went through the tensor, which stands for its new value after the change: the walk cut the loop and dropped
    gradients, silently (x's gradient of _add_its_own_sum came out [198 216 234 252]), and then refused it."""
    x = ng.tensor([1.0, 2.0, 3.0, 4.0], dtype=ng.float64, requires_grad=True)
    if x_gradient is not None:  # PyTorch's, at x = [1 2 3 4]
        np.testing.assert_array_equal(ng.grad(fn(x).sum(), [x])[0].numpy(), x_gradient)
    check_op(fn, [rng.uniform(0.5, 1.5, size=4)])  # finite differences, to the second order
    compare_with_torch(fn, fn, [rng.uniform(0.5, 1.5, size=4)])


def test_a_backward_that_reads_an_input_changed_since_is_refused_by_name():
    """Only the backward passes that read a changed input's values refuse: e[0] is a view of e, so the product's
    factor changed with e (PyTorch refuses this one too, as its operands overlap in memory)."""
    x = ng.tensor([1.0, 2.0, 3.0, 4.0], dtype=ng.float64, requires_grad=True)
    e = x * 3
    e.mul_(e[0])
    with pytest.raises(RuntimeError, match=r"Mul: its input 1 of shape \(\) was changed in place after the op used it "
                                           r"\(version 0, now 1\)"):
        ng.grad(e.sum(), [x])
    e = x * 3
    y = e[1:3] + 1  # its backward reads no values, and in PyTorch saves nothing
    e.mul_(2)
    np.testing.assert_array_equal(ng.grad(y.sum(), [x])[0].numpy(), [0, 3, 3, 0])


def test_a_view_made_before_its_base_changed_answers_requires_grad_of_the_new_graph():
    """As PyTorch's, also under no_grad: it answered from the graph it was made with (a view of a buffer that needed
    no gradient) until an op used it."""
    y = ng.tensor([1.0, 2.0], requires_grad=True)
    buffer = ng.zeros(4)
    middle = buffer[1:3]
    assert not middle.requires_grad
    buffer[0:2] = y
    with ng.no_grad():
        assert middle.requires_grad and not middle.is_leaf and middle.grad_fn is ng.ops.shape.GetItem
        assert repr(middle) == "tensor([2., 0.], grad_fn=GetItem)"
    np.testing.assert_array_equal(ng.grad((middle * middle).sum(), [y])[0].numpy(), [0.0, 4.0])


def test_views_made_before_a_change_of_their_base_take_its_new_graph():
    """As PyTorch remakes a view's graph when its base changed: the views below used to keep their old graphs (a
    view of a buffer that needed no gradient then) and gave wrong gradients silently, or refused (a view of a
    view whose own view changed, a view used as the output of backward)."""
    x = ng.tensor([1.0, 2.0, 3.0, 4.0], dtype=ng.float64, requires_grad=True)
    y = ng.tensor([1.0, 2.0], dtype=ng.float64, requires_grad=True)
    buffer = ng.zeros(4, dtype=ng.float64)
    middle = buffer[1:3]  # made while the buffer needed no gradient
    buffer[0:2].copy_(y)  # buffer = [y0, y1, 0, 0]
    gradient = ng.grad((middle * middle).sum() + y.sum(), [y], retain_graph=True)[0]
    np.testing.assert_array_equal(gradient.numpy(), [1.0, 5.0])  # was [1 1]
    middle.mul_(3.0)  # buffer = [y0, 3 y1, 0, 0]
    np.testing.assert_array_equal(ng.grad((buffer * buffer).sum(), [y])[0].numpy(), [2.0, 36.0])
    x.grad = None
    e = x * 3
    head = e[0:2]
    e[1:3].mul_(2)
    head.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 6.0, 0.0, 0.0])  # PyTorch's
    e = x * 1
    middle = e[1:3]
    e[:2].mul_(y)
    gx, gy = ng.grad(middle, (x, y), ng.ones(2, dtype=ng.float64))  # middle = [x1 y1, x2], the output itself
    np.testing.assert_array_equal(gx.numpy(), [0.0, 2.0, 1.0, 0.0])
    np.testing.assert_array_equal(gy.numpy(), [0.0, 2.0])


def test_a_view_made_under_no_grad_stays_outside_the_graph_and_is_refused_once_stale():
    """It used to be changed in place with its base's graph unchanged (e's gradient [3 3 3 3] where its values
    were [6 6 3 3]), then, once views were made again, to join the graph after an optimiser's step changed its
    base: the loss's gradient changed between steps, silently. PyTorch refuses both."""
    x = ng.tensor([1.0, 2.0, 3.0, 4.0], dtype=ng.float64, requires_grad=True)
    e = x * 3
    with ng.no_grad():
        first_two = e[0:2]
    with pytest.raises(RuntimeError, match=r"mul_: an in-place change of a view \(shape \(2,\), of a tensor of shape "
                                           r"\(4,\)\) made under no_grad cannot be recorded on its base"):
        first_two.mul_(2.0)
    np.testing.assert_array_equal(e.numpy(), [3.0, 6.0, 9.0, 12.0])
    w = ng.ones(3, requires_grad=True)
    with ng.no_grad():
        row = w[0:2]
    assert not (row * row).requires_grad  # a constant, as asked
    with ng.no_grad():
        w.mul_(2)  # an optimiser's step
    with pytest.raises(RuntimeError, match=r"a view \(shape \(2,\), of a tensor of shape \(3,\)\) made under no_grad "
                                           r"is used after its base changed in place"):
        row * row
    buffer = ng.zeros(4)
    part = buffer[0:2]
    part.requires_grad_(True)
    with pytest.raises(RuntimeError, match=r"add_: a leaf tensor of shape \(2,\) that requires grad"):
        part.add_(1.0)


def test_copying_a_like_tensor_in_place_records_a_node_of_its_own():
    """copy_ of a tensor of the same shape and dtype got that very tensor back, and took over its op: the copy's
    gradient went to the source's node (a.copy_(w) gave w [1 1 1] below, PyTorch [3 5 7])."""
    w = ng.tensor([1.0, 2.0, 3.0], dtype=ng.float64, requires_grad=True)
    a = ng.zeros(3, dtype=ng.float64)
    a.copy_(w)
    np.testing.assert_array_equal(ng.grad((a * a).sum() + w.sum(), w)[0].numpy(), [3.0, 5.0, 7.0])
    b = w * 2
    a.copy_(b)
    ga, gb = ng.grad((a * 2).sum() + (b * 3).sum(), (a, b))
    np.testing.assert_array_equal(ga.numpy(), [2.0] * 3)
    np.testing.assert_array_equal(gb.numpy(), [5.0] * 3)
    scalar = ng.zeros((), dtype=ng.float64)
    scalar.fill_(w[2])
    assert ng.grad(scalar * scalar + w[2], w)[0].numpy().tolist() == [0.0, 0.0, 7.0]


def test_setitem_of_a_detached_or_no_grad_view_of_the_same_elements_cuts_their_graph():
    """Only a view made while recording is the part already: a detached copy of the same elements was skipped as
    one, and x's gradient came out [8 16 24] where PyTorch's is [0 0 24]."""
    x = ng.tensor([1.0, 2.0, 3.0], dtype=ng.float64, requires_grad=True)
    e = x * 2
    e[0:2] = e[0:2].detach()
    np.testing.assert_array_equal(ng.grad((e * e).sum(), x)[0].numpy(), [0.0, 0.0, 24.0])
    e = x * 2
    with ng.no_grad():
        first_two = e[0:2]
    e[0:2] = first_two
    np.testing.assert_array_equal(ng.grad((e * e).sum(), x)[0].numpy(), [0.0, 0.0, 24.0])


def test_a_row_by_row_fill_keeps_no_copy_of_the_base_in_its_graph():
    """Each recorded change of a row kept a copy of the whole buffer (and backward a view of a buffer-sized
    gradient per row): 2.9 GB for a 300 x 2000 fill that PyTorch does in 0.27 GB. Only the rows' old values
    (which a change's backward may need) and the buffer's own memory may be held."""
    x = ng.tensor(rng.standard_normal((30, 50)), requires_grad=True)
    buffer = ng.zeros(30, 50, dtype=ng.float64)
    for i in range(30):
        buffer[i] = x[i] * 2
    held, stack, seen = set(), [buffer._ctx], set()
    while stack:
        ctx = stack.pop()
        if id(ctx) in seen:
            continue
        seen.add(id(ctx))
        for t in ctx.inputs:
            if t.array.nbytes >= buffer.array.nbytes and t is not x:
                held.add(id(memory_owner(t.array)))
            if t._ctx is not None:
                stack.append(t._ctx)
    assert held == {id(memory_owner(buffer.array))}
    (gradient,) = ng.grad((buffer * buffer).sum(), x)
    np.testing.assert_allclose(gradient.numpy(), 8 * x.numpy(), rtol=1e-12)


def test_contiguous_copies_only_what_is_not_row_major():
    x = ng.tensor(np.arange(6.0).reshape(2, 3))
    assert x.contiguous() is x
    columns = x.t().contiguous()
    np.testing.assert_array_equal(columns.view(-1).numpy(), [0.0, 3.0, 1.0, 4.0, 2.0, 5.0])
    columns[0] = 100.0  # a copy: x stays as it was
    np.testing.assert_array_equal(x.numpy(), np.arange(6.0).reshape(2, 3))


def _change_a_row_of_a_reshaped_tensor_then_use_the_reshaped(x, y):
    rows = (x * 3).reshape(2, 6)
    rows[0, 1:3].mul_(y)
    return rows * rows.sum(1, keepdim=True)


def _change_a_view_then_reach_the_base_through_its_transpose(x, y):
    e = x * 3
    e.reshape(-1)[1:3].mul_(y)  # the change's gradient arrives laid out as e.t()'s, not as e
    return (e.t() * e.t().sum(0)).sum(0) ** 2


def _set_parts_by_index(x, y):
    e = x * 1
    e[1, 1:3] = y
    e[0, 0] = 5.0
    e[:, 3] = y[0] * x[1, 0]
    e[2, :2] += y  # Python: t = e[2, :2]; t += y; e[2, :2] = t, which writes t back onto itself
    e[0, 1:3] *= y
    e[2, 3] *= y[1]  # one element: a 0-d view
    return e * e


def _set_parts_by_mask(x, y):
    e = x * 1
    e[x > 1.3] = 0.25  # a number: those elements lose their gradient
    e[x < 0.8] = x[x < 0.8] * y[1]  # one value per selected element
    rows = x.new_tensor([1.0, 0.0, 1.0]) > 0.5  # a mask of the first dimension, selecting rows 0 and 2
    e[rows] = e[1] * 2  # one row broadcast into each selected row
    e[:, 1:3][rows] = y  # into a view
    e[e > 1.0] += y[0]  # Python: t = e[mask] (a copy); t += y[0]; e[mask] = t
    return e * e


@pytest.mark.parametrize("fn", [_change_a_row_of_a_reshaped_tensor_then_use_the_reshaped,
                                _change_a_view_then_reach_the_base_through_its_transpose, _set_parts_by_index,
                                _set_parts_by_mask])
def test_views_and_setitem_differentiate_as_in_pytorch(fn):
    arrays = [rng.uniform(0.5, 1.5, size=(3, 4)), rng.uniform(-1.5, 1.5, size=(2,))]
    check_op(fn, arrays)
    compare_with_torch(fn, fn, arrays)


def test_a_change_of_a_view_of_an_output_its_op_reads_keeps_a_copy_of_the_old_value():
    """ELU's backward reads its output (PyTorch's saves its input): a change through a view had made it refuse
    ("ELU: its output ... was changed in place") where PyTorch computes."""
    def change_part_of(elu):
        def fn(x, y):
            e = elu(x)
            e[0, :2] = y
            return e * e
        return fn
    torch = pytest.importorskip("torch")
    arrays = [rng.uniform(-1.5, 1.5, size=(3, 4)), rng.uniform(-1.5, 1.5, size=(2,))]
    check_op(change_part_of(F.elu), arrays)
    compare_with_torch(change_part_of(F.elu), change_part_of(torch.nn.functional.elu), arrays)


def test_one_element_picked_by_ints_is_a_view():
    """x[1] was numpy's number made a new 0-d array: a change of it changed nothing (e[1].fill_(5) left e as it
    was)."""
    e = ng.zeros(3)
    e[1].fill_(5.0)
    matrix = ng.zeros(2, 2)
    corner = matrix[0, 1]
    corner += 7
    np.testing.assert_array_equal(e.numpy(), [0.0, 5.0, 0.0])
    np.testing.assert_array_equal(matrix.numpy(), [[0.0, 7.0], [0.0, 0.0]])
    x = ng.tensor([1.0, 2.0, 3.0], dtype=ng.float64, requires_grad=True)
    y = ng.tensor(10.0, dtype=ng.float64, requires_grad=True)
    e = x * 1
    e[1].mul_(y)
    buffer = ng.zeros(2, dtype=ng.float64)
    buffer.fill_(y)  # a 0-d tensor's value: recorded, as in PyTorch
    gx, gy = ng.grad((e * e).sum() + buffer.sum(), [x, y])
    np.testing.assert_array_equal(gx.numpy(), [2.0, 400.0, 6.0])
    assert gy.item() == 2 * 2.0 * 2.0 * 10.0 + 2.0
    with pytest.raises(IndexError, match=r"setitem: the index \(0, True\) picks a copy of the tensor of shape "
                                         r"\(2, 2\), so nothing would change"):
        matrix[0, True] = 1.0  # numpy's 0-d mask among other indices
    with pytest.raises(RuntimeError, match=r"view: a tensor of shape \(4, 3\) and strides \(8, 32\) \(bytes\) "
                                           r"cannot be seen as shape \(12,\) without a copy; use reshape\(\)"):
        ng.zeros(3, 4, dtype=ng.float64).t().view(12)


def test_boolean_mask_assignment_takes_values_and_refuses_them_as_pytorch_does():
    """x[mask] = value was refused ("an index of arrays or masks picks a copy"); its gradients are compared with
    torch's in test_views_and_setitem_differentiate_as_in_pytorch."""
    torch = pytest.importorskip("torch")
    ours, theirs = ng.tensor([1, 2, 3, 4]), torch.tensor([1, 2, 3, 4])
    first = [True, False, False, False]
    for t, first_mask in ((ours, np.array(first)), (theirs, torch.tensor(first))):  # a numpy mask here
        t[t > 2] = 2.7  # truncated into int64
        t[first_mask] = -1
    assert ours.tolist() == theirs.tolist() == [-1, 2, 2, 2]
    u = ng.zeros(2, 3)
    u[ng.tensor([False, True])] = ng.tensor([[[1.0, 2.0, 3.0]]])  # leading dims of size 1 dropped
    np.testing.assert_array_equal(u.numpy(), [[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]])
    with pytest.raises(IndexError, match=r"setitem: a boolean mask of shape \(3,\) does not match the tensor of "
                                         r"shape \(2, 3\): it must have the shape of the tensor's first 1 dimensions"):
        u[ng.tensor([True, False, True])] = 1.0
    with pytest.raises(ValueError, match=r"setitem: a value of shape \(2,\) cannot be broadcast to the shape \(3,\) "
                                         r"that the index picks of a tensor of shape \(2, 3\)"):
        u[u == 0] = ng.tensor([1.0, 2.0])
    ours[ours > 0] = ng.tensor([5, 6, 7])  # one value per selected element, into integers too (it was refused)
    theirs[theirs > 0] = torch.tensor([5, 6, 7])
    assert ours.tolist() == theirs.tolist() == [-1, 5, 6, 7]
    w = ng.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"setitem: a leaf tensor of shape \(3,\) that requires grad cannot be "
                                           r"changed in place"):
        w[w > 0] = 0.0
    np.testing.assert_array_equal(u.numpy(), [[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]])


def _set_parts_by_arrays(x, y):
    e = x * 1
    e[[2, 0], [1, 3]] = y  # one value per (row, column) pair
    e[:, np.array([0, 2])] = y[0] * x[1, 1]  # whole columns, one value broadcast
    e[x[:, 0] > 1.0, 1:3] = y  # a mask among other indices
    e[1:][[1, 0], -1] = y * 3  # into a view; a negative index counts from the end
    e[[0, 2], 1] += y  # Python: t = e[[0, 2], 1] (a copy); t += y; e[[0, 2], 1] = t
    e[:, [3, 0], None] = x[:, 2:, None] * y[1]  # None among the indices
    e[0, [3, 1]] = x[2, :2] * y  # an int with an array: e[0][[3, 1]], as PyTorch reads it
    rows, columns = x.new_tensor([1, 2, 1]).long(), x.new_tensor([0, 3, 0]).long()
    e.index_put_((rows, columns), y[[0, 1, 1]] * 2, accumulate=True)  # the repeated (1, 0) gets both
    return e * e


@pytest.mark.parametrize("differentiable", [[0, 1], [0], [1]], ids=["both", "self only", "value only"])
def test_assignment_through_arrays_differentiates_as_in_pytorch(differentiable):
    """x[arrays] = value was refused ("an index of arrays ... picks a copy"); now torch's index_put: the gradient to
    the old tensor is g with zeros where written (g whole where accumulated), to the value g at those places summed
    over its broadcast."""
    arrays = [rng.uniform(0.5, 1.5, size=(3, 4)), rng.uniform(-1.5, 1.5, size=(2,))]
    arrays[0][:, 0] = [0.7, 1.2, 1.4]  # the mask picks rows 1 and 2 whatever the draw
    check_op(_set_parts_by_arrays, arrays, grad_inputs=differentiable)
    compare_with_torch(_set_parts_by_arrays, _set_parts_by_arrays, arrays, differentiable)


def test_assignment_through_arrays_sets_what_pytorch_sets():
    torch = pytest.importorskip("torch")
    labels = [3, 1, 4, 1, 5]
    onehot = ng.zeros(5, 10)
    onehot[ng.arange(5), ng.tensor(labels)] = 1  # InfoGAN's and ACGAN's codes
    np.testing.assert_array_equal(onehot.numpy(), np.eye(10, dtype=np.float32)[labels])
    x, t = ng.tensor(np.arange(24).reshape(4, 3, 2)), torch.arange(24).reshape(4, 3, 2)
    for lib, a in ((ng, x), (torch, t)):
        a[lib.tensor(labels[:4]) == 1, :, 0] = lib.tensor([-1, -2, -3])  # a mask, a slice and an int
        a[[0, 2]] = 7  # integers
        a[1, :, [1, 0]] = lib.tensor([[10, 11], [12, 13], [14, 15]])  # PyTorch reads it as a[1][:, [1, 0]], (3, 2)
        a.index_put_((lib.tensor([3, 3, -1]),), lib.tensor([1, 2, 3]).reshape(3, 1, 1), accumulate=True)
    assert x.dtype == ng.int64 and x.tolist() == t.tolist()


def test_accumulated_repeats_add_exactly():
    x = ng.zeros(4, dtype=ng.float64)
    values = ng.tensor([0.1, 0.2, 0.3, 0.4], dtype=ng.float64, requires_grad=True)
    y = ng.index_put(x, (ng.tensor([2, 0, 2, 2]),), values, accumulate=True)
    assert y.tolist() == [0.2, 0.0, 0.1 + 0.3 + 0.4, 0.0] and x.tolist() == [0.0] * 4  # out of place
    (gradient,) = ng.grad((y * ng.tensor([1.0, 2.0, 3.0, 4.0], dtype=ng.float64)).sum(), values)
    assert gradient.tolist() == [3.0, 1.0, 3.0, 3.0]


def test_an_int_among_arrays_picks_its_dimension_first_as_in_pytorch():
    """numpy broadcasts an int with the arrays of an index, so that x[0, :, [3, 1, 2]] put the arrays' dimension
    first; PyTorch selects the int's dimension first (x[0][:, [3, 1, 2]]), in reading and in setitem alike."""
    torch = pytest.importorskip("torch")
    a = np.arange(24.0).reshape(2, 3, 4)
    for pick in [lambda lib: (0, slice(None), lib.tensor([3, 1, 2])), lambda lib: (None, 1, slice(None), [0, 3]),
                 lambda lib: (Ellipsis, 0, lib.tensor([[1], [0]])), lambda lib: (lib.tensor([True, False]), 2, [1, 1])]:
        ours, theirs = ng.tensor(a)[pick(ng)], torch.tensor(a)[pick(torch)]
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    ours, theirs = ng.tensor(a), torch.tensor(a)
    ours[1, :, [3, 0]] = ng.tensor(a[0, :, :2])  # (3, 2), which numpy's order would refuse
    theirs[1, :, [3, 0]] = torch.tensor(a[0, :, :2])
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_assignment_through_arrays_refuses_what_pytorch_refuses():
    x = ng.zeros(3, 4)
    with pytest.raises(IndexError, match=r"setitem: indices \(shape \(2,\)\) into dimension 1 of size 4 must lie in "
                                         r"-4..3 \(tensor of shape \(3, 4\)\)"):
        x[:, [0, 4]] = 1.0
    with pytest.raises(IndexError, match=r"index_put: indices \(shape \(1,\)\) into dimension 0 of size 3 must lie "
                                         r"in -3..2"):
        x.index_put_((ng.tensor([-4]),), ng.tensor(1.0))
    with pytest.raises(IndexError, match=r"setitem: .*boolean.* \(tensor of shape \(3,\)\)"):
        x[ng.tensor([True, False]), 0] = 1.0  # into x[:, 0]: the ints are taken first
    with pytest.raises(ValueError, match=r"setitem: a value of shape \(3,\) cannot be broadcast to the shape \(2,\) "
                                         r"that the index picks of a tensor of shape \(3, 4\)"):
        x[[0, 1], [1, 2]] = ng.ones(3)
    with pytest.raises(TypeError, match=r"index_put: values must be a Tensor of the dtype of the tensor \(float32, "
                                        r"shape \(3, 4\)\), got float64 of shape \(\)"):
        x.index_put_((ng.tensor([0]),), ng.tensor(1.0, dtype=ng.float64))
    with pytest.raises(TypeError, match=r"index_put: indices must be a tuple of integer or boolean tensors, got "
                                        r"\['list'\]"):
        ng.index_put(x, ([0],), ng.tensor(1.0))
    assert x.tolist() == [[0.0] * 4] * 3


def test_leaf_gradients_share_no_memory():
    x, z = ng.ones(3, requires_grad=True), ng.ones(3, requires_grad=True)
    (x + z).mean().backward()   # add hands one gradient to both
    x.grad.zero_()
    np.testing.assert_allclose(z.grad.numpy(), [1 / 3] * 3, rtol=1e-6)
    given, w = ng.tensor([1.0, 2.0, 3.0]), ng.ones(3, requires_grad=True)
    (w + 0).backward(given)
    w.grad.zero_()
    np.testing.assert_array_equal(given.numpy(), [1.0, 2.0, 3.0])
    s = ng.ones(3, requires_grad=True)
    s.sum().backward()          # a sum's gradient is a broadcast view
    s.grad += 1
    np.testing.assert_array_equal(s.grad.numpy(), [2.0, 2.0, 2.0])
    a, b = ng.ones(2, requires_grad=True), ng.ones(2, requires_grad=True)
    (ng.stack([a, b]) * ng.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()  # the rows of one array: not copied
    assert memory_owner(a.grad.array) is memory_owner(b.grad.array)
    a.grad.zero_()
    np.testing.assert_array_equal(b.grad.numpy(), [3.0, 4.0])


def test_a_grad_from_an_earlier_pass_takes_the_next_in_place_as_in_pytorch():
    torch = pytest.importorskip("torch")
    seen = {}
    for L in (ng, torch):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        given = L.tensor([1.0, 1.0])
        x.grad = given
        (x * x).sum().backward()
        first = x.grad
        (x * 3).sum().backward()
        (x * x).sum().backward(create_graph=True)  # a recorded sum: a new tensor, which requires grad
        recorded = x.grad
        (x * 5).sum().backward()  # in place, under no grad: it still requires grad
        seen[L.__name__] = (given.tolist(), first is given, recorded is not first, recorded.requires_grad,
                            x.grad is recorded, x.grad.tolist())
    assert seen["nanogan"] == seen["torch"] == ([6.0, 8.0], True, True, True, True, [13.0, 17.0])
    for L in (ng, torch):  # a gradient a hook saw, and kept, is not the .grad that later passes add into
        x, kept = L.tensor([1.0, 2.0], requires_grad=True), []
        h = x + 0
        h.register_hook(kept.append)
        x.register_hook(lambda g: kept.append(g * 1) or kept[-1])
        h.sum().backward()
        (x * 2).sum().backward()
        seen[L.__name__] = [g.tolist() for g in kept], x.grad.tolist()
    assert seen["nanogan"] == seen["torch"] == ([[1.0, 1.0], [1.0, 1.0], [2.0, 2.0]], [3.0, 3.0])
    for L in (ng, torch):  # nor is a gradient that create_graph's recorded backward ops read (dz, read by w's)
        x, w = L.tensor([1.0, 2.0], requires_grad=True), L.tensor([3.0, 4.0], requires_grad=True)
        z = x + w * w
        (z * z).sum().backward(create_graph=True)
        w_gradient, w.grad = w.grad, None
        (x * 3).sum().backward()
        w_gradient.sum().backward()
        seen[L.__name__] = x.grad.tolist(), w.grad.tolist()
    assert seen["nanogan"] == seen["torch"] == ([35.0, 55.0], [112.0, 200.0])
    # w.grad given as the gradient, which flows on to v: summed out of place, so that v's is not changed before it
    # arrives (PyTorch's in-place sum gives v.grad [4, 4])
    w, v = ng.tensor([1.0, 2.0], requires_grad=True), ng.tensor([1.0, 2.0], requires_grad=True)
    w.grad = ng.tensor([1.0, 1.0])
    (w + v * 2).backward(w.grad)
    assert w.grad.tolist() == [2.0, 2.0] and v.grad.tolist() == [2.0, 2.0]


def test_set_grad_enabled_as_call_context_and_decorator():
    with ng.set_grad_enabled(False):
        assert not ng.is_grad_enabled()
    assert ng.is_grad_enabled()
    ng.set_grad_enabled(False)
    assert not ng.is_grad_enabled()
    ng.set_grad_enabled(True)

    @ng.set_grad_enabled(False)
    def recording():
        return ng.is_grad_enabled()

    assert ng.is_grad_enabled() and not recording() and ng.is_grad_enabled()


@pytest.mark.parametrize("lib", ["nanogan", "torch"])
def test_grad_mode_decorators_without_parentheses_and_on_generators_as_in_pytorch(lib):
    L = ng if lib == "nanogan" else pytest.importorskip("torch")

    @L.no_grad
    def without_parentheses():
        return L.is_grad_enabled()

    @L.enable_grad
    def enabling():
        return L.is_grad_enabled()

    @L.no_grad()
    def sampler(n):
        for _ in range(n):
            sent = yield L.is_grad_enabled()
            if sent is not None:
                yield sent, L.is_grad_enabled()

    assert not without_parentheses() and L.is_grad_enabled()
    with L.no_grad():
        assert enabling() and not L.is_grad_enabled()
    # each step of the generator runs without grad, and the caller's code between them with it
    steps = sampler(3)
    assert next(steps) is False and L.is_grad_enabled()
    assert steps.send("x") == ("x", False) and L.is_grad_enabled()
    with pytest.raises(ValueError):
        steps.throw(ValueError("thrown"))
    assert L.is_grad_enabled()


def test_numbers_of_a_higher_kind_promote_like_torch():
    torch = pytest.importorskip("torch")
    for make in (ng.tensor, torch.tensor):
        flags = make([True, False])
        results = [flags + 1, flags * 3, 2 + flags, flags * 2.5, make([1, 2]) + make(True)]
        if make is ng.tensor:
            ours = [(r.numpy().tolist(), str(r.dtype)) for r in results]
        else:
            theirs = [(r.numpy().tolist(), str(r.dtype).replace("torch.", "")) for r in results]
    assert ours == theirs


def test_numpy_numbers_promote_by_their_kind_like_torch():
    """A numpy float met an integer tensor in the tensor's dtype: int_tensor * np.float32(0.5) was truncated to 0,
    where PyTorch gives float32 [0.5, 1.0, 1.5]."""
    torch = pytest.importorskip("torch")
    for make in (ng.tensor, torch.tensor):
        ints = make([1, 2, 3])
        results = [ints * np.float32(0.5), np.float32(0.5) + ints, ints < np.float32(1.5), ints / np.float32(2.0),
                   make([True, False]) + np.int32(2), ints + np.int64(1)]
        if make is ng.tensor:
            ours = [(r.numpy().tolist(), str(r.dtype)) for r in results]
        else:
            theirs = [(r.numpy().tolist(), str(r.dtype).replace("torch.", "")) for r in results]
    assert ours == theirs


def test_integers_of_different_dtypes_divide_as_float32_without_wrapping_first():
    """div paired its operands first: a 0-d int64 -3 over a uint8 tensor was cast to uint8 (253) before the division,
    and uint8 / -3 refused -3 as out of bounds for uint8; PyTorch divides both as float32."""
    torch = pytest.importorskip("torch")

    def quotients(lib):
        small = lib.tensor(np.array([4, 1, 2], dtype=np.uint8))
        return [lib.tensor(-3) / small, small / -3, lib.tensor(np.array([1, 2, 3], dtype=np.int8)) / lib.tensor(-2),
                lib.tensor([1, 2, 3]) / lib.tensor(2.0, dtype=lib.float64)]
    ours = [(q.numpy().tolist(), str(q.dtype)) for q in quotients(ng)]
    assert ours == [(q.numpy().tolist(), str(q.dtype).replace("torch.", "")) for q in quotients(torch)]


def test_square_and_sign_of_bools_as_in_torch():
    """square of bools was bool (numpy's True·True), where PyTorch's is int64; sign of bools was numpy's
    UFuncTypeError, where PyTorch's is the bools themselves."""
    torch = pytest.importorskip("torch")
    flags = np.array([[True, False], [False, True]])
    ours = [(r.numpy().tolist(), str(r.dtype)) for r in (ng.tensor(flags).square(), ng.sign(ng.tensor(flags)))]
    theirs = [(r.numpy().tolist(), str(r.dtype).replace("torch.", ""))
              for r in (torch.tensor(flags).square(), torch.sign(torch.tensor(flags)))]
    assert ours == theirs


def test_none_and_strings_are_not_numbers_to_ops_and_compare_unequal_as_in_torch():
    """numpy made None a NaN: x + None was all NaN, where PyTorch refuses it; x == None was an elementwise False
    tensor, where PyTorch's is Python's False."""
    torch = pytest.importorskip("torch")
    for lib in (ng, torch):
        x = lib.tensor([1.0, 2.0])
        assert (x == None) is False and (x != None) is True and (x == "a") is False  # noqa: E711
    x = ng.tensor([1.0, 2.0])
    for call, op, what in [(lambda: x + None, "add", "NoneType None"), (lambda: None * x, "mul", "NoneType None"),
                           (lambda: x - "a", "sub", "str 'a'"), (lambda: ng.lt(x, None), "less", "NoneType None")]:
        with pytest.raises(TypeError, match=rf"{op}: expected a Tensor or numbers, got {what}"):
            call()


def test_integers_wrap_into_a_narrower_integer_dtype_as_in_torch():
    """uint8 + -3 and int8 + 1000 were refused with numpy's OverflowError, which named no op; PyTorch casts the
    number into the tensor's dtype as C does (modulo 2^bits), for arithmetic and comparisons alike."""
    torch = pytest.importorskip("torch")

    def results(lib):
        small, signed = lib.tensor(np.array([1, 200], dtype=np.uint8)), lib.tensor(np.array([1, -100], dtype=np.int8))
        return [small + (-3), small * -1, small < -3, signed + 1000, signed * 300, signed > 200, signed + 2 ** 40,
                lib.tensor([1, 2]) + 2 ** 63]
    ours = [(r.numpy().tolist(), str(r.dtype)) for r in results(ng)]
    assert ours == [(r.numpy().tolist(), str(r.dtype).replace("torch.", "")) for r in results(torch)]


def test_tensor_creation_and_iteration_errors():
    torch = pytest.importorskip("torch")
    for lib in (torch, ng):  # one-element tensors in a list are read as their numbers, larger ones refused
        joined = lib.tensor([[lib.tensor(1, dtype=lib.int32), lib.ones(1, dtype=lib.int32)]])
        assert tuple(joined.shape) == (1, 2) and str(joined.dtype).endswith("int32") and joined.tolist() == [[1, 1]]
        with pytest.raises(ValueError, match="only one.element tensors"):
            lib.tensor([lib.ones(2), lib.ones(2)])
    with pytest.raises(ValueError, match=r"got one of shape \(2,\); join tensors with ng.stack"):
        ng.tensor([ng.tensor(1.0), ng.ones(2)])
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        list(ng.tensor(1.0))
    assert [t.item() for t in ng.tensor([1.0, 2.0])] == [1.0, 2.0]
    assert [ng.full((2,), v).dtype for v in (3, 3.0, True)] == [np.int64, np.float32, np.bool_]


def test_an_output_its_op_reads_stays_for_the_backward_when_a_copy_replaces_it():
    """exp's output, copied over from another tensor: nothing held the old value the op's backward reads, and
    backward failed with an AttributeError on None (PyTorch refuses; nanogan keeps the old value, as for += )."""
    x = ng.tensor([1.0, -2.0, 3.0, -0.5], dtype=ng.float64, requires_grad=True)
    w = ng.tensor([2.0, 1.0, 0.0, 1.0], dtype=ng.float64, requires_grad=True)
    y = x.exp()
    total = y.sum()
    y.copy_(w)
    total.backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([1.0, -2.0, 3.0, -0.5]), rtol=1e-15)


def test_fill_casts_a_number_straight_to_the_dtype_and_refuses_what_does_not_fit():
    """Through float32 on the way, 123456789.0 became 123456792 and 16777217.0 16777216; NaN and 1e20 were stored as
    -2**63 with only numpy's warning."""
    t = ng.zeros(3, dtype=ng.int64)
    t.fill_(123456789.0)
    t[0] = 16777217.0
    np.testing.assert_array_equal(t.numpy(), [16777217, 123456789, 123456789])
    flags = ng.zeros(1, dtype=np.bool_)
    flags.fill_(1e-50)
    assert flags.item() is True
    for number in (float("nan"), 1e20):
        with pytest.raises(RuntimeError, match=r"fill_: .* cannot be stored in a tensor of int64"):
            t.fill_(number)
    # a finite number too large for float32 was stored as inf; PyTorch refuses it, and infinities stay infinities
    f = ng.zeros(2)
    with pytest.raises(RuntimeError, match=r"fill_: 1e\+39 cannot be stored in a tensor of float32"):
        f[0] = 1e39
    f.fill_(-math.inf)
    f[1] = 3.4e38
    np.testing.assert_array_equal(f.numpy(), np.array([-np.inf, 3.4e38], np.float32))


def test_a_condition_or_index_changed_after_the_op_does_not_move_its_gradient():
    """where kept its condition's memory and getitem its index's: a change of either after the op moved the
    gradient, silently (x.grad [1 1 1 1] and [0 11 0 0] below; PyTorch refuses both)."""
    x = ng.tensor([1.0, -2.0, 3.0, -0.5], requires_grad=True)
    positive = x > 0
    y = ng.where(positive, x, x * 0)
    positive.fill_(True)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 1.0, 0.0])
    x.grad = None
    index = ng.tensor([0, 2])
    y = x[index]
    index.fill_(1)
    (y * ng.tensor([1.0, 10.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 10.0, 0.0])


def test_requires_grad_of_a_recorded_output_and_t_of_fewer_than_two_dims_are_as_in_pytorch():
    e = ng.ones(2, requires_grad=True) * 2
    assert e.requires_grad_(True) is e  # it does already: was refused as a change of a non-leaf
    with pytest.raises(RuntimeError, match="requires_grad_: only leaf tensors can change requires_grad"):
        e.requires_grad_(False)
    for value in (True, False):  # the attribute refuses both, as PyTorch's does
        with pytest.raises(RuntimeError, match=r"requires_grad: only leaf tensors .* made by Mul"):
            e.requires_grad = value
    assert e.t().shape == (2,) and ng.tensor(1.0).t().shape == ()
    with pytest.raises(RuntimeError, match=r"t: expected a tensor of at most 2 dimensions, got shape \(2, 3, 4\)"):
        ng.ones(2, 3, 4).t()  # transposed its first two dims, silently


def test_a_graph_changed_in_place_and_dropped_is_freed_without_the_collector():
    """exp's output changed by += : the op held its old value in a reference cycle, so a dropped graph stayed until
    the cyclic collector ran (about 900 MB over 60 steps of 16 MB tensors). The new value's op holds it instead."""
    import gc
    import tracemalloc
    x = ng.tensor(np.ones(100_000), dtype=ng.float64, requires_grad=True)  # 0.8 MB
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        for _ in range(50):
            y = x.exp()
            y += 1
            y.sum()
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
        gc.enable()
    assert held < 8e6, f"{held / 1e6:.0f} MB held after the graphs were dropped"


def test_a_nan_gradient_does_not_leak_into_where_s_other_branch_or_through_sign():
    """where's backward multiplied by the mask (g * 0 where not taken), so a NaN upstream gradient reached the branch
    not taken: x.grad [1 nan] where PyTorch gives [1 0]; and cross_entropy of all-ignored targets, squared, gave NaN
    gradients where PyTorch gives zeros."""
    nan = float("nan")
    x = ng.tensor([1.0, -1.0], dtype=ng.float64, requires_grad=True)
    y = ng.where(ng.tensor([True, False]), x, ng.zeros(2, dtype=ng.float64))
    np.testing.assert_array_equal(ng.grad(y, [x], ng.tensor([1.0, nan], dtype=ng.float64))[0].numpy(), [1.0, 0.0])
    np.testing.assert_array_equal(ng.grad(x.sign(), [x], ng.tensor([nan, 1.0], dtype=ng.float64))[0].numpy(),
                                  [0.0, 0.0])
    z = ng.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    all_ignored = ng.tensor([-100, -100, -100])
    np.testing.assert_array_equal(ng.grad(F.cross_entropy(z, all_ignored) ** 2, [z])[0].numpy(), np.zeros((3, 4)))


# ---- tensor hooks and retain_grad --------------------------------------------------------------
def _values(tensors):
    return [None if t is None else t.detach().numpy().tolist() for t in tensors]


def _hooked_tensors(lib):
    """The same tensor hooks in `lib`: a leaf with a logging hook and a doubling one, a non-leaf used twice with a
    hook that adds 1 (so it must see the sum of both uses) and retain_grad between two logging hooks, then two
    backward passes (the second after a hook removed itself and one was removed), and lib's grad w.r.t. both.
    Returns the log of the hooks' calls, the gradients and what retains_grad answers."""
    x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
    log = []
    handles = [x.register_hook(lambda g: log.append(("x sees", g.tolist()))),
               x.register_hook(lambda g: g * 2)]
    h = x * x
    handles.append(h.register_hook(lambda g: log.append(("h sees", g.tolist()))))
    h.retain_grad()

    def once(g):
        log.append(("h once", g.tolist()))
        handles[-1].remove()
        return g + 1
    handles.append(h.register_hook(once))
    y = (h * 3 + h.tanh()).sum()
    y.backward(retain_graph=True)
    results = [x.grad.tolist(), h.grad.tolist()]
    handles[0].remove()
    handles[0].remove()  # a second remove does nothing
    y.backward(retain_graph=True)
    results += [x.grad.tolist(), h.grad.tolist()]
    results += _values(lib.autograd.grad(y, [x, h]))
    results.append(h.grad.tolist())  # grad runs the hooks too, retain_grad's among them
    return log, results, (x.retains_grad, h.retains_grad)


def test_tensor_hooks_see_and_replace_gradients_as_in_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = _hooked_tensors(ng), _hooked_tensors(torch)
    assert [entry[0] for entry in ours[0]] == [entry[0] for entry in theirs[0]]
    for (_, g), (_, tg) in zip(ours[0], theirs[0]):
        np.testing.assert_allclose(g, tg, rtol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12)
    assert ours[2] == theirs[2] == (False, True)
    x = np.array([0.5, -1.0, 2.0])
    x_grad_without_hooks = 2 * x * (4 - np.tanh(x * x) ** 2)
    assert not np.allclose(ours[1][0], x_grad_without_hooks)  # the hooks changed it


@pytest.mark.parametrize("on", ["leaf", "non-leaf"])
def test_a_hook_that_doubles_the_gradient_doubles_the_second_derivative_as_in_pytorch(on):
    """With create_graph=True the hook gets a gradient with a graph, and what it returns carries that graph on:
    the gradient of the gradient goes through the hook's doubling too."""
    torch = pytest.importorskip("torch")

    def second_derivative(lib, hooked):
        x = lib.tensor([1.0, -2.0], dtype=lib.float64, requires_grad=True)
        y = x ** 3
        if hooked:
            (x if on == "leaf" else y).register_hook(lambda g: g * 2)
        g, = lib.autograd.grad(y.sum(), x, create_graph=True)
        assert g.requires_grad
        (g * g).sum().backward()
        return g.detach().numpy(), x.grad.numpy()

    ours, theirs, plain = second_derivative(ng, True), second_derivative(torch, True), second_derivative(ng, False)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    np.testing.assert_allclose(ours[0], 2 * plain[0])
    # d/dx (2·3x²)² = 8·18x³ = 8x the plain 18x³; a leaf's hook doubles the second pass's gradient of x as well
    np.testing.assert_allclose(ours[1], (8 if on == "leaf" else 4) * plain[1])


def test_retain_grad_keeps_the_gradient_of_the_present_value_as_in_pytorch():
    torch = pytest.importorskip("torch")

    def run(lib):
        a = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        log = []
        h = a * 2
        h.retain_grad()
        h.register_hook(lambda g: log.append(("old value", g.tolist())))
        h.mul_(3)  # retain_grad goes with h to its new value; the hook stays with the old one
        h.register_hook(lambda g: log.append(("new value", g.tolist())))
        (h * h).sum().backward()
        a.retain_grad()  # nothing to do on a leaf
        return log, h.grad.tolist(), a.grad.tolist(), (h.retains_grad, a.retains_grad)

    assert run(ng) == run(torch)
    a = ng.tensor([1.0, 2.0], requires_grad=True)
    h = a * a
    h.retain_grad()
    (h * h).sum().backward(create_graph=True)
    assert h.grad.grad_fn is not None  # under create_graph the kept gradient has a graph, as PyTorch's
    h.detach_()
    assert not h.retains_grad


def test_tensors_and_ops_without_hooks_hold_nothing_for_them():
    x = ng.ones(2, requires_grad=True)
    y = x * 2
    assert "_hooks" not in vars(x) and "_hooks" not in vars(y._ctx) and "_retains_grad" not in vars(y)
    y.register_hook(lambda g: None)
    assert "_hooks" not in vars(x) and y._ctx._hooks is not None


@pytest.mark.parametrize("call, error, message", [
    (lambda: ng.ones(2).register_hook(lambda g: g), RuntimeError,
     r"register_hook: cannot register a hook on a tensor that doesn't require gradient \(shape \(2,\)\)"),
    (lambda: ng.ones(2, requires_grad=True).register_hook(3), TypeError,
     "register_hook: the hook must be callable, got int"),
    (lambda: ng.ones(2).retain_grad(), RuntimeError,
     r"retain_grad: can't retain_grad on a tensor \(shape \(2,\)\) that has requires_grad=False"),
])
def test_hooks_are_refused_where_pytorch_refuses_them(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("hook, error, message", [
    (lambda g: g.sum(), RuntimeError, r"register_hook: the hook <lambda> returned a gradient of shape \(\), float32, "
                                      r"on cpu for one of shape \(2, 3\), float32, on cpu"),
    (lambda g: g.double(), RuntimeError, r"returned a gradient of shape \(2, 3\), float64, on cpu for one of shape "
                                         r"\(2, 3\), float32"),
    (lambda g: 3, TypeError, "register_hook: the hook <lambda> must return a Tensor or None, got int"),
])
@pytest.mark.parametrize("on", ["leaf", "non-leaf"])
def test_a_hook_must_return_a_gradient_of_the_tensors_shape_dtype_and_device(hook, error, message, on):
    x = ng.ones(2, 3, requires_grad=True)
    y = x * 2
    (x if on == "leaf" else y).register_hook(hook)
    with pytest.raises(error, match=message):
        y.sum().backward()
