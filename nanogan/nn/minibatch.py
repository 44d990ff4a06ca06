"""Layers that let D look at the whole minibatch, not one sample at a time, so that it can tell a generator that
has collapsed onto a few modes (whose samples all look alike) from the data (whose samples differ):

    MinibatchDiscrimination   Salimans et al. 2016, "Improved Techniques for Training GANs", §3.2
    MinibatchStdDev           Karras et al. 2018, "Progressive Growing of GANs", §3

Each appends features computed across the batch to every sample's own. As batch norm, they make a sample's
score depend on the others, so a per-sample gradient penalty no longer sees one sample's score alone.
"""
from ..arguments import int_at_least
from ..ops.shape import cat
from ..tensor import eye, zeros
from . import init
from .module import Module
from .parameter import Parameter


class MinibatchDiscrimination(Module):
    """Salimans et al. 2016, §3.2. With f(xᵢ) ∈ R^A the features of sample i (the input, (N, A)) and a learned
    tensor T ∈ R^{A×B×C} (`weight`):

        Mᵢ = f(xᵢ)·T ∈ R^{B×C}                          B rows M_{i,b} ∈ R^C, one per kernel b
        c_b(xᵢ, xⱼ) = exp(−‖M_{i,b} − M_{j,b}‖_L1)      how close samples i and j are, seen by kernel b
        o(xᵢ)_b = Σ_{j≠i} c_b(xᵢ, xⱼ)                    o(xᵢ) ∈ R^B
        output: [f(xᵢ), o(xᵢ)] ∈ R^{A+B}

    Why it helps: D judges each sample alone, so a G that puts all its samples on the one point D currently likes
    best is not penalised for it (mode collapse). o(xᵢ) tells D how many samples of the batch lie near xᵢ: a batch
    of near-copies has large o, the data's batches small, and D learns to reject the former.

    The paper's sum runs over every j, including j = i, whose term is exp(0) = 1 for every sample and kernel; the
    official code (github.com/openai/improved-gan, MinibatchLayer) leaves it out, and so does this layer: o counts
    the other samples only. T is drawn from N(0, 0.05²) as there; its extra bias on o and weight normalisation of T
    are left out. The differences take N²·B·C numbers: a layer for a small feature vector near the end of D.
    """

    def __init__(self, in_features, out_features, kernel_dims):
        """in_features A, out_features B (the kernels, the features added), kernel_dims C."""
        super().__init__()
        self.in_features = int_at_least("MinibatchDiscrimination", "in_features", in_features, 1)
        self.out_features = int_at_least("MinibatchDiscrimination", "out_features", out_features, 1)
        self.kernel_dims = int_at_least("MinibatchDiscrimination", "kernel_dims", kernel_dims, 1)
        self.weight = Parameter(zeros(self.in_features, self.out_features, self.kernel_dims))
        self.reset_parameters()

    def reset_parameters(self):
        init.normal_(self.weight, std=0.05)

    def forward(self, features):
        if features.ndim != 2 or features.shape[1] != self.in_features:
            raise ValueError(f"MinibatchDiscrimination: expected features of shape (N, {self.in_features}), got "
                             f"{features.shape} (nn.Flatten makes feature maps a vector)")
        n, kernels, dims = features.shape[0], self.out_features, self.kernel_dims
        m = (features @ self.weight.reshape(self.in_features, kernels * dims)).reshape(n, kernels, dims)
        l1 = (m.unsqueeze(1) - m.unsqueeze(0)).abs().sum(dim=3)  # [i, j, b] = ‖M_{i,b} − M_{j,b}‖_L1
        others = 1 - eye(n, dtype=features.dtype, device=features.device).unsqueeze(2)  # 0 where j = i
        closeness = ((-l1).exp() * others).sum(dim=1)
        return cat([features, closeness], dim=1)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, kernel_dims={self.kernel_dims}"


class MinibatchStdDev(Module):
    """Karras et al. 2018, §3: one feature map holding how much the samples of a group differ. For groups of G
    samples (sample n = g·M + m is member g of group m, M = N/G, as the official code splits the batch):

        σ_{m,c,h,w} = √(Var_g[x_{g·M+m,c,h,w}] + 10⁻⁸)       the standard deviation over the group (biased variance)
        s_m = mean_{c,h,w} σ_{m,c,h,w}                      one number per group
        output: x with s_m appended as one more channel, constant over h, w, for every member of group m

    Why it helps: as minibatch discrimination, it lets D see the variety of a batch — a collapsed G gives small
    s — but with no parameters and one added feature. The paper takes the statistic over the whole minibatch;
    the official code (github.com/tkarras/progressive_growing_of_gans, minibatch_stddev_layer) over groups of
    G = 4 (or all N if fewer), the default here; group_size >= N is the paper's version. N must be a multiple of
    the group size. Inputs (N, C, ...) of any rank: (N, F) vectors become (N, F + 1).
    """

    eps = 1e-8

    def __init__(self, group_size=4):
        super().__init__()
        self.group_size = int_at_least("MinibatchStdDev", "group_size", group_size, 2)

    def forward(self, x):
        if x.ndim < 2 or x.shape[0] == 0 or x.shape[0] % min(self.group_size, x.shape[0]):
            raise ValueError(f"MinibatchStdDev: expected an input (N, C, ...) with N a multiple of group_size="
                             f"{self.group_size} (or N below it), got shape {x.shape}")
        n = x.shape[0]
        group = min(self.group_size, n)
        grouped = x.reshape(group, n // group, *x.shape[1:])
        deviation = grouped - grouped.mean(dim=0, keepdim=True)
        std = ((deviation * deviation).mean(dim=0) + self.eps).sqrt()
        per_group = std.reshape(n // group, -1).mean(dim=1)
        spatial = x.shape[2:]
        statistic = per_group.repeat(group).reshape(n, 1, *(1,) * len(spatial)).expand(n, 1, *spatial)
        return cat([x, statistic], dim=1)

    def extra_repr(self):
        return f"group_size={self.group_size}"
