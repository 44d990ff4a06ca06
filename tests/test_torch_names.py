"""What ported PyTorch GAN code calls by torch's names, beyond the layers: functions of tensors (ng.mean), dtype and
device names, ng.cuda, creation functions, random fills in place, formatting. Checked against torch or worked
numbers."""
import math

import numpy as np
import pytest

import nanogan as ng
from harness import compare_with_torch
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


def test_dtype_names_and_where_of_two_numbers():
    assert (ng.float, ng.double, ng.long, ng.bool) == (np.float32, np.float64, np.int64, np.bool_)
    label = ng.full((4,), 1.0, dtype=ng.float)  # the DCGAN tutorial's labels
    assert label.dtype == np.float32
    mask = ng.tensor([True, False, True])
    chosen = ng.where(mask, 1.0, 0.0)  # torch: float32, the default dtype of a number
    assert chosen.dtype == np.float32 and chosen.tolist() == [1.0, 0.0, 1.0]
    assert ng.where(mask, 2, 0).dtype == np.int64


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
