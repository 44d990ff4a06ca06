"""Exact Wasserstein-1 distance between two empirical distributions of equal size."""
from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist


def _as_points(samples, argument: str) -> np.ndarray:
    points = np.asarray(samples, dtype=np.float64)
    if points.ndim == 1:
        points = points[:, None]
    if points.ndim != 2:
        raise ValueError(f"wasserstein1: {argument} must be of shape (n,) or (n, d), got {points.shape}")
    non_finite = np.count_nonzero(~np.isfinite(points))
    if non_finite:  # otherwise NaN in 1-D, and a scipy error about the cost matrix in 2-D
        raise ValueError(f"wasserstein1: {argument} holds NaN or inf ({non_finite} of its {points.size} values); "
                         "generated samples turn NaN when the generator diverged")
    return points


def wasserstein1(x, y, method: str = "auto") -> float:
    """W1 between the uniform empirical distributions on the n points of x and the n points of y.

        W1 = min over permutations s of (1/n) sum_i ||x_i - y_s(i)||_2

    With equal weights an optimal transport plan is a permutation (Birkhoff), so the minimum is exact, not an
    approximation.  method="assignment" solves it with the Hungarian-type solver on the n x n Euclidean cost matrix
    (O(n^3) time, O(n^2) memory: n = 4000 takes seconds).  For 1-dimensional data the sorted matching is optimal,
    W1 = (1/n) sum_i |x_(i) - y_(i)|, which method="auto" uses (O(n log n)); otherwise "auto" is "assignment".
    """
    if method not in ("auto", "assignment"):
        raise ValueError(f"wasserstein1: method must be 'auto' or 'assignment', got {method!r}")
    x, y = _as_points(x, "x"), _as_points(y, "y")
    if len(x) != len(y):
        raise ValueError(f"wasserstein1: needs equal sample sizes, got x {x.shape} and y {y.shape}")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"wasserstein1: x and y must have the same dimension, got x {x.shape} and y {y.shape}")
    if len(x) == 0:
        raise ValueError("wasserstein1: empty samples")
    if method == "auto" and x.shape[1] == 1:
        return float(np.mean(np.abs(np.sort(x[:, 0]) - np.sort(y[:, 0]))))
    cost = cdist(x, y)
    rows, columns = linear_sum_assignment(cost)
    return float(cost[rows, columns].mean())
