"""torch's elementwise math, logical ops, in-place method variants, floor division and the matrix-product family
(ops/elementwise.py, ops/matmul.py): against PyTorch to the second derivative, and their errors."""
import warnings

import numpy as np
import pytest

import nanogan as ng
import nanogan.nn.functional as F
from harness import away_from_kinks, check_op, compare_with_torch, refused_as_by_torch

rng = np.random.default_rng(0)


def same_dtype(ours, theirs):
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), (ours.dtype, theirs.dtype)


# ---- in-place methods -------------------------------------------------------------------------------------------
IN_PLACE = [("exp_", ()), ("log_", ()), ("sqrt_", ()), ("abs_", ()), ("neg_", ()), ("sign_", ()), ("pow_", (3,)),
            ("sigmoid_", ()), ("tanh_", ()), ("relu_", ()), ("clamp_min_", (0.8,)), ("clamp_max_", (0.8,)),
            ("add_", (2.0,)), ("mul_", (3.0,)), ("clamp_", (0.5, 1.5))]


@pytest.mark.parametrize("name, args", IN_PLACE, ids=[name for name, _ in IN_PLACE])
def test_in_place_methods_change_the_tensor_as_torch_and_differentiate_as_the_op(name, args):
    torch = pytest.importorskip("torch")
    x = np.abs(away_from_kinks(rng, (3, 4), kinks=(0.0, 0.8, 1.0))) + 0.1  # log and sqrt of positive numbers

    def ours(t):
        h = t * 1.0
        assert getattr(h, name)(*args) is h
        return h * t  # times t: sign_'s own gradient is constant, so the double backward needs more to follow

    def theirs(t):
        h = t * 1.0
        getattr(h, name)(*args)
        return h * t
    compare_with_torch(ours, theirs, [x])
    with ng.no_grad():
        assert not ng.tensor(x).clamp_min(0.8).requires_grad
    np.testing.assert_allclose(getattr(ng.tensor(x), name)(*args).numpy(),
                               getattr(torch.tensor(x, dtype=torch.float32), name)(*args).numpy(), rtol=1e-6)


# the rest of torch's in-place math, on values in (0.2, 0.8) (acosh's plus 1): unary, with numbers, with a tensor
MORE_IN_PLACE = [(name + "_", ()) for name in (
    "acos", "acosh", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh", "asin", "asinh", "atan", "atanh",
    "ceil", "cos", "cosh", "deg2rad", "erf", "exp2", "expm1", "floor", "frac", "log10", "log1p", "log2", "logit",
    "nan_to_num", "rad2deg", "reciprocal", "round", "rsqrt", "sgn", "sin", "sinh", "square", "tan", "trunc")] + [
    ("cumsum_", (1,)), ("round_", ()), ("fmod_", (0.3,)), ("remainder_", (0.3,)), ("true_divide_", (4.0,))]
WITH_A_TENSOR = ["atan2_", "arctan2_", "fmod_", "remainder_", "hypot_", "true_divide_", "xlogy_"]


# torch has no gradient of these in place ("not implemented"); nanogan's is that of the op out of place, torch's
TORCH_HAS_NO_IN_PLACE_GRADIENT = ("acosh_", "arccosh_", "asinh_", "arcsinh_", "atanh_", "arctanh_")


@pytest.mark.parametrize("name, args", MORE_IN_PLACE, ids=[f"{name}{args}" for name, args in MORE_IN_PLACE])
def test_the_rest_of_torchs_in_place_math_changes_the_tensor_and_differentiates_as_torchs(name, args):
    x = rng.uniform(0.2, 0.8, (3, 4)) + (name in ("acosh_", "arccosh_"))

    def changed_times_input(t):
        h = t * 1.0
        assert getattr(h, name)(*args) is h
        return h * t

    def torchs(t):
        if name in TORCH_HAS_NO_IN_PLACE_GRADIENT:
            return getattr(t * 1.0, name[:-1])(*args) * t
        return changed_times_input(t)
    compare_with_torch(changed_times_input, torchs, [x])


@pytest.mark.parametrize("name", WITH_A_TENSOR)
def test_torchs_in_place_math_of_two_tensors_differentiates_in_both_as_torchs(name):
    x, y = rng.uniform(0.2, 0.8, (3, 4)), rng.uniform(0.2, 0.8, (1, 4))
    compare_with_torch(lambda a, b: getattr(a * 1.0, name)(b) * a, lambda a, b: getattr(a * 1.0, name)(b) * a, [x, y])


@pytest.mark.parametrize("name", ["eq_", "ne_", "lt_", "le_", "gt_", "ge_", "heaviside_"])
def test_in_place_comparisons_write_their_answers_in_the_tensors_dtype_as_torchs(name):
    """No gradient: torch's heaviside has none, and a comparison's is 0."""
    torch = pytest.importorskip("torch")
    x, y = np.array([[0.5, 1.0, 2.0]], dtype=np.float32), np.array([1.0, 1.0, 1.0], dtype=np.float32)
    ours, theirs = ng.tensor(x), torch.tensor(x)
    assert getattr(ours, name)(ng.tensor(y)) is ours
    getattr(theirs, name)(torch.tensor(y))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    same_dtype(ours, theirs)


def test_every_in_place_method_of_torch_whose_out_of_place_form_nanogan_has_is_there():
    torch = pytest.importorskip("torch")
    missing = [name for name in dir(torch.Tensor) if name.endswith("_") and not name.startswith("_")
               and hasattr(ng.Tensor, name[:-1]) and not hasattr(ng.Tensor, name)]
    assert missing == []


def test_addcmul_and_addcdiv_match_torch_with_their_in_place_forms():
    torch = pytest.importorskip("torch")
    x, t1, t2 = rng.standard_normal((3, 4)), rng.standard_normal((1, 4)), away_from_kinks(rng, (3, 1), margin=0.5)
    for name in ("addcmul", "addcdiv"):
        compare_with_torch(lambda a, b, c: getattr(ng, name)(a, b, c, value=0.5),
                           lambda a, b, c: getattr(torch, name)(a, b, c, value=0.5), [x, t1, t2])
        compare_with_torch(lambda a, b, c: getattr(a * 1.0, f"{name}_")(b, c, value=-2),
                           lambda a, b, c: getattr(a * 1.0, f"{name}_")(b, c, value=-2), [x, t1, t2])
    for weight in (0.3, 0.8):  # lerp_ takes a tensor end (torch's), a weight on either side of 1/2
        compare_with_torch(lambda a, b: (a * 1.0).lerp_(b, weight) * a, lambda a, b: (a * 1.0).lerp_(b, weight) * a,
                           [x, t1])
    ints = np.array([-3, 2, 7])
    for value in (2, 0.5):  # a float value scales integers truncated, as torch casts it
        ours = ng.addcmul(ng.tensor(ints), ng.tensor(ints), ng.tensor(ints), value=value)
        theirs = torch.addcmul(torch.tensor(ints), torch.tensor(ints), torch.tensor(ints), value=value)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        same_dtype(ours, theirs)
    with pytest.raises(TypeError, match=r"addcdiv: integer division is not supported, got int64 \(3,\)"):
        ng.addcdiv(ng.tensor(ints), ng.tensor(ints), ng.tensor(ints))


def test_in_place_float_math_of_an_integer_tensor_is_refused_as_in_torch():
    for name in ("exp_", "sqrt_", "sigmoid_"):
        with pytest.raises(TypeError, match=name + r": the result \(float32, shape \(2,\)\) cannot be stored in "
                                                   r"place in a tensor of int64"):
            getattr(ng.tensor([1, 2]), name)()


def test_relu_keeps_integers_refuses_bools_and_passes_the_gradient_at_nan_as_torch():
    torch = pytest.importorskip("torch")
    ints = np.array([-3, 0, 5], dtype=np.int32)
    ours, theirs = ng.relu(ng.tensor(ints)), torch.relu(torch.tensor(ints))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    same_dtype(ours, theirs)
    h = ng.tensor(ints)
    h.relu_()
    np.testing.assert_array_equal(h.numpy(), [0, 0, 5])
    with pytest.raises(TypeError, match=r"relu: bool tensors are not supported, got one of shape \(2,\)"):
        ng.relu(ng.tensor([True, False]))
    x = np.array([np.nan, -1.0, 2.0, np.nan], dtype=np.float32)
    for ours_fn, theirs_fn in ((F.relu, torch.relu), (lambda t: F.leaky_relu(t, 0.2),
                                                      lambda t: torch.nn.functional.leaky_relu(t, 0.2))):
        a, t = ng.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        (g,), (tg,) = ng.grad(ours_fn(a).sum(), [a]), torch.autograd.grad(theirs_fn(t).sum(), [t])
        np.testing.assert_array_equal(g.numpy(), tg.numpy())  # relu: g at NaN; leaky_relu: slope·g


# ---- floor division ---------------------------------------------------------------------------------------------
def test_floor_division_rounds_down_as_python_and_torch_keeping_integers():
    torch = pytest.importorskip("torch")
    a, b = np.array([-7, 7, -7, 7, 0]), np.array([2, 2, -2, -2, 3])
    floats = (np.array([1.0, -7.5, 7.5, -0.5, 0.0, 1e10, 3.0], dtype=np.float32),
              np.array([0.1, 2, -2, 2, -2, 3, 0], dtype=np.float32))
    for x, y in ((a, b), floats, (a.astype(np.uint8), b.astype(np.uint8) + 1)):
        ours, theirs = ng.tensor(x) // ng.tensor(y), torch.tensor(x) // torch.tensor(y)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())  # 1 // 0.1 is 9, not ⌊10.000001⌋
        same_dtype(ours, theirs)
    for ours, theirs in ((ng.tensor(a) // 2.5, torch.tensor(a) // 2.5), (7 // ng.tensor(b), 7 // torch.tensor(b)),
                         (ng.floor_divide(ng.tensor(a), 2), torch.floor_divide(torch.tensor(a), 2)),
                         (ng.tensor(a).floor_divide(3), torch.tensor(a).floor_divide(3))):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        same_dtype(ours, theirs)
    h = ng.tensor(a)
    h //= 2
    np.testing.assert_array_equal(h.numpy(), a // 2)


def test_floor_division_refuses_bools_and_an_integer_division_by_zero_and_has_gradient_zero():
    with pytest.raises(ZeroDivisionError, match=r"floor_divide: integer division by zero \(a of shape \(2,\), b of "
                                                r"shape \(\)\)"):
        ng.tensor([1, 2]) // 0
    with pytest.raises(TypeError, match="floor_divide: not implemented for bool tensors"):
        ng.tensor([True]) // ng.tensor([True])
    x, y = ng.tensor([-7.5, 3.0], requires_grad=True), ng.tensor([2.0, 2.0], requires_grad=True)
    gx, gy = ng.grad((x // y).sum() + (x * y).sum(), [x, y])  # stepwise: only x·y's gradients
    np.testing.assert_array_equal(gx.numpy(), [2.0, 2.0])
    np.testing.assert_array_equal(gy.numpy(), [-7.5, 3.0])


# ---- elementwise math ------------------------------------------------------------------------------------------
UNARY = {  # name: values away from poles and the domain's edges
    "tan": rng.uniform(-1.2, 1.2, (3, 4)), "asin": rng.uniform(-0.9, 0.9, (3, 4)),
    "acos": rng.uniform(-0.9, 0.9, (3, 4)), "atan": rng.standard_normal((3, 4)) * 2,
    "sinh": rng.standard_normal((3, 4)), "cosh": rng.standard_normal((3, 4)),
    "asinh": rng.standard_normal((3, 4)) * 2, "acosh": rng.uniform(1.2, 4.0, (3, 4)),
    "atanh": rng.uniform(-0.9, 0.9, (3, 4)), "logit": rng.uniform(0.05, 0.95, (3, 4)),
    "deg2rad": rng.standard_normal((3, 4)) * 90, "rad2deg": rng.standard_normal((3, 4)),
    "nan_to_num": np.array([[1.5, np.nan, np.inf, -np.inf], [-2.0, 0.5, 3.0, np.nan]]),
}


ARC = {name: "arc" + name[1:] for name in ("asin", "acos", "atan", "asinh", "acosh", "atanh")}  # numpy's names


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_math_matches_torch_to_the_second_derivative(name):
    torch = pytest.importorskip("torch")
    compare_with_torch(getattr(ng, name), getattr(torch, name), [UNARY[name]])
    if name in ARC:
        assert getattr(ng, ARC[name]) is getattr(ng, name) and getattr(ng.Tensor, ARC[name]) is getattr(ng.Tensor, name)
    compare_with_torch(lambda t: getattr(t, name)().sin(), lambda t: getattr(t, name)().sin(), [UNARY[name]])
    ints = np.array([-2, 0, 1, 3])  # in float32, as torch computes them
    ours, theirs = getattr(ng, name)(ng.tensor(ints)), getattr(torch, name)(torch.tensor(ints))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, equal_nan=True)
    same_dtype(ours, theirs)


def test_logit_with_eps_and_nan_to_num_with_its_replacements_match_torch():
    torch = pytest.importorskip("torch")
    x = np.array([0.01, 0.3, 0.7, 0.995, 0.5])
    compare_with_torch(lambda t: ng.logit(t, eps=0.05) ** 2, lambda t: torch.logit(t, eps=0.05) ** 2, [x])
    special = UNARY["nan_to_num"].astype(np.float32)
    compare_with_torch(lambda t: t.nan_to_num(nan=1.0, posinf=9.0, neginf=-9.0) ** 2,
                       lambda t: t.nan_to_num(nan=1.0, posinf=9.0, neginf=-9.0) ** 2, [UNARY["nan_to_num"]])
    np.testing.assert_array_equal(ng.nan_to_num(ng.tensor(special)).numpy(),
                                  torch.nan_to_num(torch.tensor(special, dtype=torch.float32)).numpy())
    assert ng.nan_to_num(ng.tensor([1, 2])).dtype == ng.int64


BINARY = {"atan2": (rng.standard_normal((3, 4)), away_from_kinks(rng, (1, 4), margin=0.3)),
          "hypot": (away_from_kinks(rng, (3, 4), margin=0.3), rng.standard_normal((3, 1))),
          "logaddexp": (rng.standard_normal((3, 4)), rng.standard_normal((4,))),
          "xlogy": (rng.standard_normal((3, 4)), rng.uniform(0.2, 3.0, (3, 4)))}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_math_matches_torch_to_the_second_derivative_with_broadcasting(name):
    torch = pytest.importorskip("torch")
    compare_with_torch(getattr(ng, name), getattr(torch, name), list(BINARY[name]))
    compare_with_torch(lambda a, b: getattr(a, name)(b) * a, lambda a, b: getattr(a, name)(b) * a,
                       list(BINARY[name]))
    check_op(getattr(ng, name), list(BINARY[name]))


def test_atan2_xlogy_take_integers_and_numbers_hypot_logaddexp_refuse_integers_as_torch():
    torch = pytest.importorskip("torch")
    i, f = np.array([-3, 0, 7]), np.array([-3.5, 0.0, 7.0], dtype=np.float32)
    for ours, theirs in ((ng.atan2(ng.tensor(i), ng.tensor(i)), torch.atan2(torch.tensor(i), torch.tensor(i))),
                         (ng.arctan2(ng.tensor(i), 2), torch.arctan2(torch.tensor(i), torch.tensor(2))),
                         (ng.xlogy(ng.tensor(i), ng.tensor(i)), torch.xlogy(torch.tensor(i), torch.tensor(i))),
                         (ng.xlogy(2, ng.tensor(f)), torch.xlogy(2, torch.tensor(f))),
                         (ng.xlogy(ng.tensor(f), 2), torch.xlogy(torch.tensor(f), 2))):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, equal_nan=True)
        same_dtype(ours, theirs)
    for name in ("hypot", "logaddexp"):
        with pytest.raises(TypeError, match=r"expected floating-point tensors, got int64 for input 0 of shape \(3,\)"):
            getattr(ng, name)(ng.tensor(i), ng.tensor(i))
    with pytest.raises(ValueError, match=r"atan2: shapes \(2,\) and \(3,\) cannot be broadcast together"):
        ng.atan2(ng.zeros(2), ng.zeros(3))


def test_xlogy_at_zero_is_zero_with_torchs_gradients():
    torch = pytest.importorskip("torch")
    x, y = np.array([0.0, 0.0, 1.0, 0.0]), np.array([0.0, 2.0, 2.0, np.nan])
    a, b = ng.tensor(x, requires_grad=True), ng.tensor(y, requires_grad=True)
    ta, tb = torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)
    ours, theirs = ng.xlogy(a, b), torch.xlogy(ta, tb)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    for g, tg in zip(ng.grad(ours.sum(), [a, b]), torch.autograd.grad(theirs.sum(), [ta, tb])):
        np.testing.assert_array_equal(g.numpy(), tg.numpy())


def test_sign_bits_heaviside_and_logical_ops_match_torch_outside_the_graph():
    torch = pytest.importorskip("torch")
    f = np.array([-1.5, -0.0, 0.0, np.nan, np.inf, -np.inf, 2.0], dtype=np.float32)
    i, b = np.array([-3, 0, 0, 2, 5, -1, 1]), np.array([True, False, True, False, True, True, False])
    for name in ("sgn", "signbit", "isinf", "isposinf", "isneginf", "logical_not"):
        for array in (f, i, b):
            if name == "sgn" and array.dtype == bool:
                continue
            ours, theirs = getattr(ng, name)(ng.tensor(array)), getattr(torch, name)(torch.tensor(array))
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=name)
            same_dtype(ours, theirs)
    for name in ("logical_and", "logical_or", "logical_xor"):
        for x, y in ((f, i), (b, i), (f, b)):
            ours = getattr(ng.tensor(x), name)(ng.tensor(y))
            theirs = getattr(torch, name)(torch.tensor(x), torch.tensor(y))
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=name)
            assert ours.dtype == ng.bool
    for x, values in ((f, np.array(0.5, dtype=np.float32)), (i, np.array([7]))):
        ours = ng.heaviside(ng.tensor(x), ng.tensor(values))
        theirs = torch.heaviside(torch.tensor(x), torch.tensor(values))
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        same_dtype(ours, theirs)
    assert not ng.tensor([1.0, -2.0], requires_grad=True).isinf().requires_grad
    with pytest.raises(TypeError, match=r"heaviside: values must be a tensor of the input's dtype, got int64 for an "
                                        r"input of float32"):
        ng.heaviside(ng.tensor(f), ng.tensor(1))


# ---- products -------------------------------------------------------------------------------------------------------
EINSUM = [("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]), ("bchw,bc->bhw", [(2, 3, 4, 5), (2, 3)]),
          ("nchw,nc->nhw", [(2, 3, 2, 2), (2, 3)]), ("ij,jk", [(2, 3), (3, 4)]),
          ("...ij,...jk", [(4, 2, 3), (3, 2)]), ("b...,b->...", [(2, 3, 4), (2,)]), ("ii", [(3, 3)]),
          ("ii->i", [(3, 3)]), ("iij->j", [(3, 3, 2)]), ("i,i", [(3,), (3,)]), ("i,j", [(2,), (3,)]),
          ("ij->", [(2, 3)]), ("ji", [(2, 3)]), ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
          ("ij,ik->jk", [(1, 3), (4, 2)]), ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)])]


@pytest.mark.parametrize("equation, shapes", EINSUM, ids=[e for e, _ in EINSUM])
def test_einsum_matches_torch_to_the_second_derivative(equation, shapes):
    torch = pytest.importorskip("torch")
    arrays = [rng.standard_normal(s) for s in shapes]
    compare_with_torch(lambda *t: ng.einsum(equation, *t) ** 2, lambda *t: torch.einsum(equation, *t) ** 2, arrays)
    compare_with_torch(lambda *t: ng.einsum(equation, list(t)), lambda *t: torch.einsum(equation, list(t)), arrays)


# torch's sublist form: operand, subscripts, ..., [output]; 0..25 are A..Z and 26..51 a..z, so that an implicit
# output takes the ints in ascending order
EINSUM_SUBLISTS = {
    "matrix product": ([0, 1], [1, 2], [0, 2]), "implicit output": ([30, 1], [1, 2]), "trace": ([0, 0], [3, 4]),
    "batched, ellipsis": ([Ellipsis, 0, 1], [Ellipsis, 1, 51], [Ellipsis, 51, 0]),
    "implicit, ellipsis": ([Ellipsis, 0, 1], [1, 2]), "tuples, summed out": ((0, 1), (1, 2), ()),
}


@pytest.mark.parametrize("case", sorted(EINSUM_SUBLISTS))
def test_einsum_sublist_form_matches_torch_to_the_second_derivative(case):
    torch = pytest.importorskip("torch")
    sublists = EINSUM_SUBLISTS[case]
    shapes = [(2, 3), (3, 4)] if "ellipsis" not in case else [(2, 2, 3), (3, 4)]

    def interleaved(operands):
        return [item for pair in zip(operands, sublists) for item in pair] + list(sublists[len(operands):])
    arrays = [rng.standard_normal(s) for s in shapes]
    if case == "trace":
        arrays = [rng.standard_normal((3, 3)), rng.standard_normal((2, 4))]
    compare_with_torch(lambda *t: ng.einsum(*interleaved(t)) ** 2, lambda *t: torch.einsum(*interleaved(t)) ** 2,
                       arrays)


@pytest.mark.parametrize("call, error, message", [
    (lambda lib: lib.einsum(lib.zeros(2, 3), [0, 52]), ValueError,
     r"einsum: a subscript of the sublist form must be an int in \[0, 52\) or \.\.\., got 52"),
    (lambda lib: lib.einsum(lib.zeros(2, 3), [0, -1]), ValueError, "got -1"),
    (lambda lib: lib.einsum(lib.zeros(2, 3), [0, 1, 2]), ValueError,
     r"einsum: the subscripts 'ABC' do not match operand of shape \(2, 3\)"),
])
def test_einsum_sublist_form_refuses_what_torch_refuses(call, error, message):
    refused_as_by_torch(call, error, message)


def test_einsum_refuses_equations_that_do_not_fit_its_operands():
    a, b = ng.zeros(2, 3), ng.zeros(4, 2)
    with pytest.raises(ValueError, match=r"einsum: subscript 'j' has size 4 in an operand of shape \(4, 2\), which "
                                         r"does not broadcast with its size 3"):
        ng.einsum("ij,jk->ik", a, b)
    with pytest.raises(ValueError, match=r"einsum: the subscripts 'ijk' do not match operand of shape \(2, 3\)"):
        ng.einsum("ijk", a)
    with pytest.raises(ValueError, match=r"einsum: the equation 'ij,jk' names 2 operands, got 1"):
        ng.einsum("ij,jk", a)
    with pytest.raises(ValueError, match=r"einsum: the output 'iz' must name each subscript"):
        ng.einsum("ij->iz", a)
    with pytest.raises(ValueError, match=r"einsum: the subscript 'i' repeated in an operand names dims of sizes 1 "
                                         r"and 3"):  # a diagonal does not broadcast, as in torch
        ng.einsum("ii->i", ng.zeros(1, 3))
    with pytest.raises(ValueError, match=r"einsum: subscripts are letters"):
        ng.einsum("i1", a)


PRODUCTS = {
    "outer": (lambda m, a, b: m.outer(a, b), [(3,), (4,)]),
    "ger": (lambda m, a, b: m.ger(a, b), [(3,), (4,)]),
    "dot": (lambda m, a, b: m.dot(a, b) ** 2, [(3,), (3,)]),
    "tensordot 2": (lambda m, a, b: m.tensordot(a, b, 2), [(2, 3, 4), (3, 4, 5)]),
    "tensordot lists": (lambda m, a, b: m.tensordot(a, b, ([1, 0], [0, 2])), [(2, 3, 4), (3, 5, 2)]),
    "kron": (lambda m, a, b: m.kron(a, b), [(2, 3), (4, 2, 2)]),
    "cross": (lambda m, a, b: m.cross(a, b, dim=1), [(2, 3, 4), (1, 3, 4)]),
    "dist": (lambda m, a, b: m.dist(a, b) ** 2, [(3, 4), (4,)]),
    "dist p=3": (lambda m, a, b: m.dist(a, b, 3), [(3, 4), (3, 4)]),
    "addmm": (lambda m, c, a, b: m.addmm(c, a, b, beta=0.5, alpha=-2), [(4,), (3, 2), (2, 4)]),
    "baddbmm": (lambda m, c, a, b: m.baddbmm(c, a, b, beta=2, alpha=0.5), [(2, 3, 4), (2, 3, 2), (2, 2, 4)]),
    "mv": (lambda m, a, b: m.mv(a, b), [(3, 4), (4,)]),
    "addmv": (lambda m, c, a, b: m.addmv(c, a, b, beta=-1.5, alpha=0.5), [(3,), (3, 4), (4,)]),
    "addmv, broadcast input": (lambda m, c, a, b: m.addmv(c, a, b), [(1,), (3, 4), (4,)]),
    "addr": (lambda m, c, a, b: m.addr(c, a, b, beta=0.5, alpha=2), [(3, 4), (3,), (4,)]),
    "addr, broadcast input": (lambda m, c, a, b: m.addr(c, a, b, alpha=-1), [(3, 1), (3,), (4,)]),
    "addbmm": (lambda m, c, a, b: m.addbmm(c, a, b, beta=2, alpha=-0.5), [(3, 4), (5, 3, 2), (5, 2, 4)]),
    "addbmm, broadcast input": (lambda m, c, a, b: m.addbmm(c, a, b), [(4,), (2, 3, 2), (2, 2, 4)]),
    # four matrices, multiplied in the order of fewest products: A(B(CD)) here
    "multi_dot": (lambda m, a, b, c, d: m.linalg.multi_dot([a, b, c, d]), [(10, 30), (30, 5), (5, 60), (60, 2)]),
    "multi_dot, a row first": (lambda m, a, b, c: m.linalg.multi_dot([a, b, c]), [(3,), (3, 4), (4, 2)]),
    "multi_dot, a column last": (lambda m, a, b, c: m.linalg.multi_dot([a, b, c]), [(2, 3), (3, 4), (4,)]),
    "multi_dot, two vectors": (lambda m, a, b: m.linalg.multi_dot((a, b)), [(3,), (3,)]),
}
# torch's functions that are no Tensor methods
FUNCTIONS_ONLY = ("tensordot", "multi_dot")


@pytest.mark.parametrize("name", sorted(PRODUCTS))
def test_products_match_torch_to_the_second_derivative(name):
    torch = pytest.importorskip("torch")
    fn, shapes = PRODUCTS[name]
    arrays = [rng.standard_normal(s) for s in shapes]
    compare_with_torch(lambda *t: fn(ng, *t), lambda *t: fn(torch, *t), arrays)
    if not name.startswith(FUNCTIONS_ONLY):
        compare_with_torch(lambda t, *rest: fn(ng.Tensor, t, *rest), lambda t, *rest: fn(torch.Tensor, t, *rest),
                           arrays)


@pytest.mark.parametrize("p, shapes", [(2, [(2, 3, 4), (2, 5, 4)]), (1, [(3, 4), (5, 4)]), (3, [(3, 4), (1, 5, 4)]),
                                       (float("inf"), [(3, 4), (5, 4)])])
def test_cdist_matches_torch_and_its_own_norms_to_the_second_derivative(p, shapes):
    """torch's cdist has no second derivative: the values and gradients are compared with it, the second
    derivative with torch's norms of the differences."""
    torch = pytest.importorskip("torch")
    a, b = (rng.standard_normal(s) for s in shapes)
    ours = ng.cdist(ng.tensor(a, requires_grad=True), ng.tensor(b))
    x, y = ng.tensor(a, requires_grad=True), ng.tensor(b, requires_grad=True)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    ours, theirs = ng.cdist(x, y, p=p), torch.cdist(tx, ty, p=p)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6)
    v = rng.standard_normal(ours.shape)
    for g, tg in zip(ng.grad(ours, [x, y], ng.tensor(v)), torch.autograd.grad(theirs, [tx, ty], torch.tensor(v))):
        np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-6)
    compare_with_torch(lambda s, t: ng.cdist(s, t, p=p),
                       lambda s, t: (s.unsqueeze(-2) - t.unsqueeze(-3)).norm(p, dim=-1), [a, b])


def test_products_keep_torchs_dtypes_and_addmm_leaves_out_a_nan_input_at_beta_0():
    torch = pytest.importorskip("torch")
    i, f = np.array([-3, 2, 7]), np.array([-3.5, 2.0, 7.0], dtype=np.float32)
    for ours, theirs in ((ng.outer(ng.tensor(i), ng.tensor(f)), torch.outer(torch.tensor(i), torch.tensor(f))),
                         (ng.kron(ng.tensor(i), ng.tensor(i)), torch.kron(torch.tensor(i), torch.tensor(i)))):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        same_dtype(ours, theirs)
    nan = ng.full((2, 2), float("nan"))
    np.testing.assert_array_equal(ng.addmm(nan, ng.ones(2, 3), ng.ones(3, 2), beta=0).numpy(), np.full((2, 2), 3.0))
    for ours in (ng.addmv(nan[0], ng.ones(2, 3), ng.ones(3), beta=0), ng.addr(nan, ng.ones(2), ng.ones(2), beta=0),
                 ng.addbmm(nan, ng.ones(1, 2, 3), ng.ones(1, 3, 2), beta=0)):
        assert not ours.isnan().any()


@pytest.mark.parametrize("name, shapes", [("addmm", [(3, 2), (3, 4), (4, 2)]), ("addmv", [(3,), (3, 4), (4,)]),
                                          ("addr", [(3, 4), (3,), (4,)]), ("addbmm", [(3, 2), (5, 3, 4), (5, 4, 2)]),
                                          ("baddbmm", [(5, 3, 2), (5, 3, 4), (5, 4, 2)])])
def test_in_place_products_give_torchs_values_and_gradients(name, shapes):
    torch = pytest.importorskip("torch")
    arrays = [rng.standard_normal(s) for s in shapes]
    compare_with_torch(lambda c, a, b: getattr(c * 1, name + "_")(a, b, beta=0.5, alpha=2),
                       lambda c, a, b: getattr(c * 1, name + "_")(a, b, beta=0.5, alpha=2), arrays)


def test_chain_matmul_is_multi_dot_of_matrices_with_torchs_deprecation_warning():
    torch = pytest.importorskip("torch")
    arrays = [rng.standard_normal(s) for s in [(2, 3), (3, 4), (4, 5)]]
    with pytest.warns(UserWarning, match="chain_matmul is deprecated. Use linalg.multi_dot"):
        compare_with_torch(ng.chain_matmul, torch.chain_matmul, arrays)
    with pytest.warns(UserWarning):
        one = ng.tensor(arrays[0])
        alone = ng.chain_matmul(one)
    assert alone is not one and np.array_equal(alone.numpy(), arrays[0])


@pytest.mark.parametrize("call, error, message", [
    (lambda lib: lib.mv(lib.zeros(2, 3), lib.zeros(2)), ValueError,
     r"mv: expected a matrix \(n, m\) and a vector \(m,\), got shapes \(2, 3\) and \(2,\)"),
    (lambda lib: lib.addmv(lib.zeros(2), lib.zeros(2, 3), lib.zeros(4)), ValueError,
     r"addmv: expected a matrix \(n, m\) and a vector \(m,\), got shapes \(2, 3\) and \(4,\)"),
    (lambda lib: lib.addmv(lib.zeros(3), lib.zeros(2, 3), lib.zeros(3)), ValueError,
     r"addmv: input of shape \(3,\) does not broadcast to the product's shape \(2,\)"),
    (lambda lib: lib.addr(lib.zeros(2, 3), lib.zeros(2, 1), lib.zeros(3)), ValueError,
     r"addr: expected two vectors, got shapes \(2, 1\) and \(3,\)"),
    (lambda lib: lib.addbmm(lib.zeros(2, 4), lib.zeros(5, 2, 3), lib.zeros(4, 3, 4)), ValueError,
     r"addbmm: expected batches of matrices \(b, n, m\) and \(b, m, p\), got shapes \(5, 2, 3\) and \(4, 3, 4\)"),
    (lambda lib: lib.linalg.multi_dot([lib.zeros(2, 3)]), ValueError, "multi_dot: expected at least 2 tensors, got 1"),
    (lambda lib: lib.linalg.multi_dot([lib.zeros(2, 2, 3), lib.zeros(3, 2)]), ValueError,
     r"multi_dot: tensor 0 must be 1-D or 2-D, got shape \(2, 2, 3\)"),
    (lambda lib: lib.linalg.multi_dot([lib.zeros(2, 3), lib.zeros(3), lib.zeros(3, 2)]), ValueError,
     r"multi_dot: tensor 1 must be 2-D, got shape \(3,\)"),
    (lambda lib: lib.linalg.multi_dot([lib.zeros(2, 3), lib.zeros(3, 4), lib.zeros(5, 2)]), ValueError,
     r"multi_dot: tensors 1 and 2 of shapes \(3, 4\) and \(5, 2\) cannot be multiplied"),
    (lambda lib: lib.linalg.multi_dot([lib.zeros(2, 3), lib.zeros(3, 2, dtype=lib.float64)]), TypeError,
     "multi_dot: the tensors must share one dtype, got float32, float64"),
    (lambda lib: lib.chain_matmul(), ValueError, "chain_matmul: expected one or more matrices"),
    (lambda lib: lib.chain_matmul(lib.zeros(3), lib.zeros(3, 2)), ValueError,
     r"chain_matmul: expected one or more matrices \(2-D\), got shapes \(3,\), \(3, 2\)"),
])
@pytest.mark.filterwarnings("ignore:.*chain_matmul is deprecated")
def test_the_new_products_refuse_what_torch_refuses(call, error, message):
    refused_as_by_torch(call, error, message)


INTEGER_PRODUCTS = [lambda lib, a, b: a @ b, lambda lib, a, b: lib.mm(a, b), lambda lib, a, b: lib.bmm(a[None], b[None]),
                    lambda lib, a, b: a[0].dot(b[:, 0]), lambda lib, a, b: lib.mv(a, b[:, 1]),
                    lambda lib, a, b: a[1] @ b, lambda lib, a, b: lib.einsum("ij,jk->ik", a, b),
                    lambda lib, a, b: lib.tensordot(a, b, 1), lambda lib, a, b: lib.addmm(a[:, :1], a, b, alpha=3),
                    lambda lib, a, b: lib.linalg.multi_dot([a, b, b.T])]


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "int8"])
def test_integer_products_are_exact_integers_wrapping_in_their_dtype_as_torchs(dtype):
    """Products of int64s near 2⁶² overflow: both libraries wrap around modulo 2⁶⁴, exactly (a float64 product would
    round away the low bits), and so in the narrow dtypes."""
    torch = pytest.importorskip("torch")
    info = np.iinfo(dtype)
    local = np.random.default_rng(5)
    a, b = (local.integers(info.min // 2, info.max // 2, size=s, endpoint=True).astype(dtype) for s in [(3, 4), (4, 3)])
    for i, call in enumerate(INTEGER_PRODUCTS):
        ours, theirs = call(ng, ng.tensor(a), ng.tensor(b)), call(torch, torch.tensor(a), torch.tensor(b))
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=f"call {i}")
        same_dtype(ours, theirs)
        assert not ours.requires_grad


def test_a_product_of_bools_is_refused_as_by_torch():
    refused_as_by_torch(lambda lib: lib.tensor([[True, False]]) @ lib.tensor([[True], [True]]), TypeError,
                        r"matmul: expected numbers, got bool tensors of shapes \(1, 2\) and \(2, 1\)")


def test_cross_without_dim_takes_the_first_dim_of_size_3_with_torchs_warning():
    torch = pytest.importorskip("torch")
    a, b = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    with pytest.warns(UserWarning, match="cross: without dim"):
        ours = ng.cross(ng.tensor(a), ng.tensor(b))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(ours.numpy(), torch.cross(torch.tensor(a), torch.tensor(b)).numpy(), rtol=1e-6)


def test_products_refuse_shapes_and_dtypes_that_do_not_fit():
    with pytest.raises(ValueError, match=r"dot: expected two vectors of one length, got shapes \(3,\) and \(2,\)"):
        ng.dot(ng.zeros(3), ng.zeros(2))
    with pytest.raises(TypeError, match="matmul: operands must share one dtype"):
        ng.dot(ng.zeros(3), ng.zeros(3, dtype=ng.float64))
    with pytest.raises(ValueError, match=r"outer: expected two vectors, got shapes \(3, 1\) and \(2,\)"):
        ng.outer(ng.zeros(3, 1), ng.zeros(2))
    with pytest.raises(ValueError, match=r"tensordot: the dims \[1\] of shape \(2, 3\) and \[0\] of shape \(4, 2\) "
                                         r"do not pair up"):
        ng.tensordot(ng.zeros(2, 3), ng.zeros(4, 2), 1)
    with pytest.raises(ValueError, match=r"addmm: input of shape \(2, 2, 2\) does not broadcast to the product's "
                                         r"shape \(2, 2\)"):
        ng.addmm(ng.zeros(2, 2, 2), ng.zeros(2, 3), ng.zeros(3, 2))
    with pytest.raises(ValueError, match=r"bmm: expected batches of matrices"):
        ng.baddbmm(ng.zeros(2, 2), ng.zeros(2, 3), ng.zeros(3, 2))
    with pytest.raises(ValueError, match=r"cdist: expected x1 \(\.\.\., P, M\) and x2 \(\.\.\., R, M\), got shapes "
                                         r"\(2, 3\) and \(4, 2\)"):
        ng.cdist(ng.zeros(2, 3), ng.zeros(4, 2))
    with pytest.raises(TypeError, match=r"dist: expected floating-point tensors, got int64 of shape \(2,\)"):
        ng.dist(ng.tensor([1, 2]), ng.tensor([1, 2]))
    with pytest.raises(ValueError, match=r"cross: dimension 1 must have size 3 in both inputs, got shapes \(2, 2\)"):
        ng.cross(ng.zeros(2, 2), ng.zeros(2, 2), dim=1)
    with pytest.raises(ValueError, match="cross: inputs must have the same number of dimensions"):
        ng.cross(ng.zeros(2, 3), ng.zeros(3), dim=-1)


def test_cdist_is_zero_with_gradient_zero_where_two_points_meet():
    x = ng.tensor([[1.0, 2.0], [0.0, 0.0]], requires_grad=True)
    y = ng.cdist(x, x.detach())
    (g,) = ng.grad(y.sum(), [x])
    assert y[0, 0].item() == 0.0 and np.isfinite(g.numpy()).all()
    torch = pytest.importorskip("torch")
    t = torch.tensor([[1.0, 2.0], [0.0, 0.0]], requires_grad=True)
    (tg,) = torch.autograd.grad(torch.cdist(t, t.detach()).sum(), [t])
    np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-6)


@pytest.mark.parametrize("p", [0.0, 0.5, 1.5, 3.0])
def test_cdist_and_norm_of_other_ps_have_torchs_gradient_zero_where_differences_are_zero(p):
    """|d|^(p-1) is inf at d = 0 for p < 1, and Σ^(1/p - 1) at a norm of 0 for p > 1: times the 0 beside it, the
    formula's gradient was NaN there (at a point and itself, a WGAN-GP penalty's meeting points); PyTorch's is 0.
    p = 0 counts the differing coordinates, with gradient 0, as PyTorch's. (PyTorch's norm's second derivative is
    NaN at a 0; nanogan's is 0 there, as at every order.)"""
    torch = pytest.importorskip("torch")
    a, b = np.array([[0.0, 1.0, 2.0], [1.0, 1.0, 1.0]]), np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]])
    x, y = ng.tensor(a, requires_grad=True), ng.tensor(b, requires_grad=True)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    ours, theirs = ng.cdist(x, y, p=p), torch.cdist(tx, ty, p=p)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    v = rng.standard_normal(ours.shape)
    for g, tg in zip(ng.grad(ours, [x, y], ng.tensor(v)), torch.autograd.grad(theirs, [tx, ty], torch.tensor(v))):
        np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-9, atol=1e-12)
    if p > 0:
        (g,), (tg,) = ng.grad(x.norm(p), x), torch.autograd.grad(torch.linalg.vector_norm(tx, p), tx)
        np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-9, atol=1e-12)  # its second derivative is NaN
        zero = ng.zeros(3, dtype=ng.float64, requires_grad=True)
        (g,) = ng.grad(zero.norm(p), zero, create_graph=True)
        (h,) = ng.grad((g * g).sum() + zero.norm(p), zero)
        np.testing.assert_array_equal(np.concatenate([g.detach().numpy(), h.numpy()]), np.zeros(6))


def test_inverse_functions_and_logit_have_torchs_derivatives_at_and_beyond_their_domain_edges():
    """asin's and acos's derivative 1/√(1 - a²) was 0 at a = ±inf (rsqrt was a^(-1/2), and C's pow gives
    (-inf)^(-1/2) = 0; PyTorch's rsqrt is NaN there, and -inf at -0); atan2's was 0/0 = NaN at the origin (PyTorch's
    0); logit's was NaN at 0 and 1 (inf in PyTorch) and a number outside [0, 1] (NaN in PyTorch)."""
    torch = pytest.importorskip("torch")
    edges = np.array([-np.inf, -2.0, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 2.0, np.inf])
    for name in ("asin", "acos", "rsqrt", "logit"):
        x, tx = ng.tensor(edges, requires_grad=True), torch.tensor(edges, requires_grad=True)
        y, ty = getattr(ng, name)(x), getattr(torch, name)(tx)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12, err_msg=name)
        (g,), (tg,) = ng.grad(y.sum(), x), torch.autograd.grad(ty.sum(), tx)
        np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-12, err_msg=name)
    a, b = ng.zeros(1, dtype=ng.float64, requires_grad=True), ng.zeros(1, dtype=ng.float64, requires_grad=True)
    ta, tb = torch.zeros(1, dtype=torch.float64, requires_grad=True), torch.zeros(1, dtype=torch.float64,
                                                                                requires_grad=True)
    for g, tg in zip(ng.grad(ng.atan2(a, b).sum(), [a, b]), torch.autograd.grad(torch.atan2(ta, tb).sum(), [ta, tb])):
        np.testing.assert_array_equal(g.numpy(), tg.numpy())


def test_add_and_sub_refuse_a_float_alpha_for_integer_tensors_as_torch():
    """alpha·b made the sum of two int64 tensors a float one: PyTorch refuses the float alpha."""
    for name in ("add", "sub"):
        refused_as_by_torch(lambda lib: getattr(lib, name)(lib.arange(3), lib.arange(3), alpha=2.5), TypeError,
                            rf"{name}: for integer tensors \(shapes \(3,\) and \(3,\), int64\) alpha must be an int, "
                            r"got 2.5")


# ---- bitwise operators, div's rounding modes, isclose, the narrower dtypes' names ------------------------------

BITWISE_OPERANDS = [(np.array([True, False, True, False]), np.array([True, True, False, False])),
                    (np.array([5, -3, 12, 0], dtype=np.int64), np.array([3, 6, -1, 7], dtype=np.int64)),
                    (np.array([200, 15, 0, 255], dtype=np.uint8), np.array([15, 240, 255, 1], dtype=np.uint8)),
                    (np.array([5, -3, 12, 0], dtype=np.int32), np.array([3, 6, -1, 7], dtype=np.int32))]


@pytest.mark.parametrize("a, b", BITWISE_OPERANDS, ids=["bool", "int64", "uint8", "int32"])
def test_bitwise_operators_and_methods_are_torchs(a, b):
    torch = pytest.importorskip("torch")
    calls = [lambda lib, x, y: x & y, lambda lib, x, y: x | y, lambda lib, x, y: x ^ y, lambda lib, x, y: ~x,
             lambda lib, x, y: x & 1, lambda lib, x, y: 6 | x, lambda lib, x, y: x ^ True,
             lambda lib, x, y: lib.bitwise_and(x, y), lambda lib, x, y: x.bitwise_or(y),
             lambda lib, x, y: lib.bitwise_xor(x, y), lambda lib, x, y: x.bitwise_not(),
             lambda lib, x, y: lib.logical_and(x, y)]
    for i, call in enumerate(calls):
        ours, theirs = call(ng, ng.tensor(a), ng.tensor(b)), call(torch, torch.tensor(a), torch.tensor(b))
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), i
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=str(i))
    for in_place in ("__iand__", "__ior__", "__ixor__", "bitwise_and_", "logical_or_"):
        ours, theirs = ng.tensor(a), torch.tensor(a)
        assert getattr(ours, in_place)(ng.tensor(b)) is ours
        getattr(theirs, in_place)(torch.tensor(b))
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=in_place)


def test_bitwise_operators_refuse_floats_as_torchs_do():
    refused_as_by_torch(lambda lib: lib.ones(2) & lib.ones(2), TypeError,
                        r"bitwise_and: expected bool or integer tensors, got float32 of shape \(2,\) and float32")
    refused_as_by_torch(lambda lib: ~lib.ones(3), TypeError, r"bitwise_not: expected bool or integer tensors")
    refused_as_by_torch(lambda lib: lib.tensor([True]) | 0.5, TypeError, "bitwise_or: expected bool or integer")


@pytest.mark.parametrize("a, b", [([7.0, -7.0, 6.5, -6.5, 1e20], [2.0, 2.0, -4.0, 4.0, 3.0]),
                                  ([7, -7, 6, -6, 0, 9], [2, 2, -4, 4, -3, 3])], ids=["float", "int"])
@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
def test_div_rounds_as_torchs_in_each_mode(a, b, mode):
    torch = pytest.importorskip("torch")
    ours = ng.div(ng.tensor(a), ng.tensor(b), rounding_mode=mode)
    theirs = torch.div(torch.tensor(a), torch.tensor(b), rounding_mode=mode)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(ng.tensor(a).div(3, rounding_mode=mode).numpy(),
                                  torch.tensor(a).div(3, rounding_mode=mode).numpy())
    if mode is not None and isinstance(a[0], float):  # a step function: gradient 0, as torch's
        x = ng.tensor(a, requires_grad=True)
        (g,) = ng.grad(ng.div(x, 2.0, rounding_mode=mode).sum(), x)
        assert not g.numpy().any()
    refused_as_by_torch(lambda lib: lib.div(lib.ones(2), 2, rounding_mode="round"), ValueError,
                        "div: rounding_mode must be None, 'trunc' or 'floor', got 'round'")


def test_isclose_is_torchs_with_infinities_and_nans():
    torch = pytest.importorskip("torch")
    a = [1.0, 1.0, float("inf"), float("inf"), float("nan"), 0.0, 1e-9]
    b = [1.0 + 1e-6, 1.1, float("inf"), float("-inf"), float("nan"), 1e-9, 0.0]
    for kwargs in ({}, {"equal_nan": True}, {"rtol": 0.2}, {"atol": 0.0}):
        for dtype in ("float32", "float64"):
            ours = ng.isclose(ng.tensor(a, dtype=getattr(ng, dtype)), ng.tensor(b, dtype=getattr(ng, dtype)), **kwargs)
            theirs = torch.isclose(torch.tensor(a, dtype=getattr(torch, dtype)),
                                   torch.tensor(b, dtype=getattr(torch, dtype)), **kwargs)
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=f"{kwargs} {dtype}")


def test_the_narrower_dtypes_have_torchs_names():
    torch = pytest.importorskip("torch")
    for name in ("float16", "half", "int32", "int", "int16", "short", "int8", "uint8"):
        assert str(getattr(ng, name)) == str(getattr(torch, name)).removeprefix("torch."), name
    assert ng.tensor([1.5, 200.0]).to(ng.uint8).numpy().tolist() == torch.tensor([1.5, 200.0]).to(
        torch.uint8).numpy().tolist() == [1, 200]
