"""Distance layers: cosine_similarity and pairwise_distance (nanogan/ops/reduce.py, where their math and gradients
are) as modules, with PyTorch's attributes (PairwiseDistance keeps p as `norm`, as PyTorch's does)."""
from . import functional as F
from .module import Module


class CosineSimilarity(Module):
    """y = Σ_dim x1·x2 / (max(‖x1‖, eps)·max(‖x2‖, eps)) along dim, of x1 and x2 broadcast together."""

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """y = ‖x1 − x2 + eps‖_p over the last dim, of x1 and x2 broadcast together."""

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
