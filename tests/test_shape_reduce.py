"""Reductions, shape ops, indexing and matmul: finite differences, PyTorch, and worked numbers."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import nanogan as ng
import nanogan.nn.functional as F
from nanogan.ops.matmul import MatMul
from harness import check_op, away_from_kinks, compare_with_torch

rng = np.random.default_rng(1)
shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


@given(shapes, st.booleans())
def test_sum_mean_over_every_axis(shape, keepdim):
    x = rng.standard_normal(shape)
    for dim in [None] + list(range(len(shape))):
        check_op(lambda t: t.sum(dim, keepdim) * 2 + t.mean(dim, keepdim), [x],
                 expected=x.sum(axis=dim, keepdims=keepdim) * 2 + x.mean(axis=dim, keepdims=keepdim),
                 layouts=("contiguous", "transposed"))


def test_mean_is_one_node_each_way_and_refuses_integers():
    x = ng.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    y = x.mean(1)
    assert y.grad_fn.__name__ == "Sum"
    v = ng.tensor([1.0, 2.0, 3.0], dtype=ng.float64, requires_grad=True)
    (g,) = ng.grad(y, [x], [v], create_graph=True)
    assert g.grad_fn.__name__ == "Unreduce" and g._ctx.inputs[0] is v  # one node back to the seed
    np.testing.assert_allclose(g.numpy(), np.repeat([[0.25], [0.5], [0.75]], 4, axis=1))
    (gv,) = ng.grad(g.sum(), [v])
    np.testing.assert_allclose(gv.numpy(), np.ones(3))  # Σ over the 4 columns of 1/4
    with pytest.raises(TypeError, match=r"mean: expected a floating-point tensor, got int64 of shape \(2, 3\)"):
        ng.tensor(np.arange(6).reshape(2, 3)).mean()


@given(shapes.filter(lambda s: s[0] > 1))
def test_var_std_norm(shape):
    x = rng.standard_normal(shape) + 0.5
    check_op(lambda t: t.var() + t.std(0, unbiased=False).sum() + t.norm(), [x],
             expected=x.var(ddof=1) + x.std(0).sum() + np.sqrt((x * x).sum()), layouts=("contiguous",))


def test_norm_takes_p_first_as_pytorch_does():
    """norm's first argument was dim: a ported `g.norm(2)` of a 4-D gradient gave norms along dim 2 (shape
    (2, 3, 4)) where PyTorch gives one number, and `m.norm(1)` per-row L2 norms where PyTorch gives Σ|m|."""
    pytest.importorskip("torch")
    g = rng.standard_normal((2, 3, 4, 5))
    for call in [lambda t: t.norm(2), lambda t: t.norm(1), lambda t: t.norm(2, dim=1),
                 lambda t: t.norm(p=2, dim=(1, 2), keepdim=True), lambda t: t.norm(float("inf"), 0),
                 lambda t: t.norm(3, dim=-1), lambda t: t.norm("fro", (0, 3)), lambda t: t.norm()]:
        compare_with_torch(call, call, [g])
    assert ng.tensor(g).norm(2).shape == ()
    with pytest.raises(ValueError, match=r"norm: p must be 'fro', inf or a number >= 0, got -1"):
        ng.tensor(g).norm(-1)


def test_repeat_split_and_chunk_match_torch_to_the_second_order():
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 3, 4))
    compare_with_torch(lambda t: t.repeat(2, 1, 3), lambda t: t.repeat(2, 1, 3), [x])
    compare_with_torch(lambda t: t.repeat(2, 1, 1, 2), lambda t: t.repeat(2, 1, 1, 2), [x])  # a new leading dim
    assert ng.tensor(x).repeat((1, 0, 1)).shape == (2, 0, 4)
    for ours, theirs in [(lambda t: ng.split(t, 3, dim=2), lambda t: torch.split(t, 3, dim=2)),
                         (lambda t: t.split([1, 0, 2], 1), lambda t: t.split([1, 0, 2], 1)),
                         (lambda t: t.chunk(3, -1), lambda t: t.chunk(3, -1)),
                         (lambda t: ng.chunk(t, 4, 1), lambda t: torch.chunk(t, 4, 1))]:
        pieces, their_pieces = ours(ng.tensor(x)), theirs(torch.tensor(x))
        assert [p.shape for p in pieces] == [tuple(p.shape) for p in their_pieces]
        weights = [rng.standard_normal(p.shape) for p in pieces]  # every piece's gradient lands in its own part
        compare_with_torch(lambda t: sum((p * ng.tensor(w)).sum() for p, w in zip(ours(t), weights)),
                           lambda t: sum((p * torch.tensor(w)).sum() for p, w in zip(theirs(t), weights)), [x])
    with pytest.raises(ValueError, match=r"split: sizes \[1, 1\] do not add up to 3"):
        ng.tensor(x).split([1, 1], 1)
    with pytest.raises(ValueError, match=r"repeat: expected an int >= 0 for each of the 3 dims"):
        ng.tensor(x).repeat(2, 2)


def test_max_splits_gradient_between_ties_and_returns_indices():
    x = ng.tensor([[1.0, 3.0, 3.0], [2.0, 0.0, -1.0]], requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0.5, 0.5], [0, 0, 0]])
    values, indices = x.max(dim=1)
    np.testing.assert_allclose(values.numpy(), [3.0, 2.0])
    np.testing.assert_array_equal(indices.numpy(), [1, 0])
    np.testing.assert_allclose(x.min(dim=0).values.numpy(), [1.0, 0.0, -1.0])


def test_max_min_second_order_away_from_ties():
    x = rng.permutation(12).reshape(3, 4).astype(np.float64) / 3
    check_op(lambda t: (t * t).amax(1) + t.amin(0).sum(), [x])


def test_shape_ops_first_and_second_order():
    x = away_from_kinks(rng, (2, 3, 4))
    check_op(lambda t: (t.reshape(6, 4).T[::2] ** 2).flatten().unsqueeze(0).squeeze(0), [x])
    check_op(lambda t: t.permute(2, 0, 1).transpose(0, 2).transpose(0, 1).expand(5, 2, 3, 4).sum(0) * t, [x])


def test_getitem_basic_and_integer_array_indexing_accumulates_repeats():
    x = ng.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = x[:, [0, 2, 0]]
    (y * ng.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[4.0, 0.0, 2.0], [10.0, 0.0, 5.0]])
    check_op(lambda t: t[1:, ng.tensor([2, 0, 2])] ** 2, [rng.standard_normal((3, 4))])
    with pytest.raises(IndexError, match=r"getitem: .*\(tensor of shape \(2, 3\)\)"):
        x[5]


def test_cat_stack_where():
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((4, 3))
    check_op(lambda s, t: ng.cat([s, t * t], 0), [a, b], expected=np.concatenate([a, b * b]))
    check_op(lambda s, t: ng.stack([s, t[:2]], 1), [a, b], expected=np.stack([a, b[:2]], 1))
    cond = a > 0
    check_op(lambda s: ng.where(cond, s * s, -s), [a], expected=np.where(cond, a * a, -a))
    with pytest.raises(ValueError, match=r"cat: shapes \[\(2, 3\), \(2, 4\)\] differ outside dimension 0"):
        ng.cat([ng.ones(2, 3), ng.ones(2, 4)])


def test_where_refuses_a_condition_that_is_not_boolean_as_torch_does():
    """An integer or float condition was read as numpy reads it (nonzero is True); PyTorch refuses it, as
    masked_fill refuses such a mask."""
    for cond in (ng.tensor([1, 0, 2]), ng.tensor([0.5, 0.0, 1.0]), np.array([1, 0, 1])):
        with pytest.raises(TypeError, match=r"where: expected a boolean condition, got (int64|float32) of shape "
                                            r"\(3,\)"):
            ng.where(cond, ng.ones(3), 0.0)


@pytest.mark.parametrize("sa,sb", [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)),
                                    ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (3, 4, 2)),
                                    # over one index: the CPU backend's broadcast multiply (backend/cpu/blas.py)
                                    ((3, 1), (1, 2)), ((1,), (1, 2)), ((3, 1), (1,)), ((2, 1, 3, 1), (4, 1, 2))])
def test_matmul_shapes_match_numpy_and_differentiate(sa, sb):
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    check_op(lambda s, t: s @ t, [a, b], expected=a @ b, layouts=("contiguous", "transposed"))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_cpu_outer_product_is_blas_to_the_bit(dtype):
    """A product over one index has one rounding per element, in sgemm as in a multiply: the same bits."""
    from nanogan.backend.cpu.blas import matmul
    a, b = rng.standard_normal((2, 64, 1)).astype(dtype), rng.standard_normal((1, 300)).astype(dtype)
    for x, y in ((a, b), (b.T, b), (a[1], a[0].T)):
        out = matmul(x, y)
        assert out.dtype == dtype
        np.testing.assert_array_equal(out, np.matmul(x, y))


@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
@pytest.mark.parametrize("batch_a, batch_b", [((), ()), ((2,), ()), ((2, 1), (3,))])
def test_matmul_reading_operands_transposed_has_the_gradients_of_the_table(ta, tb, batch_a, batch_b):
    """MatMul(a, b, ta, tb) = op(a) @ op(b): value, gradients and second derivatives by finite differences, for
    each row of the table in ops/matmul.py, with broadcast batch axes."""
    a = rng.standard_normal(batch_a + ((4, 3) if ta else (3, 4)))
    b = rng.standard_normal(batch_b + ((2, 4) if tb else (4, 2)))
    expected = (a.swapaxes(-1, -2) if ta else a) @ (b.swapaxes(-1, -2) if tb else b)
    check_op(lambda s, t: MatMul.apply(s, t, ta=ta, tb=tb) ** 2, [a, b], expected=expected ** 2,
             layouts=("contiguous", "transposed"))


def test_a_product_of_two_dtypes_is_refused_as_in_pytorch():
    """numpy promotes float32 @ float64 to float64: the product ran in double and a float32 network silently
    became a float64 one from that layer on."""
    single, double = ng.ones(2, 3), ng.ones(3, 2, dtype=ng.float64)
    with pytest.raises(TypeError, match=r"matmul: operands must share one dtype, got float32 \(2, 3\) and float64"):
        single @ double
    with pytest.raises(TypeError, match=r"linear: input \(float32\) and weight \(float64\) must share one dtype"):
        ng.nn.functional.linear(single, double.permute(1, 0))


def test_reshape_errors_name_shapes():
    with pytest.raises(ValueError, match=r"reshape: cannot reshape a tensor of shape \(2, 3\) into \(4, 2\)"):
        ng.ones(2, 3).reshape(4, 2)
    with pytest.raises(ValueError, match=r"expand: a tensor of shape \(2, 3\) cannot be expanded"):
        ng.ones(2, 3).expand(4, 3)


@pytest.mark.parametrize("call, op, dim, ndim", [
    (lambda a: ng.cat([a, a], dim=2), "cat", 2, 2),
    (lambda a: ng.stack([a, a], dim=3), "stack", 3, 2),
    (lambda a: a.unsqueeze(-4), "unsqueeze", -4, 2),
    (lambda a: a.squeeze(2), "squeeze", 2, 2),
    (lambda a: a.permute(2, 1), "permute", 2, 2),
    (lambda a: a.transpose(0, 2), "transpose", 2, 2),
    (lambda a: a.flatten(-3), "flatten", -3, 2),
    (lambda a: ng.nn.Unflatten(2, (1, 3))(a), "Unflatten", 2, 2),
    (lambda a: a.sum(2), "sum", 2, 2),
    (lambda a: a.argmax(-3), "argmax", -3, 2),
    (lambda a: a.size(2), "size", 2, 2),
])
def test_a_dimension_out_of_range_is_refused_not_wrapped(call, op, dim, ndim):
    """`dim % ndim` made cat(dim=2) of two (2, 3) tensors a (4, 3) one and permute(2, 1) the identity; every op
    that takes a dimension now checks it as PyTorch does."""
    with pytest.raises(IndexError, match=rf"{op}: dimension {dim} out of range for a tensor with {ndim} dim"):
        call(ng.ones(2, 3))


def test_dimensions_counted_from_the_end_match_numpy():
    a = rng.standard_normal((2, 3, 4))
    t = ng.tensor(a)
    np.testing.assert_array_equal(ng.cat([t, t], dim=-1).numpy(), np.concatenate([a, a], axis=-1))
    np.testing.assert_array_equal(ng.stack([t, t], dim=-1).numpy(), np.stack([a, a], axis=-1))
    np.testing.assert_array_equal(ng.stack([t, t], dim=-4).numpy(), np.stack([a, a], axis=-4))
    assert t.unsqueeze(-1).shape == (2, 3, 4, 1) and t.unsqueeze(-4).shape == (1, 2, 3, 4)
    np.testing.assert_array_equal(t.permute(-1, 0, 1).numpy(), a.transpose(2, 0, 1))
    np.testing.assert_array_equal(t.transpose(-1, -3).numpy(), a.swapaxes(-1, -3))
    assert t.flatten(-2).shape == (2, 12) and t.flatten(0, -2).shape == (6, 4)
    assert ng.tensor(1.0).squeeze(0).shape == () and ng.tensor(1.0).flatten().shape == (1,)
    with pytest.raises(ValueError, match=r"flatten: start_dim 2 comes after end_dim 1"):
        t.flatten(2, 1)
    with pytest.raises(ValueError, match="cat: 0-d tensors cannot be concatenated"):
        ng.cat([ng.tensor(1.0), ng.tensor(2.0)])
    with pytest.raises(ValueError, match=r"expand: a tensor of shape \(3,\) cannot be expanded to \(-1, 3\)"):
        ng.ones(3).expand(-1, 3)  # -1 in a new leading dimension took the size of another axis
    assert ng.ones(3).expand(2, -1).shape == (2, 3)


@pytest.mark.parametrize("shape, dims", [
    ((1, 3, 1, 2), (0, 2)), ((1, 3, 1, 2), (0, 1)), ((1, 3, 1, 2), (-2, -4)), ((1, 3, 1, 2), [3, 2]),
    ((1, 3, 1, 2), ()), ((1, 1), (1,)), ((), (0,)), ((), ()),
])
def test_squeeze_of_a_tuple_of_dims_matches_torch(shape, dims):
    """PyTorch >= 2.0 squeezes a tuple of dims, leaving those of another size alone; nanogan took an int only."""
    torch = pytest.importorskip("torch")
    x = rng.standard_normal(shape)
    expected = torch.tensor(x).squeeze(dims)
    t = ng.tensor(x, requires_grad=True)
    y = t.squeeze(dims)
    assert y.shape == tuple(expected.shape)
    np.testing.assert_array_equal(y.numpy(), expected.numpy())
    (g,) = ng.grad((y * y).sum(), t)
    np.testing.assert_array_equal(g.numpy(), 2 * x)


def test_squeeze_refuses_a_repeated_or_out_of_range_dim_as_torch_does():
    t = ng.zeros(1, 3, 1, 2)
    with pytest.raises(ValueError, match=r"squeeze: dims \(0, -4\) name a dimension more than once \(tensor of "
                                         r"shape \(1, 3, 1, 2\)\)"):
        t.squeeze((0, -4))
    with pytest.raises(ValueError, match=r"squeeze: dims \(0, -1\) name a dimension more than once"):
        ng.tensor(1.0).squeeze((0, -1))
    with pytest.raises(IndexError, match=r"squeeze: dimension 4 out of range for a tensor with 4 dimensions"):
        t.squeeze((0, 4))
    with pytest.raises(TypeError, match=r"squeeze: a dimension must be an int, got float"):
        t.squeeze((0, 1.0))


@pytest.mark.parametrize("reduce", [lambda t: t.sum(-1), lambda t: t.mean(0, keepdim=True), lambda t: t.amax(0),
                                    lambda t: t.logsumexp(-1), lambda t: t.norm(dim=0),
                                    lambda t: t.var(-1, unbiased=False)])
def test_a_0d_tensor_reduces_over_dim_0_or_minus_1_as_in_torch(reduce):
    """dim_index took 0 and -1 for a 0-d tensor, but numpy then had no axis 0 to reduce over (AxisError)."""
    torch = pytest.importorskip("torch")
    compare_with_torch(reduce, reduce, [np.array(1.5)], atol=1e-12)


def test_against_torch_double_backward():
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((3, 4)) + 0.1
    w = rng.standard_normal((4, 2))

    def f(lib_x, lib_w, cat, xmax):
        h = (lib_x @ lib_w).exp()
        return (h.var(0) * xmax(lib_x) + cat([h, h * h], 0).std(1)[1:3].sum() + (lib_x ** 3).mean()).sum()

    tx, tw = (torch.tensor(a, requires_grad=True) for a in (x, w))
    nx, nw = (ng.tensor(a, requires_grad=True) for a in (x, w))
    t_out = f(tx, tw, torch.cat, lambda a: a.amax())
    n_out = f(nx, nw, ng.cat, lambda a: a.amax())
    tg = torch.autograd.grad(t_out, [tx, tw], create_graph=True)
    ng_g = ng.grad(n_out, [nx, nw], create_graph=True)
    t2 = torch.autograd.grad(sum((g * g).sum() for g in tg), [tx, tw])
    n2 = ng.grad(sum((g * g).sum() for g in ng_g), [nx, nw])
    np.testing.assert_allclose(n_out.item(), t_out.item(), rtol=1e-10)
    for a, b in zip(ng_g + n2, tg + t2):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-8, atol=1e-12)


def test_norm_and_std_have_the_gradient_zero_where_they_are_zero():
    """‖x‖ and std have no derivative at 0; g / (2·0) times the 0 of x made every gradient NaN, so that a
    WGAN-GP penalty written as (g.norm(dim=1) - 1)² turned a flat critic's weight gradients to NaN. PyTorch
    takes the subgradient 0; so does nanogan, at every order."""
    x = ng.tensor([[0.0, 0.0], [3.0, 4.0]], dtype=ng.float64, requires_grad=True)
    (g,) = ng.grad(((x.norm(dim=1) - 1) ** 2).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.numpy(), [[0, 0], [2 * 4 * 0.6, 2 * 4 * 0.8]])
    (h,) = ng.grad(g.sum(), x)
    assert np.isfinite(h.numpy()).all()
    np.testing.assert_allclose(h.numpy()[1], [2 * (0.6 + 0.8) * 0.6 + 2 * 4 * (1 - 0.36 - 0.48) / 5,
                                              2 * (0.6 + 0.8) * 0.8 + 2 * 4 * (1 - 0.48 - 0.64) / 5])
    s = ng.tensor([[2.0, 2.0, 2.0], [1.0, 2.0, 3.0]], dtype=ng.float64, requires_grad=True)
    (g,) = ng.grad(s.std(1).sum(), s)
    np.testing.assert_allclose(g.numpy(), [[0, 0, 0], [-0.5, 0, 0.5]])
    with pytest.warns(RuntimeWarning):
        assert np.isnan(ng.zeros(2, 0).var(1).numpy()).all()  # the variance of no values (it was -0)


@pytest.mark.parametrize("call", [
    lambda lib, t: t.std(0, False),  # torch's std(dim, unbiased): the 2nd positional is unbiased, not keepdim
    lambda lib, t: t.var(1, True, True),
    lambda lib, t: t.std(correction=0),
    lambda lib, t: t.var(dim=0, correction=2, keepdim=True),
    lambda lib, t: t.std(),
    lambda lib, t: t.var(False),  # torch's var(unbiased) overload: not dim 0
    lambda lib, t: lib.std(t, (0, 1), False, True),
    lambda lib, t: lib.var(t, -1, unbiased=False),
])
def test_var_and_std_take_torchs_arguments(call):
    torch = pytest.importorskip("torch")
    compare_with_torch(lambda t: call(ng, t), lambda t: call(torch, t), [rng.standard_normal((3, 4))])


@pytest.mark.parametrize("call, error", [
    (lambda t: t.std(0, unbiased=True, correction=1), "give unbiased or correction, not both"),
    (lambda t: ng.var(t, True, False), "a bool first argument is unbiased"),
    (lambda t: t.var(0, 1), "unbiased must be a bool"),
    (lambda t: t.std(0, correction="1"), "correction must be a number"),
])
def test_var_and_std_refuse_ambiguous_arguments(call, error):
    with pytest.raises((TypeError, ValueError), match=error):
        call(ng.ones(3, 4))


@pytest.mark.parametrize("op, indices", [("max", [0, 1]), ("min", [0, 0])])
def test_max_and_min_along_a_dim_give_the_gradient_to_the_index_they_return(op, indices):
    """Ties split the gradient evenly ([1/3, 1/3, 1/3]), which disagreed with the index max(dim) returns itself;
    PyTorch gives it all to that element. max() and amax still share it among ties."""
    x = ng.tensor([[0.0, 0.0, 0.0], [1.0, 3.0, 3.0] if op == "max" else [1.0, 1.0, 3.0]], requires_grad=True)
    values, got = getattr(x, op)(1)
    assert got.numpy().tolist() == indices
    (values * ng.tensor([1.0, 2.0])).sum().backward()
    expected = np.zeros((2, 3))
    expected[0, indices[0]], expected[1, indices[1]] = 1.0, 2.0
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    assert getattr(x, op)(1, keepdim=True).values.shape == (2, 1)


def test_max_and_min_along_the_only_dim_are_values_not_views():
    """Of a 1-D tensor, x.max(0)'s value was a view of x (numpy's 0-d index became a basic one): changing it
    changed x, and under no_grad y.min(0)[0].fill_(0) overwrote y."""
    x = ng.tensor([1.0, 5.0, 2.0], requires_grad=True)
    h = x * 1
    top = h.max(0)[0]
    top.add_(10)
    np.testing.assert_array_equal(h.numpy(), [1.0, 5.0, 2.0])
    assert top.item() == 15.0
    y = ng.tensor([3.0, 1.0, 2.0])
    with ng.no_grad():
        y.min(0)[0].fill_(0)
    np.testing.assert_array_equal(y.numpy(), [3.0, 1.0, 2.0])
    assert isinstance(y.argmax(0).array, np.ndarray)  # not numpy's scalar
    y[ng.tensor(1)].add_(10)  # a 0-d int tensor or array index is an int, as in PyTorch: the element is a view
    y[np.array(2)].add_(10)
    np.testing.assert_array_equal(y.numpy(), [3.0, 11.0, 12.0])


@pytest.mark.parametrize("shape, r", [((2, 12, 3, 4), 2), ((18, 2, 3), 3), ((2, 1, 8, 1, 2), 2), ((1, 4, 2, 2), 1)])
def test_pixel_shuffle_and_unshuffle_match_torch_to_the_second_order_and_undo_each_other(shape, r):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal(shape)
    compare_with_torch(lambda t: F.pixel_shuffle(t, r) ** 2,
                       lambda t: torch.nn.functional.pixel_shuffle(t, r) ** 2, [x])
    shuffled = torch.nn.functional.pixel_shuffle(torch.tensor(x), r).numpy()
    compare_with_torch(lambda t: F.pixel_unshuffle(t, r) ** 2,
                       lambda t: torch.nn.functional.pixel_unshuffle(t, r) ** 2, [shuffled])
    np.testing.assert_array_equal(F.pixel_unshuffle(F.pixel_shuffle(ng.tensor(x), r), r).numpy(), x)
    check_op(lambda t: F.pixel_shuffle(t, r) ** 2, [x], expected=shuffled ** 2, layouts=("transposed", "sliced"))


def test_pixel_shuffle_worked_numbers():
    """Channels c·r² + i·r + j become pixel (i, j) of each r×r block."""
    x = ng.tensor(np.arange(8.0).reshape(1, 8, 1, 1))
    np.testing.assert_array_equal(F.pixel_shuffle(x, 2).numpy(), [[[[0, 1], [2, 3]], [[4, 5], [6, 7]]]])


def test_pixel_shuffle_and_unshuffle_errors_name_the_op_and_the_shape():
    with pytest.raises(ValueError, match=r"pixel_shuffle: input of shape \(2, 7, 3, 4\) has 7 channels \(dim -3\), "
                                         r"which is not divisible by upscale_factor² = 4"):
        F.pixel_shuffle(ng.ones(2, 7, 3, 4), 2)
    with pytest.raises(ValueError, match=r"pixel_unshuffle: input of shape \(2, 7, 4, 5\) has height and width "
                                         r"\(4, 5\) \(dims -2, -1\), which are not both divisible by "
                                         r"downscale_factor = 2"):
        F.pixel_unshuffle(ng.ones(2, 7, 4, 5), 2)
    for op in ("pixel_shuffle", "pixel_unshuffle"):
        with pytest.raises(ValueError, match=rf"{op}: expected images \(\*, C, H, W\) of at least 3 dimensions, "
                                             r"got shape \(4, 4\)"):
            getattr(F, op)(ng.ones(4, 4), 2)
    with pytest.raises(ValueError, match=r"pixel_shuffle: upscale_factor must be an int >= 1, got 0"):
        F.pixel_shuffle(ng.ones(1, 4, 2, 2), 0)


def _values_and_dtypes(results, torch=None):
    """Each result (a tensor, or a (values, indices) pair) as nested lists and dtype names, to compare with torch."""
    flat = [t for r in results for t in (r if isinstance(r, tuple) else (r,))]
    if torch is None:
        return [(t.numpy().tolist(), str(t.dtype)) for t in flat]
    return [(t.detach().numpy().tolist(), str(t.dtype).replace("torch.", "")) for t in flat]


def test_amin_and_min_of_unsigned_and_bool_tensors_match_torch():
    """amin was -amax(-x) and min(dim) argmax(-x): uint8 [[3, 0, 2], [1, 4, 1]] wrapped under the negation (amin 1,
    not 0), the lowest int64 overflowed, and bools were refused; PyTorch computes the minimum itself."""
    torch = pytest.importorskip("torch")
    arrays = [np.array([[3, 0, 2], [1, 4, 1]], dtype=np.uint8), np.array([[True, False], [True, True]]),
              np.array([np.iinfo(np.int64).min, 5, -1])]
    for make in (ng.tensor, torch.tensor):
        results = [r for a in arrays for r in (make(a).amin(), make(a).amin(-1), make(a).min(), make(a).min(0))]
        if make is ng.tensor:
            ours = _values_and_dtypes(results)
        else:
            theirs = _values_and_dtypes(results, torch)
    assert ours == theirs
    ties = [[1.0, -2.0, -2.0, 0.5], [3.0, 3.0, 1.0, 1.0]]  # the gradient shared among ties, as before
    compare_with_torch(lambda t: t.amin(1) * t.amin(), lambda t: t.amin(1) * t.amin(), [ties])


def test_sums_and_products_of_bools_and_integers_are_int64_as_in_torch():
    """numpy's sum of uint8 is uint64, and its product keeps the dtype: uint8 [30, 30, 2] multiplied to 8 (1800
    wrapped), int32 products overflowed, and a product of bools was a bool; PyTorch gives int64 for all of them."""
    torch = pytest.importorskip("torch")
    arrays = [np.array([[30, 30, 2], [1, 2, 3]], dtype=dtype) for dtype in (np.uint8, np.int8, np.int32)]
    arrays += [np.array([[50000, 50000, 1], [2, 2, 2]], dtype=np.int32), np.array([[True, True], [False, True]])]
    for make in (ng.tensor, torch.tensor):
        results = [r for a in arrays for r in (make(a).sum(), make(a).sum(0), make(a).prod(), make(a).prod(1),
                                               make(a).prod(-1, keepdim=True))]
        if make is ng.tensor:
            ours = _values_and_dtypes(results)
        else:
            theirs = _values_and_dtypes(results, torch)
    assert ours == theirs


@pytest.mark.parametrize("reduction", ["sum", "mean", "amax", "amin", "var", "std"])
def test_an_empty_dim_tuple_reduces_every_dim_and_a_repeated_dim_is_refused(reduction):
    """dim=() reduced over nothing, giving x back where PyTorch gives the total (x.sum(()) of shape (2, 3, 4) was
    x itself), and (1, -2) was read as dim 1 once where PyTorch refuses it."""
    x = rng.standard_normal((2, 3, 4))
    # PyTorch's var and std take dim=() as every dim forward but not in their backward (an infinite gradient), so
    # theirs is compared with dim=None
    torch_dims = None if reduction in ("var", "std") else ()
    for dims in [(), []]:
        for keepdim in (False, True):
            compare_with_torch(lambda t: getattr(t, reduction)(dims, keepdim=keepdim),
                               lambda t: getattr(t, reduction)(torch_dims, keepdim=keepdim), [x])
    with pytest.raises(ValueError, match=rf"{reduction}: dims \(1, -2\) name a dimension more than once \(a tensor "
                                         rf"with 3 dimensions\)"):
        getattr(ng.tensor(x), reduction)((1, -2))


def test_logsumexp_over_an_empty_dim_tuple_is_over_every_dim():
    x = rng.standard_normal((2, 3))
    compare_with_torch(lambda t: t.logsumexp((), keepdim=True), lambda t: t.logsumexp((), keepdim=True), [x])
    np.testing.assert_allclose(ng.tensor(x).logsumexp([]).numpy(), np.log(np.exp(x).sum()))


def test_argmax_and_argmin_over_every_dim_keep_the_dims_when_asked():
    """x.argmax(keepdim=True) ignored keepdim (shape ()), where PyTorch gives the flat index in shape (1, 1, 1)."""
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 3, 4))
    for op in ("argmax", "argmin"):
        for keepdim in (False, True):
            ours, theirs = getattr(ng.tensor(x), op)(keepdim=keepdim), getattr(torch.tensor(x), op)(keepdim=keepdim)
            assert ours.shape == tuple(theirs.shape) and ours.numpy().tolist() == theirs.numpy().tolist()


def test_logsumexp_of_no_values_is_minus_inf_and_of_integers_float32_as_in_torch():
    """Over an empty dim numpy's max refused (a ValueError that named no op), where PyTorch gives -inf; integers and
    bools were refused by Exp, where PyTorch computes in float32."""
    torch = pytest.importorskip("torch")
    arrays = [np.zeros((0, 3), dtype=np.float32), np.array([[1, 5, 2], [0, 0, 7]]), np.array([True, False, True])]
    for make in (ng.tensor, torch.tensor):
        with np.errstate(divide="ignore"):  # the log of the empty sum, 0, is -inf
            results = [make(arrays[0]).logsumexp(0), make(arrays[0]).logsumexp(1, keepdim=True),
                       make(arrays[1]).logsumexp(1), make(arrays[2]).logsumexp(0)]
        if make is ng.tensor:
            ours = _values_and_dtypes(results)
        else:
            theirs = _values_and_dtypes(results, torch)
    for (values, dtype), (torch_values, torch_dtype) in zip(ours, theirs):
        assert dtype == torch_dtype
        np.testing.assert_allclose(values, torch_values, rtol=1e-6)
    x = ng.zeros(0, 3, dtype=ng.float64, requires_grad=True)
    with np.errstate(divide="ignore"):
        x.logsumexp(0).sum().backward()
    assert x.grad.shape == (0, 3)


def test_cat_and_stack_of_integers_and_floats_take_the_float_type_as_in_torch():
    """numpy's concatenate made int64 joined with float32 float64; PyTorch keeps float32 (and the float input's
    gradient its own)."""
    torch = pytest.importorskip("torch")
    ints, flags = np.array([[1, 2, 3]]), np.array([[True, False, True]])
    floats = np.array([[0.5, -1.5, 2.0]], dtype=np.float32)

    def joined(lib):
        t = lib.tensor
        return [lib.cat([t(ints), t(floats)]), lib.cat([t(flags), t(floats)], 1), lib.stack([t(floats), t(ints)], -1),
                lib.cat([t(ints), t(flags)]), lib.cat([t(floats).double(), t(ints)])]
    assert _values_and_dtypes(joined(ng)) == _values_and_dtypes(joined(torch), torch)
    x = ng.tensor(floats, requires_grad=True)
    (ng.cat([ng.tensor(ints), x]) * ng.tensor([[1.0], [2.0]])).sum().backward()
    assert x.grad.dtype == ng.float32 and x.grad.numpy().tolist() == [[2.0, 2.0, 2.0]]


def test_chunk_of_an_empty_dim_gives_chunks_empty_slices_as_torch():
    """An empty dim was chunked into one slice, where PyTorch gives `chunks` of them."""
    torch = pytest.importorskip("torch")
    for shape, chunks, dim in [((0, 2), 3, 0), ((2, 0), 2, -1), ((0, 2), 1, 0), ((5, 2), 3, 0), ((1, 2), 4, 0)]:
        ours = [p.shape for p in ng.zeros(*shape).chunk(chunks, dim)]
        assert ours == [tuple(p.shape) for p in torch.zeros(*shape).chunk(chunks, dim)]


@pytest.mark.parametrize("op", ["amax", "amin", "max", "min", "argmax", "argmin"])
def test_a_largest_or_smallest_value_of_no_values_is_refused_naming_the_op(op):
    """numpy's 'zero-size array to reduction operation maximum which has no identity' named neither the op nor the
    shape; PyTorch refuses these too. A dim that is not empty reduces as before."""
    x = ng.zeros(0, 3)
    for dim, dims in [(None, r"\(0, 1\)"), (0, r"\(0,\)"), (-2, r"\(0,\)")]:
        with pytest.raises(ValueError, match=rf"{op}: expected values to reduce, but dims {dims} of the tensor of "
                                             rf"shape \(0, 3\) hold none"):
            getattr(x, op)() if dim is None else getattr(x, op)(dim)
    result = getattr(x, op)(1)
    assert (result[0] if isinstance(result, tuple) else result).shape == (0,)


def test_var_std_and_norm_refuse_integers_naming_themselves():
    """var and std of integers were refused by the mean inside them ('mean: expected a floating-point tensor'), the
    2-norm by 'RootOfSquares', and the 1- and inf-norms computed in integers; PyTorch refuses all of them."""
    ints = ng.tensor([[1, 2, 3], [4, 5, 6]])
    for op, call in [("var", lambda t: t.var(1)), ("std", lambda t: t.std()), ("norm", lambda t: t.norm()),
                     ("norm", lambda t: t.norm(1)), ("norm", lambda t: t.norm(float("inf"), 0))]:
        with pytest.raises(TypeError, match=rf"{op}: expected floating-point tensors, got int64 for argument 0 of "
                                            rf"shape \(2, 3\)"):
            call(ints)


def test_cat_skips_a_1d_empty_tensor_among_others_as_torch():
    """cat([tensor([]), x]), the accumulator idiom, was refused ('shapes [(0,), (2, 3)] differ outside dimension
    0'); PyTorch skips a 1-D empty tensor among tensors of other shapes, though its dtype counts."""
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 3))
    compare_with_torch(lambda t: ng.cat([ng.zeros(0, dtype=ng.float64), t, t * t]),
                       lambda t: torch.cat([torch.zeros(0, dtype=torch.float64), t, t * t]), [x])
    compare_with_torch(lambda t: ng.cat([t, ng.zeros(0, dtype=ng.float64)], -1),
                       lambda t: torch.cat([t, torch.zeros(0, dtype=torch.float64)], -1), [x])

    def joined(lib):
        return [lib.cat([lib.tensor([]), lib.tensor([[1, 2]])]), lib.cat([lib.zeros(0), lib.zeros(0)])]
    assert _values_and_dtypes(joined(ng)) == _values_and_dtypes(joined(torch), torch)
    with pytest.raises(ValueError, match=r"cat: shapes \[\(0,\), \(2, 3\), \(3,\)\] differ outside dimension 0"):
        ng.cat([ng.zeros(0), ng.zeros(2, 3), ng.zeros(3)])


@pytest.mark.parametrize("name, ours, theirs", [
    ("tile", lambda t: t.tile(2, 1, 1, 2), lambda t: t.tile((2, 1, 1, 2))),
    ("tile of fewer sizes", lambda t: ng.tile(t, (3,)), lambda t: t.tile((3,))),
    ("narrow", lambda t: t.narrow(2, -3, 2), lambda t: t.narrow(2, -3, 2)),
    ("movedim", lambda t: t.movedim((0, 2), (2, 0)), lambda t: t.movedim((0, 2), (2, 0))),
    ("movedim to the end", lambda t: ng.movedim(t, 0, -1), lambda t: t.movedim(0, -1)),
    ("unflatten", lambda t: t.unflatten(2, (2, -1)), lambda t: t.unflatten(2, (2, -1))),
    ("roll flat", lambda t: t.roll(5), lambda t: t.roll(5)),
    ("roll along dims", lambda t: ng.roll(t, (1, -5), (1, 2)), lambda t: t.roll((1, -5), (1, 2))),
    ("mT", lambda t: t.mT, lambda t: t.mT),
])
def test_torchs_shape_helpers_match_it_to_the_second_order(name, ours, theirs):
    x = rng.standard_normal((2, 3, 4))
    compare_with_torch(lambda t: ours(t) ** 2, lambda t: theirs(t) ** 2, [x])


def test_torchs_shape_helpers_refuse_what_it_refuses_naming_themselves():
    x = ng.zeros(2, 3, 4)
    with pytest.raises(ValueError, match=r"narrow: start 2 \+ length 3 exceeds the size 4 of dimension 2"):
        x.narrow(2, 2, 3)
    with pytest.raises(ValueError, match=r"unflatten: sizes \(3, -1\) do not split dimension 2 of size 4"):
        x.unflatten(2, (3, -1))
    with pytest.raises(ValueError, match=r"movedim: source \(0, 0\) or destination \(1, 2\) names a dim more than once"):
        x.movedim((0, 0), (1, 2))
    with pytest.raises(ValueError, match=r"roll: shifts \(1, 2\) must be ints, one for each of dims \(0,\)"):
        x.roll((1, 2), 0)
    assert x.int().dtype == np.int32 and x.bool().dtype == ng.bool_
