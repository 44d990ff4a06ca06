"""argsort, sort, topk (ops/sort.py), cumsum (ops/scan.py) and randperm: against PyTorch, finite differences and
worked numbers."""
import numpy as np
import pytest

import nanogan as ng
from harness import check_op, compare_with_torch

rng = np.random.default_rng(0)

# ties (the 1s and 5s) and a NaN: a stable sort's order is fixed, and NaN is the largest, as in PyTorch
WITH_TIES = np.array([[3.0, 1.0, np.nan, 1.0, 2.0, 1.0], [0.0, 5.0, 5.0, -1.0, 2.0, 5.0]])


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_sort_and_argsort_give_torchs_stable_order_with_ties_and_nan(dim, descending):
    torch = pytest.importorskip("torch")
    for array in (WITH_TIES, np.nan_to_num(WITH_TIES, nan=4.0).astype(np.int64), WITH_TIES > 1.5):
        values, indices = ng.sort(ng.tensor(array), dim, descending)
        expected = torch.sort(torch.tensor(array), stable=True, dim=dim, descending=descending)
        np.testing.assert_array_equal(values.numpy(), expected.values.numpy())
        np.testing.assert_array_equal(indices.numpy(), expected.indices.numpy())
        assert indices.dtype == ng.int64 and values.dtype == array.dtype
        np.testing.assert_array_equal(ng.tensor(array).argsort(dim, descending).numpy(), expected.indices.numpy())


@pytest.mark.parametrize("largest", [True, False])
def test_topk_matches_torch_and_its_values_differentiate_to_the_second_order(largest):
    x = rng.permutation(24).reshape(2, 3, 4) / 7.0  # distinct values: torch's order of ties is unspecified
    for dim in (0, 1, -1):
        compare_with_torch(lambda t: (t.topk(2, dim, largest)[0] ** 2).exp(),
                           lambda t: (t.topk(2, dim, largest)[0] ** 2).exp(), [x])
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(ng.tensor(x).topk(3, 1, largest).indices.numpy(),
                                  torch.tensor(x).topk(3, 1, largest).indices.numpy())


def test_sorted_values_pass_gradchecks_on_every_layout():
    x = rng.permutation(12).reshape(3, 4) / 5.0 - 1.0
    check_op(lambda t: t.sort(1, descending=True)[0] ** 3 * t.sort(0)[0], [x])


def test_a_0d_tensor_sorts_to_itself_and_topk_checks_k():
    torch = pytest.importorskip("torch")
    values, indices = ng.tensor(2.5).sort()
    assert values.item() == 2.5 and values.shape == () and indices.item() == 0
    for k in (0, 1):  # PyTorch's 0-d topk gives the element for k = 0 too
        np.testing.assert_array_equal(ng.tensor(2.5).topk(k).values.numpy(), torch.tensor(2.5).topk(k).values.numpy())
    assert ng.zeros(2, 3).topk(0, 1).values.shape == (2, 0)
    with pytest.raises(ValueError, match=r"topk: k must be an int in 0\.\.3, the size of dimension 1 of the tensor "
                                         r"of shape \(2, 3\), got 4"):
        ng.zeros(2, 3).topk(4)
    with pytest.raises(IndexError, match="sort: dimension 2 out of range for a tensor with 2 dimensions"):
        ng.zeros(2, 3).sort(2)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum_matches_torch_to_the_second_order(dim):
    x = rng.standard_normal((3, 4))
    compare_with_torch(lambda t: t.cumsum(dim) ** 2, lambda t: t.cumsum(dim) ** 2, [x])
    check_op(lambda t: t.cumsum(dim) ** 2, [x])


def test_cumsum_of_integers_bools_and_a_0d_tensor_as_in_torch():
    torch = pytest.importorskip("torch")
    for array in (np.array([[1, -2, 3], [4, 5, 6]], dtype=np.int32), np.array([True, False, True]),
                  np.array(2.5)):
        ours, theirs = ng.tensor(array).cumsum(0), torch.tensor(array).cumsum(0)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(ng.tensor([1, 2, 3]).cumsum(0, dtype=ng.float64).numpy(), [1.0, 3.0, 6.0])
    assert ng.cumsum(ng.tensor([1, 2]), 0, dtype=ng.float32).dtype == ng.float32


def test_randperm_is_a_seeded_permutation():
    ng.manual_seed(3)
    first = ng.randperm(10)
    ng.manual_seed(3)
    np.testing.assert_array_equal(ng.randperm(10).numpy(), first.numpy())
    np.testing.assert_array_equal(np.sort(first.numpy()), np.arange(10))
    assert first.dtype == ng.int64 and ng.randperm(0).shape == (0,)
    assert ng.randperm(4, dtype=ng.float32).dtype == ng.float32
    with pytest.raises(ValueError, match=r"randperm: n must be an int >= 0, got -1"):
        ng.randperm(-1)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumprod_matches_torch_to_the_second_order_with_and_without_zeros(dim):
    """torch's gradient is exact where x has zeros (one zero in a row, and two), and so is its second derivative."""
    x = rng.standard_normal((3, 4))
    with_zeros = x.copy()
    with_zeros[0, 1] = with_zeros[2, 0] = with_zeros[2, 2] = with_zeros[1, 3] = 0.0
    for array in (x, with_zeros):
        compare_with_torch(lambda t: t.cumprod(dim) * t, lambda t: t.cumprod(dim) * t, [array])
        compare_with_torch(lambda t: ng.cumprod(t, dim, dtype=ng.float64) ** 2,
                           lambda t: t.cumprod(dim, dtype=t.dtype) ** 2, [array])
    check_op(lambda t: t.cumprod(dim), [with_zeros])


def test_cumprod_of_integers_bools_and_a_0d_tensor_and_in_place_as_in_torch():
    torch = pytest.importorskip("torch")
    for array in (np.array([[1, -2, 3], [4, 0, 6]], dtype=np.int32), np.array([True, False, True]), np.array(2.5)):
        ours, theirs = ng.tensor(array).cumprod(0), torch.tensor(array).cumprod(0)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    ours, theirs = ng.tensor([[1.0, 2.0, 3.0]]), torch.tensor([[1.0, 2.0, 3.0]])
    assert ours.cumprod_(1) is ours and ours.tolist() == theirs.cumprod_(1).tolist()
    with pytest.raises(IndexError, match="cumprod: dimension 2 out of range"):
        ng.ones(2, 3).cumprod(2)


@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_cummax_and_cummin_match_torch_with_ties_and_nan(name):
    torch = pytest.importorskip("torch")
    for array in (WITH_TIES, np.nan_to_num(WITH_TIES, nan=4.0).astype(np.int64), WITH_TIES > 1.5, np.array(3.0)):
        for dim in ((0, 1, -1) if array.ndim else (0,)):
            ours, theirs = getattr(ng, name)(ng.tensor(array), dim), getattr(torch.tensor(array), name)(dim)
            np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
            np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
            assert ours.indices.dtype == ng.int64 and ours.values.dtype == array.dtype
    x = rng.permutation(12).reshape(3, 4) / 5.0  # distinct: each value's gradient goes to the element it is
    for dim in (0, 1):
        compare_with_torch(lambda t: getattr(t, name)(dim)[0] ** 2 * t, lambda t: getattr(t, name)(dim)[0] ** 2 * t,
                           [x])
