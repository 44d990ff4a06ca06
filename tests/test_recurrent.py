"""RNN, LSTM, GRU and their cells against PyTorch's: parameters, outputs, final states, and the second derivative
of backpropagation through time (a gradient penalty on a sequence discriminator)."""
import math

import numpy as np
import pytest

import nanogan as ng
from harness import refused_as_by_torch
from nanogan import nn

rng = np.random.default_rng(23)


def _paired(torch, name, *args, **options):
    theirs = getattr(torch.nn, name)(*args, **options).double()
    ours = getattr(nn, name)(*args, **options).double()
    assert [(n, p.shape) for n, p in ours.named_parameters()] == \
           [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert repr(ours) == repr(theirs)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _flat(result):
    """The tensors of an output, a (output, state) pair, or a (h, c) pair, in order."""
    if isinstance(result, tuple):
        return [t for part in result for t in _flat(part)]
    return [result]


def _compare(torch, ours, theirs, arrays, state_arrays=None, pack_state=None):
    """Forward, then ∂/∂input of Σ probe·outputs (with its graph), then the parameters' gradients of its square."""
    inputs = [ng.tensor(a, requires_grad=True) for a in arrays]
    their_inputs = [torch.tensor(a, requires_grad=True) for a in arrays]
    args, their_args = list(inputs[:1]), list(their_inputs[:1])
    if len(arrays) > 1:
        args.append(pack_state(inputs[1:]))
        their_args.append(pack_state(their_inputs[1:]))
    outs, their_outs = _flat(ours(*args)), _flat(theirs(*their_args))
    assert len(outs) == len(their_outs)
    for y, their_y in zip(outs, their_outs):
        np.testing.assert_allclose(y.numpy(), their_y.detach().numpy(), rtol=1e-10, atol=1e-12)
    probes = [rng.standard_normal(y.shape) for y in outs]
    total = sum((y * ng.tensor(p)).sum() for y, p in zip(outs, probes))
    their_total = sum((y * torch.tensor(p)).sum() for y, p in zip(their_outs, probes))
    grads = ng.grad(total, inputs, create_graph=True)
    their_grads = torch.autograd.grad(their_total, their_inputs, create_graph=True)
    for g, their_g in zip(grads, their_grads):
        np.testing.assert_allclose(g.numpy(), their_g.detach().numpy(), rtol=1e-9, atol=1e-12)
    sum((g ** 2).sum() for g in grads).backward()
    sum((g ** 2).sum() for g in their_grads).backward()
    for (name, p), (_, their_p) in zip(ours.named_parameters(), theirs.named_parameters()):
        # None where no path leads (relu's second derivative): torch's zeros there
        ours_grad = np.zeros(p.shape) if p.grad is None else p.grad.numpy()
        their_grad = np.zeros(p.shape) if their_p.grad is None else their_p.grad.numpy()
        np.testing.assert_allclose(ours_grad, their_grad, rtol=1e-8, atol=1e-11, err_msg=name)


@pytest.mark.parametrize("name, options", [
    ("RNN", {}), ("RNN", dict(nonlinearity="relu", num_layers=2, batch_first=True)),
    ("LSTM", {}), ("LSTM", dict(num_layers=2, bidirectional=True)), ("LSTM", dict(bias=False, batch_first=True)),
    ("LSTM", dict(proj_size=2, num_layers=2, bidirectional=True)), ("LSTM", dict(proj_size=3, bias=False)),
    ("GRU", {}), ("GRU", dict(num_layers=2, bidirectional=True, batch_first=True)),
])
@pytest.mark.parametrize("given_state", [False, True])
def test_recurrent_layers_equal_torchs_to_the_second_derivative(name, options, given_state):
    torch = pytest.importorskip("torch")
    ours, theirs = _paired(torch, name, 3, 4, **options)
    length, batch = 5, 2
    x = rng.standard_normal((batch, length, 3) if options.get("batch_first") else (length, batch, 3))
    arrays = [x]
    pack = None
    if given_state:
        layers = options.get("num_layers", 1) * (2 if options.get("bidirectional") else 1)
        widths = (options.get("proj_size") or 4, 4) if name == "LSTM" else (4,)  # h is P wide with a projection
        arrays += [rng.standard_normal((layers, batch, width)) for width in widths]
        pack = (lambda states: tuple(states)) if name == "LSTM" else (lambda states: states[0])
    _compare(torch, ours, theirs, arrays, pack_state=pack)


@pytest.mark.parametrize("name, options", [("RNNCell", {}), ("RNNCell", dict(nonlinearity="relu")),
                                           ("LSTMCell", {}), ("GRUCell", dict(bias=False))])
@pytest.mark.parametrize("given_state", [False, True])
def test_cells_equal_torchs_to_the_second_derivative(name, options, given_state):
    torch = pytest.importorskip("torch")
    ours, theirs = _paired(torch, name, 3, 4, **options)
    arrays = [rng.standard_normal((2, 3))]
    pack = None
    if given_state:
        arrays += [rng.standard_normal((2, 4)) for _ in range(2 if name == "LSTMCell" else 1)]
        pack = (lambda states: tuple(states)) if name == "LSTMCell" else (lambda states: states[0])
    _compare(torch, ours, theirs, arrays, pack_state=pack)


def test_unbatched_sequences_and_steps_as_torchs():
    torch = pytest.importorskip("torch")
    for name, shape in (("GRU", (5, 3)), ("LSTM", (5, 3)), ("LSTMCell", (3,)), ("RNNCell", (3,))):
        ours, theirs = _paired(torch, name, 3, 4)
        _compare(torch, ours, theirs, [rng.standard_normal(shape)])


def test_initialisation_dropout_and_errors():
    ng.manual_seed(0)
    lstm = nn.LSTM(3, 100, num_layers=3, dropout=0.5)
    bound = 1 / math.sqrt(100)
    for p in lstm.parameters():
        assert 0.9 * bound < np.abs(p.numpy()).max() <= bound
    x = ng.randn(4, 2, 3)
    lstm.eval()
    np.testing.assert_array_equal(lstm(x)[0].numpy(), lstm(x)[0].numpy())
    lstm.train()
    assert not np.array_equal(lstm(x)[0].numpy(), lstm(x)[0].numpy())  # dropout between the layers
    with pytest.raises(ValueError, match=r"GRU: expected input of shape \(L, N, H_in\) with H_in = 3, got \(4, 2, 5\)"):
        nn.GRU(3, 4)(ng.zeros(4, 2, 5))
    with pytest.raises(ValueError, match=r"LSTM: expected a hidden state of shape \(2, 2, 4\) \(layers·directions"):
        nn.LSTM(3, 4, bidirectional=True)(ng.zeros(5, 2, 3), (ng.zeros(1, 2, 4), ng.zeros(1, 2, 4)))
    with pytest.raises(ValueError, match=r"GRUCell: expected a hidden state of shape \(2, 4\) \(N, H\), got \(2, "):
        nn.GRUCell(3, 4)(ng.zeros(2, 3), ng.zeros(2, 5))
    with pytest.raises(ValueError, match="RNN: nonlinearity must be 'tanh' or 'relu', got 'gelu'"):
        nn.RNN(3, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match=r"LSTM: proj_size \(4\) must be smaller than hidden_size \(4\)"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="LSTM: proj_size must be an int >= 0, got -1"):
        nn.LSTM(3, 4, proj_size=-1)
    with pytest.raises(ValueError, match=r"LSTM: expected a hidden state of shape \(1, 2, 4\) .*, got \(1, 2, 2\)"):
        nn.LSTM(3, 4, proj_size=2)(ng.zeros(5, 2, 3), (ng.zeros(1, 2, 2), ng.zeros(1, 2, 2)))  # c is H wide


@pytest.mark.parametrize("name, shape", [("RNN", (0, 2, 3)), ("LSTM", (0, 3)), ("GRU", (2, 0, 3))])
def test_a_sequence_of_length_zero_is_refused_naming_the_layer_and_the_shape(name, shape):
    # (stack's error named neither)
    options = dict(batch_first=True) if name == "GRU" else {}
    layout = r"\(L, H_in\)" if len(shape) == 2 else r"\(N, L, H_in\)" if options else r"\(L, N, H_in\)"
    refused_as_by_torch(lambda lib: getattr(lib.nn, name)(3, 4, **options)(lib.zeros(*shape)), ValueError,
                        rf"{name}: expected a sequence of length L >= 1, got input of shape "
                        rf"\({shape[0]}, {shape[1]}.*\) {layout}")


@pytest.mark.parametrize("name, state, message", [
    ("LSTM", lambda lib: lib.zeros(2, 1, 2, 4), r"a pair \(h_0, c_0\) of Tensors of shapes \(1, 2, 4\) and "
                                                r"\(1, 2, 4\) \(layers·directions, N, H\), got a Tensor of shape "
                                                r"\(2, 1, 2, 4\)"),
    ("LSTM", lambda lib: (lib.zeros(1, 2, 4),), r"got a tuple of 1: a Tensor of shape \(1, 2, 4\)"),
    ("LSTMCell", lambda lib: lib.zeros(2, 4), r"a pair \(h_0, c_0\) of Tensors of shapes \(2, 4\) and \(2, 4\) "
                                              r"\(N, H\), got a "
                                              r"Tensor of shape \(2, 4\)"),
    ("GRU", lambda lib: (lib.zeros(1, 2, 4), lib.zeros(1, 2, 4)), r"a Tensor of shape \(1, 2, 4\) "
                                                                 r"\(layers·directions, N, H\), got a tuple of 2"),
])
def test_a_state_of_the_wrong_kind_is_refused_naming_the_layer(name, state, message):
    # a stacked (h, c) given to the LSTM as one tensor was unpacked along its first dimension and taken
    torch = pytest.importorskip("torch")
    shape = (2, 3) if name.endswith("Cell") else (5, 2, 3)
    with pytest.raises((TypeError, ValueError, IndexError, AttributeError)):  # torch's, as its checks meet them
        getattr(torch.nn, name)(3, 4)(torch.zeros(*shape), state(torch))
    with pytest.raises(TypeError, match=f"{name}: expected hx as " + (".*" if name == "LSTM" else "") + message):
        getattr(nn, name)(3, 4)(ng.zeros(*shape), state(ng))
