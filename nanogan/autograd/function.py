"""Function: one differentiable operation, with its forward and its backward side by side.

forward(ctx, *arrays, **attrs) computes on raw backend arrays (fast, no graph).
backward(ctx, grad_output) computes the input gradients with *Tensor* operations, so that when
backward runs under `create_graph=True` its own operations are recorded and can be
differentiated again (higher-order gradients, as the WGAN-GP penalty needs). This is Chainer's
FunctionNode design.

A Function that computes its backward with a raw kernel (not recorded) sets
`differentiable_backward = False`; differentiating through such a backward raises an error
naming the op instead of silently returning a wrong second derivative.
"""
import weakref

import numpy as np

from .. import backend as backends
from .grad_mode import is_grad_enabled
from ..tensor import Tensor


class Context:
    """What one application of a Function remembers for its backward.

    inputs            the input Tensors (the values and shapes backward may use)
    input_nodes       per input, where its gradient goes: the Context of the op that made it when this op used it,
                      the leaf Tensor itself if it requires grad, or None. These are the graph's edges, fixed when
                      the op is recorded: an in-place change later makes a tensor the output of
                      another op, and the ops that used its old value must still send their gradients to that value
    versions          the inputs' in-place change counts when the op used them (a recorded op only): a backward
                      that reads an input changed since then raises (autograd/engine.py's ChangedInput)
    output            the output Tensor (for ops whose gradient is best written with it: exp, tanh)
    needs_input_grad  per input: must backward compute its gradient in this pass?
    backend, xp       the backend that owns the arrays
    attrs             the non-tensor arguments, also set as attributes (ctx.stride, ...)
    """

    def __init__(self, op, inputs, backend, attrs):
        self.__dict__.update(attrs)
        self.op = op
        self.inputs = inputs
        self.backend = backend
        self.xp = backend.xp
        # the fields, not the property: _checked_arrays has remade the inputs' stale view graphs already
        self.needs_input_grad = tuple([t._requires_grad or t._ctx is not None for t in inputs])
        self.freed = False
        self._output = None

    output_version = 0  # the output's in-place changes when this op made it (see Tensor._set_in_place)
    _hooks = None  # the output's register_hook and retain_grad (autograd/hooks.py), set where it has some

    @property
    def output(self):
        output = self._output()
        if output._version != self.output_version:
            raise RuntimeError(f"{self.name}: its output of shape {output.shape}, which its backward uses, was changed "
                               f"in place after the op made it, so the gradient would come from the new values")
        return output

    @property
    def name(self):
        return self.op.__name__

    def free(self):
        """Drop what backward needed, so that memory returns once the graph has been used."""
        self.__dict__ = {"op": self.op, "needs_input_grad": self.needs_input_grad, "freed": True}


def _checked_arrays(op, tensors):
    """The tensors' arrays and the backend that owns them all, after the checks every op makes: Tensors only,
    floating point where the op is differentiable math, one device. One pass, since every op call runs it."""
    arrays, array_types = [], set()
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op.__name__}: input {i} must be a Tensor, got {type(t).__name__}")
        array = t.array
        if op.floating_only and array.dtype.kind != "f":
            raise TypeError(f"{op.__name__}: expected floating-point tensors, got {t.dtype} "
                            f"for input {i} of shape {tuple(t.shape)}")
        arrays.append(array)
        array_types.add(type(array))
        if t._base is not None and t._view_version != t._versions[0]:  # a view whose base changed since
            refresh_view(t)
    # one array type means one backend: the usual case skips a backend lookup per input (about 3k instructions)
    if len(array_types) > 1:
        require_one_device(op.__name__, tensors)
    return arrays, backends.of(arrays[0])


def memory_owner(array):
    """The array (or buffer) that owns the memory a view looks into."""
    while getattr(array, "base", None) is not None:
        array = array.base
    return array


def _viewed_input(out, inputs, arrays):
    """The input whose memory the op's output `out`, a view (or an input's very array), looks into; or None."""
    owner = memory_owner(out)
    for t, array in zip(inputs, arrays):
        if memory_owner(array) is owner:
            return t
    return None


def _share_memory(result, viewed, op, attrs):
    """`result` looks into `viewed`'s memory: it counts its in-place changes with viewed's count, and knows viewed's
    base (the tensor that owns the memory) as its own, as PyTorch's views do. It also keeps the ops that made it
    from its base, `_view_ops` ((Function, attrs), ..., each of one input), so that its graph can be made again
    from the base's (refresh_view) and an in-place change of it replayed on the base (Tensor._set_in_place); and
    the count at which its graph was made, `_view_version`. A view that cannot be made again keeps why, in
    `_view_unreplayable`: one made under no_grad stays outside the graph, as the caller asked."""
    result._versions = viewed._versions
    result._view_version = viewed._versions[0]
    if viewed._base is None:
        result._base, made_from_base, why_not = viewed, (), None
    else:
        result._base, made_from_base, why_not = viewed._base, viewed._view_ops, viewed._view_unreplayable
    if why_not is None and op is None:
        why_not = "made by an op of several inputs"
    if why_not is None and not is_grad_enabled():
        why_not = "made under no_grad"
    result._view_ops = None if why_not else made_from_base + ((op, attrs),)
    result._view_unreplayable = why_not


def refresh_view(view):
    """A view whose base changed in place since its graph was made takes the base's graph, made again through its
    view ops, as PyTorch's views do (only while grad mode records: under no_grad no graph is made). One that cannot
    be made again is refused while its base is in a graph, where its old graph would give wrong gradients. Any
    other tensor is left as it is."""
    if view._base is None or view._view_version == view._versions[0] or not is_grad_enabled():
        return
    if view._view_ops is not None:
        view._remake_view_graph()
    elif view._base.requires_grad:
        raise RuntimeError(f"a view (shape {view.shape}, of a tensor of shape {view._base.shape}) "
                           f"{view._view_unreplayable} is used after its base changed in place, so its graph is not "
                           f"the base's any more; take the view again after the change")


def require_one_device(op_name, tensors):
    """Raise, naming the op and every tensor's shape and device, unless all the tensors live on one device."""
    backend = tensors[0].backend
    if any(t.backend is not backend for t in tensors[1:]):
        shapes = ", ".join(f"{tuple(t.shape)} on {t.device}" for t in tensors)
        raise RuntimeError(f"{op_name}: expected all tensors on one device, got {shapes}")


class Function:
    """Subclass and write `forward` and `backward` as staticmethods; call with `.apply`."""

    differentiable_backward = True
    floating_only = True  # differentiable math on integer tensors is refused with a clear error
    reads_output = False  # does backward read ctx.output? An in-place change of a view of it then keeps a copy

    @staticmethod
    def forward(ctx, *arrays, **attrs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad_output):
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **attrs):
        arrays, backend = _checked_arrays(cls, inputs)
        ctx = Context(cls, inputs, backend, attrs)
        out = cls.forward(ctx, *arrays, **attrs)
        if isinstance(out, (np.generic, float, int)):  # numpy reductions to 0-d return scalars
            out = backend.xp.asarray(out)
        # new memory, the usual case, is told by one look: an op hands back an input unchanged only as its first
        viewed = None if getattr(out, "base", None) is None and out is not arrays[0] else \
            _viewed_input(out, inputs, arrays)
        records = any(ctx.needs_input_grad) and is_grad_enabled()
        result = Tensor(out, _ctx=ctx if records else None)
        if viewed is not None:
            _share_memory(result, viewed, cls if len(inputs) == 1 else None, attrs)
        if not records:
            return result
        if viewed is not None:
            ctx.output_version = result._versions[0]  # new memory starts at the class's 0
        ctx._output = weakref.ref(result)
        # the graph's edges, and the counts backward checks; one loop of attributes for both, as every recorded op
        # pays it (a Context is never false)
        ctx.input_nodes, ctx.versions = nodes, versions = [], []
        for t in inputs:
            nodes.append(t._ctx or (t if t._requires_grad else None))
            versions.append(t._versions[0])
        return result


class NotDifferentiable(Function):
    """Stands in the recorded graph where a backward was computed outside of it; differentiating
    through it raises rather than returning a wrong higher-order gradient."""

    floating_only = False

    @staticmethod
    def forward(ctx, grad, *op_inputs, op_name):
        return grad  # op_inputs only tie this node to the op's inputs, so it is recorded whenever they need grad

    @staticmethod
    def backward(ctx, grad_output):
        raise RuntimeError(f"{ctx.op_name}: its backward is not differentiable, so a gradient of its "
                           f"gradient (create_graph=True) cannot be computed through it")


class NotDifferentiableWhere(Function):
    """y = x: a first derivative computed by a formula that is right everywhere but whose own derivative is wrong
    where the boolean array `wrong` is set. dx = g, unless `wrong` is set anywhere: then differentiating through
    it raises RuntimeError(message) (on a GPU at the next host read, as the device's other checks), rather than
    return a wrong higher-order gradient."""

    floating_only = False

    @staticmethod
    def forward(ctx, x, *, wrong, message):
        return x

    @staticmethod
    def backward(ctx, g):
        ctx.backend.require(~ctx.wrong, RuntimeError, ctx.message)
        return g
