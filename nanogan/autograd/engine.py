"""Reverse-mode differentiation over the recorded graph.

The graph: each non-leaf Tensor points to the Context of the Function that made it, and the
Context points to its input Tensors. `run_backward` visits the Contexts reachable from the
outputs in reverse topological order, calls each Function's backward with the gradient of its
output, and sums what flows into each input. With create_graph=True the backward calls are
themselves recorded (their results carry graphs), which is all higher-order gradients need.
"""
import numpy as np

from .function import NotDifferentiable, memory_owner
from ..tensor import Tensor
from .grad_mode import no_grad, enable_grad


def _key(tensor):
    """Gradients are summed per node: a leaf Tensor, or the Context that produced a non-leaf."""
    return id(tensor._ctx) if tensor._ctx is not None else id(tensor)


def _check_not_freed(ctx):
    if ctx.freed:
        raise RuntimeError(
            f"{ctx.name}: trying to backward through the graph a second time, but its saved values "
            f"were freed by the first backward; pass retain_graph=True to the first call")


def _check_inputs_unchanged(ctx):
    for i, (t, version) in enumerate(zip(ctx.inputs, ctx.versions)):
        if t._versions[0] != version:
            raise RuntimeError(
                f"{ctx.name}: its input {i} of shape {t.shape} was changed in place after the op used it (version "
                f"{version}, now {t._version}), so the gradient would come from the new values; an optimiser step "
                f"between the forward pass and backward() is the usual cause")


def _refuse_loop(ctx, t):
    raise RuntimeError(
        f"{ctx.name}: the recorded graph loops through its input of shape {t.shape}: an in-place change was given a "
        f"value computed from the tensor it changed (as in e.add_(e.sum()) or e[2:].copy_(e[:2])), and that tensor now "
        f"stands for its new value; compute the new tensor out of place (e = e + e.sum()) instead")


ON_PATH, DONE = 1, 2  # a Context's state in the walk: its inputs being walked, or walked


def _topological_order(roots):
    """Contexts reachable from the roots, each after every Context that consumes its output. A depth-first walk; an
    input whose Context is still ON_PATH (on the way from a root to here) closes a loop, which only an in-place
    change can make."""
    order, state = [], {}
    stack = [(r._ctx, False) for r in roots if r._ctx is not None]
    while stack:
        ctx, expanded = stack.pop()
        if expanded:
            state[id(ctx)] = DONE
            order.append(ctx)
            continue
        if id(ctx) in state:
            continue
        _check_not_freed(ctx)
        state[id(ctx)] = ON_PATH
        stack.append((ctx, True))
        for t in ctx.inputs:
            if t._ctx is None:
                continue
            seen = state.get(id(t._ctx))
            if seen is None:
                stack.append((t._ctx, False))
            elif seen == ON_PATH:
                _refuse_loop(ctx, t)
    order.reverse()
    return order


def _reaching(order, targets):
    """Keys of the targets and of every Context whose inputs lead back to a target: only these
    need a gradient when ng.grad asks for some inputs (D's weights are skipped in a penalty's
    input gradient)."""
    reaches = set(targets)
    for ctx in reversed(order):  # inputs before consumers
        if any(_key(t) in reaches for t in ctx.inputs if t.requires_grad):
            reaches.add(id(ctx))
    return reaches


def run_backward(roots, root_grads, targets=None, retain_graph=False, create_graph=False):
    """Propagate root_grads from roots. Returns {node key: gradient} for the target keys, and
    accumulates into `.grad` of every leaf reached when targets is None (Tensor.backward)."""
    order = _topological_order(roots)
    # Each op's output is alive now (a consumer's input, or a root); pin it for the pass, since
    # freeing a consumer's inputs would otherwise drop it before its own backward reads ctx.output.
    pinned = [ctx._output() for ctx in order]  # noqa: F841
    reaches = _reaching(order, targets) if targets is not None else None

    def add(a, b):
        """a + b for two gradients of one node: recorded under create_graph, else plain array arithmetic (a
        graph node per sum would be host time for nothing; asarray keeps numpy's 0-d sum an array)."""
        if create_graph:
            return a + b
        total = a.data + b.data
        return Tensor(a.backend.xp.asarray(total) if isinstance(total, np.generic) else total)

    grads = {}
    for root, grad in zip(roots, root_grads):
        k = _key(root)
        grads[k] = add(grads[k], grad) if k in grads else grad
    captured = {}
    # A leaf's .grad is its owner's to change in place (zero_, +=), so it must not share memory with another leaf's
    # or with the caller's gradient: an op passes its gradient through unchanged (add) or as a view (reshape) to
    # several inputs, and a sum's is a broadcast, whose values share memory (zero strides). Disjoint parts of one
    # array are fine (batch norm's dγ and dβ are the rows of one (2, C) array of sums). The arrays handed out, by
    # the memory they look into:
    handed_out = {}

    def hand_out(data):
        handed_out.setdefault(id(memory_owner(data)), []).append(data)

    for g in root_grads:
        hand_out(g.data)

    def own(grad):
        data = grad.data
        same_memory = handed_out.get(id(memory_owner(data)), ())
        if 0 in data.strides or any(grad.backend.xp.may_share_memory(data, other) for other in same_memory):
            grad = grad.clone()
        hand_out(grad.data)
        return grad

    def deliver(tensor, grad):
        k = _key(tensor)
        if tensor._ctx is None and targets is None:
            tensor.grad = own(grad) if tensor.grad is None else add(tensor.grad, grad)
            return
        grads[k] = add(grads[k], grad) if k in grads else grad

    for root in roots:
        if root._ctx is None:
            deliver(root, grads.pop(_key(root)))

    mode = enable_grad if create_graph else no_grad
    with mode():
        for ctx in order:
            k = id(ctx)
            grad = grads.pop(k, None)
            if targets is not None and k in targets:
                captured[k] = grad
            needs = tuple([t.requires_grad and (reaches is None or _key(t) in reaches) for t in ctx.inputs])
            if grad is None or not any(needs):
                continue
            ctx.needs_input_grad = needs
            _check_inputs_unchanged(ctx)
            input_grads = ctx.op.backward(ctx, grad)
            if not isinstance(input_grads, tuple):
                input_grads = (input_grads,)
            for t, g, needed in zip(ctx.inputs, input_grads, ctx.needs_input_grad):
                if not needed or g is None:
                    continue
                if g.data.shape != t.data.shape:
                    raise RuntimeError(f"{ctx.name}: backward returned a gradient of shape {tuple(g.shape)} "
                                       f"for an input of shape {tuple(t.shape)}")
                if g.data.dtype != t.data.dtype:  # a float32 input that met a float64 one: its gradient stays
                    from ..ops.elementwise import cast  # float32, as PyTorch's does (ops import autograd)
                    g = cast(g, t.dtype)
                if create_graph and not ctx.op.differentiable_backward:
                    g = NotDifferentiable.apply(g, *ctx.inputs, op_name=ctx.name)
                deliver(t, g)
            if not retain_graph:
                ctx.free()
    if targets is not None:
        for key in targets:
            if key in grads:  # leaves
                captured[key] = grads[key]
    return captured
