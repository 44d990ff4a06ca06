"""The classifier score of generated samples: the Inception Score (Salimans, Goodfellow, Zaremba, Cheung, Radford
& Chen 2016, "Improved Techniques for Training GANs") with any classifier in place of Inception-v3.

    score = exp( E_x KL( p(y|x) ‖ p(y) ) ),   p(y) = E_x p(y|x)

It is high when each sample is confidently one class (p(y|x) peaked) and the classes are used evenly (p(y)
flat): between 1 (every sample the same, or every prediction flat) and the number of classes (each sample certain,
the classes equally often). A generator that drops modes, or draws what the classifier cannot name, scores lower.
"""
import numpy as np


def classifier_score(probabilities):
    """exp(E_x KL(p(y|x) ‖ p(y))) of `probabilities` (n, classes), each row a distribution p(y|x)."""
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or len(p) == 0:
        raise ValueError(f"classifier_score: probabilities must have shape (n, classes) with n >= 1, got {p.shape}")
    if np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-5):
        raise ValueError("classifier_score: each row of probabilities must be a distribution (>= 0, summing to 1)")
    marginal = p.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):  # 0·log 0 = 0: a class a sample surely is not
        terms = np.where(p > 0, p * (np.log(p) - np.log(marginal)), 0.0)
    return float(np.exp(terms.sum(axis=1).mean()))
