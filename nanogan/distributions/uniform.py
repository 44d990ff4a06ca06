import math

from .. import ops
from . import constraints
from .distribution import Distribution, broadcast_all, draws


class Uniform(Distribution):
    """The uniform distribution on [low, high) elementwise (event_shape ()), as torch.distributions.Uniform:
        log p(x) = -log(high - low) on [low, high), -inf elsewhere (whose gradient is still that of
        -log(high - low), as torch's), entropy = log(high - low), mean = (low + high)/2, variance = (high - low)²/12;
    rsample = low + (high - low)·u, u ~ U[0, 1) from the global generator: d/dlow = 1 - u, d/dhigh = u."""
    has_rsample = True

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = broadcast_all("Uniform", low=low, high=high)
        super().__init__(self.low.shape, validate_args=validate_args)

    @property
    def arg_constraints(self):
        return {"low": constraints.less_than(self.high, "high"), "high": constraints.greater_than(self.low, "low")}

    @property
    def support(self):
        return constraints.interval(self.low, self.high, "[low, high]")

    @property
    def mean(self):
        return (self.high + self.low) / 2

    @property
    def stddev(self):
        return (self.high - self.low) / math.sqrt(12)

    @property
    def variance(self):
        return (self.high - self.low).square() / 12

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        u = draws("Uniform.rsample", self.low, shape, lambda rng, s: rng.random(s))
        return self.low + u * (self.high - self.low)

    def log_prob(self, value):
        value = self._validated(value)
        log_indicator = ops.elementwise.where((self.low <= value) & (self.high > value), 0.0, -math.inf)
        return log_indicator.to(self.low.dtype) - (self.high - self.low).log()

    def entropy(self):
        return (self.high - self.low).log()
