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


def test_jensen_shannon_is_the_gan_divergence_shifted_by_constants():
    """F_JS = F_GAN + log 4 and the generator losses differ by log 2: the same gradients, the same training."""
    js, gan_row = gan.F_DIVERGENCES["jensen-shannon"], gan.F_DIVERGENCES["gan"]
    real, fake = leaf64(REAL_SCORES), leaf64(FAKE_SCORES)
    for loss, scores, shift in ((gan.f_gan_critic_loss, [real, fake], -math.log(4)),
                                (gan.f_gan_generator_loss, [fake], -math.log(2))):
        js_loss, gan_loss = loss(*scores, js), loss(*scores, gan_row)
        np.testing.assert_allclose(js_loss.item(), gan_loss.item() + shift, rtol=1e-12)
        for a, b in zip(ng.grad(js_loss, scores), ng.grad(gan_loss, scores)):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)


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


# ---- InfoGAN -------------------------------------------------------------------------------------------
LOGITS = np.array([[2.0, -1.0, 0.5], [0.1, 0.2, -3.0], [-1.0, 4.0, 0.0], [0.0, 0.0, 0.0]])
CATEGORIES = np.array([0, 2, 1, 1])
CODES = np.array([[0.5, -0.9], [-0.2, 0.3], [0.99, 0.0], [-0.7, -0.4]])
MEANS = np.array([[0.4, -0.5], [0.1, 0.2], [1.5, -0.3], [-0.6, 0.0]])
LOG_VARIANCES = np.array([[0.0, -1.0], [0.5, -2.0], [1.2, 0.3], [-0.4, 0.8]])


def test_the_categorical_code_loss_and_its_gradient_match_torch():
    torch = pytest.importorskip("torch")
    logits = leaf64(LOGITS)
    loss = gan.categorical_code_loss(logits, ng.tensor(np.eye(3)[CATEGORIES]))
    reference = torch.tensor(LOGITS, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(reference, torch.tensor(CATEGORIES))
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-12)
    (grad,) = ng.grad(loss, logits)
    (expected_grad,) = torch.autograd.grad(expected, reference)
    np.testing.assert_allclose(grad.numpy(), expected_grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("learned_variance", [False, True], ids=["fixed variance", "learned variance"])
def test_the_continuous_code_loss_and_its_gradients_match_torch(learned_variance):
    """−(1/N) Σ_i log N(c_i; μ_i, diag σ_i²), σ = 1 or σ² = e^(log-variance), against torch.distributions.Normal."""
    torch = pytest.importorskip("torch")
    mean, log_variance = leaf64(MEANS), leaf64(LOG_VARIANCES)
    loss = gan.continuous_code_loss(ng.tensor(CODES), mean, log_variance if learned_variance else None)
    mean_t, log_variance_t = (torch.tensor(x, requires_grad=True) for x in (MEANS, LOG_VARIANCES))
    std = (0.5 * log_variance_t).exp() if learned_variance else torch.ones(MEANS.shape, dtype=torch.float64)
    expected = -torch.distributions.Normal(mean_t, std).log_prob(torch.tensor(CODES)).sum(1).mean()
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-12)
    inputs, reference = ([mean, log_variance], [mean_t, log_variance_t]) if learned_variance else ([mean], [mean_t])
    for grad, expected_grad in zip(ng.grad(loss, inputs), torch.autograd.grad(expected, reference)):
        np.testing.assert_allclose(grad.numpy(), expected_grad.numpy(), rtol=1e-12, atol=1e-15)
    if not learned_variance:  # the official code's fixed σ = 1: half the squared error, plus a constant
        np.testing.assert_allclose(loss.item(), 0.5 * ((CODES - MEANS) ** 2).sum(1).mean() + math.log(2 * math.pi),
                                   rtol=1e-12)


def tiny_infogan(width=2, learned_variance=False, seed=0, **overrides):
    ng.manual_seed(seed)
    generator, discriminator = models.infogan_mnist(width=width, learned_variance=learned_variance)
    return gan.InfoGAN(generator, discriminator, batch_size=16, **overrides)


def digit_like_images(n, rng):
    """MNIST-like data: one of ten fixed random strokes per image, with pixel noise, in [0, 1]."""
    templates = (np.random.default_rng(123).random((10, 1, 28, 28)) > 0.8).astype(np.float32)
    noisy = templates[rng.integers(10, size=n)] + 0.1 * rng.standard_normal((n, 1, 28, 28))
    return np.clip(noisy, 0.0, 1.0).astype(np.float32)


def parameters_of(module):
    return [p.numpy().copy() for p in module.parameters()]


def changed(before, module):
    return [not np.array_equal(a, b) for a, b in zip(before, parameters_of(module))]


@pytest.mark.parametrize("learned_variance", [False, True], ids=["fixed variance", "learned variance"])
def test_q_head_learns_from_the_information_term_only(learned_variance):
    infogan = tiny_infogan(learned_variance=learned_variance)
    D = infogan.D
    real = infogan.as_input(digit_like_images(8, np.random.default_rng(0)))
    latent, _ = infogan.sample_latent(8)
    fake = infogan.fakes_for_critic(real, latent)
    fake_logits, code_parameters = infogan.discriminate_and_recognise(fake)
    assert code_parameters.shape == (8, 10 + 2 * (2 if learned_variance else 1))

    gan_loss = gan.discriminator_loss(infogan.discriminate(real), fake_logits)
    information = infogan.information_term(*infogan.information_losses(latent, code_parameters))
    q_head, shared = list(D.q_head.parameters()), list(D.body.parameters())
    everything = q_head + shared + list(D.head.parameters())
    from_gan_loss = ng.grad(gan_loss, everything, retain_graph=True, allow_unused=True)
    from_information = ng.grad(information, everything, allow_unused=True)
    n_q, n_shared = len(q_head), len(shared)
    assert all(g is None for g in from_gan_loss[:n_q])  # D's GAN loss never reaches Q's head
    assert all(g is not None and np.abs(g.numpy()).sum() > 0 for g in from_gan_loss[n_q:])
    assert all(g is not None and np.abs(g.numpy()).sum() > 0 for g in from_information[:n_q + n_shared])
    assert all(g is None for g in from_information[n_q + n_shared:])  # nor L_I D's logit head


def test_the_critic_step_trains_d_and_q_and_the_generator_step_g_only():
    infogan = tiny_infogan()
    G, D = infogan.G, infogan.D
    networks = {"G": G, "D's body": D.body, "D's head": D.head, "Q's head": D.q_head}
    before = {name: parameters_of(module) for name, module in networks.items()}
    numbers = infogan.critic_step(digit_like_images(16, np.random.default_rng(0)))
    assert set(numbers) == {"d_loss", "d_grad_norm"}
    assert not any(changed(before["G"], G))
    for name in ("D's body", "D's head", "Q's head"):
        assert all(changed(before[name], networks[name])), name

    before = {name: parameters_of(module) for name, module in networks.items()}
    numbers = infogan.generator_step(16)
    assert set(numbers) == {"g_loss", "info_categorical", "info_continuous", "mi_categorical", "g_grad_norm"}
    np.testing.assert_allclose(float(numbers["mi_categorical"]), math.log(10) - float(numbers["info_categorical"]),
                               atol=1e-6)
    assert all(changed(before["G"], G))
    for name in ("D's body", "D's head", "Q's head"):
        assert not any(changed(before[name], networks[name])), name
    assert all(p.requires_grad for p in D.parameters())


def test_the_categorical_information_term_falls_in_a_short_run():
    """The generator learns to make c_cat visible and Q to read it: the cross-entropy −E log Q(c_cat | G(z, c))
    falls from about log 10, so the bound on I(c_cat; G(z, c)) rises. λ_cat is the paper's 1; the rates are
    raised (5e-3 for D and Q, 2e-3 for G) so that 200 iterations of a width-4 network show it."""
    infogan = tiny_infogan(width=4, lr=2e-3, lr_D=5e-3)
    rng = np.random.default_rng(0)
    cross_entropies = []
    for _ in range(200):
        infogan.critic_step(digit_like_images(16, rng))
        cross_entropies.append(float(infogan.generator_step(16)["info_categorical"]))
    first, last = np.mean(cross_entropies[:10]), np.mean(cross_entropies[-10:])
    assert first > 2.2 and last < first - 0.4, (first, last)


def split(infogan, latent):
    """(z, c_cat as ints, c_cont) of a batch of latents."""
    array = latent.numpy()
    start = infogan.noise_dim
    one_hot = array[:, start:start + infogan.n_categories]
    assert np.array_equal(one_hot.sum(1), np.ones(len(array))) and set(np.unique(one_hot)) == {0.0, 1.0}
    return array[:, :start], one_hot.argmax(1), array[:, start + infogan.n_categories:]


def test_the_latents_drawn_and_laid_out_for_the_grids():
    infogan = tiny_infogan()
    z, categories, continuous = split(infogan, infogan.sample_latent(500)[0])
    assert z.shape == (500, 62) and continuous.shape == (500, 2)
    assert np.abs(z).max() <= 1 and np.abs(continuous).max() <= 1  # the official code's U[-1, 1] for both
    assert set(categories) == set(range(10))

    latent, labels = infogan.fixed_latent(100, seed=3)
    assert labels is None
    z, categories, continuous = split(infogan, latent)
    rows, columns = np.divmod(np.arange(100), 10)
    assert np.array_equal(categories, rows)  # one row per category
    for column in range(10):  # one z and c_cont down each column
        in_column = columns == column
        assert np.ptp(z[in_column], axis=0).max() == 0 and np.ptp(continuous[in_column], axis=0).max() == 0
    assert len(np.unique(z[:10], axis=0)) == 10
    np.testing.assert_array_equal(infogan.fixed_latent(100, seed=3)[0].numpy(), latent.numpy())

    values = np.linspace(-2, 2, 5)
    z, categories, continuous = split(infogan, infogan.traversal_latent(1, values)[0])
    assert np.array_equal(categories, np.repeat(np.arange(10), 5))
    assert np.array_equal(continuous[:, 1], np.tile(values, 10)) and not continuous[:, 0].any()
    assert np.ptp(z, axis=0).max() == 0
    with pytest.raises(ValueError, match=r"InfoGAN.traversal_latent: code must be an int in \[0, 2\), got 2"):
        infogan.traversal_latent(2, values)
    with pytest.raises(ValueError, match=r"InfoGAN.latent: expected 2 categories, ints in \[0, 10\), got int64 of "
                                         r"shape \(2,\)"):
        infogan.latent(np.zeros((2, 62)), np.array([3, 10]), np.zeros((2, 2)))


def test_the_networks_are_the_papers_at_width_64():
    generator, discriminator = models.infogan_mnist()
    layers = [(type(m).__name__, tuple(m.weight.shape)) for m in generator.modules()
              if isinstance(m, (ng.nn.Linear, ng.nn.ConvTranspose2d))]
    assert layers == [("Linear", (1024, 74)), ("Linear", (7 * 7 * 128, 1024)), ("ConvTranspose2d", (128, 64, 4, 4)),
                      ("ConvTranspose2d", (64, 1, 4, 4))]
    layers = [(type(m).__name__, tuple(m.weight.shape)) for m in discriminator.modules()
              if isinstance(m, (ng.nn.Linear, ng.nn.Conv2d))]
    assert layers == [("Conv2d", (64, 1, 4, 4)), ("Conv2d", (128, 64, 4, 4)), ("Linear", (1024, 7 * 7 * 128)),
                      ("Linear", (1, 1024)), ("Linear", (128, 1024)), ("Linear", (12, 128))]
    biases = [m.bias for network in (generator, discriminator) for m in network.modules()
              if isinstance(m, (ng.nn.Linear, ng.nn.Conv2d, ng.nn.ConvTranspose2d))]
    assert [b is not None for b in biases] == [False, False, False, True, True, False, False, True, False, True]
    assert not any(b.numpy().any() for b in biases if b is not None)  # the official code's zeros
    infogan = tiny_infogan(learned_variance=True)
    latent, _ = infogan.sample_latent(3)
    images = infogan.G(latent)
    assert images.shape == (3, 1, 28, 28) and 0 <= images.numpy().min() and images.numpy().max() <= 1
    logits, code_parameters = infogan.discriminate_and_recognise(images)
    assert logits.shape == (3, 1) and code_parameters.shape == (3, 14)
    with pytest.raises(ValueError, match=r"InfoGANGenerator: expected latent vectors \[z, c\] of shape \(N, 74\), "
                                         r"got \(3, 72\)"):
        infogan.G(latent[:, :72])


class OneCodeTooFew(models.InfoGANDiscriminator):
    def logits_and_code_parameters(self, x):
        logits, code_parameters = super().logits_and_code_parameters(x)
        return logits, code_parameters[:, 1:]


def test_models_that_disagree_on_the_codes_are_refused():
    generator = models.InfoGANGenerator(width=2, n_categories=8)
    with pytest.raises(ValueError, match="InfoGAN: the generator InfoGANGenerator makes codes of 8 categories and 2 "
                                         "continuous values, the discriminator InfoGANDiscriminator's Q head reads "
                                         "10 and 2"):
        gan.InfoGAN(generator, models.InfoGANDiscriminator(width=2))
    with pytest.raises(TypeError, match="InfoGAN: the discriminator ToyCritic has no n_categories, n_continuous, "
                                        "learned_variance, logits_and_code_parameters; use the networks of "
                                        "nanogan.models.infogan"):
        gan.InfoGAN(models.InfoGANGenerator(width=2), models.ToyCritic(hidden=4))
    infogan = gan.InfoGAN(models.InfoGANGenerator(width=2), OneCodeTooFew(width=2), batch_size=4)
    with pytest.raises(ValueError, match=r"InfoGAN: the discriminator OneCodeTooFew returned logits of shape \(4, 1\) "
                                         r"and code parameters of shape \(4, 11\) for 4 samples; expected \(4, 1\) "
                                         r"and \(4, 12\)"):
        infogan.generator_step(4)


def test_infogan_presets_train_g_and_d_at_their_sources_rates():
    official = gan.InfoGAN.preset("official-mnist")
    assert "openai/InfoGAN" in official.source and gan.InfoGAN.preset() == official
    infogan = tiny_infogan()
    assert infogan.opt_G.param_groups[0]["lr"] == 1e-3 and infogan.opt_D.param_groups[0]["lr"] == 2e-4
    assert infogan.opt_D.param_groups[0]["betas"] == (0.5, 0.999)
    assert (official.categorical_weight, official.continuous_weight, official.noise) == (1.0, 1.0, "uniform")
    assert gan.InfoGAN.preset("continuous-weight-0.1").continuous_weight == 0.1
    for name in gan.InfoGAN.presets:
        assert gan.InfoGAN(*models.infogan_mnist(width=2), name).settings == gan.InfoGAN.preset(name)
    with pytest.raises(ValueError, match=r"InfoGAN: continuous_weight must be a finite number >= 0, got -0.1"):
        tiny_infogan(continuous_weight=-0.1)
