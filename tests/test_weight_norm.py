"""Weight normalisation (the old hook, nn.utils.weight_norm, and the parametrization), the parametrized spectral norm,
nn.utils.parametrize and parameters_to_vector against torch: the same state dict keys in the same order, and, with
torch's tensors copied in, the same weights, outputs, gradients, gradient penalties (second order) and Adam steps
(float64)."""
import copy
import pickle
import warnings

import numpy as np
import pytest

import nanogan as ng
from harness import assert_matches_torch, leaf_pair, penalise_input_gradient
from nanogan import nn

torch = pytest.importorskip("torch")

LAYERS = {
    "linear": (lambda lib: lib.nn.Linear(5, 4), (3, 5)),
    "conv1d": (lambda lib: lib.nn.Conv1d(3, 4, 3, padding=1), (2, 3, 7)),
    "conv2d": (lambda lib: lib.nn.Conv2d(3, 4, 3, padding=1), (2, 3, 5, 5)),
    "conv-transpose2d": (lambda lib: lib.nn.ConvTranspose2d(3, 2, 4, stride=2, padding=1), (2, 3, 3, 3)),
}


def _old_weight_norm(lib):
    def apply(module, **settings):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return lib.nn.utils.weight_norm(module, **settings)
    return apply


def _paired(case, reparametrise, **settings):
    """One layer reparametrised by reparametrise(lib) in torch and here (float64), torch's state copied in: the keys
    must be torch's, in its order."""
    make, input_shape = LAYERS[case]
    torch.manual_seed(0)
    theirs = reparametrise(torch)(make(torch).double(), **settings)
    ours = reparametrise(ng)(make(ng).double(), **settings)
    state = {key: value.numpy() for key, value in theirs.state_dict().items()}
    assert list(ours.state_dict()) == list(state)
    ours.load_state_dict(state)
    return ours, theirs, input_shape


def _compare_training(ours, theirs, shape, seeds=(0, 1, 2)):
    """Outputs, gradients of every parameter, the gradient of a WGAN-GP style penalty (the input gradient made with
    create_graph, backward through it) and then Adam steps, against torch."""
    their_parameters = dict(theirs.named_parameters())
    assert list(dict(ours.named_parameters())) == list(their_parameters)
    x_ours, x_theirs = leaf_pair(shape, 10)
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    assert_matches_torch(y_ours, y_theirs, "output")
    (y_ours ** 2).sum().backward()
    (y_theirs ** 2).sum().backward()
    for name, p in ours.named_parameters():
        assert_matches_torch(p.grad, their_parameters[name].grad, f"gradient of {name}")
        assert np.abs(p.grad.numpy()).max() > 1e-6, name
    ours.zero_grad()
    theirs.zero_grad()
    penalise_input_gradient(ours, theirs, shape, 11)
    for name, p in ours.named_parameters():
        if their_parameters[name].grad is not None:
            assert_matches_torch(p.grad, their_parameters[name].grad, f"gradient of the penalty for {name}")
    ours_opt = ng.optim.Adam(ours.parameters(), lr=0.05)
    theirs_opt = torch.optim.Adam(theirs.parameters(), lr=0.05)
    for seed in seeds:
        x_ours, x_theirs = leaf_pair(shape, seed)
        for opt, module, x in ((ours_opt, ours, x_ours), (theirs_opt, theirs, x_theirs)):
            opt.zero_grad()
            ((module(x) - 0.5) ** 2).mean().backward()
            opt.step()
        assert_matches_torch(ours(x_ours), theirs(x_theirs), f"output after Adam step {seed}")


# ---- the old hook: nn.utils.weight_norm --------------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, None, -2])
@pytest.mark.parametrize("case", list(LAYERS))
def test_weight_norm_equals_torch_to_the_gradient_penalty_and_through_adam_steps(case, dim):
    ours, theirs, shape = _paired(case, _old_weight_norm, dim=dim)
    assert ours.weight_g.shape == tuple(theirs.weight_g.shape)  # (4, 1, 1, 1) for dim 0, () for None
    _compare_training(ours, theirs, shape)


def test_weight_norm_starts_from_the_weight_it_replaces_and_warns_as_torch_does():
    layer = nn.Conv1d(2, 3, 5)
    weight = layer.weight.numpy().copy()
    with pytest.warns(FutureWarning, match="nn.utils.parametrizations.weight_norm"):
        nn.utils.weight_norm(layer)
    np.testing.assert_allclose(layer.weight.numpy(), weight, rtol=1e-6)
    np.testing.assert_allclose(layer.weight_g.numpy().ravel(), np.sqrt((weight ** 2).sum(axis=(1, 2))), rtol=1e-6)
    assert layer.weight_v.numpy() is not None and np.array_equal(layer.weight_v.numpy(), weight)
    assert "weight" not in dict(layer.named_parameters())


def test_weight_norm_of_worked_numbers():
    """v = (3, 4) per row has norm 5: w = g · (0.6, 0.8); with dim=None one norm, √50, for both rows."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        rows = nn.utils.weight_norm(nn.Linear(2, 2, bias=False))
        whole = nn.utils.weight_norm(nn.Linear(2, 2, bias=False), dim=None)
    with ng.no_grad():
        for layer in (rows, whole):
            layer.weight_v.copy_(ng.tensor([[3.0, 4.0], [3.0, 4.0]]))
        rows.weight_g.copy_(ng.tensor([[1.0], [10.0]]))
        whole.weight_g.fill_(2.0)
    np.testing.assert_allclose(rows(ng.tensor([[1.0, 0.0]])).numpy(), [[0.6, 6.0]], rtol=1e-6)
    np.testing.assert_allclose(whole(ng.tensor([[1.0, 0.0]])).numpy(), [[6 / 50 ** 0.5] * 2], rtol=1e-6)


@pytest.mark.parametrize("case", list(LAYERS))
def test_remove_weight_norm_leaves_the_weight_as_a_parameter_as_torch(case):
    ours, theirs, shape = _paired(case, _old_weight_norm)
    with ng.no_grad():
        ours.weight_g.mul_(1.5)
    with torch.no_grad():
        theirs.weight_g.mul_(1.5)
    nn.utils.remove_weight_norm(ours)
    torch.nn.utils.remove_weight_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias", "weight"]
    assert isinstance(ours.weight, nn.Parameter) and not ours._forward_pre_hooks
    assert_matches_torch(ours.weight, theirs.weight, "weight after removal")
    x_ours, x_theirs = leaf_pair(shape, 1)
    assert_matches_torch(ours(x_ours), theirs(x_theirs), "output after removal")


def test_weight_norm_and_spectral_norm_on_one_layer_each_keep_their_own_hook():
    layer, theirs = (_old_weight_norm(lib)(lib.nn.utils.spectral_norm(lib.nn.Linear(3, 2)), name="bias")
                     for lib in (ng, torch))
    assert list(layer.state_dict()) == list(theirs.state_dict()) == ["weight_orig", "bias_g", "bias_v", "weight_u",
                                                                      "weight_v"]
    nn.utils.remove_spectral_norm(layer)
    torch.nn.utils.remove_spectral_norm(theirs)
    assert list(layer.state_dict()) == list(theirs.state_dict()) == ["bias_g", "bias_v", "weight"]
    with pytest.raises(ValueError, match="remove_spectral_norm: Linear.weight has no spectral normalisation"):
        nn.utils.remove_spectral_norm(layer)


@pytest.mark.parametrize("call, error, message", [
    (lambda: nn.utils.weight_norm(nn.Linear(2, 2), name="scale"), KeyError,
     r"weight_norm: Linear has no parameter 'scale' \(its parameters: \['weight', 'bias'\]\)"),
    (lambda: nn.utils.weight_norm(nn.Linear(2, 2, bias=False), name="bias"), ValueError,
     "weight_norm: Linear.bias is None"),
    (lambda: nn.utils.weight_norm(nn.utils.weight_norm(nn.Linear(2, 2))), RuntimeError,
     "weight_norm: Linear.weight has weight normalisation already"),
    (lambda: nn.utils.weight_norm(nn.Conv2d(2, 2, 3), dim=4), IndexError,
     r"weight_norm: dimension 4 out of range for a tensor with 4 dimensions"),
    (lambda: nn.utils.weight_norm(ng.zeros(2, 2)), TypeError, "weight_norm: expected a Module, got Tensor"),
    (lambda: nn.utils.remove_weight_norm(nn.Linear(2, 2)), ValueError,
     "remove_weight_norm: Linear.weight has no weight normalisation"),
])
def test_weight_norm_errors_name_the_layer_and_the_parameter(call, error, message):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        with pytest.raises(error, match=message):
            call()


# ---- the parametrizations: nn.utils.parametrizations, nn.utils.parametrize ----------------------------------------
def _parametrized_weight_norm(lib):
    return lib.nn.utils.parametrizations.weight_norm


def _parametrized_spectral_norm(lib):
    return lib.nn.utils.parametrizations.spectral_norm


@pytest.mark.parametrize("dim", [0, None])
@pytest.mark.parametrize("case", list(LAYERS))
def test_parametrized_weight_norm_equals_torch_to_the_gradient_penalty_and_through_adam_steps(case, dim):
    ours, theirs, shape = _paired(case, _parametrized_weight_norm, dim=dim)
    assert type(ours).__name__ == type(theirs).__name__  # ParametrizedLinear
    assert [k for k in ours.state_dict() if "parametrizations" in k] == ["parametrizations.weight.original0",
                                                                         "parametrizations.weight.original1"]
    assert_matches_torch(ours.weight, theirs.weight, "weight, computed on access")
    _compare_training(ours, theirs, shape)


def test_a_state_dict_of_the_old_weight_norm_loads_into_the_parametrized_one_as_in_torch():
    """A HiFi-GAN checkpoint saved with the old weight_norm (weight_g, weight_v) loaded into a model built with the
    new one, inside a Sequential (the keys carry the prefix "1.")."""
    old = _old_weight_norm(torch)(torch.nn.Conv1d(2, 3, 5).double())
    with torch.no_grad():
        old.weight_g.mul_(2.0)
    state = {key: value.numpy() for key, value in torch.nn.Sequential(torch.nn.Identity(), old)
             .state_dict().items()}
    kept = dict(state)
    ours, theirs = (lib.nn.Sequential(lib.nn.Identity(), _parametrized_weight_norm(lib)(lib.nn.Conv1d(2, 3, 5))
                                      .double()) for lib in (ng, torch))
    ours.load_state_dict(state)
    theirs.load_state_dict({key: torch.tensor(value) for key, value in state.items()})
    assert state.keys() == kept.keys()  # the caller's dict is left as it was
    assert_matches_torch(ours[1].weight, theirs[1].weight, "weight after loading the old keys")
    old(torch.zeros(1, 2, 5, dtype=torch.float64))  # its hook computes the weight of the present g
    assert_matches_torch(ours[1].weight, old.weight, "the old layer's weight")


@pytest.mark.parametrize("n_power_iterations", [1, 3])
@pytest.mark.parametrize("case", list(LAYERS))
def test_parametrized_spectral_norm_iterates_on_each_access_in_training_as_torch(case, n_power_iterations):
    ours, theirs, shape = _paired(case, _parametrized_spectral_norm, n_power_iterations=n_power_iterations)
    assert [k for k in ours.state_dict() if "parametrizations" in k] == [
        "parametrizations.weight.original", "parametrizations.weight.0._u", "parametrizations.weight.0._v"]
    for access in range(3):
        assert_matches_torch(ours.weight, theirs.weight, f"weight at access {access}")
        for buffer in ("_u", "_v"):
            assert_matches_torch(getattr(ours.parametrizations.weight[0], buffer),
                          getattr(theirs.parametrizations.weight[0], buffer), f"{buffer} after access {access}")
    _compare_training(ours, theirs, shape)


@pytest.mark.parametrize("case", ["conv2d", "conv-transpose2d"])
def test_parametrized_spectral_norm_keeps_u_in_eval_mode_and_iterates_once_per_cached_block_as_torch(case):
    ours, theirs, shape = _paired(case, _parametrized_spectral_norm)
    u = ours.parametrizations.weight[0]._u
    for module in (ours, theirs):
        module.eval()
    before = u.numpy().copy()
    assert_matches_torch(ours.weight, theirs.weight, "weight in eval mode")
    np.testing.assert_array_equal(u.numpy(), before)
    for module in (ours, theirs):
        module.train()
    with nn.utils.parametrize.cached(), torch.nn.utils.parametrize.cached():
        first = ours.weight
        assert ours.weight is first
        assert_matches_torch(first, theirs.weight, "weight in a cached block")
    assert_matches_torch(u, theirs.parametrizations.weight[0]._u, "u after one cached block: one iteration")
    assert_matches_torch(ours.weight, theirs.weight, "weight after the block: iterated again")


@pytest.mark.parametrize("leave_parametrized", [True, False])
def test_remove_parametrizations_of_a_spectral_norm_as_torch(leave_parametrized):
    ours, theirs, shape = _paired("conv2d", _parametrized_spectral_norm)
    original = ours.parametrizations.weight.original
    nn.utils.parametrize.remove_parametrizations(ours, "weight", leave_parametrized)
    torch.nn.utils.parametrize.remove_parametrizations(theirs, "weight", leave_parametrized)
    assert type(ours) is nn.Conv2d and not nn.utils.parametrize.is_parametrized(ours)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.weight is original  # the same parameter: an optimiser holding it goes on updating it
    assert_matches_torch(ours.weight, theirs.weight, "weight after removal (one more power iteration if left parametrized)")


def test_remove_parametrizations_of_a_weight_norm_as_torch():
    ours, theirs, shape = _paired("conv1d", _parametrized_weight_norm)
    with pytest.raises(ValueError, match="remove_parametrizations: ParametrizedConv1d.weight is parametrized by 2 "
                                         r"tensors, so it cannot be left unparametrized"):
        nn.utils.parametrize.remove_parametrizations(ours, "weight", leave_parametrized=False)
    nn.utils.parametrize.remove_parametrizations(ours, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(theirs, "weight")
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias", "weight"]
    assert isinstance(ours.weight, nn.Parameter) and type(ours) is nn.Conv1d
    assert_matches_torch(ours.weight, theirs.weight, "weight after removal")
    with pytest.raises(ValueError, match="remove_parametrizations: Conv1d has no parametrization on 'weight'"):
        nn.utils.parametrize.remove_parametrizations(ours, "weight")


def test_parametrized_spectral_norm_of_a_vector_divides_it_by_its_norm():
    """Worked numbers: a 1-d tensor needs no power iteration; (3, 4) becomes (0.6, 0.8)."""
    layer = nn.utils.parametrizations.spectral_norm(nn.Linear(2, 2), name="bias")
    with ng.no_grad():
        layer.parametrizations.bias.original.copy_(ng.tensor([3.0, 4.0]))
    np.testing.assert_allclose(layer.bias.numpy(), [0.6, 0.8], rtol=1e-6)
    assert list(layer.state_dict()) == ["weight", "parametrizations.bias.original"]


class _Symmetric(nn.Module):
    """torch's documentation's example: X ↦ triu(X) + triu(X, 1)ᵀ, right_inverse A ↦ triu(A)."""

    def forward(self, x):
        return x.triu() + x.triu(1).t()

    def right_inverse(self, a):
        return a.triu()


class _Doubled(nn.Module):
    def forward(self, x):
        return 2 * x

    def right_inverse(self, x):
        return x / 2


def test_register_parametrization_computes_on_access_chains_and_inverts_on_assignment():
    P = nn.utils.parametrize
    layer = nn.Linear(3, 3)
    P.register_parametrization(layer, "weight", _Symmetric())
    w = layer.weight.numpy()
    np.testing.assert_array_equal(w, w.T)
    assert P.is_parametrized(layer) and P.is_parametrized(layer, "weight") and not P.is_parametrized(layer, "bias")
    assert P.type_before_parametrizations(layer) is nn.Linear and type(layer).__name__ == "ParametrizedLinear"
    P.register_parametrization(layer, "weight", _Doubled())
    np.testing.assert_allclose(layer.weight.numpy(), 2 * w, rtol=1e-6)
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 5.0], [3.0, 5.0, 6.0]])
    layer.weight = ng.tensor(a, dtype=ng.float32)  # through each right_inverse, the last first
    np.testing.assert_allclose(layer.weight.numpy(), a, rtol=1e-6)
    np.testing.assert_allclose(layer.parametrizations.weight.original.numpy(), np.triu(a) / 2, rtol=1e-6)
    y = layer(ng.ones(1, 3))
    y.sum().backward()
    # d(sum over outputs of Σ_j w_ij)/d original: 2 on and above the diagonal, twice 2 strictly above (its mirror)
    np.testing.assert_allclose(layer.parametrizations.weight.original.grad.numpy(),
                               2 * (np.triu(np.ones((3, 3))) + np.triu(np.ones((3, 3)), 1)), rtol=1e-6)
    with pytest.raises(ValueError, match="register_parametrization: Linear has no parameter, buffer or parametrized "
                                         "tensor 'scale'"):
        P.register_parametrization(nn.Linear(2, 2), "scale", _Doubled())


def test_a_parametrized_module_deep_copies_and_refuses_pickling_as_torch():
    layer = nn.utils.parametrizations.spectral_norm(nn.Linear(4, 3))
    twin = copy.deepcopy(layer)
    assert twin.parametrizations.weight.original is not layer.parametrizations.weight.original
    with ng.no_grad():
        twin.parametrizations.weight.original.mul_(2.0)
    layer.eval()
    twin.eval()
    np.testing.assert_allclose(twin.weight.numpy(), layer.weight.numpy(), rtol=1e-5)  # σ doubled with W
    with pytest.raises(RuntimeError, match="a parametrized module is not pickled"):
        pickle.dumps(layer)
    with pytest.raises(RuntimeError):
        pickle.dumps(torch.nn.utils.parametrizations.spectral_norm(torch.nn.Linear(4, 3)))


@pytest.mark.parametrize("call, error, message", [
    (lambda lib: lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(2, 2), name="scale"), ValueError,
     "spectral_norm: Linear has no parameter or buffer 'scale'"),
    (lambda lib: lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(2, 2), n_power_iterations=0), ValueError,
     "spectral_norm: n_power_iterations must be an int >= 1, got 0"),
    (lambda lib: lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(2, 2), dim=2), IndexError,
     "spectral_norm: dimension 2 out of range for a tensor with 2 dimensions"),
    (lambda lib: lib.nn.utils.parametrizations.weight_norm(lib.nn.Conv2d(2, 2, 3), dim=-5), IndexError,
     "weight_norm: dimension -5 out of range for a tensor with 4 dimensions"),
])
def test_parametrizations_refuse_bad_arguments_as_torch(call, error, message):
    from harness import refused_as_by_torch
    refused_as_by_torch(call, error, message)


# ---- parameters_to_vector, vector_to_parameters ------------------------------------------------------------------
def test_parameters_to_vector_and_back_equal_torch():
    ours, theirs = (lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.Conv1d(2, 2, 2)).double() for lib in (ng, torch))
    ours.load_state_dict({key: value.numpy() for key, value in theirs.state_dict().items()})
    vec, their_vec = nn.utils.parameters_to_vector(ours.parameters()), \
        torch.nn.utils.parameters_to_vector(theirs.parameters())
    assert_matches_torch(vec, their_vec, "the vector")
    (vec * ng.arange(vec.numel(), dtype=ng.float64)).sum().backward()  # differentiable: each p gets its positions
    np.testing.assert_array_equal(ours[0].weight.grad.numpy().ravel(), np.arange(6.0))
    new = np.random.default_rng(0).standard_normal(vec.numel() + 2)  # longer: the rest is unused, as in torch
    nn.utils.vector_to_parameters(ng.tensor(new), ours.parameters())
    torch.nn.utils.vector_to_parameters(torch.tensor(new), theirs.parameters())
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        assert_matches_torch(p, q, name)
    with pytest.raises(RuntimeError, match=r"vector_to_parameters: the parameters hold 18 values, the vector of "
                                           r"shape \(5,\) only 5"):
        nn.utils.vector_to_parameters(ng.zeros(5), ours.parameters())
    with pytest.raises(TypeError, match="vector_to_parameters: expected a Tensor, got list"):
        nn.utils.vector_to_parameters([0.0] * 18, ours.parameters())
