"""Attention: each query's weighted mean of the values, weighted by how well it matches each key.

    s = q kᵀ · scale + m        q (..., L, E), k (..., S, E), v (..., S, Ev); scale = 1/√E unless given;
                                m (..., L, S) is 0 where a key takes part and -inf where it does not, or any numbers
    a = softmax(s) along S      (a row whose keys are all left out is 0, not NaN: its output is 0)
    y = dropout(a) v            (..., L, Ev)

A composition of differentiable ops (matmul, softmax, where), so its gradients are theirs, to any order: a gradient
penalty differentiates through an attention discriminator (TransGAN's, ViTGAN's) as through a convolution.
"""
import math

import numpy as np

from ..arguments import is_number, require
from ..tensor import Tensor, bool_, ones
from .activation import dropout, softmax
from .elementwise import where
from .matmul import matmul
from .shape import transpose


def additive_mask(op, mask, dtype, left_out_where):
    """A mask as the numbers added to the scores: a floating one as it is; a boolean one 0 where a key takes part and
    -inf where it is left out, that is where it is `left_out_where` (False for scaled_dot_product_attention, True
    for MultiheadAttention's masks, as in PyTorch)."""
    if not isinstance(mask, Tensor):
        raise TypeError(f"{op}: expected a mask Tensor, got {type(mask).__name__}")
    if mask.dtype != bool:
        if not mask.is_floating_point():
            raise TypeError(f"{op}: expected a boolean or floating-point mask, got {mask.dtype} of shape {mask.shape}")
        return mask
    taking_part, left_out = 0.0, -math.inf
    return (where(mask, left_out, taking_part) if left_out_where else where(mask, taking_part, left_out)).to(dtype)


def attend(query, key, value, mask=None, scale=None, dropout_p=0.0):
    """(y, a) of the module docstring for an additive mask m (or None); dropout_p > 0 drops weights as in training."""
    if scale is None:  # E = 0: the scores are sums of nothing, 0 at any scale (PyTorch's are too)
        scale = 1 / math.sqrt(max(query.shape[-1], 1))
    scores = matmul(query, transpose(key, -2, -1)) * scale
    if mask is not None:
        scores = scores + mask
    # a row of -inf alone would be NaN; it is computed on zeros instead and its weights zeroed after
    alive = (scores > -math.inf).any(-1, keepdim=True)
    weights = softmax(where(alive, scores, 0.0), -1) * alive.to(scores.dtype)
    if dropout_p > 0:
        weights = dropout(weights, dropout_p)
    return matmul(weights, value), weights


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """y of the module docstring, as torch.nn.functional's: attn_mask broadcasts to the scores (..., L, S) (query's
    and key's leading dimensions broadcast together) without widening them, a boolean one True where a key takes
    part; is_causal lets query i see keys 0..i alone; enable_gqa lets key and value have fewer heads than query
    (grouped-query attention); dropout_p drops weights whenever it is > 0 (the caller passes 0 in evaluation, as with
    PyTorch's)."""
    op = "scaled_dot_product_attention"
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor) or t.ndim < 2 or not t.is_floating_point():
            raise TypeError(f"{op}: {name} must be a floating-point Tensor of at least 2 dimensions, got "
                            f"{getattr(t, 'dtype', type(t).__name__)} of shape {getattr(t, 'shape', None)}")
    if enable_gqa:
        key, value = (_shared_heads(op, name, t, query) for name, t in (("key", key), ("value", value)))
    scores_shape = _broadcast(query.shape[:-2], key.shape[:-2])
    if (query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2] or scores_shape is None
            or _broadcast(scores_shape, value.shape[:-2]) is None):
        raise ValueError(f"{op}: query (..., L, E), key (..., S, E) and value (..., S, Ev) must agree, their leading "
                         f"dimensions broadcasting, got {query.shape}, {key.shape} and {value.shape}")
    scores_shape += (query.shape[-2], key.shape[-2])
    require(op, "dropout_p", dropout_p, lambda p: is_number(p) and 0 <= p <= 1, "a probability in [0, 1]")
    if is_causal:
        if attn_mask is not None:
            raise ValueError(f"{op}: give attn_mask or is_causal=True, not both")
        attn_mask = ones(query.shape[-2], key.shape[-2], dtype=bool_, device=query.device).tril()  # i sees j <= i
    mask = None if attn_mask is None else additive_mask(op, attn_mask, query.dtype, left_out_where=False)
    # the mask is added to the scores in place (PyTorch's): one that would widen them, by a dimension they do not
    # have, would silently make more outputs than the query asks for
    if mask is not None and _broadcast(mask.shape, scores_shape) != scores_shape:
        raise ValueError(f"{op}: attn_mask must broadcast to the scores' shape {scores_shape} (..., L, S), got "
                         f"{tuple(attn_mask.shape)}")
    return attend(query, key, value, mask, scale, dropout_p)[0]


def _shared_heads(op, name, t, query):
    """Grouped-query attention's key or value t (..., H, S, ·): groups of Hq / H of query's Hq heads (dimension -3)
    share each of its H heads, so each is repeated for its group."""
    if query.ndim < 3 or t.ndim < 3 or t.shape[-3] == 0 or query.shape[-3] % t.shape[-3]:
        raise ValueError(f"{op}: with enable_gqa, the heads (dimension -3) of {name} must divide those of query, got "
                         f"{name} {t.shape} and query {query.shape}")
    return t.repeat_interleave(query.shape[-3] // t.shape[-3], -3)


def _broadcast(*shapes):
    """The shape that `shapes` broadcast to, or None where they do not."""
    try:
        return np.broadcast_shapes(*(tuple(shape) for shape in shapes))
    except ValueError:
        return None
