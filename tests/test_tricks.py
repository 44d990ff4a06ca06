"""The training tricks of the GAN papers, each against a reference."""
import numpy as np
import pytest

import nanogan as ng
from nanogan import gan, models, nn
from nanogan.data import get_toy


def leaf64(values):
    return ng.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def softplus(x):
    return np.logaddexp(0.0, x)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def copy_into(ours, theirs):
    """Load a torch module's weights into ours, key by key."""
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


REAL_LOGITS = np.array([2.0, -0.5, 0.0, 7.0])
FAKE_LOGITS = np.array([-3.0, 0.25, 1.5, -20.0])


# ---- one-sided label smoothing ---------------------------------------------------------------------------
def test_label_smoothing_is_the_cross_entropy_against_alpha_on_the_real_side_only():
    real, fake = leaf64(REAL_LOGITS), leaf64(FAKE_LOGITS)
    loss = gan.discriminator_loss(real, fake, real_target=0.9)
    # −[α log σ(l) + (1 − α) log(1 − σ(l))] on the real side, the fake side's target still 0
    expected = (0.9 * softplus(-REAL_LOGITS) + 0.1 * softplus(REAL_LOGITS)).mean() + softplus(FAKE_LOGITS).mean()
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-12)
    loss.backward()
    np.testing.assert_allclose(real.grad.numpy(), (sigmoid(REAL_LOGITS) - 0.9) / 4, rtol=1e-12)
    np.testing.assert_allclose(fake.grad.numpy(), sigmoid(FAKE_LOGITS) / 4, rtol=1e-12)
    # at logit log(α/(1 − α)), D(x) = α: the real side's gradient is zero there
    at_alpha = leaf64([np.log(0.9 / 0.1)])
    (grad,) = ng.grad(gan.discriminator_loss(at_alpha, leaf64([0.0]), real_target=0.9), at_alpha)
    assert abs(grad.item()) < 1e-15


def test_label_smoothing_matches_torch_and_is_finite_at_extreme_logits():
    torch = pytest.importorskip("torch")
    TF = torch.nn.functional
    real_t, fake_t = torch.tensor(REAL_LOGITS, requires_grad=True), torch.tensor(FAKE_LOGITS)
    theirs = (TF.binary_cross_entropy_with_logits(real_t, torch.full((4,), 0.9, dtype=torch.float64))
              + TF.binary_cross_entropy_with_logits(fake_t, torch.zeros(4, dtype=torch.float64)))
    theirs.backward()
    real = leaf64(REAL_LOGITS)
    ours = gan.discriminator_loss(real, leaf64(FAKE_LOGITS), real_target=0.9)
    ours.backward()
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-12)
    np.testing.assert_allclose(real.grad.numpy(), real_t.grad.numpy(), rtol=1e-12)
    logits = ng.tensor(np.array([-200.0, 200.0], dtype=np.float32), requires_grad=True)
    loss = gan.discriminator_loss(logits, logits, real_target=0.9)
    (grad,) = ng.grad(loss, logits)
    assert np.isfinite(loss.item()) and np.all(np.isfinite(grad.numpy()))
    with pytest.raises(ValueError, match=r"discriminator_loss: real_target must be a number in \[0, 1\].*got 1.5"):
        gan.discriminator_loss(logits, logits, real_target=1.5)


def toy_gan(**overrides):
    ng.manual_seed(0)
    generator, discriminator = models.ToyGenerator(hidden=8), models.ToyCritic(hidden=8)
    return gan.GAN(generator, discriminator, "official-mnist", **{"batch_size": 8, **overrides})


def test_the_gan_variant_trains_d_against_its_preset_real_target():
    variant = toy_gan(real_target=0.9)
    assert variant.settings.source.endswith("changed here: batch_size=8, real_target=0.9")
    batch = get_toy("ring8_wgangp")(8, np.random.default_rng(0))
    ng.manual_seed(1)
    real, fake, labels = variant.critic_inputs(batch)
    expected = gan.discriminator_loss(variant.discriminate(real), variant.discriminate(fake), 0.9).item()
    ng.manual_seed(1)
    assert variant.critic_step(batch)["d_loss"].item() == expected
    with pytest.raises(ValueError, match=r"GAN: real_target must be a number in \(0.5, 1\], got 0.4"):
        toy_gan(real_target=0.4)


# ---- two time-scale update rule -----------------------------------------------------------------------
def test_lr_d_gives_d_its_own_learning_rate_and_defaults_to_lr():
    variant = toy_gan(optimizer="adam", lr=1e-4, lr_D=4e-4)
    assert [g["lr"] for g in variant.opt_G.param_groups] == [1e-4]
    assert [g["lr"] for g in variant.opt_D.param_groups] == [4e-4]
    same = toy_gan(lr=0.05)
    assert same.settings.lr_D is None and same.opt_D.param_groups[0]["lr"] == 0.05
    with pytest.raises(ValueError, match=r"GAN: lr_D must be None \(D trains at lr\) or a finite number >= 0, "
                                         r"got -0.001"):
        toy_gan(lr_D=-1e-3)


# ---- R1 ---------------------------------------------------------------------------------------------------
def test_r1_penalty_of_a_linear_discriminator_has_its_closed_form():
    """D(x) = w·x + b: ∇ₓD = w everywhere, so R1 = (γ/2)‖w‖², d/dw = γ·w, d/db = 0."""
    discriminator = nn.Linear(3, 1).double()
    w = np.array([0.3, -0.4, 1.2])
    discriminator.weight.array[...] = w[None]
    real = ng.tensor(np.random.default_rng(0).standard_normal((5, 3)))
    penalty = gan.r1_penalty(discriminator, real, weight=10.0)
    np.testing.assert_allclose(penalty.item(), 5.0 * (w @ w), rtol=1e-12)
    grad_w, grad_b = ng.grad(penalty, [discriminator.weight, discriminator.bias], allow_unused=True)
    np.testing.assert_allclose(grad_w.numpy()[0], 10.0 * w, rtol=1e-12)
    assert grad_b is None or np.all(grad_b.numpy() == 0)


def test_r1_penalty_and_its_weight_gradients_match_torch_double_backward():
    torch = pytest.importorskip("torch")

    def make(m):
        return m.Sequential(m.Conv2d(1, 3, 3), m.LeakyReLU(0.2), m.Flatten(), m.Linear(3 * 3 * 3, 1))

    torch.manual_seed(0)
    theirs = make(torch.nn).double()
    ours = make(nn).double()
    copy_into(ours, theirs)
    x = np.random.default_rng(1).standard_normal((4, 1, 5, 5))

    x_t = torch.tensor(x, requires_grad=True)
    (g,) = torch.autograd.grad(theirs(x_t).sum(), x_t, create_graph=True)
    their_penalty = 0.5 * 10.0 * g.pow(2).flatten(1).sum(1).mean()
    their_penalty.backward()

    our_penalty = gan.r1_penalty(ours, ng.tensor(x), weight=10.0)
    our_penalty.backward()
    np.testing.assert_allclose(our_penalty.item(), their_penalty.item(), rtol=1e-10)
    their_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        # the biases shift D, not its slope: their gradient is zero, which either library may leave as None
        our_grad, their_grad = (np.zeros(p.shape) if g is None else g.numpy()
                                for g in (p.grad, their_params[name].grad))
        np.testing.assert_allclose(our_grad, their_grad, rtol=1e-9, atol=1e-12, err_msg=name)
    assert np.abs(ours[0].weight.grad.numpy()).max() > 0.1 and np.abs(ours[3].weight.grad.numpy()).max() > 0.1
