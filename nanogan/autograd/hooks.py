"""Backward hooks: code that sees, and may replace, a gradient while the backward pass computes it.

A tensor's hooks (Tensor.register_hook) belong to a node of the graph, as in PyTorch: a leaf's to the leaf itself,
a non-leaf's to the Context of the op that made it, so that a hook registered before an in-place change sees the
gradient of the old value. The node keeps them in `_hooks`, None while it has none. A module's backward hooks
(nn/module.py) are tensor hooks on one packed copy of its inputs and one of its outputs (`hook_together`).
"""
import itertools
import weakref

from ..tensor import Tensor

# Whether any node of this process has had hooks. The engine asks each node for its hooks only then: `_hooks` is set
# on the few nodes that have some, and reading it from the class on the others costs some 400 instructions per node
# (Python 3.11 does not specialise that lookup), a global read once per pass a few. Never set back.
tensor_hooks_exist = False


class RemovableHandle:
    """What registering a hook returns: remove() takes the hook out (again: nothing happens). An owner given (a
    module) is told, by its _hooks_changed(), once the hook is out."""

    _ids = itertools.count()

    def __init__(self, hooks, owner=None):
        self.id = next(RemovableHandle._ids)
        self._hooks = hooks
        # a handle kept by the caller does not keep the owner alive
        self._owner = None if owner is None else weakref.ref(owner)

    def remove(self):
        self._hooks.pop(self.id, None)
        owner = None if self._owner is None else self._owner()
        if owner is not None:
            owner._hooks_changed()


def hook_name(hook):
    return getattr(hook, "__name__", type(hook).__name__)


def check_gradient(owner, hook, result, shape, dtype, device):
    """`result`, a gradient that `hook` returned to replace one of `shape`, `dtype` and `device`, if it is a Tensor
    of those; a gradient of another shape would broadcast into the sums of the backward pass."""
    if not isinstance(result, Tensor):
        raise TypeError(f"{owner}: the hook {hook_name(hook)} must return a Tensor or None, got "
                        f"{type(result).__name__}")
    if result.shape != shape or result.dtype != dtype or result.device != device:
        raise RuntimeError(f"{owner}: the hook {hook_name(hook)} returned a gradient of shape {result.shape}, "
                           f"{result.dtype}, on {result.device} for one of shape {shape}, {dtype}, on {device}")
    return result


class TensorHooks:
    """The hooks on the gradient of one node: those of register_hook, run in the order they were registered, each
    given what the one before returned, then retain_grad's, which keeps the result in the tensor's .grad; as
    PyTorch runs them (its retain_grad hook runs last, whenever it was asked for)."""

    def __init__(self):
        self.hooks = {}  # handle id: hook(grad)
        self.retained = None  # a weakref of the non-leaf whose .grad keeps this gradient (retain_grad)

    @staticmethod
    def of(node):
        """node's hooks, made empty the first time they are asked for."""
        global tensor_hooks_exist
        if node._hooks is None:
            node._hooks = TensorHooks()
            tensor_hooks_exist = True
        return node._hooks

    def __call__(self, grad):
        """The gradient as the hooks leave it. They run in the backward pass's grad mode: under create_graph=True
        what they compute is recorded, so that higher-order gradients flow through a gradient they replaced."""
        for hook in list(self.hooks.values()):  # a copy: a hook may remove itself as it runs
            result = hook(grad)
            if result is not None:
                grad = check_gradient("register_hook", hook, result, grad.shape, grad.dtype, grad.device)
        tensor = None if self.retained is None else self.retained()
        if tensor is not None:  # summed over passes as a leaf's .grad is; a copy: changing .grad changes no gradient
            tensor.grad = grad.clone() if tensor.grad is None else tensor.grad + grad
        return grad


def hook_together(tensors, hook):
    """Tensors equal to `tensors` (each of its shape and dtype), views of one packed copy of them whose gradient
    arrives once all of theirs have: then hook(grads), grads holding one gradient per tensor and None for one that
    got none, may return a tuple of gradients that replaces them (None: a gradient of zeros) before any flows
    further. This is how a module's hook sees the gradients of all its inputs (or all its outputs) at once, as
    PyTorch's BackwardHookFunction, a node of several outputs, gives them; a nanogan op has one output, so the
    tensors are packed into one. An in-place change of a view is refused while grad mode records, as PyTorch
    refuses it: recorded on the packed tensor, it would take the view's gradient past its hook."""
    from ..ops.shape import cat, split  # ops import autograd

    shapes, dtypes, sizes = [t.shape for t in tensors], [t.dtype for t in tensors], [t.numel() for t in tensors]
    packed = cat([t.reshape(-1) for t in tensors])
    views = []
    for part, shape, dtype in zip(split(packed, sizes), shapes, dtypes):
        view = part.reshape(shape)
        view._view_ops, view._view_unreplayable = None, "made for a module's backward hooks"  # see function.py
        views.append(view.to(dtype))  # cat promoted a float32 among float64s
    # The views that got a gradient in this pass; the hook is given None for the others (an output the loss did not
    # use), which their parts of the packed gradient, zeros, would not tell. The gradients themselves are taken
    # from the packed one, after every hook of the views has run.
    arrived = set()
    for i, view in enumerate(views):
        view.register_hook(lambda grad, i=i: arrived.add(i))
    packed_dtype = packed.dtype

    def on_packed_gradient(grad):
        given = tuple(part.reshape(shape).to(dtype) if i in arrived else None
                      for i, (part, shape, dtype) in enumerate(zip(split(grad, sizes), shapes, dtypes)))
        arrived.clear()
        result = hook(given)
        if result is None:
            return None
        return cat([grad.new_zeros(size) if g is None else g.reshape(-1).to(packed_dtype)
                    for g, size in zip(result, sizes)])

    packed.register_hook(on_packed_gradient)
    return views
