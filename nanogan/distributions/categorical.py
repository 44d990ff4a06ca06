import math

import numpy as np

from .. import ops
from ..nn.functional import one_hot
from ..tensor import finfo, full, int64, multinomial, zeros
from . import constraints
from .bernoulli import one_parameter
from .distribution import Distribution, broadcast_all, lazy_property


class Categorical(Distribution):
    """Category k ∈ {0, …, K-1} with probability p_k, over the last dimension of probs (non-negative weights,
    normalised to sum to 1) or logits (log-weights, normalised to logits - logsumexp(logits)), as
    torch.distributions.Categorical: batch_shape is the parameter's shape without its last dimension, event_shape ().
        log p(k) = logits_k (normalised),   entropy = -Σ_k p_k·logits_k,   mean and variance NaN (as torch's).
    The one of probs and logits not given is computed from the other (softmax, or log of p clamped to
    [eps, 1 - eps]). sample() has no gradient (no rsample)."""
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, probs=None, logits=None, validate_args=None):
        given = one_parameter(type(self).__name__, probs, logits)
        name = "probs" if probs is not None else "logits"
        (given,) = broadcast_all(type(self).__name__, **{name: given})
        if given.ndim < 1:
            raise ValueError(f"{type(self).__name__}: {name} must have at least one dimension (the categories), got "
                             f"shape {given.shape}")
        self.__dict__[name] = (given / given.sum(-1, keepdim=True) if probs is not None
                               else given - given.logsumexp(-1, keepdim=True))
        self._num_events = given.shape[-1]
        super().__init__(given.shape[:-1], validate_args=validate_args)

    @lazy_property
    def probs(self):
        return ops.activation.softmax(self.logits, -1)

    @lazy_property
    def logits(self):
        eps = finfo(self.probs.dtype).eps
        return self.probs.clamp(eps, 1 - eps).log()

    @property
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def mean(self):
        return full(self._extended_shape(), math.nan, dtype=self.probs.dtype, device=self.probs.device)

    @property
    def variance(self):
        return self.mean

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        draws_per_row = math.prod(shape[:len(shape) - len(self._batch_shape)])
        rows = self.probs.detach().reshape(-1, self._num_events)
        if draws_per_row == 0:
            return zeros(shape, dtype=int64, device=rows.device)
        return multinomial(rows, draws_per_row, replacement=True).T.reshape(*shape)

    def log_prob(self, value):
        value = self._validated(value).long().unsqueeze(-1)
        shape = np.broadcast_shapes(value.shape, self.logits.shape)
        value, log_pmf = value.expand(*shape[:-1], 1), self.logits.expand(*shape)
        return log_pmf.gather(-1, value).squeeze(-1)

    def entropy(self):
        logits = self.logits.clamp(min=finfo(self.logits.dtype).min)  # -inf logits of categories of p 0 give 0, not NaN
        return -(logits * self.probs).sum(-1)


class OneHotCategorical(Distribution):
    """Categorical with each draw the one-hot vector of its category (event_shape (K,)), as
    torch.distributions.OneHotCategorical: log p(x) = Categorical's log p(argmax x), the same entropy,
    mean = p, variance = p(1 - p)."""
    arg_constraints = Categorical.arg_constraints
    support = constraints.one_hot

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._categorical = Categorical(probs, logits, validate_args)
        super().__init__(self._categorical.batch_shape, (self._categorical._num_events,), validate_args=False)
        self._validate_args = self._categorical._validate_args  # the parameters were checked by the Categorical

    @property
    def probs(self):
        return self._categorical.probs

    @property
    def logits(self):
        return self._categorical.logits

    @property
    def mean(self):
        return self.probs

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        categories = self._categorical.sample(sample_shape)
        return one_hot(categories, self._event_shape[0]).to(self.probs.dtype)

    def log_prob(self, value):
        return self._categorical.log_prob(self._validated(value).argmax(-1))

    def entropy(self):
        return self._categorical.entropy()

    def __repr__(self):
        return f"OneHot{self._categorical!r}"
