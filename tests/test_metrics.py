"""Tests of nanogan.metrics against worked numbers and brute force."""
import itertools
import re
import time

import numpy as np
import pytest

from nanogan.data import get_toy
from nanogan.data.toy2d import RING8_PACGAN
from nanogan.metrics import (ModeCoverage, classifier_score, frechet_distance, gaussian_statistics, mode_coverage,
                             wasserstein1)


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


# --- Fréchet distance ------------------------------------------------------------------------------------------

def test_frechet_distance_of_diagonal_gaussians_is_the_worked_number():
    """N((0, 0), diag(1, 4)) and N((3, 0), diag(4, 9)): ‖μ₁ − μ₂‖² = 9, Tr Σ₁ + Tr Σ₂ = 18, and (Σ₁Σ₂)^½ =
    diag(2, 6), so d² = 9 + 18 − 2·8 = 11."""
    a = (np.zeros(2), np.diag([1.0, 4.0]))
    b = (np.array([3.0, 0.0]), np.diag([4.0, 9.0]))
    assert frechet_distance(a, b) == pytest.approx(11.0, rel=1e-12)
    assert frechet_distance(b, a) == pytest.approx(11.0, rel=1e-12)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-12)


def test_frechet_distance_of_full_covariances_matches_scipys_sqrtm():
    """frechet_distance takes Tr (Σ₁Σ₂)^½ as Tr (Σ₁^½ Σ₂ Σ₁^½)^½, square roots of symmetric matrices; scipy's
    sqrtm of the product itself is another road to the same number."""
    from scipy import linalg
    rng = np.random.default_rng(0)
    factors = rng.standard_normal((2, 6, 6))
    cov_a, cov_b = (f @ f.T + 0.1 * np.eye(6) for f in factors)
    mean_a, mean_b = rng.standard_normal((2, 6))
    expected = (np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a) + np.trace(cov_b)
                - 2 * np.trace(linalg.sqrtm(cov_a @ cov_b)).real)
    assert frechet_distance((mean_a, cov_a), (mean_b, cov_b)) == pytest.approx(expected, rel=1e-9)


def test_frechet_distance_of_singular_covariances_is_finite_and_exact():
    """Dead ReLU units give features of zero variance, so Σ is singular: N(0, diag(1, 0)) and N(0, diag(4, 0))
    are 1 apart (Tr = 1 + 4 − 2·2)."""
    assert frechet_distance((np.zeros(2), np.diag([1.0, 0.0])), (np.zeros(2), np.diag([4.0, 0.0]))) == \
        pytest.approx(1.0, rel=1e-12)


def test_gaussian_statistics_are_the_mean_and_unbiased_covariance():
    features = np.array([[0.0, 1.0], [2.0, 1.0], [4.0, 4.0]])
    mean, covariance = gaussian_statistics(features)
    np.testing.assert_allclose(mean, [2.0, 2.0])
    np.testing.assert_allclose(covariance, [[4.0, 3.0], [3.0, 3.0]])  # Σ (x − μ)(x − μ)ᵀ / (n − 1)
    with pytest.raises(ValueError, match=r"gaussian_statistics: .*\(1, 2\)"):
        gaussian_statistics(features[:1])
    with pytest.raises(ValueError, match="frechet_distance: statistics of 2 and 3 features"):
        frechet_distance((mean, covariance), (np.zeros(3), np.eye(3)))


# --- classifier score ------------------------------------------------------------------------------------------

def test_classifier_score_worked_numbers():
    """Certain and even over k classes → k; one class, or flat predictions → 1; and p = [[1, 0], [½, ½]]: p(y) =
    (¾, ¼), KL of row 1 = log 4/3, of row 2 = ½ log ⅔ + ½ log 2, exp of their mean = 1.24081."""
    assert classifier_score(np.eye(10)[np.arange(50) % 10]) == pytest.approx(10.0, rel=1e-12)
    assert classifier_score(np.eye(10)[np.zeros(50, int)]) == pytest.approx(1.0, rel=1e-12)
    assert classifier_score(np.full((7, 4), 0.25)) == pytest.approx(1.0, rel=1e-12)
    expected = np.exp((np.log(4 / 3) + 0.5 * np.log(2 / 3) + 0.5 * np.log(2)) / 2)
    assert classifier_score([[1.0, 0.0], [0.5, 0.5]]) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(1.24081, abs=1e-5)
    with pytest.raises(ValueError, match="classifier_score: each row"):
        classifier_score([[0.7, 0.7]])


# --- the MNIST judge -------------------------------------------------------------------------------------------

REAL_MNIST_DIR = "/work/shared/data/mnist"


@pytest.fixture(scope="module")
def judge():
    """A SampleQuality of the real MNIST test split, its classifier trained for 600 steps on the 6,000 digits
    not held out."""
    from nanogan.data import images_to_float, load_mnist
    from nanogan.metrics import SampleQuality, sample_quality
    try:
        images, labels = load_mnist("test", REAL_MNIST_DIR, download=False)
    except Exception:
        pytest.skip("real MNIST test split absent")
    x = images_to_float(images)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sample_quality, "CLASSIFIER_STEPS", 600)
        return SampleQuality(x, labels)


def test_judge_classifies_unseen_digits_and_scores_them_as_data(judge):
    """The held-out digits: labelled right, confidently and evenly (a score near 10), and with features like
    those of the other held-out set (a Fréchet distance near the floor that 2,000-sample covariances set)."""
    assert judge.accuracy(judge.reference_images, judge.reference_labels) > 0.95
    reference = judge.data_reference()
    assert reference == judge(judge.reference_images)
    assert reference["classifier_score"] > 9.0
    assert reference["frechet_distance"] < 20.0


def test_judge_tells_bad_samples_from_data(judge):
    """Noise, one class only, and digits moved 3 pixels right all score far worse than unseen digits."""
    x, labels = judge.reference_images, judge.reference_labels
    unseen = judge.data_reference(1000)
    noise = judge(np.random.default_rng(0).uniform(size=(1000, 1, 28, 28)))
    ones = judge(x[labels == 1])
    shifted = judge(np.roll(x[:1000], 3, axis=3))
    assert ones["classifier_score"] < 1.2 < unseen["classifier_score"] / 7
    for bad in (noise, ones, shifted):
        assert bad["frechet_distance"] > 10 * unseen["frechet_distance"]
    # samples of a tanh generator, in (-1, 1), judged as the same digits
    assert judge(x[:1000] * 2 - 1, value_range=(-1, 1))["frechet_distance"] == pytest.approx(
        unseen["frechet_distance"], rel=1e-4)
    with pytest.raises(ValueError, match=r"SampleQuality: samples must have shape \(n, 1, 28, 28\).*\(5, 28, 28\)"):
        judge(x[:5, 0])
    with pytest.raises(ValueError, match=r"data_reference: n must lie in 2\.\.2000, got 2001"):
        judge.data_reference(2001)


def test_training_the_classifier_leaves_the_global_generator_alone_and_is_repeatable():
    import nanogan as ng
    from nanogan.metrics import train_classifier
    rng = np.random.default_rng(0)
    images, labels = rng.uniform(size=(64, 1, 28, 28)).astype(np.float32), np.arange(64) % 10
    ng.manual_seed(123)
    expected_next = ng.randn(3).numpy()
    ng.manual_seed(123)
    first = train_classifier(images, labels, steps=2)
    np.testing.assert_array_equal(ng.randn(3).numpy(), expected_next)
    second = train_classifier(images, labels, steps=2)
    for (name, a), b in zip(first.state_dict().items(), second.state_dict().values()):
        np.testing.assert_array_equal(a, b, err_msg=name)


def test_for_dataset_trains_once_then_loads_the_same_judge(tmp_path, monkeypatch):
    """The cache file is written whole (atomically) and read back into the same numbers; a run on a machine
    with the train split would use another file."""
    from nanogan.data import mnist
    from nanogan.metrics import SampleQuality, sample_quality
    from test_examples import write_idx
    monkeypatch.setattr(sample_quality, "CLASSIFIER_STEPS", 3)
    tiny = tmp_path / "mnist"
    tiny.mkdir()
    monkeypatch.setattr(sample_quality, "HELD_OUT_IMAGES", 10)
    images = np.random.default_rng(0).integers(0, 256, (100, 28, 28), dtype=np.uint8)
    labels = (np.arange(100) % 10).astype(np.uint8)
    for stem, array in zip(mnist.SPLIT_STEMS["test"], (images, labels)):
        write_idx(tiny / stem, array)
    monkeypatch.setattr(mnist, "fetch_url", lambda url, timeout=None: (_ for _ in ()).throw(OSError("offline")))
    with pytest.warns(UserWarning, match="'test' split instead"):
        trained = SampleQuality.for_dataset("mnist", tiny, cache_dir=tmp_path / "cache")
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["classifier-v1-test-100.npz"]
    with pytest.warns(UserWarning):
        loaded = SampleQuality.for_dataset("mnist", tiny, cache_dir=tmp_path / "cache")
    samples = np.random.default_rng(1).uniform(size=(30, 1, 28, 28))
    assert loaded(samples) == trained(samples)
