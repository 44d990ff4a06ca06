"""The Transformer of "Attention Is All You Need": the encoder is the block of transformer GANs (TransGAN's
generator and discriminator, ViTGAN's discriminator), the decoder adds an attention to the encoder's output (memory).
Each block is added back to its input, the norm taken after (norm_first=False, the paper's) or before (ViT's):

    post-norm:  x = norm_i(x + block_i(x))          pre-norm:  x = x + block_i(norm_i(x))
    encoder layer:  block_1 = self-attention,  block_2 = mlp
    decoder layer:  block_1 = self-attention,  block_2 = attention(queries x, keys and values memory),  block_3 = mlp
    mlp(x) = linear2(dropout(activation(linear1(x))))

Each block ends in a dropout of its own (dropout1, dropout2, dropout3), as in PyTorch.
"""
import copy

from ..arguments import int_at_least
from ..tensor import Tensor, full
from . import functional as F
from . import init
from .attention import MultiheadAttention
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .norm import LayerNorm

_ACTIVATIONS = {"relu": F.relu, "gelu": F.gelu}


def _check_sequences(owner, d_model, batch_first, **sequences):
    """Refuse sequences that are not all (L, N, E) ((N, L, E) with batch_first) of one N, or all (L, E), with
    E = d_model, naming `owner` and the shapes (MultiheadAttention would name itself, and only one of them)."""
    first = next(iter(sequences.values()))
    ndim, batch_axis = getattr(first, "ndim", None), 0 if batch_first else 1
    if not all(isinstance(x, Tensor) and x.ndim == ndim and ndim in (2, 3) and x.shape[-1] == d_model
               and (ndim == 2 or x.shape[batch_axis] == first.shape[batch_axis]) for x in sequences.values()):
        got = " and ".join(f"{name} {getattr(x, 'shape', type(x).__name__)}" for name, x in sequences.items())
        raise ValueError(f"{owner}: expected {' and '.join(sequences)} of shape "
                         f"{'(N, L, E)' if batch_first else '(L, N, E)'} with one N, or (L, E), with "
                         f"E = d_model = {d_model}, got {got}")


class _TransformerLayer(Module):
    """What the encoder and decoder layers share: a MultiheadAttention for each name in `attentions` (self_attn
    first), the mlp, and a norm and a dropout for each block (the attentions', then the mlp's), registered in
    PyTorch's order so that the state_dict keys come out as PyTorch's."""

    def __init__(self, attentions, d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first,
                 norm_first, bias):
        super().__init__()
        owner = type(self).__name__
        for name in attentions:
            setattr(self, name, MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                   batch_first=batch_first))
        self.linear1 = Linear(d_model, int_at_least(owner, "dim_feedforward", dim_feedforward, 1), bias=bias)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias)
        self.norm_first = bool(norm_first)
        blocks = range(1, len(attentions) + 2)
        for i in blocks:
            setattr(self, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias))
        for i in blocks:
            setattr(self, f"dropout{i}", Dropout(dropout))
        if isinstance(activation, str):
            if activation not in _ACTIVATIONS:
                raise ValueError(f"{owner}: activation must be 'relu', 'gelu' or a callable, got {activation!r}")
            activation = _ACTIVATIONS[activation]
        elif not callable(activation):
            raise TypeError(f"{owner}: activation must be 'relu', 'gelu' or a callable, got "
                            f"{type(activation).__name__}")
        self.activation = activation

    def _check(self, **sequences):
        _check_sequences(type(self).__name__, self.self_attn.embed_dim, self.self_attn.batch_first, **sequences)

    def _residual(self, x, norm, block):
        """x + block(norm(x)) pre-norm, norm(x + block(x)) post-norm."""
        if self.norm_first:
            return x + block(norm(x))
        return norm(x + block(x))

    @staticmethod
    def _attention(attention, dropout, x, keys, mask, key_padding_mask, is_causal):
        out, _ = attention(x, keys, keys, attn_mask=mask, key_padding_mask=key_padding_mask, need_weights=False,
                           is_causal=is_causal)
        return dropout(out)

    def _mlp(self, x, dropout):
        return dropout(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoderLayer(_TransformerLayer):
    """PyTorch's nn.TransformerEncoderLayer: its arguments, submodules and state_dict keys. src is (S, N, E), or
    (N, S, E) with batch_first, or (S, E); src_mask and src_key_padding_mask are MultiheadAttention's attn_mask and
    key_padding_mask. activation is "relu", "gelu" or a callable."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True):
        super().__init__(("self_attn",), d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                         batch_first, norm_first, bias)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        self._check(src=src)
        x = self._residual(src, self.norm1, lambda x: self._attention(
            self.self_attn, self.dropout1, x, x, src_mask, src_key_padding_mask, is_causal))
        return self._residual(x, self.norm2, lambda x: self._mlp(x, self.dropout2))


class TransformerDecoderLayer(_TransformerLayer):
    """PyTorch's nn.TransformerDecoderLayer: its arguments, submodules and state_dict keys. tgt is (T, N, E) and
    memory (the encoder's output) (S, N, E), or (N, T, E) and (N, S, E) with batch_first, or (T, E) and (S, E).
    tgt_mask (T, T) and tgt_key_padding_mask (N, T) go to the self-attention, memory_mask (T, S) and
    memory_key_padding_mask (N, S) to the attention to memory, as MultiheadAttention's attn_mask and
    key_padding_mask; the is_causal flags are hints that the masks are causal (the masks are what is used)."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True):
        super().__init__(("self_attn", "multihead_attn"), d_model, nhead, dim_feedforward, dropout, activation,
                         layer_norm_eps, batch_first, norm_first, bias)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        self._check(tgt=tgt, memory=memory)
        x = self._residual(tgt, self.norm1, lambda x: self._attention(
            self.self_attn, self.dropout1, x, x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self._residual(x, self.norm2, lambda x: self._attention(
            self.multihead_attn, self.dropout2, x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
        return self._residual(x, self.norm3, lambda x: self._mlp(x, self.dropout3))


class _LayerStack(Module):
    """num_layers copies of a layer, one after the other (layers.0, layers.1, ... in the state_dict, as in PyTorch),
    then `norm` if given."""

    def __init__(self, owner, layer_name, layer, num_layers, norm):
        super().__init__()
        if not isinstance(layer, Module):
            raise TypeError(f"{owner}: {layer_name} must be a Module, got {type(layer).__name__}")
        count = int_at_least(owner, "num_layers", num_layers, 1)
        self.layers = ModuleList([copy.deepcopy(layer) for _ in range(count)])
        self.num_layers = count
        self.norm = norm

    def _through_layers(self, x, **arguments):
        for layer in self.layers:
            x = layer(x, **arguments)
        return x if self.norm is None else self.norm(x)


class TransformerEncoder(_LayerStack):
    """PyTorch's nn.TransformerEncoder: num_layers copies of encoder_layer, then `norm` if given.
    enable_nested_tensor and mask_check are PyTorch's speed-ups, accepted for ported code (with nested tensors,
    PyTorch's outputs at padded positions are 0 in evaluation; here they are computed as at any other position)."""

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True):
        super().__init__("TransformerEncoder", "encoder_layer", encoder_layer, num_layers, norm)

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        """is_causal is the hint that mask is causal (None: PyTorch looks; the mask is what is used either way)."""
        return self._through_layers(src, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                                    is_causal=bool(is_causal))


class TransformerDecoder(_LayerStack):
    """PyTorch's nn.TransformerDecoder: num_layers copies of decoder_layer, each seeing the same memory, then `norm`
    if given."""

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__("TransformerDecoder", "decoder_layer", decoder_layer, num_layers, norm)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        """tgt_is_causal is the hint that tgt_mask is causal (None: PyTorch looks; the mask is what is used)."""
        return self._through_layers(tgt, memory=memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                                    tgt_key_padding_mask=tgt_key_padding_mask,
                                    memory_key_padding_mask=memory_key_padding_mask,
                                    tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal)


class Transformer(Module):
    """PyTorch's nn.Transformer: an encoder of num_encoder_layers TransformerEncoderLayers and a decoder of
    num_decoder_layers TransformerDecoderLayers, each stack ending in a LayerNorm, or custom_encoder and
    custom_decoder in their place; every parameter of more than one dimension then drawn Xavier-uniform (the custom
    ones too), as PyTorch does. forward(src, tgt) is decoder(tgt, encoder(src)); src is (S, N, E) and tgt (T, N, E),
    or (N, S, E) and (N, T, E) with batch_first, or (S, E) and (T, E), and the masks are the layers'."""

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048,
                 dropout=0.1, activation="relu", custom_encoder=None, custom_decoder=None, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True):
        super().__init__()
        layer_arguments = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first,
                           norm_first, bias)
        if custom_encoder is None:
            custom_encoder = TransformerEncoder(TransformerEncoderLayer(*layer_arguments), num_encoder_layers,
                                                LayerNorm(d_model, eps=layer_norm_eps, bias=bias))
        if custom_decoder is None:
            custom_decoder = TransformerDecoder(TransformerDecoderLayer(*layer_arguments), num_decoder_layers,
                                                LayerNorm(d_model, eps=layer_norm_eps, bias=bias))
        self.encoder, self.decoder = custom_encoder, custom_decoder
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)
        self.d_model, self.nhead, self.batch_first = d_model, nhead, bool(batch_first)

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None,
                tgt_key_padding_mask=None, memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        _check_sequences("Transformer", self.d_model, self.batch_first, src=src, tgt=tgt)
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=tgt_is_causal,
                            memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device="cpu", dtype=None):
        """The causal mask of a length-sz sequence: -inf above the diagonal (a later position, left out), 0 on and
        below it, float32 unless dtype is given, as PyTorch's."""
        size = int_at_least("Transformer.generate_square_subsequent_mask", "sz", sz, 0)
        return full((size, size), float("-inf"), dtype=dtype, device=device).triu(1)
