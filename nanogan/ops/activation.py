"""Activations (elementwise nonlinearities), softmax / log_softmax along a dim (and gumbel_softmax), and dropout.

Notation: y = f(x), g = dL/dy, dx = dL/dx. Where a gradient is neatest in terms of the output
(sigmoid, tanh, softmax, elu) the backward uses `ctx.output`, itself a Tensor in the graph, so
the second derivative follows by differentiating that expression again.

`inplace=True` (relu, leaky_relu, elu, selu, silu, mish, hardtanh, relu6, dropout, dropout2d) writes y into x and
returns x, as PyTorch's does; the change is recorded as the op done out of place on x's old value
(Tensor._set_in_place), so the gradients are those of `y = f(x)`.

The later activations (silu, gelu, selu, mish, hardtanh, relu6, softsign, prelu) are compositions of the Functions
here and of elementwise ops, each with its formula in its docstring: their gradients of every order are those of
the parts, on every backend. In float32 their values agree with PyTorch's fused kernels to 1e-6 relative (5e-7
absolute where the output is far below 1), GELU's to 2e-6, where PyTorch's own values are up to 1e-6 off the exact
ones (tests/test_activation.py).
"""
import math
import warnings

import numpy as np

from ..arguments import is_finite, is_number, require
from ..autograd.function import Function
from ..random import numpy_generator
from ..tensor import Tensor, zeros_like
from .elementwise import _as_floating, clamp, erf, where
from .shape import dim_index


def require_floating(op, *tensors):
    """Refuse integer or boolean tensors with an error naming the op (used by the composed ops,
    which would otherwise run integer arithmetic silently)."""
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: argument {i} must be a Tensor, got {type(t).__name__}")
        if not t.is_floating_point():
            raise TypeError(f"{op}: expected floating-point tensors, got {t.dtype} for argument {i} "
                            f"of shape {t.shape}")


class LeakyReLU(Function):
    """y = x if x > 0 else slope·x  (relu is slope = 0);
    dx = g·s(x) with s(x) = 1 if x > 0 else slope: LeakyReLUGrad (the second derivative in x is 0 away
    from the kink; at x = 0 the slope on the left is used, as in PyTorch)."""

    @staticmethod
    def forward(ctx, x, *, negative_slope):
        return ctx.backend.leaky_relu(x, negative_slope)

    @staticmethod
    def backward(ctx, g):
        return LeakyReLUGrad.apply(g, ctx.inputs[0].detach(), negative_slope=ctx.negative_slope)


class LeakyReLUGrad(Function):
    """y = g·s(x) for a constant x (leaky ReLU's input, detached: its change count goes with it, so a backward
    after x changed in place refuses), s(x) = 1 if x > 0 else slope;
    linear in g, so dg = g'·s(x): LeakyReLUGrad again (one node and one kernel where g * mask is two)."""

    @staticmethod
    def forward(ctx, g, x, *, negative_slope):
        return ctx.backend.leaky_relu_backward(x, g, negative_slope)

    @staticmethod
    def backward(ctx, gg):
        return LeakyReLUGrad.apply(gg, ctx.inputs[1], negative_slope=ctx.negative_slope), None


class ELU(Function):
    """y = x if x > 0 else α(eˣ - 1);  dx = g if x > 0 else g·αeˣ = g·(y + α)."""
    reads_output = True

    @staticmethod
    def forward(ctx, x, *, alpha):
        negative = alpha * ctx.xp.expm1(ctx.xp.minimum(x, 0))  # min(x, 0): no overflow in the unused branch
        return ctx.xp.where(x > 0, x, negative.astype(x.dtype))

    @staticmethod
    def backward(ctx, g):
        positive = ctx.inputs[0].array > 0
        return g * where(positive, 1.0, ctx.output + ctx.alpha)


class Sigmoid(Function):
    """y = 1 / (1 + e⁻ˣ);  dx = g·y(1 - y)."""
    reads_output = True

    @staticmethod
    def forward(ctx, x):
        return ctx.backend.sigmoid(x)

    @staticmethod
    def backward(ctx, g):
        y = ctx.output
        return g * y * (1 - y)


class Tanh(Function):
    """y = tanh x;  dx = g·(1 - y²)."""
    reads_output = True

    @staticmethod
    def forward(ctx, x):
        return ctx.xp.tanh(x)

    @staticmethod
    def backward(ctx, g):
        y = ctx.output
        return g * (1 - y * y)


class Softplus(Function):
    """y = log(1 + e^(βx)) / β, and y = x where βx > threshold (PyTorch's linear regime);
    dx = g·sigmoid(βx), and g where βx > threshold.
    Computed as (max(βx, 0) + log(1 + e^-|βx|)) / β, which cannot overflow."""

    @staticmethod
    def forward(ctx, x, *, beta, threshold):
        xp = ctx.xp
        bx = x * x.dtype.type(beta)
        smooth = (xp.maximum(bx, 0) + xp.log1p(xp.exp(-xp.abs(bx)))) / x.dtype.type(beta)
        return xp.where(bx > threshold, x, smooth)

    @staticmethod
    def backward(ctx, g):
        x = ctx.inputs[0]
        linear = x.array * ctx.beta > ctx.threshold
        return g * where(linear, 1.0, sigmoid(x * ctx.beta))


class Softmax(Function):
    """y_i = e^(x_i - m) / Σ_j e^(x_j - m) along dim (m = max, which cancels but prevents overflow);
    dx = y·(g - Σ_j g_j y_j)."""
    reads_output = True

    @staticmethod
    def forward(ctx, x, *, dim):
        if x.shape[dim] == 0:  # nothing to normalise (attention over no keys), and a max of nothing is undefined
            return x.copy()
        xp = ctx.xp
        e = xp.exp(x - x.max(axis=dim, keepdims=True))
        return e / e.sum(axis=dim, keepdims=True)

    @staticmethod
    def backward(ctx, g):
        y = ctx.output
        return y * (g - (g * y).sum(ctx.dim, keepdim=True))


class LogSoftmax(Function):
    """y_i = x_i - m - log Σ_j e^(x_j - m) along dim (m = max);  dx = g - e^y·Σ_j g_j."""
    reads_output = True

    @staticmethod
    def forward(ctx, x, *, dim):
        if x.shape[dim] == 0:  # as softmax's
            return x.copy()
        xp = ctx.xp
        shifted = x - x.max(axis=dim, keepdims=True)
        return shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))

    @staticmethod
    def backward(ctx, g):
        return g - ctx.output.exp() * g.sum(ctx.dim, keepdim=True)


def _in_place_or_not(op, input, inplace, compute):
    """compute(input), or with inplace=True its value written into input, which is returned (see the module
    docstring)."""
    if inplace is False:  # first: every activation of every model comes this way
        return compute(input)
    require(op, "inplace", inplace, lambda v: v is True, "True or False")
    return input._set_in_place(f"{op} (inplace=True)", compute)


def relu(input, inplace=False):
    """max(x, 0) (LeakyReLU with slope 0); of an integer tensor an integer tensor, as in PyTorch, which refuses
    bools."""
    return _in_place_or_not("relu", input, inplace, _relu)


def _relu(x):
    if x.is_floating_point():
        return LeakyReLU.apply(x, negative_slope=0.0)
    if x.dtype == bool:
        raise TypeError(f"relu: bool tensors are not supported, got one of shape {x.shape}")
    return clamp(x, min=0)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    require("leaky_relu", "negative_slope", negative_slope, is_finite, "a finite number")  # not "0.2", nor NaN
    slope = float(negative_slope)
    return _in_place_or_not("leaky_relu", input, inplace, lambda x: LeakyReLU.apply(x, negative_slope=slope))


def elu(input, alpha=1.0, inplace=False):
    require("elu", "alpha", alpha, is_finite, "a finite number")
    return _in_place_or_not("elu", input, inplace, lambda x: ELU.apply(x, alpha=float(alpha)))


def sigmoid(input):
    return Sigmoid.apply(_as_floating(input))  # of integers or bools in the default float dtype, as PyTorch's


def tanh(input):
    return Tanh.apply(_as_floating(input))


def softplus(input, beta=1.0, threshold=20.0):
    require("softplus", "beta", beta, lambda v: is_number(v) and v > 0, "a number > 0")
    return Softplus.apply(input, beta=float(beta), threshold=float(threshold))


def logsigmoid(input):
    """y = log sigmoid(x) = -softplus(-x) (without the linear regime);  dx = g·sigmoid(-x)."""
    return -Softplus.apply(-input, beta=1.0, threshold=math.inf)


SELU_ALPHA = 1.6732632423543772848170429916717  # Klambauer et al.'s constants, PyTorch's digits
SELU_SCALE = 1.0507009873554804934193349852946
_SELU_SATURATION = -SELU_SCALE * SELU_ALPHA  # α' = lim selu(x) as x → -∞


def selu(input, inplace=False):
    """y = scale·elu(x, α) with SELU's α and scale;  dx = scale·g where x > 0, else scale·g·α·eˣ (ELU's)."""
    require_floating("selu", input)
    return _in_place_or_not("selu", input, inplace, lambda x: ELU.apply(x, alpha=SELU_ALPHA) * SELU_SCALE)


def silu(input, inplace=False):
    """y = x·sigmoid(x) (swish);  dx = g·(s + x·s(1 - s)), s = sigmoid(x)."""
    require_floating("silu", input)
    return _in_place_or_not("silu", input, inplace, lambda x: x * Sigmoid.apply(x))


def mish(input, inplace=False):
    """y = x·tanh(softplus(x));  dx = g·(t + x·sigmoid(x)(1 - t²)), t = tanh(softplus(x)). softplus without a
    linear regime, as PyTorch's mish (there its slope, sigmoid(x), is 1 to rounding anyway)."""
    require_floating("mish", input)
    return _in_place_or_not("mish", input, inplace,
                            lambda x: x * Tanh.apply(Softplus.apply(x, beta=1.0, threshold=math.inf)))


def gelu(input, approximate="none"):
    """approximate="none":  y = x·Φ(x) = x·(1 + erf(x/√2))/2,  dx = g·(Φ(x) + x·e^(-x²/2)/√(2π));
    approximate="tanh":  y = x·(1 + tanh(u))/2 with u = √(2/π)·(x + 0.044715x³),
                         dx = g·((1 + tanh u)/2 + x(1 - tanh²u)·√(2/π)(1 + 3·0.044715x²)/2)."""
    require("gelu", "approximate", approximate, lambda v: v in ("none", "tanh"), "'none' or 'tanh'")
    require_floating("gelu", input)
    if approximate == "none":
        return 0.5 * input * (1 + erf(input * math.sqrt(0.5)))
    inner = math.sqrt(2 / math.pi) * (input + 0.044715 * input * input * input)
    return 0.5 * input * (1 + Tanh.apply(inner))


def _hardtanh(x, min_val, max_val):
    """y = min_val where x <= min_val, max_val where x >= max_val, x between;  dx = g strictly between, 0 at and
    beyond the bounds (PyTorch's, where clamp's gradient passes at the bounds). NaN passes through."""
    return where(x.array <= min_val, min_val, where(x.array >= max_val, max_val, x))


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    require("hardtanh", "min_val", min_val, is_number, "a number")
    require("hardtanh", "max_val", max_val, lambda v: is_number(v) and v >= min_val,
            f"a number >= min_val ({min_val})")
    require_floating("hardtanh", input)
    return _in_place_or_not("hardtanh", input, inplace, lambda x: _hardtanh(x, min_val, max_val))


def relu6(input, inplace=False):
    """y = min(max(x, 0), 6): hardtanh(x, 0, 6)."""
    require_floating("relu6", input)
    return _in_place_or_not("relu6", input, inplace, lambda x: _hardtanh(x, 0.0, 6.0))


def softsign(input):
    """y = x / (1 + |x|);  dx = g / (1 + |x|)²."""
    require_floating("softsign", input)
    return input / (1 + input.abs())


def prelu(input, weight):
    """y = x where x > 0, else w·x, with one learned slope w (a weight of one element) or one per channel (dim 1,
    a weight of C elements);  dx = g where x > 0, else g·w (w at x = 0, as in PyTorch);  dw = Σ g·x over the
    elements x ≤ 0 that w scales."""
    op = "prelu"
    require_floating(op, input, weight)
    channels = input.shape[1] if input.ndim >= 2 else 1
    if weight.ndim > 1 or weight.numel() not in (1, channels):
        raise ValueError(f"{op}: weight of shape {weight.shape} must hold 1 slope or one per channel of the input "
                         f"(dim 1), {channels} for input of shape {input.shape}")
    if weight.dtype != input.dtype:
        raise TypeError(f"{op}: input ({input.dtype}) and weight ({weight.dtype}) must share one dtype")
    slopes = weight.reshape(()) if weight.numel() == 1 else weight.reshape((channels,) + (1,) * (input.ndim - 2))
    return where(input.array > 0, input, slopes * input)


def _along(op, name, input, dim, stacklevel, dtype):
    """op along dim, of the input cast to dtype first when one is given (PyTorch's: the op then runs in that
    precision); a 0-d input as a vector of one element, as PyTorch takes it. dim=None is PyTorch's deprecated
    guess, with its warning (attributed `stacklevel` frames up, PyTorch's _stacklevel): dim 0 of a 0-, 1- or 3-d
    input, otherwise dim 1 (the classes of an (N, C, ...) batch; programs such as PyTorch-GAN's ACGAN and InfoGAN
    rely on it with nn.Softmax())."""
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
                      f"dim=X as an argument.", UserWarning, stacklevel=stacklevel)
        dim = 0 if input.ndim in (0, 1, 3) else 1
    dim = dim_index(name, dim, input.ndim)
    if dtype is not None:
        input = input.to(dtype)
    if input.ndim == 0:
        return op.apply(input.reshape(1), dim=0).reshape(())
    return op.apply(input, dim=dim)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    return _along(Softmax, "softmax", input, dim, _stacklevel, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    return _along(LogSoftmax, "log_softmax", input, dim, _stacklevel, dtype)


def _dropout(op, input, p, training, inplace, mask_shape, alpha=False):
    """y = x·mask / (1 - p) with mask ~ Bernoulli(1 - p) of shape `mask_shape`, broadcast over x (so dropout2d
    drops whole channels), drawn from the global generator (on the host, so a seed gives the same mask on every
    device);  dx = g·mask / (1 - p). Identity when not training or p = 0.
    alpha=True (alpha_dropout, for SELU networks; Klambauer et al. 2017): y = a·(x·mask + α'·(1 - mask)) + b with
    α' = -λα, SELU's negative saturation, a = ((1 - p)(1 + p·α'²))^(-1/2) and b = -a·α'·p, which keep a zero mean
    and unit variance;  dx = g·a·mask."""
    require(op, "p", p, lambda v: is_number(v) and 0 <= v <= 1, "a probability in [0, 1]")
    if not training or p == 0.0:
        return input
    keep = numpy_generator(op).random(mask_shape) >= p
    if p == 1.0:  # everything dropped (0, not 0·inf)
        scale, shift = np.zeros(keep.shape), None
    elif alpha:
        a = ((1 - p) * (1 + p * _SELU_SATURATION ** 2)) ** -0.5
        scale, shift = a * keep, a * _SELU_SATURATION * ((1 - keep) - p)
    else:
        scale, shift = keep / (1.0 - p), None
    scale = Tensor(input.backend.from_host(scale.astype(input.dtype)))
    if shift is None:
        return _in_place_or_not(op, input, inplace, lambda x: x * scale)
    shift = Tensor(input.backend.from_host(shift.astype(input.dtype)))
    return _in_place_or_not(op, input, inplace, lambda x: x * scale + shift)


def dropout(input, p=0.5, training=True, inplace=False):
    """Each element zeroed with probability p, the survivors scaled by 1/(1 - p): _dropout with a mask of
    input's shape."""
    require_floating("dropout", input)
    return _dropout("dropout", input, p, training, inplace, input.shape)


def _channel_mask_shape(op, input, spatial_dims, unbatched=True):
    """One mask value per channel of an (N, C, *spatial) input, or of an unbatched (C, *spatial) one where
    `unbatched`: (N, C, 1, ...) or (C, 1, ...)."""
    require_floating(op, input)
    spatial = ", ".join("DHW"[3 - spatial_dims:]) if spatial_dims > 1 else "L"
    ranks = (spatial_dims + 1, spatial_dims + 2) if unbatched else (spatial_dims + 2,)
    if input.ndim not in ranks:
        shapes = f"an (N, C, {spatial})" + (f" or (C, {spatial})" if unbatched else "")
        hint = "" if unbatched else f"; one (C, {spatial}) image is x.unsqueeze(0)"
        raise ValueError(f"{op}: expected {shapes} input, got shape {input.shape}{hint}")
    return input.shape[:input.ndim - spatial_dims] + (1,) * spatial_dims


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Each channel of an (N, C, L) or (C, L) input zeroed as a whole with probability p, the survivors scaled by
    1/(1 - p)."""
    return _dropout("dropout1d", input, p, training, inplace, _channel_mask_shape("dropout1d", input, 1))


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Each channel of an (N, C, H, W) input zeroed as a whole with probability p, the survivors scaled by
    1/(1 - p). PyTorch reads a 3-D input as (N, C, L) for now, with a warning that it will read it as (C, H, W):
    refused here (one (C, H, W) image is x.unsqueeze(0))."""
    mask_shape = _channel_mask_shape("dropout2d", input, 2, unbatched=False)
    return _dropout("dropout2d", input, p, training, inplace, mask_shape)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Each channel of an (N, C, D, H, W) or (C, D, H, W) input zeroed as a whole with probability p, the survivors
    scaled by 1/(1 - p)."""
    return _dropout("dropout3d", input, p, training, inplace, _channel_mask_shape("dropout3d", input, 3))


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """_dropout's alpha form, element by element: dropped units take SELU's saturation value, then an affine map
    restores the mean and variance. Off unless training=True, as PyTorch's functional form."""
    require_floating("alpha_dropout", input)
    return _dropout("alpha_dropout", input, p, training, inplace, input.shape, alpha=True)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """alpha_dropout of whole channels: one mask value per (sample, channel) of an (N, C, ...) input."""
    require_floating("feature_alpha_dropout", input)
    if input.ndim < 2:
        raise ValueError(f"feature_alpha_dropout: expected an (N, C, ...) input, got shape {input.shape}")
    mask_shape = input.shape[:2] + (1,) * (input.ndim - 2)
    return _dropout("feature_alpha_dropout", input, p, training, inplace, mask_shape, alpha=True)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU (Xu et al. 2015): y = x where x > 0, a·x elsewhere, with a ~ U(lower, upper) drawn per
    element in training (from the global generator, on the host) and a = (lower + upper)/2 otherwise (leaky_relu);
    dx = g where x > 0, else g·a."""
    require("rrelu", "(lower, upper)", (lower, upper),
            lambda v: is_finite(lower) and is_finite(upper) and lower <= upper, "finite numbers lower <= upper")
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    require_floating("rrelu", input)
    slopes = numpy_generator("rrelu").uniform(lower, upper, input.shape)
    slopes = Tensor(input.backend.from_host(slopes.astype(input.dtype)))
    return _in_place_or_not("rrelu", input, inplace, lambda x: where(x.array > 0, x, x * slopes))


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """A differentiable draw from the categorical distribution of probabilities softmax(logits) along dim (Jang et
    al. 2017, Maddison et al. 2017): y = softmax((logits + G) / tau) with Gumbel noise G = -log E, E ~ Exp(1), drawn
    from the global generator (on the host);  dlogits = softmax's backward of g / tau (G is a constant). Small tau
    brings y near one-hot. hard=True gives the one-hot of y's argmax forward and y's gradient backward (the
    straight-through estimator: y_hard - y.detach() + y). eps does nothing, as in PyTorch, which deprecates it."""
    require_floating("gumbel_softmax", logits)
    require("gumbel_softmax", "tau", tau, lambda v: is_finite(v) and v > 0, "a finite number > 0")
    if eps != 1e-10:
        warnings.warn("gumbel_softmax: eps is deprecated and has no effect", stacklevel=2)
    noise = -np.log(numpy_generator("gumbel_softmax").exponential(1.0, logits.shape))
    soft = softmax((logits + Tensor(logits.backend.from_host(noise.astype(logits.dtype)))) / tau, dim)
    if not hard:
        return soft
    one_hot = zeros_like(logits).scatter(dim, soft.detach().argmax(dim, keepdim=True), 1.0)
    return one_hot - soft.detach() + soft


def hardsigmoid(input, inplace=False):
    """y = 0 where x <= -3, 1 where x >= 3, x/6 + 1/2 between;  dx = g/6 strictly between, else 0 (PyTorch's)."""
    require_floating("hardsigmoid", input)
    return _in_place_or_not("hardsigmoid", input, inplace,
                            lambda x: where(x.array <= -3, 0.0, where(x.array >= 3, 1.0, x / 6 + 0.5)))


def hardswish(input, inplace=False):
    """y = x·relu6(x + 3)/6: 0 where x <= -3, x where x >= 3, x(x + 3)/6 between;  dx = g·(2x + 3)/6 between
    (PyTorch's x/3 + 1/2), g beyond 3, 0 below -3."""
    require_floating("hardswish", input)
    return _in_place_or_not("hardswish", input, inplace,
                            lambda x: where(x.array <= -3, 0.0, where(x.array >= 3, x, x * (x + 3) / 6)))


def celu(input, alpha=1.0, inplace=False):
    """y = x if x > 0 else α(e^(x/α) - 1) = α·elu(x/α);  dx = g if x > 0 else g·e^(x/α)."""
    require("celu", "alpha", alpha, lambda v: is_finite(v) and v != 0, "a finite number other than 0")
    require_floating("celu", input)
    alpha = float(alpha)
    return _in_place_or_not("celu", input, inplace, lambda x: ELU.apply(x / alpha, alpha=1.0) * alpha)


def threshold(input, threshold, value, inplace=False):
    """y = x where x > threshold, else value;  dx = g where x > threshold, else 0."""
    require("threshold", "threshold", threshold, is_number, "a number")
    require("threshold", "value", value, is_number, "a number")
    require_floating("threshold", input)
    return _in_place_or_not("threshold", input, inplace, lambda x: where(x.array > threshold, x, float(value)))


def hardshrink(input, lambd=0.5):
    """y = x where |x| > λ, else 0;  dx = g where |x| > λ, else 0."""
    require("hardshrink", "lambd", lambd, is_number, "a number")
    require_floating("hardshrink", input)
    return where((input.array > lambd) | (input.array < -lambd), input, 0.0)


def softshrink(input, lambd=0.5):
    """y = x - λ where x > λ, x + λ where x < -λ, else 0 (λ >= 0);  dx = g where |x| > λ, else 0."""
    require("softshrink", "lambd", lambd, lambda v: is_number(v) and v >= 0, "a number >= 0")
    require_floating("softshrink", input)
    return where(input.array > lambd, input - lambd, where(input.array < -lambd, input + lambd, 0.0))


def tanhshrink(input):
    """y = x - tanh x;  dx = g·tanh²x."""
    require_floating("tanhshrink", input)
    return input - Tanh.apply(input)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """y = softmax(-x) along dim (PyTorch's deprecated guess of dim when it is None, as softmax's)."""
    require_floating("softmin", input)
    return _along(Softmax, "softmin", -input, dim, _stacklevel, dtype)


def glu(input, dim=-1):
    """The gated linear unit: a·sigmoid(b), a and b the first and second halves of x along dim;
    da = g·sigmoid(b),  db = g·a·sigmoid(b)(1 - sigmoid(b))."""
    op = "glu"
    require_floating(op, input)
    if input.ndim == 0:
        raise ValueError(f"{op}: expected an input of at least 1 dimension to halve, got a 0-d tensor")
    dim = dim_index(op, dim, input.ndim)
    size = input.shape[dim]
    if size % 2:
        raise ValueError(f"{op}: the halved dimension {dim} of the input of shape {input.shape} must have an even "
                         f"size, got {size}")
    half = size // 2
    before = (slice(None),) * dim
    return input[before + (slice(0, half),)] * Sigmoid.apply(input[before + (slice(half, size),)])
