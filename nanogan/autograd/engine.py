"""Reverse-mode differentiation over the recorded graph.

The graph: each non-leaf Tensor points to the Context of the Function that made it, and the
Context points to its input Tensors. `run_backward` visits the Contexts reachable from the
outputs in reverse topological order, calls each Function's backward with the gradient of its
output, and sums what flows into each input. With create_graph=True the backward calls are
themselves recorded (their results carry graphs), which is all higher-order gradients need.
A node's hooks (autograd/hooks.py: Tensor.register_hook, retain_grad) see its summed gradient before it is used: a
Context's before its backward runs, a leaf's once the pass is over.
"""
import numpy as np

from . import hooks
from .function import Context, NotDifferentiable, memory_owner
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


class ChangedInput(Tensor):
    """An input of a recorded op as the op's backward sees it once the input was changed in place after the op used
    it: its shape, dtype and device, which no in-place change alters, and not its values, which are new. A backward
    that reads them raises (PyTorch's "modified by an inplace operation"); the many that read only shapes (add,
    reshape, a slice, sum) compute, as in PyTorch, which checks only the tensors a backward saved."""

    def __init__(self, ctx, index):
        self._changed = ctx.inputs[index]
        self._op_name, self._index, self._used_version = ctx.name, index, ctx.versions[index]
        self._ctx, self._requires_grad, self._base = None, False, None  # what a Tensor answers without its values

    @property
    def array(self):
        raise RuntimeError(
            f"{self._op_name}: its input {self._index} of shape {self.shape} was changed in place after the op used it "
            f"(version {self._used_version}, now {self._changed._version}), so the gradient would come from the new "
            f"values; an optimiser step between the forward pass and backward() is the usual cause")

    def __repr__(self):
        return f"ChangedInput(input {self._index} of {self._op_name}, shape {self.shape})"

    shape = property(lambda self: self._changed.shape)
    dtype = property(lambda self: self._changed.dtype)
    ndim = property(lambda self: self._changed.ndim)
    backend = property(lambda self: self._changed.backend)


def _call_backward(ctx, grad):
    """ctx.op.backward(ctx, grad), where the inputs changed in place since the op used them are ChangedInputs."""
    inputs = ctx.inputs
    if [t._versions[0] for t in inputs] == ctx.versions:
        return ctx.op.backward(ctx, grad)
    ctx.inputs = tuple([t if t._versions[0] == version else ChangedInput(ctx, i)
                        for i, (t, version) in enumerate(zip(inputs, ctx.versions))])
    try:
        return ctx.op.backward(ctx, grad)
    finally:
        ctx.inputs = inputs


def _topological_order(roots):
    """Contexts reachable from the roots, each after every Context that consumes its output. A depth-first walk
    along the edges fixed when each op was recorded (Context.input_nodes), which lead only to older Contexts: the
    graph cannot loop, even where an in-place change was given a value computed from the tensor it changed."""
    order, seen = [], set()
    stack = [(r._ctx, False) for r in roots if r._ctx is not None]
    while stack:
        ctx, expanded = stack.pop()
        if expanded:
            order.append(ctx)
            continue
        if id(ctx) in seen:
            continue
        _check_not_freed(ctx)
        seen.add(id(ctx))
        stack.append((ctx, True))
        stack.extend([(node, False) for node in ctx.input_nodes
                      if isinstance(node, Context) and id(node) not in seen])
    order.reverse()
    return order


def _reaching(order, targets):
    """Keys of the targets and of every Context whose inputs lead back to a target: only these
    need a gradient when ng.grad asks for some inputs (D's weights are skipped in a penalty's
    input gradient)."""
    reaches = set(targets)
    for ctx in reversed(order):  # inputs before consumers
        if any(id(node) in reaches for node in ctx.input_nodes if node is not None):
            reaches.add(id(ctx))
    return reaches


def run_backward(roots, root_grads, targets=None, retain_graph=False, create_graph=False, into=None):
    """Propagate root_grads from roots. Returns {node key: gradient} for the target keys, and
    accumulates into `.grad` of every leaf reached when targets is None (Tensor.backward), or of the tensors `into`
    (backward(inputs=...), whose keys are the targets)."""
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
        total = a.array + b.array
        return Tensor(a.backend.xp.asarray(total) if isinstance(total, np.generic) else total)

    grads = {}
    for root, grad in zip(roots, root_grads):
        k = _key(root)
        grads[k] = add(grads[k], grad) if k in grads else grad
    captured = {}
    # A leaf's .grad is its owner's to change in place (zero_, +=), so it must not share memory with another leaf's
    # or with the caller's gradient: an op passes its gradient through unchanged (add) or as a view (reshape) to
    # several inputs, and a sum's is a broadcast, whose values share memory (zero strides). Disjoint parts of one
    # array are fine (batch norm's dγ and dβ are the rows of one (2, C) array of sums). Nor may it be a gradient that
    # something else holds, as backward adds into .grad in place: PyTorch's starts .grad as a (recorded) copy of a
    # gradient referenced elsewhere: one that a hook saw, and may keep, or under create_graph any, which the recorded
    # backward ops may have read. The gradients hooks saw, by id, and the arrays handed out, by the memory they look
    # into:
    seen_by_hooks = {}
    handed_out = {}

    def run_hooks(node_hooks, grad):
        grad = node_hooks(grad)
        if node_hooks.hooks:
            seen_by_hooks[id(grad)] = grad
        return grad

    def hand_out(data):
        handed_out.setdefault(id(memory_owner(data)), []).append(data)

    for g in root_grads:
        hand_out(g.array)

    def shares_memory(t):
        """Does t's array write to one place from several elements (a broadcast), or look into one handed out?"""
        data = t.array
        return 0 in data.strides or any(t.backend.xp.may_share_memory(data, other)
                                        for other in handed_out.get(id(memory_owner(data)), ()))

    def own(grad):
        if create_graph or id(grad) in seen_by_hooks or shares_memory(grad):
            grad = grad.clone()
        hand_out(grad.array)
        return grad

    set_in_this_pass = set()  # the leaves whose .grad this pass made: their later gradients add out of place

    def accumulate(tensor, grad):
        """grad into tensor's .grad. A .grad from before this pass takes it in place, as PyTorch's does (what holds
        a reference to it, an optimiser's or a caller's, sees the sum; its version counts the change), unless
        create_graph records the sum, or it is read-only, a broadcast, or looks into a gradient handed out in this
        pass. One made in this pass may be a gradient still on its way to another node: that sum is a new tensor."""
        existing = tensor.grad
        if existing is None:
            tensor.grad = own(grad)
            set_in_this_pass.add(id(tensor))
            return
        data = existing.array
        in_place = not (create_graph or id(tensor) in set_in_this_pass or not getattr(data.flags, "writeable", True)
                        or shares_memory(existing))
        if not in_place:
            tensor.grad = add(existing, grad)
            return
        existing.backend.xp.add(data, grad.array, out=data)
        existing._versions[0] += 1

    hooked = hooks.tensor_hooks_exist  # else no node need be asked for its hooks
    hooked_leaves = {}  # the leaves with hooks that were reached, by key: grads sums their gradients

    def deliver(node, grad):
        """Into a leaf's .grad (backward()), or into the sum for node (a Context, a leaf ng.grad asked for, or a
        leaf with hooks, which see the sum of its gradients as PyTorch's do)."""
        if isinstance(node, Tensor):
            if not node._requires_grad:  # requires_grad_(False) since an op used it: no gradient, as in PyTorch
                return
            if hooked and node._hooks is not None:
                hooked_leaves[id(node)] = node
            elif targets is None:
                accumulate(node, grad)
                return
        k = id(node)
        grads[k] = add(grads[k], grad) if k in grads else grad

    for root in roots:
        if root._ctx is None:
            deliver(root, grads.pop(_key(root)))

    mode = enable_grad if create_graph else no_grad
    with mode():
        for ctx in order:
            k = id(ctx)
            grad = grads.pop(k, None)
            if hooked and ctx._hooks is not None and grad is not None:  # its output's register_hook and retain_grad
                grad = run_hooks(ctx._hooks, grad)
            if targets is not None and k in targets:
                captured[k] = grad
            needs = tuple([node is not None and (reaches is None or id(node) in reaches) for node in ctx.input_nodes])
            if grad is None or not any(needs):
                continue
            ctx.needs_input_grad = needs
            input_grads = _call_backward(ctx, grad)
            if not isinstance(input_grads, tuple):
                input_grads = (input_grads,)
            for t, node, g, needed in zip(ctx.inputs, ctx.input_nodes, input_grads, ctx.needs_input_grad):
                if not needed or g is None:
                    continue
                if g.array.shape != t.array.shape:
                    raise RuntimeError(f"{ctx.name}: backward returned a gradient of shape {tuple(g.shape)} "
                                       f"for an input of shape {tuple(t.shape)}")
                if g.array.dtype != t.array.dtype:  # a float32 input that met a float64 one: its gradient stays
                    from ..ops.elementwise import cast  # float32, as PyTorch's does (ops import autograd)
                    g = cast(g, t.dtype)
                if create_graph and not ctx.op.differentiable_backward:
                    g = NotDifferentiable.apply(g, *ctx.inputs, op_name=ctx.name)
                deliver(node, g)
            if not retain_graph:
                ctx.free()
        # every gradient of a hooked leaf is in: its hooks run once the pass is over, on their sum, which then goes
        # where any leaf's goes (deliver, told that the hooks have run)
        hooked = False
        for k, leaf in hooked_leaves.items():
            deliver(leaf, run_hooks(leaf._hooks, grads.pop(k)))
        if targets is not None:
            for key in targets:
                if key in grads:  # leaves
                    captured[key] = grads[key]
        for key, tensor in {} if into is None else {_key(t): t for t in into}.items():
            # once per tensor, as PyTorch's; one that retains its grad has it there already (its hooks ran)
            if key in captured and not tensor._retains_grad:
                accumulate(tensor, captured[key])
    return captured
