"""Two-dimensional toy distributions for GAN experiments.

Every dataset is a callable `sample(n, rng) -> (n, 2) float32 array`, with `rng` taken as numpy's own APIs take it
(`np.random.default_rng(rng)`): a `numpy.random.Generator`, whose state advances, an int seed, or None for fresh
entropy; the same generator state or seed gives the same samples.  `TOY_DATASETS` maps names to them and
`get_toy(name)` looks one up.

The Gaussian mixtures come in the two scalings found in the literature:

* PacGAN (Lin et al. 2018), whose mode-coverage protocol `nanogan.metrics.modes` implements:
  `ring8_pacgan`, 8 modes evenly spaced on the circle of radius 1, std 0.01;
  `grid25_pacgan`, 25 modes at {-4, -2, 0, 2, 4}^2, std 0.05.
* The WGAN-GP reference code (Gulrajani et al. 2017):
  `ring8_wgangp`, modes at radius 2 on the axes and diagonals with std 0.02, everything then divided by 1.414;
  `grid25_wgangp`, modes at {-4, -2, 0, 2, 4}^2 with std 0.05, everything then divided by 2.828.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable, Union

import numpy as np

from ..arguments import int_at_least

RandomSource = Union[np.random.Generator, int, None]
ToySampler = Callable[[int, RandomSource], np.ndarray]


@dataclass(frozen=True, eq=False)
class GaussianMixture2D:
    """Equal-weight mixture of isotropic Gaussians N(centers[k], stds[k]^2 I); a scalar std is shared by all."""
    centers: np.ndarray  # (k, 2)
    stds: np.ndarray  # (k,)

    def __post_init__(self):
        """Refuse what would sample wrongly or fail only when sampled: no components, NaN centres, stds <= 0."""
        centers = np.asarray(self.centers, dtype=np.float64)
        if centers.ndim != 2 or centers.shape[1] != 2 or len(centers) == 0:
            raise ValueError(f"GaussianMixture2D: centers must have shape (k, 2) with k >= 1, got {centers.shape}")
        if not np.isfinite(centers).all():
            raise ValueError(f"GaussianMixture2D: centers must be finite, got NaN or inf in rows "
                             f"{np.flatnonzero(~np.isfinite(centers).all(axis=1)).tolist()}")
        stds = np.asarray(self.stds, dtype=np.float64)
        if stds.shape not in ((), (len(centers),)):
            raise ValueError(f"GaussianMixture2D: stds must be a scalar or one per centre, shape ({len(centers)},), "
                             f"got shape {stds.shape}")
        if not (np.isfinite(stds) & (stds > 0)).all():
            raise ValueError(f"GaussianMixture2D: stds must be finite and > 0, got {stds.tolist()}")
        object.__setattr__(self, "centers", centers)
        object.__setattr__(self, "stds", np.broadcast_to(stds, len(centers)))

    def __call__(self, n: int, rng: RandomSource) -> np.ndarray:
        n, rng = _sample_size_and_rng("GaussianMixture2D", n, rng)
        component = rng.integers(len(self.centers), size=n)
        noise = rng.standard_normal((n, 2)) * self.stds[component, None]
        return (self.centers[component] + noise).astype(np.float32)


def _ring_centers(count: int, radius: float) -> np.ndarray:
    """`count` points evenly spaced on a circle, the first on the positive x axis."""
    angles = 2.0 * np.pi * np.arange(count) / count
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def _grid_centers(coordinates) -> np.ndarray:
    """The Cartesian grid coordinates x coordinates, as (len^2, 2) points."""
    xs, ys = np.meshgrid(coordinates, coordinates, indexing="ij")
    return np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float64)


GRID_COORDINATES = (-4.0, -2.0, 0.0, 2.0, 4.0)
WGANGP_RING_SCALE = 1.414  # the reference code divides by these rounded constants, not by sqrt(2) and 2*sqrt(2)
WGANGP_GRID_SCALE = 2.828

RING8_PACGAN = GaussianMixture2D(_ring_centers(8, 1.0), 0.01)
GRID25_PACGAN = GaussianMixture2D(_grid_centers(GRID_COORDINATES), 0.05)
RING8_WGANGP = GaussianMixture2D(_ring_centers(8, 2.0) / WGANGP_RING_SCALE, 0.02 / WGANGP_RING_SCALE)
GRID25_WGANGP = GaussianMixture2D(_grid_centers(GRID_COORDINATES) / WGANGP_GRID_SCALE, 0.05 / WGANGP_GRID_SCALE)

# Three unequally spread components, so a generator must get both the locations and the spreads right.
GAUSSIAN_MIXTURE = GaussianMixture2D(np.array([[-1.0, -0.5], [1.0, -0.5], [0.0, 1.0]]), np.array([0.15, 0.3, 0.5]))

# "Random" blobs: centers and spreads drawn once from a fixed seed, so the distribution is the same on every call.
RANDOM_BLOBS_SEED = 2024
RANDOM_BLOBS_COUNT = 6
_blob_layout = np.random.default_rng(RANDOM_BLOBS_SEED)
RANDOM_BLOBS = GaussianMixture2D(_blob_layout.uniform(-2.0, 2.0, size=(RANDOM_BLOBS_COUNT, 2)),
                                 _blob_layout.uniform(0.05, 0.25, size=RANDOM_BLOBS_COUNT))
del _blob_layout


def _sample_size_and_rng(sampler, n, rng):
    """(n, Generator) for a sampler's call: n an int >= 0 (numpy's error for 2.5 names no sampler), rng taken as
    np.random.default_rng takes it: a Generator (used as is), an int seed or None."""
    return int_at_least(sampler, "n", n, 0), np.random.default_rng(rng)


def _any_rng(sample):
    """`sample(n, rng)` taking rng as np.random.default_rng does, and n checked."""
    @functools.wraps(sample)
    def sample_from(n: int, rng: RandomSource) -> np.ndarray:
        return sample(*_sample_size_and_rng(sample.__name__, n, rng))
    return sample_from


def _with_noise(points: np.ndarray, rng: np.random.Generator, std: float) -> np.ndarray:
    return (points + rng.standard_normal(points.shape) * std).astype(np.float32)


@_any_rng
def parabolas(n: int, rng: np.random.Generator) -> np.ndarray:
    """Two facing parabolas y = +-(x^2 + 0.25), x ~ U[-1, 1], with noise std 0.02."""
    x = rng.uniform(-1.0, 1.0, n)
    sign = rng.choice([-1.0, 1.0], size=n)
    return _with_noise(np.stack([x, sign * (x ** 2 + 0.25)], axis=1), rng, 0.02)


@_any_rng
def circle(n: int, rng: np.random.Generator) -> np.ndarray:
    """The unit circle with uniform angle, noise std 0.02."""
    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    return _with_noise(np.stack([np.cos(angle), np.sin(angle)], axis=1), rng, 0.02)


@_any_rng
def concentric_circles(n: int, rng: np.random.Generator) -> np.ndarray:
    """Circles of radius 1 and 0.5, each point on either with probability 1/2, noise std 0.02."""
    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    radius = rng.choice([0.5, 1.0], size=n)
    return _with_noise(radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1), rng, 0.02)


@_any_rng
def moons(n: int, rng: np.random.Generator) -> np.ndarray:
    """Two interleaved half circles of radius 1: the upper one centred at (0, 0), the lower one at (1, 0.5);
    noise std 0.05."""
    angle = rng.uniform(0.0, np.pi, n)
    upper = rng.random(n) < 0.5
    x = np.where(upper, np.cos(angle), 1.0 - np.cos(angle))
    y = np.where(upper, np.sin(angle), 0.5 - np.sin(angle))
    return _with_noise(np.stack([x, y], axis=1), rng, 0.05)


@_any_rng
def spiral(n: int, rng: np.random.Generator) -> np.ndarray:
    """Two interleaved arms r = theta / (3 pi), theta in [0, 3 pi], the second arm rotated by pi; noise std 0.02.

    sqrt of a uniform variable for theta spreads the points evenly along the arm length."""
    theta = 3.0 * np.pi * np.sqrt(rng.random(n))
    arm_offset = np.pi * rng.integers(2, size=n)
    radius = theta / (3.0 * np.pi)
    points = radius[:, None] * np.stack([np.cos(theta + arm_offset), np.sin(theta + arm_offset)], axis=1)
    return _with_noise(points, rng, 0.02)


@_any_rng
def swiss_roll(n: int, rng: np.random.Generator) -> np.ndarray:
    """The swiss roll seen from its axis: t ~ 1.5 pi (1 + 2 U[0, 1]), point t (cos t, sin t) / 5, noise std 0.05."""
    t = 1.5 * np.pi * (1.0 + 2.0 * rng.random(n))
    return _with_noise(t[:, None] * np.stack([np.cos(t), np.sin(t)], axis=1) / 5.0, rng, 0.05)


@_any_rng
def s_curve(n: int, rng: np.random.Generator) -> np.ndarray:
    """The S curve projected on its curved plane: t ~ 3 pi (U[0, 1] - 1/2), point (sin t, sign(t)(cos t - 1)),
    noise std 0.05."""
    t = 3.0 * np.pi * (rng.random(n) - 0.5)
    return _with_noise(np.stack([np.sin(t), np.sign(t) * (np.cos(t) - 1.0)], axis=1), rng, 0.05)


TOY_DATASETS: dict[str, ToySampler] = {
    "ring8_pacgan": RING8_PACGAN,
    "grid25_pacgan": GRID25_PACGAN,
    "ring8_wgangp": RING8_WGANGP,
    "grid25_wgangp": GRID25_WGANGP,
    "gaussian_mixture": GAUSSIAN_MIXTURE,
    "random_blobs": RANDOM_BLOBS,
    "parabolas": parabolas,
    "circle": circle,
    "concentric_circles": concentric_circles,
    "moons": moons,
    "spiral": spiral,
    "swiss_roll": swiss_roll,
    "s_curve": s_curve,
}


def get_toy(name: str) -> ToySampler:
    """The sampler registered as `name` in TOY_DATASETS."""
    try:
        return TOY_DATASETS[name]
    except KeyError:
        raise KeyError(f"unknown toy dataset {name!r}; valid names: {', '.join(sorted(TOY_DATASETS))}") from None
