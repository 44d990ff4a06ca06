"""ng.distributions: the part of torch.distributions that GAN and VAE code uses, with torch's names, shapes and
formulas: Normal, Uniform, Bernoulli, Categorical, OneHotCategorical, Independent, MultivariateNormal, and
kl_divergence / register_kl. Draws come from nanogan's global generator (ng.manual_seed), so they are
reproducible but not torch's numbers; rsample's are reparameterised (gradients reach the parameters), sample's are
outside the graph."""
from . import constraints
from .bernoulli import Bernoulli
from .categorical import Categorical, OneHotCategorical
from .distribution import Distribution
from .independent import Independent
from .kl import kl_divergence, register_kl
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .uniform import Uniform

__all__ = ["Distribution", "Normal", "Uniform", "Bernoulli", "Categorical", "OneHotCategorical", "Independent",
           "MultivariateNormal", "kl_divergence", "register_kl", "constraints"]
