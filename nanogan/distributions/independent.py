from ..arguments import int_at_least
from . import constraints
from .distribution import Distribution, sum_rightmost


class Independent(Distribution):
    """The last `reinterpreted_batch_ndims` batch dimensions of `base_distribution` made event dimensions, as
    torch.distributions.Independent (a diagonal Gaussian's Normal(loc, scale) over a vector, Independent(..., 1)):
    log_prob and entropy are the base's summed over those dimensions; draws, mean and variance are the base's."""
    arg_constraints = {}

    def __init__(self, base_distribution, reinterpreted_batch_ndims, validate_args=None):
        batch = base_distribution.batch_shape
        n = int_at_least("Independent", "reinterpreted_batch_ndims", reinterpreted_batch_ndims, 0)
        if n > len(batch):
            raise ValueError(f"Independent: reinterpreted_batch_ndims must be <= the {len(batch)} dimensions of the "
                             f"base distribution's batch_shape {batch}, got {n}")
        self.base_dist, self.reinterpreted_batch_ndims = base_distribution, n
        kept = len(batch) - n
        super().__init__(batch[:kept], batch[kept:] + base_distribution.event_shape, validate_args=validate_args)

    @property
    def has_rsample(self):
        return self.base_dist.has_rsample

    @property
    def support(self):
        return constraints.independent(self.base_dist.support, self.reinterpreted_batch_ndims)

    @property
    def mean(self):
        return self.base_dist.mean

    @property
    def variance(self):
        return self.base_dist.variance

    def sample(self, sample_shape=()):
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape=()):
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value):
        return sum_rightmost(self.base_dist.log_prob(self._validated(value)), self.reinterpreted_batch_ndims)

    def entropy(self):
        return sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)

    def __repr__(self):
        return f"Independent({self.base_dist!r}, {self.reinterpreted_batch_ndims})"
