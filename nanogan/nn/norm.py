"""Normalisation layers: y = (x − mean) / √(var + eps) · γ + β, with the statistics taken over

    BatchNorm1d/2d/3d    the batch (and the spatial positions), per channel
    InstanceNorm1d/2d/3d the spatial positions of one sample, per channel
    LayerNorm        the last dimensions (`normalized_shape`) of one sample
    GroupNorm        the channels of one group (num_groups groups of consecutive channels) and the spatial
                     positions of one sample

Batch norm in training mode normalises with the batch's statistics and folds them into running
estimates (buffers, saved in the state dict); in evaluation mode it normalises with those estimates:
    running_mean = (1 − momentum) · running_mean + momentum · batch_mean
    running_var  = (1 − momentum) · running_var  + momentum · batch_var · n / (n − 1)   (unbiased)
momentum=None uses the cumulative average instead (momentum = 1 / number of batches seen). The count is read on
the host at every training step, as in PyTorch, so on a GPU that step waits for the device once.
"""
import numpy as np

from ..arguments import int_at_least, int_tuple, is_number, require
from ..ops.shape import as_batch_of_one
from ..tensor import Tensor, zeros, ones
from . import functional as F
from .module import Module
from .parameter import Parameter


def _check_settings(layer, eps, momentum=None):
    """What every norm layer is made with besides its sizes: eps >= 0 (a negative one turns a small variance
    into a NaN) and a momentum of None or in [0, 1] (outside it the running averages extrapolate)."""
    require(layer, "eps", eps, lambda v: is_number(v) and v >= 0, "a number >= 0")
    require(layer, "momentum", momentum, lambda v: v is None or (is_number(v) and 0 <= v <= 1),
            "None or a number in [0, 1]")


class _NormBase(Module):
    """Per-channel affine parameters (weight γ = 1, bias β = 0; bias=False leaves β out) and
    running-statistics buffers."""

    input_ranks = ()  # accepted numbers of dimensions, e.g. (2, 3) for (N, C) and (N, C, L)

    def __init__(self, num_features, eps, momentum, affine, track_running_stats, bias):
        super().__init__()
        layer = type(self).__name__
        num_features = int_at_least(layer, "num_features", num_features, 1)
        _check_settings(layer, eps, momentum)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.register_parameter("weight", Parameter(ones(num_features)) if affine else None)
        self.register_parameter("bias", Parameter(zeros(num_features)) if affine and bias else None)
        tracked = track_running_stats
        self.register_buffer("running_mean", zeros(num_features) if tracked else None)
        self.register_buffer("running_var", ones(num_features) if tracked else None)
        self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)) if tracked else None)

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def _check_input(self, x):
        if x.ndim not in self.input_ranks or x.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}): expected an input with "
                             f"{' or '.join(map(str, self.input_ranks))} dimensions and {self.num_features} "
                             f"channels in dimension 1, got shape {x.shape}")

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, bias)

    def forward(self, x):
        self._check_input(x)
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.array += 1
            if self.momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked.item())
        # without running statistics there is nothing else to normalise with, even in eval mode
        use_batch_statistics = self.training or not self.track_running_stats
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            use_batch_statistics, momentum, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L) inputs, per channel C."""

    input_ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) inputs, per channel C."""

    input_ranks = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch norm over (N, C, D, H, W) inputs, per channel C."""

    input_ranks = (5,)


class _InstanceNorm(_NormBase):
    """Each sample's channels normalised over their own positions; by default without affine parameters or running
    statistics (as in PyTorch). Takes an unbatched input (one rank less) too, as PyTorch's does."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False, *,
                 bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, bias)

    def forward(self, x):
        if isinstance(x, Tensor) and x.ndim == self.input_ranks[0] - 1:  # one sample
            return as_batch_of_one(self.forward, x)
        self._check_input(x)
        return F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                               self.training or not self.track_running_stats,
                               0.0 if self.momentum is None else self.momentum, self.eps)


class InstanceNorm1d(_InstanceNorm):
    """Instance norm over (N, C, L) inputs, or one (C, L): each channel over its L positions."""

    input_ranks = (3,)


class InstanceNorm2d(_InstanceNorm):
    """Instance norm over (N, C, H, W) inputs, or one (C, H, W): each channel over its H×W positions."""

    input_ranks = (4,)


class InstanceNorm3d(_InstanceNorm):
    """Instance norm over (N, C, D, H, W) inputs, or one (C, D, H, W): each channel over its D×H×W positions."""

    input_ranks = (5,)


class LayerNorm(Module):
    """Normalises each sample over its last len(normalized_shape) dimensions; elementwise γ and β of
    that shape."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True):
        super().__init__()
        shape = int_tuple("LayerNorm", "normalized_shape", normalized_shape, 1)
        _check_settings("LayerNorm", eps)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        self.register_parameter("weight", Parameter(ones(*shape)) if elementwise_affine else None)
        self.register_parameter("bias", Parameter(zeros(*shape)) if elementwise_affine and bias else None)

    def forward(self, x):
        if x.shape[x.ndim - len(self.normalized_shape):] != self.normalized_shape:
            raise ValueError(f"LayerNorm({self.normalized_shape}): expected input of shape "
                             f"(..., {', '.join(map(str, self.normalized_shape))}), got {x.shape}")
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """Each sample scaled by the root mean square of its last len(normalized_shape) dimensions (no centring);
    elementwise γ of that shape (elementwise_affine), no β. eps=None is the dtype's machine epsilon."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True):
        super().__init__()
        shape = int_tuple("RMSNorm", "normalized_shape", normalized_shape, 1)
        if eps is not None:
            _check_settings("RMSNorm", eps)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        self.register_parameter("weight", Parameter(ones(*shape)) if elementwise_affine else None)

    def forward(self, x):
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class LocalResponseNorm(Module):
    """Each value divided by (k + alpha · the mean square of its `size` neighbouring channels)^beta (AlexNet's)."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size = int_at_least("LocalResponseNorm", "size", size, 1)
        self.alpha, self.beta, self.k = alpha, beta, k

    def forward(self, x):
        return F.local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class GroupNorm(Module):
    """Each sample's channels split into num_groups groups of consecutive channels, each group normalised over its
    channels and positions; per-channel γ and β (affine). Takes (N, C, *)."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, *, bias=True):
        super().__init__()
        num_groups = int_at_least("GroupNorm", "num_groups", num_groups, 1)
        num_channels = int_at_least("GroupNorm", "num_channels", num_channels, 1)
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        _check_settings("GroupNorm", eps)
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        self.register_parameter("weight", Parameter(ones(num_channels)) if affine else None)
        self.register_parameter("bias", Parameter(zeros(num_channels)) if affine and bias else None)

    def forward(self, x):
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")
