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


def _inputs(shape, seed):
    x = np.random.default_rng(seed).standard_normal(shape)
    return ng.tensor(x, dtype=ng.float64, requires_grad=True), torch.tensor(x, requires_grad=True)


def _assert_close(ours, theirs, what):
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-9, atol=1e-12, err_msg=what)


def _compare_training(ours, theirs, shape, seeds=(0, 1, 2)):
    """Outputs, gradients of every parameter, the gradient of a WGAN-GP style penalty (the input gradient made with
    create_graph, backward through it) and then Adam steps, against torch."""
    their_parameters = dict(theirs.named_parameters())
    assert list(dict(ours.named_parameters())) == list(their_parameters)
    x_ours, x_theirs = _inputs(shape, 10)
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    _assert_close(y_ours, y_theirs, "output")
    (y_ours ** 2).sum().backward()
    (y_theirs ** 2).sum().backward()
    for name, p in ours.named_parameters():
        _assert_close(p.grad, their_parameters[name].grad, f"gradient of {name}")
        assert np.abs(p.grad.numpy()).max() > 1e-6, name
    ours.zero_grad()
    theirs.zero_grad()
    x_ours, x_theirs = _inputs(shape, 11)
    g_ours, = ng.grad((ours(x_ours) ** 2).sum(), x_ours, create_graph=True)
    g_theirs, = torch.autograd.grad((theirs(x_theirs) ** 2).sum(), x_theirs, create_graph=True)
    _assert_close(g_ours, g_theirs, "input gradient")
    ((g_ours.norm() - 1) ** 2).backward()
    ((g_theirs.norm() - 1) ** 2).backward()
    for name, p in ours.named_parameters():
        if their_parameters[name].grad is not None:
            _assert_close(p.grad, their_parameters[name].grad, f"gradient of the penalty for {name}")
    ours_opt = ng.optim.Adam(ours.parameters(), lr=0.05)
    theirs_opt = torch.optim.Adam(theirs.parameters(), lr=0.05)
    for seed in seeds:
        x_ours, x_theirs = _inputs(shape, seed)
        for opt, module, x in ((ours_opt, ours, x_ours), (theirs_opt, theirs, x_theirs)):
            opt.zero_grad()
            ((module(x) - 0.5) ** 2).mean().backward()
            opt.step()
        _assert_close(ours(x_ours), theirs(x_theirs), f"output after Adam step {seed}")


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
    _assert_close(ours.weight, theirs.weight, "weight after removal")
    x_ours, x_theirs = _inputs(shape, 1)
    _assert_close(ours(x_ours), theirs(x_theirs), "output after removal")


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
