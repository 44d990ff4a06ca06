"""Loss layers: the losses of nanogan/ops/loss.py as modules, `criterion = nn.BCELoss()` then
`criterion(output, target)`, as in ported PyTorch code. The math and its gradients are in ops/loss.py.

A class weight or positive weight is a buffer, as in PyTorch: it moves with `.to(device)` and is saved in
`state_dict()`.
"""
from ..arguments import is_finite, require
from ..ops.loss import KL_DIV_REDUCTIONS, REDUCTIONS, legacy_reduction, require_reduction
from . import functional as F
from .distance import PairwiseDistance
from .module import Module


class _Loss(Module):
    """Holds `reduction`, checked here so that a misspelt one fails where the loss is made; the losses that take
    PyTorch's legacy size_average and reduce (keywords) turn them into the reduction they stand for, as PyTorch's
    do, with its warning."""
    reductions = REDUCTIONS  # the ones its function takes

    def __init__(self, reduction="mean", *, size_average=None, reduce=None):
        super().__init__()
        reduction = legacy_reduction(size_average, reduce, reduction)
        require_reduction(type(self).__name__, reduction, self.reductions)
        self.reduction = reduction

    def extra_repr(self):
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class BCELoss(_Loss):
    """ℓ = −(t·log p + (1 − t)·log(1 − p)), optionally times `weight`; p are probabilities (after a sigmoid)."""

    def __init__(self, weight=None, reduction="mean", *, size_average=None, reduce=None):
        super().__init__(reduction, size_average=size_average, reduce=reduce)
        self.register_buffer("weight", weight)

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """BCELoss of sigmoid(x), computed from the logits x without overflow."""

    def __init__(self, weight=None, reduction="mean", pos_weight=None, *, size_average=None, reduce=None):
        super().__init__(reduction, size_average=size_average, reduce=reduce)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction, self.pos_weight)


class MSELoss(_Loss):
    """ℓ = (x − t)²: LSGAN's loss."""

    def forward(self, input, target):
        return F.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """ℓ = |x − t|."""

    def forward(self, input, target):
        return F.l1_loss(input, target, self.reduction)


class HuberLoss(_Loss):
    """ℓ = ½(x − t)² where |x − t| < delta, else delta·(|x − t| − ½delta): MSE near the target, L1 beyond."""

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, self.reduction, self.delta)


class SmoothL1Loss(_Loss):
    """ℓ = ½(x − t)²/beta where |x − t| < beta, else |x − t| − ½beta: HuberLoss / beta (beta = 0: L1Loss)."""

    def __init__(self, reduction="mean", beta=1.0, *, size_average=None, reduce=None):
        super().__init__(reduction, size_average=size_average, reduce=reduce)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, self.reduction, self.beta)


class NLLLoss(_Loss):
    """ℓ = −w_t·x[t] over the class dim 1 of log-probabilities x (a LogSoftmax's output), with class weights and an
    ignored index."""

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", *, size_average=None, reduce=None):
        super().__init__(reduction, size_average=size_average, reduce=reduce)
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class CrossEntropyLoss(_Loss):
    """ℓ = −log softmax(x)[t] over the class dim 1, with class weights, an ignored index and label smoothing."""

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0, *, size_average=None,
                 reduce=None):
        super().__init__(reduction, size_average=size_average, reduce=reduce)
        self.register_buffer("weight", weight)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing)


class KLDivLoss(_Loss):
    """ℓ = t·(log t − x) for log-probabilities x and probabilities t (with log_target, t given as log t);
    reduction="batchmean" gives the KL divergence per sample."""
    reductions = KL_DIV_REDUCTIONS

    def __init__(self, reduction="mean", log_target=False, *, size_average=None, reduce=None):
        super().__init__(reduction, size_average=size_average, reduce=reduce)
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, self.reduction, self.log_target)


class GaussianNLLLoss(_Loss):
    """ℓ = ½(log max(var, eps) + (x − t)² / max(var, eps)) (+ ½ log 2π with full=True)."""

    def __init__(self, full=False, eps=1e-6, reduction="mean"):
        super().__init__(reduction)
        self.full, self.eps = full, eps

    def forward(self, input, target, var):
        return F.gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


class MarginRankingLoss(_Loss):
    """ℓ = max(0, -y·(x1 - x2) + margin) for labels y = ±1."""

    def __init__(self, margin=0.0, reduction="mean", *, size_average=None, reduce=None):
        super().__init__(reduction, size_average=size_average, reduce=reduce)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.margin_ranking_loss(input1, input2, target, self.margin, self.reduction)


class HingeEmbeddingLoss(_Loss):
    """ℓ = x where y = 1, max(0, margin - x) where y = -1."""

    def __init__(self, margin=1.0, reduction="mean", *, size_average=None, reduce=None):
        super().__init__(reduction, size_average=size_average, reduce=reduce)
        self.margin = margin

    def forward(self, input, target):
        return F.hinge_embedding_loss(input, target, self.margin, self.reduction)


class SoftMarginLoss(_Loss):
    """ℓ = log(1 + e^(-y·x)) for labels y = ±1."""

    def forward(self, input, target):
        return F.soft_margin_loss(input, target, self.reduction)


class TripletMarginLoss(_Loss):
    """ℓ = max(0, margin + d(a, pos) - d(a, neg)), d the p-norm distance (with swap, the smaller of d(a, neg) and
    d(pos, neg))."""

    def __init__(self, margin=1.0, p=2.0, eps=1e-6, swap=False, reduction="mean", *, size_average=None,
                 reduce=None):
        super().__init__(reduction, size_average=size_average, reduce=reduce)
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_loss(anchor, positive, negative, self.margin, self.p, self.eps, self.swap,
                                     self.reduction)


class MultiLabelSoftMarginLoss(_Loss):
    """ℓ = -(1/C)·Σ_c w_c·(t_c·log sigmoid(x_c) + (1 - t_c)·log sigmoid(-x_c)) per sample, for C 0/1 labels."""

    def __init__(self, weight=None, reduction="mean", *, size_average=None, reduce=None):
        super().__init__(reduction, size_average=size_average, reduce=reduce)
        self.register_buffer("weight", weight)

    def forward(self, input, target):
        return F.multilabel_soft_margin_loss(input, target, self.weight, self.reduction)


class CosineEmbeddingLoss(_Loss):
    """ℓ = 1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1."""

    def __init__(self, margin=0.0, reduction="mean", *, size_average=None, reduce=None):
        super().__init__(reduction, size_average=size_average, reduce=reduce)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.cosine_embedding_loss(input1, input2, target, self.margin, self.reduction)


class PoissonNLLLoss(_Loss):
    """ℓ = e^x - t·x for log-rates x (log_input), else x - t·log(x + eps); full adds Stirling's term of log t!."""

    def __init__(self, log_input=True, full=False, eps=1e-8, reduction="mean", *, size_average=None, reduce=None):
        super().__init__(reduction, size_average=size_average, reduce=reduce)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input, target):
        return F.poisson_nll_loss(log_input, target, self.log_input, self.full, self.eps, self.reduction)


class MultiMarginLoss(_Loss):
    """ℓ = (1/C)·Σ_{i ≠ y} w_y·max(0, margin - x_y + x_i)^p for class indices y, p = 1 or 2."""

    def __init__(self, p=1, margin=1.0, weight=None, reduction="mean", *, size_average=None, reduce=None):
        super().__init__(reduction, size_average=size_average, reduce=reduce)
        self.p, self.margin = p, margin
        self.register_buffer("weight", weight)

    def forward(self, input, target):
        return F.multi_margin_loss(input, target, self.p, self.margin, self.weight, self.reduction)


class MultiLabelMarginLoss(_Loss):
    """ℓ = (1/C)·Σ_{j listed} Σ_{i not listed} max(0, 1 - x_j + x_i), the classes listed in each target row up to its
    first -1."""

    def forward(self, input, target):
        return F.multilabel_margin_loss(input, target, self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """ℓ = max(0, margin + d(a, pos) - d(a, neg)) for a distance function d (a PairwiseDistance layer unless given,
    as in PyTorch, where it shows in the repr); with swap, the smaller of d(a, neg) and d(pos, neg)."""

    def __init__(self, *, distance_function=None, margin=1.0, swap=False, reduction="mean"):
        super().__init__(reduction)
        require("TripletMarginWithDistanceLoss", "margin", margin, lambda m: is_finite(m) and m > 0,
                "a finite number > 0")
        self.distance_function = PairwiseDistance() if distance_function is None else distance_function
        self.margin, self.swap = margin, swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_with_distance_loss(anchor, positive, negative, distance_function=self.distance_function,
                                                   margin=self.margin, swap=self.swap, reduction=self.reduction)
