"""Embedding: a learned table of vectors, one row per class or token, looked up by integer index."""
from ..arguments import int_at_least, is_int, require
from ..autograd import no_grad
from ..tensor import zeros
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Embedding(Module):
    """y = weight[x]: for integer indices x of any shape, the rows of weight (num_embeddings, embedding_dim), shape
    x.shape + (embedding_dim,). weight ~ N(0, 1), as in PyTorch. The row padding_idx (negative counts from the end)
    starts at zero and gets no gradient. With max_norm, each row looked up is first scaled down in place to that
    norm_type-norm where it exceeds it (F.embedding)."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, sparse=False):
        super().__init__()
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        self.num_embeddings = int_at_least("Embedding", "num_embeddings", num_embeddings, 1)
        self.embedding_dim = int_at_least("Embedding", "embedding_dim", embedding_dim, 1)
        if padding_idx is not None:
            rows = self.num_embeddings
            require("Embedding", "padding_idx", padding_idx, lambda v: is_int(v) and -rows <= v < rows,
                    f"None or an int in [{-rows}, {rows - 1}]")
            padding_idx = int(padding_idx) % rows
        self.padding_idx = padding_idx
        self.weight = Parameter(zeros(self.num_embeddings, self.embedding_dim))
        self.reset_parameters()

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0.0

    def forward(self, x):
        return F.embedding(x, self.weight, self.padding_idx, self.max_norm, self.norm_type, self.scale_grad_by_freq,
                           self.sparse)

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        return text
