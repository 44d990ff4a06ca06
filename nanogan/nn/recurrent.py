"""Recurrent layers: a hidden state h carried along a sequence, as in the sequence GANs (C-RNN-GAN, TimeGAN,
SeqGAN's discriminators). Each step is a composition of linear maps and activations, so backpropagation through
time, and a gradient penalty through it, are the ops' own gradients.

    RNN   h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)              (or relu)
    LSTM  i, f, g, o = split₄(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)
          c' = σ(f)·c + σ(i)·tanh(g),   h' = σ(o)·tanh(c')        (h' W_hrᵀ, P wide, with proj_size P > 0)
    GRU   r, z, n: the three thirds of x W_ihᵀ + b_ih (a) and of h W_hhᵀ + b_hh (b)
          r = σ(a_r + b_r),  z = σ(a_z + b_z),  n = tanh(a_n + r·b_n),  h' = (1 - z)·n + z·h

The cells (RNNCell, LSTMCell, GRUCell) take one step; RNN, LSTM and GRU run num_layers of them over a sequence,
each layer on the outputs of the one below (with dropout between them in training), and with bidirectional=True a
second run of each layer from the end, its outputs beside the first's. PyTorch's parameter names, shapes, gate
order and initialisation U(-1/√H, 1/√H).
"""
import functools
import math

from ..arguments import int_at_least, is_number, require
from ..ops.shape import cat, stack
from ..tensor import Tensor, zeros
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


def _elman_step(activation, x, state, w_ih, w_hh, b_ih, b_hh):
    return activation(F.linear(x, w_ih, b_ih) + F.linear(state, w_hh, b_hh))


def _lstm_step(x, state, w_ih, w_hh, b_ih, b_hh, w_hr=None):
    h, c = state
    i, f, g, o = (F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)).chunk(4, -1)
    c = F.sigmoid(f) * c + F.sigmoid(i) * F.tanh(g)
    h = F.sigmoid(o) * F.tanh(c)
    return (h if w_hr is None else F.linear(h, w_hr)), c


def _gru_step(x, state, w_ih, w_hh, b_ih, b_hh):
    a_r, a_z, a_n = F.linear(x, w_ih, b_ih).chunk(3, -1)
    b_r, b_z, b_n = F.linear(state, w_hh, b_hh).chunk(3, -1)
    r, z = F.sigmoid(a_r + b_r), F.sigmoid(a_z + b_z)
    n = F.tanh(a_n + r * b_n)
    return (1 - z) * n + z * state


# mode: (the step, how many gate-sized blocks W_ih stacks, whether the state is (h, c))
_MODES = {"RNN_TANH": (functools.partial(_elman_step, F.tanh), 1, False),
          "RNN_RELU": (functools.partial(_elman_step, F.relu), 1, False),
          "LSTM": (_lstm_step, 4, True), "GRU": (_gru_step, 3, False)}


def _nonlinearity_mode(owner, nonlinearity):
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"{owner}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    return "RNN_" + nonlinearity.upper()


def _add_step_parameters(module, suffix, gates, width, bias, proj_size=0):
    """weight_ih (gates, width), weight_hh (gates, H, or P with a projection), bias_ih and bias_hh (gates, or None),
    and with proj_size P > 0 the LSTM's weight_hr (P, H), each name ending in `suffix` (PyTorch's "_l1_reverse" and
    the like); their names, in the order a step takes them."""
    names = [kind + suffix for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    module.register_parameter(names[0], Parameter(zeros(gates, width)))
    module.register_parameter(names[1], Parameter(zeros(gates, proj_size or module.hidden_size)))
    for bias_name in names[2:]:
        module.register_parameter(bias_name, Parameter(zeros(gates)) if bias else None)
    if proj_size:
        names.append("weight_hr" + suffix)
        module.register_parameter(names[-1], Parameter(zeros(proj_size, module.hidden_size)))
    return names


def _initial_state(owner, hx, shapes, layout, like, unbatched_axis):
    """hx, or zeros if None, on like's device: a tensor of shapes[0], or for the LSTM (two shapes) a pair (h, c), of
    shapes[0] and shapes[1] (they differ with a projection); one given to an unbatched input gets its batch axis
    (unbatched_axis, or None for a batched input); refused unless of `shapes`."""
    has_cell = len(shapes) == 2
    if hx is None:
        states = tuple(zeros(*shape, dtype=like.dtype, device=like.device) for shape in shapes)
        return states if has_cell else states[0]
    expected = " and ".join(map(str, shapes))
    # a tensor given to the LSTM would be unpacked along its first dimension into h and c
    if has_cell and not (isinstance(hx, (tuple, list)) and len(hx) == 2 and all(isinstance(t, Tensor) for t in hx)):
        raise TypeError(f"{owner}: expected hx as a pair (h_0, c_0) of Tensors of shapes {expected} {layout}, got "
                        f"{_described(hx)}")
    if not has_cell and not isinstance(hx, Tensor):
        raise TypeError(f"{owner}: expected hx as a Tensor of shape {expected} {layout}, got {_described(hx)}")
    if unbatched_axis is not None:
        hx = tuple(t.unsqueeze(unbatched_axis) for t in hx) if has_cell else hx.unsqueeze(unbatched_axis)
    for t, shape in zip(hx if has_cell else (hx,), shapes):
        if t.shape != shape:
            raise ValueError(f"{owner}: expected a hidden state of shape {shape} {layout}, got {t.shape}")
    return hx


def _described(value):
    """A value as an error names it: a tensor by its shape, a tuple or list by its items."""
    if isinstance(value, Tensor):
        return f"a Tensor of shape {value.shape}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)}: " + ", ".join(_described(v) for v in value)
    return type(value).__name__


class _Recurrence(Module):
    """What a cell and a multi-layer recurrence share: the sizes, the mode (a key of _MODES) and PyTorch's
    initialisation of every parameter, U(-1/√H, 1/√H)."""

    def __init__(self, mode, input_size, hidden_size, bias):
        super().__init__()
        name = type(self).__name__
        self.input_size = int_at_least(name, "input_size", input_size, 1)
        self.hidden_size = int_at_least(name, "hidden_size", hidden_size, 1)
        self.bias, self._mode = bool(bias), mode

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)


class _Cell(_Recurrence):
    """One step of a recurrence; parameters weight_ih, weight_hh, bias_ih, bias_hh."""

    def __init__(self, mode, input_size, hidden_size, bias):
        super().__init__(mode, input_size, hidden_size, bias)
        _add_step_parameters(self, "", _MODES[mode][1] * self.hidden_size, self.input_size, bias)
        self.reset_parameters()

    def forward(self, input, hx=None):
        step, _, has_cell = _MODES[self._mode]
        name = type(self).__name__
        if not isinstance(input, Tensor) or input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected input of shape (N, {self.input_size}) or ({self.input_size},), got "
                             f"{getattr(input, 'shape', type(input).__name__)}")
        unbatched = input.ndim == 1
        x = input.unsqueeze(0) if unbatched else input
        hx = _initial_state(name, hx, ((x.shape[0], self.hidden_size),) * (2 if has_cell else 1), "(N, H)", x,
                            0 if unbatched else None)
        out = step(x, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        if unbatched:
            out = tuple(t.squeeze(0) for t in out) if has_cell else out.squeeze(0)
        return out

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")
        return text + (", nonlinearity=relu" if self._mode == "RNN_RELU" else "")  # PyTorch's, unquoted


class RNNCell(_Cell):
    """h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or relu); forward(input, hx=None) -> h'."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh"):
        super().__init__(_nonlinearity_mode("RNNCell", nonlinearity), input_size, hidden_size, bias)


class LSTMCell(_Cell):
    """One LSTM step; forward(input, (h, c) = zeros) -> (h', c')."""

    def __init__(self, input_size, hidden_size, bias=True):
        super().__init__("LSTM", input_size, hidden_size, bias)


class GRUCell(_Cell):
    """One GRU step; forward(input, hx=None) -> h'."""

    def __init__(self, input_size, hidden_size, bias=True):
        super().__init__("GRU", input_size, hidden_size, bias)


class _Recurrent(_Recurrence):
    """num_layers × (1 or 2 directions) of a cell's step over a sequence; parameters weight_ih_l{k}[_reverse], ...
    input (L, N, H_in), (N, L, H_in) with batch_first, or (L, H_in); hx (layers·directions, N, H), zeros if None.
    forward -> (output (L, N, directions·H), h_n), with (h_n, c_n) for the LSTM. The LSTM's proj_size P > 0 projects
    each h to P features (h = (σ(o)·tanh(c)) W_hrᵀ): output, h_0 and h_n are P wide where they were H."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0):
        super().__init__(mode, input_size, hidden_size, bias)
        name = type(self).__name__
        self.proj_size = int_at_least(name, "proj_size", proj_size, 0)
        if self.proj_size >= self.hidden_size:
            raise ValueError(f"{name}: proj_size ({proj_size}) must be smaller than hidden_size ({hidden_size})")
        self.num_layers = int_at_least(name, "num_layers", num_layers, 1)
        require(name, "dropout", dropout, lambda p: is_number(p) and 0 <= p <= 1, "a probability in [0, 1]")
        self.dropout = dropout
        self.batch_first, self.bidirectional = bool(batch_first), bool(bidirectional)
        directions = 2 if bidirectional else 1
        gates = _MODES[mode][1] * self.hidden_size
        self._weight_names = []  # per layer, per direction: (w_ih, w_hh, b_ih, b_hh[, w_hr]) names
        for layer in range(self.num_layers):
            width = self.input_size if layer == 0 else directions * self._output_size
            for direction in ("", "_reverse")[:directions]:
                self._weight_names.append(_add_step_parameters(self, f"_l{layer}{direction}", gates, width, bias,
                                                               self.proj_size))
        self.reset_parameters()

    @property
    def _output_size(self):
        """The width of each direction's output and h: P with a projection, else H."""
        return self.proj_size or self.hidden_size

    def forward(self, input, hx=None):
        step, _, has_cell = _MODES[self._mode]
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected input as a Tensor, got {type(input).__name__}")
        layout = "(L, H_in)" if input.ndim == 2 else "(N, L, H_in)" if self.batch_first else "(L, N, H_in)"
        if input.ndim not in (2, 3) or input.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected input of shape {layout} with H_in = {self.input_size}, got "
                             f"{input.shape}")
        unbatched = input.ndim == 2
        x = input.unsqueeze(1) if unbatched else input.transpose(0, 1) if self.batch_first else input
        if x.shape[0] == 0:  # there is no last step to take the final state from (PyTorch refuses it too)
            raise ValueError(f"{name}: expected a sequence of length L >= 1, got input of shape {input.shape} {layout}")
        directions = 2 if self.bidirectional else 1
        shapes = [(self.num_layers * directions, x.shape[1], size)
                  for size in ((self._output_size, self.hidden_size) if has_cell else (self.hidden_size,))]
        hx = _initial_state(name, hx, shapes, "(layers·directions, N, H)", x, 1 if unbatched else None)
        states = hx if has_cell else (hx,)
        finals = []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                state = tuple(t[index] for t in states) if has_cell else states[0][index]
                weights = [getattr(self, n) for n in self._weight_names[index]]
                order = range(x.shape[0]) if direction == 0 else reversed(range(x.shape[0]))
                steps = {}
                for time in order:
                    state = step(x[time], state, *weights)
                    steps[time] = state[0] if has_cell else state
                outputs.append(stack([steps[time] for time in range(x.shape[0])]))
                finals.append(state)
            x = outputs[0] if directions == 1 else cat(outputs, -1)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout)
        if has_cell:
            h_n, c_n = (stack([final[i] for final in finals]) for i in (0, 1))
        else:
            h_n = stack(finals)
        out = x.squeeze(1) if unbatched else x.transpose(0, 1) if self.batch_first else x
        if unbatched:
            h_n, c_n = h_n.squeeze(1), (c_n.squeeze(1) if has_cell else None)
        return out, ((h_n, c_n) if has_cell else h_n)

    def extra_repr(self):
        options = [f"{self.input_size}, {self.hidden_size}"]
        for setting, shown in (("proj_size", self.proj_size != 0), ("num_layers", self.num_layers != 1),
                               ("bias", not self.bias), ("batch_first", self.batch_first),
                               ("dropout", self.dropout != 0), ("bidirectional", self.bidirectional)):
            if shown:
                options.append(f"{setting}={getattr(self, setting)}")
        return ", ".join(options)


class RNN(_Recurrent):
    """Elman's recurrence, h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or relu), over a sequence."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False):
        super().__init__(_nonlinearity_mode("RNN", nonlinearity), input_size, hidden_size, num_layers, bias,
                         batch_first, dropout, bidirectional)


class LSTM(_Recurrent):
    """The LSTM over a sequence; hx and the final state are (h, c); proj_size P > 0 projects h to P features."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size)


class GRU(_Recurrent):
    """The GRU over a sequence."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional)
