"""Elementwise arithmetic with numpy broadcasting.

Notation: y = f(a, b), g = dL/dy. When an input was broadcast to the output's shape, its gradient
is summed back over the broadcast axes (`sum_to`), so every gradient has its input's shape.
"""
import math

import numpy as np

from ..arguments import is_int
from ..autograd.function import Function, require_one_device
from ..tensor import Tensor, as_tensor, get_default_dtype, kind_of, zeros_like
from .shape import clone, sum_to


def _broadcast_shape(op, a, b):
    try:
        return np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together") from None


def _pair(op, a, b):
    """Both operands as Tensors (scalars take the other's dtype and device), checked to broadcast."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{op}: expected at least one Tensor")
    for value in (a, b):  # numpy would make None a NaN: x + None was all NaN
        if not (isinstance(value, (Tensor, int, float)) or kind_of(value) in "biuf"):
            raise TypeError(f"{op}: expected a Tensor or numbers, got {type(value).__name__} {value!r}")
    a = as_tensor(a, like=b) if not isinstance(a, Tensor) else a
    b = as_tensor(b, like=a) if not isinstance(b, Tensor) else b
    _broadcast_shape(op, a, b)
    a_float, b_float = a.is_floating_point(), b.is_floating_point()
    if a_float != b_float:  # integers meeting floats become that float type, as in PyTorch
        a, b = (a, cast(b, a.dtype)) if a_float else (cast(a, b.dtype), b)
    elif a.dtype != b.dtype and (a.ndim == 0) != (b.ndim == 0) and (a.dtype == bool) == (b.dtype == bool):
        # a 0-d tensor of the same kind counts as a number, as in PyTorch: float32 x times a float64 scalar tensor
        # stays float32 (bools + an integer become integers: numpy's promotion)
        a, b = (cast(a, b.dtype), b) if a.ndim == 0 else (a, cast(b, a.dtype))
    return a, b


def _refuse_bools(op, *tensors):
    """PyTorch's abs, pow, remainder, fmod and unary + have no bool version (numpy's |True| is True, True ** True an
    int8 1): refused where every operand is a bool tensor (a bool to an integer power is an integer)."""
    if all(isinstance(t, Tensor) and t.dtype == bool for t in tensors):
        raise TypeError(f"{op}: not implemented for bool tensors, got bool of shape "
                        f"{' and '.join(str(t.shape) for t in tensors)}")


class Add(Function):
    """y = a + b;  da = g,  db = g."""
    floating_only = False

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.inputs
        return sum_to(g, a.shape), sum_to(g, b.shape)


class Sub(Function):
    """y = a - b;  da = g,  db = -g."""
    floating_only = False

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.inputs
        return sum_to(g, a.shape), sum_to(-g, b.shape)


class Mul(Function):
    """y = a * b;  da = g * b,  db = g * a."""
    floating_only = False

    @staticmethod
    def forward(ctx, a, b):
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.inputs
        da = sum_to(g * b, a.shape) if ctx.needs_input_grad[0] else None
        db = sum_to(g * a, b.shape) if ctx.needs_input_grad[1] else None
        return da, db


class Div(Function):
    """y = a / b;  da = g / b,  db = -g * a / b²."""

    @staticmethod
    def forward(ctx, a, b):
        return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.inputs
        da = sum_to(g / b, a.shape) if ctx.needs_input_grad[0] else None
        db = sum_to(-g * a / (b * b), b.shape) if ctx.needs_input_grad[1] else None
        return da, db


class Neg(Function):
    """y = -a;  da = -g."""
    floating_only = False

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g


class Pow(Function):
    """y = a ** b;  da = g * b * a^(b-1), but 0 where b = 0 (a⁰ ≡ 1);  db = g * y * log(a), but 0 where a = 0 and
    b ≥ 0 (0^b is constant there). At a = 0 the formulas read 0·inf and 0·log 0 = NaN where the derivative is 0,
    as PyTorch's pow takes it. The branches not taken see a base of 1, so that a zero sent into them at the next
    order stays a zero. Integers (which never require grad) give integers, a negative exponent truncating 1 / a^|b|
    toward zero as PyTorch does: ±1 to the power b for a base of ±1, 0 for any other (numpy refuses it)."""
    reads_output = True
    floating_only = False

    @staticmethod
    def forward(ctx, a, b):
        if a.dtype.kind == "f":
            return a ** b
        xp = ctx.xp
        return xp.where((b >= 0) | (xp.abs(a) == 1), a ** xp.abs(b), 0)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.inputs
        da = db = None
        if ctx.needs_input_grad[0]:
            constant_in_a = b.array == 0
            base = where(constant_in_a, 1.0, a)
            da = sum_to(where(constant_in_a, 0.0, g * b * base ** (b - 1)), a.shape)
        if ctx.needs_input_grad[1]:
            constant_in_b = (a.array == 0) & (b.array >= 0)
            base = where(constant_in_b, 1.0, a)
            db = sum_to(where(constant_in_b, 0.0, g * ctx.output * log(base)), b.shape)
        return da, db


class Exp(Function):
    """y = exp(a);  da = g * y."""
    reads_output = True

    @staticmethod
    def forward(ctx, a):
        return ctx.xp.exp(a)

    @staticmethod
    def backward(ctx, g):
        return g * ctx.output


class Log(Function):
    """y = log(a);  da = g / a."""

    @staticmethod
    def forward(ctx, a):
        return ctx.xp.log(a)

    @staticmethod
    def backward(ctx, g):
        return g / ctx.inputs[0]


class Sqrt(Function):
    """y = sqrt(a);  da = g / (2 y)."""
    reads_output = True

    @staticmethod
    def forward(ctx, a):
        return ctx.xp.sqrt(a)

    @staticmethod
    def backward(ctx, g):
        return g / (2 * ctx.output)


class Log1p(Function):
    """y = log(1 + a), exact for small a where log(1 + a) rounds 1 + a away;  da = g / (1 + a)."""

    @staticmethod
    def forward(ctx, a):
        return ctx.xp.log1p(a)

    @staticmethod
    def backward(ctx, g):
        return g / (1 + ctx.inputs[0])


class Expm1(Function):
    """y = exp(a) - 1, exact for small a where exp(a) - 1 cancels;  da = g * (y + 1)."""
    reads_output = True

    @staticmethod
    def forward(ctx, a):
        return ctx.xp.expm1(a)

    @staticmethod
    def backward(ctx, g):
        return g * (ctx.output + 1)


class Erf(Function):
    """y = erf(a) = (2/√π) ∫₀ᵃ e^(-t²) dt (the backend's special function);  da = g·(2/√π)·e^(-a²)."""

    @staticmethod
    def forward(ctx, a):
        return ctx.backend.erf(a)

    @staticmethod
    def backward(ctx, g):
        a = ctx.inputs[0]
        return g * (2 / math.sqrt(math.pi)) * exp(-a * a)


class Analytic(Function):
    """y = f(a), the array module's function named `function`;  da = g·f'(a), with f' the subclass's `derivative`
    written with differentiable ops, so that every order follows. Each f is a subclass, so that the graph names it."""
    function = None

    @staticmethod
    def forward(ctx, a):
        return getattr(ctx.xp, ctx.op.function)(a)

    @staticmethod
    def backward(ctx, g):
        return g * ctx.op.derivative(ctx.inputs[0])


class Sin(Analytic):
    """y = sin(a);  da = g·cos(a)."""
    function, derivative = "sin", staticmethod(lambda a: cos(a))


class Cos(Analytic):
    """y = cos(a);  da = -g·sin(a)."""
    function, derivative = "cos", staticmethod(lambda a: -sin(a))


class Tan(Analytic):
    """y = tan(a);  da = g·(1 + tan²(a))."""
    function, derivative = "tan", staticmethod(lambda a: 1 + square(tan(a)))


class Asin(Analytic):
    """y = asin(a);  da = g / √(1 - a²)."""
    function, derivative = "arcsin", staticmethod(lambda a: rsqrt(1 - a * a))


class Acos(Analytic):
    """y = acos(a);  da = -g / √(1 - a²)."""
    function, derivative = "arccos", staticmethod(lambda a: -rsqrt(1 - a * a))


class Atan(Analytic):
    """y = atan(a);  da = g / (1 + a²)."""
    function, derivative = "arctan", staticmethod(lambda a: 1 / (1 + a * a))


class Sinh(Analytic):
    """y = sinh(a);  da = g·cosh(a)."""
    function, derivative = "sinh", staticmethod(lambda a: cosh(a))


class Cosh(Analytic):
    """y = cosh(a);  da = g·sinh(a)."""
    function, derivative = "cosh", staticmethod(lambda a: sinh(a))


class Asinh(Analytic):
    """y = asinh(a);  da = g / √(a² + 1)."""
    function, derivative = "arcsinh", staticmethod(lambda a: rsqrt(a * a + 1))


class Acosh(Analytic):
    """y = acosh(a);  da = g / √(a² - 1)."""
    function, derivative = "arccosh", staticmethod(lambda a: rsqrt(a * a - 1))


class Atanh(Analytic):
    """y = atanh(a);  da = g / (1 - a²)."""
    function, derivative = "arctanh", staticmethod(lambda a: 1 / (1 - a * a))


class Atan2(Function):
    """y = atan2(a, b), the angle of the point (b, a);  da = g·b / (a² + b²),  db = -g·a / (a² + b²), both 0 at
    a = b = 0, as PyTorch's."""

    @staticmethod
    def forward(ctx, a, b):
        return ctx.xp.arctan2(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.inputs
        squared = a * a + b * b
        # at the origin the angle has no derivative: 0 there, as PyTorch's (the formula's 0 / 0 is NaN)
        scaled = g / where(squared == 0, 1.0, squared)
        da = sum_to(scaled * b, a.shape) if ctx.needs_input_grad[0] else None
        db = sum_to(-scaled * a, b.shape) if ctx.needs_input_grad[1] else None
        return da, db


class Hypot(Function):
    """y = √(a² + b²) without overflow of the squares;  da = g·a / y,  db = g·b / y."""
    reads_output = True

    @staticmethod
    def forward(ctx, a, b):
        return ctx.xp.hypot(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.inputs
        scaled = g / ctx.output
        da = sum_to(scaled * a, a.shape) if ctx.needs_input_grad[0] else None
        db = sum_to(scaled * b, b.shape) if ctx.needs_input_grad[1] else None
        return da, db


class LogAddExp(Function):
    """y = log(eᵃ + eᵇ) without overflow;  da = g / (1 + e^(b - a)),  db = g / (1 + e^(a - b))."""

    @staticmethod
    def forward(ctx, a, b):
        return ctx.xp.logaddexp(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.inputs
        da = sum_to(g / (1 + exp(b - a)), a.shape) if ctx.needs_input_grad[0] else None
        db = sum_to(g / (1 + exp(a - b)), b.shape) if ctx.needs_input_grad[1] else None
        return da, db


class XLogY(Function):
    """y = x·log(y), and 0 where x = 0 (unless y is NaN);  dx = g·log(y) (xlogy(g, y)), but 0 where x = 0 and
    y ≤ 0;  dy = g·x / y: PyTorch's."""

    @staticmethod
    def forward(ctx, x, y):
        xp = ctx.xp
        return xp.where((x == 0) & ~xp.isnan(y), x.dtype.type(0), x * xp.log(y))

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.inputs
        dx = dy = None
        if ctx.needs_input_grad[0]:
            dx = sum_to(where((x.array == 0) & (y.array <= 0), 0.0, xlogy(g, y)), x.shape)
        if ctx.needs_input_grad[1]:
            dy = sum_to(g * x / y, y.shape)
        return dx, dy


class Stepwise(Function):
    """y = f(a) for a piecewise constant f, the array module's function named `function`;  da = 0, as PyTorch gives
    (its derivative wherever it has one). Each f is a subclass, so that the graph names it."""
    floating_only = False
    function = None

    @staticmethod
    def forward(ctx, a):
        return getattr(ctx.xp, ctx.op.function)(a)

    @staticmethod
    def backward(ctx, g):
        return zeros_like(g)  # not g * 0, which is NaN where g is


class Sign(Stepwise):
    """y = sign(a), 0 at NaN as PyTorch's (numpy's is NaN);  da = 0."""

    @staticmethod
    def forward(ctx, a):
        xp = ctx.xp
        return xp.where(xp.isnan(a), a.dtype.type(0), xp.sign(a)) if a.dtype.kind == "f" else xp.sign(a)


class Floor(Stepwise):
    """y = ⌊a⌋;  da = 0."""
    function = "floor"


class Ceil(Stepwise):
    """y = ⌈a⌉;  da = 0."""
    function = "ceil"


class Trunc(Stepwise):
    """y = a rounded towards 0;  da = 0."""
    function = "trunc"


class Round(Stepwise):
    """y = a rounded to the nearest integer, halves to the even one (as PyTorch and numpy's rint);  da = 0."""
    function = "rint"


class Modulo(Function):
    """y = a - b·q(a/b) for a subclass's rounding q, computed by the backend's function named `function` (exact,
    where a - b·q(a/b) in floating point is not: CuPy's own remainder of floats is that, see backend/cuda);
    da = g,  db = -g·q(a/b): the derivative between the jumps at a/b an integer, as PyTorch takes it everywhere.
    q is a Stepwise op, so db's own derivatives are 0 in a and b."""
    floating_only = False
    function = rounding = None

    @staticmethod
    def forward(ctx, a, b):
        return getattr(ctx.backend, ctx.op.function)(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.inputs
        da = sum_to(g, a.shape) if ctx.needs_input_grad[0] else None
        db = sum_to(-g * ctx.op.rounding.apply(a / b), b.shape) if ctx.needs_input_grad[1] else None
        return da, db


class Remainder(Modulo):
    """y = a - b·⌊a/b⌋, with the sign of b (Python's %, PyTorch's remainder);  da = g,  db = -g·⌊a/b⌋."""
    function, rounding = "remainder", Floor


class Fmod(Modulo):
    """y = a - b·trunc(a/b), with the sign of a (C's fmod, PyTorch's fmod);  da = g,  db = -g·trunc(a/b)."""
    function, rounding = "fmod", Trunc


class FloorDivide(Function):
    """y = ⌊a / b⌋ as Python's // (the backend's floor_divide, exact where the floor of the rounded quotient is
    not);  da = 0, db = 0: stepwise in both, as nanogan's floor. PyTorch gives its output no derivative and refuses
    the backward through it."""
    floating_only = False

    @staticmethod
    def forward(ctx, a, b):
        return ctx.backend.floor_divide(a, b)

    @staticmethod
    def backward(ctx, g):
        return tuple(zeros_like(t) if needed else None for t, needed in zip(ctx.inputs, ctx.needs_input_grad))


class Abs(Function):
    """y = |a|;  da = g * sign(a)  (0 at a = 0, as in PyTorch)."""
    floating_only = False

    @staticmethod
    def forward(ctx, a):
        return ctx.xp.abs(a)

    @staticmethod
    def backward(ctx, g):
        return g * sign(ctx.inputs[0])


class Where(Function):
    """y = a where cond else b (cond a constant mask);  da = g where cond else 0,  db = the rest."""
    floating_only = False

    @staticmethod
    def forward(ctx, a, b, *, cond):
        return ctx.xp.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.inputs
        zero = zeros_like(g)  # not g * 0: a NaN of g in the branch not taken stays out, as in PyTorch
        da = sum_to(where(ctx.cond, g, zero), a.shape) if ctx.needs_input_grad[0] else None
        db = sum_to(where(ctx.cond, zero, g), b.shape) if ctx.needs_input_grad[1] else None
        return da, db


class Cast(Function):
    """y = a converted to another floating dtype;  da = g converted back."""
    floating_only = False

    @staticmethod
    def forward(ctx, a, *, dtype):
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return cast(g, ctx.inputs[0].dtype)


def add(a, b, alpha=1):
    """y = a + alpha·b (PyTorch's add; alpha scales b first, one more node where it is not 1)."""
    return Add.apply(*_scaled_pair("add", a, b, alpha))


def sub(a, b, alpha=1):
    """y = a - alpha·b."""
    return Sub.apply(*_scaled_pair("sub", a, b, alpha))


def _scaled_pair(op, a, b, alpha):
    """_pair of a and alpha·b. A float alpha with integer (or bool) operands is refused, as PyTorch refuses it:
    alpha·b would have turned the sum of two integer tensors into a float one."""
    a, b = _pair(op, a, b)
    if alpha == 1:
        return a, b
    if not a.is_floating_point() and not is_int(alpha):
        raise TypeError(f"{op}: for integer tensors (shapes {a.shape} and {b.shape}, {a.dtype}) alpha must be an "
                        f"int, got {alpha!r}")
    return a, b * alpha


def mul(a, b):
    return Mul.apply(*_pair("mul", a, b))


def div(a, b, *, rounding_mode=None):
    """True division: integer operands divide in the default float dtype (float32 unless set), as in PyTorch. They
    become floats before they meet, as PyTorch's do: paired first, a 0-d int64 -3 over a uint8 tensor was wrapped to 253
    in uint8, and uint8 / -3 refused -3. rounding_mode="floor" is floor_divide, and "trunc" rounds the quotient
    toward 0 (of integers, in integers: trunc of the floats' quotient is exact below 2^53, |a| < 2^53 here)."""
    if rounding_mode == "floor":
        return floor_divide(a, b)
    if rounding_mode == "trunc":
        if kind_of(a) == "f" or kind_of(b) == "f":
            return trunc(div(a, b))
        quotient = floor_divide(a, b)  # integers: toward 0 is floor, plus 1 where the signs differ and b misses a
        a, b = _pair("div", a, b)
        return where((remainder(a, b).array != 0) & ((a.array < 0) != (b.array < 0)), quotient + 1, quotient)
    if rounding_mode is not None:
        raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}")
    if not (kind_of(a) == "f" or kind_of(b) == "f"):
        a, b = (_as_floating(t) if isinstance(t, Tensor) else t for t in (a, b))
    return Div.apply(*_pair("div", a, b))


def neg(a):
    return Neg.apply(a)


def _integer_division(op, name, a, b):
    """op(a, b) of a division that keeps integers integers (remainder, fmod, floor_divide): bools refused, and an
    integer division by zero, which numpy would answer with 0 and a warning (PyTorch raises)."""
    a, b = _pair(name, a, b)
    _refuse_bools(name, a, b)
    if not (a.is_floating_point() or b.is_floating_point()):  # numpy would give 0 with a warning; PyTorch raises
        b.backend.require(b.array != 0, ZeroDivisionError,
                          f"{name}: integer division by zero (a of shape {a.shape}, b of shape {b.shape})")
    return op.apply(a, b)


def remainder(a, b):
    """a % b with the sign of b, as Python's % (see Remainder); integers stay integers, as in PyTorch."""
    return _integer_division(Remainder, "remainder", a, b)


def fmod(a, b):
    """The remainder of a / b with the sign of a, as C's fmod (see Fmod); integers stay integers."""
    return _integer_division(Fmod, "fmod", a, b)


def floor_divide(a, b):
    """a // b, rounded down as Python's (PyTorch 2's floor_divide; see FloorDivide); integers stay integers."""
    return _integer_division(FloorDivide, "floor_divide", a, b)


def pow(a, b):
    """a ** b; an integer tensor to a negative integer number is refused, as in PyTorch (see Pow for tensors)."""
    if isinstance(a, Tensor) and not a.is_floating_point() and is_int(b) and b < 0:
        raise ValueError(f"pow: integers to negative integer powers are not allowed, got a tensor of {a.dtype} and "
                         f"shape {a.shape} to the power {b}; make the tensor floating-point first")
    a, b = _pair("pow", a, b)
    _refuse_bools("pow", a, b)
    return Pow.apply(a, b)


def square(a):
    """y = a·a;  da = 2a·g (Mul's two gradients); integers stay integers, and bools square as int64, as in PyTorch
    (numpy's True·True is True)."""
    if a.dtype == bool:
        a = cast(a, np.dtype(np.int64))
    return mul(a, a)


def reciprocal(a):
    """y = 1 / a;  da = -g / a² (Div's); integers give the default float dtype, as in PyTorch."""
    return div(1.0, a)


def rsqrt(a):
    """y = 1 / √a;  da = -g / (2·a·√a) (-inf at a = 0, where y is inf, as in PyTorch). Not a^(-1/2): C's pow gives
    (-inf)^(-1/2) = 0 and (-0)^(-1/2) = +inf, where 1 / √a is NaN and -inf, as PyTorch's rsqrt."""
    return 1 / sqrt(a)


def _as_floating(a):
    """a, or a in the default float dtype where it holds integers or bools: PyTorch computes exp, log, sqrt, ... of
    them in it (the Functions themselves take floating tensors only)."""
    return a if a.is_floating_point() else cast(a, get_default_dtype())


def exp(a):
    return Exp.apply(_as_floating(a))


def expm1(a):
    return Expm1.apply(_as_floating(a))


def log(a):
    return Log.apply(_as_floating(a))


def log1p(a):
    return Log1p.apply(_as_floating(a))


def sqrt(a):
    return Sqrt.apply(_as_floating(a))


def erf(a):
    return Erf.apply(_as_floating(a))


def sin(a):
    return Sin.apply(_as_floating(a))


def cos(a):
    return Cos.apply(_as_floating(a))


def tan(a):
    return Tan.apply(_as_floating(a))


def asin(a):
    return Asin.apply(_as_floating(a))


def acos(a):
    return Acos.apply(_as_floating(a))


def atan(a):
    return Atan.apply(_as_floating(a))


def sinh(a):
    return Sinh.apply(_as_floating(a))


def cosh(a):
    return Cosh.apply(_as_floating(a))


def asinh(a):
    return Asinh.apply(_as_floating(a))


def acosh(a):
    return Acosh.apply(_as_floating(a))


def atanh(a):
    return Atanh.apply(_as_floating(a))


def _floating_pair(op, a, b):
    """a and b paired (_pair), in the default float dtype where both hold integers or bools, as PyTorch computes
    atan2 and xlogy."""
    a, b = _pair(op, a, b)
    return _as_floating(a), _as_floating(b)


def atan2(a, b):
    """The angle of the point (b, a) in (-π, π] (see Atan2)."""
    return Atan2.apply(*_floating_pair("atan2", a, b))


def hypot(a, b):
    """√(a² + b²) (see Hypot); floating tensors only, as in PyTorch."""
    return Hypot.apply(*_pair("hypot", a, b))


def logaddexp(a, b):
    """log(eᵃ + eᵇ) (see LogAddExp); floating tensors only, as in PyTorch."""
    return LogAddExp.apply(*_pair("logaddexp", a, b))


def xlogy(x, y):
    """x·log(y), 0 where x = 0 (see XLogY)."""
    return XLogY.apply(*_floating_pair("xlogy", x, y))


class Logit(Function):
    """y = log(z / (1 - z));  dz = g / (z(1 - z)): inf at z = 0 and 1, NaN outside [0, 1] where y is NaN, as
    PyTorch's (the quotient's chain rule gave inf·0 = NaN at 0 and a number outside)."""

    @staticmethod
    def forward(ctx, z):
        return ctx.xp.log(z / (1 - z))

    @staticmethod
    def backward(ctx, g):
        z = ctx.inputs[0]
        return g / where((z.array < 0) | (z.array > 1), math.nan, z * (1 - z))


def logit(a, eps=None):
    """y = log(z / (1 - z)) for z = a, or a clamped to [eps, 1 - eps] where eps is given (see Logit); the gradient
    is 0 where the clamp moved a (clamp's), as PyTorch's."""
    z = _as_floating(a) if eps is None else clamp(_as_floating(a), eps, 1 - eps)
    return Logit.apply(z)


def deg2rad(a):
    """a·π/180."""
    return _as_floating(a) * (math.pi / 180)


def rad2deg(a):
    """a·180/π."""
    return _as_floating(a) * (180 / math.pi)


def log2(a):
    """log₂ a = log a / log 2."""
    return log(a) * (1 / math.log(2))


def log10(a):
    """log₁₀ a = log a / log 10."""
    return log(a) * (1 / math.log(10))


def exp2(a):
    """2^a = exp(a·log 2)."""
    return exp(_as_floating(a) * math.log(2))


def sign(a):
    """A bool tensor is its own sign, a copy, as in PyTorch (numpy's sign has no bool version)."""
    return clone(a) if a.dtype == bool else Sign.apply(a)


sgn = sign  # of real numbers, PyTorch's sgn is sign


def signbit(a):
    """Whether a's sign bit is set (True at -0.0 and at a NaN with its bit set): a boolean Tensor, outside the graph;
    False for bools, as in PyTorch."""
    xp = a.backend.xp
    return Tensor(xp.zeros(a.shape, dtype=bool) if a.dtype == bool else xp.signbit(a.array))


def heaviside(input, values):
    """0 where input < 0, `values` where input = 0, 1 where input > 0 (and 0 at NaN, as PyTorch's): a tensor of
    input's dtype, which values must share, as PyTorch requires; outside the graph (PyTorch has no derivative of it
    and refuses the backward through it)."""
    if not isinstance(values, Tensor) or values.dtype != input.dtype:
        what = f"{values.dtype}" if isinstance(values, Tensor) else type(values).__name__
        raise TypeError(f"heaviside: values must be a tensor of the input's dtype, got {what} for an input of "
                        f"{input.dtype}, shape {input.shape}")
    _broadcast_shape("heaviside", input, values)
    require_one_device("heaviside", (input, values))
    xp = input.backend.xp
    return Tensor(xp.where(input.array == 0, values.array, (input.array > 0).astype(input.dtype)))


def _stepwise(op, a):
    """op of a floating tensor; an integer tensor is its own floor, ceiling and rounding: a copy, as in PyTorch
    (numpy's would turn it into float64)."""
    return op.apply(a) if a.is_floating_point() else clone(a)


def floor(a):
    return _stepwise(Floor, a)


def ceil(a):
    return _stepwise(Ceil, a)


def round(a):
    return _stepwise(Round, a)


def trunc(a):
    return _stepwise(Trunc, a)


def frac(a):
    """a − trunc(a), the fractional part with a's sign;  da = g."""
    return a - trunc(a)


def abs(a):
    _refuse_bools("abs", a)
    return Abs.apply(a)


def positive(a):
    """+a: a itself, as in PyTorch."""
    _refuse_bools("positive", a)
    return a


def where(cond, a=None, b=None):
    """`cond ? a : b` elementwise; cond is a boolean Tensor or array (no gradient flows into it; an array is the
    caller's to keep as it is until backward). With two numbers, a takes the dtype a number gets on cond's device
    (where(c, 1.0, 0.0) has the default float dtype), as in PyTorch. A condition of another dtype is refused, as
    PyTorch refuses it (numpy's where would read its nonzero values as True). where(cond) alone is nonzero(cond, as_tuple=True), the
    positions of cond's nonzero elements, as PyTorch's."""
    if a is None and b is None:
        from .indexing import nonzero  # indexing imports this module
        return nonzero(cond, as_tuple=True)
    if cond.dtype != bool:
        raise TypeError(f"where: expected a boolean condition, got {cond.dtype} of shape {tuple(cond.shape)}")
    if isinstance(cond, Tensor) and not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = as_tensor(a, like=cond)
    a, b = _pair("where", a, b)
    require_one_device("where", (a, b, *([cond] if isinstance(cond, Tensor) else [])))
    mask = cond.array.copy() if isinstance(cond, Tensor) else cond  # the mask as used, however cond changes later
    try:
        np.broadcast_shapes(tuple(mask.shape), a.shape, b.shape)
    except ValueError:
        raise ValueError(f"where: condition {tuple(mask.shape)} and values {a.shape}, {b.shape} "
                         f"cannot be broadcast together") from None
    return Where.apply(a, b, cond=mask)


def masked_fill(x, mask, value):
    """x with `value` (a number or a 0-d tensor, cast to x's dtype, as PyTorch casts them) where the boolean mask is
    True:  dx = g where the mask is False, else 0;  dvalue = Σ of g where it is True. (A tensor of values to place
    is where's; PyTorch refuses one here.)"""
    if not isinstance(mask, Tensor) or mask.dtype != bool:
        what = f"{mask.dtype} of shape {mask.shape}" if isinstance(mask, Tensor) else type(mask).__name__
        raise TypeError(f"masked_fill: expected a boolean mask Tensor for the tensor of shape {x.shape}, got {what}")
    if not isinstance(value, Tensor):
        value = x._number_as_tensor("masked_fill", value)
    elif value.ndim != 0:
        raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got a tensor of shape {value.shape} "
                         f"(tensor of shape {x.shape})")
    else:
        value = cast(value, x.dtype)  # a float value in an int tensor is cast to it, as PyTorch's, not promoted
    return where(mask, value, x)


def _extremum(op, a, b, wins):
    """The elementwise larger (wins = "greater") or smaller ("less") of a and b, NaN where either is, as PyTorch's
    maximum and minimum: y = a where a wins, b where b wins, and at a tie (or a NaN) (a + b) / 2, which is a there
    (a NaN where either is, inf where |a| exceeds half the dtype's largest number);  da = g where a wins, g / 2 at
    a tie, else 0; db likewise (PyTorch's split of a tie)."""
    a, b = _pair(op, a, b)
    require_one_device(op, (a, b))
    compare_with = getattr(a.backend.xp, wins)
    tie = mul(add(a, b), 0.5) if a.is_floating_point() else a  # integers need no gradient to split
    return where(compare_with(a.array, b.array), a, where(compare_with(b.array, a.array), b, tie))


def maximum(a, b):
    return _extremum("maximum", a, b, "greater")


def minimum(a, b):
    return _extremum("minimum", a, b, "less")


def lerp(start, end, weight):
    """y = start + w·(end - start), computed as end - (1 - w)·(end - start) where |w| ≥ 1/2, as PyTorch does, so
    that w = 1 gives end exactly (a weight tensor picks per element);  dstart = g·(1 - w),  dend = g·w,
    dw = g·(end - start)."""
    for other in (end, weight):  # checked here, so that the error names lerp, not the sub inside it
        if isinstance(other, Tensor):
            _broadcast_shape("lerp", start, other)
    difference = sub(end, start)
    if not isinstance(weight, Tensor):
        return add(start, mul(difference, weight)) if -0.5 < weight < 0.5 else sub(end, mul(difference, 1 - weight))
    near_start = (weight.array > -0.5) & (weight.array < 0.5)
    return where(near_start, add(start, mul(difference, weight)), sub(end, mul(difference, sub(1, weight))))


def clamp(a, min=None, max=None):
    """y = min(max(a, lo), hi);  da = g where lo <= a <= hi else 0."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    bounds = [bound for bound in (min, max) if isinstance(bound, Tensor)]
    require_one_device("clamp", (a, *bounds))
    for bound in bounds:  # checked here, so that the error names clamp, not the comparison inside it
        _broadcast_shape("clamp", a, bound)
    clipped = a  # NaN compares False both ways, so it passes through: NaN is not hidden
    if min is not None:
        clipped = where(a.array < min, as_tensor(min, like=a), clipped)
    if max is not None:  # tested on the clipped values: with min > max every value is max, as in PyTorch
        clipped = where(clipped.array > max, as_tensor(max, like=a), clipped)
    return clipped


def clamp_min(a, min):
    return clamp(a, min=min)


def clamp_max(a, max):
    return clamp(a, max=max)


def clamp_min_passing_gradient(a, min):
    """y = max(a, min) with a's own gradient everywhere, da = g (not clamp's 0 below min): PyTorch's clamp_min_ in
    place under no_grad on a tensor in the graph, as gaussian_nll_loss's variance and cosine_similarity's norms are."""
    return a + Tensor(a.backend.xp.maximum(a.array, min) - a.array)


def cast(a, dtype):
    """a in another dtype; only a floating result stays in the graph."""
    if a.dtype == dtype:
        return a
    if not np.issubdtype(dtype, np.floating):
        return Tensor(a.array.astype(dtype))
    return Cast.apply(a, dtype=dtype)


def compare(a, b, name):
    """Elementwise comparison (less, equal, ...): a boolean Tensor, outside the graph."""
    a, b = _pair(name, a, b)
    require_one_device(name, (a, b))
    return Tensor(getattr(a.backend.xp, name)(a.array, b.array))


def eq(a, b):
    return compare(a, b, "equal")


def ne(a, b):
    return compare(a, b, "not_equal")


def lt(a, b):
    return compare(a, b, "less")


def le(a, b):
    return compare(a, b, "less_equal")


def gt(a, b):
    return compare(a, b, "greater")


def ge(a, b):
    return compare(a, b, "greater_equal")


def isnan(a):
    """A boolean Tensor, outside the graph, as compare's."""
    return Tensor(a.backend.xp.isnan(a.array))


def isfinite(a):
    return Tensor(a.backend.xp.isfinite(a.array))


def isinf(a):
    return Tensor(a.backend.xp.isinf(a.array))


def isposinf(a):
    return Tensor(a.backend.xp.isinf(a.array) & (a.array > 0))


def isneginf(a):
    return Tensor(a.backend.xp.isinf(a.array) & (a.array < 0))


def logical_and(a, b):
    """Whether both are nonzero: a boolean Tensor, outside the graph, as compare's (logical_or, logical_xor too)."""
    return compare(a, b, "logical_and")


def logical_or(a, b):
    return compare(a, b, "logical_or")


def logical_xor(a, b):
    return compare(a, b, "logical_xor")


def logical_not(a):
    return Tensor(a.backend.xp.logical_not(a.array))


def _bitwise(a, b, name):
    """Bitwise and / or / xor of bools and integers (of bools, the logical ones: `mask & other_mask`), outside the
    graph as compare's; floats are refused, as PyTorch refuses them."""
    a, b = _pair(name, a, b)  # a number is refused as a float only once it is paired
    _refuse_floats(name, a, b)
    return compare(a, b, name)


def _refuse_floats(name, *tensors):
    if any(t.is_floating_point() for t in tensors):
        raise TypeError(f"{name}: expected bool or integer tensors, got "
                        + " and ".join(f"{t.dtype} of shape {t.shape}" for t in tensors))


def bitwise_and(a, b):
    return _bitwise(a, b, "bitwise_and")


def bitwise_or(a, b):
    return _bitwise(a, b, "bitwise_or")


def bitwise_xor(a, b):
    return _bitwise(a, b, "bitwise_xor")


def bitwise_not(a):
    """~a: every bit flipped (of bools, not)."""
    _refuse_floats("bitwise_not", a)
    return Tensor(a.backend.xp.invert(a.array))


def nan_to_num(a, nan=0.0, posinf=None, neginf=None):
    """a with NaN, +inf and -inf replaced by `nan`, `posinf` and `neginf` (by default the dtype's largest and
    smallest finite numbers);  da = g where a is finite, 0 elsewhere (where's), as PyTorch's. Integers and bools are
    their own (a copy)."""
    if not a.is_floating_point():
        return clone(a)
    xp, finfo = a.backend.xp, np.finfo(a.dtype)
    x = a.array
    big = finfo.max if posinf is None else posinf
    small = finfo.min if neginf is None else neginf
    replaced = xp.where(xp.isnan(x), a.dtype.type(nan), xp.where(x > 0, a.dtype.type(big), a.dtype.type(small)))
    return where(xp.isfinite(x), a, Tensor(replaced))


def addcmul(input, tensor1, tensor2, value=1):
    """y = input + value·tensor1·tensor2 (a number `value` truncated to an integer for integer tensors, as
    PyTorch casts it): add's and mul's gradients."""
    return _add_scaled(input, mul(tensor1, tensor2), value)


def addcdiv(input, tensor1, tensor2, value=1):
    """y = input + value·tensor1 / tensor2: add's and div's gradients. Integer tensor1 and tensor2 are refused, as
    PyTorch refuses them (its old addcdiv divided them as integers)."""
    if all(isinstance(t, Tensor) and not t.is_floating_point() for t in (tensor1, tensor2)):
        raise TypeError(f"addcdiv: integer division is not supported, got {tensor1.dtype} {tensor1.shape} and "
                        f"{tensor2.dtype} {tensor2.shape}; make one of them floating-point")
    return _add_scaled(input, div(tensor1, tensor2), value)


def _add_scaled(input, product, value):
    if value != 1:
        product = mul(product, value if product.is_floating_point() else int(value))
    return add(input, product)


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Where |a - b| ≤ atol + rtol·|b| (b's size, as numpy's and PyTorch's), or a and b are the same infinity (both
    NaN too, with equal_nan): a boolean Tensor, outside the graph."""
    a, b = _pair("isclose", a, b)
    require_one_device("isclose", (a, b))
    return Tensor(a.backend.xp.isclose(a.array, b.array, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether isclose everywhere: a Python bool."""
    return bool(isclose(a, b, rtol, atol, equal_nan).all())


def equal(a, b):
    """Whether a and b have one shape and equal values everywhere (compared after promotion: ones of float32 equal
    ones of int64, as in PyTorch; NaN equals nothing): a Python bool."""
    if not (isinstance(a, Tensor) and isinstance(b, Tensor)):
        raise TypeError(f"equal: expected two Tensors, got {type(a).__name__} and {type(b).__name__}")
    return a.shape == b.shape and bool(eq(a, b).all())
