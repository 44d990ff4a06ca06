import math

import numpy as np

from ..ops.indexing import diagonal
from ..ops.shape import flip
from ..tensor import eye
from . import constraints
from .distribution import Distribution, draws, floating_tensor, lazy_property, LOG_SQRT_2PI
from .linalg import cholesky, solve_lower_triangular


class MultivariateNormal(Distribution):
    """N(loc, Σ) over the last dimension of loc (event_shape (d,)), Σ given as covariance_matrix, precision_matrix
    (Σ⁻¹) or scale_tril (L, lower triangular with a positive diagonal, Σ = L Lᵀ), exactly one, as
    torch.distributions.MultivariateNormal. With z = L⁻¹(x - loc):
        log p(x) = -(d log(2π) + |z|²)/2 - Σ_i log L_ii,   entropy = d(1 + log(2π))/2 + Σ_i log L_ii,
        mean = loc, variance = diag(Σ) = Σ_j L_ij²;
    rsample = loc + L ε, ε ~ N(0, I) from the global generator (d/dloc = I, d/dL = g εᵀ).
    L comes from covariance_matrix by Cholesky factorisation and from precision_matrix as torch's does (the flipped
    factorisation, inverted), both by the loops of linalg.py: d steps of differentiable ops."""
    arg_constraints = {"loc": constraints.real_vector, "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite, "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        given = {name: m for name, m in (("covariance_matrix", covariance_matrix),
                                         ("precision_matrix", precision_matrix), ("scale_tril", scale_tril))
                 if m is not None}
        if len(given) != 1:
            raise ValueError(f"MultivariateNormal: give exactly one of covariance_matrix, precision_matrix and "
                             f"scale_tril, got {len(given) or 'none'}{': ' + ', '.join(given) if given else ''}")
        (name, matrix), = given.items()
        floating_tensor("MultivariateNormal", "loc", loc)
        floating_tensor("MultivariateNormal", name, matrix)
        if loc.ndim < 1 or matrix.ndim < 2 or matrix.shape[-2:] != loc.shape[-1:] * 2:
            raise ValueError(f"MultivariateNormal: loc must be (..., d) and {name} (..., d, d), got shapes "
                             f"{loc.shape} and {matrix.shape}")
        try:
            batch_shape = np.broadcast_shapes(matrix.shape[:-2], loc.shape[:-1])
        except ValueError:
            raise ValueError(f"MultivariateNormal: the batch dimensions of loc {loc.shape} and {name} "
                             f"{matrix.shape} do not broadcast") from None
        self.loc = loc.expand(*batch_shape, -1)
        self.__dict__[name] = matrix.expand(*batch_shape, -1, -1)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = matrix
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = cholesky(matrix)
        else:  # torch's _precision_to_scale_tril: P = Lf Lfᵀ with the rows and columns reversed makes L⁻¹ lower
            inverse_of_scale = flip(cholesky(flip(matrix, (-2, -1))), (-2, -1)).transpose(-2, -1)
            self._unbroadcasted_scale_tril = solve_lower_triangular(inverse_of_scale, _identity_like(matrix))
        super().__init__(batch_shape, loc.shape[-1:], validate_args=validate_args)

    @lazy_property
    def scale_tril(self):
        return self._unbroadcasted_scale_tril.expand(*self._batch_shape, -1, -1)

    @lazy_property
    def covariance_matrix(self):
        scale = self._unbroadcasted_scale_tril
        return (scale @ scale.transpose(-2, -1)).expand(*self._batch_shape, -1, -1)

    @lazy_property
    def precision_matrix(self):
        inverse = solve_lower_triangular(self._unbroadcasted_scale_tril,
                                         _identity_like(self._unbroadcasted_scale_tril))
        return (inverse.transpose(-2, -1) @ inverse).expand(*self._batch_shape, -1, -1)

    @property
    def mean(self):
        return self.loc

    @property
    def variance(self):
        return self._unbroadcasted_scale_tril.square().sum(-1).expand(*self._batch_shape, *self._event_shape)

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        noise = draws("MultivariateNormal.rsample", self.loc, shape, lambda rng, s: rng.standard_normal(s))
        return self.loc + (self._unbroadcasted_scale_tril @ noise.unsqueeze(-1)).squeeze(-1)

    def log_prob(self, value):
        difference = self._validated(value) - self.loc
        squared_distance = mahalanobis(self._unbroadcasted_scale_tril, difference)
        return -0.5 * squared_distance - self._event_shape[0] * LOG_SQRT_2PI - self.half_log_det()

    def entropy(self):
        d = self._event_shape[0]
        return (0.5 * d * (1 + math.log(2 * math.pi)) + self.half_log_det()).expand(*self._batch_shape)

    def half_log_det(self):
        """log √det Σ = Σ_i log L_ii."""
        return diagonal(self._unbroadcasted_scale_tril, dim1=-2, dim2=-1).log().sum(-1)


def mahalanobis(scale_tril, difference):
    """|L⁻¹ x|², broadcasting the batch dimensions of L (..., d, d) and x (..., d)."""
    return solve_lower_triangular(scale_tril, difference.unsqueeze(-1)).square().sum((-2, -1))


def _identity_like(matrix):
    return eye(matrix.shape[-1], dtype=matrix.dtype, device=matrix.device)
