"""Autograd: the graph (function.py), its traversal (engine.py), grad mode, and gradient checks."""
from .function import Function, Context, refresh_view
from .grad_mode import no_grad, enable_grad, inference_mode, is_grad_enabled, set_grad_enabled
from .engine import run_backward, _key
from .gradcheck import gradcheck, gradgradcheck, GradcheckError
from ..legacy import Variable  # torch < 0.4's name


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _root_grads(op_name, outputs, given):
    """The gradient that starts the backward pass at each output: the one given for it, checked (a Tensor of the
    output's shape and device, cast to its dtype, as PyTorch does), or 1 for a one-element output."""
    from ..tensor import Tensor, ones_like

    if given is None:
        given = (None,) * len(outputs)
    given = _as_tuple(given)
    if len(given) != len(outputs):
        raise RuntimeError(f"{op_name}: {len(given)} gradients given for {len(outputs)} outputs")
    grads = []
    for i, (output, g) in enumerate(zip(outputs, given)):
        if g is None:
            if output.numel() != 1:
                raise RuntimeError(f"{op_name}: grad can be implicitly created only for scalar outputs, got an "
                                   f"output of shape {tuple(output.shape)}; pass the gradient explicitly")
            g = ones_like(output)
        elif not isinstance(g, Tensor):
            raise TypeError(f"{op_name}: the gradient given for output {i} must be a Tensor of shape "
                            f"{tuple(output.shape)}, got {type(g).__name__}")
        elif g.shape != output.shape:
            raise RuntimeError(f"{op_name}: the gradient given for output {i} has shape {tuple(g.shape)}, but the "
                               f"output has shape {tuple(output.shape)}")
        elif g.device != output.device:
            raise RuntimeError(f"{op_name}: the gradient given for output {i} is on {g.device}, but the output is "
                               f"on {output.device}")
        elif not g.is_floating_point():
            raise TypeError(f"{op_name}: the gradient given for output {i} must be floating-point, got {g.dtype}")
        elif g.dtype != output.dtype:
            g = g.to(output.dtype)
        grads.append(g)
    return grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, *, inputs=None):
    """Accumulate d(tensors)/d(leaf) into every reachable leaf's `.grad`; with `inputs` (a tensor or a list, leaves
    or not), into theirs only, as PyTorch's does."""
    tensors = _as_tuple(tensors)
    for t in tensors:
        refresh_view(t)
        if not t.requires_grad:
            raise RuntimeError(f"backward: a tensor of shape {tuple(t.shape)} does not require grad "
                               f"and has no graph to differentiate")
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("backward: inputs must name at least one tensor, got none")
        for i, t in enumerate(inputs):
            refresh_view(t)
            if not t.requires_grad:
                raise RuntimeError(f"backward: input {i} of shape {tuple(t.shape)} does not require grad")
    roots, root_grads = list(tensors), _root_grads("backward", tensors, grad_tensors)
    run_backward(roots, root_grads, None if inputs is None else [_key(t) for t in inputs],
                 create_graph if retain_graph is None else retain_graph, create_graph, into=inputs)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, *, materialize_grads=False):
    """The gradients of `outputs` with respect to `inputs`, as a tuple (like torch.autograd.grad).

    Leaves' `.grad` are left untouched. With create_graph=True the returned gradients carry a graph
    of their own and can be differentiated again. `only_inputs` is accepted for ported WGAN-GP code and, as in
    PyTorch since 0.4, changes nothing: only the inputs' gradients are ever computed. An input the outputs do not
    depend on is an error, or with allow_unused=True has gradient None, or with materialize_grads=True (which
    allow_unused defaults to) zeros, as in PyTorch.
    """
    if materialize_grads and allow_unused is False:
        raise ValueError("grad: materialize_grads=True gives zeros for unused inputs, so allow_unused must be True "
                         "or not given, got allow_unused=False")
    allow_unused = materialize_grads if allow_unused is None else allow_unused
    outputs, inputs = _as_tuple(outputs), _as_tuple(inputs)
    if not inputs:
        raise RuntimeError("grad: inputs must name at least one tensor, got none")
    for t in outputs + inputs:
        refresh_view(t)
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} of shape {tuple(t.shape)} does not require grad")
    for t in outputs:
        if not t.requires_grad:
            raise RuntimeError(f"grad: output of shape {tuple(t.shape)} does not require grad")
    roots, root_grads = list(outputs), _root_grads("grad", outputs, grad_outputs)
    keys = [_key(t) for t in inputs]
    captured = run_backward(roots, root_grads, keys, create_graph if retain_graph is None else retain_graph,
                            create_graph)
    result = []
    for i, (t, k) in enumerate(zip(inputs, keys)):
        g = captured.get(k)
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: input {i} of shape {tuple(t.shape)} was not used to compute the "
                               f"outputs; pass allow_unused=True to get None for it")
        if g is None and materialize_grads:
            from ..tensor import zeros_like
            g = zeros_like(t, requires_grad=create_graph)
        result.append(g)
    return tuple(result)
