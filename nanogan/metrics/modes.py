"""Mode coverage of samples from a 2D Gaussian mixture, following the PacGAN protocol (Lin et al. 2018).

A sample is high quality when it lies within `n_std` (3) standard deviations of the mode nearest to it; a mode is
captured when at least one high-quality sample has it as its nearest mode.  PacGAN evaluates 2,500 samples on the
ring of 8 modes (radius 1, std 0.01) and the 5 x 5 grid {-4, -2, 0, 2, 4}^2 (std 0.05).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.distance import cdist

from nanogan.arguments import is_finite, require
from nanogan.data.toy2d import TOY_DATASETS, GaussianMixture2D

HIGH_QUALITY_STDS = 3.0


@dataclass(frozen=True)
class ModeCoverage:
    modes_captured: int
    n_modes: int
    high_quality_fraction: float


def mode_coverage(samples, mixture: GaussianMixture2D | str = "ring8_pacgan",
                  n_std: float = HIGH_QUALITY_STDS) -> ModeCoverage:
    """Modes captured and the fraction of high-quality samples, for `samples` of shape (n, 2).

    `mixture` is a GaussianMixture2D or the name of one in TOY_DATASETS (ring8_pacgan, grid25_pacgan, ring8_wgangp,
    grid25_wgangp, ...); a sample's distance threshold is n_std times the std of its nearest mode.
    """
    if isinstance(mixture, str):
        registered = TOY_DATASETS.get(mixture)
        if not isinstance(registered, GaussianMixture2D):
            mixtures = sorted(name for name, data in TOY_DATASETS.items() if isinstance(data, GaussianMixture2D))
            raise ValueError(f"mode_coverage: {mixture!r} is not a Gaussian mixture; valid names: {mixtures}")
        mixture = registered
    # n_std <= 0 or NaN admits no sample off the exact centres, which reads as a generator that captured no mode.
    require("mode_coverage", "n_std", n_std, lambda v: is_finite(v) and v > 0, "a finite number > 0")
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim != 2 or samples.shape[1] != 2 or len(samples) == 0:
        raise ValueError(f"mode_coverage: samples must have shape (n, 2) with n > 0, got {samples.shape}")
    distances = cdist(samples, mixture.centers)
    nearest = distances.argmin(axis=1)
    high_quality = distances[np.arange(len(samples)), nearest] <= n_std * mixture.stds[nearest]
    captured = np.unique(nearest[high_quality])
    return ModeCoverage(modes_captured=len(captured), n_modes=len(mixture.centers),
                        high_quality_fraction=float(high_quality.mean()))
