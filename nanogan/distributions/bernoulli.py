from .. import ops
from ..nn.functional import binary_cross_entropy_with_logits
from ..tensor import bernoulli, finfo
from . import constraints
from .distribution import Distribution, broadcast_all, lazy_property


def one_parameter(owner, probs, logits):
    """The one of probs and logits given, refused where both or neither are (torch's rule)."""
    if (probs is None) == (logits is None):
        raise ValueError(f"{owner}: give exactly one of probs and logits, got "
                         f"{'both' if probs is not None else 'neither'}")
    return probs if probs is not None else logits


class Bernoulli(Distribution):
    """1 with probability p, 0 otherwise, elementwise (event_shape ()), given p (probs) or log(p/(1-p)) (logits),
    as torch.distributions.Bernoulli; the one not given is computed from the other (probs = sigmoid(logits),
    logits = log p - log(1 - p) with p clamped to [eps, 1 - eps]), so gradients reach the one given:
        log p(x) = x·logits - softplus(logits) (= -binary_cross_entropy_with_logits(logits, x)),
        entropy = binary_cross_entropy_with_logits(logits, probs), mean = p, variance = p(1 - p).
    sample() has no gradient (no rsample)."""
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean

    def __init__(self, probs=None, logits=None, validate_args=None):
        given = one_parameter("Bernoulli", probs, logits)
        (given,) = broadcast_all("Bernoulli", **{"probs" if probs is not None else "logits": given})
        self.__dict__["probs" if probs is not None else "logits"] = given
        super().__init__(given.shape, validate_args=validate_args)

    @lazy_property
    def probs(self):
        return ops.activation.sigmoid(self.logits)

    @lazy_property
    def logits(self):
        eps = finfo(self.probs.dtype).eps
        clamped = self.probs.clamp(eps, 1 - eps)
        return clamped.log() - (-clamped).log1p()

    @property
    def mean(self):
        return self.probs

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        return bernoulli(self.probs.detach().expand(*shape))

    def log_prob(self, value):
        logits, value = broadcast_all("Bernoulli.log_prob", logits=self.logits, value=self._validated(value))
        return -binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self):
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")
