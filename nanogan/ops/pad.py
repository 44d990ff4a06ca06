"""Padding the trailing dimensions of a tensor (PyTorch's F.pad).

`pad` lists (before, after) amounts for the last dimension first: (left, right, top, bottom, ...).

constant   y = x surrounded by `value`;  dx = g cut back to x's extent. A negative amount crops x first, as
           PyTorch's narrow does: the crops may leave nothing (size 0), not less.
reflect    y[i] = x[r(i)] along each padded axis, r mirroring about the first and last element without
replicate  repeating them (reflect), clamping to them (replicate) or wrapping around (circular).
circular   These are gathers by an index array, so dx is g scatter-added back through the same index:
           the border values go back onto the elements they copied (GetItem's gradient, ops/shape.py).
           As PyTorch's, they pad the last 1, 2 or 3 dimensions of an input with one or two more (C or N, C before
           them), all non-empty but the batch; reflect and replicate crop where an amount is negative (the padded
           axis cut afterwards, so at least one element must be left), circular takes none (PyTorch's crops before
           it wraps, and past the crop it reads memory it does not own).
"""

from ..arguments import is_int, require
from ..autograd.function import Function
from .activation import require_floating

MODES = ("constant", "reflect", "replicate", "circular")


class ConstantPad(Function):
    """y = x with `widths` (before, after) values of `value` added around each axis;
    dx = g[the slices that hold x]  (GetItem, whose own gradient pads with zeros again)."""

    @staticmethod
    def forward(ctx, x, *, widths, value):
        return ctx.xp.pad(x, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, g):
        return g[tuple(slice(before, before + n) for (before, _), n in zip(ctx.widths, ctx.inputs[0].shape))]


def _source_index(xp, mode, size, before, after):
    """For each position of the padded axis, the element of the original axis it shows. Computed where the input
    lives: a host array copied over would be a host-to-device copy, which a CUDA graph cannot record."""
    positions = xp.arange(-before, size + after)
    if mode == "reflect":
        period = 2 * (size - 1)  # reflect pads less than the size, so size >= 2 here
        folded = xp.abs(positions) % period
        return xp.where(folded < size, folded, period - folded)
    if mode == "replicate":
        return xp.clip(positions, 0, size - 1)
    return positions % size  # circular


def _widths(op, x, pad):
    require(op, "pad", pad, lambda v: isinstance(v, (tuple, list)) and all(map(is_int, v)), "a tuple of ints")
    pad = tuple(map(int, pad))  # a float amount was truncated
    if len(pad) % 2 or len(pad) > 2 * x.ndim:
        raise ValueError(f"{op}: pad must list (before, after) pairs for at most {x.ndim} dimensions of the "
                         f"input of shape {x.shape}, got {pad}")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return widths


def pad(input, pad, mode="constant", value=None):
    """`input` padded on its trailing dimensions; see the module docstring for the modes."""
    op = f"pad ({mode})"
    require_floating(op, input)
    if mode not in MODES:
        raise ValueError(f"pad: mode must be one of {MODES}, got {mode!r}")
    widths = _widths(op, input, pad)
    if mode == "constant":
        return _constant_pad(op, input, tuple(pad), widths, value)
    if value not in (None, 0):
        raise ValueError(f"{op}: a fill value applies to mode 'constant' only, got value={value}")
    dims = len(pad) // 2
    if not (1 <= dims <= 3 and input.ndim in (dims + 1, dims + 2)):
        raise ValueError(f"{op}: pads the last 1, 2 or 3 dimensions of an input with one or two more, got pad "
                         f"{tuple(pad)} ({dims} dimensions) for the input of shape {input.shape}")
    if mode != "circular" and 0 in input.shape[-dims - 1:]:
        raise ValueError(f"{op}: expected non-empty dimensions but the batch, got the input of shape {input.shape}")
    out = input
    for axis, ((before, after), n) in enumerate(zip(widths, input.shape)):
        if before == after == 0:
            continue
        if mode == "circular" and (before < 0 or after < 0):
            raise ValueError(f"{op}: pad amounts must be non-negative, got {tuple(pad)}")
        if n + before + after < 1:
            raise ValueError(f"{op}: pad {tuple(pad)} leaves no elements of dimension {axis} of the input of shape "
                             f"{input.shape}")
        if mode == "reflect" and (before >= n or after >= n):
            raise ValueError(f"{op}: padding {(before, after)} must be smaller than the size {n} of dimension "
                             f"{axis} of the input of shape {input.shape}")
        if mode == "circular" and (before > n or after > n):
            raise ValueError(f"{op}: padding {(before, after)} must be at most the size {n} of dimension "
                             f"{axis} of the input of shape {input.shape}")
        index = _source_index(input.backend.xp, mode, n, before, after)
        out = out[(slice(None),) * axis + (index,)]
    return out


def _constant_pad(op, input, pad, widths, value):
    """input cropped by the negative amounts, then padded with `value` by the positive ones (module docstring)."""
    if input.ndim == 0:  # pad () (_widths allows no more): a copy, as in PyTorch (numpy's pad takes no 0-d array)
        return input.clone()
    kept = [n + min(before, 0) + min(after, 0) for (before, after), n in zip(widths, input.shape)]
    if min(kept) < 0:
        raise ValueError(f"{op}: pad {pad} crops more than the input of shape {input.shape} holds")
    x = input
    if any(before < 0 or after < 0 for before, after in widths):
        x = input[tuple(slice(max(-before, 0), max(-before, 0) + size) for (before, _), size in zip(widths, kept))]
    widths = tuple((max(before, 0), max(after, 0)) for before, after in widths)
    return ConstantPad.apply(x, widths=widths, value=0 if value is None else value)
