"""argsort, sort, topk (ops/sort.py), cumsum (ops/scan.py) and randperm: against PyTorch, finite differences and
worked numbers."""
import itertools

import numpy as np
import pytest

import nanogan as ng
from harness import check_op, compare_with_torch, refused_as_by_torch

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


def test_unique_bincount_searchsorted_bucketize_count_nonzero_equal_any_all_as_in_torch():
    torch = pytest.importorskip("torch")
    ints = np.array([[3, 1, 1], [2, 3, 0]])
    calls = [
        lambda lib, t: lib.unique(t), lambda lib, t: t.unique(return_inverse=True, return_counts=True),
        lambda lib, t: lib.unique(t, return_counts=True), lambda lib, t: lib.unique(t[[0, 0, 1]], dim=0,
                                                                                      return_inverse=True),
        lambda lib, t: lib.bincount(t.flatten()), lambda lib, t: t[0].bincount(minlength=6),
        lambda lib, t: lib.bincount(t[1], weights=lib.tensor([0.5, 1.0, 2.0])),
        lambda lib, t: lib.bincount(t[1], weights=lib.tensor([0.5, 1.0, 2.0], dtype=lib.float64)),
        lambda lib, t: lib.bincount(t[1], weights=t[0]),
        lambda lib, t: lib.searchsorted(lib.tensor([0, 1, 3, 3, 5]), t),
        lambda lib, t: lib.searchsorted(lib.tensor([0, 1, 3, 3, 5]), t, right=True),
        lambda lib, t: lib.searchsorted(lib.tensor([0, 1, 3, 3, 5]), t, side="right", out_int32=True),
        lambda lib, t: lib.searchsorted(lib.tensor([[0, 1, 3], [2, 2, 4]]), t),
        lambda lib, t: lib.searchsorted(lib.tensor([0.5, 1.0, 3.0]), lib.tensor([float("nan"), 1.0, 4.0])),
        lambda lib, t: lib.searchsorted(lib.tensor([0, 1, 3, 3, 5]), 3),
        lambda lib, t: lib.searchsorted(lib.tensor([5, 0, 3]), t, sorter=lib.tensor([1, 2, 0])),
        lambda lib, t: lib.bucketize(t, lib.tensor([1, 3])), lambda lib, t: lib.bucketize(t, lib.tensor([1, 3]),
                                                                                           right=True),
        lambda lib, t: lib.count_nonzero(t), lambda lib, t: t.count_nonzero(1), lambda lib, t: lib.count_nonzero(
            t, (0, 1)),
        lambda lib, t: lib.any(t > 2), lambda lib, t: lib.all(t, 1), lambda lib, t: lib.any(t, 0, keepdim=True)]
    for call in calls:
        ours, theirs = call(ng, ng.tensor(ints)), call(torch, torch.tensor(ints))
        for a, b in zip(ours if isinstance(ours, tuple) else (ours,), theirs if isinstance(theirs, tuple) else
                        (theirs,)):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
            assert str(a.dtype) == str(b.dtype).removeprefix("torch.")
    for a, b in [(ng.ones(2), ng.ones(2, dtype=ng.int64)), (ng.ones(2), ng.ones(3)), (ng.ones(2), ng.zeros(2)),
                 (ng.tensor([float("nan")]), ng.tensor([float("nan")]))]:
        assert ng.equal(a, b) is a.equal(b) is torch.equal(torch.tensor(a.numpy()), torch.tensor(b.numpy()))


# the last row all NaN: nanmedian's value is NaN; its index is unspecified (torch's varies with the length), as is
# kthvalue's among ties (torch's quickselect picks any)
MEDIANS = np.array([[1.0, 2.0, 2.0, 1.0, 3.0], [5.0, 5.0, 4.0, 4.0, 5.0], [1.0, np.nan, 2.0, np.nan, 0.5],
                    [np.nan] * 5])


def test_median_nanmedian_kthvalue_and_mode_pick_torchs_values_and_indices():
    torch = pytest.importorskip("torch")
    calls = [lambda t: t.median(1), lambda t: t[:3].nanmedian(1, keepdim=True), lambda t: t[3:].nanmedian(1).values, lambda t: t.kthvalue(2, 1).values,
             lambda t: t.kthvalue(4, 1, True).values, lambda t: t[2:3].kthvalue(3, 1), lambda t: t[:2].mode(1), lambda t: t[:2].mode(0, keepdim=True),
             lambda t: t[:2].t().median(0), lambda t: t[:2].median(), lambda t: t.median(),
             lambda t: t.nanmedian(), lambda t: t[2].nanmedian(), lambda t: t[:2].int().median(1)]
    for call in calls:
        ours, theirs = call(ng.tensor(MEDIANS)), call(torch.tensor(MEDIANS))
        for a, b in zip(ours if isinstance(ours, tuple) else (ours,), theirs if isinstance(theirs, tuple) else
                        (theirs,)):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
            assert str(a.dtype) == str(b.dtype).removeprefix("torch.")
    x = rng.permutation(20).reshape(4, 5) / 7.0  # distinct: each gradient goes to the one element picked
    for fn in (lambda lib, t: t.median(1)[0] * t[:, 0], lambda lib, t: lib.median(t) * t,
               lambda lib, t: t.kthvalue(3, 0, True)[0] ** 2 * t, lambda lib, t: t.nanmedian(0)[0].exp(),
               lambda lib, t: lib.mode(t.round(), 1)[0] * t[:, 1]):
        compare_with_torch(lambda t: fn(ng, t), lambda t: fn(torch, t), [x])


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile_and_nanquantile_match_torch_to_the_second_order(interpolation):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((4, 5))
    for fn in (lambda lib, t: t.quantile(0.3, 1, interpolation=interpolation) * t[:, 0],
               lambda lib, t: lib.quantile(t, lib.tensor([0.0, 0.25, 0.9, 1.0], dtype=t.dtype), 0, True,
                                           interpolation=interpolation) ** 2,
               lambda lib, t: lib.quantile(t, 0.625, interpolation=interpolation) * t,
               lambda lib, t: t.nanquantile(0.4, 1, True, interpolation=interpolation).exp()):
        compare_with_torch(lambda t: fn(ng, t), lambda t: fn(torch, t), [x])
    for fn in (lambda lib, t: t.quantile(0.4, 1, interpolation=interpolation),
               lambda lib, t: t.nanquantile(lib.tensor([0.1, 0.5, 1.0], dtype=t.dtype), 1,
                                            interpolation=interpolation),
               lambda lib, t: t.nanquantile(0.7, interpolation=interpolation)):
        np.testing.assert_allclose(fn(ng, ng.tensor(MEDIANS)).numpy(), fn(torch, torch.tensor(MEDIANS)).numpy(),
                                   rtol=1e-12)


def test_var_mean_and_std_mean_match_torch():
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((3, 4))
    for name in ("var_mean", "std_mean"):
        for args, kwargs in [((), {}), ((1,), {}), ((0, False, True), {}), ((1,), {"correction": 0})]:
            def ours(t):
                return ng.stack(getattr(ng, name)(t, *args, **kwargs))

            def theirs(t):
                return torch.stack(getattr(torch, name)(t, *args, **kwargs))
            compare_with_torch(ours, theirs, [x])


ORDER_ERRORS = {
    "kthvalue of k too large": (lambda lib: lib.kthvalue(lib.ones(3), 4), ValueError,
                                r"kthvalue: k must be an int in 1..3, the size of dimension -1 of the tensor of shape "
                                r"\(3,\), got 4"),
    "quantile of q above 1": (lambda lib: lib.quantile(lib.ones(3), 1.5), ValueError,
                              r"quantile: q must be a number in \[0, 1\] or a 1-D tensor of them, got 1.5"),
    "quantile of integers": (lambda lib: lib.quantile(lib.tensor([1, 2]), 0.5), TypeError,
                             r"quantile: expected a floating-point tensor, got int64 of shape \(2,\)"),
    "quantile of an unknown interpolation": (lambda lib: lib.quantile(lib.ones(3), 0.5, interpolation="cubic"),
                                             ValueError, r"quantile: interpolation must be one of 'linear'"),
    "median over no values": (lambda lib: lib.median(lib.ones(2, 0), 1), ValueError,
                              r"median: expected values to reduce, but dimension 1 of the tensor of shape \(2, 0\) "
                              r"holds none"),
    "searchsorted of other leading dims": (lambda lib: lib.searchsorted(lib.ones(2, 3), lib.ones(3, 3)), ValueError,
                                           r"searchsorted: the sorted sequence of shape \(2, 3\) must be 1-D, or have "
                                           r"the leading dims of the values of shape \(3, 3\)"),
    "bincount of negative numbers": (lambda lib: lib.bincount(lib.tensor([-1, 2])), ValueError,
                                     r"bincount: expected non-negative integers"),
    "bincount of floats": (lambda lib: lib.bincount(lib.tensor([1.0, 2.0])), ValueError,
                           r"bincount: expected a 1-D tensor of non-negative integers, got float32 of shape \(2,\)"),
    "bucketize by a matrix": (lambda lib: lib.bucketize(lib.ones(3), lib.ones(2, 2)), ValueError,
                              r"bucketize: boundaries must be a 1-D tensor, got shape \(2, 2\)"),
}


@pytest.mark.parametrize("name", ORDER_ERRORS)
def test_bad_arguments_of_the_order_statistics_are_refused_naming_the_op(name):
    refused_as_by_torch(*ORDER_ERRORS[name])


def test_median_of_all_elements_shares_its_gradient_among_the_equal_ones_as_torch():
    """PyTorch's median() and nanmedian() of a whole tensor give g to every element equal to the median (every NaN
    where it is NaN) in equal shares, where the gradient went to one of them."""
    for array, name in ((np.array([[1.0, 2.0, 2.0], [3.0, 2.0, 0.0]]), "median"),
                        (np.array([[1.0, np.nan, 3.0], [np.nan, 0.0, 5.0]]), "median"),
                        (np.array([[1.0, np.nan, 2.0], [2.0, 0.0, 5.0]]), "nanmedian"),
                        (np.array([np.nan, np.nan]), "nanmedian")):
        compare_with_torch(lambda x: getattr(x, name)(), lambda x: getattr(x, name)(), [array])


def test_mode_with_nan_counts_each_nan_once_and_gives_a_real_index():
    """mode compared values by ==, so that a NaN counted nothing: the rows [1, nan, 3, 2] gave 2 and index -1 (then
    the last element, 2, through gather) where PyTorch gives 1 at 0; each NaN counts once, itself, as in PyTorch."""
    torch = pytest.importorskip("torch")
    rows = np.array([[1.0, np.nan, 3.0, 2.0], [np.nan, 1.0, 1.0, np.nan], [4.0, 3.0, np.nan, np.nan]])
    values, indices = ng.mode(ng.tensor(rows), 1)
    expected = torch.mode(torch.tensor(rows), 1)
    np.testing.assert_array_equal(values.numpy(), expected.values.numpy())
    np.testing.assert_array_equal(indices.numpy(), expected.indices.numpy())
    values, indices = ng.mode(ng.tensor([np.nan, np.nan]))
    assert np.isnan(values.item()) and indices.item() in (0, 1)


def test_unique_keeps_each_nan_apart_as_torch():
    torch = pytest.importorskip("torch")
    array = np.array([2.0, np.nan, 1.0, np.nan, 2.0, -0.0, 0.0])
    for ours, theirs in zip(ng.unique(ng.tensor(array), return_inverse=True, return_counts=True),
                            torch.unique(torch.tensor(array), return_inverse=True, return_counts=True)):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


# runs of equal values and of equal slices, NaNs (each a run of its own), bools, a 0-d and an empty tensor
CONSECUTIVE = {
    "floats with NaNs": (np.array([1.0, 1.0, np.nan, np.nan, 2.0, 2.0, 1.0, -0.0, 0.0]), [None, 0, -1]),
    "int rows": (np.array([[1, 2], [1, 2], [3, 4], [1, 2], [1, 2]]), [None, 0, 1, -1]),
    "int volume": (np.array([[[1, 1, 2], [1, 1, 2]], [[1, 1, 2], [0, 0, 2]]]), [None, 0, 1, 2]),
    "bools": (np.array([True, True, False, True]), [None, 0]),
    "0-d": (np.array(3.0), [None]),
    "empty": (np.zeros(0), [None, 0]),
    "empty rows": (np.zeros((0, 2)), [0]),
}


@pytest.mark.parametrize("case", sorted(CONSECUTIVE))
def test_unique_consecutive_gives_torchs_values_inverse_and_counts(case):
    torch = pytest.importorskip("torch")
    array, dims = CONSECUTIVE[case]
    for dim, inverse, counts in itertools.product(dims, (False, True), (False, True)):
        ours = ng.unique_consecutive(ng.tensor(array), return_inverse=inverse, return_counts=counts, dim=dim)
        theirs = torch.unique_consecutive(torch.tensor(array), return_inverse=inverse, return_counts=counts, dim=dim)
        ours, theirs = (ours, theirs) if isinstance(ours, tuple) else ((ours,), (theirs,))
        assert len(ours) == len(theirs) == 1 + inverse + counts
        for a, b in zip(ours, theirs):
            np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=f"dim={dim}")
            assert a.shape == tuple(b.shape) and str(a.dtype) == str(b.dtype).removeprefix("torch.")
    assert ng.tensor(array).unique_consecutive(dim=dims[-1]).shape == \
        tuple(torch.tensor(array).unique_consecutive(dim=dims[-1]).shape)


def test_unique_consecutive_is_outside_the_graph_where_torch_has_no_gradient():
    torch = pytest.importorskip("torch")
    x = ng.tensor([1.0, 1.0, 2.0], requires_grad=True)
    assert not ng.unique_consecutive(x).requires_grad
    with pytest.raises(NotImplementedError):
        torch.unique_consecutive(torch.tensor([1.0, 1.0, 2.0], requires_grad=True)).sum().backward()


@pytest.mark.parametrize("call, error, message", [
    (lambda lib: lib.unique_consecutive(lib.zeros(3, 0), dim=0), ValueError,
     r"unique_consecutive: the tensor of shape \(3, 0\) has a dimension of size 0 other than dim 0"),
    (lambda lib: lib.unique_consecutive(lib.tensor(3.0), dim=0), IndexError,
     "unique_consecutive: dimension 0 out of range for a 0-d tensor"),
    (lambda lib: lib.unique_consecutive(lib.zeros(2, 3), dim=2), IndexError,
     r"unique_consecutive: dimension 2 out of range for a tensor with 2 dimensions"),
])
def test_unique_consecutive_refuses_what_torch_refuses(call, error, message):
    refused_as_by_torch(call, error, message)


def test_quantile_of_a_0d_tensor_keeps_its_0_dims_as_torch():
    torch = pytest.importorskip("torch")
    for q in (0.3, np.array([0.1, 0.9])):
        for dim in (None, 0):
            ours = ng.quantile(ng.tensor(2.0), ng.tensor(q) if isinstance(q, np.ndarray) else q, dim, keepdim=True)
            theirs = torch.quantile(torch.tensor(2.0, dtype=torch.float64),
                                    torch.tensor(q) if isinstance(q, np.ndarray) else q, dim, keepdim=True)
            assert ours.shape == tuple(theirs.shape)


def test_searchsorted_refuses_a_sorter_of_another_shape():
    """A shorter sorter was taken, through gather, as an order of the sequence's first entries: a silent answer."""
    refused_as_by_torch(lambda lib: lib.searchsorted(lib.tensor([3.0, 1.0, 2.0]), lib.tensor([2.5]),
                                                     sorter=lib.tensor([1, 2])),
                        ValueError, r"searchsorted: sorter must be a tensor of the sorted sequence's shape \(3,\), "
                                    r"got shape \(2,\)")


@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_cummax_and_cummin_of_an_empty_tensor_are_empty_as_in_torch(name):
    """numpy's maximum of no values raised its own error, naming neither the op nor the shape."""
    torch = pytest.importorskip("torch")
    for dim in (0, 1):
        ours, theirs = getattr(ng, name)(ng.zeros(0, 3), dim), getattr(torch, name)(torch.zeros(0, 3), dim)
        assert ours.values.shape == tuple(theirs.values.shape) and ours.indices.shape == tuple(theirs.indices.shape)
        assert ours.indices.dtype == ng.int64


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_logcumsumexp_matches_torch_to_the_second_order(dim):
    compare_with_torch(lambda t: t.logcumsumexp(dim), lambda t: t.logcumsumexp(dim), [rng.standard_normal((3, 4))])


def test_logcumsumexp_keeps_small_terms_beside_large_ones_and_refuses_integers_as_torch():
    """Each prefix is shifted by its own maximum: one shift for the whole row would lose -1000 beside 1000."""
    torch = pytest.importorskip("torch")
    for row in ([-1000.0, 1000.0, -1000.0], [-np.inf, -np.inf, 1.0], [1.0, np.nan, 2.0], [2.0]):
        row = np.array(row)  # float64
        x, tx = ng.tensor(row, requires_grad=True), torch.tensor(row, requires_grad=True)
        y, ty = ng.logcumsumexp(x, 0), torch.logcumsumexp(tx, 0)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
        (g,), (tg,) = ng.grad(y.sum(), x), torch.autograd.grad(ty.sum(), tx)
        np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-12)
    assert ng.logcumsumexp(ng.tensor(2.0), 0).shape == ()
    refused_as_by_torch(lambda lib: lib.logcumsumexp(lib.tensor([1, 2]), 0), TypeError,
                        r"logcumsumexp: expected floating-point tensors, got int64")
