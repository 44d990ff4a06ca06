"""The Transformer encoder of "Attention Is All You Need", the block of transformer GANs (TransGAN's generator and
discriminator, ViTGAN's discriminator): self-attention and a two-layer MLP, each added back to its input.

    post-norm (norm_first=False, the paper's):  x = norm1(x + attention(x));  x = norm2(x + mlp(x))
    pre-norm  (norm_first=True, ViT's):         x = x + attention(norm1(x));  x = x + mlp(norm2(x))
    mlp(x) = linear2(dropout(activation(linear1(x))))

attention and mlp each end in a dropout of their own (dropout1, dropout2), as in PyTorch.
"""
import copy

from ..arguments import int_at_least
from . import functional as F
from .attention import MultiheadAttention
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .norm import LayerNorm

_ACTIVATIONS = {"relu": F.relu, "gelu": F.gelu}


class TransformerEncoderLayer(Module):
    """PyTorch's nn.TransformerEncoderLayer: its arguments, submodules and state_dict keys. src is (S, N, E), or
    (N, S, E) with batch_first, or (S, E); src_mask and src_key_padding_mask are MultiheadAttention's attn_mask and
    key_padding_mask. activation is "relu", "gelu" or a callable."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True):
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first)
        self.linear1 = Linear(d_model, int_at_least("TransformerEncoderLayer", "dim_feedforward", dim_feedforward, 1),
                              bias=bias)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias)
        self.norm_first = bool(norm_first)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.dropout1, self.dropout2 = Dropout(dropout), Dropout(dropout)
        if isinstance(activation, str):
            if activation not in _ACTIVATIONS:
                raise ValueError(f"TransformerEncoderLayer: activation must be 'relu', 'gelu' or a callable, got "
                                 f"{activation!r}")
            activation = _ACTIVATIONS[activation]
        elif not callable(activation):
            raise TypeError(f"TransformerEncoderLayer: activation must be 'relu', 'gelu' or a callable, got "
                            f"{type(activation).__name__}")
        self.activation = activation

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        x = src
        if self.norm_first:
            x = x + self._attention(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._mlp(self.norm2(x))
        x = self.norm1(x + self._attention(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._mlp(x))

    def _attention(self, x, mask, key_padding_mask, is_causal):
        out, _ = self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=key_padding_mask, need_weights=False,
                                is_causal=is_causal)
        return self.dropout1(out)

    def _mlp(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoder(Module):
    """num_layers copies of encoder_layer, one after the other (layers.0, layers.1, ... in the state_dict, as in
    PyTorch), then `norm` if given. enable_nested_tensor and mask_check are PyTorch's speed-ups, accepted for ported
    code (with nested tensors, PyTorch's outputs at padded positions are 0 in evaluation; here they are computed as
    at any other position)."""

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True):
        super().__init__()
        if not isinstance(encoder_layer, Module):
            raise TypeError(f"TransformerEncoder: encoder_layer must be a Module, got {type(encoder_layer).__name__}")
        count = int_at_least("TransformerEncoder", "num_layers", num_layers, 1)
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(count)])
        self.num_layers = count
        self.norm = norm

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        """is_causal is the hint that mask is causal (None: PyTorch looks; the mask is what is used either way)."""
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)
