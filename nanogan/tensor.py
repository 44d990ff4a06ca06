"""Tensor: an n-dimensional array on a device, plus the edge to the op that made it.

`array` is the backend's raw array (numpy on the CPU, CuPy on the GPU); `data` is PyTorch's: the same memory as
a tensor outside autograd. A Tensor made by an op
while grad mode is on keeps that op's Context in `_ctx`; backward follows these edges. Every
method below is a thin call into ops/, where the math lives.
"""
import weakref

import numpy as np

from . import backend as backends
from .arguments import int_at_least, is_finite, is_int, require
from .random import numpy_generator

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int64 = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)
float16, int32, int16, int8, uint8 = map(np.dtype, (np.float16, np.int32, np.int16, np.int8, np.uint8))

# the floating dtype of new tensors and Python floats, and of integers that an op computes in floating point
_default_dtype = float32


def set_default_dtype(dtype):
    """Make `dtype` (float16, float32 or float64) the default floating dtype, as torch.set_default_dtype: of the
    creation functions without a dtype (zeros, rand, arange of floats, ...), of Python floats (ng.tensor([1.0]),
    an int tensor times 0.5) and of what ops compute from integers (int / int, exp of an int). Integer and bool
    tensors are unaffected. torch also takes bfloat16, which nanogan has not."""
    global _default_dtype
    try:
        chosen = np.dtype(dtype)
    except TypeError:
        chosen = None
    # `in` compares with ==, and a numpy dtype equals None (np.dtype(None) is float64)
    if dtype is None or chosen not in (float16, float32, float64):
        raise TypeError(f"set_default_dtype: dtype must be a floating dtype (float16, float32 or float64), got "
                        f"{dtype!r}")
    _default_dtype = chosen


def get_default_dtype():
    """The default floating dtype (float32 unless set_default_dtype changed it)."""
    return _default_dtype


def finfo(dtype=None):
    """The limits of a floating dtype (eps, tiny, max, min, resolution, bits; of the default dtype unless given):
    numpy's, with torch.finfo's fields."""
    return np.finfo(_default_dtype if dtype is None else dtype)


def iinfo(dtype):
    """The limits of an integer dtype (max, min, bits)."""
    return np.iinfo(dtype)


def _in_place(name):
    """The in-place variant of the Tensor method `name`: self ← self.name(*args, **kwargs), in self's memory
    (_set_in_place, which refuses a result that self's dtype cannot hold: exp_ of an int tensor)."""
    def change_in_place(self, *args, **kwargs):
        return self._set_in_place(f"{name}_", lambda old, *others: getattr(old, name)(*others, **kwargs), *args)
    change_in_place.__name__ = f"{name}_"
    change_in_place.__doc__ = f"In place, self ← self.{name}(...)."
    return change_in_place


class Tensor:
    __array_priority__ = 1000  # numpy scalars on the left defer to Tensor's operators
    _hooks = None  # a leaf's register_hook hooks (autograd/hooks.py), set where it has some; a non-leaf's are its op's
    _retains_grad = False  # retain_grad() was asked of this non-leaf

    def __init__(self, array, requires_grad=False, _ctx=None):
        self.array = array
        self._ctx = _ctx
        self._grad = None  # not through the checking setter: every op's output is made here
        self._requires_grad = False
        # in-place changes so far of the memory it looks into, one count shared by the tensors that share that
        # memory (its views, detach()), as in PyTorch; see _set_in_place
        self._versions = [0]
        # the tensor whose memory this view (a shape op's output) looks into, or None; a view also keeps the ops that
        # made it of _base and the count at which its graph was made: function.py's _share_memory
        self._base = None
        if requires_grad:
            self.requires_grad_(True)

    # ---- what it is ---------------------------------------------------------------
    @property
    def grad(self):
        """The gradient that backward() accumulated here, or None."""
        return self._grad

    @grad.setter
    def grad(self, value):
        # checked here, not where it is used: a wrongly shaped .grad would broadcast into the next backward's sum
        matches = (isinstance(value, Tensor) and value.shape == self.shape and value.dtype == self.dtype
                   and (type(value.array) is type(self.array) or value.device == self.device))
        if value is not None and not matches:
            what = (f"a Tensor of shape {value.shape}, {value.dtype}, on {value.device}"
                    if isinstance(value, Tensor) else type(value).__name__)
            raise (RuntimeError if isinstance(value, Tensor) else TypeError)(
                f"Tensor.grad: the gradient of a tensor of shape {self.shape}, {self.dtype}, on {self.device} must "
                f"be None or a Tensor of that shape, dtype and device, got {what}")
        self._grad = value

    @property
    def backend(self):
        return backends.of(self.array)

    @property
    def device(self):
        return self.backend.name

    @property
    def shape(self):
        return tuple(self.array.shape)

    @property
    def dtype(self):
        return self.array.dtype

    @property
    def ndim(self):
        return self.array.ndim

    def dim(self):
        return self.array.ndim

    def is_floating_point(self):
        return self.array.dtype.kind == "f"

    def size(self, dim=None):
        if dim is None:
            return self.shape
        if self.ndim == 0:
            raise IndexError(f"size: a 0-d tensor has no dimension {dim}")
        return self.shape[ops.shape.dim_index("size", dim, self.ndim)]

    def numel(self):
        return int(self.array.size)

    nelement = numel

    def element_size(self):
        """Bytes per element."""
        return self.array.itemsize

    def stride(self, dim=None):
        """Steps in elements from one index to the next along each dimension, as PyTorch counts them (numpy's and
        CuPy's strides count bytes)."""
        steps = tuple(step // self.array.itemsize for step in self.array.strides)
        return steps if dim is None else steps[ops.shape.dim_index("stride", dim, self.ndim)]

    def is_contiguous(self):
        return bool(self.array.flags.c_contiguous)

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    @property
    def requires_grad(self):
        return self._requires_grad or self._graph() is not None

    @requires_grad.setter
    def requires_grad(self, value):
        ctx = self._graph()
        if ctx is not None:  # even True, which requires_grad_ answers with self: PyTorch's attribute refuses both
            raise RuntimeError(f"requires_grad: only leaf tensors can change requires_grad, and this one (shape "
                               f"{self.shape}) was made by {ctx.name}; use .detach() first")
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        if self._ctx is not None:
            if requires_grad:  # it does already, as the output of an op that records
                return self
            raise RuntimeError("requires_grad_: only leaf tensors can change requires_grad; "
                               "use .detach() first")
        if requires_grad and not self.is_floating_point():
            raise TypeError(f"requires_grad_: only floating-point tensors can require gradients, "
                            f"got {self.dtype} of shape {self.shape}")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def _version(self):
        return self._versions[0]

    @property
    def is_leaf(self):
        return self._graph() is None

    @property
    def grad_fn(self):
        ctx = self._graph()
        return None if ctx is None else ctx.op

    def _graph(self):
        """The Context of the op that made this tensor. A view whose base changed in place since its graph was made
        takes the base's new graph first, as PyTorch remakes a view's grad_fn when it is asked for (ops ask it of
        their inputs: autograd.function.refresh_view)."""
        if self._base is not None and self._view_version != self._versions[0] and self._view_ops is not None:
            with grad_mode.enable_grad():
                self._remake_view_graph()
        return self._ctx

    def __repr__(self):
        ctx = self._graph()
        extra = f", grad_fn={ctx.name}" if ctx is not None else (", requires_grad=True" if self._requires_grad else "")
        device = f", device='{self.device}'" if self.device != "cpu" else ""
        body = np.array2string(self.numpy(), separator=", ", prefix="tensor(")
        dtype = f", dtype={self.dtype}" if self.dtype not in (_default_dtype, int64, bool_) else ""
        return f"tensor({body}{dtype}{device}{extra})"

    # ---- leaving the graph / the device ------------------------------------------
    def numpy(self):
        return self.backend.to_host(self.array)

    def __array__(self, dtype=None, copy=None):
        """What numpy sees of a CPU tensor (`np.asarray(t)`, `np.testing`, matplotlib), as PyTorch's: its memory, or
        a copy where `dtype` or `copy` asks for one. A GPU tensor is refused, as PyTorch refuses it, rather than
        copied to the host behind the caller's back."""
        if self.device != "cpu":
            raise TypeError(f"can't convert a {self.device} tensor of shape {self.shape} to a numpy array; copy it to "
                            f"the host with .cpu() or .numpy() first")
        array = self.array if dtype is None else self.array.astype(dtype, copy=False)
        return array.copy() if copy else array

    def tolist(self):
        return self.numpy().tolist()

    def item(self):
        if self.numel() != 1:
            raise ValueError(f"item: only one-element tensors convert to a Python number, got shape {self.shape}")
        return self.numpy().reshape(()).item()

    @property
    def data(self):
        """The same memory as a tensor that autograd does not see: no gradient, and in-place changes through it are
        not counted, so `p.data.clamp_(-c, c)` changes a parameter without the checks a graph would make (as
        PyTorch's `.data`; `detach()` is the checked way). The raw numpy or CuPy array is `.array`."""
        return Tensor(self.array)

    @data.setter
    def data(self, value):
        """`x.data = t` makes x hold t's memory (any shape, dtype or device), keeping x's place in modules and
        optimisers."""
        if not isinstance(value, Tensor):
            raise TypeError(f"Tensor.data: assign a Tensor, got {type(value).__name__} (the raw array is .array)")
        if self._requires_grad and not value.is_floating_point():
            raise TypeError(f"Tensor.data: a tensor that requires grad must hold floating-point values, got "
                            f"{value.dtype} of shape {value.shape}")
        self.array = value.array

    def __getstate__(self):
        """What copy.deepcopy and pickle copy: a leaf's fields. A tensor made by an op holds its graph (the op's
        Context, the backend module), which is no value to copy; as PyTorch's deepcopy, it is refused by name."""
        if self._ctx is not None:
            raise RuntimeError(
                f"deepcopy/pickle: the tensor of shape {self.shape} was made by {self._ctx.name} and holds its graph, "
                f"which is not copied; copy its .detach(), or a module's state_dict() (a module holding such a tensor "
                f"as an attribute, as spectral_norm's weight after a forward, copies before its first forward)")
        return self.__dict__

    def detach(self):
        """The same memory outside the graph; an in-place change of either counts for both."""
        detached = Tensor(self.array)
        detached._versions = self._versions
        return detached

    def detach_(self):
        """detach() in place: self leaves the graph, requiring no gradient and forgetting the op that made it (a leaf
        from now on), its memory and values kept; graphs recorded before keep their path through it. A view is
        refused, as PyTorch refuses it: its graph is its base's, made again through its view ops after an in-place
        change (_graph), so it cannot leave that graph on its own."""
        if self._base is not None:
            raise RuntimeError(f"detach_: the tensor of shape {self.shape} is a view of a tensor of shape "
                               f"{self._base.shape} and cannot leave its base's graph in place; use detach()")
        self._made_by(None)
        self._requires_grad = False
        return self

    def clone(self):
        return ops.shape.clone(self)

    def contiguous(self):
        """self where its memory is in row-major order already, else a copy that is (as PyTorch's)."""
        return self if self.array.flags.c_contiguous else ops.shape.clone(self)

    def to(self, target, dtype=None):
        """`.to("cuda")`, `.to("cpu")`, `.to(ng.float64)`, `.to("cuda", ng.float32)`."""
        if isinstance(target, (np.dtype, type)) and dtype is None:
            return ops.elementwise.cast(self, np.dtype(target))
        out = self
        if target is not None and backends.get(target) is not self.backend:
            out = ops.shape.to_device(out, target)
        return ops.elementwise.cast(out, np.dtype(dtype)) if dtype is not None else out

    def cpu(self):
        return self.to("cpu")

    def cuda(self):
        return self.to("cuda")

    def float(self):
        return self.to(float32)

    def double(self):
        return self.to(float64)

    def long(self):
        return self.to(int64)

    def int(self):
        return self.to(np.dtype(np.int32))

    def bool(self):
        return self.to(bool_)

    def type_as(self, other):
        """This tensor in other's dtype, on other's device (PyTorch's x.type(other.type()))."""
        return self.to(other.device, other.dtype)

    def type(self, dtype=None):
        """torch < 0.4's `.to`: `x.type(ng.FloatTensor)`; `x.type()` is x's legacy type name (nanogan/legacy.py)."""
        return legacy.retype(self, dtype)

    # ---- autograd -------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        from .autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def register_hook(self, hook):
        """hook(grad) runs each time a backward pass (backward() or ng.grad) computes the gradient with respect to
        this tensor, once, on its sum over all the tensor's uses; a result other than None replaces it: a leaf's
        before it is added into .grad, a non-leaf's before it flows on into the graph. Hooks run in the order they
        were registered, each given what the one before returned, and under create_graph=True higher-order
        gradients flow through what they compute. A non-leaf's hooks belong to the op that made it, as in PyTorch:
        after an in-place change they see the gradient of the old value, and they go with the graph. Returns a
        handle: handle.remove() takes the hook out."""
        if not callable(hook):
            raise TypeError(f"register_hook: the hook must be callable, got {type(hook).__name__}")
        if not self.requires_grad:
            raise RuntimeError(f"register_hook: cannot register a hook on a tensor that doesn't require gradient "
                               f"(shape {self.shape})")
        hooks = TensorHooks.of(self._graph() or self).hooks
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def retain_grad(self):
        """Keep this non-leaf's gradient in its .grad at each backward pass, summed over passes as a leaf's is, after
        its hooks have run; a leaf keeps its .grad anyway (nothing to do). The gradient of the tensor's present
        value: an in-place change moves this to the new value, as in PyTorch."""
        if not self.requires_grad:
            raise RuntimeError(f"retain_grad: can't retain_grad on a tensor (shape {self.shape}) that has "
                               f"requires_grad=False")
        if not self.is_leaf:
            TensorHooks.of(self._ctx).retained = weakref.ref(self)
            self._retains_grad = True

    @property
    def retains_grad(self):
        """Does this non-leaf keep its .grad (retain_grad())? False for a leaf."""
        return self._retains_grad

    # ---- in place (under ng.no_grad() for parameters, as in a hand-written optimiser step) --------------------
    # Each change counts in _version, shared by the tensors that share the memory (a view and its base). An op that
    # recorded this tensor as an input remembers the count, and its backward refuses a changed input (PyTorch's
    # "modified by an inplace operation" error) rather than compute a gradient from the new values.
    def _set_in_place(self, op, compute, *others):
        """self ← compute(self, *others), in self's own memory, so that other references and views see it. Where grad
        mode records it, the old value stays in the graph as a node of its own and self becomes compute's output.
        Of a view, the change is recorded on its base, whose memory it is: the base becomes its old value with the
        view's part written over (WriteIntoView), and the view that part of the new base."""
        owner = self if self._base is None else self._base  # the tensor whose graph records the change
        records = grad_mode.is_grad_enabled() and (self.requires_grad or owner.requires_grad or any(
            isinstance(o, Tensor) and o.requires_grad for o in others))
        # a zero stride over n > 1 elements writes them all to one place; an empty tensor has no elements to write,
        # whatever its strides or numpy's read-only flag of a broadcast (torch.zeros(1, 0).expand(3, 0).add_(1) is a
        # no-op)
        if self.array.size and (not getattr(self.array.flags, "writeable", True) or any(
                step == 0 and n > 1 for step, n in zip(self.array.strides, self.shape))):
            raise RuntimeError(f"{op}: the tensor of shape {self.shape} is a broadcast (expand) of another, read-only "
                               f"or with several elements in one memory location; clone() it first")
        leaf = next((t for t in (self, owner) if t.is_leaf and t.requires_grad), None) if records else None
        if leaf is not None:
            what = "a leaf tensor" if leaf is self else f"a view (shape {self.shape}) of a leaf tensor"
            raise RuntimeError(f"{op}: {what} of shape {leaf.shape} that requires grad cannot be changed in place "
                               f"while grad mode records; change it inside `with ng.no_grad():`")
        if records and owner is not self and self._view_ops is None:
            raise RuntimeError(f"{op}: an in-place change of a view (shape {self.shape}, of a tensor of shape "
                               f"{owner.shape}) {self._view_unreplayable} cannot be recorded on its base; take the "
                               f"view while grad mode records, compute the new tensor out of place (ng.cat, "
                               f"ng.where), or change it inside `with ng.no_grad():`")
        if not records:
            with grad_mode.no_grad():
                result = compute(self, *others)
        else:
            # The graph so far ends in `before`: a copy of the old value where something reads it (a whole tensor's
            # change computes from it, and an op that made the base may read its output: exp, elu), else the base's
            # own memory, whose old values no backward reads (the view ops' and WriteIntoView's read shapes), so that
            # a row-by-row fill keeps no copy of the base per row. A view's change computes from a clone of the
            # view's old values.
            keeps_old_value = owner is self or (owner._ctx is not None and owner._ctx.op.reads_output)
            before = Tensor(owner.array.copy() if keeps_old_value else owner.array, _ctx=owner._ctx)
            before._versions = [owner._version]  # as its op saw it, or not (a change outside the graph)
            old = before if owner is self else ops.shape.clone(ops.shape.replay_view(self._view_ops, before))
            result = compute(old, *others)
        if records and (result is before or any(result is o for o in others)):  # given back unchanged (copy_ of a
            result = ops.shape.clone(result)  # like tensor): the change is a node of its own, not that tensor's op
        if result.shape != self.shape or not np.can_cast(result.dtype, self.dtype, "same_kind"):
            raise (ValueError if result.shape != self.shape else TypeError)(
                f"{op}: the result ({result.dtype}, shape {result.shape}) cannot be stored in place in a tensor of "
                f"{self.dtype}, shape {self.shape}")
        if self.array.size:
            self.array[...] = result.array
        self._versions[0] += 1
        if records:
            # a whole tensor given a value that depends on nothing in the graph (fill_, zero_) still ends its graph,
            # with gradient 0, as PyTorch's FillBackward does: the whole tensor is the view written into
            if owner is not self or result._ctx is None:
                view_ops = () if owner is self else self._view_ops
                result = ops.shape.write_into_view(before, result, view_ops, owner.array.strides,
                                                   written=before.array is owner.array)
            if owner._ctx is not None and keeps_old_value:  # the graph so far ends in `before` now
                # An op whose backward reads its output needs `before` alive. The new value's op holds it where it was
                # computed from it (h += 1, a view's change); where not (copy_ of another tensor), the op holds it:
                # a reference cycle of the op and its output, which only the collector frees.
                held = owner._ctx.op.reads_output and all(t is not before for t in result._ctx.inputs)
                owner._ctx._output = (lambda: before) if held else weakref.ref(before)
            owner._made_by(result._ctx)  # None where the new value depends on nothing that requires grad (fill_)
            if owner is not self:
                self._remake_view_graph()
        return self

    def _remake_view_graph(self):
        """This view's graph made again from its base's, after an in-place change of the base (through another view
        or itself) made the one it has stale; as PyTorch's views do. Function.apply asks it of its inputs."""
        self._made_by(ops.shape.replay_view(self._view_ops, self._base)._ctx)
        self._view_version = self._version

    def _made_by(self, ctx):
        """From now on self is the output of ctx (the op of an in-place change; None: of no op, a leaf), at its
        present version."""
        if self._retains_grad:  # retain_grad() keeps the present value's gradient, and a leaf keeps its own
            TensorHooks.of(self._ctx).retained = None
            self._retains_grad = ctx is not None
            if ctx is not None:
                TensorHooks.of(ctx).retained = weakref.ref(self)
        self._ctx = ctx
        if ctx is not None:
            ctx._output = weakref.ref(self)
            ctx.output_version = self._version

    add_, sub_, mul_, div_, clamp_, clip_ = map(_in_place, ("add", "sub", "mul", "div", "clamp", "clip"))
    exp_, log_, sqrt_, abs_, neg_, sign_, pow_ = map(_in_place, ("exp", "log", "sqrt", "abs", "neg", "sign", "pow"))
    sigmoid_, tanh_, relu_, lerp_ = map(_in_place, ("sigmoid", "tanh", "relu", "lerp"))
    clamp_min_, clamp_max_, addcmul_, addcdiv_ = map(_in_place, ("clamp_min", "clamp_max", "addcmul", "addcdiv"))
    floor_divide_ = _in_place("floor_divide")
    addmm_, addmv_, addr_, addbmm_, baddbmm_ = map(_in_place, ("addmm", "addmv", "addr", "addbmm", "baddbmm"))
    bitwise_and_, bitwise_or_, bitwise_xor_, bitwise_not_ = map(_in_place, ("bitwise_and", "bitwise_or",
                                                                            "bitwise_xor", "bitwise_not"))
    logical_and_, logical_or_, logical_xor_, logical_not_ = map(_in_place, ("logical_and", "logical_or",
                                                                            "logical_xor", "logical_not"))

    def copy_(self, src):
        """Copy src's values (broadcast, cast, moved from its device) into this tensor."""
        if not isinstance(src, Tensor):
            raise TypeError(f"copy_: expected a Tensor to copy from, got {type(src).__name__}")
        return self._set_in_place("copy_", _broadcast_into, src)

    def fill_(self, value):
        """Every element set to `value`, a number or a 0-d tensor (whose gradient is recorded), cast to this tensor's
        dtype as PyTorch casts it (2.7 into an int tensor is 2)."""
        if _is_number(value):
            value = self._number_as_tensor("fill_", value)
        value = as_tensor(value, like=self)
        if value.ndim != 0:
            raise RuntimeError(f"fill_: expected a number or a 0-d tensor, got a tensor of shape {value.shape}")
        return self._set_in_place("fill_", _broadcast_into, value)

    def zero_(self):
        return self.fill_(0)

    def new_zeros(self, *size):
        """A tensor of `size` with this one's dtype and device, as are new_ones, new_full and new_tensor."""
        return zeros(*size, dtype=self.dtype, device=self.device)

    def new_ones(self, *size):
        return ones(*size, dtype=self.dtype, device=self.device)

    def new_empty(self, *size):
        return empty(*size, dtype=self.dtype, device=self.device)

    def new_full(self, size, fill_value):
        return full(size, fill_value, dtype=self.dtype, device=self.device)

    def new_tensor(self, data):
        return tensor(data, dtype=self.dtype, device=self.device)

    # In-place draws from a distribution (torch.Tensor's). The continuous ones refuse integer tensors, as PyTorch's do,
    # rather than truncate their draws; each parameter is checked by the method's name before anything is drawn.
    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        """Every element drawn from N(mean, std²), in place."""
        return self._draw_into("normal_", normal_draws("normal_", mean, std), generator)

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        """Every element drawn from U(a, b), in place."""
        return self._draw_into("uniform_", uniform_draws("uniform_", a, b), generator)

    def exponential_(self, lambd=1.0, *, generator=None):
        """Every element drawn from Exp(lambd) (density lambd·e^(-lambd·x), x ≥ 0), in place."""
        require("exponential_", "lambd", lambd, lambda v: _is_number(v) and v > 0, "a number > 0")
        return self._draw_into("exponential_", lambda rng, shape: rng.exponential(1 / lambd, shape), generator)

    def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
        """Every element e^z with z ~ N(mean, std²), in place (mean and std are the logarithm's)."""
        require("log_normal_", "std", std, lambda v: _is_number(v) and v > 0, "a number > 0")
        return self._draw_into("log_normal_", lambda rng, shape: rng.lognormal(mean, std, shape), generator)

    def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
        """Every element drawn from the Cauchy distribution, density 1 / (π·sigma·(1 + ((x - median)/sigma)²)), in
        place."""
        require("cauchy_", "sigma", sigma, lambda v: _is_number(v) and v > 0, "a number > 0")
        return self._draw_into("cauchy_", lambda rng, shape: median + sigma * rng.standard_cauchy(shape), generator)

    def geometric_(self, p, *, generator=None):
        """Every element the number of Bernoulli(p) trials up to and including the first success (1, 2, ...), in
        place; integer tensors too, as in PyTorch, but not bool."""
        require("geometric_", "p", p, lambda v: _is_number(v) and 0 < v < 1, "a probability in (0, 1)")
        return self._draw_into("geometric_", lambda rng, shape: rng.geometric(p, shape), generator,
                               continuous=False)

    def _draw_into(self, op, draw, generator, continuous=True):
        """copy_ of draw(numpy generator, shape), numbers drawn on the host (the same on every device) from
        `generator` or the global one."""
        if (not self.is_floating_point()) if continuous else self.dtype == bool_:
            kind = "a floating-point" if continuous else "a non-bool"
            raise TypeError(f"{op}: expected {kind} tensor, got {self.dtype} of shape {self.shape}")
        return self._copy_from_host(draw(numpy_generator(op, generator), self.shape))

    def random_(self, *bounds, generator=None):
        """Every element an integer drawn uniformly from [low, high), in place: random_(high), random_(low, high),
        or random_() for [0, the largest integer the dtype holds exactly] (2^24 for float32, as PyTorch's)."""
        if len(bounds) > 2:
            raise TypeError(f"random_: expected random_(), random_(high) or random_(low, high), got {len(bounds)} "
                            f"arguments")
        if not bounds:
            exact = (2 ** (np.finfo(self.dtype).nmant + 1) if self.is_floating_point() else
                     1 if self.dtype == bool_ else int(np.iinfo(self.dtype).max))
            bounds = (exact + 1,)
        low, high = (0,) + bounds if len(bounds) == 1 else bounds
        if not (is_int(low) and is_int(high) and low < high):
            raise ValueError(f"random_: expected ints low < high, got low={low!r}, high={high!r}")
        if not self.is_floating_point():  # else a draw the dtype cannot hold would wrap (a bool: any nonzero True)
            smallest, largest = (0, 1) if self.dtype == bool_ else (np.iinfo(self.dtype).min, np.iinfo(self.dtype).max)
            if low < smallest or high - 1 > largest:
                raise ValueError(f"random_: [low, high) = [{low}, {high}) must lie in {self.dtype}'s range "
                                 f"[{smallest}, {largest}] (tensor of shape {self.shape})")
        return self._copy_from_host(numpy_generator("random_", generator).integers(low, high, self.shape))

    def bernoulli(self, p=None, *, generator=None):
        return bernoulli(self, p, generator=generator)

    def bernoulli_(self, p=0.5, *, generator=None):
        """Every element set to 1 with probability p (a number, or a floating tensor that broadcasts to this one's
        shape), else 0, in place."""
        if isinstance(p, Tensor):
            draws = _bernoulli("bernoulli_", p if p.shape == self.shape else p.expand(*self.shape), None, generator)
        else:
            draws = _bernoulli("bernoulli_", zeros(*self.shape, device=self.device), p, generator)
        return self.copy_(draws)

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        return multinomial(self, num_samples, replacement, generator=generator)

    def _number_as_tensor(self, op, number):
        """A 0-d tensor of `number` in this tensor's dtype, on its device. Straight to the dtype (123456789.0 via
        float32 lost 3), truncated into an int dtype as PyTorch casts it; a number the dtype cannot hold is refused
        (1e300 into float32 is not stored as inf, as in PyTorch)."""
        try:
            with np.errstate(over="raise"):
                return Tensor(self.backend.xp.asarray(np.asarray(number, dtype=self.dtype)))
        except (ValueError, OverflowError, FloatingPointError) as err:
            raise RuntimeError(f"{op}: {number!r} cannot be stored in a tensor of {self.dtype} ({err})") from None

    def _copy_from_host(self, values):
        """copy_ of numbers made on the host (random draws: a nanogan.random generator's, the same on every device)."""
        return self.copy_(Tensor(self.backend.from_host(np.asarray(values, dtype=self.dtype))))

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_
    __ifloordiv__ = floor_divide_
    __iand__ = bitwise_and_
    __ior__ = bitwise_or_
    __ixor__ = bitwise_xor_

    # ---- arithmetic (ops/elementwise.py) ---------------------------------------
    def __add__(self, other):
        return ops.elementwise.add(self, other)

    def __radd__(self, other):
        return ops.elementwise.add(other, self)

    def __sub__(self, other):
        return ops.elementwise.sub(self, other)

    def __rsub__(self, other):
        return ops.elementwise.sub(other, self)

    def __mul__(self, other):
        return ops.elementwise.mul(self, other)

    def __rmul__(self, other):
        return ops.elementwise.mul(other, self)

    def __truediv__(self, other):
        return ops.elementwise.div(self, other)

    def __rtruediv__(self, other):
        return ops.elementwise.div(other, self)

    def __pow__(self, exponent):
        return ops.elementwise.pow(self, exponent)

    def __rpow__(self, base):
        return ops.elementwise.pow(base, self)

    def __mod__(self, other):
        return ops.elementwise.remainder(self, other)

    def __rmod__(self, other):
        return ops.elementwise.remainder(other, self)

    def __floordiv__(self, other):
        return ops.elementwise.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return ops.elementwise.floor_divide(other, self)

    def __and__(self, other):
        return ops.elementwise.bitwise_and(self, other)

    def __rand__(self, other):
        return ops.elementwise.bitwise_and(other, self)

    def __or__(self, other):
        return ops.elementwise.bitwise_or(self, other)

    def __ror__(self, other):
        return ops.elementwise.bitwise_or(other, self)

    def __xor__(self, other):
        return ops.elementwise.bitwise_xor(self, other)

    def __rxor__(self, other):
        return ops.elementwise.bitwise_xor(other, self)

    def __invert__(self):
        return ops.elementwise.bitwise_not(self)

    def __neg__(self):
        return ops.elementwise.neg(self)

    def __pos__(self):
        return ops.elementwise.positive(self)

    def __abs__(self):
        return ops.elementwise.abs(self)

    def __matmul__(self, other):
        return ops.matmul.matmul(self, other)

    def __rmatmul__(self, other):
        return ops.matmul.matmul(other, self)

    def __lt__(self, other):
        return ops.elementwise.lt(self, other)

    def __le__(self, other):
        return ops.elementwise.le(self, other)

    def __gt__(self, other):
        return ops.elementwise.gt(self, other)

    def __ge__(self, other):
        return ops.elementwise.ge(self, other)

    def __eq__(self, other):
        # x == None is False, and x != "a" True, as PyTorch's (Python's identity comparison), not an elementwise error
        return ops.elementwise.eq(self, other) if _is_numeric(other) else NotImplemented

    def __ne__(self, other):
        return ops.elementwise.ne(self, other) if _is_numeric(other) else NotImplemented

    __hash__ = object.__hash__

    # torch's method names of the operators above
    def add(self, other, alpha=1):
        return ops.elementwise.add(self, other, alpha)

    def sub(self, other, alpha=1):
        return ops.elementwise.sub(self, other, alpha)

    mul, remainder, neg, matmul, floor_divide = __mul__, __mod__, __neg__, __matmul__, __floordiv__

    def div(self, other, *, rounding_mode=None):
        return ops.elementwise.div(self, other, rounding_mode=rounding_mode)

    true_divide = __truediv__
    lt, le, gt, ge, eq, ne = __lt__, __le__, __gt__, __ge__, __eq__, __ne__

    def mm(self, other):
        return ops.matmul.mm(self, other)

    def bmm(self, other):
        return ops.matmul.bmm(self, other)

    def lerp(self, end, weight):
        """self + weight·(end − self): the moving average of a generator's weights (EMA) in one call."""
        return ops.elementwise.lerp(self, end, weight)

    def masked_fill(self, mask, value):
        return ops.elementwise.masked_fill(self, mask, value)

    def fmod(self, other):
        return ops.elementwise.fmod(self, other)

    def minimum(self, other):
        return ops.elementwise.minimum(self, other)

    def maximum(self, other):
        return ops.elementwise.maximum(self, other)

    def isnan(self):
        return ops.elementwise.isnan(self)

    def isfinite(self):
        return ops.elementwise.isfinite(self)

    def any(self, dim=None, keepdim=False):
        return self._boolean_reduction("any", dim, keepdim)

    def all(self, dim=None, keepdim=False):
        return self._boolean_reduction("all", dim, keepdim)

    def _boolean_reduction(self, name, dim, keepdim):
        """any or all over every dim (None), one, or a tuple of them as PyTorch 2 takes; an empty tuple reduces
        none, as PyTorch's any and all (unlike its sum) take it."""
        axis = None
        if dim is not None:
            dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
            axis = tuple(ops.shape.dim_index(name, d, self.ndim) for d in dims)
            if len(set(axis)) < len(axis):
                raise ValueError(f"{name}: dims {dims} name a dimension more than once (tensor of shape {self.shape})")
            axis = axis if self.ndim else None  # a 0-d tensor's 0 and -1 name no axis
        xp = self.backend.xp
        return Tensor(xp.asarray(getattr(xp, name)(self.array, axis=axis, keepdims=keepdim)))

    def __bool__(self):
        if self.numel() != 1:
            raise RuntimeError(f"the truth value of a tensor of shape {self.shape} is ambiguous")
        return bool(self.item())

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __format__(self, spec):
        """f"{loss:.4f}": a 0-d tensor formats as its number, as in PyTorch."""
        return format(self.item(), spec) if self.ndim == 0 else super().__format__(spec)

    def exp(self):
        return ops.elementwise.exp(self)

    def expm1(self):
        return ops.elementwise.expm1(self)

    def log(self):
        return ops.elementwise.log(self)

    def log1p(self):
        return ops.elementwise.log1p(self)

    def sqrt(self):
        return ops.elementwise.sqrt(self)

    def erf(self):
        return ops.elementwise.erf(self)

    def sin(self):
        return ops.elementwise.sin(self)

    def cos(self):
        return ops.elementwise.cos(self)

    def log2(self):
        return ops.elementwise.log2(self)

    def log10(self):
        return ops.elementwise.log10(self)

    def exp2(self):
        return ops.elementwise.exp2(self)

    def rsqrt(self):
        return ops.elementwise.rsqrt(self)

    def reciprocal(self):
        return ops.elementwise.reciprocal(self)

    def square(self):
        return ops.elementwise.square(self)

    def floor(self):
        return ops.elementwise.floor(self)

    def trunc(self):
        return ops.elementwise.trunc(self)

    def frac(self):
        return ops.elementwise.frac(self)

    def ceil(self):
        return ops.elementwise.ceil(self)

    def round(self):
        return ops.elementwise.round(self)

    def abs(self):
        return ops.elementwise.abs(self)

    def sign(self):
        return ops.elementwise.sign(self)

    def pow(self, exponent):
        return ops.elementwise.pow(self, exponent)

    def clamp(self, min=None, max=None):
        return ops.elementwise.clamp(self, min, max)

    clip = clamp

    def sigmoid(self):
        from .nn import functional as F
        return F.sigmoid(self)

    def tanh(self):
        from .nn import functional as F
        return F.tanh(self)

    def relu(self):
        from .nn import functional as F
        return F.relu(self)

    def softmax(self, dim, dtype=None):
        return ops.activation.softmax(self, dim, dtype=dtype)

    def log_softmax(self, dim, dtype=None):
        return ops.activation.log_softmax(self, dim, dtype=dtype)

    # ---- reductions (ops/reduce.py) ------------------------------------------------
    def sum(self, dim=None, keepdim=False):
        return ops.reduce.sum(self, dim, keepdim)

    def mean(self, dim=None, keepdim=False):
        return ops.reduce.mean(self, dim, keepdim)

    def max(self, dim=None, keepdim=False):
        return ops.reduce.max(self, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        return ops.reduce.min(self, dim, keepdim)

    def amax(self, dim=None, keepdim=False):
        return ops.reduce.amax(self, dim, keepdim)

    def amin(self, dim=None, keepdim=False):
        return ops.reduce.amin(self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        return ops.reduce.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return ops.reduce.argmin(self, dim, keepdim)

    def prod(self, dim=None, keepdim=False):
        return ops.reduce.prod(self, dim, keepdim)

    def logsumexp(self, dim, keepdim=False):
        return ops.reduce.logsumexp(self, dim, keepdim)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return ops.reduce.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return ops.reduce.std(self, dim, unbiased, keepdim, correction=correction)

    def norm(self, p="fro", dim=None, keepdim=False):
        return ops.reduce.norm(self, p, dim, keepdim)

    # ---- ordering and scans (ops/sort.py, ops/scan.py) ----------------------------------------------
    def sort(self, dim=-1, descending=False, *, stable=False):
        return ops.sort.sort(self, dim, descending, stable=stable)

    def argsort(self, dim=-1, descending=False, *, stable=False):
        return ops.sort.argsort(self, dim, descending, stable=stable)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        return ops.sort.topk(self, k, dim, largest, sorted)

    def cumsum(self, dim, *, dtype=None):
        return ops.scan.cumsum(self, dim, dtype=dtype)

    def cumprod(self, dim, *, dtype=None):
        return ops.scan.cumprod(self, dim, dtype=dtype)

    def cumprod_(self, dim, *, dtype=None):
        return self._set_in_place("cumprod_", lambda old: ops.scan.cumprod(old, dim, dtype=dtype))

    def logcumsumexp(self, dim):
        return ops.scan.logcumsumexp(self, dim)

    def cummax(self, dim):
        return ops.scan.cummax(self, dim)

    def cummin(self, dim):
        return ops.scan.cummin(self, dim)

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
        return ops.sort.unique(self, sorted, return_inverse, return_counts, dim)

    def unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
        return ops.sort.unique_consecutive(self, return_inverse, return_counts, dim)

    def bincount(self, weights=None, minlength=0):
        return ops.sort.bincount(self, weights, minlength)

    def count_nonzero(self, dim=None):
        return ops.reduce.count_nonzero(self, dim)

    def equal(self, other):
        return ops.elementwise.equal(self, other)

    def median(self, dim=None, keepdim=False):
        return ops.sort.median(self, dim, keepdim)

    def nanmedian(self, dim=None, keepdim=False):
        return ops.sort.nanmedian(self, dim, keepdim)

    def kthvalue(self, k, dim=-1, keepdim=False):
        return ops.sort.kthvalue(self, k, dim, keepdim)

    def mode(self, dim=-1, keepdim=False):
        return ops.sort.mode(self, dim, keepdim)

    def quantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        return ops.sort.quantile(self, q, dim, keepdim, interpolation=interpolation)

    def nanquantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        return ops.sort.nanquantile(self, q, dim, keepdim, interpolation=interpolation)

    # ---- shape (ops/shape.py) --------------------------------------------------------
    def reshape(self, *shape):
        return ops.shape.reshape(self, *shape)

    def view(self, *shape):
        """The same memory seen with another shape, as reshape gives where it can; an error where the strides
        allow no such view (reshape copies then), as in PyTorch."""
        out = ops.shape.reshape(self, *shape)
        if out._base is None and out.numel() > 0:
            raise RuntimeError(f"view: a tensor of shape {self.shape} and strides {self.array.strides} (bytes) cannot "
                               f"be seen as shape {out.shape} without a copy; use reshape()")
        return out

    def view_as(self, other):
        return self.view(other.shape)

    def reshape_as(self, other):
        return ops.shape.reshape(self, other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        return ops.shape.flatten(self, start_dim, end_dim)

    def permute(self, *dims):
        return ops.shape.permute(self, *dims)

    def transpose(self, dim0, dim1):
        return ops.shape.transpose(self, dim0, dim1)

    def t(self):
        """A matrix transposed; a tensor of fewer dimensions as it is (a view), as PyTorch's t()."""
        if self.ndim > 2:
            raise RuntimeError(f"t: expected a tensor of at most 2 dimensions, got shape {self.shape}; use "
                               f"transpose(dim0, dim1) or permute")
        return ops.shape.transpose(self, 0, 1) if self.ndim == 2 else self.reshape(self.shape)

    @property
    def T(self):
        return ops.shape.permute(self, *reversed(range(self.ndim)))

    @property
    def mT(self):
        """The last two dims swapped (a batch of matrices transposed)."""
        if self.ndim < 2:
            raise RuntimeError(f"mT: expected a tensor of at least 2 dimensions, got shape {self.shape}")
        return ops.shape.transpose(self, -2, -1)

    def unsqueeze(self, dim):
        return ops.shape.unsqueeze(self, dim)

    def squeeze(self, dim=None):
        return ops.shape.squeeze(self, dim)

    def expand(self, *sizes):
        return ops.shape.expand(self, *sizes)

    def expand_as(self, other):
        return ops.shape.expand(self, *other.shape)

    def repeat(self, *sizes):
        return ops.shape.repeat(self, *sizes)

    def split(self, split_size_or_sections, dim=0):
        return ops.shape.split(self, split_size_or_sections, dim)

    def chunk(self, chunks, dim=0):
        return ops.shape.chunk(self, chunks, dim)

    def flip(self, *dims):
        return ops.shape.flip(self, *dims)

    def tile(self, *dims):
        return ops.shape.tile(self, *dims)

    def narrow(self, dim, start, length):
        return ops.shape.narrow(self, dim, start, length)

    def movedim(self, source, destination):
        return ops.shape.movedim(self, source, destination)

    moveaxis = movedim

    def unflatten(self, dim, sizes):
        return ops.shape.unflatten(self, dim, sizes)

    def roll(self, shifts, dims=None):
        return ops.shape.roll(self, shifts, dims)

    def gather(self, dim, index):
        return ops.shape.gather(self, dim, index)

    def index_select(self, dim, index):
        return ops.shape.index_select(self, dim, index)

    def scatter(self, dim, index, src=None, value=None, *, reduce=None):
        return ops.shape.scatter(self, dim, index, src, value, reduce=reduce)

    def scatter_(self, dim, index, src=None, value=None, *, reduce=None):
        """In place, self ← scatter(self, dim, index, src or value, reduce=reduce) (ops.shape.scatter): the one-hot
        idiom `zeros(n, k).scatter_(1, labels.view(-1, 1), 1)`."""
        return self._set_in_place("scatter_", lambda old, s, v: ops.shape.scatter(old, dim, index, s, v,
                                                                                  reduce=reduce), src, value)

    def scatter_add(self, dim, index, src):
        return ops.shape.scatter_add(self, dim, index, src)

    def scatter_add_(self, dim, index, src):
        """In place, self ← scatter_add(self, dim, index, src) (ops.shape.scatter_add)."""
        return self._set_in_place("scatter_add_", lambda old, s: ops.shape.scatter_add(old, dim, index, s), src)

    def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
        return ops.shape.scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
        """In place, self ← scatter_reduce(self, dim, index, src, reduce, include_self=include_self)
        (ops.shape.scatter_reduce)."""
        return self._set_in_place("scatter_reduce_", lambda old, s: ops.shape.scatter_reduce(
            old, dim, index, s, reduce, include_self=include_self), src)

    def __getitem__(self, index):
        return ops.shape.getitem(self, index)

    def __setitem__(self, index, value):
        """self[index] = value (a number, or a tensor broadcast to the part, its extra leading dimensions of size 1
        dropped), as in PyTorch. Basic indexing (ints, slices, None, ...) picks a view: an in-place change of it. A
        boolean mask alone, with a value of one selected element's shape: self ← where(mask, value, self)
        (_set_masked). Any other index of arrays (integer tensors, lists or arrays, masks among other indices): in
        place, self ← index_put(self, index, value), its ints taken first as the dimensions they select, as PyTorch
        takes them (ops.shape.split_ints)."""
        mask = _as_boolean_mask(index)
        if mask is not None and _broadcasts(np.shape(value) if not isinstance(value, Tensor) else value.shape,
                                            self.shape[mask.ndim:]):
            return self._set_masked(mask, value)
        if ops.shape.picks_by_arrays(index):
            ints, rest = ops.shape.split_ints(index)
            target = self if ints is None else self[ints]
            return target._set_in_place("setitem", lambda old, new: ops.shape.put("setitem", old, rest, new),
                                        self._as_value("setitem", value))
        part = self[index]
        if part._base is None and part.numel() > 0:  # a 0-d boolean among other indices: numpy's picks a copy
            raise IndexError(f"setitem: the index {index!r} picks a copy of the tensor of shape {self.shape}, so "
                             f"nothing would change; index by a boolean tensor of one or more dimensions")
        if _is_the_view_changed_in_place(value, part):
            return  # `t[k] += y` writes back the view t[k] that += changed in place already
        if isinstance(value, Tensor):
            part.copy_(ops.shape.drop_leading_ones(value, part.ndim))
        else:
            part.fill_(value)

    def _set_masked(self, mask, value):
        """self[mask] = value, for a boolean `mask` of the shape of self's first mask.ndim dimensions, which selects
        the elements (of shape self.shape[mask.ndim:]) where it is True, and a value broadcast to one element. In
        place, as self ← where(mask, value, self), which counts no selected elements (on a GPU, no host read): the
        gradient flows to the elements left as they were, and to the value at the places it was set."""
        if mask.shape != self.shape[:mask.ndim]:
            raise IndexError(f"setitem: a boolean mask of shape {mask.shape} does not match the tensor of shape "
                             f"{self.shape}: it must have the shape of the tensor's first {mask.ndim} dimensions")
        element_shape = self.shape[mask.ndim:]
        value = ops.shape.drop_leading_ones(self._as_value("setitem", value), len(element_shape))
        selected = mask.to(self.device).reshape(mask.shape + (1,) * len(element_shape))
        self._set_in_place("setitem", lambda old, new: ops.elementwise.where(selected, new, old), value)

    def _as_value(self, op, value):
        """A value to set into this tensor (a number, a tensor, an array or list) as a tensor of its dtype, on its
        device."""
        if _is_number(value):
            return self._number_as_tensor(op, value)
        return ops.elementwise.cast(as_tensor(value, like=self).to(self.device), self.dtype)

    def index_put_(self, indices, values, accumulate=False):
        """In place, self ← index_put(self, indices, values, accumulate) (ops.shape.index_put)."""
        return self._set_in_place("index_put_", lambda old, new: ops.shape.index_put(old, indices, new, accumulate),
                                  values)

    def index_put(self, indices, values, accumulate=False):
        return ops.shape.index_put(self, indices, values, accumulate)

    # ---- masks, indices along a dim, triangles, diagonals, windows (ops/indexing.py) --------------------------
    def masked_fill_(self, mask, value):
        """In place, self ← masked_fill(self, mask, value)."""
        return self._set_in_place("masked_fill_", lambda old, v: ops.elementwise.masked_fill(old, mask, v), value)

    def masked_select(self, mask):
        return ops.indexing.masked_select(self, mask)

    def masked_scatter(self, mask, source):
        return ops.indexing.masked_scatter(self, mask, source)

    def masked_scatter_(self, mask, source):
        """In place, self ← masked_scatter(self, mask, source) (the mask broadcast to self's shape)."""
        return self._set_in_place("masked_scatter_", lambda old, s: ops.indexing.masked_scatter(old, mask, s),
                                  source)

    def nonzero(self, *, as_tuple=False):
        return ops.indexing.nonzero(self, as_tuple=as_tuple)

    def argwhere(self):
        return ops.indexing.argwhere(self)

    def where(self, condition, other):
        """self where condition, else other (ng.where(condition, self, other))."""
        return ops.elementwise.where(condition, self, other)

    def index_add(self, dim, index, source, *, alpha=1):
        return ops.indexing.index_add(self, dim, index, source, alpha=alpha)

    def index_add_(self, dim, index, source, *, alpha=1):
        """In place, self ← index_add(self, dim, index, source, alpha=alpha)."""
        return self._set_in_place("index_add_", lambda old, s: ops.indexing.index_add(old, dim, index, s,
                                                                                     alpha=alpha), source)

    def index_copy(self, dim, index, source):
        return ops.indexing.index_copy(self, dim, index, source)

    def index_copy_(self, dim, index, source):
        """In place, self ← index_copy(self, dim, index, source)."""
        return self._set_in_place("index_copy_", lambda old, s: ops.indexing.index_copy(old, dim, index, s), source)

    def index_fill(self, dim, index, value):
        return ops.indexing.index_fill(self, dim, index, value)

    def index_fill_(self, dim, index, value):
        """In place, self ← index_fill(self, dim, index, value)."""
        return self._set_in_place("index_fill_", lambda old, v: ops.indexing.index_fill(old, dim, index, v), value)

    def repeat_interleave(self, repeats, dim=None, *, output_size=None):
        return ops.indexing.repeat_interleave(self, repeats, dim, output_size=output_size)

    def tril(self, diagonal=0):
        return ops.indexing.tril(self, diagonal)

    def tril_(self, diagonal=0):
        return self._set_in_place("tril_", lambda old: ops.indexing.tril(old, diagonal))

    def triu(self, diagonal=0):
        return ops.indexing.triu(self, diagonal)

    def triu_(self, diagonal=0):
        return self._set_in_place("triu_", lambda old: ops.indexing.triu(old, diagonal))

    def diagonal(self, offset=0, dim1=0, dim2=1):
        return ops.indexing.diagonal(self, offset, dim1, dim2)

    def diag(self, diagonal=0):
        return ops.indexing.diag(self, diagonal)

    def diag_embed(self, offset=0, dim1=-2, dim2=-1):
        return ops.indexing.diag_embed(self, offset, dim1, dim2)

    def fliplr(self):
        return ops.indexing.fliplr(self)

    def flipud(self):
        return ops.indexing.flipud(self)

    def rot90(self, k=1, dims=(0, 1)):
        return ops.indexing.rot90(self, k, dims)

    def unfold(self, dimension, size, step):
        return ops.indexing.unfold(self, dimension, size, step)

    # ---- shape changes in place --------------------------------------------------------------------------------
    def squeeze_(self, dim=None):
        return self._reshape_in_place("squeeze_", lambda x: ops.shape.squeeze(x, dim))

    def unsqueeze_(self, dim):
        return self._reshape_in_place("unsqueeze_", lambda x: ops.shape.unsqueeze(x, dim))

    def transpose_(self, dim0, dim1):
        return self._reshape_in_place("transpose_", lambda x: ops.shape.transpose(x, dim0, dim1))

    def t_(self):
        return self._reshape_in_place("t_", Tensor.t)

    def _reshape_in_place(self, op, view_of):
        """self becomes view_of(self) (a view op: squeeze, unsqueeze, transpose), keeping its identity, as PyTorch's
        squeeze_ and the like: it counts as an in-place change (its version moves on, so a backward that reads its
        old value refuses), and where grad mode records, self becomes that op's output, its graph going on from the
        old one; a leaf that requires grad is refused, as PyTorch refuses it. A view stays a view of its base."""
        records = grad_mode.is_grad_enabled() and self.requires_grad
        if records and self.is_leaf:
            raise RuntimeError(f"{op}: a leaf tensor of shape {self.shape} that requires grad cannot be changed in "
                               f"place while grad mode records; change it inside `with ng.no_grad():`")
        # the op reads its input's shape in backward (Reshape's): an input of its own, as self's shape changes
        before = Tensor(self.array, _ctx=self._graph())
        before._requires_grad, before._versions = self._requires_grad, self._versions
        result = view_of(before)
        if result is before:  # nothing to change (squeeze of no size-1 dim)
            return self
        self.array = result.array
        self._versions[0] += 1
        if self._base is not None:
            view_op = result._view_ops
            self._view_ops = None if self._view_ops is None or view_op is None else self._view_ops + view_op
            self._view_unreplayable = self._view_unreplayable or result._view_unreplayable
            self._view_version = self._version
        if records:
            self._made_by(result._ctx)
        return self


def _as_boolean_mask(index):
    """`index` as a boolean Tensor where it is one boolean mask (a Tensor or a numpy array), else None."""
    if isinstance(index, Tensor):
        return index if index.dtype == bool_ else None
    return Tensor(index) if isinstance(index, np.ndarray) and index.dtype == bool_ else None


def _broadcasts(shape, target):
    """Does a value of `shape`, its extra leading dimensions of size 1 dropped, broadcast to `target`?"""
    extra = len(shape) - len(target)
    if extra > 0 and any(n != 1 for n in shape[:extra]):
        return False
    try:
        return np.broadcast_shapes(tuple(shape[max(extra, 0):]), target) == tuple(target)
    except ValueError:
        return False


def _is_numeric(value):
    """A Tensor, or numbers that ops take in a tensor's place (not None, a string, ...)?"""
    return isinstance(value, (Tensor, int, float)) or kind_of(value) in "biuf"


def _is_number(value):
    return isinstance(value, (int, float, bool, np.generic))


def _is_the_view_changed_in_place(value, part):
    """Is `value` a view of part's base at part's very elements (place, shape and strides), which the graph can
    replay (made while recording)? Such a value is part already, graph and all; a detached or no_grad one is not."""
    def place(array):
        interface = getattr(array, "__cuda_array_interface__", None) or array.__array_interface__
        return interface["data"][0], array.shape, array.strides
    return (isinstance(value, Tensor) and value._base is not None and value._base is part._base
            and value._view_ops is not None and place(value.array) == place(part.array))


def _broadcast_into(a, b):
    """b cast to a's dtype, on a's device and broadcast to a's shape: what copy_ and fill_ write into a."""
    return ops.elementwise.cast(b.to(a.device), a.dtype).expand(*a.shape)


# ---- creation ----------------------------------------------------------------------------
def _resolve_dtype(data, dtype):
    if dtype is not None:
        return np.dtype(dtype)
    if isinstance(data, (np.ndarray, np.generic)):
        return data.dtype
    probe = np.asarray(data)
    if probe.dtype == np.float64:  # Python floats take the default dtype, as in torch
        return _default_dtype
    return probe.dtype


def _numbers_of(data):
    """Nested lists `data` with each Tensor in them read as its one number (its 0-d host array, dtype kept), as
    torch.tensor reads them; a Tensor of several elements is refused, as there, rather than joined."""
    if isinstance(data, Tensor):
        if data.numel() != 1:
            raise ValueError(f"tensor: only one-element tensors can be elements of a list, got one of shape "
                             f"{data.shape}; join tensors with ng.stack or ng.cat")
        return data.numpy().reshape(())
    if isinstance(data, (list, tuple)):
        return [_numbers_of(item) for item in data]
    return data


def tensor(data, dtype=None, requires_grad=False, device="cpu"):
    """A new leaf tensor holding a copy of `data` (nested lists, numbers, numpy arrays, Tensors)."""
    if isinstance(data, Tensor):
        data = data.numpy()
    elif isinstance(data, (list, tuple)):
        data = _numbers_of(data)
    elif hasattr(data, "__cuda_array_interface__"):  # a GPU array: through the host, like any data
        data = backends.get("cuda").to_host(data)
    array = np.array(data, dtype=_resolve_dtype(data, dtype))
    if array.dtype == object:
        raise TypeError(f"tensor: expected numbers, nested lists of numbers or an array, got elements of type "
                        f"{type(array.flat[0]).__name__}; join tensors with ng.stack or ng.cat")
    return Tensor(backends.get(device).from_host(array), requires_grad=requires_grad)


def kind_of(value):
    """numpy's kind of a number, array or list of numbers: "b", "i", "u", "f" ("O" for None, "U" for a string)."""
    return value.dtype.kind if hasattr(value, "dtype") else np.asarray(value).dtype.kind


def as_tensor(value, dtype=None, device=None, *, like=None):
    """`value` as a Tensor, its memory shared where it can be. Given `like` (how ops pair a number with a tensor):
    on like's device with like's dtype, or the dtype its kind promotes to (Python numbers). Without (torch's
    as_tensor): a Tensor as it is, or moved and cast; an array on the device asked for, of the dtype asked for,
    wrapped as it is; anything else copied into a new tensor, as ng.tensor does."""
    if like is None:
        return _as_tensor_of(value, dtype, device)
    if isinstance(value, Tensor):
        return value
    if getattr(value, "ndim", 0) > 0 and backends.of(value) is not like.backend:  # a 0-d one is a number
        raise RuntimeError(f"expected all arrays on one device: a {type(value).__name__} of shape "
                           f"{tuple(value.shape)} on {backends.of(value).name} met a tensor on {like.device}; make "
                           f"it a tensor there with ng.tensor(..., device={like.device!r})")
    # a number of a higher kind than the tensor's (bool < int < float) promotes, as in PyTorch: bools + 1 are int64.
    # The kind is read from the dtype of numpy's numbers too: an int tensor times np.float32(0.5) was truncated to 0
    kind = kind_of(value)
    if kind == "f" and not like.is_floating_point():
        dtype = _default_dtype
    elif kind in "iu" and like.dtype == bool_:
        dtype = int64
    else:
        dtype = like.dtype
    if kind in "iu" and dtype.kind in "iu" and isinstance(value, (int, np.integer)):
        # an integer wraps into the tensor's integer dtype, as PyTorch's C cast of it does: uint8 + -3 is uint8 + 253
        # (numpy refuses it, an OverflowError that named no op); one beyond 64 bits is refused, as by PyTorch
        value = np.asarray(value).astype(dtype)
    return Tensor(like.backend.xp.asarray(value, dtype=dtype))


def _as_tensor_of(value, dtype, device):
    if isinstance(value, Tensor):
        return value.to(device, dtype)
    is_array = isinstance(value, np.ndarray) or hasattr(value, "__cuda_array_interface__")
    if is_array and (device is None or backends.get(device) is backends.of(value)) and \
            (dtype is None or np.dtype(dtype) == value.dtype):
        return Tensor(value)
    return tensor(value, dtype, device=device or (backends.of(value).name if is_array else "cpu"))


def _sizes(op, shape):
    """The sizes of a new tensor, given as f(2, 3) or f((2, 3)); a float one was truncated by numpy, or refused
    with a message that did not name the op."""
    shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)
    require(op, "size", shape, lambda sizes: all(is_int(n) and n >= 0 for n in sizes), "ints >= 0")
    return tuple(map(int, shape))


def _filled(op, fill, shape, dtype, device, requires_grad):
    shape = _sizes(op, shape)
    xp = backends.get(device).xp
    array = xp.full(shape, fill, dtype=np.dtype(dtype or _default_dtype))
    return Tensor(array, requires_grad=requires_grad)


def zeros(*shape, dtype=None, device="cpu", requires_grad=False):
    return _filled("zeros", 0, shape, dtype, device, requires_grad)


def ones(*shape, dtype=None, device="cpu", requires_grad=False):
    return _filled("ones", 1, shape, dtype, device, requires_grad)


def full(shape, fill_value, dtype=None, device="cpu", requires_grad=False):
    """The dtype follows fill_value (bool, int64, the default float dtype) unless given, as in PyTorch."""
    return _filled("full", fill_value, (shape,), _resolve_dtype(fill_value, dtype), device, requires_grad)


def zeros_like(t, dtype=None, requires_grad=False):
    return _filled("zeros_like", 0, t.shape, dtype or t.dtype, t.device, requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    return _filled("ones_like", 1, t.shape, dtype or t.dtype, t.device, requires_grad)


def arange(start, end=None, step=1, dtype=None, device="cpu"):
    if end is None:
        start, end = 0, start
    host = np.arange(start, end, step)
    if dtype is None and host.dtype == np.float64:
        dtype = _default_dtype
    return Tensor(backends.get(device).from_host(host.astype(dtype) if dtype else host))


def _random(op, draw, shape, dtype, device, requires_grad, generator):
    host = draw(numpy_generator(op, generator), _sizes(op, shape)).astype(np.dtype(dtype or _default_dtype))
    return Tensor(backends.get(device).from_host(host), requires_grad=requires_grad)


def _uniform(numpy_rng, shape):
    return numpy_rng.random(shape)


def _standard_normal(numpy_rng, shape):
    return numpy_rng.standard_normal(shape)


def uniform_draws(op, a, b):
    """U(a, b) draws, draw(numpy generator, shape), for `op` (uniform_, nn.init's): a <= b, both finite."""
    require(op, "(a, b)", (a, b), lambda v: is_finite(a) and is_finite(b) and a <= b,
            "finite numbers a <= b")
    return lambda rng, shape: rng.uniform(a, b, shape)


def normal_draws(op, mean, std):
    """N(mean, std²) draws, draw(numpy generator, shape), for `op` (normal_, normal, nn.init's): std >= 0."""
    require(op, "std", std, lambda v: _is_number(v) and v >= 0, "a number >= 0")
    return lambda rng, shape: rng.normal(mean, std, shape)


def rand(*shape, generator=None, dtype=None, device="cpu", requires_grad=False):
    """Uniform on [0, 1)."""
    return _random("rand", _uniform, shape, dtype, device, requires_grad, generator)


def randn(*shape, generator=None, dtype=None, device="cpu", requires_grad=False):
    """Standard normal."""
    return _random("randn", _standard_normal, shape, dtype, device, requires_grad, generator)


def randn_like(t, dtype=None, requires_grad=False, *, generator=None):
    return _random("randn_like", _standard_normal, t.shape, dtype or t.dtype, t.device, requires_grad, generator)


def rand_like(t, dtype=None, requires_grad=False, *, generator=None):
    return _random("rand_like", _uniform, t.shape, dtype or t.dtype, t.device, requires_grad, generator)


def randint(low, high=None, size=None, dtype=None, device="cpu", requires_grad=False, *, generator=None):
    """Integers uniform on [low, high), int64 unless given: randint(high, size) or randint(low, high, size)."""
    if size is None:
        low, high, size = 0, low, high
    return _randint("randint", low, high, size, dtype or int64, device, requires_grad, generator)


def _randint(op, low, high, size, dtype, device, requires_grad, generator):
    if not (is_int(low) and is_int(high) and low < high):
        raise ValueError(f"{op}: expected ints low < high, got low={low!r}, high={high!r}")
    return _random(op, lambda g, s: g.integers(low, high, s), (size,), dtype, device, requires_grad, generator)


def randperm(n, dtype=None, device="cpu", requires_grad=False, *, generator=None):
    """A random order of 0, 1, ..., n - 1, int64 unless given."""
    n = int_at_least("randperm", "n", n, 0)
    return _random("randperm", lambda g, s: g.permutation(s[0]), (n,), dtype or int64, device, requires_grad,
                   generator)


def randint_like(t, low, high=None, dtype=None, requires_grad=False, *, generator=None):
    """randint with t's shape, device and (unless given) dtype: randint_like(t, high) or randint_like(t, low, high)."""
    if high is None:
        low, high = 0, low
    return _randint("randint_like", low, high, t.shape, dtype or t.dtype, t.device, requires_grad, generator)


def _uniform_like(op, t, generator, shape=None):
    """U[0, 1) draws of t's shape (or `shape`) in t's dtype on its device, made on the host (the same numbers on
    every device)."""
    draws = numpy_generator(op, generator).random(t.shape if shape is None else shape)
    return Tensor(t.backend.from_host(draws.astype(t.dtype)))


def bernoulli(input, p=None, *, generator=None):
    """y_i = 1 with probability input_i (or p, a number, where given), else 0; input's dtype, shape and device.
    A draw has no gradient: the result is outside the graph (PyTorch's requires grad and gets gradient 0)."""
    return _bernoulli("bernoulli", input, p, generator)


def _bernoulli(op, input, p, generator):
    if not input.is_floating_point():
        raise TypeError(f"{op}: expected floating-point probabilities, got {input.dtype} of shape {input.shape}")
    if p is None:
        input.backend.require((input.array >= 0) & (input.array <= 1), ValueError,
                              f"{op}: probabilities must be in [0, 1], got some outside in the tensor of shape "
                              f"{input.shape}")
        probability = input.detach()
    else:
        require(op, "p", p, lambda v: _is_number(v) and 0 <= v <= 1, "a probability in [0, 1]")
        probability = p
    return ops.elementwise.cast(_uniform_like(op, input, generator) < probability, input.dtype)


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Indices of categories drawn with probability proportional to the non-negative weights along the last
    dimension of a 1-d or 2-d input (int64, one row of num_samples per row of weights).
    With replacement: inverse-CDF, index = #{j : cdf_j ≤ u·cdf_last} for u ~ U[0, 1).
    Without: the num_samples smallest keys e_j / w_j, e_j ~ Exp(1), whose order is that of drawing one by one,
    each in proportion to the weights left; categories of weight 0 have key inf and come only after every other
    category, as in PyTorch, which also allows them once the positive ones are used up."""
    if input.ndim not in (1, 2) or not input.is_floating_point():
        raise ValueError(f"multinomial: expected 1-d or 2-d floating-point weights, got {input.dtype} of shape "
                         f"{input.shape}")
    categories = input.shape[-1]
    num_samples = int_at_least("multinomial", "num_samples", num_samples, 1)
    if not replacement and num_samples > categories:
        raise ValueError(f"multinomial: cannot draw {num_samples} samples without replacement from {categories} "
                         f"categories (weights of shape {input.shape})")
    weights = input.detach()
    total = weights.sum(-1)
    input.backend.require((weights.array >= 0).all(-1) & (total.array > 0) & input.backend.xp.isfinite(total.array),
                          ValueError, f"multinomial: weights must be finite and >= 0 with a positive sum in every "
                          f"row, got otherwise in the tensor of shape {input.shape}")
    rows = weights.reshape(-1, categories)
    if replacement:
        cdf = ops.scan.cumsum(rows, 1)
        u = _uniform_like("multinomial", rows, generator, (rows.shape[0], num_samples))
        picks = (cdf.unsqueeze(1) <= (u * cdf[:, -1:]).unsqueeze(2)).sum(2)
        picks = ops.elementwise.minimum(picks, categories - 1)  # u·cdf_last rounded up to cdf_last
    else:
        drawn = -ops.elementwise.log1p(-_uniform_like("multinomial", rows, generator))  # Exp(1)
        positive = rows > 0
        keys = ops.elementwise.where(positive, drawn / ops.elementwise.where(positive, rows, 1.0), float("inf"))
        picks = ops.sort.argsort(keys, 1)[:, :num_samples]
    return picks.reshape(input.shape[:-1] + (num_samples,))


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """y = mean + std·ε, ε ~ N(0, 1) elementwise: normal(mean, std) where mean, std or both are floating tensors (the
    result has their broadcast shape, promoted dtype and device), or normal(mean, std, size) with two numbers (then
    dtype, device and requires_grad are as randn's). std must be >= 0. A draw has no gradient: as bernoulli's, the
    result is outside the graph (PyTorch's gets gradient 0 in mean and std)."""
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        if size is None:
            raise TypeError("normal: with numbers for mean and std, give the result's size: normal(mean, std, size)")
        return _random("normal", normal_draws("normal", mean, std), (size,), dtype, device or "cpu", requires_grad,
                       generator)
    if size is not None or dtype is not None or device is not None or requires_grad:
        raise TypeError("normal: size, dtype, device and requires_grad are taken only with numbers for mean and std; "
                        "with a tensor the result follows it")
    for name, value in (("mean", mean), ("std", std)):
        if isinstance(value, Tensor) and not value.is_floating_point():
            raise TypeError(f"normal: expected {name} to be a floating-point tensor, got {value.dtype} of shape "
                            f"{value.shape}")
    if isinstance(std, Tensor):
        std.backend.require(std.array >= 0, ValueError,
                            f"normal: std must be >= 0 everywhere, got otherwise in the tensor of shape {std.shape}")
        std = std.detach()
    else:
        require("normal", "std", std, lambda v: _is_number(v) and v >= 0, "a number >= 0")
    mean = mean.detach() if isinstance(mean, Tensor) else mean
    if isinstance(mean, Tensor) and isinstance(std, Tensor):
        like, shape = mean, ops.elementwise._broadcast_shape("normal", mean, std)
        dtype = np.promote_types(mean.dtype, std.dtype)
    else:
        like = mean if isinstance(mean, Tensor) else std
        shape, dtype = like.shape, like.dtype
    noise = numpy_generator("normal", generator).standard_normal(shape).astype(dtype)
    return mean + std * Tensor(like.backend.from_host(noise))


def poisson(input, generator=None):
    """y_i ~ Poisson(λ_i = input_i), P(y = k) = λ^k·e^(-λ) / k!: input's dtype, shape and device; every rate >= 0.
    The counts are drawn on the host from the rates copied there (on a GPU this waits for the device). A draw has
    no gradient: as bernoulli's, the result is outside the graph."""
    if not input.is_floating_point():
        raise TypeError(f"poisson: expected floating-point rates, got {input.dtype} of shape {input.shape}")
    rates = input.backend.to_host(input.array)
    if not (rates >= 0).all():
        raise ValueError(f"poisson: rates must be >= 0, got otherwise in the tensor of shape {input.shape}")
    counts = numpy_generator("poisson", generator).poisson(rates)
    return Tensor(input.backend.from_host(counts.astype(input.dtype)))


def empty(*shape, dtype=None, device="cpu", requires_grad=False):
    """PyTorch leaves the memory as it was; here it is zeros, so a value read before it is written is 0."""
    return _filled("empty", 0, shape, dtype, device, requires_grad)


def empty_like(t, dtype=None, requires_grad=False):
    return _filled("empty_like", 0, t.shape, dtype or t.dtype, t.device, requires_grad)


def full_like(t, fill_value, dtype=None, requires_grad=False):
    return _filled("full_like", fill_value, t.shape, dtype or t.dtype, t.device, requires_grad)


def eye(n, m=None, dtype=None, device="cpu", requires_grad=False):
    """The n × m (n × n) matrix with ones on its diagonal."""
    rows, cols = _sizes("eye", (n, n if m is None else m))
    return Tensor(backends.get(device).from_host(np.eye(rows, cols, dtype=np.dtype(dtype or _default_dtype))),
                  requires_grad=requires_grad)


def linspace(start, end, steps, dtype=None, device="cpu", requires_grad=False):
    """`steps` numbers from start to end, both included, evenly spaced."""
    (steps,) = _sizes("linspace", (steps,))
    host = np.linspace(start, end, steps).astype(np.dtype(dtype or _default_dtype))
    return Tensor(backends.get(device).from_host(host), requires_grad=requires_grad)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(t):
    return t.numel()


def from_numpy(array):
    """A tensor over the memory of a numpy array, with its dtype: a change of either shows in both, as PyTorch's."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy array, got {type(array).__name__}")
    return Tensor(array)


from . import ops  # noqa: E402  (ops import Tensor from this module)

# torch's Tensor methods that are the ops with the tensor first, as they are: t.atan2(b) is ng.atan2(t, b)
for _name in ("addcmul", "addcdiv", "clamp_min", "clamp_max", "tan", "asin", "acos", "atan", "sinh", "cosh",
              "asinh", "acosh", "atanh", "atan2", "hypot", "logaddexp", "logit", "xlogy", "deg2rad", "rad2deg", "sgn",
              "signbit", "heaviside", "isinf", "isposinf", "isneginf", "logical_and", "logical_or", "logical_xor",
              "logical_not", "nan_to_num", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "isclose"):
    setattr(Tensor, _name, getattr(ops.elementwise, _name))
for _name in ("mv", "dot", "outer", "addmm", "addmv", "addr", "addbmm", "baddbmm", "kron", "dist", "cross"):
    setattr(Tensor, _name, getattr(ops.matmul, _name))
for _name in ("asin", "acos", "atan", "asinh", "acosh", "atanh", "atan2"):  # numpy's names, torch's aliases
    setattr(Tensor, "arc" + _name[1:], getattr(Tensor, _name))
Tensor.ger = Tensor.outer
# the rest of torch's in-place Tensor methods whose out-of-place methods are above
for _name in ("acos", "acosh", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh", "asin",
              "asinh", "atan", "atan2", "atanh", "ceil", "cos", "cosh", "cumsum", "deg2rad", "eq", "erf", "exp2",
              "expm1", "floor", "fmod", "frac", "ge", "gt", "heaviside", "hypot", "le", "log10", "log1p", "log2",
              "logit", "lt", "nan_to_num", "ne", "rad2deg", "reciprocal", "remainder", "round", "rsqrt", "sgn", "sin",
              "sinh", "square", "tan", "true_divide", "trunc", "xlogy"):
    setattr(Tensor, _name + "_", _in_place(_name))
del _name
from .autograd import grad_mode  # noqa: E402
from .autograd.hooks import RemovableHandle, TensorHooks  # noqa: E402
from . import legacy  # noqa: E402
