"""ng.distributions: log_prob, entropy, mean, variance and kl_divergence against torch.distributions on the same
parameters (values, gradients in the parameters, double backward), the shapes of draws, rsample's gradients
against the reparameterisation's closed form, the moments of many draws, and the argument checks."""
import math

import numpy as np
import pytest

import nanogan as ng
from harness import compare_with_torch, on_gpu

D = ng.distributions
rng = np.random.default_rng(5)


def _dist(lib):
    return lib.distributions


def _lower_with_positive_diagonal(shape):
    lower = np.tril(rng.standard_normal(shape))
    diagonal = np.arange(shape[-1])
    lower[..., diagonal, diagonal] = 0.5 + rng.random(shape[:-1])
    return lower


def _positive_definite(shape):
    m = rng.standard_normal(shape)
    return m @ np.swapaxes(m, -1, -2) + np.eye(shape[-1])


def _one_hot(indices, k):
    return np.eye(k)[indices]


# name: (make(lib, *params) -> distribution, parameter arrays, value to score, quantities compared)
MOMENTS = ("log_prob", "entropy", "mean", "variance", "stddev")
CASES = {
    "Normal": (lambda lib, loc, scale: _dist(lib).Normal(loc, scale),
               [rng.standard_normal((2, 3)), 0.5 + rng.random(3)], rng.standard_normal((4, 2, 3)), MOMENTS),
    "Uniform": (lambda lib, low, width: _dist(lib).Uniform(low, low + width),
                [-0.5 * rng.random(3), 1.5 + rng.random(3)], rng.random((4, 3)) * 0.9 + 0.05, MOMENTS),
    "Bernoulli, probs": (lambda lib, p: _dist(lib).Bernoulli(probs=p), [rng.uniform(0.05, 0.95, (2, 3))],
                         rng.integers(0, 2, (4, 2, 3)).astype(float), MOMENTS),
    "Bernoulli, logits": (lambda lib, logits: _dist(lib).Bernoulli(logits=logits), [2 * rng.standard_normal((2, 3))],
                          rng.integers(0, 2, (4, 1, 3)).astype(float), MOMENTS),
    "Categorical, probs": (lambda lib, w: _dist(lib).Categorical(probs=w), [0.1 + rng.random((2, 5))],
                           rng.integers(0, 5, (3, 2)), ("log_prob", "entropy")),
    "Categorical, logits": (lambda lib, logits: _dist(lib).Categorical(logits=logits), [rng.standard_normal((2, 5))],
                            rng.integers(0, 5, (3, 1)), ("log_prob", "entropy")),
    "OneHotCategorical": (lambda lib, logits: _dist(lib).OneHotCategorical(logits=logits),
                          [rng.standard_normal((2, 5))], _one_hot(rng.integers(0, 5, (3, 2)), 5), MOMENTS),
    "Independent Normal": (lambda lib, loc, scale: _dist(lib).Independent(_dist(lib).Normal(loc, scale), 1),
                           [rng.standard_normal((2, 3)), 0.5 + rng.random((2, 3))], rng.standard_normal((4, 2, 3)),
                           MOMENTS),
    "MultivariateNormal, scale_tril": (
        lambda lib, loc, scale_tril: _dist(lib).MultivariateNormal(loc, scale_tril=scale_tril),
        [rng.standard_normal((2, 3)), _lower_with_positive_diagonal((3, 3))], rng.standard_normal((4, 2, 3)),
        MOMENTS),
    "MultivariateNormal, covariance_matrix": (
        lambda lib, loc, covariance: _dist(lib).MultivariateNormal(loc, covariance_matrix=covariance),
        [rng.standard_normal(3), _positive_definite((2, 3, 3))], rng.standard_normal((4, 1, 3)), MOMENTS),
    "MultivariateNormal, precision_matrix": (
        lambda lib, loc, precision: _dist(lib).MultivariateNormal(loc, precision_matrix=precision),
        [rng.standard_normal((2, 3)), _positive_definite((3, 3))], rng.standard_normal((2, 3)), MOMENTS),
}


def _quantity(distribution, what, value):
    return distribution.log_prob(value) if what == "log_prob" else (
        distribution.entropy() if what == "entropy" else getattr(distribution, what))


@pytest.mark.parametrize("case, what", [(case, what) for case in CASES for what in CASES[case][3]])
def test_quantities_are_torchs_with_their_gradients_in_the_parameters(case, what):
    """Values, gradients and double backward in each parameter the quantity depends on (an entropy does not on a
    location, a mean not on a scale)."""
    torch = pytest.importorskip("torch")
    make, parameters, value, _ = CASES[case]
    leaves = [torch.tensor(p, requires_grad=True) for p in parameters]
    used = torch.autograd.grad(_quantity(make(torch, *leaves), what, torch.tensor(value)).sum(), leaves,
                               allow_unused=True)
    compare_with_torch(lambda *p: _quantity(make(ng, *p[:-1]), what, p[-1]),
                       lambda *p: _quantity(make(torch, *p[:-1]), what, p[-1]),
                       parameters + [value], differentiable=[i for i, g in enumerate(used) if g is not None])


def test_categorical_mean_and_variance_are_nan_as_torchs():
    categorical = D.Categorical(logits=ng.zeros(2, 3))
    assert categorical.mean.shape == categorical.variance.shape == (2,)
    assert np.isnan(categorical.mean.numpy()).all() and np.isnan(categorical.variance.numpy()).all()


def test_the_other_forms_of_a_multivariate_normal_are_torchs():
    """scale_tril, covariance_matrix and precision_matrix computed from the one given, as torch computes them."""
    torch = pytest.importorskip("torch")
    loc, covariance = rng.standard_normal((2, 3)), _positive_definite((3, 3))
    for given in ("covariance_matrix", "precision_matrix", "scale_tril"):
        matrix = {"covariance_matrix": covariance, "precision_matrix": np.linalg.inv(covariance),
                  "scale_tril": np.linalg.cholesky(covariance)}[given]
        ours = D.MultivariateNormal(ng.tensor(loc), **{given: ng.tensor(matrix)})
        theirs = torch.distributions.MultivariateNormal(torch.tensor(loc), **{given: torch.tensor(matrix)})
        for form in ("covariance_matrix", "precision_matrix", "scale_tril"):
            np.testing.assert_allclose(getattr(ours, form).numpy(), getattr(theirs, form).numpy(), rtol=1e-9,
                                       atol=1e-12, err_msg=f"{form} from {given}")
            assert getattr(ours, form).shape == tuple(getattr(theirs, form).shape)


# name: (make(lib, *params) -> (p, q), parameter arrays)
KL_CASES = {
    "Normal": (lambda lib, a, b, c, d: (_dist(lib).Normal(a, b), _dist(lib).Normal(c, d)),
               [rng.standard_normal((2, 3)), 0.5 + rng.random((2, 3)), rng.standard_normal(3), 0.5 + rng.random(3)]),
    "Uniform": (lambda lib, low, width, q_low, q_width: (_dist(lib).Uniform(low, low + width),
                                                         _dist(lib).Uniform(low - q_low, low + width + q_width)),
                [rng.standard_normal(3), 0.5 + rng.random(3), 0.1 + rng.random(3), 0.1 + rng.random(3)]),
    "Bernoulli": (lambda lib, p, logits: (_dist(lib).Bernoulli(probs=p), _dist(lib).Bernoulli(logits=logits)),
                  [rng.uniform(0.05, 0.95, (2, 3)), rng.standard_normal((2, 3))]),  # torch's masks want one shape
    "Categorical": (lambda lib, p, logits: (_dist(lib).Categorical(probs=p), _dist(lib).Categorical(logits=logits)),
                    [0.1 + rng.random((2, 4)), rng.standard_normal(4)]),
    "OneHotCategorical": (lambda lib, a, b: (_dist(lib).OneHotCategorical(logits=a),
                                             _dist(lib).OneHotCategorical(logits=b)),
                          [rng.standard_normal(4), rng.standard_normal((2, 4))]),
    "MultivariateNormal": (
        lambda lib, a, scale_tril, b, covariance: (_dist(lib).MultivariateNormal(a, scale_tril=scale_tril),
                                                   _dist(lib).MultivariateNormal(b, covariance_matrix=covariance)),
        [rng.standard_normal((2, 3)), _lower_with_positive_diagonal((2, 3, 3)), rng.standard_normal(3),
         _positive_definite((3, 3))]),
    "Independent Normal": (
        lambda lib, a, b, c, d: (_dist(lib).Independent(_dist(lib).Normal(a, b), 2),
                                 _dist(lib).Independent(_dist(lib).Normal(c, d), 2)),
        [rng.standard_normal((4, 2, 3)), 0.5 + rng.random((4, 2, 3)), rng.standard_normal((2, 3)),
         0.5 + rng.random((2, 3))]),
}


@pytest.mark.parametrize("case", KL_CASES)
def test_kl_divergence_is_torchs_with_its_gradients(case):
    make, parameters = KL_CASES[case]
    compare_with_torch(lambda *p: D.kl_divergence(*make(ng, *p)),
                       lambda *p: __import__("torch").distributions.kl_divergence(*make(__import__("torch"), *p)),
                       parameters)


@pytest.mark.parametrize("case, p, q", [
    ("Bernoulli", [0.0, 1.0, 0.3, 0.0, 1.0], [0.5, 0.5, 0.0, 0.0, 1.0]),   # a term of p 0 is 0, of q alone inf
    ("Categorical", [[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]], [[0.5, 0.5], [1.0, 0.0], [1.0, 0.0]]),
])
def test_kl_divergence_at_probabilities_0_and_1_is_torchs(case, p, q):
    torch = pytest.importorskip("torch")
    ours = D.kl_divergence(getattr(D, case)(probs=ng.tensor(p)), getattr(D, case)(probs=ng.tensor(q)))
    family = getattr(torch.distributions, case)
    theirs = torch.distributions.kl_divergence(family(probs=torch.tensor(p)), family(probs=torch.tensor(q)))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    assert np.isinf(ours.numpy()).any()


def test_kl_divergence_of_a_uniform_beyond_the_others_interval_is_inf():
    low = ng.tensor([0.0, 0.0, 0.5])
    kl = D.kl_divergence(D.Uniform(low, low + 1), D.Uniform(ng.tensor([-1.0, 0.2, 0.0]), ng.tensor([2.0, 3.0, 1.2])))
    np.testing.assert_allclose(kl.numpy(), [math.log(3), math.inf, math.inf])


def test_kl_divergence_takes_the_most_specific_registration_and_refuses_unknown_pairs():
    class Wide(D.Normal):
        pass

    @D.register_kl(Wide, D.Normal)
    def _kl_wide_normal(p, q):
        return ng.full(p.batch_shape, 7.0)

    wide, normal = Wide(0.0, 2.0), D.Normal(0.0, 1.0)
    assert D.kl_divergence(wide, normal).item() == 7.0
    np.testing.assert_allclose(D.kl_divergence(normal, wide).item(), 0.5 * (0.25 - 1 - math.log(0.25)), rtol=1e-6)
    with pytest.raises(NotImplementedError, match="kl_divergence: no closed form registered for Normal and Bernoulli"):
        D.kl_divergence(normal, D.Bernoulli(probs=0.5))
    with pytest.raises(NotImplementedError, match="reinterpreted_batch_ndims 1 and 0"):
        D.kl_divergence(D.Independent(D.Normal(ng.zeros(2), 1.0), 1), D.Independent(D.Normal(ng.zeros(2), 1.0), 0))


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("sample_shape", [(), (5,), (2, 3)])
def test_draws_have_torchs_shapes_and_sample_is_outside_the_graph(case, sample_shape):
    torch = pytest.importorskip("torch")
    make, parameters, _, _ = CASES[case]
    ours = make(ng, *(ng.tensor(p, requires_grad=True) for p in parameters))
    theirs = make(torch, *(torch.tensor(p) for p in parameters))
    assert (ours.batch_shape, ours.event_shape) == (tuple(theirs.batch_shape), tuple(theirs.event_shape))
    drawn = ours.sample(sample_shape)
    assert drawn.shape == tuple(theirs.sample(sample_shape).shape) == sample_shape + ours.batch_shape + ours.event_shape
    assert not drawn.requires_grad and drawn.dtype == (ng.int64 if "Categorical," in case else ng.float64)
    assert ours.has_rsample == theirs.has_rsample
    if ours.has_rsample:
        assert ours.rsample(sample_shape).shape == drawn.shape and ours.rsample(sample_shape).requires_grad
    else:
        with pytest.raises(NotImplementedError, match="has no reparameterised draws"):
            ours.rsample(sample_shape)


def test_a_seed_gives_the_same_draws():
    normal = D.Normal(ng.zeros(3), ng.ones(3))
    ng.manual_seed(4)
    first = normal.sample((2,)).numpy(), D.Categorical(logits=ng.zeros(5)).sample((4,)).numpy()
    ng.manual_seed(4)
    second = normal.sample((2,)).numpy(), D.Categorical(logits=ng.zeros(5)).sample((4,)).numpy()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def _noise_after_seed(seed, draw, shape):
    """The host draws made after ng.manual_seed(seed): the global generator is then numpy's default_rng(seed)."""
    return getattr(np.random.default_rng(seed), draw)(shape)


@pytest.mark.parametrize("case", ["Normal", "Uniform", "MultivariateNormal", "Independent"])
def test_rsample_is_the_reparameterisation_with_its_gradients(case):
    """rsample = loc + scale·ε (Normal, Independent), low + (high - low)·u (Uniform), loc + L ε
    (MultivariateNormal), ε and u the seed's draws: the values, and the gradients of Σ w·x in the parameters in
    closed form."""
    shape, seed = (4, 2, 3), 12
    w = rng.standard_normal(shape)
    first, second = rng.standard_normal((2, 3)), 0.5 + rng.random((2, 3))
    if case == "MultivariateNormal":
        second = _lower_with_positive_diagonal((3, 3))
    a, b = ng.tensor(first, requires_grad=True), ng.tensor(second, requires_grad=True)
    distribution = {"Normal": lambda: D.Normal(a, b), "Uniform": lambda: D.Uniform(a, a + b),
                    "MultivariateNormal": lambda: D.MultivariateNormal(a, scale_tril=b),
                    "Independent": lambda: D.Independent(D.Normal(a, b), 2)}[case]()
    ng.manual_seed(seed)
    x = distribution.rsample((4,))
    noise = _noise_after_seed(seed, "random" if case == "Uniform" else "standard_normal", shape)
    if case == "MultivariateNormal":
        expected, grads = first + noise @ second.T, (w.sum(0), np.einsum("sbi,sbj->ij", w, noise))
    else:  # x = a + ε·b: d/da = 1, d/db = ε (Uniform: a = low, b = high - low, ε = u)
        expected, grads = first + noise * second, (w.sum(0), (w * noise).sum(0))
    np.testing.assert_allclose(x.detach().numpy(), expected, rtol=1e-12, atol=1e-12)
    for got, want in zip(ng.grad((x * ng.tensor(w)).sum(), [a, b]), grads):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)


def _within(estimate, expected, standard_error, what):
    """A sample estimate within 4.5 standard errors (a false alarm about once in 150,000 entries)."""
    np.testing.assert_array_less(np.abs(estimate - expected), 4.5 * standard_error + 1e-12, err_msg=what)


DRAWS = 40_000


@pytest.mark.parametrize("case", [c for c in CASES if not c.startswith("Categorical")])
def test_draws_have_the_distributions_mean_and_variance(case):
    """The mean of many draws within its standard error of `mean`, and their variance within that of `variance`
    (the variance of a sample variance: (m4 - σ⁴)/n, with m4 estimated from the draws)."""
    make, parameters, _, _ = CASES[case]
    distribution = make(ng, *(ng.tensor(p) for p in parameters))
    ng.manual_seed(1)
    x = distribution.sample((DRAWS,)).numpy()
    mean, variance = distribution.mean.numpy(), distribution.variance.numpy()
    _within(x.mean(0), mean, np.sqrt(variance / DRAWS), f"{case}: mean")
    fourth = ((x - mean) ** 4).mean(0)
    _within(x.var(0), variance, np.sqrt(np.maximum(fourth - variance ** 2, 0) / DRAWS), f"{case}: variance")


def test_categorical_draws_each_category_in_proportion():
    probs = np.array([[0.1, 0.2, 0.7, 0.0], [0.25, 0.25, 0.25, 0.25]])
    ng.manual_seed(2)
    drawn = D.Categorical(probs=ng.tensor(probs)).sample((DRAWS,)).numpy()
    for row, p in enumerate(probs):
        frequencies = np.bincount(drawn[:, row], minlength=4) / DRAWS
        _within(frequencies, p, np.sqrt(p * (1 - p) / DRAWS), f"row {row}")


def test_multivariate_normal_draws_have_its_covariance():
    """The sample covariance within its standard error, √((Σ_ii Σ_jj + Σ_ij²)/n) for Gaussian draws."""
    covariance = _positive_definite((3, 3))
    ng.manual_seed(3)
    x = D.MultivariateNormal(ng.zeros(3, dtype=ng.float64), covariance_matrix=ng.tensor(covariance)).sample((DRAWS,))
    diagonal = np.diag(covariance)
    _within(np.cov(x.numpy().T), covariance,
            np.sqrt((np.outer(diagonal, diagonal) + covariance ** 2) / DRAWS), "covariance")


# (make(lib) -> a bad distribution or a bad call, nanogan's message)
REFUSED = [
    (lambda lib: _dist(lib).Normal(lib.tensor([0.0, 1.0]), lib.tensor([1.0, 0.0])),
     r"Normal: scale must be > 0, got values outside it in the tensor of shape \(2,\)"),
    (lambda lib: _dist(lib).Normal(lib.tensor([0.0, float("nan")]), 1.0), "Normal: loc must be a real number"),
    (lambda lib: _dist(lib).Uniform(lib.tensor([0.0, 2.0]), lib.tensor([1.0, 2.0])), "Uniform: low must be < high"),
    (lambda lib: _dist(lib).Bernoulli(probs=lib.tensor([0.5, 1.5])), r"Bernoulli: probs must be in \[0, 1\]"),
    (lambda lib: _dist(lib).Bernoulli(probs=lib.tensor(0.5), logits=lib.tensor(0.0)),
     "Bernoulli: give exactly one of probs and logits, got both"),
    (lambda lib: _dist(lib).Categorical(), "Categorical: give exactly one of probs and logits, got neither"),
    (lambda lib: _dist(lib).Categorical(probs=lib.tensor([0.5, -0.1, 0.6])),
     "Categorical: probs must be a probability vector"),
    (lambda lib: _dist(lib).MultivariateNormal(lib.zeros(2), scale_tril=lib.tensor([[1.0, 0.5], [0.0, 1.0]])),
     "MultivariateNormal: scale_tril must be lower triangular with a diagonal > 0"),
    (lambda lib: _dist(lib).MultivariateNormal(lib.zeros(2), scale_tril=lib.tensor([[1.0, 0.0], [0.3, -1.0]])),
     "MultivariateNormal: scale_tril must be lower triangular with a diagonal > 0"),
    (lambda lib: _dist(lib).MultivariateNormal(lib.zeros(2), covariance_matrix=lib.tensor([[1.0, 2.0], [2.0, 1.0]])),
     "MultivariateNormal: covariance_matrix must be symmetric positive definite"),
    (lambda lib: _dist(lib).MultivariateNormal(lib.zeros(2), covariance_matrix=lib.tensor([[1.0, 0.5], [0.0, 1.0]])),
     "MultivariateNormal: covariance_matrix must be symmetric positive definite"),
    (lambda lib: _dist(lib).MultivariateNormal(lib.zeros(2), covariance_matrix=lib.eye(2), scale_tril=lib.eye(2)),
     "MultivariateNormal: give exactly one of covariance_matrix, precision_matrix and scale_tril, got 2"),
    (lambda lib: _dist(lib).Independent(_dist(lib).Normal(lib.zeros(3), 1.0), 2),
     r"Independent: reinterpreted_batch_ndims must be <= the 1 dimensions of the base distribution's batch_shape"),
    # values outside the support, or of a shape that does not fit
    (lambda lib: _dist(lib).Bernoulli(probs=lib.tensor([0.5, 0.5])).log_prob(lib.tensor([1.0, 0.5])),
     r"Bernoulli: value must be 0 or 1, got values outside it in the tensor of shape \(2,\)"),
    (lambda lib: _dist(lib).Categorical(logits=lib.zeros(3)).log_prob(lib.tensor([0, 3])),
     r"Categorical: value must be an integer in \[0, 2\]"),
    (lambda lib: _dist(lib).Uniform(0.0, 1.0).log_prob(lib.tensor([0.5, 1.5])),
     r"Uniform: value must be in \[low, high\]"),
    (lambda lib: _dist(lib).OneHotCategorical(logits=lib.zeros(3)).log_prob(lib.tensor([1.0, 1.0, 0.0])),
     "OneHotCategorical: value must be one-hot along the last dimension"),
    (lambda lib: _dist(lib).Normal(lib.zeros(3), 1.0).log_prob(lib.zeros(2)),
     r"Normal.log_prob: value of shape \(2,\) does not fit batch_shape \+ event_shape \(3,\)"),
    (lambda lib: _dist(lib).MultivariateNormal(lib.zeros(3), scale_tril=lib.eye(3)).log_prob(lib.zeros(3, 2)),
     r"MultivariateNormal.log_prob: value of shape \(3, 2\) does not fit batch_shape \+ event_shape \(3,\)"),
]


@pytest.mark.parametrize("make, message", REFUSED)
def test_bad_arguments_and_values_are_refused_as_by_torch(make, message):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError):
        make(torch)
    with pytest.raises(ValueError, match=message):
        make(ng)


def test_validate_args_false_skips_the_checks_as_in_torch():
    normal = D.Normal(0.0, -1.0, validate_args=False)
    with np.errstate(invalid="ignore"):  # log of the scale -1
        assert np.isnan(normal.log_prob(ng.tensor(0.0)).item())
    assert D.Bernoulli(probs=ng.tensor(0.5), validate_args=False).log_prob(ng.tensor(0.5)).item() == pytest.approx(
        math.log(0.5))
    D.Distribution.set_default_validate_args(False)
    try:
        D.Uniform(1.0, 0.0)
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError, match="Uniform: low must be < high"):
        D.Uniform(1.0, 0.0)


def test_other_argument_errors_name_the_distribution():
    with pytest.raises(TypeError, match="Normal: scale must be a floating-point tensor, got int64"):
        D.Normal(0.0, ng.tensor([1, 2]))
    with pytest.raises(ValueError, match=r"Normal: the shapes of loc \(2,\), scale \(3,\) do not broadcast"):
        D.Normal(ng.zeros(2), ng.ones(3))
    with pytest.raises(ValueError, match=r"Normal.sample: sample_shape must be a tuple of ints >= 0, got 5"):
        D.Normal(0.0, 1.0).sample(5)
    with pytest.raises(ValueError, match="Categorical: logits must have at least one dimension"):
        D.Categorical(logits=ng.tensor(0.0))
    # torch takes this one and fails at the first use of the matrix
    with pytest.raises(ValueError, match=r"MultivariateNormal: loc must be \(..., d\) and scale_tril \(..., d, d\), "
                                         r"got shapes \(3,\) and \(2, 2\)"):
        D.MultivariateNormal(ng.zeros(3), scale_tril=ng.eye(2))


@on_gpu
def test_cuda_draws_and_densities_are_the_cpus():
    """The same seed gives the same draws on both devices (made on the host), and the densities agree."""
    loc, covariance = rng.standard_normal((2, 3)).astype(np.float32), _positive_definite((3, 3)).astype(np.float32)
    results = {}
    for device in ("cpu", "cuda"):
        def make():
            return [D.Normal(ng.tensor(loc, device=device), 2.0), D.Bernoulli(logits=ng.tensor(loc, device=device)),
                    D.Categorical(logits=ng.tensor(loc, device=device)),
                    D.MultivariateNormal(ng.tensor(loc, device=device),
                                         covariance_matrix=ng.tensor(covariance, device=device))]
        ng.manual_seed(6)
        draws = [d.sample((4,)) for d in make()]
        densities = [d.log_prob(x) for d, x in zip(make(), draws)]
        results[device] = [t.cpu().numpy() for t in draws + densities]
    for cpu, cuda in zip(results["cpu"], results["cuda"]):
        np.testing.assert_allclose(cuda, cpu, rtol=1e-5, atol=1e-6)
