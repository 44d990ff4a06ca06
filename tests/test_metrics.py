"""Tests of nanogan.metrics against worked numbers and brute force."""
import itertools
import re
import time

import numpy as np
import pytest

from nanogan.data import get_toy
from nanogan.data.toy2d import RING8_PACGAN
from nanogan.metrics import ModeCoverage, mode_coverage, wasserstein1


def lecture_samples(n, rng):
    """p = 1/4 U[1,2] + 1/4 U[3,4] + 1/2 U[9,10] and q = U[5,7], whose W1 is 3.

    The optimal (quantile) coupling sends p's lower half [1,2]u[3,4] (mean 2.5) onto [5,6] (mean 5.5), every point
    moving right, and its upper half [9,10] (mean 9.5) onto [6,7] (mean 6.5), every point moving left; so each
    half moves by the difference of its means, 3, and W1 = 3."""
    component = rng.choice(3, size=n, p=[0.25, 0.25, 0.5])
    p = np.array([1.0, 3.0, 9.0])[component] + rng.random(n)
    q = 5.0 + 2.0 * rng.random(n)
    return p, q


# --- Wasserstein-1 ---------------------------------------------------------------------------------------------

def test_lecture_example_w1_is_3():
    p, q = lecture_samples(4000, np.random.default_rng(0))
    start = time.perf_counter()
    distance = wasserstein1(p, q)
    assert time.perf_counter() - start < 1.0
    assert abs(distance - 3.0) < 0.05


def test_assignment_equals_sorted_formula_in_1d():
    """The 4000-point assignment takes ~20 s on 1D data with many near-ties, so both paths are compared at n=400."""
    p, q = lecture_samples(400, np.random.default_rng(1))
    sorted_distance = wasserstein1(p, q)
    assert sorted_distance == pytest.approx(wasserstein1(p, q, method="assignment"), rel=1e-12)
    assert abs(sorted_distance - 3.0) < 0.15


def test_assignment_matches_brute_force_in_2d():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(6, 2)), rng.normal(size=(6, 2)) + 0.5
    brute = min(np.mean(np.linalg.norm(x - y[list(order)], axis=1)) for order in itertools.permutations(range(6)))
    assert wasserstein1(x, y) == pytest.approx(brute, rel=1e-12)


def test_worked_values():
    assert wasserstein1([0.0, 1.0], [3.0, 1.0]) == pytest.approx(1.5)
    assert wasserstein1([[0, 0], [1, 0]], [[1, 1], [0, 1]]) == pytest.approx(1.0)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(300, 2))
    shift = np.array([0.3, -0.4])  # W1 >= |E x - E y| = |shift| by Jensen, and the identity coupling attains it
    assert wasserstein1(x, rng.permutation(x + shift)) == pytest.approx(0.5, rel=1e-9)
    assert wasserstein1(x, rng.permutation(x)) == pytest.approx(0.0, abs=1e-12)


def test_wasserstein_bad_input():
    with pytest.raises(ValueError, match="equal sample sizes"):
        wasserstein1(np.zeros(5), np.zeros(6))
    with pytest.raises(ValueError, match="same dimension"):
        wasserstein1(np.zeros((5, 2)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="method"):
        wasserstein1(np.zeros(5), np.zeros(5), method="sinkhorn")


# --- mode coverage ---------------------------------------------------------------------------------------------

def test_seven_of_eight_modes_plus_junk():
    modes = RING8_PACGAN.centers
    on_modes = np.repeat(modes[:7], 2, axis=0)  # 14 samples exactly on modes 0..6
    # Junk, every point more than 3 std = 0.03 from its nearest mode; the first sits 0.05 off the missing mode 7.
    junk = np.array([1.05 * modes[7], [0.0, 0.0], [2.0, 2.0], [-3.0, 1.0], [0.0, 0.9], [0.6, 0.6]])
    result = mode_coverage(np.concatenate([on_modes, junk]), "ring8_pacgan")
    assert result == ModeCoverage(modes_captured=7, n_modes=8, high_quality_fraction=0.7)


def test_three_std_boundary():
    inside = RING8_PACGAN.centers[0] + [0.0, 0.0299]  # std 0.01: the threshold is 0.03
    outside = RING8_PACGAN.centers[1] + [0.0, 0.0301]
    result = mode_coverage(np.stack([inside, outside]), RING8_PACGAN)
    assert (result.modes_captured, result.high_quality_fraction) == (1, 0.5)


@pytest.mark.parametrize("name, n_modes", [("ring8_pacgan", 8), ("grid25_pacgan", 25), ("ring8_wgangp", 8),
                                           ("grid25_wgangp", 25)])
def test_true_distribution_scores_full_coverage(name, n_modes):
    samples = get_toy(name)(2500, np.random.default_rng(4))
    result = mode_coverage(samples, name)
    # For a 2D isotropic Gaussian P(|z| <= 3 std) = 1 - exp(-9/2) = 0.98889; 2500 samples give a std error of 0.002.
    assert result.modes_captured == result.n_modes == n_modes
    assert abs(result.high_quality_fraction - (1 - np.exp(-4.5))) < 0.01


def test_collapse_and_wrong_scale():
    collapsed = np.full((2500, 2), 2.0)
    assert mode_coverage(collapsed, "grid25_pacgan") == ModeCoverage(1, 25, 1.0)
    # The WGAN-GP grid is the PacGAN one shrunk by 2.828: only the centre mode (0, 0) lines up.
    shrunk = get_toy("grid25_wgangp")(2500, np.random.default_rng(5))
    assert mode_coverage(shrunk, "grid25_pacgan").modes_captured == 1


def test_mode_coverage_bad_input():
    with pytest.raises(ValueError, match="not a Gaussian mixture"):
        mode_coverage(np.zeros((3, 2)), "moons")
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        mode_coverage(np.zeros((3, 3)))


@pytest.mark.parametrize("x, y, shown", [
    ([0.0, np.nan, 1.0], [0.0, 1.0, 2.0], "x holds NaN or inf (1 of its 3 values)"),  # 1-D returned nan
    (np.zeros((2, 2)), [[0.0, np.nan], [np.inf, 1.0]], "y holds NaN or inf (2 of its 4 values)"),  # 2-D: scipy error
])
def test_wasserstein_refuses_non_finite_samples_naming_the_input(x, y, shown):
    with pytest.raises(ValueError, match=re.escape(f"wasserstein1: {shown}; generated samples turn NaN when the "
                                                   "generator diverged")):
        wasserstein1(x, y)


@pytest.mark.parametrize("n_std", [-1.0, 0, float("nan"), float("inf"), True, "3"])
def test_mode_coverage_refuses_a_threshold_that_is_not_a_positive_number(n_std):
    """A negative or NaN n_std reported 0 modes captured, as if the generator had collapsed."""
    on_mode = RING8_PACGAN.centers[:1]
    with pytest.raises(ValueError, match=re.escape(f"mode_coverage: n_std must be a finite number > 0, got {n_std!r}")):
        mode_coverage(on_mode, RING8_PACGAN, n_std=n_std)
    assert mode_coverage(on_mode, RING8_PACGAN, n_std=np.float32(0.5)).modes_captured == 1
