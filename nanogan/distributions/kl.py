"""kl_divergence(p, q) = E_p[log p(x) - log q(x)], batched, and register_kl, as torch.distributions.kl: each pair of
families has its closed form, found by the types of p and q (the most specific registered pair, as torch's)."""
import math

from .. import ops
from ..nn.functional import softplus
from .bernoulli import Bernoulli
from .categorical import Categorical, OneHotCategorical
from .distribution import sum_rightmost
from .independent import Independent
from .multivariate_normal import MultivariateNormal, mahalanobis
from .linalg import solve_lower_triangular
from .normal import Normal
from .uniform import Uniform

_KL_REGISTRY = {}


def register_kl(type_p, type_q):
    """Decorator: @register_kl(Normal, Normal) def kl(p, q): ... makes kl_divergence of such a pair call it."""
    for family in (type_p, type_q):
        if not isinstance(family, type):
            raise TypeError(f"register_kl: expected distribution classes, got {family!r}")

    def register(fn):
        _KL_REGISTRY[type_p, type_q] = fn
        return fn
    return register


def kl_divergence(p, q):
    """KL(p ‖ q) of each pair of batch members (batch_shape the broadcast of p's and q's), inf where p gives mass
    to what q does not. NotImplementedError for a pair of families with no registered closed form."""
    matches = [(type(p).__mro__.index(tp), type(q).__mro__.index(tq), (tp, tq)) for tp, tq in _KL_REGISTRY
               if isinstance(p, tp) and isinstance(q, tq)]
    if not matches:
        raise NotImplementedError(f"kl_divergence: no closed form registered for {type(p).__name__} and "
                                  f"{type(q).__name__} (register_kl adds one)")
    return _KL_REGISTRY[min(matches)[2]](p, q)


def _infinite_where(x, condition):
    return ops.elementwise.where(condition, math.inf, x)


def _zero_where(x, condition):
    return ops.elementwise.where(condition, 0.0, x)


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    """(σp²/σq² + (μp - μq)²/σq² - 1 - log(σp²/σq²)) / 2."""
    variance_ratio = (p.scale / q.scale).square()
    return 0.5 * (variance_ratio + ((p.loc - q.loc) / q.scale).square() - 1 - variance_ratio.log())


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    """log((q.high - q.low)/(p.high - p.low)) where p's interval lies in q's, inf elsewhere."""
    result = ((q.high - q.low) / (p.high - p.low)).log()
    return _infinite_where(result, (q.low > p.low) | (q.high < p.high))


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    """p log(p/q) + (1 - p) log((1 - p)/(1 - q)) from the logits (log p = -softplus(-logits)), its terms 0 where p's
    probability is 0 and inf where only q's is (torch's)."""
    ones = p.probs * (softplus(-q.logits) - softplus(-p.logits))
    ones = _zero_where(_infinite_where(ones, q.probs == 0), p.probs == 0)
    zeros = (1 - p.probs) * (softplus(q.logits) - softplus(p.logits))
    zeros = _zero_where(_infinite_where(zeros, q.probs == 1), p.probs == 1)
    return ones + zeros


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    """Σ_k p_k (log p_k - log q_k), a term 0 where p_k = 0 and inf where only q_k is."""
    terms = p.probs * (p.logits - q.logits)
    terms = _infinite_where(terms, (q.probs == 0).expand(*terms.shape))
    return _zero_where(terms, (p.probs == 0).expand(*terms.shape)).sum(-1)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehotcategorical_onehotcategorical(p, q):
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_multivariatenormal_multivariatenormal(p, q):
    """(tr(Σq⁻¹Σp) + (μq - μp)ᵀΣq⁻¹(μq - μp) - d)/2 + log √det Σq - log √det Σp, with tr(Σq⁻¹Σp) = ‖Lq⁻¹Lp‖²_F."""
    if p.event_shape != q.event_shape:
        raise ValueError(f"kl_divergence: MultivariateNormals of different event shapes {p.event_shape} and "
                         f"{q.event_shape}")
    q_scale = q._unbroadcasted_scale_tril
    trace = solve_lower_triangular(q_scale, p._unbroadcasted_scale_tril).square().sum((-2, -1))
    distance = mahalanobis(q_scale, q.loc - p.loc)
    return q.half_log_det() - p.half_log_det() + 0.5 * (trace + distance - p.event_shape[0])


@register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    """The bases' KL summed over the reinterpreted dimensions (which must be as many in both)."""
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError(f"kl_divergence: Independents of different reinterpreted_batch_ndims "
                                  f"{p.reinterpreted_batch_ndims} and {q.reinterpreted_batch_ndims}")
    return sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)
