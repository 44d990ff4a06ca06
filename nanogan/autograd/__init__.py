"""Autograd: the graph (function.py), its traversal (engine.py), grad mode, and gradient checks."""
from .function import Function, Context
from .grad_mode import no_grad, enable_grad, is_grad_enabled, set_grad_enabled
from .engine import run_backward, _key
from .gradcheck import gradcheck, gradgradcheck, GradcheckError


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _default_root_grad(output, op_name):
    from ..tensor import ones_like

    if output.numel() != 1:
        raise RuntimeError(f"{op_name}: grad can be implicitly created only for scalar outputs, got an "
                           f"output of shape {tuple(output.shape)}; pass the gradient explicitly")
    return ones_like(output)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
    """Accumulate d(tensors)/d(leaf) into every reachable leaf's `.grad`."""
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors) if grad_tensors is not None else (None,) * len(tensors)
    roots, root_grads = [], []
    for t, g in zip(tensors, grad_tensors):
        if not t.requires_grad:
            raise RuntimeError(f"backward: a tensor of shape {tuple(t.shape)} does not require grad "
                               f"and has no graph to differentiate")
        roots.append(t)
        root_grads.append(g if g is not None else _default_root_grad(t, "backward"))
    run_backward(roots, root_grads, None, create_graph if retain_graph is None else retain_graph,
                 create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """The gradients of `outputs` with respect to `inputs`, as a tuple (like torch.autograd.grad).

    Leaves' `.grad` are left untouched. With create_graph=True the returned gradients carry a graph
    of their own and can be differentiated again.
    """
    outputs, inputs = _as_tuple(outputs), _as_tuple(inputs)
    grad_outputs = _as_tuple(grad_outputs) if grad_outputs is not None else (None,) * len(outputs)
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} of shape {tuple(t.shape)} does not require grad")
    roots, root_grads = [], []
    for t, g in zip(outputs, grad_outputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad: output of shape {tuple(t.shape)} does not require grad")
        roots.append(t)
        root_grads.append(g if g is not None else _default_root_grad(t, "grad"))
    keys = [_key(t) for t in inputs]
    captured = run_backward(roots, root_grads, keys, create_graph if retain_graph is None else retain_graph,
                            create_graph)
    result = []
    for i, (t, k) in enumerate(zip(inputs, keys)):
        g = captured.get(k)
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: input {i} of shape {tuple(t.shape)} was not used to compute the "
                               f"outputs; pass allow_unused=True to get None for it")
        result.append(g)
    return tuple(result)
