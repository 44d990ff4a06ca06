"""The Fréchet distance between two sets of feature vectors, each summarised by a Gaussian: the distance of FID
(Heusel, Ramsauer, Unterthiner, Nessler & Hochreiter 2017, "GANs Trained by a Two Time-Scale Update Rule
Converge to a Local Nash Equilibrium"), there on Inception-v3 features, here on any features.

    d²(N(μ₁, Σ₁), N(μ₂, Σ₂)) = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁Σ₂)^½)

It is the squared 2-Wasserstein distance between the two Gaussians (Dowson & Landau 1982). It is biased upward
for small sets (the sample covariances' noise adds to the trace), so compare numbers made from sets of one size.
"""
import numpy as np


def gaussian_statistics(features):
    """(μ, Σ) of `features` (n, d): the mean and the unbiased covariance, in float64."""
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(f"gaussian_statistics: features must have shape (n, d) with n >= 2, got {features.shape}")
    return features.mean(axis=0), np.cov(features, rowvar=False).reshape(features.shape[1], features.shape[1])


def _symmetric_square_root(matrix):
    """M^½ of a symmetric positive semi-definite M, by its eigendecomposition; eigenvalues that rounding made
    slightly negative count as 0."""
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def frechet_distance(statistics_a, statistics_b):
    """d² between two Gaussians given as (μ, Σ) pairs (gaussian_statistics). Σ₁Σ₂ is not symmetric, but it is
    similar to Σ₁^½ Σ₂ Σ₁^½, which is: Tr (Σ₁Σ₂)^½ = Tr (Σ₁^½ Σ₂ Σ₁^½)^½, two symmetric square roots, exact
    also where features of zero variance (dead ReLU units) make the covariances singular."""
    (mean_a, cov_a), (mean_b, cov_b) = statistics_a, statistics_b
    if mean_a.shape != mean_b.shape or cov_a.shape != cov_b.shape:
        raise ValueError(f"frechet_distance: statistics of {mean_a.shape[0]} and {mean_b.shape[0]} features")
    root_a = _symmetric_square_root(cov_a)
    cross_trace = np.trace(_symmetric_square_root(root_a @ cov_b @ root_a))
    difference = mean_a - mean_b
    return float(difference @ difference + np.trace(cov_a) + np.trace(cov_b) - 2.0 * cross_trace)
