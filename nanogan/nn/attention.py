"""MultiheadAttention: attention (ops/attention.py) in num_heads subspaces side by side, as in "Attention Is All
You Need" and the transformer GANs (TransGAN, ViTGAN) built on it.

    Q = query W_qᵀ + b_q,  K = key W_kᵀ + b_k,  V = value W_vᵀ + b_v      (each E wide)
    head h = attend(Q_h, K_h, V_h) on the h-th slice of E / num_heads features, scale 1/√(E / num_heads)
    y = concat(head_1, ..., head_H) W_oᵀ + b_o
"""
import math

from ..arguments import int_at_least, is_number, require
from ..ops.attention import additive_mask, attend
from ..ops.shape import cat
from ..tensor import Tensor, zeros
from . import functional as F
from . import init
from .linear import Linear
from .module import Module
from .parameter import Parameter


class MultiheadAttention(Module):
    """PyTorch's nn.MultiheadAttention, with its parameters and state_dict keys (in_proj_weight, in_proj_bias,
    out_proj.weight, out_proj.bias; q_proj_weight, k_proj_weight, v_proj_weight where kdim or vdim differs from
    embed_dim; bias_k, bias_v with add_bias_kv). Inputs are (L, N, E), or (N, L, E) with batch_first, or (L, E)
    unbatched. Masks: key_padding_mask (N, S) and attn_mask (L, S) or (N·num_heads, L, S), a boolean one True where
    a key is left out, a floating one added to the scores. forward returns (output, weights), weights (N, L, S)
    averaged over the heads (N, num_heads, L, S without), or None when need_weights=False.

    One difference: a query whose keys are all left out gets weights 0 and output out_proj's bias (PyTorch gives NaN
    there when it returns the weights, and the bias when it does not)."""

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False):
        super().__init__()
        self.embed_dim = int_at_least("MultiheadAttention", "embed_dim", embed_dim, 1)
        self.num_heads = int_at_least("MultiheadAttention", "num_heads", num_heads, 1)
        if self.embed_dim % self.num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by num_heads "
                             f"({num_heads})")
        self.kdim = self.embed_dim if kdim is None else int_at_least("MultiheadAttention", "kdim", kdim, 1)
        self.vdim = self.embed_dim if vdim is None else int_at_least("MultiheadAttention", "vdim", vdim, 1)
        require("MultiheadAttention", "dropout", dropout, lambda p: is_number(p) and 0 <= p <= 1,
                "a probability in [0, 1]")
        self.dropout = dropout
        self.batch_first, self.add_zero_attn = bool(batch_first), bool(add_zero_attn)
        self.head_dim = self.embed_dim // self.num_heads
        self._qkv_same_embed_dim = self.kdim == self.embed_dim and self.vdim == self.embed_dim
        if self._qkv_same_embed_dim:  # one (3E, E) matrix, W_q, W_k and W_v stacked, as PyTorch stores it
            self.in_proj_weight = Parameter(zeros(3 * self.embed_dim, self.embed_dim))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.register_parameter("in_proj_weight", None)
            self.q_proj_weight = Parameter(zeros(self.embed_dim, self.embed_dim))
            self.k_proj_weight = Parameter(zeros(self.embed_dim, self.kdim))
            self.v_proj_weight = Parameter(zeros(self.embed_dim, self.vdim))
        self.register_parameter("in_proj_bias", Parameter(zeros(3 * self.embed_dim)) if bias else None)
        self.out_proj = Linear(self.embed_dim, self.embed_dim, bias=bias)
        for name in ("bias_k", "bias_v"):
            self.register_parameter(name, Parameter(zeros(1, 1, self.embed_dim)) if add_bias_kv else None)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's: Xavier-uniform projections, zero biases, Xavier-normal bias_k and bias_v; out_proj's weight
        keeps Linear's own initialisation."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for weight in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        for extra in (self.bias_k, self.bias_v):
            if extra is not None:
                init.xavier_normal_(extra)

    def _projection_weights(self):
        if self._qkv_same_embed_dim:
            return self.in_proj_weight.chunk(3)
        return self.q_proj_weight, self.k_proj_weight, self.v_proj_weight

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        """(output, weights) of the class docstring. is_causal is PyTorch's hint that attn_mask is the causal mask:
        the mask must be given, and is what is used."""
        name = "MultiheadAttention"
        if is_causal and attn_mask is None:
            raise ValueError(f"{name}: is_causal=True is a hint that attn_mask is causal; give attn_mask too")
        unbatched = query.ndim == 2
        layout = "(L, E)" if unbatched else "(N, L, E)" if self.batch_first else "(L, N, E)"
        for what, t, width in (("query", query, self.embed_dim), ("key", key, self.kdim), ("value", value, self.vdim)):
            if not isinstance(t, Tensor) or t.ndim != len(layout.split(",")) or t.shape[-1] != width:
                raise ValueError(f"{name}: expected {what} of shape {layout} with E = {width}, got "
                                 f"{getattr(t, 'shape', type(t).__name__)}")
        if unbatched:  # one batch of one, batch first
            query, key, value = (t.unsqueeze(0) for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif not self.batch_first:  # (L, N, E) -> (N, L, E)
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        batch, length, sources = query.shape[0], query.shape[1], key.shape[1]
        if key.shape[:2] != value.shape[:2] or key.shape[0] != batch:
            raise ValueError(f"{name}: key and value must have one batch and length, matching query's batch, got "
                             f"key {key.shape} and value {value.shape} for query {query.shape} (batch first)")
        w_q, w_k, w_v = self._projection_weights()
        b_q, b_k, b_v = self.in_proj_bias.chunk(3) if self.in_proj_bias is not None else (None,) * 3
        q, k, v = F.linear(query, w_q, b_q), F.linear(key, w_k, b_k), F.linear(value, w_v, b_v)
        mask = self._scores_mask(attn_mask, key_padding_mask, batch, length, sources, q.dtype)
        extra_keys = []
        if self.bias_k is not None:  # one more key and value, learned, that every query sees
            extra_keys.append(tuple(b.expand(batch, 1, self.embed_dim) for b in (self.bias_k, self.bias_v)))
        if self.add_zero_attn:  # and one of zeros (after the projection, as PyTorch's)
            extra_keys.append((zeros(batch, 1, self.embed_dim, dtype=q.dtype, device=q.device),) * 2)
        for extra_k, extra_v in extra_keys:
            k, v = cat([k, extra_k], 1), cat([v, extra_v], 1)
            if mask is not None:  # the extra key takes part everywhere
                mask = cat([mask, zeros(*mask.shape[:-1], 1, dtype=mask.dtype, device=mask.device)], -1)

        def heads(t):  # (N, S, E) -> (N, H, S, E / H)
            return t.reshape(batch, t.shape[1], self.num_heads, self.head_dim).transpose(1, 2)

        out, weights = attend(heads(q), heads(k), heads(v), mask, 1 / math.sqrt(self.head_dim),
                              self.dropout if self.training else 0.0)
        out = self.out_proj(out.transpose(1, 2).reshape(batch, length, self.embed_dim))
        if average_attn_weights:
            weights = weights.mean(1)
        if unbatched:
            out, weights = out.squeeze(0), weights.squeeze(0)
        elif not self.batch_first:
            out = out.transpose(0, 1)
        return out, (weights if need_weights else None)

    def _scores_mask(self, attn_mask, key_padding_mask, batch, length, sources, dtype):
        """The two masks as one additive (N, H, L, S)-broadcastable mask, or None."""
        name, masks = "MultiheadAttention", []
        if attn_mask is not None:
            shapes = ((length, sources), (batch * self.num_heads, length, sources))
            if tuple(attn_mask.shape) not in shapes:
                raise ValueError(f"{name}: attn_mask must be of shape {shapes[0]} or {shapes[1]}, got "
                                 f"{attn_mask.shape}")
            attn_mask = additive_mask(name, attn_mask, dtype, left_out_where=True)
            masks.append(attn_mask.reshape(batch, self.num_heads, length, sources) if attn_mask.ndim == 3 else
                         attn_mask)
        if key_padding_mask is not None:
            if tuple(key_padding_mask.shape) != (batch, sources):
                raise ValueError(f"{name}: key_padding_mask must be of shape {(batch, sources)} (N, S), got "
                                 f"{key_padding_mask.shape}")
            masks.append(additive_mask(name, key_padding_mask, dtype, left_out_where=True)
                         .reshape(batch, 1, 1, sources))
        return None if not masks else masks[0] if len(masks) == 1 else masks[0] + masks[1]

    def extra_repr(self):
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, batch_first={self.batch_first}"
