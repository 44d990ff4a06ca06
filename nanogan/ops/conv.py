"""2-D convolution and transposed convolution, from three Functions that are each other's gradients.

Notation: x (N, C, H, W), w (O, C, KH, KW), stride s, padding p, dilation d (each an (h, w) pair),

    conv2d:  y[n, o, i, j] = Σ_{c, a, b} w[o, c, a, b] · x[n, c, i·s - p + a·d, j·s - p + b·d]

(cross-correlation, zero outside x). For a fixed w this is a matrix A_w acting on vec(x), and it is
bilinear in (x, w). Its adjoint in x, A_wᵀ, is the transposed convolution: every input pixel spreads
its value, weighted by w, over a kernel-sized patch of an s-times larger output. So three linear maps
make up the whole family, each the others' gradients:

    Conv2d            y  = A_w x                        conv2d's forward
    Conv2dInputGrad   gx = A_wᵀ gy                       conv2d's input gradient = conv_transpose2d's forward
    Conv2dWeightGrad  gw = ∂<A_w x, gy>/∂w               conv2d's weight gradient

and because <A_w x, gy> is linear in each of x, w and gy, every backward is another of the three: the
gradients of every order of conv2d and conv_transpose2d are these same kernels again. A layer's bias is an
optional third input of Conv2d (conv2d) and Conv2dInputGrad (conv_transpose2d), which the backend adds to the
output (the CUDA kernels as they store it; ops/bias.py), so that a biased layer is one node; where these
Functions are each other's gradients, they are applied without one.

Sizes: conv2d's output is floor((n + 2p - d(k-1) - 1)/s) + 1 per axis; conv_transpose2d's is
(n - 1)s - 2p + d(k-1) + output_padding + 1, output_padding choosing among the input sizes that a
stride-s convolution maps to the same output size. conv2d also takes PyTorch's padding strings: "valid" is
p = 0, and "same" (stride 1 only) pads d(k-1) in all, so that out = n; where that is odd, the extra row or
column goes after (bottom, right), as in PyTorch, by padding the input (ops/pad.py) before the symmetric rest.
Grouped convolution (groups = G) is G ungrouped ones side by side: group g maps the g-th of G equal parts of the
input's channels to the g-th part of the output's, with its own part of the weight; it runs group by group (one
convolution each), which is simple rather than fast. Both also take one unbatched image (C, H, W), as PyTorch's
do: a batch of one, its batch axis dropped from the output (`takes_unbatched`, pooling's too).
"""
import functools

import numpy as np

from ..arguments import int_at_least, int_pair, int_tuple, require
from ..autograd.function import Function
from ..tensor import Tensor
from .activation import require_floating
from .bias import bias_grad, with_bias
from .pad import pad
from .shape import as_batch_of_one, cat


def output_size(size, kernel, stride, padding, dilation):
    """floor((n + 2p - d(k-1) - 1) / s) + 1 for each axis."""
    return tuple((n + 2 * p - d * (k - 1) - 1) // s + 1
                 for n, k, s, p, d in zip(size, kernel, stride, padding, dilation))


def transposed_output_size(size, kernel, stride, padding, dilation, output_padding):
    """(n - 1)s - 2p + d(k-1) + output_padding + 1 for each axis."""
    return tuple((n - 1) * s - 2 * p + d * (k - 1) + q + 1
                 for n, k, s, p, d, q in zip(size, kernel, stride, padding, dilation, output_padding))


def check_padding(owner, padding, stride):
    """conv2d's padding: "valid", "same" (stride (1, 1) only: a strided output is smaller than its input), or an
    int or a pair of ints >= 0 (returned as a (height, width) tuple)."""
    if not isinstance(padding, str):
        return int_pair(owner, "padding", padding, 0)
    require(owner, "padding", padding, lambda v: v in ("valid", "same"),
            "'valid', 'same', an int or a pair of ints >= 0")
    if padding == "same":
        require(owner, "stride", stride, lambda v: v == (1, 1), "1 with padding='same'")
    return padding


def padding_widths(padding, kernel, dilation):
    """The (before, after) padding of each axis: none for "valid", d(k-1) split in two for "same" (the odd one
    after, as in PyTorch), p on both sides for a (height, width) pair (or a 1-tuple, for a Conv1d layer)."""
    if padding == "valid":
        return tuple((0, 0) for _ in kernel)
    if padding == "same":
        return tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation))
    return tuple((p, p) for p in padding)


def check_groups(owner, groups):
    """groups as an int >= 1."""
    return int_at_least(owner, "groups", groups, 1)


def _group_by_group(conv, groups, input, weight, bias, **settings):
    """A grouped convolution as `groups` ungrouped ones, joined along the channels: group g convolves the g-th of
    `groups` equal parts of the input's channels with the g-th part of the weight's dimension 0 (its out_channels
    for conv2d, its in_channels for conv_transpose2d), and adds the g-th part of the bias."""
    def part(t, g, axis):
        size = t.shape[axis] // groups
        return t[(slice(None),) * axis + (slice(g * size, (g + 1) * size),)]
    return cat([conv(part(input, g, 1), part(weight, g, 0), None if bias is None else part(bias, g, 0), **settings)
                for g in range(groups)], dim=1)


def takes_unbatched(op):
    """`op` of (N, C, H, W) images made to take one image (C, H, W) too, as PyTorch's convolutions and pooling do
    (as_batch_of_one)."""
    @functools.wraps(op)
    def run(input, *args, **kwargs):
        if not (isinstance(input, Tensor) and input.ndim == 3):
            return op(input, *args, **kwargs)
        return as_batch_of_one(lambda batch: op(batch, *args, **kwargs), input)
    return run


def _cropped(y, out_hw):
    """y cut to its first out_hw rows and columns: the part of a convolution that a transposed one's
    gradient sees (a convolution of the transposed output can reach past its input when
    output_padding ≥ stride, which dilation allows)."""
    if y.shape[2:] == tuple(out_hw):
        return y
    return y[:, :, :out_hw[0], :out_hw[1]]


class Conv2d(Function):
    """y = A_w x (+ b[o] on channel o) = conv2d(x, w, b);
    dx = A_wᵀ g = Conv2dInputGrad(g, w),  dw = Conv2dWeightGrad(x, g),  db = Σ_{n, i, j} g[n, o, i, j]."""

    @staticmethod
    def forward(ctx, x, w, b=None, *, stride, padding, dilation):
        return ctx.backend.conv2d(x, w, stride, padding, dilation, b)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.inputs[:2]
        geometry = dict(stride=ctx.stride, padding=ctx.padding, dilation=ctx.dilation)
        gx = Conv2dInputGrad.apply(g, w, x_shape=x.shape, **geometry) if ctx.needs_input_grad[0] else None
        gw = Conv2dWeightGrad.apply(x, g, w_shape=w.shape, **geometry) if ctx.needs_input_grad[1] else None
        return gx, gw, bias_grad(ctx, g, 2)


class Conv2dInputGrad(Function):
    """y = A_wᵀ gy (of shape x_shape; + b[c] on channel c): conv2d's input gradient, conv_transpose2d's forward.

    Bilinear in (gy, w): for an incoming gradient g of y's shape,
    d gy = A_w g = Conv2d(g, w) (cut to gy's size),  dw = ∂<A_w g, gy>/∂w = Conv2dWeightGrad(g, gy),
    db = Σ_{n, h, w} g[n, c, h, w]."""

    @staticmethod
    def forward(ctx, gy, w, b=None, *, x_shape, stride, padding, dilation):
        return ctx.backend.conv2d_input_grad(gy, w, x_shape, stride, padding, dilation, b)

    @staticmethod
    def backward(ctx, g):
        gy, w = ctx.inputs[:2]
        geometry = dict(stride=ctx.stride, padding=ctx.padding, dilation=ctx.dilation)
        d_gy = _cropped(Conv2d.apply(g, w, **geometry), gy.shape[2:]) if ctx.needs_input_grad[0] else None
        d_w = Conv2dWeightGrad.apply(g, gy, w_shape=w.shape, **geometry) if ctx.needs_input_grad[1] else None
        return d_gy, d_w, bias_grad(ctx, g, 2)


class Conv2dWeightGrad(Function):
    """y = ∂<A_w x, gy>/∂w (of shape w_shape),
    i.e. y[o, c, a, b] = Σ_{n, i, j} gy[n, o, i, j] · x[n, c, i·s - p + a·d, j·s - p + b·d].

    Bilinear in (x, gy): for an incoming gradient g of w's shape (a weight direction),
    dx = ∂<A_g x, gy>/∂x = Conv2dInputGrad(gy, g),  d gy = A_g x = Conv2d(x, g) (cut to gy's size)."""

    @staticmethod
    def forward(ctx, x, gy, *, w_shape, stride, padding, dilation):
        return ctx.backend.conv2d_weight_grad(x, gy, w_shape, stride, padding, dilation)

    @staticmethod
    def backward(ctx, g):
        x, gy = ctx.inputs
        geometry = dict(stride=ctx.stride, padding=ctx.padding, dilation=ctx.dilation)
        dx = Conv2dInputGrad.apply(gy, g, x_shape=x.shape, **geometry) if ctx.needs_input_grad[0] else None
        d_gy = _cropped(Conv2d.apply(x, g, **geometry), gy.shape[2:]) if ctx.needs_input_grad[1] else None
        return dx, d_gy


def _check_operands(op, x, w, b, groups, channels_axis):
    require_floating(op, x, w, *([b] if b is not None else []))
    check_groups(op, groups)
    if x.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W) or a 3-D one (C, H, W), got shape {x.shape}")
    if w.ndim != 4:
        layout = "(in_channels, out_channels, KH, KW)" if channels_axis == 0 else "(out_channels, in_channels, KH, KW)"
        raise ValueError(f"{op}: expected a 4-D weight {layout}, got shape {w.shape}")
    # the weight holds one group's channels on its second axis: conv2d's input channels, conv_transpose2d's output
    in_channels, out_channels = (w.shape[1] * groups, w.shape[0]) if channels_axis == 1 else \
        (w.shape[0], w.shape[1] * groups)
    in_groups = f" in {groups} groups" if groups > 1 else ""
    if x.shape[1] != in_channels:
        raise ValueError(f"{op}: input of shape {x.shape} has {x.shape[1]} channels but weight of shape "
                         f"{w.shape} expects {in_channels}{in_groups}")
    if w.shape[0] % groups:
        raise ValueError(f"{op}: weight of shape {w.shape} cannot be split into {groups} groups: its dimension 0 "
                         f"({w.shape[0]}) is not divisible by {groups}")
    if x.dtype != w.dtype or (b is not None and b.dtype != x.dtype):
        raise TypeError(f"{op}: input ({x.dtype}), weight ({w.dtype})"
                        + (f" and bias ({b.dtype})" if b is not None else "") + " must share one dtype")
    if b is not None and b.shape != (out_channels,):
        raise ValueError(f"{op}: bias of shape {b.shape} does not match weight of shape {w.shape}; "
                         f"expected ({out_channels},)")


@takes_unbatched
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *, _op="conv2d"):
    """y = x ⋆ w + b (cross-correlation): (N, C, H, W), (O, C, KH, KW), (O,) -> (N, O, OH, OW), or (C, H, W) ->
    (O, OH, OW); padding "same" gives OH, OW = H, W, "valid" is 0. _op: the op named in errors (conv1d runs here)."""
    op = _op
    _check_operands(op, input, weight, bias, groups, channels_axis=1)
    stride = int_pair(op, "stride", stride, 1)
    padding, dilation = check_padding(op, padding, stride), int_pair(op, "dilation", dilation, 1)
    kernel = weight.shape[2:]
    (top, bottom), (left, right) = padding_widths(padding, kernel, dilation)
    if (bottom, right) != (top, left):  # the kernels pad both sides alike: "same"'s odd extra row or column is here
        input = pad(input, (0, right - left, 0, bottom - top))
    padding = (top, left)
    if groups > 1:
        return _group_by_group(conv2d, groups, input, weight, bias, stride=stride, padding=padding,
                               dilation=dilation)
    reach = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    padded = tuple(n + 2 * p for n, p in zip(input.shape[2:], padding))
    if any(r > n for r, n in zip(reach, padded)):
        raise ValueError(f"{op}: kernel of size {kernel} (dilated extent {reach}) is larger than the padded "
                         f"input {padded}, for input of shape {input.shape} and weight of shape {weight.shape}")
    return Conv2d.apply(*with_bias(input, weight, bias=bias), stride=stride, padding=padding, dilation=dilation)


@takes_unbatched
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1, *,
                     _op="conv_transpose2d"):
    """The adjoint of conv2d in its input, plus a bias: (N, Cin, H, W), (Cin, Cout, KH, KW), (Cout,)
    -> (N, Cout, (H-1)s - 2p + d(KH-1) + output_padding + 1, ...), or (Cin, H, W) -> (Cout, ...). _op: the op
    named in errors (conv_transpose1d runs here)."""
    op = _op
    _check_operands(op, input, weight, bias, groups, channels_axis=0)
    stride, padding = int_pair(op, "stride", stride, 1), int_pair(op, "padding", padding, 0)
    dilation = int_pair(op, "dilation", dilation, 1)
    output_padding = int_pair(op, "output_padding", output_padding, 0)
    if any(q >= s and q >= d for q, s, d in zip(output_padding, stride, dilation)):
        raise ValueError(f"{op}: output_padding {output_padding} must be smaller than either stride {stride} "
                         f"or dilation {dilation}")
    out_hw = transposed_output_size(input.shape[2:], weight.shape[2:], stride, padding, dilation, output_padding)
    if min(out_hw) <= 0:
        raise ValueError(f"{op}: input of shape {input.shape} and weight of shape {weight.shape} with stride "
                         f"{stride}, padding {padding}, dilation {dilation}, output_padding {output_padding} "
                         f"give an output of size {out_hw}, which is not positive")
    if groups > 1:
        return _group_by_group(conv_transpose2d, groups, input, weight, bias, stride=stride, padding=padding,
                               output_padding=output_padding, dilation=dilation)
    x_shape = (input.shape[0], weight.shape[1]) + out_hw
    return Conv2dInputGrad.apply(*with_bias(input, weight, bias=bias), x_shape=x_shape, stride=stride,
                                 padding=padding, dilation=dilation)


def on_height_one(op, run, input, weight=None):
    """A 1-D op (convolution, pooling) as the 2-D one on images of height 1: input (N, C, L) or (C, L), and the
    weight (O, C, K) if there is one, get a height axis of 1 before their last, `run` computes the 2-D op on them,
    and its output (each output, for a tuple) loses that axis again. Errors past the ranks checked here come from
    the 2-D op under this op's name and show the height-1 shapes it runs on."""
    if not isinstance(input, Tensor) or input.ndim not in (2, 3):
        shape = input.shape if isinstance(input, Tensor) else type(input).__name__
        raise ValueError(f"{op}: expected a 3-D input (N, C, L) or a 2-D one (C, L), got {shape}")
    if weight is None:
        out = run(input.unsqueeze(-2))
    elif not isinstance(weight, Tensor) or weight.ndim != 3:
        shape = weight.shape if isinstance(weight, Tensor) else type(weight).__name__
        raise ValueError(f"{op}: expected a 3-D weight, got {shape}")
    else:
        out = run(input.unsqueeze(-2), weight.unsqueeze(-2))
    return tuple(t.squeeze(-2) for t in out) if isinstance(out, tuple) else out.squeeze(-2)


def height_one(op, name, value, smallest):
    """An int or a sequence of one int, >= smallest, as the (height, length) pair of a 2-D op on height-1 images:
    the height axis takes `smallest` (a kernel of height 1, no padding, stride and dilation 1)."""
    return (smallest,) + int_tuple(op, name, value, smallest, length=1)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """y = x ⋆ w + b along one axis: (N, C, L), (O, C, K), (O,) -> (N, O, OL), or (C, L) -> (O, OL), with conv2d's
    sizes, padding strings and groups: conv2d of the height-1 images (N, C, 1, L) and (O, C, 1, K)."""
    op = "conv1d"
    padding = padding if isinstance(padding, str) else height_one(op, "padding", padding, 0)
    return on_height_one(op, lambda x, w: conv2d(
        x, w, bias, height_one(op, "stride", stride, 1), padding, height_one(op, "dilation", dilation, 1),
        groups, _op=op), input, weight)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The adjoint of conv1d in its input, plus a bias: (N, Cin, L), (Cin, Cout, K), (Cout,) -> (N, Cout,
    (L-1)s - 2p + d(K-1) + output_padding + 1), or (Cin, L) -> (Cout, ...): conv_transpose2d of height-1 images."""
    op = "conv_transpose1d"
    return on_height_one(op, lambda x, w: conv_transpose2d(
        x, w, bias, height_one(op, "stride", stride, 1), height_one(op, "padding", padding, 0),
        height_one(op, "output_padding", output_padding, 0), groups, height_one(op, "dilation", dilation, 1),
        _op=op), input, weight)
