"""f-GAN and InfoGAN: their losses against the papers' formulas and PyTorch, and their steps.

f-GAN: each divergence's variational bound, evaluated with the optimal critic T*(x) = f′(p(x)/q(x)) on two
discrete distributions, equals D_f(P‖Q) computed from Table 1's f (so g_f and f* of the table are right, and
f′ is taken by finite differences of f, not from the code's docstrings); the simplified f*(g_f(v)) equals Table
2's formulas composed as printed; the losses' values and gradients equal a PyTorch transcription of Table 2.
"""
import math

import numpy as np
import pytest

import nanogan as ng
from nanogan import gan, models

# ---- f-GAN --------------------------------------------------------------------------------------------
# Table 1's generator functions f(u), u = p(x)/q(x), and the closed forms of their divergences
F_OF_U = {
    "kl": lambda u: u * np.log(u),
    "reverse-kl": lambda u: -np.log(u),
    "pearson": lambda u: (u - 1) ** 2,
    "squared-hellinger": lambda u: (np.sqrt(u) - 1) ** 2,
    "jensen-shannon": lambda u: -(u + 1) * np.log((1 + u) / 2) + u * np.log(u),
    "gan": lambda u: u * np.log(u) - (u + 1) * np.log(u + 1),
}


def jensen_shannon(p, q):
    m = (p + q) / 2
    return 0.5 * np.sum(p * np.log(p / m)) + 0.5 * np.sum(q * np.log(q / m))


CLOSED_FORMS = {
    "kl": lambda p, q: np.sum(p * np.log(p / q)),
    "reverse-kl": lambda p, q: np.sum(q * np.log(q / p)),
    "pearson": lambda p, q: np.sum((p - q) ** 2 / q),
    "squared-hellinger": lambda p, q: np.sum((np.sqrt(p) - np.sqrt(q)) ** 2),
    "jensen-shannon": lambda p, q: 2 * jensen_shannon(p, q),  # the tables' f measures twice JS (see losses.py)
    "gan": lambda p, q: 2 * jensen_shannon(p, q) - math.log(4),
}

# The critic output v* with g_f(v*) = T*, as a function of r = log(p/q) (inverting Table 2's g_f by hand)
OPTIMAL_OUTPUT = {
    "kl": lambda r: 1 + r,
    "reverse-kl": lambda r: r,
    "pearson": lambda r: 2 * (np.exp(r) - 1),
    "squared-hellinger": lambda r: -r / 2,
    "jensen-shannon": lambda r: r,
    "gan": lambda r: r,
}

# Table 2 as printed: the output activation g_f(v) and the conjugate f*(t)
TABLE_2 = {
    "kl": (lambda v, m: v, lambda t, m: m.exp(t - 1)),
    "reverse-kl": (lambda v, m: -m.exp(-v), lambda t, m: -1 - m.log(-t)),
    "pearson": (lambda v, m: v, lambda t, m: t * t / 4 + t),
    "squared-hellinger": (lambda v, m: 1 - m.exp(v), lambda t, m: t / (1 - t)),
    "jensen-shannon": (lambda v, m: math.log(2) - m.log(1 + m.exp(-v)), lambda t, m: -m.log(2 - m.exp(t))),
    "gan": (lambda v, m: -m.log(1 + m.exp(-v)), lambda t, m: -m.log(1 - m.exp(t))),
}

# two pmfs on four points, in eighths, so that a batch of 8 samples holds each point exactly as often as it weighs
P_COUNTS, Q_COUNTS = np.array([1, 2, 4, 1]), np.array([3, 2, 1, 2])
P, Q = P_COUNTS / 8, Q_COUNTS / 8


def leaf64(values):
    return ng.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


@pytest.mark.parametrize("name", list(gan.F_DIVERGENCES))
def test_the_bound_at_the_optimal_critic_is_the_divergence(name):
    divergence, f = gan.F_DIVERGENCES[name], F_OF_U[name]
    u = P / Q
    exact = np.sum(Q * f(u))
    np.testing.assert_allclose(exact, CLOSED_FORMS[name](P, Q), rtol=1e-12)

    v_star = OPTIMAL_OUTPUT[name](np.log(u))
    h = 1e-6
    f_prime = (f(u + h) - f(u - h)) / (2 * h)
    np.testing.assert_allclose(divergence.activation(leaf64(v_star)).numpy(), f_prime, rtol=1e-7, atol=1e-9)

    # the batches: x_i as often in the real batch as P weighs it, in the fake batch as Q does
    real, fake = leaf64(np.repeat(v_star, P_COUNTS)), leaf64(np.repeat(v_star, Q_COUNTS))
    bound = -gan.f_gan_critic_loss(real, fake, divergence).item()
    np.testing.assert_allclose(bound, exact, rtol=1e-12, atol=1e-15)

    # T* is the maximiser: F's gradient with respect to each v_i vanishes there, and moving off it lowers F
    v = leaf64(v_star)
    value = (ng.tensor(P) * divergence.activation(v) - ng.tensor(Q) * divergence.conjugate(v)).sum()
    (gradient,) = ng.grad(value, v)
    np.testing.assert_allclose(gradient.numpy(), 0.0, atol=1e-12)
    moved = leaf64(v_star + np.array([0.1, -0.2, 0.05, 0.3]))
    assert (ng.tensor(P) * divergence.activation(moved) - ng.tensor(Q) * divergence.conjugate(moved)).sum().item() \
        < exact


@pytest.mark.parametrize("name", list(gan.F_DIVERGENCES))
def test_the_simplified_conjugate_is_table_2_composed(name):
    divergence, (g_f, conjugate) = gan.F_DIVERGENCES[name], TABLE_2[name]
    v = np.linspace(-4.0, 4.0, 17)
    np.testing.assert_allclose(divergence.activation(leaf64(v)).numpy(), g_f(v, np), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(divergence.conjugate(leaf64(v)).numpy(), conjugate(g_f(v, np), np), rtol=1e-9,
                               atol=1e-12)


REAL_SCORES = np.array([1.5, -0.3, 0.0, 2.2, -1.1])
FAKE_SCORES = np.array([-2.0, 0.4, 0.9, -0.6])


@pytest.mark.parametrize("name", list(gan.F_DIVERGENCES))
def test_the_losses_and_their_gradients_match_torch(name):
    torch = pytest.importorskip("torch")
    divergence, (g_f, conjugate) = gan.F_DIVERGENCES[name], TABLE_2[name]
    cases = [(gan.f_gan_critic_loss, lambda r, f: conjugate(g_f(f, torch), torch).mean() - g_f(r, torch).mean(),
              [REAL_SCORES, FAKE_SCORES]),
             (gan.f_gan_generator_loss, lambda f: -g_f(f, torch).mean(), [FAKE_SCORES]),
             (gan.f_gan_saddle_point_generator_loss, lambda f: -conjugate(g_f(f, torch), torch).mean(), [FAKE_SCORES])]
    for ours, theirs, inputs in cases:
        mine = [leaf64(x) for x in inputs]
        reference = [torch.tensor(x, requires_grad=True) for x in inputs]
        loss, expected = ours(*mine, divergence), theirs(*reference)
        np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-10, err_msg=ours.__name__)
        for grad, expected_grad in zip(ng.grad(loss, mine), torch.autograd.grad(expected, reference)):
            np.testing.assert_allclose(grad.numpy(), expected_grad.numpy(), rtol=1e-9, atol=1e-12,
                                       err_msg=ours.__name__)


@pytest.mark.parametrize("name, v, expected", [
    ("reverse-kl", -100.0, -101.0),  # −1 − log(e^100): e^100 overflows float32
    ("squared-hellinger", -20.0, math.expm1(20.0)),  # t/(1 − t) with t = 1 − e^−20, which rounds to 1
    ("jensen-shannon", 30.0, 30.0 - math.log(2)),  # −log(2 − e^t) with e^t rounding to 2
    ("gan", 100.0, 100.0),  # −log(1 − e^t) with e^t rounding to 1
    ("gan", -100.0, 0.0),
])
def test_the_conjugates_are_exact_where_table_2_composed_in_float32_is_not(name, v, expected):
    v = ng.tensor(np.array([v], dtype=np.float32), requires_grad=True)
    value = gan.F_DIVERGENCES[name].conjugate(v)
    (gradient,) = ng.grad(value.sum(), v)
    np.testing.assert_allclose(value.item(), expected, rtol=1e-6, atol=1e-30)
    assert np.isfinite(gradient.numpy()).all()


def test_the_gan_divergence_is_the_gan_objective():
    real, fake = leaf64(REAL_SCORES), leaf64(FAKE_SCORES)
    divergence = gan.F_DIVERGENCES["gan"]
    np.testing.assert_allclose(gan.f_gan_critic_loss(real, fake, divergence).item(),
                               gan.discriminator_loss(real, fake).item(), rtol=1e-12)
    np.testing.assert_allclose(gan.f_gan_generator_loss(fake, divergence).item(),
                               gan.non_saturating_generator_loss(fake).item(), rtol=1e-12)
    np.testing.assert_allclose(gan.f_gan_saddle_point_generator_loss(fake, divergence).item(),
                               gan.minimax_generator_loss(fake).item(), rtol=1e-12)


def toy_data(n, rng):
    """A Gaussian blob at (2, 0), away from where the untrained generator puts its samples."""
    return (rng.standard_normal((n, 2)) * 0.5 + np.array([2.0, 0.0])).astype(np.float32)


@pytest.mark.parametrize("name", list(gan.F_DIVERGENCES))
def test_critic_steps_raise_the_divergence_estimate(name):
    """With G fixed, D climbs F: −critic loss on a fixed evaluation set of real and generated points grows."""
    ng.manual_seed(0)
    fgan = gan.FGAN(models.ToyGenerator(hidden=16), models.ToyCritic(hidden=32), name, batch_size=128, lr=1e-3)
    rng = np.random.default_rng(0)
    real = fgan.as_input(toy_data(512, rng))
    fake = fgan.fakes_for_critic(real, fgan.sample_latent(512)[0])

    def estimate():
        with ng.no_grad():
            return -gan.f_gan_critic_loss(fgan.D(real), fgan.D(fake), fgan.divergence).item()

    before = estimate()
    for _ in range(40):
        fgan.critic_step(toy_data(128, rng))
    assert estimate() > before + 0.05, (before, estimate())


def test_fgan_presets_name_the_paper_and_refuse_unknown_divergences():
    assert list(gan.FGAN.presets) == list(gan.F_DIVERGENCES)
    for name, preset in gan.FGAN.presets.items():
        assert preset.divergence == name and "Nowozin et al. 2016" in preset.source
        assert (preset.lr, preset.betas[0], preset.batch_size, preset.noise) == (2e-4, 0.5, 4096, "uniform")
    generator, critic = models.ToyGenerator(hidden=4), models.ToyCritic(hidden=4)
    with pytest.raises(ValueError, match=r"FGAN: divergence must be one of \['kl', .*'gan'\], got 'kld'"):
        gan.FGAN(generator, critic, "kl", divergence="kld")
    with pytest.raises(ValueError, match=r"FGAN: generator_loss must be one of \['maximise-T', 'saddle-point'\]"):
        gan.FGAN(generator, critic, generator_loss="minimax")
    with pytest.raises(KeyError, match="FGAN: no preset 'js'"):
        gan.FGAN(generator, critic, "js")
