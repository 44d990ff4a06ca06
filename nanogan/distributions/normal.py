from . import constraints
from .distribution import Distribution, broadcast_all, draws, LOG_SQRT_2PI


class Normal(Distribution):
    """N(loc, scale²) elementwise (event_shape ()), as torch.distributions.Normal:
        log p(x) = -(x - loc)²/(2 scale²) - log scale - log √(2π),   entropy = 1/2 + log √(2π) + log scale,
        mean = loc, variance = scale²;
    rsample = loc + scale·ε, ε ~ N(0, 1) from the global generator: d/dloc = 1, d/dscale = ε."""
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all("Normal", loc=loc, scale=scale)
        super().__init__(self.loc.shape, validate_args=validate_args)

    @property
    def mean(self):
        return self.loc

    @property
    def stddev(self):
        return self.scale

    @property
    def variance(self):
        return self.scale.square()

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        return self.loc + self.scale * draws("Normal.rsample", self.loc, shape, lambda rng, s: rng.standard_normal(s))

    def log_prob(self, value):
        value = self._validated(value)
        return -(value - self.loc).square() / (2 * self.variance) - self.scale.log() - LOG_SQRT_2PI

    def entropy(self):
        return 0.5 + LOG_SQRT_2PI + self.scale.log()
