"""What ported PyTorch GAN code calls by torch's names, beyond the layers: functions of tensors (ng.mean), dtype and
device names, ng.cuda, creation functions, random fills in place, formatting. Checked against torch or worked
numbers."""
import math

import numpy as np
import pytest

import nanogan as ng
import nanogan.nn.functional as F
from harness import check_op, compare_with_torch, refused_as_by_torch
from nanogan import backend as backends

rng = np.random.default_rng(11)


def test_functions_of_tensors_are_their_methods_as_in_torch():
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((3, 4))
    for name, args in [("mean", (1,)), ("sum", (0, True)), ("amax", (1,)), ("std", (0,)), ("var", ()),
                       ("norm", (2, 1)), ("sigmoid", ()), ("tanh", ()), ("relu", ()), ("softmax", (1,)),
                       ("log_softmax", (0,)), ("transpose", (0, 1)), ("flatten", ()), ("unsqueeze", (1,)),
                       ("reshape", ((4, 3),))]:
        compare_with_torch(lambda t: getattr(ng, name)(t, *args), lambda t: getattr(torch, name)(t, *args), [x])
    values, indices = ng.max(ng.tensor(x), 1)
    their_values, their_indices = torch.max(torch.tensor(x), 1)
    np.testing.assert_array_equal(values.numpy(), their_values.numpy())
    np.testing.assert_array_equal(indices.numpy(), their_indices.numpy())


@pytest.mark.parametrize("p, dim", [(2, 1), (1, 0), (3.0, -1)])
def test_normalize_equals_torch_to_the_second_derivative(p, dim):
    """F.normalize (contrastive and BigGAN-style heads, power iterations) was missing."""
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((3, 4))
    compare_with_torch(lambda t: ng.nn.functional.normalize(t, p, dim),
                       lambda t: torch.nn.functional.normalize(t, p, dim), [x])


def test_normalize_divides_a_row_whose_norm_is_below_eps_by_eps():
    """As torch's: its gradient there is g / eps (the norm's gradient at 0 is 0; torch's second derivative there is
    NaN, nanogan's 0, as the norm's is)."""
    torch = pytest.importorskip("torch")
    x = np.vstack([rng.standard_normal((2, 4)), np.zeros((1, 4)), np.full((1, 4), 1e-4)])
    g = rng.standard_normal(x.shape)
    ours, theirs = ng.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, their_y = ng.nn.functional.normalize(ours, eps=1e-3), torch.nn.functional.normalize(theirs, eps=1e-3)
    y.backward(ng.tensor(g))
    their_y.backward(torch.tensor(g))
    np.testing.assert_allclose(y.numpy(), their_y.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.grad.numpy()[2:], g[2:] / 1e-3, rtol=1e-12)


@pytest.mark.parametrize("shape1, shape2, dim", [((3, 4), (3, 4), 1), ((2, 1, 5), (3, 5), -1), ((1, 4), (3, 4), 0),
                                                 ((4,), (4,), 0), ((3, 4), (4,), 1)])
def test_cosine_similarity_and_its_layer_equal_torch_with_broadcasting(shape1, shape2, dim):
    """The norms are taken along dim of the broadcast shape: x1 (1, 4) against x2 (3, 4) along dim 0 is a column of
    x1 repeated three times."""
    torch = pytest.importorskip("torch")
    x1, x2 = rng.standard_normal(shape1), rng.standard_normal(shape2)
    compare_with_torch(lambda a, b: ng.cosine_similarity(a, b, dim),
                       lambda a, b: torch.nn.functional.cosine_similarity(a, b, dim), [x1, x2])
    compare_with_torch(ng.nn.CosineSimilarity(dim, eps=0.5), torch.nn.CosineSimilarity(dim, eps=0.5), [x1, x2])


def test_cosine_similarity_clamps_each_norm_at_eps_as_torch_2_does():
    """PyTorch 2 divides each vector by max(‖x‖, eps) (its documentation's max(‖x1‖·‖x2‖, eps) would give 0.03, not
    0.006, for the second row), and clamps outside autograd: the gradient is the unclamped norm's (9e7 below)."""
    torch = pytest.importorskip("torch")
    x1 = np.array([[1e-9, 0.0], [3.0, 4.0], [0.3, -0.2]])
    x2 = np.array([[1.0, 0.0], [1e-10, 0.0], [0.2, 0.1]])
    y = compare_with_torch(lambda a, b: F.cosine_similarity(a, b, eps=1e-8),
                           lambda a, b: torch.nn.functional.cosine_similarity(a, b, eps=1e-8), [x1, x2], rtol=1e-12)
    np.testing.assert_allclose(y.numpy()[:2], [0.1, 0.006], rtol=1e-12)
    ours = ng.tensor(x1[:1], requires_grad=True)
    (dx1,) = ng.grad(F.cosine_similarity(ours, ng.tensor(x2[:1])).sum(), [ours])
    np.testing.assert_allclose(dx1.numpy(), [[9e7, 0.0]], rtol=1e-12)  # 1/1e-8 - 1e-9/1e-16·(d‖x1‖/dx1 = 1)
    compare_with_torch(lambda a, b: F.cosine_similarity(a, b, eps=0.5),  # eps above some norms, not others
                       lambda a, b: torch.nn.functional.cosine_similarity(a, b, eps=0.5), [x1, x2], rtol=1e-12)


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, math.inf, 0.5])
@pytest.mark.parametrize("shape1, shape2", [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 4)), ((4,), (4,)),
                                            ((), ())])
def test_pairwise_distance_and_its_layer_equal_torch_with_broadcasting(p, shape1, shape2):
    torch = pytest.importorskip("torch")
    x1, x2 = rng.standard_normal(shape1), rng.standard_normal(shape2)
    compare_with_torch(lambda a, b: ng.pairwise_distance(a, b, p),
                       lambda a, b: torch.nn.functional.pairwise_distance(a, b, p), [x1, x2])
    compare_with_torch(ng.nn.PairwiseDistance(p, eps=0.1, keepdim=True),
                       torch.nn.PairwiseDistance(p, eps=0.1, keepdim=True), [x1, x2])


def test_pairwise_distance_adds_eps_to_every_difference_as_torch_does():
    """x1 = x2 is eps·D^(1/p) away, not 0: the norm stays off its kink, so the gradient is defined there."""
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 4))
    for p in (2.0, 1.0, 3.0):
        y = compare_with_torch(lambda a, b: F.pairwise_distance(a, b, p, eps=1e-3),
                               lambda a, b: torch.nn.functional.pairwise_distance(a, b, p, eps=1e-3), [x, x.copy()],
                               rtol=1e-9)
        np.testing.assert_allclose(y.numpy(), [1e-3 * 4 ** (1 / p)] * 2, rtol=1e-12)
    assert F.pairwise_distance(ng.tensor([[1.0, 2.0]]), ng.tensor([[1.0, 2.0]]), eps=0.0).item() == 0.0


def test_cosine_similarity_and_pairwise_distance_to_the_second_derivative():
    x1, x2 = rng.standard_normal((3, 4)), rng.standard_normal((4,))
    check_op(lambda a, b: F.cosine_similarity(a, b, dim=1), [x1, x2])
    check_op(lambda a, b: F.cosine_similarity(a, b, dim=0), [x1, x2[:1] * np.ones((1, 4))])
    check_op(lambda a, b: F.pairwise_distance(a, b), [x1, x2])
    check_op(lambda a, b: F.pairwise_distance(a, b, p=3.0, keepdim=True), [x1, x2])


def test_cosine_similarity_and_pairwise_distance_errors_name_the_function_and_shapes():
    with pytest.raises(ValueError, match=r"cosine_similarity: shapes \(2, 3\) and \(2, 4\) cannot be broadcast"):
        F.cosine_similarity(ng.ones(2, 3), ng.ones(2, 4))
    with pytest.raises(IndexError, match=r"cosine_similarity: dimension 2 out of range for a tensor with 2 dim"):
        F.cosine_similarity(ng.ones(2, 3), ng.ones(2, 3), dim=2)
    with pytest.raises(TypeError, match=r"cosine_similarity: expected floating-point tensors, got int64 for "
                                        r"argument 1 of shape \(3,\)"):
        F.cosine_similarity(ng.ones(3), ng.tensor([1, 2, 3]), dim=0)
    with pytest.raises(ValueError, match=r"pairwise_distance: shapes \(3,\) and \(2,\) cannot be broadcast"):
        F.pairwise_distance(ng.ones(3), ng.ones(2))
    with pytest.raises(ValueError, match=r"pairwise_distance: p must be a number > 0 \(inf included\), got 0"):
        F.pairwise_distance(ng.ones(3), ng.ones(3), p=0)


def test_dtype_names_and_where_of_two_numbers():
    assert (ng.float, ng.double, ng.long, ng.bool) == (np.float32, np.float64, np.int64, np.bool_)
    label = ng.full((4,), 1.0, dtype=ng.float)  # the DCGAN tutorial's labels
    assert label.dtype == np.float32
    mask = ng.tensor([True, False, True])
    chosen = ng.where(mask, 1.0, 0.0)  # torch: float32, the default dtype of a number
    assert chosen.dtype == np.float32 and chosen.tolist() == [1.0, 0.0, 1.0]
    assert ng.where(mask, 2, 0).dtype == np.int64


@pytest.fixture
def default_dtype_restored():
    """torch; both libraries' default dtype put back to float32 after the test, whatever it set."""
    torch = pytest.importorskip("torch")
    yield torch
    torch.set_default_dtype(torch.float32)
    ng.set_default_dtype(ng.float32)


# calls(lib) whose results' dtypes follow the default float dtype, or keep theirs, in both libraries
DTYPE_FOLLOWERS = [
    lambda lib: lib.tensor([1.0]), lambda lib: lib.tensor([[1, 2.5]]), lambda lib: lib.tensor(2.0),
    lambda lib: lib.zeros(2), lambda lib: lib.ones(2, 3), lambda lib: lib.empty(2), lambda lib: lib.full((2,), 1.5),
    lambda lib: lib.arange(0.0, 1.0, 0.25), lambda lib: lib.linspace(0, 1, 3), lambda lib: lib.rand(2),
    lambda lib: lib.randn(2), lambda lib: lib.eye(2), lambda lib: lib.normal(0.0, 1.0, (2,)),
    lambda lib: lib.tensor([1, 2]) / 2, lambda lib: lib.tensor([1, 2]) * 0.5, lambda lib: lib.tensor([True]) + 1.5,
    lambda lib: lib.exp(lib.tensor([1, 2])), lambda lib: lib.tensor([1]).sigmoid(),
    lambda lib: lib.where(lib.tensor([True, False]), 1.0, 0.0),
    lambda lib: lib.atan2(lib.tensor([1]), lib.tensor([2])),
    lambda lib: lib.logsumexp(lib.tensor([1, 2]), 0), lambda lib: lib.tensor([3]).reciprocal(),
    lambda lib: lib.nn.Linear(2, 3).weight, lambda lib: lib.nn.BatchNorm2d(2).running_mean,
    # unaffected: integers, bools, numpy's float32 and an explicit float
    lambda lib: lib.tensor([1, 2]), lambda lib: lib.arange(3), lambda lib: lib.full((2,), 2),
    lambda lib: lib.tensor([True]), lambda lib: lib.randint(3, (2,)), lambda lib: lib.tensor(np.ones(2, np.float32)),
    lambda lib: lib.zeros(2).float(), lambda lib: lib.ones(2, dtype=lib.float32),
]


@pytest.mark.parametrize("default", ["float32", "float64", "float16"])
def test_set_default_dtype_makes_new_floats_follow_it_as_torchs_do(default_dtype_restored, default):
    torch = default_dtype_restored
    assert ng.get_default_dtype() == ng.float32 and ng.finfo().bits == 32  # nanogan's default, as torch's
    for lib in (ng, torch):
        lib.set_default_dtype(getattr(lib, default))
    assert ng.get_default_dtype() == np.dtype(default) and ng.finfo().bits == torch.finfo().bits
    for i, call in enumerate(DTYPE_FOLLOWERS):
        assert str(call(ng).dtype) == str(call(torch).dtype).removeprefix("torch."), f"call {i}"


def test_repr_names_a_float_dtype_other_than_the_default_as_torchs_does(default_dtype_restored):
    ng.set_default_dtype(ng.float64)
    assert repr(ng.tensor([1.5])) == "tensor([1.5])"
    assert repr(ng.tensor([1.5], dtype=ng.float32)) == "tensor([1.5], dtype=float32)"


@pytest.mark.parametrize("dtype", ["int64", "bool", None])
def test_set_default_dtype_refuses_all_but_floating_dtypes_as_torch(default_dtype_restored, dtype):
    refused_as_by_torch(lambda lib: lib.set_default_dtype(dtype and getattr(lib, dtype)), TypeError,
                        "set_default_dtype: dtype must be a floating dtype")
    assert ng.get_default_dtype() == ng.float32


def test_device_names_answer_type_and_index_and_are_the_strings():
    assert ng.device("cuda:0").type == "cuda" and ng.device("cuda:0").index == 0
    assert ng.device("cuda", 0) == "cuda:0" and ng.device("cpu").index is None
    x = ng.zeros(2, device=ng.device("cpu"))
    assert x.device == "cpu" and x.device.type == "cpu" and isinstance(x.device, ng.device)
    with pytest.raises(ValueError, match=r"device 'tpu': expected 'cpu', 'cuda' or 'cuda:N'"):
        ng.device("tpu")
    try:
        backends.get("cuda")
        runs = True
    except RuntimeError:
        runs = False
    assert ng.cuda.is_available() is runs and ng.cuda.device_count() == int(runs)


def test_a_0d_tensor_formats_as_its_number():
    loss = ng.tensor(0.123456)
    assert f"{loss:.4f}" == "0.1235" and "{:.2e}".format(loss) == "1.23e-01"
    with pytest.raises(TypeError, match="unsupported format string"):
        f"{ng.ones(2):.4f}"


def test_creation_functions_match_torch():
    torch = pytest.importorskip("torch")
    for ours, theirs in [(ng.eye(3), torch.eye(3)), (ng.eye(2, 4), torch.eye(2, 4)),
                         (ng.linspace(-1, 2, 7), torch.linspace(-1, 2, 7)),
                         (ng.full_like(ng.zeros(2, 3), 7.5), torch.full_like(torch.zeros(2, 3), 7.5)),
                         (ng.empty(2, 3), torch.zeros(2, 3)), (ng.empty_like(ng.ones(4)), torch.zeros(4))]:
        assert ours.dtype == np.float32 and ours.shape == tuple(theirs.shape)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-7)
    array = np.arange(4.0)
    shared = ng.from_numpy(array)
    array[0] = 9.0  # one memory, as torch.from_numpy's
    assert shared.dtype == np.float64 and shared.tolist() == [9.0, 1.0, 2.0, 3.0]
    with pytest.raises(TypeError, match="from_numpy: expected a numpy array, got list"):
        ng.from_numpy([1.0])


def test_randint_draws_each_integer_of_its_range():
    ng.manual_seed(3)
    draws = ng.randint(2, 7, (6000,))
    assert draws.dtype == np.int64 and draws.shape == (6000,)
    counts = np.bincount(draws.numpy(), minlength=7)
    assert counts[:2].sum() == 0 and np.all(np.abs(counts[2:] - 1200) < 150)
    assert set(ng.randint(3, (50,)).tolist()) == {0, 1, 2}  # randint(high, size)
    with pytest.raises(ValueError, match=r"randint: expected ints low < high, got low=5, high=5"):
        ng.randint(5, 5, (2,))


def test_random_fills_in_place_draw_their_distribution_and_end_the_graph_as_torch():
    ng.manual_seed(8)
    t = ng.zeros(20000)
    memory = t.array
    assert t.normal_(2.0, 0.5) is t and t.array is memory
    assert abs(t.numpy().mean() - 2.0) < 0.02 and abs(t.numpy().std() - 0.5) < 0.01
    t.uniform_(0.7, 1.2)  # noisy labels
    assert 0.7 <= t.numpy().min() and t.numpy().max() < 1.2 and abs(t.numpy().mean() - 0.95) < 0.01
    torch = pytest.importorskip("torch")
    x, tx = ng.ones(3, requires_grad=True), torch.ones(3, requires_grad=True)
    y, ty = x * 2, tx * 2
    y.normal_()
    ty.normal_()
    (y * x).sum().backward()
    (ty * tx).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy() - y.detach().numpy(), tx.grad.numpy() - ty.detach().numpy())
    with pytest.raises(RuntimeError, match="leaf"):
        ng.ones(2, requires_grad=True).uniform_()


def test_grad_accepts_only_inputs_as_ported_penalty_code_passes_it():
    x = ng.tensor([1.0, -2.0], requires_grad=True)
    (g,) = ng.grad((x ** 3).sum(), x, grad_outputs=ng.ones(()), create_graph=True, retain_graph=True,
                   only_inputs=True)
    assert g.tolist() == [3.0, 12.0] and math.isclose(ng.grad(g.sum(), x)[0].tolist()[1], -12.0)


def test_tensor_methods_of_torch_names_match_torch():
    torch = pytest.importorskip("torch")
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    mask = x > 0.3
    for call in [lambda a, b: a.add(b, alpha=-0.5), lambda a, b: a.sub(b, alpha=3), lambda a, b: a.mul(b),
                 lambda a, b: a.div(b + 10), lambda a, b: a.neg() * b, lambda a, b: a.lerp(b, 0.25),
                 lambda a, b: a.masked_fill(b > 0, 2.0) * b]:
        compare_with_torch(call, call, [x, y])
    t, tt = ng.tensor(x), torch.tensor(x)
    for name in ("any", "all"):
        for args in [(), (1,), (0, True)]:
            np.testing.assert_array_equal(getattr(t > -1, name)(*args).numpy(), getattr(tt > -1, name)(*args).numpy())
    for name in ("eq", "ne", "lt", "le", "gt", "ge"):
        np.testing.assert_array_equal(getattr(t, name)(0.3).numpy(), getattr(tt, name)(0.3).numpy())
    np.testing.assert_array_equal(t.masked_fill(ng.tensor(mask), -1.0).numpy(),
                                  tt.masked_fill(torch.tensor(mask), -1.0).numpy())
    made = [t.new_zeros(2, 3), t.new_ones((2,)), t.new_full((2, 2), 7), t.new_tensor([1, 2])]
    assert [m.dtype for m in made] == [np.float64] * 4 and made[2].tolist() == [[7.0, 7.0], [7.0, 7.0]]


def test_data_is_the_same_memory_outside_autograd_as_in_torch():
    torch = pytest.importorskip("torch")
    values = rng.standard_normal((2, 3)).astype(np.float32)
    ours, theirs = ng.nn.Parameter(ng.tensor(values)), torch.nn.Parameter(torch.tensor(values))
    for p in (ours, theirs):
        used = p * p
        p.data.clamp_(-0.5, 0.5)  # WGAN weight clipping: uncounted, so the backward still runs, with the new values
        p.data.mul_(2)
        used.sum().backward()
        assert not p.data.requires_grad and p.data.is_leaf and p.is_leaf and p.requires_grad
    np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy())
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
    np.testing.assert_array_equal(ours.data.numpy(), np.clip(values, -0.5, 0.5) * 2)
    assert ours.data.array is ours.array

    with pytest.raises(RuntimeError, match="changed in place"):  # detach() is the way that counts the change
        used = ours * ours
        ours.detach().mul_(2)
        used.sum().backward()


def test_detach_in_place_leaves_the_graph_as_torchs_does():
    torch = pytest.importorskip("torch")
    for lib in (torch, ng):
        x, w = lib.ones(3, requires_grad=True), lib.full((3,), 2.0, requires_grad=True)
        a = x * 3
        before = a + w  # recorded before: its path through a to x stays
        assert a.detach_() is a and not a.requires_grad and a.is_leaf and a.grad_fn is None
        after = a * w
        (before + after).sum().backward()
        assert x.grad.tolist() == [3.0] * 3 and w.grad.tolist() == [4.0] * 3  # x through `before` only
        leaf = lib.ones(2, requires_grad=True)
        assert not leaf.detach_().requires_grad and leaf.is_leaf
        kept = lib.ones(2, requires_grad=True).detach()
        assert kept.detach_() is kept  # detach()'s output is no view, in either library
        for view in (lib.ones(3, requires_grad=True)[1:], lib.zeros(2, 3)[0], lib.zeros(4).view(2, 2)):
            with pytest.raises(RuntimeError, match="detach"):
                view.detach_()
    # torch refuses the backward of an op that saved a tensor detached in place since; detach_ changes no value,
    # so nanogan computes it
    x = ng.ones(3, requires_grad=True)
    a = x * 3
    saved = a * a
    a.detach_()
    saved.sum().backward()
    assert x.grad.tolist() == [18.0] * 3
    with pytest.raises(RuntimeError, match=r"detach_: the tensor of shape \(2,\) is a view of a tensor of shape "
                                           r"\(3,\) and cannot leave its base's graph in place; use detach\(\)"):
        ng.ones(3, requires_grad=True)[1:].detach_()


def test_assigning_data_swaps_the_memory_in_place_of_the_tensor():
    p = ng.nn.Parameter(ng.zeros(3))
    optimizer = ng.optim.SGD([p], lr=0.5)
    p.data = ng.ones(2, 2, dtype=ng.float64)  # any shape or dtype, as torch; the optimiser keeps the same parameter
    (p * p).sum().backward()
    optimizer.step()
    np.testing.assert_array_equal(p.numpy(), np.zeros((2, 2)))
    assert p.dtype == np.float64 and p.requires_grad
    with pytest.raises(TypeError, match=r"Tensor.data: assign a Tensor, got ndarray \(the raw array is .array\)"):
        p.data = np.zeros(3)
    with pytest.raises(TypeError, match="requires grad must hold floating-point values, got int64 of shape"):
        p.data = ng.zeros(3, dtype=ng.long)


def test_deepcopy_copies_leaves_and_refuses_a_tensor_made_by_an_op_as_torch():
    import copy
    import pickle
    torch = pytest.importorskip("torch")
    for lib in (torch, ng):
        leaf = lib.ones(2, requires_grad=True)
        copied = copy.deepcopy(leaf)
        assert copied.requires_grad and copied.is_leaf and copied is not leaf
        with lib.no_grad():
            copied.mul_(3)
        assert leaf.tolist() == [1.0, 1.0]
        with pytest.raises(RuntimeError, match="deepcopy"):
            copy.deepcopy(leaf * 2)
    assert pickle.loads(pickle.dumps(ng.tensor([1.5, 2.0]))).tolist() == [1.5, 2.0]
    with pytest.raises(RuntimeError, match=r"the tensor of shape \(2,\) was made by Mul and holds its graph"):
        pickle.dumps(ng.ones(2, requires_grad=True) * 2)


# ---- torch's functions and methods of tensor math, each a name for nanogan's ops or a composition of them -----------

x34, y34 = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
positive34 = rng.uniform(0.5, 2.0, (3, 4))
tied34 = np.where(rng.random((3, 4)) < 0.5, x34, y34)  # maximum and minimum split a tie's gradient in half
zeros37 = rng.standard_normal((3, 7))
zeros37[0, 2] = 0.0
zeros37[1, 3:5] = 0.0  # two zeros in one product: its gradient is 0 everywhere, its second derivative is not
one_zero = x34.copy()
one_zero[1, 2] = 0.0
mask34 = x34 > 0.3
picks34 = np.array([[0, 3], [1, 1], [3, 0]])
# scatter's indices: one position named twice is written in an unspecified order (torch's and nanogan's), so these
# name each position once; scatter_add's repeat theirs, each repeat adding
rows34 = np.array([[3, 0, 2], [1, 2, 0], [0, 3, 1]])  # distinct along dim 1 of a (3, 4) tensor
columns34 = np.array([[2, 0, 1, 2], [0, 1, 2, 1]])  # distinct along dim 0
repeats34 = np.array([[2, 0, 2, 2], [2, 1, 0, 2]])
x243 = rng.standard_normal((2, 4, 3))
along1_243 = np.argsort(rng.random((2, 4, 3)), axis=1)[:, :3]  # (2, 3, 3), distinct along dim 1
along2_235 = np.argsort(rng.random((2, 2, 5)), axis=2)[..., :4]  # (2, 2, 4), distinct along dim 2

# name: (call(lib, *tensors), input arrays, which of them are differentiable (default: all))
MATH = {
    "add with alpha": (lambda lib, a, b: lib.add(a, b, alpha=-0.5), [x34, y34]),
    "sub with alpha": (lambda lib, a, b: lib.sub(a, b, alpha=3), [x34, y34]),
    "add of a number with alpha": (lambda lib, a: lib.add(a, 2, alpha=3), [x34]),
    "mul": (lambda lib, a, b: lib.mul(a, b), [x34, y34]),
    "mul by a number": (lambda lib, a: lib.mul(a, 2.5), [x34]),
    "div": (lambda lib, a, b: lib.div(a, b), [x34, positive34]),
    "pow": (lambda lib, a, b: lib.pow(a, b), [positive34, y34]),
    "pow of a number": (lambda lib, a: lib.pow(2.0, a), [x34]),
    "neg": (lambda lib, a: lib.neg(a), [x34]),
    "square": (lambda lib, a: lib.square(a), [x34]),
    "rsqrt": (lambda lib, a: lib.rsqrt(a), [positive34]),
    "reciprocal": (lambda lib, a: lib.reciprocal(a), [positive34]),
    "log1p": (lambda lib, a: lib.log1p(a), [positive34 - 1.2]),
    "expm1": (lambda lib, a: lib.expm1(a), [x34]),
    "erf": (lambda lib, a: lib.erf(a), [x34 * 2]),
    "maximum with ties": (lambda lib, a, b: lib.maximum(a, b), [x34, tied34]),
    "minimum with ties": (lambda lib, a, b: lib.minimum(a, b), [x34, tied34]),
    "maximum, broadcast": (lambda lib, a, b: lib.maximum(a, b), [x34, y34[0]]),
    "max and min of two tensors": (lambda lib, a, b: lib.max(a, b) * lib.min(b[0], a) + a.max(b) - b.min(a),
                                   [x34, tied34]),
    "lerp near the start": (lambda lib, a, b: lib.lerp(a, b, 0.3), [x34, y34]),
    "lerp near the end": (lambda lib, a, b: lib.lerp(a, b, 0.8), [x34, y34]),
    "lerp by a weight tensor": (lambda lib, a, b, w: lib.lerp(a, b, w), [x34, y34, rng.uniform(-0.2, 1.2, (3, 4))]),
    "masked_fill": (lambda lib, a, m: lib.masked_fill(a, m, -1.5), [x34, mask34], [0]),
    "clone": (lambda lib, a: lib.clone(a) * a, [x34]),
    "clip": (lambda lib, a: lib.clip(a, -0.5, 0.8), [x34]),
    "flip": (lambda lib, a: lib.flip(a, (0, 1)), [x34]),
    "flip of one dim": (lambda lib, a: lib.flip(a, [-1]) * a, [x34]),
    "prod with a zero": (lambda lib, a: lib.prod(a), [one_zero]),
    "prod along an odd dim, with zeros": (lambda lib, a: lib.prod(a, 1), [zeros37]),
    "prod, keepdim": (lambda lib, a: lib.prod(a, 0, keepdim=True), [x34]),
    "logsumexp": (lambda lib, a: lib.logsumexp(a, 1), [x34]),
    "logsumexp of large values, keepdim": (lambda lib, a: lib.logsumexp(a, (0, 1), keepdim=True), [x34 * 50 + 1000]),
    "mm": (lambda lib, a, b: lib.mm(a, b), [x34, rng.standard_normal((4, 5))]),
    "bmm": (lambda lib, a, b: lib.bmm(a, b), [rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 5))]),
    "gather": (lambda lib, a, i: lib.gather(a, 1, i), [x34, picks34[:, :2] % 4], [0]),
    "gather along dim 0, repeated": (lambda lib, a, i: lib.gather(a, 0, i), [x34, np.array([[2, 0, 2, 2]] * 2)], [0]),
    "index_select, repeated": (lambda lib, a, i: lib.index_select(a, 1, i), [x34, np.array([3, 0, 3])], [0]),
    # a 0-d tensor was refused with numpy's "tuple index out of range" (gather) and "too many indices" (index_select)
    "gather and index_select of a 0-d tensor": (lambda lib, a: lib.gather(a, 0, lib.tensor([0])) * a.index_select(
        -1, lib.tensor(0)) + a.gather(-1, lib.tensor(0)) ** 2, [np.array(1.5)]),
    "index_put of rows and columns": (lambda lib, a, b: lib.index_put(a, (lib.tensor([2, 0]), lib.tensor([-1, 1])),
                                                                      b[1, :2]) ** 2, [x34, y34]),
    "index_put, accumulating repeats": (lambda lib, a, b: lib.index_put(a, (lib.tensor([2, 0, 2]),), b,
                                                                        accumulate=True) ** 2,
                                        [x34, rng.standard_normal((3, 1))]),
    "scatter along dim 1": (lambda lib, a, b, i: lib.scatter(a, 1, i, b) ** 2, [x34, y34[:, :3], rows34], [0, 1]),
    "scatter along dim 0": (lambda lib, a, b, i: lib.scatter(a, 0, i, b) ** 2, [x34, y34[:2], columns34], [0, 1]),
    "scatter, 3-D along dim 1": (lambda lib, a, b, i: lib.scatter(a, 1, i, b) ** 2,
                                 [x243, rng.standard_normal((2, 3, 3)), along1_243], [0, 1]),
    "scatter, 3-D along dim -1": (lambda lib, a, b, i: lib.scatter(a, -1, i, b) ** 2,
                                  [rng.standard_normal((2, 3, 5)), rng.standard_normal((2, 2, 4)), along2_235], [0, 1]),
    "scatter of a value": (lambda lib, a, i: lib.scatter(a, 1, i, value=2.5) * a, [x34, rows34], [0]),
    "scatter of a number in src's place": (lambda lib, a, i: lib.scatter(a, 0, i, -1) * a, [x34, columns34], [0]),
    "scatter_add, accumulating repeats": (lambda lib, a, b, i: lib.scatter_add(a, 0, i, b) ** 2,
                                          [x34, y34[:2], repeats34], [0, 1]),
    "scatter_add, 3-D along dim -1": (lambda lib, a, b, i: lib.scatter_add(a, -1, i, b) ** 2,
                                      [x243, rng.standard_normal((2, 4, 5)), rng.integers(0, 3, (2, 4, 5))], [0, 1]),
    "meshgrid, ij": (lambda lib, a, b: lib.meshgrid(a, b, indexing="ij")[0] * lib.meshgrid([a, b], indexing="ij")[1]
                     ** 2, [x34[0, :3], y34[0]]),
    "meshgrid, xy": (lambda lib, a, b, c: lib.stack(lib.meshgrid(a, b, c, indexing="xy")) ** 2,
                     [x34[0, :3], y34[0], y34[1, :2]]),
    "floor, ceil and round have no gradient": (lambda lib, a: lib.floor(a) * a + lib.ceil(a) + lib.round(a) * a,
                                               [x34 * 3]),
    "remainder and fmod, the signs of the divisor and of the dividend": (
        lambda lib, a, b: lib.remainder(a, b) * lib.fmod(a, b) + lib.remainder(a, 0.7) ** 2, [x34 * 3, y34]),
    "remainder and fmod, broadcast": (lambda lib, a, b: lib.remainder(a, b) * a - lib.fmod(a, b) ** 2,
                                      [x34 * 3, y34[0]]),
}


@pytest.mark.parametrize("name", MATH)
def test_torch_functions_of_tensor_math_match_torch_to_the_second_derivative(name):
    torch = pytest.importorskip("torch")
    call, arrays, *differentiable = MATH[name]
    compare_with_torch(lambda *t: call(ng, *t), lambda *t: call(torch, *t), arrays, *differentiable)


def test_scatter_writes_the_part_of_a_larger_source_that_the_index_covers():
    """src larger than index: only src[:2, :2] is written (added), and the rest of src gets gradient 0. torch 2.x
    computes the forward but refuses the backward ("returned an invalid gradient"), so these are worked numbers,
    and finite differences to the second derivative."""
    index = ng.tensor([[0, 1], [2, 3], [1, 0]])
    x_values, src_values = np.arange(12.0).reshape(3, 4), np.arange(15.0).reshape(3, 5) * 10
    g = ng.tensor(np.arange(12.0).reshape(3, 4) + 1)
    picked = [[1, 2, 0, 0, 0], [7, 8, 0, 0, 0], [10, 9, 0, 0, 0]]  # g[i, index[i, j]] at src[i, j]
    for op, y_expected, x_grad in [
            (ng.scatter, [[0, 10, 2, 3], [4, 5, 50, 60], [110, 100, 10, 11]],
             [[0, 0, 3, 4], [5, 6, 0, 0], [0, 0, 11, 12]]),
            (ng.scatter_add, [[0, 11, 2, 3], [4, 5, 56, 67], [118, 109, 10, 11]], g.tolist())]:
        x, src = ng.tensor(x_values, requires_grad=True), ng.tensor(src_values, requires_grad=True)
        y = op(x, 1, index, src)
        y.backward(g)
        assert y.tolist() == y_expected and x.grad.tolist() == x_grad and src.grad.tolist() == picked
        check_op(lambda a, b: op(a, 1, index, b) ** 2, [x_values / 10, src_values / 100])


def test_a_negative_index_counts_from_the_end_as_gathers_does():
    """PyTorch refuses a negative index; nanogan's scatter reads it as gather does, and so writes where gather of
    the same index reads."""
    x, src = ng.zeros(2, 3), ng.tensor([[1.0, 2.0], [3.0, 4.0]])
    negative, wrapped = ng.tensor([[-1, 0], [-3, -2]]), ng.tensor([[2, 0], [0, 1]])
    assert ng.scatter(x, 1, negative, src).tolist() == ng.scatter(x, 1, wrapped, src).tolist() == [[2, 0, 1],
                                                                                                   [3, 4, 0]]
    assert ng.scatter_add(x, 0, negative[:1], src[:1]).tolist() == [[0, 2, 0], [1, 0, 0]]
    assert ng.gather(ng.scatter(x, 1, negative, src), 1, negative).tolist() == src.tolist()


def test_scatter_in_place_is_an_in_place_change_with_its_checks():
    index = ng.tensor([[0], [2]])
    leaf = ng.zeros(2, 3, requires_grad=True)
    for change in (lambda t: t.scatter_(1, index, 1.0), lambda t: t.scatter_add_(1, index, ng.ones(2, 1))):
        with pytest.raises(RuntimeError, match=r"scatter(_add)?_: a leaf tensor of shape \(2, 3\) that requires "
                                               r"grad cannot be changed in place while grad mode records"):
            change(leaf)
        with ng.no_grad():
            version = leaf._version
            assert change(leaf) is leaf and leaf._version == version + 1
    assert leaf.tolist() == [[2.0, 0.0, 0.0], [0.0, 0.0, 2.0]]  # scatter_ wrote 1, scatter_add_ added 1
    y = leaf * 1
    squared = y * y  # keeps y for its backward
    y.scatter_(1, index, 5.0)
    with pytest.raises(RuntimeError, match=r"Mul: its input \d of shape \(2, 3\) was changed in place"):
        squared.sum().backward()


# scatter_reduce: along dim 1 row 0 names position 4 twice, row 1 position 2 four times, and positions 2, 3 of row 0
# and all but 2 of row 1 are left alone; along dim 0 and -1 the index is wider than the input
x35 = rng.standard_normal((3, 5))
repeats35 = np.array([[4, 0, 4, 1], [2, 2, 2, 2], [0, 3, 0, 4]])
SCATTER_REDUCE_CASES = {  # name: (dim, input, src, index)
    "along dim 1": (1, x35, y34, repeats35),
    "along dim 0, src wider than the input": (0, x34, rng.standard_normal((5, 4)), rng.integers(0, 3, (5, 4))),
    "3-D along dim -1": (-1, x243, rng.standard_normal((2, 4, 5)), rng.integers(0, 3, (2, 4, 5))),
}
REDUCTIONS = ["sum", "prod", "mean", "amax", "amin"]


@pytest.mark.parametrize("case", SCATTER_REDUCE_CASES)
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCTIONS)
def test_scatter_reduce_equals_torch_to_the_second_derivative(reduce, include_self, case):
    """The values, the gradients in input and src, and their own gradients (no ties here: see the next tests)."""
    pytest.importorskip("torch")
    dim, x, src, index = SCATTER_REDUCE_CASES[case]
    compare_with_torch(lambda a, b, i: ng.scatter_reduce(a, dim, i, b, reduce, include_self=include_self),
                       lambda a, b, i: a.scatter_reduce(dim, i, b, reduce, include_self=include_self),
                       [x, src, index], [0, 1])


@pytest.mark.parametrize("reduce", REDUCTIONS)
def test_scatter_reduce_passes_finite_differences_to_the_second_order(reduce):
    """Also with a src larger than the index, whose part outside it gets gradient 0 (torch refuses that backward)."""
    index = ng.tensor(repeats35)
    for include_self in (True, False):
        check_op(lambda a, b: ng.scatter_reduce(a, 1, index, b, reduce, include_self=include_self), [x35, y34])
        check_op(lambda a, b: a.scatter_reduce(1, index, b, reduce, include_self=include_self),
                 [x35, rng.standard_normal((4, 6))], layouts=("contiguous",))


def test_a_tied_maximum_or_minimum_shares_its_gradient_evenly_as_in_torch():
    """Ties among src and with input's own value (include_self): each of the n tied values gets g / n. With
    include_self=False input's value takes no part where index names, and ties with nothing there."""
    pytest.importorskip("torch")
    x = np.array([[1.0, 5.0, 2.0, 0.0], [3.0, -1.0, 0.0, 7.0]])
    src = np.array([[5.0, 1.0, 5.0], [3.0, 3.0, -1.0]])
    index = np.array([[1, 0, 1], [0, 0, 1]])  # in row 0, three 5s at 1 and 1 = 1 at 0; in row 1, three 3s at 0
    for reduce, sign in (("amax", 1), ("amin", -1)):
        compare_with_torch(lambda a, b, i: ng.scatter_reduce(a, 1, i, b, reduce),
                           lambda a, b, i: a.scatter_reduce(1, i, b, reduce), [x * sign, src * sign, index], [0, 1])
    apart = np.array([[9.0, 9.0, 2.0, 0.0], [8.0, 8.0, 0.0, 7.0]])  # no value at a named position ties with src
    for reduce in ("amax", "amin"):
        compare_with_torch(lambda a, b, i: ng.scatter_reduce(a, 1, i, b, reduce, include_self=False),
                           lambda a, b, i: a.scatter_reduce(1, i, b, reduce, include_self=False),
                           [apart, src, index], [0, 1])
    a, b = ng.tensor(x, requires_grad=True), ng.tensor(src, requires_grad=True)
    y = ng.scatter_reduce(a, 1, ng.tensor(index), b, "amax", include_self=False)
    y.sum().backward()
    assert y.tolist() == [[1.0, 5.0, 2.0, 0.0], [3.0, -1.0, 0.0, 7.0]]  # input's 1, 5, 3 and -1 left out
    assert a.grad.tolist() == [[0, 0, 1, 1], [0, 0, 1, 1]]
    assert b.grad.tolist() == [[0.5, 1, 0.5], [0.5, 0.5, 1]]  # torch's: [[1/3, 0.5, 1/3], [1/3, 1/3, 0.5]]


def test_a_product_with_zeros_has_torchs_gradients():
    """The gradient of each value is g times the product of the others, computed without dividing by a zero: an
    input value 0, a src value that is its position's only 0, and both at one position. Where two values of src at
    one position are 0, the first derivative is 0 for all there (torch's too) and the second is refused, as
    torch refuses it."""
    torch = pytest.importorskip("torch")
    x = np.array([[1.5, 2.0, 3.0, -0.5], [4.0, 0.0, 6.0, -1.0]])
    index = np.array([[0, 0, 1, 3], [1, 1, 1, 3]])
    single = np.array([[0.0, 1.5, 2.0, -2.0], [3.0, 0.0, 5.0, 0.5]])
    for include_self in (True, False):
        compare_with_torch(lambda a, b, i: ng.scatter_reduce(a, 1, i, b, "prod", include_self=include_self),
                           lambda a, b, i: a.scatter_reduce(1, i, b, "prod", include_self=include_self),
                           [x, single, index], [0, 1])
    two = single.copy()
    two[0, 1] = 0.0  # src[0, 0] and src[0, 1], both 0, go to position 0 of row 0
    g = rng.standard_normal(x.shape)
    grads = []
    for lib in (ng, torch):
        a, b = lib.tensor(x, requires_grad=True), lib.tensor(two, requires_grad=True)
        y = lib.scatter_reduce(a, 1, lib.tensor(index), b, "prod")
        grads.append([d.detach().numpy() for d in lib.autograd.grad(y, [a, b], lib.tensor(g), create_graph=True)])
        with pytest.raises(RuntimeError, match=r"scatter_reduce.*two or more values of src|>1 zeros in src"):
            lib.autograd.grad(lib.autograd.grad(y, [b], lib.tensor(g), create_graph=True)[0].sum(), [a, b])
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert grads[0][1][0, :2].tolist() == [0.0, 0.0]


@pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")  # deprecated for scatter_reduce
def test_scatter_with_reduce_adds_or_multiplies_every_repeat_in_as_torch():
    """PyTorch's older API: reduce="add" and "multiply" of src or of a value are scatter_reduce's sum and prod with
    include_self, in place or not. Torch computes no gradient for them; nanogan gives scatter_reduce's."""
    torch = pytest.importorskip("torch")
    index = repeats35[:, :3]
    for reduce, reduction in (("add", "sum"), ("multiply", "prod")):
        results = []
        for lib in (ng, torch):
            a, b, i = lib.tensor(x35), lib.tensor(y34), lib.tensor(index)
            results.append([a.scatter(1, i, b, reduce=reduce), lib.scatter(a, 1, i, 2.5, reduce=reduce),
                            a.clone().scatter_(1, i, b, reduce=reduce), a.clone().scatter_(1, i, -1.5, reduce=reduce)])
        for ours, theirs in zip(*results):
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
        i = ng.tensor(index)
        compare_with_torch(lambda a, b: a.scatter(1, i, b, reduce=reduce),
                           lambda a, b: a.scatter_reduce(1, torch.tensor(index), b, reduction), [x35, y34[:, :3]])
        check_op(lambda a: ng.scatter(a, 1, i, value=0.7, reduce=reduce) ** 2, [x35], layouts=("contiguous",))


def test_scatter_reduce_in_place_is_an_in_place_change_with_its_checks():
    leaf = ng.zeros(2, 3, requires_grad=True)
    index, src = ng.tensor([[0, 0], [2, 1]]), ng.tensor([[1.0, 2.0], [3.0, 4.0]])
    for change in (lambda t: t.scatter_reduce_(1, index, src, "sum"), lambda t: t.scatter_(1, index, 2.0,
                                                                                           reduce="add")):
        with pytest.raises(RuntimeError, match=r"scatter(_reduce)?_: a leaf tensor of shape \(2, 3\) that requires "
                                               r"grad cannot be changed in place while grad mode records"):
            change(leaf)
        with ng.no_grad():
            assert change(leaf) is leaf
    assert leaf.tolist() == [[7.0, 0.0, 0.0], [0.0, 6.0, 5.0]]


def _scattered_in_place(a, b, i, j):
    e = a * 1
    e[1:].scatter_(1, i[1:], b[1:, :3])  # a view's change, recorded on its base
    e.scatter_add_(0, j, b[:2, :3] * 2)
    return e * a


def _reduced_in_place(a, b, i):
    e = a * 1
    e[1:].scatter_reduce_(1, i, b[1:, 1:], "prod", include_self=False)  # a view's change, recorded on its base
    return e * a.scatter_reduce(1, i, b[1:, :3], "mean")


# the same call of a Tensor method in both libraries: (call(*tensors), input arrays, which are differentiable)
METHODS = {
    "minimum": (lambda a, b: a.minimum(b), [x34, tied34]),
    "maximum": (lambda a, b: a.maximum(b), [x34, tied34]),
    "% and fmod": (lambda a, b: (a % b) * (a % 0.7) + a.fmod(b) * a.remainder(-0.7), [x34 * 3, y34]),
    "prod": (lambda a: a.prod(1) * a.prod(), [zeros37]),
    "logsumexp": (lambda a: a.logsumexp(0, keepdim=True), [x34]),
    "square": (lambda a: a.square(), [x34]),
    "flip": (lambda a: a.flip(0, 1) * a.flip([1]), [x34]),
    "log1p and expm1": (lambda a: a.log1p() * a.expm1(), [positive34]),
    "erf": (lambda a: a.erf() * a, [x34]),
    "floor and round": (lambda a, b: a.floor() * b + (a * 2).round() * b, [x34, y34]),
    "rsqrt and reciprocal": (lambda a: a.rsqrt() + a.reciprocal() ** 2, [positive34]),
    "view_as and reshape_as": (lambda a, b: a.view_as(b.t()) * a.t().reshape_as(b.t()), [x34, y34], [0]),
    "type_as": (lambda a, b: a.type_as(b) * a, [x34, y34], [0]),
    "mm and bmm": (lambda a, b: a.mm(b.t()) + a.unsqueeze(0).bmm(b.t().unsqueeze(0))[0], [x34, y34]),
    "gather and index_select": (lambda a, i: a.gather(1, i) + a.index_select(1, i[0]), [x34, picks34], [0]),
    "scatter and scatter_add": (lambda a, b, i: a.scatter(1, i, b[:, :3]) * a.scatter_add(1, i, b[:, 1:]),
                                [x34, y34, rows34], [0, 1]),
    "scatter_ of a view and scatter_add_": (_scattered_in_place, [x34, y34, rows34, repeats34[:, :3]], [0, 1]),
    "scatter_reduce and scatter_reduce_ of a view": (_reduced_in_place, [x34, y34, repeats34[:, :3]], [0, 1]),
    "index_put and index_put_ of a mask": (lambda a, b: a.index_put((a > 0,), b[0, 0]) * (a * 1).index_put_(
        (a[:, 0] > -9, (b[0, :3] > -9).long()), b[2, 1:], accumulate=True), [x34, y34]),
}


@pytest.mark.parametrize("name", METHODS)
def test_torch_tensor_methods_of_tensor_math_match_torch_to_the_second_derivative(name):
    pytest.importorskip("torch")
    call, arrays, *differentiable = METHODS[name]
    compare_with_torch(call, call, arrays, *differentiable)


ints = np.array([[3, -1, 4], [1, 5, 9]])
float32s = np.array([[0.5, -1.5, 2.5], [1.0, 9.25, -3.0]], dtype=np.float32)
special = np.array([np.nan, np.inf, -np.inf, 1.5, -0.0], dtype=np.float32)

# name: (call(lib, *tensors), input arrays in their dtypes): the result's dtype and values are torch's
DTYPES = {
    "square of integers": (lambda lib, a: lib.square(a), [ints]),
    "reciprocal and rsqrt of integers are float32": (lambda lib, a: lib.reciprocal(a) + lib.rsqrt(a), [ints ** 2]),
    "floor of integers": (lambda lib, a: lib.floor(a), [ints]),
    "ceil of integers": (lambda lib, a: lib.ceil(a), [ints]),
    "round of integers": (lambda lib, a: lib.round(a), [ints]),
    "floor and ceil of float32": (lambda lib, a: lib.floor(a) * 10 + lib.ceil(a), [float32s]),
    "round halves to even": (lambda lib, a: lib.round(a), [np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.7],
                                                                    dtype=np.float32)]),
    "isnan": (lambda lib, a: lib.isnan(a), [special]),
    "isfinite": (lambda lib, a: a.isfinite(), [special]),
    "prod of integers": (lambda lib, a: lib.prod(a, 1), [ints]),
    "argmin": (lambda lib, a: lib.argmin(a, 1), [np.array([[2.0, 1.0, 1.0], [0.0, 3.0, -1.0]], dtype=np.float32)]),
    "argmin of all, keepdim": (lambda lib, a: a.argmin(0, keepdim=True), [ints]),
    "maximum of integers and floats": (lambda lib, a, b: lib.maximum(a, b), [ints, float32s]),
    "minimum of integers": (lambda lib, a, b: lib.minimum(a, b), [ints, ints[::-1]]),
    "maximum and minimum keep NaN": (lambda lib, a, b: lib.maximum(a, b) + lib.minimum(b, a),
                                     [special, special[::-1].copy()]),
    "logsumexp does not overflow float32": (lambda lib, a: lib.logsumexp(a, 0), [np.array([100, 100], np.float32)]),
    "logsumexp of infinities": (lambda lib, a: lib.logsumexp(a, 1), [np.array([[-np.inf, -np.inf], [np.inf, 1]],
                                                                              dtype=np.float32)]),
    "log1p and expm1 of tiny values": (lambda lib, a: lib.log1p(a) * 1e10 + lib.expm1(a) * 1e10,
                                       [np.array([1e-10, -3e-12, 1e-3], dtype=np.float32)]),
    "erf of float32, infinities and NaN": (lambda lib, a: lib.erf(a) + lib.erf(a * 0.5),
                                           [np.concatenate([special, float32s.ravel()])]),
    "lerp of float32": (lambda lib, a, b: lib.lerp(a, b, 0.3) + lib.lerp(a, b, 0.7), [float32s, float32s[::-1]]),
    "lerp to the end is the end": (lambda lib, a, b: lib.lerp(a, b, 1.0), [float32s * 1e7, float32s[::-1]]),
    "masked_fill of integers casts the value": (lambda lib, a: lib.masked_fill(a, a > 2, 2.7), [ints]),
    "comparisons": (lambda lib, a, b: lib.stack([lib.eq(a, b), lib.ne(a, b), lib.lt(a, b), lib.le(a, b),
                                                 lib.gt(a, b), lib.ge(a, b)]), [ints, ints[:, ::-1]]),
    "add and sub of integers with alpha": (lambda lib, a, b: lib.add(a, b, alpha=2) * lib.sub(a, b, alpha=3),
                                           [ints, ints[::-1]]),
    "div of integers is float32": (lambda lib, a, b: lib.div(a, b), [ints, ints ** 2 + 1]),
    "pow and neg of integers": (lambda lib, a: lib.neg(lib.pow(a, 2)), [ints]),
    "integer shapes": (lambda lib, a, i: lib.flip(a, (0,)) * lib.gather(a, 1, i) + lib.index_select(a, 1, i[0]),
                       [ints, np.array([[2, 0, 1], [1, 1, 0]])]),
    "one-hot by scatter_ of an int and of a float": (
        lambda lib, labels: lib.zeros(4, 10).scatter_(1, labels.view(-1, 1), 1)
        - lib.zeros(4, 10).scatter_(1, labels.view(-1, 1), 1.0) * 3, [np.array([3, 9, 0, 3])]),
    "scatter of a float into integers truncates it": (lambda lib, a, i: lib.scatter(a, 1, i, 2.7) * 10
                                                      + a.scatter(1, i, value=-1.5), [ints, rows34[:2] % 3]),
    "scatter_reduce of integers, the mean rounded down": (
        lambda lib, a, b, i: lib.stack([lib.scatter_reduce(a, 1, i, b, reduce, include_self=include_self)
                                        for reduce in REDUCTIONS for include_self in (True, False)]),
        [ints, np.array([[-4, 2, -7, 3], [8, -1, 0, 6]]), np.array([[0, 0, 2, 0], [1, 1, 1, 2]])]),
    "scatter_reduce of bools": (
        lambda lib, a, b, i: lib.stack([lib.scatter_reduce(a, 1, i, b, reduce, include_self=False)
                                        for reduce in REDUCTIONS if reduce != "mean"]),
        [ints > 2, ints < 3, np.array([[0, 0, 2], [1, 1, 1]])]),
    "scatter with reduce of integers": (lambda lib, a, b, i: a.scatter(1, i, b, reduce="multiply")
                                        - a.scatter(1, i, 3, reduce="add"), [ints, ints[::-1], rows34[:2] % 3]),
    "scatter_add of integers": (lambda lib, a, b, i: lib.scatter_add(a, 0, i, b),
                                [ints, ints[::-1], repeats34[:, :3] % 2]),
    "meshgrid of integers": (lambda lib, a, b: lib.stack(lib.meshgrid(a, b, indexing="xy")), [ints[0], ints[1, :2]]),
    "mm and bmm of float32": (lambda lib, a, b: lib.mm(a, b) + lib.bmm(a[None], b[None])[0],
                              [float32s, float32s.T.copy()]),
    "type_as": (lambda lib, a, b: a.type_as(b), [ints, float32s]),
    "clip of integers": (lambda lib, a: lib.clip(a, 0, 4), [ints]),
    "remainder and fmod of integers": (lambda lib, a, b: lib.stack([a % b, lib.fmod(a, b), lib.remainder(a, -2),
                                                                    7 % b, a.fmod(2)]),
                                       [np.array([[3, -1, 4], [-7, 5, -9]]), np.array([[2, -3, 4], [-5, 2, -2]])]),
    "remainder and fmod of integers and floats are float32": (
        lambda lib, a, b: lib.remainder(a, b) * 10 + lib.fmod(a, b) + a % 2.5, [ints, float32s]),
}


@pytest.mark.parametrize("name", DTYPES)
def test_results_have_torchs_dtype_and_values(name):
    torch = pytest.importorskip("torch")
    call, arrays = DTYPES[name]
    ours = call(ng, *[ng.tensor(a) for a in arrays])
    theirs = call(torch, *[torch.from_numpy(a.copy()) for a in arrays])
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=0)


def test_predicates_and_counts_answer_as_torch():
    torch = pytest.importorskip("torch")
    for lib in (torch, ng):
        a = lib.tensor(float32s)
        assert lib.is_tensor(a) and not lib.is_tensor(float32s) and lib.numel(a) == 6
        assert lib.allclose(a, a + 1e-6) and not lib.allclose(a, a + 1e-3)
        assert lib.allclose(a, a + 1e-3, atol=2e-3) and lib.allclose(a, a * 1.001, rtol=2e-3, atol=0)
        nan = lib.tensor([np.nan, 1.0])
        assert not lib.allclose(nan, nan) and lib.allclose(nan, nan, equal_nan=True)
    meshes = [lib.meshgrid(*(lib.zeros(n) for n in (2, 3, 4)), indexing=indexing)
              for lib in (torch, ng) for indexing in ("ij", "xy")]
    assert [[tuple(m.shape) for m in mesh] for mesh in meshes[:2]] == [[m.shape for m in mesh] for mesh in meshes[2:]]
    assert ng.meshgrid(ng.arange(2), ng.arange(3))[0].shape == (2, 3)  # torch's default, "ij" (without its warning)


def test_any_and_all_take_a_tuple_of_dims_as_torch():
    """any and all took one dim and refused a tuple ('all: a dimension must be an int, got tuple'), which PyTorch 2
    takes; an empty tuple reduces no dim in both (unlike sum's)."""
    torch = pytest.importorskip("torch")
    flags = rng.random((2, 3, 4)) > 0.3
    calls = [lambda t: t.all((0, 2)), lambda t: t.any((-1, 0), keepdim=True), lambda t: t.all([1]),
             lambda t: t.any(()), lambda t: t.all(-1), lambda t: t.any(), lambda t: t[0, 0, 0].all((0,))]
    for call in calls:
        ours, theirs = call(ng.tensor(flags)), call(torch.tensor(flags))
        assert ours.shape == tuple(theirs.shape) and ours.numpy().tolist() == theirs.numpy().tolist()
    with pytest.raises(ValueError, match=r"all: dims \(1, -2\) name a dimension more than once"):
        ng.tensor(flags).all((1, -2))


ERRORS = {  # name: (call(lib), nanogan's error, its message); torch refuses each call too
    "mm of a batch": (lambda lib: lib.mm(lib.ones(2, 3, 4), lib.ones(4, 5)), ValueError,
                      r"mm: expected matrices \(n, m\) and \(m, p\), got shapes \(2, 3, 4\) and \(4, 5\)"),
    "mm of misaligned matrices": (lambda lib: lib.mm(lib.ones(2, 3), lib.ones(4, 5)), ValueError,
                                  r"mm: expected .* got shapes \(2, 3\) and \(4, 5\)"),
    "bmm of matrices": (lambda lib: lib.bmm(lib.ones(3, 4), lib.ones(2, 4, 5)), ValueError,
                        r"bmm: expected batches of matrices \(b, n, m\) and \(b, m, p\), got shapes \(3, 4\) and "
                        r"\(2, 4, 5\)"),
    "bmm of two batch sizes": (lambda lib: lib.bmm(lib.ones(2, 3, 4), lib.ones(1, 4, 5)), ValueError,
                               r"bmm: expected .* got shapes \(2, 3, 4\) and \(1, 4, 5\)"),
    "bmm of misaligned matrices": (lambda lib: lib.ones(2, 3, 4).bmm(lib.ones(2, 3, 5)), ValueError,
                                   r"bmm: expected .* got shapes \(2, 3, 4\) and \(2, 3, 5\)"),
    "remainder of bools": (lambda lib: lib.tensor([True, False]) % lib.tensor([True, True]), TypeError,
                           r"remainder: not implemented for bool tensors, got bool of shape \(2,\) and \(2,\)"),
    "integer remainder by zero": (lambda lib: lib.tensor([7, 8]) % lib.tensor([2, 0]), ZeroDivisionError,
                                  r"remainder: integer division by zero \(a of shape \(2,\), b of shape \(2,\)\)"),
    "integer fmod by a zero number": (lambda lib: lib.fmod(lib.tensor([7, 8]), 0), ZeroDivisionError,
                                      r"fmod: integer division by zero"),
    "fmod of bools": (lambda lib: lib.fmod(lib.tensor([True, False]), lib.tensor([True, True])), TypeError,
                      r"fmod: not implemented for bool tensors"),
    "maximum of shapes that do not broadcast": (lambda lib: lib.maximum(lib.ones(3), lib.ones(4)), ValueError,
                                                r"maximum: shapes \(3,\) and \(4,\) cannot be broadcast together"),
    "flip of a dim twice": (lambda lib: lib.flip(lib.ones(2, 3), (1, -1)), ValueError,
                            r"flip: dims \(1, -1\) name a dimension more than once \(tensor of shape \(2, 3\)\)"),
    "flip of a dim out of range": (lambda lib: lib.ones(2, 3).flip(2), IndexError,
                                   r"flip: dimension 2 out of range for a tensor with 2 dimensions"),
    "gather by an index of other dims": (lambda lib: lib.gather(lib.ones(2, 3), 1, lib.tensor([0, 1])), ValueError,
                                         r"gather: an index of shape \(2,\) for a tensor of shape \(2, 3\)"),
    "gather by a wider index": (lambda lib: lib.gather(lib.ones(2, 3), 1, lib.zeros(3, 1, dtype=lib.long)),
                                ValueError, r"gather: an index of shape \(3, 1\) for a tensor of shape \(2, 3\) must "
                                            r"have its 2 dimensions, none larger than the tensor's but dimension 1"),
    "gather by floats": (lambda lib: lib.gather(lib.ones(2, 3), 1, lib.zeros(2, 1)), TypeError,
                         r"gather: expected an integer index Tensor, got float32 of shape \(2, 1\)"),
    "gather out of range": (lambda lib: lib.gather(lib.ones(2, 3), 1, lib.tensor([[3], [0]])), IndexError,
                            r"gather: indices \(shape \(2, 1\)\) into dimension 1 of size 3 must lie in -3..2 "
                            r"\(tensor of shape \(2, 3\)\)"),
    "scatter by floats": (lambda lib: lib.scatter(lib.ones(2, 3), 1, lib.zeros(2, 1), 1.0), TypeError,
                          r"scatter: expected an integer index Tensor, got float32 of shape \(2, 1\)"),
    "scatter by an index of other dims": (lambda lib: lib.ones(2, 3).scatter(1, lib.tensor([0, 1]), lib.ones(2, 3)),
                                          ValueError, r"scatter: an index of shape \(2,\) for a tensor of shape "
                                                      r"\(2, 3\) must have its 2 dimensions, none larger than the "
                                                      r"tensor's but dimension 1"),
    "scatter by an index larger than src": (lambda lib: lib.scatter(lib.ones(2, 3), 1, lib.tensor([[0, 1], [1, 2]]),
                                                                    lib.ones(2, 1)), ValueError,
                                            r"scatter: a source of shape \(2, 1\) must have the 2 dimensions of "
                                            r"the index, of shape \(2, 2\), none smaller \(tensor of shape "
                                            r"\(2, 3\)\)"),
    "scatter_add of a source of other dims": (lambda lib: lib.ones(2, 3).scatter_add(1, lib.tensor([[0], [1]]),
                                                                                     lib.ones(2)), ValueError,
                                              r"scatter_add: a source of shape \(2,\) must have the 2 dimensions "
                                              r"of the index, of shape \(2, 1\), none smaller \(tensor of shape "
                                              r"\(2, 3\)\)"),
    "scatter of another dtype": (lambda lib: lib.ones(2, 3).scatter(1, lib.tensor([[0], [1]]),
                                                                    lib.ones(2, 1, dtype=lib.float64)), TypeError,
                                 r"scatter: src must be a Tensor of the dtype of the tensor \(float32, shape "
                                 r"\(2, 3\)\), got float64 of shape \(2, 1\)"),
    "scatter of neither src nor value": (lambda lib: lib.ones(2, 3).scatter(1, lib.tensor([[0], [1]])), TypeError,
                                         r"scatter: expected src \(a Tensor\) or value \(a number\), got neither"),
    "scatter_add of a number": (lambda lib: lib.scatter_add(lib.ones(2, 3), 1, lib.tensor([[0], [1]]), 1.0),
                                TypeError, r"scatter_add: src must be a Tensor of the dtype of the tensor \(float32, "
                                           r"shape \(2, 3\)\), got float$"),
    "scatter out of range": (lambda lib: lib.scatter(lib.ones(2, 3), 1, lib.tensor([[3], [0]]), 1.0), IndexError,
                             r"scatter: indices \(shape \(2, 1\)\) into dimension 1 of size 3 must lie in -3..2 "
                             r"\(tensor of shape \(2, 3\)\)"),
    "scatter_reduce of an unknown reduction": (
        lambda lib: lib.scatter_reduce(lib.ones(2, 3), 1, lib.tensor([[0], [1]]), lib.ones(2, 1), "add"), ValueError,
        r"scatter_reduce: reduce must be one of 'sum', 'prod', 'mean', 'amax', 'amin', got 'add'"),
    "scatter of an unknown reduction": (lambda lib: lib.ones(2, 3).scatter(1, lib.tensor([[0], [1]]), lib.ones(2, 1),
                                                                           reduce="sum"), ValueError,
                                        r"scatter: reduce must be 'add' or 'multiply', got 'sum'"),
    "scatter_reduce of another dtype": (lambda lib: lib.ones(2, 3).scatter_reduce(
        1, lib.tensor([[0], [1]]), lib.ones(2, 1, dtype=lib.float64), "amax"), TypeError,
        r"scatter_reduce: src must be a Tensor of the dtype of the tensor \(float32, shape \(2, 3\)\), got float64 "
        r"of shape \(2, 1\)"),
    "scatter_reduce of a source smaller than the index": (lambda lib: lib.ones(2, 3).scatter_reduce(
        1, lib.tensor([[0, 1], [1, 2]]), lib.ones(2, 1), "prod"), ValueError,
        r"scatter_reduce: a source of shape \(2, 1\) must have the 2 dimensions of the index, of shape \(2, 2\), none "
        r"smaller \(tensor of shape \(2, 3\)\)"),
    "scatter_reduce by an index of other dims": (lambda lib: lib.scatter_reduce(
        lib.ones(2, 3), 0, lib.tensor([0, 1]), lib.ones(2, 3), "mean"), ValueError,
        r"scatter_reduce: an index of shape \(2,\) for a tensor of shape \(2, 3\) must have its 2 dimensions"),
    "scatter_reduce by floats": (lambda lib: lib.scatter_reduce(lib.ones(2, 3), 1, lib.zeros(2, 1), lib.ones(2, 1),
                                                                "sum"), TypeError,
                                 r"scatter_reduce: expected an integer index Tensor, got float32 of shape \(2, 1\)"),
    "scatter_reduce of a number": (lambda lib: lib.scatter_reduce(lib.ones(2, 3), 1, lib.tensor([[0], [1]]), 1.0,
                                                                  "sum"), TypeError,
                                   r"scatter_reduce: src must be a Tensor of the dtype of the tensor \(float32, "
                                   r"shape \(2, 3\)\), got float$"),
    "scatter_reduce's mean of bools": (lambda lib: lib.tensor([True, False]).scatter_reduce(
        0, lib.tensor([1]), lib.tensor([True]), "mean"), TypeError,
        r"scatter_reduce: the mean is not defined for bool tensors, got bool of shape \(2,\)"),
    "scatter_reduce out of range": (lambda lib: lib.zeros(2, 3).scatter_reduce(0, lib.tensor([[0, 2, 1]]),
                                                                               lib.ones(1, 3), "amin"), IndexError,
                                    r"scatter_reduce: indices \(shape \(1, 3\)\) into dimension 0 of size 2 must "
                                    r"lie in -2..1 \(tensor of shape \(2, 3\)\)"),
    "scatter_add out of range": (lambda lib: lib.zeros(2, 3).scatter_add(0, lib.tensor([[0, -3, 1]]),
                                                                         lib.ones(1, 3)), IndexError,
                                 r"scatter_add: indices \(shape \(1, 3\)\) into dimension 0 of size 2 must lie in "
                                 r"-2..1 \(tensor of shape \(2, 3\)\)"),
    "index_select by a matrix": (lambda lib: lib.index_select(lib.ones(2, 3), 0, lib.tensor([[0]])), ValueError,
                                 r"index_select: expected a 0-D or 1-D index, got shape \(1, 1\) \(tensor of shape "
                                 r"\(2, 3\)\)"),
    "index_select out of range": (lambda lib: lib.ones(2, 3).index_select(0, lib.tensor([2])), IndexError,
                                  r"index_select: indices \(shape \(1,\)\) into dimension 0 of size 2 must lie "
                                  r"in -2..1 \(tensor of shape \(2, 3\)\)"),
    "meshgrid of a matrix": (lambda lib: lib.meshgrid(lib.ones(2), lib.ones(2, 2), indexing="ij"), ValueError,
                             r"meshgrid: expected one or more 0-D or 1-D tensors, got \[\(2,\), \(2, 2\)\]"),
    "meshgrid of another indexing": (lambda lib: lib.meshgrid(lib.ones(2), indexing="yx"), ValueError,
                                     r"meshgrid: indexing must be 'ij' or 'xy', got 'yx'"),
    "masked_fill by a mask of integers": (lambda lib: lib.masked_fill(lib.ones(2), lib.tensor([1, 0]), 0.0),
                                          TypeError, r"masked_fill: expected a boolean mask Tensor for the tensor of "
                                                     r"shape \(2,\), got int64 of shape \(2,\)"),
    "prod over a dim out of range": (lambda lib: lib.prod(lib.ones(2, 3), 2), IndexError,
                                     r"prod: dimension 2 out of range"),
    "logsumexp over a dim out of range": (lambda lib: lib.logsumexp(lib.ones(2, 3), -3), IndexError,
                                          r"logsumexp: dimension -3 out of range"),
    "argmin over a dim out of range": (lambda lib: lib.ones(2, 3).argmin(2), IndexError,
                                       r"argmin: dimension 2 out of range"),
    # the errors named the comparison and the subtraction inside clamp and lerp ("greater: shapes ...", "sub: ...")
    "clamp by a bound that does not broadcast": (lambda lib: lib.clamp(lib.ones(2, 3), max=lib.ones(3, 1)),
                                                 ValueError, r"clamp: shapes \(2, 3\) and \(3, 1\) cannot be "
                                                             r"broadcast together"),
    "lerp to an end that does not broadcast": (lambda lib: lib.lerp(lib.ones(2, 3), lib.ones(2), 0.5), ValueError,
                                               r"lerp: shapes \(2, 3\) and \(2,\) cannot be broadcast together"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_bad_shapes_and_arguments_are_refused_naming_the_op_and_the_shapes(name):
    refused_as_by_torch(*ERRORS[name])


@pytest.mark.parametrize("name", ["sin", "cos", "log2", "log10", "exp2", "frac", "trunc"])
def test_trigonometric_logarithmic_and_rounding_functions_match_torch_to_the_second_order(name):
    x = rng.uniform(0.2, 3.0, (3, 4)) * rng.choice([-1.0, 1.0], (3, 4)) + 0.05  # no integer: trunc's steps
    if name in ("log2", "log10"):
        x = np.abs(x)
    compare_with_torch(lambda t: getattr(t, name)() * t, lambda t: getattr(t, name)() * t, [x])
    np.testing.assert_array_equal(getattr(ng, name)(ng.tensor(x)).numpy(), getattr(ng.tensor(x), name)().numpy())


def test_trigonometric_and_logarithmic_functions_of_integers_are_float32_as_in_torch():
    torch = pytest.importorskip("torch")
    for name in ("sin", "cos", "log2", "log10", "exp2"):
        ours, theirs = getattr(ng.tensor([1, 2, 4]), name)(), getattr(torch.tensor([1, 2, 4]), name)()
        assert ours.dtype == ng.float32 and theirs.dtype == torch.float32
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    np.testing.assert_array_equal(ng.tensor([-3, 4]).trunc().numpy(), [-3, 4])


def test_as_tensor_shares_an_arrays_memory_where_torchs_does():
    torch = pytest.importorskip("torch")
    array = np.zeros(3)
    shared, copied = ng.as_tensor(array), ng.as_tensor(array, dtype=ng.float32)
    array[0] = 5
    assert shared.numpy()[0] == 5 and copied.numpy()[0] == 0  # float64 kept and shared; a cast copies
    assert ng.as_tensor(shared) is shared and ng.as_tensor(shared, dtype=ng.float64) is shared
    for data in ([1.0, 2.0], [1, 2], 3, np.arange(3, dtype=np.int32), [True]):
        assert ng.as_tensor(data).dtype == np.dtype(str(torch.as_tensor(data).dtype).removeprefix("torch."))


def test_numpy_sees_a_cpu_tensors_memory_as_it_sees_torchs():
    torch = pytest.importorskip("torch")
    for t in (ng.tensor([1.5, 2.0, 3.0]), torch.tensor([1.5, 2.0, 3.0])):
        viewed, cast, copied = np.asarray(t), np.asarray(t, dtype=np.float64), np.array(t)
        viewed[0] = 9.0  # the same memory
        assert t[0].item() == 9.0 and cast[0] == 1.5 and copied[0] == 1.5
        assert viewed.dtype == np.float32 and cast.dtype == np.float64 and copied.dtype == np.float32
    np.testing.assert_array_equal(ng.tensor([[1, 2]]), np.array([[1, 2]]))  # np.testing takes tensors


def test_finfo_and_iinfo_give_torchs_limits():
    torch = pytest.importorskip("torch")
    for ours, theirs in [(ng.float32, torch.float32), (ng.float64, torch.float64)]:
        for field in ("eps", "tiny", "max", "min", "resolution", "bits"):
            assert getattr(ng.finfo(ours), field) == getattr(torch.finfo(theirs), field), field
    assert ng.finfo().eps == torch.finfo().eps
    for ours, theirs in [(ng.int64, torch.int64), (np.dtype(np.uint8), torch.uint8)]:
        assert (ng.iinfo(ours).min, ng.iinfo(ours).max) == (torch.iinfo(theirs).min, torch.iinfo(theirs).max)


def test_inference_mode_records_nothing_and_false_leaves_the_mode_as_it_is():
    x = ng.ones(2, requires_grad=True)
    with ng.inference_mode():
        assert not (x * 2).requires_grad
    with ng.inference_mode(False):
        assert (x * 2).requires_grad
    with ng.no_grad(), ng.inference_mode(False):
        assert not (x * 2).requires_grad

    @ng.inference_mode
    def bare():
        return (x * 2).requires_grad

    @ng.inference_mode()
    def called():
        return (x * 2).requires_grad

    assert not bare() and not called() and ng.is_grad_enabled()


def test_strides_contiguity_and_sizes_are_torchs_in_elements():
    torch = pytest.importorskip("torch")
    x = np.arange(24.0, dtype=np.float32).reshape(2, 3, 4)
    layouts = [lambda t: t, lambda t: t.transpose(0, 2), lambda t: t[:, 1:, ::2], lambda t: t.permute(2, 0, 1),
               lambda t: t[:, :1].expand(2, 5, 4), lambda t: t[1]]
    for layout in layouts:
        ours, theirs = layout(ng.tensor(x)), layout(torch.tensor(x))
        assert ours.stride() == theirs.stride() and ours.stride(-1) == theirs.stride(-1)
        assert ours.is_contiguous() == theirs.is_contiguous()
        assert (ours.element_size(), ours.nelement()) == (theirs.element_size(), theirs.nelement())
    empty = ng.tensor(x, dtype=ng.float64).new_empty(2, 5)
    assert empty.shape == (2, 5) and empty.dtype == ng.float64


def test_softmax_and_log_softmax_methods_equal_torchs():
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((3, 4))
    for dim in (0, 1, -1):
        compare_with_torch(lambda t: t.softmax(dim), lambda t: t.softmax(dim), [x])
        compare_with_torch(lambda t: t.log_softmax(dim, dtype=ng.float32),
                           lambda t: t.log_softmax(dim, dtype=torch.float32), [x], rtol=1e-5)


def _frequencies(draws, categories):
    return np.bincount(np.asarray(draws).ravel(), minlength=categories) / np.asarray(draws).size


def test_bernoulli_draws_ones_at_the_given_probability():
    ng.manual_seed(3)
    p = ng.tensor([0.0, 0.25, 1.0]).expand(20000, 3)
    draws = ng.bernoulli(p).numpy()
    assert draws.dtype == np.float32 and set(np.unique(draws)) <= {0.0, 1.0}
    assert draws[:, 0].sum() == 0 and draws[:, 2].sum() == 20000
    assert abs(draws[:, 1].mean() - 0.25) < 5 * math.sqrt(0.25 * 0.75 / 20000)  # five standard errors
    assert abs(ng.bernoulli(ng.zeros(20000, dtype=ng.float64), 0.75).numpy().mean() - 0.75) < 0.016
    ints = ng.zeros(20000, dtype=ng.int64).bernoulli_(0.5)
    assert ints.dtype == ng.int64 and abs(ints.numpy().mean() - 0.5) < 0.018
    np.testing.assert_array_equal(ng.zeros(2, 3).bernoulli_(ng.tensor([1.0, 0.0, 1.0])).numpy(), [[1, 0, 1]] * 2)
    ng.manual_seed(4)
    again = ng.bernoulli(p).numpy()
    ng.manual_seed(4)
    np.testing.assert_array_equal(ng.bernoulli(p).numpy(), again)
    with pytest.raises(ValueError, match=r"bernoulli: probabilities must be in \[0, 1\].*shape \(2,\)"):
        ng.bernoulli(ng.tensor([0.5, 1.5]))
    with pytest.raises(ValueError, match="bernoulli: p must be a probability"):
        ng.bernoulli(ng.zeros(2), 1.5)
    with pytest.raises(TypeError, match="bernoulli: expected floating-point probabilities, got int64"):
        ng.bernoulli(ng.tensor([0, 1]))


def test_multinomial_draws_in_proportion_to_the_weights():
    ng.manual_seed(5)
    weights = ng.tensor([1.0, 2.0, 7.0])
    with_replacement = ng.multinomial(weights, 20000, replacement=True)
    assert with_replacement.dtype == ng.int64 and with_replacement.shape == (20000,)
    np.testing.assert_allclose(_frequencies(with_replacement.numpy(), 3), [0.1, 0.2, 0.7], atol=0.015)
    pairs = np.stack([weights.multinomial(2).numpy() for _ in range(4000)])
    assert (pairs[:, 0] != pairs[:, 1]).all()
    np.testing.assert_allclose(_frequencies(pairs[:, 0], 3), [0.1, 0.2, 0.7], atol=0.035)
    # the second of two drawn one by one: P(0) = 0.2·1/8 + 0.7·1/3, P(1) = 0.1·2/9 + 0.7·2/3, P(2) = 0.1·7/9 + 0.2·7/8
    np.testing.assert_allclose(_frequencies(pairs[:, 1], 3), [0.2583, 0.4889, 0.2528], atol=0.035)
    rows = ng.multinomial(ng.tensor([[0.0, 1.0, 0.0, 3.0], [0.0, 0.0, 5.0, 0.0]]), 4)
    assert rows.shape == (2, 4)
    assert set(rows.numpy()[0, :2]) == {1, 3} and rows.numpy()[1, 0] == 2  # weight 0 only once the others are used
    assert (np.sort(rows.numpy(), 1) == np.arange(4)).all()


@pytest.mark.parametrize("weights, num_samples, replacement, message", [
    ([[[1.0]]], 1, False, r"multinomial: expected 1-d or 2-d floating-point weights, got float32 of shape \(1, 1, 1\)"),
    ([1, 2], 1, False, "multinomial: expected 1-d or 2-d floating-point weights, got int64"),
    ([1.0, -1.0], 1, True, r"weights must be finite and >= 0 with a positive sum in every row.*shape \(2,\)"),
    ([[1.0, 1.0], [0.0, 0.0]], 1, True, "a positive sum in every row"),
    ([1.0, float("nan")], 1, True, "must be finite"),
    ([1.0, 1.0], 3, False, r"cannot draw 3 samples without replacement from 2 categories"),
    ([1.0, 1.0], 0, True, "num_samples must be"),
])
def test_multinomial_refuses_what_torch_refuses(weights, num_samples, replacement, message):
    with pytest.raises((ValueError, TypeError), match=message):
        ng.multinomial(ng.tensor(weights), num_samples, replacement)


def test_random_exponential_and_randint_like_fill_in_their_ranges():
    ng.manual_seed(6)
    assert set(np.unique(ng.zeros(1000, dtype=ng.int64).random_(3).numpy())) == {0, 1, 2}
    assert set(np.unique(ng.zeros(1000).random_(-2, 1).numpy())) == {-2.0, -1.0, 0.0}
    bytes_ = ng.zeros(5000, dtype=np.dtype(np.uint8)).random_().numpy()
    assert bytes_.dtype == np.uint8 and bytes_.max() > 250
    floats = ng.zeros(5000).random_().numpy()
    assert floats.max() <= 2 ** 24 and floats.max() > 2 ** 23 and (floats == np.round(floats)).all()
    assert set(np.unique(ng.zeros(100, dtype=ng.bool_).random_().numpy())) == {False, True}
    draws = ng.zeros(40000, dtype=ng.float64).exponential_(2.0).numpy()
    assert draws.min() >= 0 and abs(draws.mean() - 0.5) < 5 * 0.5 / math.sqrt(40000)
    like = ng.randint_like(ng.zeros(2, 500, dtype=np.dtype(np.int32)), 1, 4)
    assert like.dtype == np.int32 and like.shape == (2, 500) and set(np.unique(like.numpy())) == {1, 2, 3}
    with pytest.raises(ValueError, match="random_: expected ints low < high, got low=3, high=3"):
        ng.zeros(2).random_(3, 3)
    with pytest.raises(ValueError, match="exponential_: lambd must be a number > 0"):
        ng.zeros(2).exponential_(-1)
    with pytest.raises(TypeError, match="exponential_: expected a floating-point tensor, got int64"):
        ng.zeros(2, dtype=ng.int64).exponential_()


@pytest.mark.parametrize("dtype, bounds", [("bool", (5,)), ("bool", (-1, 1)), ("int64", (-2 ** 63 - 1, 0))])
def test_random_refuses_a_range_its_integer_dtype_cannot_hold_as_torch(dtype, bounds):
    """random_(5) of a bool tensor drew 0..4 and stored every nonzero draw as True (4 in 5), where PyTorch refuses."""
    refused_as_by_torch(lambda lib: lib.zeros(3, dtype=getattr(lib, dtype)).random_(*bounds), ValueError,
                        rf"random_: \[low, high\) = .* must lie in {dtype}'s range")
