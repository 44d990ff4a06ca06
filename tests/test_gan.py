"""GAN losses, gradient penalty, weight clipping, variants and checkpoint encoding.

Each loss is checked against its formula on worked numbers (and PyTorch where it has the function);
the gradient penalty's gradients with respect to the critic's weights against PyTorch (float64, the same
weights and ε) and against the closed form for a linear critic.
"""
import re
import warnings

import numpy as np
import pytest

import nanogan as ng
from nanogan import gan, models, nn
from nanogan.gan import losses


def softplus(x):
    return np.logaddexp(0.0, x)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def leaf64(values):
    return ng.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


REAL_LOGITS = np.array([2.0, -0.5, 0.0, 7.0])
FAKE_LOGITS = np.array([-3.0, 0.25, 1.5, -20.0])


# ---- GAN losses from logits ------------------------------------------------------------------------------
def test_discriminator_loss_is_two_cross_entropies():
    real, fake = leaf64(REAL_LOGITS), leaf64(FAKE_LOGITS)
    loss = gan.discriminator_loss(real, fake)
    expected = softplus(-REAL_LOGITS).mean() + softplus(FAKE_LOGITS).mean()
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-12)
    # the same number as −(1/m)Σ[log D(x) + log(1 − D(G(z)))] written with probabilities
    np.testing.assert_allclose(loss.item(), -(np.log(sigmoid(REAL_LOGITS)).mean()
                                              + np.log(1 - sigmoid(FAKE_LOGITS)).mean()), rtol=1e-9)
    loss.backward()
    np.testing.assert_allclose(real.grad.numpy(), (sigmoid(REAL_LOGITS) - 1) / 4, rtol=1e-12)
    np.testing.assert_allclose(fake.grad.numpy(), sigmoid(FAKE_LOGITS) / 4, rtol=1e-12)


def test_generator_losses_and_their_gradients():
    fake = leaf64(FAKE_LOGITS)
    minimax = gan.minimax_generator_loss(fake)
    np.testing.assert_allclose(minimax.item(), np.log(1 - sigmoid(FAKE_LOGITS)).mean(), rtol=1e-9)
    np.testing.assert_allclose(minimax.item(), -softplus(FAKE_LOGITS).mean(), rtol=1e-12)
    (g_minimax,) = ng.grad(minimax, fake)
    np.testing.assert_allclose(g_minimax.numpy(), -sigmoid(FAKE_LOGITS) / 4, rtol=1e-12)

    non_saturating = gan.non_saturating_generator_loss(fake)
    np.testing.assert_allclose(non_saturating.item(), -np.log(sigmoid(FAKE_LOGITS)).mean(), rtol=1e-9)
    (g_ns,) = ng.grad(non_saturating, fake)
    np.testing.assert_allclose(g_ns.numpy(), (sigmoid(FAKE_LOGITS) - 1) / 4, rtol=1e-12)
    # the point of the non-saturating loss: where D rejects a fake (logit −20) the minimax gradient vanishes
    assert abs(g_minimax.numpy()[3]) < 1e-9 and abs(g_ns.numpy()[3]) > 0.24


def test_logit_losses_are_finite_at_extreme_logits_in_float32():
    logits = ng.tensor(np.array([-200.0, 200.0], dtype=np.float32), requires_grad=True)
    for loss in (gan.discriminator_loss(logits, logits), gan.minimax_generator_loss(logits),
                 gan.non_saturating_generator_loss(logits)):
        (grad,) = ng.grad(loss, logits)
        assert np.isfinite(loss.item()) and np.all(np.isfinite(grad.numpy()))
    np.testing.assert_allclose(gan.non_saturating_generator_loss(logits).item(), 100.0, rtol=1e-6)


def test_logit_losses_match_torch():
    torch = pytest.importorskip("torch")
    TF = torch.nn.functional
    real_t, fake_t = torch.tensor(REAL_LOGITS), torch.tensor(FAKE_LOGITS)
    ones, zeros = torch.ones(4, dtype=torch.float64), torch.zeros(4, dtype=torch.float64)
    d = TF.binary_cross_entropy_with_logits(real_t, ones) + TF.binary_cross_entropy_with_logits(fake_t, zeros)
    np.testing.assert_allclose(gan.discriminator_loss(leaf64(REAL_LOGITS), leaf64(FAKE_LOGITS)).item(), d.item(),
                               rtol=1e-12)
    ns = TF.binary_cross_entropy_with_logits(fake_t, ones)
    np.testing.assert_allclose(gan.non_saturating_generator_loss(leaf64(FAKE_LOGITS)).item(), ns.item(), rtol=1e-12)
    np.testing.assert_allclose(gan.minimax_generator_loss(leaf64(FAKE_LOGITS)).item(),
                               torch.log1p(-torch.sigmoid(fake_t)).mean().item(), rtol=1e-9)


# ---- Wasserstein and least squares -----------------------------------------------------------------------
def test_wasserstein_losses_on_worked_numbers():
    real, fake = leaf64([1.0, 2.0, 3.0]), leaf64([0.5, -0.5])
    critic = gan.wasserstein_critic_loss(real, fake)
    assert critic.item() == pytest.approx(0.0 - 2.0)  # E D(G(z)) − E D(x)
    critic.backward()
    np.testing.assert_allclose(real.grad.numpy(), [-1 / 3] * 3)
    np.testing.assert_allclose(fake.grad.numpy(), [0.5, 0.5])
    assert gan.wasserstein_generator_loss(leaf64([0.5, -0.5, 3.0])).item() == pytest.approx(-1.0)


def test_least_squares_losses_on_worked_numbers():
    real, fake = leaf64([1.0, 0.0]), leaf64([0.5, -1.0])
    # ½·mean((D(x) − b)²) + ½·mean((D(G(z)) − a)²) with a = −1, b = 1: ½·(0 + 1)/2 + ½·(2.25 + 0)/2
    loss = gan.least_squares_discriminator_loss(real, fake, real_target=1.0, fake_target=-1.0)
    assert loss.item() == pytest.approx(0.25 + 0.5625)
    loss.backward()
    np.testing.assert_allclose(real.grad.numpy(), [0.0, -0.5])  # (D − b)/m
    np.testing.assert_allclose(fake.grad.numpy(), [0.75, 0.0])  # (D − a)/m
    assert gan.least_squares_generator_loss(leaf64([0.5, -1.0]), target=0.0).item() == pytest.approx(
        0.5 * (0.25 + 1.0) / 2)


# ---- the gradient penalty ------------------------------------------------------------------------------
def linear_critic(weights, bias):
    critic = nn.Linear(len(weights), 1).double()
    critic.weight.array[...] = np.asarray(weights, dtype=np.float64)[None]
    critic.bias.array[...] = bias
    return critic


@pytest.mark.parametrize("weights", [[0.3, -0.4, 1.2], [0.1, 0.2, -0.05]])
def test_gradient_penalty_of_a_linear_critic_has_its_closed_form(weights):
    """D(x) = w·x + b: ∇ₓD = w everywhere, so penalty = λ(‖w‖ − 1)², d/dw = 2λ(‖w‖ − 1)·w/‖w‖, d/db = 0."""
    rng = np.random.default_rng(0)
    critic = linear_critic(weights, 0.7)
    real, fake = (ng.tensor(rng.standard_normal((5, 3))) for _ in range(2))
    weight = 10.0
    penalty = gan.gradient_penalty(critic, real, fake, weight)
    w = np.asarray(weights)
    norm = np.linalg.norm(w)
    np.testing.assert_allclose(penalty.item(), weight * (norm - 1) ** 2, rtol=1e-9)
    grad_w, grad_b = ng.grad(penalty, [critic.weight, critic.bias], allow_unused=True)
    np.testing.assert_allclose(grad_w.numpy()[0], 2 * weight * (norm - 1) * w / norm, rtol=1e-9)
    assert grad_b is None or np.all(grad_b.numpy() == 0)


def test_input_gradient_norms_take_the_norm_over_all_of_a_sample():
    critic = lambda x: (x * x).sum(dim=(1, 2, 3))  # ∇ = 2x
    x = np.arange(2 * 1 * 2 * 2, dtype=np.float64).reshape(2, 1, 2, 2)
    norms = gan.input_gradient_norms(critic, ng.tensor(x)).numpy()
    np.testing.assert_allclose(norms, [2 * np.sqrt((x[i] ** 2).sum()) for i in range(2)], rtol=1e-9)


def test_interpolation_draws_one_epsilon_per_sample_in_unit_interval():
    real = ng.zeros(500, 2, 3, dtype=ng.float64)
    fake = ng.ones(500, 2, 3, dtype=ng.float64)
    x_hat = gan.interpolate(real, fake).numpy()  # = 1 − ε, constant over each sample
    assert np.all(x_hat == x_hat[:, :1, :1])
    assert 0.0 <= x_hat.min() and x_hat.max() <= 1.0 and 0.4 < x_hat.mean() < 0.6
    with pytest.raises(ValueError, match="interpolate"):
        gan.interpolate(ng.zeros(2, 3), ng.zeros(3, 3))


def test_interpolation_takes_a_given_epsilon_per_sample_and_refuses_other_shapes():
    """A given ε of shape (N,) is one weight per sample, like (N, 1, 1, 1); an (N, 1) ε on (N, 1, H, W)
    samples would broadcast over H, so it is refused rather than mixing weights within each sample."""
    real, fake = ng.zeros(4, 1, 2, 3, dtype=ng.float64), ng.ones(4, 1, 2, 3, dtype=ng.float64)
    weights = np.array([0.0, 0.25, 0.5, 1.0])
    expected = np.broadcast_to((1 - weights)[:, None, None, None], (4, 1, 2, 3))  # x̂ = ε·0 + (1 − ε)·1
    for epsilon in (ng.tensor(weights), ng.tensor(weights.reshape(4, 1, 1, 1))):
        np.testing.assert_array_equal(gan.interpolate(real, fake, epsilon).numpy(), expected)
    for epsilon, shape in ((ng.tensor(weights.reshape(4, 1)), r"\(4, 1\)"), (ng.tensor(weights[:3]), r"\(3,\)"),
                           (0.5, r"\(\)")):
        with pytest.raises(ValueError, match=rf"interpolate: epsilon of shape {shape} must hold one weight per "
                                             r"sample of the samples of shape \(4, 1, 2, 3\), as shape \(4,\) or "
                                             r"\(4, 1, 1, 1\)"):
            gan.interpolate(real, fake, epsilon)


def _torch_penalty_gradients(torch, torch_critic, real, fake, epsilon, weight):
    x_hat = (epsilon * real + (1 - epsilon) * fake).requires_grad_(True)
    (gradient,) = torch.autograd.grad(torch_critic(x_hat).sum(), x_hat, create_graph=True)
    penalty = weight * ((gradient.flatten(1).norm(dim=1) - 1) ** 2).mean()
    return penalty, torch.autograd.grad(penalty, list(torch_critic.parameters()), allow_unused=True)


def _compare_penalty_with_torch(torch, critic, torch_critic, shape, weight=10.0):
    torch_critic.load_state_dict({k: torch.tensor(v.numpy()) for k, v in critic.state_dict().items()})
    rng = np.random.default_rng(3)
    real, fake = rng.standard_normal(shape), rng.standard_normal(shape)
    ng.manual_seed(11)
    penalty = gan.gradient_penalty(critic, ng.tensor(real), ng.tensor(fake), weight)
    # ∇ₓD does not depend on the last bias, and on ReLU-layer biases only through piecewise-constant masks:
    # those gradients are zero, which either library may return as None (not in the graph)
    grads = ng.grad(penalty, list(critic.parameters()), allow_unused=True)
    ng.manual_seed(11)  # the same ε: interpolate draws them from the global generator
    epsilon = ng.rand(shape[0], *(1,) * (len(shape) - 1), dtype=ng.float64).numpy()
    expected, expected_grads = _torch_penalty_gradients(torch, torch_critic, torch.tensor(real), torch.tensor(fake),
                                                        torch.tensor(epsilon), weight)
    np.testing.assert_allclose(penalty.item(), expected.item(), rtol=1e-6)
    for (name, p), mine, theirs in zip(critic.named_parameters(), grads, expected_grads):
        mine = np.zeros(p.shape) if mine is None else mine.numpy()
        theirs = np.zeros(p.shape) if theirs is None else theirs.numpy()
        np.testing.assert_allclose(mine, theirs, rtol=1e-6, atol=1e-10, err_msg=name)


def test_gradient_penalty_weight_gradients_match_torch_for_an_mlp():
    torch = pytest.importorskip("torch")
    ng.manual_seed(0)
    critic = models.ToyCritic(hidden=6).double()
    tn = torch.nn
    torch_critic = tn.Sequential(tn.Linear(2, 6), tn.ReLU(), tn.Linear(6, 6), tn.ReLU(), tn.Linear(6, 6), tn.ReLU(),
                                 tn.Linear(6, 1)).double()
    _compare_penalty_with_torch(torch, critic, torch_critic, (7, 2))


def test_gradient_penalty_weight_gradients_match_torch_for_the_wgangp_conv_critic():
    torch = pytest.importorskip("torch")
    ng.manual_seed(1)
    dim = 2
    critic = models.WGANGPMNISTCritic(dim=dim).double()
    tn = torch.nn
    torch_critic = tn.Sequential(tn.Conv2d(1, dim, 5, 2, 2), tn.LeakyReLU(0.2), tn.Conv2d(dim, 2 * dim, 5, 2, 2),
                                 tn.LeakyReLU(0.2), tn.Conv2d(2 * dim, 4 * dim, 5, 2, 2), tn.LeakyReLU(0.2),
                                 tn.Flatten(), tn.Linear(4 * 4 * 4 * dim, 1)).double()
    _compare_penalty_with_torch(torch, critic, torch_critic, (3, 1, 28, 28))


# ---- weight clipping and the batch-norm warning ----------------------------------------------------------
def test_weight_clipping_bounds_every_parameter_in_place():
    critic = models.ToyCritic(hidden=8)
    for p in critic.parameters():
        p.array[...] = np.linspace(-1.0, 1.0, p.numel()).reshape(p.shape)
    before = [p.numpy().copy() for p in critic.parameters()]
    arrays = [p.array for p in critic.parameters()]
    gan.clip_weights_(critic.parameters(), 0.01)
    for p, old, array in zip(critic.parameters(), before, arrays):
        assert p.array is array  # in place: the optimiser's references stay valid
        np.testing.assert_array_equal(p.numpy(), np.clip(old, -0.01, 0.01))
    everything = np.concatenate([p.numpy().ravel() for p in critic.parameters()])
    assert everything.max() == np.float32(0.01) and everything.min() == np.float32(-0.01)
    with pytest.raises(ValueError, match="clip_weights_"):
        gan.clip_weights_(critic.parameters(), 0.0)
    with pytest.raises(ValueError, match="clip_weights_: clip_value must be a number > 0, got nan"):
        gan.clip_weights_(critic.parameters(), float("nan"))  # passed `clip_value <= 0` and set every weight to NaN
    assert all(np.array_equal(p.numpy(), np.clip(old, -0.01, 0.01)) for p, old in zip(critic.parameters(), before))


def test_gradient_penalty_with_a_batch_norm_critic_warns_naming_the_layer():
    generator = models.ToyGenerator(hidden=4)
    critic = nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 1))
    with pytest.warns(UserWarning, match=r"WGANGP: the critic's layer '1' \(BatchNorm1d\)"):
        gan.WGANGP(generator, critic)
    layer_norm_critic = nn.Sequential(nn.Linear(2, 4), nn.LayerNorm(4), nn.ReLU(), nn.Linear(4, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gan.WGANGP(generator, layer_norm_critic)


# ---- variants and presets ------------------------------------------------------------------------------
def test_wgangp_presets_name_their_source_and_differ_where_paper_and_code_differ():
    paper, mnist, toy = (gan.WGANGP.preset(name) for name in ("paper", "official-mnist", "official-toy"))
    assert paper.betas == (0.0, 0.9) and paper.penalty_weight == 10 and paper.n_critic == 5 and paper.lr == 1e-4
    assert mnist.betas == (0.5, 0.9) and mnist.penalty_weight == 10
    assert toy.betas == (0.5, 0.9) and toy.penalty_weight == 0.1 and toy.batch_size == 256
    assert "Algorithm 1" in paper.source and "gan_mnist.py" in mnist.source and "gan_toy.py" in toy.source
    assert gan.WGANGP.preset() == paper
    with pytest.raises(KeyError, match="official-mnist"):
        gan.WGANGP.preset("offical")


def test_every_variant_preset_has_a_source():
    for variant in (gan.GAN, gan.DCGAN, gan.WGAN, gan.WGANGP, gan.LSGAN, gan.FGAN, gan.InfoGAN):
        for name, preset in variant.presets.items():
            assert preset.source, (variant.__name__, name)


def test_variant_builds_the_preset_optimiser_and_takes_overrides():
    generator, critic = models.ToyGenerator(hidden=4), models.ToyCritic(hidden=4)
    wgan = gan.WGAN(generator, critic)
    assert type(wgan.opt_D).__name__ == "RMSprop" and wgan.opt_D.param_groups[0]["lr"] == 5e-5
    assert wgan.settings.clip_value == 0.01 and wgan.settings.n_critic == 5 and not wgan.settings.critic_warmup
    assert gan.WGAN(generator, critic, "official").settings.critic_warmup
    wgangp = gan.WGANGP(generator, critic, "official-mnist", n_critic=2, lr=1e-4)
    assert wgangp.settings.n_critic == 2 and wgangp.opt_G.param_groups[0]["betas"] == (0.5, 0.9)
    # the source named the preset's numbers only: printed, "CRITIC_ITERS 5" stood beside n_critic=2
    official = gan.WGANGP.preset("official-mnist")
    assert wgangp.settings.source == f"{official.source}; changed here: n_critic=2"  # lr 1e-4 is the preset's
    # betas given as a list (as JSON or a config file gives them) are the preset's tuple, not a change
    same_betas = gan.WGANGP(generator, critic, "official-mnist", betas=[0.5, 0.9])
    assert same_betas.settings.source == official.source and same_betas.settings.betas == (0.5, 0.9)
    with pytest.raises(TypeError, match="unknown hyperparameters"):
        gan.WGANGP(generator, critic, penalty=3)
    assert gan.GAN(generator, critic, "paper").settings.generator_loss == "minimax"
    assert gan.GAN(generator, critic, "official-mnist").settings.generator_loss == "non-saturating"
    with pytest.raises(ValueError, match="generator_loss"):
        gan.GAN(generator, critic, generator_loss="saturating")


def _toy_pair(seed=0, hidden=8):
    ng.manual_seed(seed)
    return models.ToyGenerator(hidden=hidden), models.ToyCritic(hidden=hidden)


def _snapshot(module):
    return [p.numpy().copy() for p in module.parameters()]


@pytest.mark.parametrize("variant, preset", [(gan.GAN, "paper"), (gan.GAN, "official-mnist"), (gan.DCGAN, None),
                                             (gan.WGAN, None), (gan.WGANGP, None), (gan.LSGAN, "chi-squared"),
                                             (gan.FGAN, "reverse-kl")])
def test_each_step_updates_only_its_own_network(variant, preset):
    generator, critic = _toy_pair()
    v = variant(generator, critic, preset)
    real = np.random.default_rng(0).standard_normal((16, 2)).astype(np.float32)
    g_before, d_before = _snapshot(generator), _snapshot(critic)
    numbers = v.critic_step(real)
    assert all(np.array_equal(a, b) for a, b in zip(g_before, _snapshot(generator)))
    assert not all(np.array_equal(a, b) for a, b in zip(d_before, _snapshot(critic)))
    assert {"d_loss", "d_grad_norm"} <= set(numbers) and np.isfinite(float(numbers["d_loss"]))
    d_after = _snapshot(critic)
    numbers = v.generator_step(16)
    assert all(np.array_equal(a, b) for a, b in zip(d_after, _snapshot(critic)))
    assert not all(np.array_equal(a, b) for a, b in zip(g_before, _snapshot(generator)))
    assert {"g_loss", "g_grad_norm"} <= set(numbers)
    assert all(p.requires_grad for p in critic.parameters())  # unfrozen after the generator step


def _conditional_toy_pair(n_classes=3, generator_classes=None, seed=0):
    """G(z, y) on 2-D points and D(x, y) joining y at its dense head; G for `generator_classes` if given."""
    ng.manual_seed(seed)
    generator_classes = generator_classes or n_classes
    generator = models.ConditionalGenerator(models.ToyGenerator(latent_dim=2 + generator_classes, hidden=8),
                                            generator_classes)
    features = nn.Sequential(nn.Linear(2, 8), nn.LeakyReLU(0.2))
    return generator, models.DenseLabelDiscriminator(features, 8, n_classes)


def test_conditional_variant_refuses_float_labels_instead_of_truncating_them():
    """Labels 0.9, 1.5, 2.99 were truncated to classes 0, 1, 2; like PyTorch's float indices they are refused."""
    v = gan.ConditionalGAN(*_conditional_toy_pair(), n_classes=3)
    assert v.as_labels(np.array([0, 1, 2], dtype=np.uint8)).numpy().tolist() == [0, 1, 2]
    assert v.as_labels(ng.tensor([2, 0])).dtype == np.int64
    float_labels = np.array([0.9, 1.5, 2.99])
    with pytest.raises(TypeError, match=r"ConditionalGAN.as_labels: class labels must have an integer dtype, "
                                        r"got float64 of shape \(3,\)"):
        v.as_labels(float_labels)
    with pytest.raises(TypeError, match=r"ConditionalGAN.as_labels: .* got float32 of shape \(3,\)"):
        v.real_batch((np.zeros((3, 2), dtype=np.float32), ng.tensor(float_labels.astype(np.float32))))


TOY_BATCH = np.random.default_rng(0).standard_normal((8, 2)).astype(np.float32)


def test_critic_step_takes_arrays_and_tensors_of_samples_and_unpacks_only_tuples():
    """A list was read as (images, labels): a list of 8 points trained D on the first point against 2 fakes, and
    a 1-D batch was taken as one sample. Only DataLoader's (images, labels) tuples are unpacked now."""
    generator, critic = _toy_pair()
    v = gan.GAN(generator, critic)
    before = _snapshot(critic)
    with pytest.raises(TypeError, match=r"GAN.critic_step: expected the real samples as a numpy array or Tensor of "
                                        r"shape \(N, \.\.\.\), got list"):
        v.critic_step(list(TOY_BATCH))
    for batch, shape in ((TOY_BATCH[0], r"\(2,\)"), (ng.tensor(TOY_BATCH[0]), r"\(2,\)"),
                         (TOY_BATCH[:0], r"\(0, 2\)")):
        with pytest.raises(ValueError, match=r"GAN.critic_step: expected the real samples in shape \(N, \.\.\.\), "
                                             rf"N >= 1 samples of at least one dimension, got shape {shape}"):
            v.critic_step(batch)
    assert all(np.array_equal(a, b) for a, b in zip(before, _snapshot(critic)))  # no refused step touched D
    for batch in (TOY_BATCH, ng.tensor(TOY_BATCH), (TOY_BATCH, np.arange(8))):  # a labelled batch: labels dropped
        assert np.isfinite(float(v.critic_step(batch)["d_loss"]))
    conditional = gan.ConditionalGAN(*_conditional_toy_pair(), n_classes=3)
    with pytest.raises(TypeError, match=r"ConditionalGAN.critic_step: a conditional variant needs \(images, "
                                        r"labels\) tuples as batches, got list"):
        conditional.critic_step([TOY_BATCH, np.arange(8) % 3])


def test_conditional_critic_step_needs_one_label_per_image():
    """The count mismatch surfaced as an internal cat error ("shapes [(6, 2), (3, 3)] differ outside dimension 1")."""
    v = gan.ConditionalGAN(*_conditional_toy_pair(), n_classes=3)
    for labels, shape in ((np.arange(3), r"\(3,\)"), (np.arange(12) % 3, r"\(12,\)"), (np.int64(1), r"\(\)")):
        with pytest.raises(ValueError, match=rf"ConditionalGAN.critic_step: 6 images need 6 labels, got labels of "
                                             rf"shape {shape}"):
            v.critic_step((TOY_BATCH[:6], labels))
    assert np.isfinite(float(v.critic_step((TOY_BATCH[:6], np.arange(6) % 3))["d_loss"]))


@pytest.mark.parametrize("variant", [gan.GAN, gan.WGAN, gan.WGANGP, gan.LSGAN])
def test_critic_step_refuses_fakes_shaped_unlike_the_real_samples(variant):
    """A convolutional critic takes 32×32 reals and 28×28 fakes alike, so D trained on two kinds of input."""
    ng.manual_seed(0)
    v = variant(models.WGANGPMNISTGenerator(dim=2, latent_dim=4), models.WGANGPMNISTCritic(dim=2))
    with pytest.raises(ValueError, match=rf"{variant.__name__}.critic_step: the generator WGANGPMNISTGenerator made "
                                         r"fakes of shape \(4, 1, 28, 28\), the real batch has shape "
                                         r"\(4, 1, 32, 32\); their samples must match"):
        v.critic_step(np.zeros((4, 1, 32, 32), np.float32))


class VectorScoreCritic(nn.Module):
    """A linear critic returning its scores as shape (N,) rather than (N, 1)."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, x):
        return self.linear(x).reshape(-1)


@pytest.mark.parametrize("variant", [gan.GAN, gan.WGAN, gan.WGANGP, gan.LSGAN, gan.FGAN])
def test_critic_must_return_one_score_per_sample(variant):
    """A critic with two outputs per sample trained without an error: every loss averaged over both."""
    ng.manual_seed(0)
    generator = models.ToyGenerator(hidden=8)
    v = variant(generator, nn.Sequential(nn.Linear(2, 2)))
    message = (rf"{variant.__name__}: the discriminator Sequential returned scores of shape \({{n}}, 2\) for {{n}} "
               rf"samples; expected \({{n}},\) or \({{n}}, 1\), one score per sample")
    with pytest.raises(ValueError, match=message.format(n=8)):
        v.critic_step(TOY_BATCH)
    with pytest.raises(ValueError, match=message.format(n=5)):
        v.generator_step(5)
    vector = variant(generator, VectorScoreCritic())
    assert np.isfinite(float(vector.critic_step(TOY_BATCH)["d_loss"]))
    assert np.isfinite(float(vector.generator_step(5)["g_loss"]))


NAN = float("nan")


@pytest.mark.parametrize("variant, setting, value, requirement", [
    (gan.WGANGP, "n_critic", 0, "an int >= 1"),  # D never trained
    (gan.WGANGP, "n_critic", 2.5, "an int >= 1"),  # ran 3 critic steps, logged 2.5
    (gan.WGAN, "n_critic", True, "an int >= 1"),
    (gan.WGAN, "critic_warmup", "no", "True or False"),  # a truthy string: 100 critic steps
    (gan.WGANGP, "penalty_weight", NAN, "a finite number >= 0"),  # D's weights all NaN after one step
    (gan.WGANGP, "penalty_weight", -10.0, "a finite number >= 0"),  # a reward for steep gradients
    (gan.WGAN, "clip_value", NAN, "a finite number > 0"),  # D's weights all NaN
    (gan.WGAN, "clip_value", -0.01, "a finite number > 0"),  # refused only after D's first update
    (gan.WGAN, "clip_value", float("inf"), "a finite number > 0"),
    (gan.GAN, "batch_size", 0, "an int >= 1"),
    (gan.GAN, "batch_size", -5, "an int >= 1"),
    (gan.DCGAN, "batch_size", 64.0, "an int >= 1"),
    (gan.LSGAN, "real_target", NAN, "a finite number"),
    (gan.LSGAN, "generator_target", float("-inf"), "a finite number"),
    (gan.DCGAN, "noise", "gaussian", "'normal' or 'uniform'"),
    (gan.GAN, "generator_loss", "saturating", r"one of \['minimax', 'non-saturating'\]"),
])
def test_variant_refuses_settings_out_of_range_when_built(variant, setting, value, requirement):
    generator, critic = _toy_pair()
    before = _snapshot(critic)
    message = rf"{variant.__name__}: {setting} must be {requirement}, got {re.escape(repr(value))}$"
    with pytest.raises(ValueError, match=message):
        variant(generator, critic, **{setting: value})
    with pytest.raises(ValueError, match=message):  # a whole Preset, not only an override, is checked
        variant(generator, critic, variant.preset().replace(**{setting: value}))
    assert all(np.array_equal(a, b) for a, b in zip(before, _snapshot(critic)))


def test_every_shipped_preset_passes_the_checks():
    for variant in (gan.GAN, gan.DCGAN, gan.WGAN, gan.WGANGP, gan.LSGAN, gan.FGAN):
        for name in variant.presets:
            assert variant(*_toy_pair(), name).settings == variant.preset(name)
    for variant in (gan.ConditionalGAN, gan.ConditionalWGANGP):
        for name in variant.presets:
            assert variant(*_conditional_toy_pair(), name, n_classes=3).settings == variant.preset(name)


def test_conditional_variant_and_models_must_agree_on_the_classes():
    """n_classes=2 with 3-class models never drew class 2; n_classes=5 failed whenever a label >= 3 was drawn; a
    variant and models of different kinds failed on a missing labels argument."""
    for n_classes in (2, 5):
        with pytest.raises(ValueError, match=rf"ConditionalGAN: n_classes={n_classes}, but the generator "
                                             r"ConditionalGenerator has 3 classes"):
            gan.ConditionalGAN(*_conditional_toy_pair(3), n_classes=n_classes)
    with pytest.raises(ValueError, match=r"ConditionalWGANGP: n_classes=3, but the discriminator "
                                         r"DenseLabelDiscriminator has 4 classes"):
        gan.ConditionalWGANGP(*_conditional_toy_pair(4, generator_classes=3), n_classes=3)
    for n_classes in (0, 2.0, True):
        with pytest.raises(ValueError, match=rf"ConditionalGAN: n_classes must be an int >= 1 or None, got "
                                             rf"{n_classes!r}"):
            gan.ConditionalGAN(*_conditional_toy_pair(), n_classes=n_classes)
    with pytest.raises(TypeError, match=r"GAN: the generator ConditionalGenerator is conditional \(3 classes\) but "
                                        r"the variant is not; pass n_classes=3, as ConditionalGAN and "
                                        r"ConditionalWGANGP do"):
        gan.GAN(*_conditional_toy_pair())
    with pytest.raises(TypeError, match=r"ConditionalGAN: n_classes=10 needs conditional models G\(z, y\) and "
                                        r"D\(x, y\) with an `n_classes` attribute \(nanogan.models.conditional\); "
                                        r"the generator ToyGenerator has none"):
        gan.ConditionalGAN(*_toy_pair())


def test_wgan_critic_step_leaves_the_critic_clipped():
    generator, critic = _toy_pair()
    v = gan.WGAN(generator, critic, lr=0.5)  # a large step, so that clipping has work to do
    v.critic_step(np.random.default_rng(0).standard_normal((16, 2)).astype(np.float32))
    assert max(np.abs(p.numpy()).max() for p in critic.parameters()) <= np.float32(0.01)


def test_wgangp_critic_step_reports_the_wasserstein_estimate_without_the_penalty():
    generator, critic = _toy_pair()
    v = gan.WGANGP(generator, critic)
    numbers = v.critic_step(np.random.default_rng(0).standard_normal((16, 2)).astype(np.float32))
    total, penalty, estimate = (float(numbers[k]) for k in ("d_loss", "gradient_penalty", "wasserstein_estimate"))
    assert penalty > 0
    np.testing.assert_allclose(estimate, -(total - penalty), atol=1e-6)  # float32 sums


def test_critic_iterations_schedule():
    assert [gan.critic_iterations(g, 5) for g in (0, 24, 25, 500)] == [5, 5, 5, 5]
    warm = [gan.critic_iterations(g, 5, warmup=True) for g in range(1002)]
    assert warm[:25] == [100] * 25 and warm[25:500] == [5] * 475
    assert warm[500] == 100 and warm[501:1000] == [5] * 499 and warm[1000] == 100


# ---- checkpoint encoding ----------------------------------------------------------------------------------
def test_checkpoint_round_trips_nested_state(tmp_path):
    rng_state = np.random.default_rng(5).bit_generator.state  # 128-bit integers
    state = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "opt": {"state": {0: {"step": 3, "m": np.ones(2)}},
                                                                       "groups": [{"betas": (0.5, 0.9), "lr": 1e-4}]},
             "rng": rng_state, "none": None, "flag": True, "scalar": np.float32(0.25), "text": "x/y"}
    path = tmp_path / "c.npz"
    gan.save_checkpoint(path, state)
    back = gan.load_checkpoint(path)
    np.testing.assert_array_equal(back["a"], state["a"])
    assert back["a"].dtype == np.float32
    assert back["opt"]["state"][0]["step"] == 3 and back["opt"]["groups"][0]["betas"] == (0.5, 0.9)
    assert back["rng"] == rng_state and back["none"] is None and back["flag"] is True
    assert back["scalar"] == 0.25 and back["text"] == "x/y"
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        gan.load_checkpoint(tmp_path / "missing.npz")


# ---- pictures ----------------------------------------------------------------------------------------------
def test_image_grid_places_and_scales_images():
    images = np.stack([np.full((1, 2, 3), v) for v in (-1.0, 0.0, 1.0)])  # three 2×3 images
    grid = gan.visualize.image_grid(images, nrow=2, padding=1, value_range=(-1, 1), pad_value=1.0)
    assert grid.shape == (1 + 2 * 3, 1 + 2 * 4) and grid.dtype == np.uint8
    assert np.all(grid[1:3, 1:4] == 0) and np.all(grid[1:3, 5:8] == 128) and np.all(grid[4:6, 1:4] == 255)
    assert np.all(grid[0] == 255) and np.all(grid[4:6, 5:8] == 255)  # padding and the empty slot
    assert gan.visualize.image_grid(np.zeros((2, 3, 4, 4))).shape == (2 + 6, 2 + 2 * 6, 3)
    with pytest.raises(ValueError, match="image_grid"):
        gan.visualize.image_grid(np.zeros((2, 2, 4, 4)))


def test_sample_grids_strip_and_plots_are_written(tmp_path):
    from PIL import Image
    paths = []
    for i in range(2):
        paths.append(tmp_path / f"{i:06d}.png")
        gan.visualize.save_image_grid(np.random.default_rng(i).random((4, 1, 5, 5)), paths[-1], nrow=2)
    assert Image.open(paths[0]).size == (2 + 2 * 7, 2 + 2 * 7)
    gan.visualize.progression_strip(paths, tmp_path / "strip.png")
    assert Image.open(tmp_path / "strip.png").size[0] == 2 * 16 + 4
    records = [{"iteration": i, "d_loss": -i, "g_loss": i, "wasserstein_estimate": 1 / i, "gradient_penalty": 0.1}
               for i in range(1, 5)]
    gan.visualize.plot_losses(records, tmp_path / "losses.png")
    gan.visualize.plot_toy(np.zeros((3, 2)), np.ones((3, 2)), tmp_path / "toy.png", critic=lambda p: p.sum(axis=1))
    for name in ("losses.png", "toy.png"):
        assert Image.open(tmp_path / name).size[0] > 100


def test_gradient_norm_is_the_norm_of_every_gradient_together():
    from nanogan.gan.variants.base import gradient_norm
    critic = models.ToyCritic(hidden=4)
    critic(ng.randn(3, 2)).sum().backward()
    expected = np.sqrt(sum((p.grad.numpy().astype(np.float64) ** 2).sum() for p in critic.parameters()))
    np.testing.assert_allclose(gradient_norm(critic.parameters()).item(), expected, rtol=1e-6)
    with pytest.raises(RuntimeError, match="gradient_norm: no parameter has a gradient"):
        gradient_norm(models.ToyCritic(hidden=4).parameters())


def test_a_generator_step_on_no_samples_is_refused():
    """generator_step(0) returned a NaN loss (the mean of no scores), and its gradient would make G's weights NaN."""
    variant = gan.WGANGP(models.ToyGenerator(hidden=4), models.ToyCritic(hidden=4), batch_size=4)
    with pytest.raises(ValueError, match="WGANGP: a step needs a batch of at least 1 sample, got 0"):
        variant.generator_step(0)
