"""2-D convolution and transposed convolution, from three Functions that are each other's gradients; the 1-D and 3-D
ones built from them.

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

1-D: the 2-D ones on images of height 1 (on_height_one). 3-D: the 2-D ones over the depth planes, the kernel's
depth taps stacked on the channels. For x (N, C, D, H, W), w (O, C, KD, KH, KW), and (s, p, d) per axis,

    conv3d:  y[n, o, t, i, j]
        = Σ_{c, e, a, b} w[o, c, e, a, b] · x[n, c, t·s_D - p_D + e·d_D, i·s_H - p_H + a·d_H, j·s_W - p_W + b·d_W]
        = Σ_{c, e, a, b} w'[o, c·KD + e, a, b] · X[n·OD + t, c·KD + e, i·s_H - p_H + a·d_H, j·s_W - p_W + b·d_W]

with w' (O, C·KD, KH, KW) = w, its depth taps on the channel axis (a reshape), and X[n·OD + t, c·KD + e] =
x_p[n, c, T[t, e]], T[t, e] = t·s_D + e·d_D: the depth plane that tap e of output plane t reads in x_p, x zero-padded
in depth ("same"'s odd plane after). So conv3d is one conv2d of X (N·OD, C·KD, H, W), x_p gathered at T (GetItem),
with w', whose output (N·OD, O, OH, OW) has its planes moved back to depth. Groups carry over: group g of the C·KD
channels is group g of the C with all their taps, as group g of w' is group g of w. conv_transpose3d is the adjoint
of that chain, step by step in reverse: x (N, Cin, D, H, W) as N·D planes, conv_transpose2d with w' (Cin, Cout/G·KD,
KH, KW) to Z (N·D, Cout·KD, OH, OW), Z[n·D + t, co·KD + e] what input plane t sends through depth tap e, added (a
ScatterAdd, GetItem's adjoint, at the same T) into plane T[t, e] of a zero canvas, whose planes p_D ... p_D + OD - 1
are the output. Every step (GetItem and ScatterAdd, the reshapes, the 2-D convolutions) differentiates to any order
on every backend, and so do both 3-D ones. conv3d's bias rides on the conv2d; conv_transpose3d adds its own after the
sum (in conv_transpose2d, each of a channel's KD taps would add it).
"""
import functools

import numpy as np

from ..arguments import int_at_least, int_pair, int_tuple, require
from ..autograd.function import Function
from ..tensor import Tensor
from .activation import require_floating
from .bias import bias_grad, with_bias
from .pad import pad
from .shape import GetItem, ScatterAdd, as_batch_of_one, cat


def output_size(size, kernel, stride, padding, dilation):
    """floor((n + 2p - d(k-1) - 1) / s) + 1 for each axis."""
    return tuple((n + 2 * p - d * (k - 1) - 1) // s + 1
                 for n, k, s, p, d in zip(size, kernel, stride, padding, dilation))


def transposed_output_size(size, kernel, stride, padding, dilation, output_padding):
    """(n - 1)s - 2p + d(k-1) + output_padding + 1 for each axis."""
    return tuple((n - 1) * s - 2 * p + d * (k - 1) + q + 1
                 for n, k, s, p, d, q in zip(size, kernel, stride, padding, dilation, output_padding))


def check_padding(owner, padding, stride, dims=2):
    """A convolution's padding: "valid", "same" (stride 1 on every axis only: a strided output is smaller than its
    input), or an int or `dims` ints >= 0 (returned as a tuple, one per spatial axis)."""
    if not isinstance(padding, str):
        return int_tuple(owner, "padding", padding, 0, length=dims)
    several = {2: "a pair of ints", 3: "3 ints"}[dims]
    require(owner, "padding", padding, lambda v: v in ("valid", "same"),
            f"'valid', 'same', an int or {several} >= 0")
    if padding == "same":
        require(owner, "stride", stride, lambda v: all(s == 1 for s in v), "1 with padding='same'")
    return padding


def padding_widths(padding, kernel, dilation):
    """The (before, after) padding of each axis: none for "valid", d(k-1) split in two for "same" (the odd one
    after, as in PyTorch), p on both sides for a tuple of one p per axis."""
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


def _takes_unbatched(op, dims):
    @functools.wraps(op)
    def run(input, *args, **kwargs):
        if not (isinstance(input, Tensor) and input.ndim == dims + 1):
            return op(input, *args, **kwargs)
        return as_batch_of_one(lambda batch: op(batch, *args, **kwargs), input)
    return run


def takes_unbatched(op):
    """`op` of (N, C, H, W) images made to take one image (C, H, W) too, as PyTorch's convolutions and pooling do
    (as_batch_of_one)."""
    return _takes_unbatched(op, 2)


def takes_unbatched_volume(op):
    """`op` of (N, C, D, H, W) volumes made to take one volume (C, D, H, W) too, as takes_unbatched does images."""
    return _takes_unbatched(op, 3)


SPATIAL_AXES = {2: "H, W", 3: "D, H, W"}


def require_rank(op, x, dims):
    """x has the batched rank of an op over `dims` spatial axes (the unbatched one was made a batch of one)."""
    if x.ndim != dims + 2:
        raise ValueError(f"{op}: expected a {dims + 2}-D input (N, C, {SPATIAL_AXES[dims]}) or a {dims + 1}-D one "
                         f"(C, {SPATIAL_AXES[dims]}), got shape {x.shape}")


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


def _check_operands(op, x, w, b, groups, channels_axis, dims=2):
    require_floating(op, x, w, *([b] if b is not None else []))
    check_groups(op, groups)
    require_rank(op, x, dims)
    if w.ndim != dims + 2:
        channels = "in_channels, out_channels" if channels_axis == 0 else "out_channels, in_channels"
        kernel = ", ".join("K" + axis for axis in SPATIAL_AXES[dims].split(", "))
        raise ValueError(f"{op}: expected a {dims + 2}-D weight ({channels}, {kernel}), got shape {w.shape}")
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


def _require_kernel_fits(op, input, weight, widths, dilation):
    """The dilated kernel fits the input padded by `widths` (a (before, after) pair per axis) on every axis."""
    kernel = weight.shape[2:]
    reach = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    padded = tuple(n + before + after for n, (before, after) in zip(input.shape[2:], widths))
    if any(r > n for r, n in zip(reach, padded)):
        raise ValueError(f"{op}: kernel of size {kernel} (dilated extent {reach}) is larger than the padded "
                         f"input {padded}, for input of shape {input.shape} and weight of shape {weight.shape}")


@takes_unbatched
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *, _op="conv2d"):
    """y = x ⋆ w + b (cross-correlation): (N, C, H, W), (O, C, KH, KW), (O,) -> (N, O, OH, OW), or (C, H, W) ->
    (O, OH, OW); padding "same" gives OH, OW = H, W, "valid" is 0. _op: the op named in errors (conv1d runs here)."""
    op = _op
    _check_operands(op, input, weight, bias, groups, channels_axis=1)
    stride = int_pair(op, "stride", stride, 1)
    padding, dilation = check_padding(op, padding, stride), int_pair(op, "dilation", dilation, 1)
    kernel = weight.shape[2:]
    widths = padding_widths(padding, kernel, dilation)
    _require_kernel_fits(op, input, weight, widths, dilation)
    (top, bottom), (left, right) = widths
    if (bottom, right) != (top, left):  # the kernels pad both sides alike: "same"'s odd extra row or column is here
        input = pad(input, (0, right - left, 0, bottom - top))
    padding = (top, left)
    if groups > 1:
        return _group_by_group(conv2d, groups, input, weight, bias, stride=stride, padding=padding,
                               dilation=dilation)
    return Conv2d.apply(*with_bias(input, weight, bias=bias), stride=stride, padding=padding, dilation=dilation)


def _transposed_geometry(op, input, weight, stride, padding, dilation, output_padding, dims):
    """A transposed convolution's stride, padding, dilation and output_padding as tuples of `dims` ints, checked,
    and its output size: output_padding picks among the sizes that a strided or dilated convolution maps to one, so
    it is below the stride or the dilation on each axis, and the output must have some size."""
    stride, padding = int_tuple(op, "stride", stride, 1, dims), int_tuple(op, "padding", padding, 0, dims)
    dilation = int_tuple(op, "dilation", dilation, 1, dims)
    output_padding = int_tuple(op, "output_padding", output_padding, 0, dims)
    if any(q >= s and q >= d for q, s, d in zip(output_padding, stride, dilation)):
        raise ValueError(f"{op}: output_padding {output_padding} must be smaller than either stride {stride} "
                         f"or dilation {dilation}")
    out_size = transposed_output_size(input.shape[2:], weight.shape[2:], stride, padding, dilation, output_padding)
    if min(out_size) <= 0:
        raise ValueError(f"{op}: input of shape {input.shape} and weight of shape {weight.shape} with stride "
                         f"{stride}, padding {padding}, dilation {dilation}, output_padding {output_padding} "
                         f"give an output of size {out_size}, which is not positive")
    return stride, padding, dilation, output_padding, out_size


@takes_unbatched
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1, *,
                     _op="conv_transpose2d"):
    """The adjoint of conv2d in its input, plus a bias: (N, Cin, H, W), (Cin, Cout, KH, KW), (Cout,)
    -> (N, Cout, (H-1)s - 2p + d(KH-1) + output_padding + 1, ...), or (Cin, H, W) -> (Cout, ...). _op: the op
    named in errors (conv_transpose1d runs here)."""
    op = _op
    _check_operands(op, input, weight, bias, groups, channels_axis=0)
    stride, padding, dilation, output_padding, out_hw = _transposed_geometry(
        op, input, weight, stride, padding, dilation, output_padding, dims=2)
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


# ---- 3-D: the 2-D convolutions over the depth planes (module docstring) ----------------------------------------

def window_taps(xp, out, kernel, stride, padding, dilation):
    """(out, kernel): the input index t·s - p + e·d that tap e of output t reads along one axis (outside the input
    where that is padding); made with xp, where the tensors live (see pad._source_index)."""
    return xp.arange(out)[:, None] * stride - padding + xp.arange(kernel)[None, :] * dilation


def _depth_as_batch(t):
    """(N, C, D, ...) -> (N·D, C, ...): each depth plane a sample of the 2-D op."""
    moved = t.movedim(2, 1)
    return moved.reshape(moved.shape[0] * moved.shape[1], *moved.shape[2:])


def _batch_as_depth(t, depth):
    """(N·D, C, ...) -> (N, C, D, ...), the inverse of _depth_as_batch."""
    return t.reshape(t.shape[0] // depth, depth, *t.shape[1:]).movedim(1, 2)


def _taps_as_channels(weight):
    """w (A, B, KD, KH, KW) -> w' (A, B·KD, KH, KW): the depth tap e of channel b is channel b·KD + e."""
    return weight.reshape(weight.shape[0], weight.shape[1] * weight.shape[2], *weight.shape[3:])


def _triple(op, name, value, smallest):
    return int_tuple(op, name, value, smallest, length=3)


@takes_unbatched_volume
def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """y = x ⋆ w + b (cross-correlation over depth, height and width): (N, C, D, H, W), (O, C/G, KD, KH, KW), (O,) ->
    (N, O, OD, OH, OW), or (C, D, H, W) -> (O, OD, OH, OW), with conv2d's sizes and padding strings per axis:
    y[n, o, t, i, j] = Σ_{c, e, a, b} w[o, c, e, a, b] · x[n, c, t·s_D - p_D + e·d_D, i·s_H - p_H + a·d_H, ...],
    one conv2d of the depth planes with the depth taps stacked on the channels (module docstring)."""
    op = "conv3d"
    _check_operands(op, input, weight, bias, groups, channels_axis=1, dims=3)
    stride = _triple(op, "stride", stride, 1)
    padding, dilation = check_padding(op, padding, stride, dims=3), _triple(op, "dilation", dilation, 1)
    kernel = weight.shape[2:]
    widths = padding_widths(padding, kernel, dilation)
    _require_kernel_fits(op, input, weight, widths, dilation)
    (front, back), plane_widths = widths[0], widths[1:]
    if front or back:
        input = pad(input, (0, 0, 0, 0, front, back))
    out_depth = output_size(input.shape[2:3], kernel[:1], stride[:1], (0,), dilation[:1])[0]
    taps = window_taps(input.backend.xp, out_depth, kernel[0], stride[0], 0, dilation[0])  # T, in the padded input
    columns = GetItem.apply(input, index=(slice(None), slice(None), taps))  # (N, C, OD, KD, H, W)
    planes = _depth_as_batch(columns)
    planes = planes.reshape(planes.shape[0], planes.shape[1] * planes.shape[2], *planes.shape[3:])  # N·OD, C·KD
    # the planes take "same" as conv2d does (its odd row or column after); a tuple is the same p on both sides
    plane_padding = padding if isinstance(padding, str) else tuple(before for before, _ in plane_widths)
    y = conv2d(planes, _taps_as_channels(weight), bias, stride[1:], plane_padding, dilation[1:], groups)
    return _batch_as_depth(y, out_depth).contiguous()  # row-major, as PyTorch's output


@takes_unbatched_volume
def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The adjoint of conv3d in its input, plus a bias: (N, Cin, D, H, W), (Cin, Cout/G, KD, KH, KW), (Cout,) ->
    (N, Cout, (D-1)s - 2p + d(KD-1) + output_padding + 1, ...), or (Cin, D, H, W) -> (Cout, ...):
    y[n, co, T, ...] = Σ over (ci, t, e, ...) with t·s_D - p_D + e·d_D = T of w[ci, co, e, ...] · x[n, ci, t, ...],
    conv_transpose2d of the depth planes, each tap's planes added into the output planes they reach (module
    docstring)."""
    op = "conv_transpose3d"
    _check_operands(op, input, weight, bias, groups, channels_axis=0, dims=3)
    stride, padding, dilation, output_padding, out_size = _transposed_geometry(
        op, input, weight, stride, padding, dilation, output_padding, dims=3)
    batch, depth, kernel_depth = input.shape[0], input.shape[2], weight.shape[2]
    sent = conv_transpose2d(_depth_as_batch(input), _taps_as_channels(weight), None, stride[1:], padding[1:],
                            output_padding[1:], groups, dilation[1:])  # (N·D, Cout·KD, OH, OW)
    sent = sent.reshape(sent.shape[0], sent.shape[1] // kernel_depth, kernel_depth, *sent.shape[2:])
    sent = _batch_as_depth(sent, depth)
    taps = window_taps(input.backend.xp, depth, kernel_depth, stride[0], 0, dilation[0])  # T, in the canvas
    # the canvas holds every plane a tap reaches, and the output's, which output_padding can put past them
    reached = (depth - 1) * stride[0] + dilation[0] * (kernel_depth - 1) + 1
    canvas = (batch, sent.shape[1], max(reached, padding[0] + out_size[0])) + out_size[1:]
    y = ScatterAdd.apply(sent, shape=canvas, index=(slice(None), slice(None), taps))
    y = y[:, :, padding[0]:padding[0] + out_size[0]]
    # row-major, as PyTorch's output: the sum with the bias makes a new array, without one the cut part is copied
    return y.contiguous() if bias is None else y + bias.reshape(-1, 1, 1, 1)
