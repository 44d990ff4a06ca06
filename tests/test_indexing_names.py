"""Masks, indices along a dim, repeat_interleave, triangles, diagonals, turns, windows and the in-place shape changes
(ops/indexing.py, Tensor's squeeze_ and the like): against PyTorch, to the second derivative where differentiable."""
import numpy as np
import pytest

import nanogan as ng
from harness import check_op, compare_with_torch, refused_as_by_torch

rng = np.random.default_rng(5)


def both(fn):
    """fn(lib, *tensors) as the pair of functions compare_with_torch takes: one of nanogan, one of torch."""
    torch = pytest.importorskip("torch")
    return (lambda *ts: fn(ng, *ts)), (lambda *ts: fn(torch, *ts))


MASK = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, False]])

# each: fn(lib, x, y) of x (3, 4) and y (3, 4), differentiable in both
DIFFERENTIABLE = {
    "masked_fill_ of a copy": lambda lib, x, y: (x * 1).masked_fill_(lib.tensor(MASK), 2.5) * y,
    "masked_fill_ by a 0-d tensor": lambda lib, x, y: (x * 1).masked_fill_(lib.tensor(MASK), y[0, 0]) ** 2,
    "masked_select": lambda lib, x, y: x.masked_select(lib.tensor(MASK)) * lib.masked_select(y, lib.tensor(MASK[0]))[:2].sum(),
    "masked_scatter": lambda lib, x, y: x.masked_scatter(lib.tensor(MASK), y * y) * x,
    "masked_scatter of a broadcast mask": lambda lib, x, y: lib.masked_scatter(x, lib.tensor(MASK[1]), y ** 3),
    "masked_scatter_": lambda lib, x, y: (x * 1).masked_scatter_(lib.tensor(MASK), y.exp()) * y,
    "where as a method": lambda lib, x, y: x.where(lib.tensor(MASK), y) * x,
    "index_add": lambda lib, x, y: x.index_add(1, lib.tensor([0, 2, 0]), y[:, :3] ** 2, alpha=1.5) * x,
    "index_add_ along dim 0": lambda lib, x, y: (x * 1).index_add_(0, lib.tensor([2, 2]), y[:2] * y[1:]) ** 2,
    "index_copy": lambda lib, x, y: lib.index_copy(x, 1, lib.tensor([3, 1]), y[:, :2] ** 2) * x,
    "index_copy_": lambda lib, x, y: (x * 1).index_copy_(0, lib.tensor([1]), y[:1] * 2) * y,
    "index_fill": lambda lib, x, y: x.index_fill(1, lib.tensor([0, 3]), -1.5) * y,
    "index_fill by a 0-d tensor": lambda lib, x, y: (x * 1).index_fill_(0, lib.tensor([1]), y[2, 2]) * x,
    "repeat_interleave by an int, flat": lambda lib, x, y: x.repeat_interleave(2) * lib.repeat_interleave(y, 2),
    "repeat_interleave by counts": lambda lib, x, y: lib.repeat_interleave(x, lib.tensor([2, 0, 1, 3]), dim=1) ** 2 + y.sum(),
    "repeat_interleave by one count": lambda lib, x, y: x.repeat_interleave(lib.tensor([2]), dim=0) * y[0],
    "tril and triu": lambda lib, x, y: x.tril() * y + lib.triu(x, 1) * x + x.tril(-1) * y.triu(-2),
    "tril_ and triu_": lambda lib, x, y: (x * 1).tril_(1) * (y * 1).triu_() + y,
    "diagonal": lambda lib, x, y: x.diagonal() * y.diagonal(1) + lib.diagonal(x, -1, 1, 0).sum(),
    "diagonal of a batch": lambda lib, x, y: lib.diagonal(x.reshape(2, 3, 2), 0, 2, 0) ** 2 * y[:, :2],
    "diag": lambda lib, x, y: lib.diag(x[0], 1) * lib.diag(y[:, 1]).sum() + x.diag(-1).sum(),
    "diag_embed": lambda lib, x, y: lib.diag_embed(x) * y.diag_embed(1, 0, 2)[:, :3].sum() + x.diag_embed(-1, 2, 0)[0].sum(),
    "fliplr, flipud, rot90": lambda lib, x, y: x.fliplr() * y.flipud() + lib.rot90(x, 2) * y
    + (lib.rot90(x) * y.rot90(-1, (1, 0))).sum() + x.rot90(3, (1, 0)).sum(),
    "unfold": lambda lib, x, y: x.unfold(1, 2, 1).sum(-1) [:, :3] * y[:, :3] + x.unfold(0, 2, 1)[:, :, 1].sum()
    + y.unfold(1, 3, 2).prod(),
    "in-place shape changes": lambda lib, x, y: (x * y).unsqueeze_(0).transpose_(1, 2).squeeze_(0).t_() * x,
}


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_matches_torch_to_the_second_derivative(name):
    ours, theirs = both(DIFFERENTIABLE[name])
    compare_with_torch(ours, theirs, [rng.standard_normal((3, 4)), rng.standard_normal((3, 4))])


def test_values_and_dtypes_of_integers_as_in_torch():
    torch = pytest.importorskip("torch")
    x = np.arange(12).reshape(3, 4)
    for fn in (lambda lib, t: t.masked_select(lib.tensor(MASK)), lambda lib, t: t.tril(1), lambda lib, t: t.diag(),
               lambda lib, t: t.index_add(0, lib.tensor([0, 0]), t[1:]),
               lambda lib, t: t.index_fill(1, lib.tensor([1]), 7), lambda lib, t: t.repeat_interleave(2, 0),
               lambda lib, t: t.unfold(1, 3, 1), lambda lib, t: t.rot90(), lambda lib, t: lib.diag_embed(t[0]),
               lambda lib, t: t.masked_scatter(lib.tensor(MASK), t * 10)):
        ours, theirs = fn(ng, ng.tensor(x)), fn(torch, torch.tensor(x))
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")


def test_positions_are_int64_outside_the_graph_as_in_torch():
    torch = pytest.importorskip("torch")
    for array in (np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]]), np.array([True, False, True]), np.array(3.0),
                  np.array(0), np.zeros((2, 0))):
        ours, theirs = ng.tensor(array), torch.tensor(array)
        for fn in (lambda t: t.nonzero(), lambda t: t.argwhere()):
            assert fn(ours).dtype == ng.int64 and fn(ours).shape == tuple(fn(theirs).shape)
            np.testing.assert_array_equal(fn(ours).numpy(), fn(theirs).numpy())
        for mine, their in ((ng.nonzero(ours, as_tuple=True), torch.nonzero(theirs, as_tuple=True)),
                            (ng.where(ours) if array.ndim else (), torch.where(theirs) if array.ndim else ())):
            assert len(mine) == len(their)
            for a, b in zip(mine, their):
                np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(ng.repeat_interleave(ng.tensor([2, 0, 1])).numpy(), [0, 0, 2])
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    assert not ng.nonzero(x).requires_grad


def test_the_windows_and_the_diagonal_are_views_as_in_torch():
    """A change through them changes the tensor, and is recorded on it: the gradient of the changed tensor is
    torch's."""
    ours, theirs = both(lambda lib, x: _changed_through_views(x))
    compare_with_torch(ours, theirs, [rng.standard_normal((4, 4))])


def _changed_through_views(x):
    y = x * 1
    y.diagonal().mul_(3)
    y.unfold(0, 2, 2)[1].add_(x[:2].t() ** 2)  # rows 2 and 3, as (4, 2) windows
    return y * x


def test_the_ops_pass_gradchecks_on_every_layout():
    x = rng.standard_normal((3, 4))
    check_op(lambda t: t.unfold(1, 2, 1) ** 2 * t.diagonal(1).reshape(3, 1, 1) + ng.diag_embed(t).sum(0)[:3, :1, None]
             + t.masked_scatter(ng.tensor(MASK), t * t).tril()[:, :3, None], [x])


def test_in_place_shape_changes_follow_torch_under_autograd():
    torch = pytest.importorskip("torch")
    for lib in (ng, torch):
        leaf = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf"):
            leaf.unsqueeze_(0)
        with lib.no_grad():
            assert leaf.unsqueeze_(0).shape == (1, 3)
        y = lib.ones(2, 3) * leaf
        view = y[1:]
        version = y._version
        assert view.squeeze_(0) is view and view.shape == (3,) and y.shape == (2, 3) and y._version == version + 1
        assert tuple(y.t_().shape) == (3, 2) and tuple(lib.ones(2).t_().shape) == (2,)
        with pytest.raises((RuntimeError, IndexError)):
            lib.ones(2, 3).transpose_(0, 2)
    y = ng.ones(2, 3) * ng.ones(3, requires_grad=True)
    y.unsqueeze_(0)
    assert y.grad_fn.__name__ == "Reshape"


# each: (a call of lib, the error nanogan raises, its message); torch raises too
ERRORS = {
    "masked_select by integers": (lambda lib: lib.ones(3).masked_select(lib.tensor([1, 0, 1])), TypeError,
                                  r"masked_select: expected a boolean mask Tensor for the tensor of shape \(3,\), got "
                                  r"int64 of shape \(3,\)"),
    "masked_select by a mask that does not broadcast": (
        lambda lib: lib.ones(3).masked_select(lib.tensor([True, False])), ValueError,
        r"masked_select: shapes \(3,\) and \(2,\) cannot be broadcast together"),
    "masked_scatter of too small a source": (
        lambda lib: lib.ones(3).masked_scatter(lib.tensor([True, True, True]), lib.ones(2)), ValueError,
        r"masked_scatter: the mask of shape \(3,\) sets 3 places, more than the 2 elements of the source of shape "
        r"\(2,\)"),
    "masked_scatter of another dtype": (
        lambda lib: lib.ones(3).masked_scatter(lib.tensor([True, False, True]), lib.ones(3, dtype=lib.int64)),
        TypeError, r"masked_scatter: source must be a Tensor of the dtype of the tensor \(float32, shape \(3,\)\), "
                   r"got int64 of shape \(3,\)"),
    "index_add of a source of another length": (
        lambda lib: lib.ones(3).index_add(0, lib.tensor([0, 1]), lib.ones(3)), ValueError,
        r"index_add: source must be a Tensor of the tensor's dtype \(float32\) and of shape \(2,\) \(the tensor's "
        r"shape \(3,\), with the index's length in dimension 0\), got float32 of shape \(3,\)"),
    "index_add by floats": (lambda lib: lib.ones(3).index_add(0, lib.tensor([0.0, 1.0]), lib.ones(2)), TypeError,
                            r"index_add: expected an integer index Tensor, got float32 of shape \(2,\)"),
    "index_add out of range": (lambda lib: lib.ones(3).index_add(0, lib.tensor([0, 3]), lib.ones(2)), IndexError,
                               r"index_add: indices \(shape \(2,\)\) into dimension 0 of size 3 must lie in -3..2"),
    "index_copy by a matrix": (lambda lib: lib.ones(3).index_copy(0, lib.tensor([[0, 1]]), lib.ones(2)), ValueError,
                               r"index_copy: expected a 0-D or 1-D index, got shape \(1, 2\)"),
    "index_fill by a vector": (lambda lib: lib.ones(3).index_fill(0, lib.tensor([0]), lib.ones(2)), ValueError,
                               r"index_fill: value must be a number or a 0-d tensor, got a tensor of shape \(2,\)"),
    "repeat_interleave by counts of another length": (
        lambda lib: lib.ones(3).repeat_interleave(lib.tensor([1, 2])), ValueError,
        r"repeat_interleave: repeats of shape \(2,\) must hold one count, or one for each of the 3 entries of "
        r"dimension 0"),
    "repeat_interleave by a negative count": (lambda lib: lib.ones(3).repeat_interleave(-1), ValueError,
                                              r"repeat_interleave: repeats must be >= 0, got \[-1\]"),
    "tril of a vector": (lambda lib: lib.ones(3).tril(), ValueError,
                         r"tril: expected a tensor of at least 2 dimensions \(a batch of matrices\), got shape \(3,\)"),
    "diagonal of one dim twice": (lambda lib: lib.ones(2, 3).diagonal(0, 1, -1), ValueError,
                                  r"diagonal: dim1 and dim2 must differ, got 1 and -1"),
    "diag of a batch": (lambda lib: lib.diag(lib.ones(2, 2, 2)), ValueError,
                        r"diag: expected a 1-D or 2-D tensor, got shape \(2, 2, 2\)"),
    "fliplr of a vector": (lambda lib: lib.ones(3).fliplr(), ValueError,
                           r"fliplr: expected a tensor of at least 2 dimensions, got shape \(3,\)"),
    "rot90 in one dim": (lambda lib: lib.ones(3, 3).rot90(1, (0, 0)), ValueError,
                         r"rot90: the two dims must differ, got \(0, 0\)"),
    "unfold of windows too large": (lambda lib: lib.ones(3, 3).unfold(1, 4, 1), ValueError,
                                    r"unfold: size must be an int in 0..3, the size of dimension 1 of the tensor of "
                                    r"shape \(3, 3\), got 4"),
    "unfold by a step of 0": (lambda lib: lib.ones(3, 3).unfold(1, 2, 0), ValueError,
                              r"unfold: step must be an int >= 1, got 0"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_bad_arguments_are_refused_naming_the_op_and_the_shapes(name):
    refused_as_by_torch(*ERRORS[name])


def test_masked_fill_takes_a_number_or_a_0d_tensor_cast_to_the_tensors_dtype_as_torch():
    """A 1-D value was broadcast where PyTorch refuses it, and a float 0-d value turned an integer tensor into a
    float one where PyTorch casts the value (2.7 into int64 is 2)."""
    torch = pytest.importorskip("torch")
    ours = ng.tensor([0, 1, 2, 3]).masked_fill(ng.tensor([False, True, False, True]), ng.tensor(2.7))
    theirs = torch.tensor([0, 1, 2, 3]).masked_fill(torch.tensor([False, True, False, True]), torch.tensor(2.7))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.dtype == ng.int64
    refused_as_by_torch(lambda lib: lib.ones(2, 3).masked_fill(lib.ones(2, 3) > 0, lib.ones(3)), ValueError,
                        r"masked_fill: value must be a number or a 0-d tensor, got a tensor of shape \(3,\) "
                        r"\(tensor of shape \(2, 3\)\)")


def test_index_add_takes_alpha_in_the_tensors_dtype_and_a_0d_source_for_a_0d_tensor_as_torch():
    """alpha = 2.5 into an int64 tensor added 2.5·source and cast the sum (a 1 + 2.5·2 of 6 where PyTorch's
    alpha, truncated into int64, gives 5)."""
    torch = pytest.importorskip("torch")
    ours, theirs = (lib.arange(12).reshape(3, 4).index_add(1, lib.tensor([0, 2, 0]), lib.arange(9).reshape(3, 3),
                                                           alpha=2.5) for lib in (ng, torch))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.dtype == ng.int64
    refused_as_by_torch(lambda lib: lib.tensor(1.0).index_add(0, lib.tensor([0]), lib.tensor([2.0])), ValueError,
                        r"index_add: the source for a 0-d tensor must be 0-d, got shape \(1,\)")


def test_unfold_of_a_0d_tensor_by_size_0_is_empty_as_torch():
    torch = pytest.importorskip("torch")
    assert ng.tensor(2.0).unfold(0, 0, 1).shape == tuple(torch.tensor(2.0).unfold(0, 0, 1).shape) == (0,)
