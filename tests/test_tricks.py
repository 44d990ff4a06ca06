"""The training tricks (nanogan/gan/tricks.py and where it points): each against a reference.

One-sided label smoothing and feature matching against worked numbers and torch's losses; the R1 penalty's
gradients with respect to D's weights against torch (double backward, the same weights) and a linear D's closed
form; minibatch discrimination against a direct loop over its formula and torch; the minibatch standard deviation
against torch written as ProGAN's code; historical averaging and the EMA of G's weights against the averages of
known steps (the EMA also against torch's AveragedModel), and their state through checkpoints and a resumed Trainer.
"""
import numpy as np
import pytest

import nanogan as ng
from nanogan import gan, models, nn
from nanogan.data import DataLoader, get_toy
from nanogan.gan import tricks


def leaf64(values):
    return ng.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def softplus(x):
    return np.logaddexp(0.0, x)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def torch_made(torch, make):
    """make(torch.nn) with torch's generator seeded, which is left as it was: tests run later that draw torch's
    weights unseeded must see the same draws with or without this file."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return make(torch.nn)


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

    theirs = torch_made(torch, make).double()
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


# ---- instance noise ---------------------------------------------------------------------------------------
def test_instance_noise_adds_sigma_times_a_standard_normal_draw_and_lets_the_gradient_through():
    x = leaf64(np.arange(6.0).reshape(2, 3))
    ng.manual_seed(3)
    draw = ng.randn_like(x).numpy()
    ng.manual_seed(3)
    noisy = tricks.instance_noise(x, 0.25)
    np.testing.assert_array_equal(noisy.numpy(), x.numpy() + 0.25 * draw)
    (grad,) = ng.grad(noisy.sum(), x)
    np.testing.assert_array_equal(grad.numpy(), np.ones((2, 3)))
    state = ng.get_rng_state()
    assert tricks.instance_noise(x, 0.0) is x and ng.get_rng_state() == state  # σ = 0: nothing drawn
    big = tricks.instance_noise(ng.zeros(200_000, dtype=ng.float64), 0.5).numpy()
    assert abs(big.mean()) < 0.01 and abs(big.std() - 0.5) < 0.01
    with pytest.raises(ValueError, match=r"instance_noise: sigma must be a finite number >= 0, got -0.1"):
        tricks.instance_noise(x, -0.1)


def test_annealed_noise_std_falls_linearly_to_zero_and_stays_there():
    values = [tricks.annealed_noise_std(t, initial_std=0.2, anneal_iterations=100) for t in (0, 25, 50, 100, 150)]
    np.testing.assert_allclose(values, [0.2, 0.15, 0.1, 0.0, 0.0], rtol=1e-15)
    with pytest.raises(ValueError, match=r"annealed_noise_std: anneal_iterations must be a number > 0, got 0"):
        tricks.annealed_noise_std(3, 0.1, 0)


# ---- feature matching -------------------------------------------------------------------------------------
def test_feature_matching_loss_on_worked_numbers():
    real = leaf64([[1.0, 2.0], [3.0, 4.0]])  # mean (2, 3)
    fake = leaf64([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]])  # mean (1, 1)
    loss = tricks.feature_matching_loss(real, fake)
    assert loss.item() == pytest.approx(1.0 + 4.0)
    loss.backward()
    np.testing.assert_allclose(fake.grad.numpy(), np.tile([-2 * 1.0 / 3, -2 * 2.0 / 3], (3, 1)))  # −2(μ_r − μ_f)/m
    assert real.grad is None  # E f(x) is G's target, not trained
    with pytest.raises(ValueError, match=r"feature_matching_loss: real features of shape \(2, 2\) and fake "
                                         r"features of shape \(3, 3\) must be batches"):
        tricks.feature_matching_loss(real, ng.zeros(3, 3))


def test_feature_matching_through_a_hooked_layer_gives_g_torchs_gradients():
    torch = pytest.importorskip("torch")

    def make(m):
        generator = m.Sequential(m.Linear(2, 4), m.Tanh())
        discriminator = m.Sequential(m.Linear(4, 5), m.LeakyReLU(0.2), m.Linear(5, 1))
        return generator, discriminator

    their_g, their_d = (m.double() for m in torch_made(torch, make))
    our_g, our_d = (m.double() for m in make(nn))
    copy_into(our_g, their_g)
    copy_into(our_d, their_d)
    rng = np.random.default_rng(2)
    real, z = rng.standard_normal((6, 4)), rng.standard_normal((3, 2))

    with tricks.features_of(our_d[1]) as features:
        scores = our_d(ng.tensor(real))
        our_d(our_g(ng.tensor(z)))
    assert len(features) == 2 and scores.shape == (6, 1)  # the hook leaves D's output as it was
    ours = tricks.feature_matching_loss(*features)
    ours.backward()
    our_d(ng.tensor(real))
    assert len(features) == 2 and not our_d[1]._forward_hooks  # the hook is gone after the block

    f = lambda x: their_d[1](their_d[0](x))
    theirs = (f(torch.tensor(real)).mean(0) - f(their_g(torch.tensor(z))).mean(0)).pow(2).sum()
    theirs.backward()
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-12)
    their_params = dict(their_g.named_parameters())
    for name, p in our_g.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), their_params[name].grad.numpy(), rtol=1e-10, err_msg=name)


def test_features_of_removes_its_hook_when_the_block_fails():
    layer = nn.Linear(2, 2)
    with pytest.raises(RuntimeError, match="inside"):
        with tricks.features_of(layer):
            raise RuntimeError("inside")
    assert not layer._forward_hooks
    with pytest.raises(TypeError, match=r"features_of: expected a layer of D \(an nn.Module\), got function"):
        with tricks.features_of(lambda x: x):
            pass


# ---- minibatch discrimination and minibatch standard deviation ----------------------------------------------
def minibatch_features_by_loop(f, T):
    """o(xᵢ)_b = Σ_{j≠i} exp(−Σ_c |M_{i,b,c} − M_{j,b,c}|), M_{i,b,c} = Σ_a f_{i,a} T_{a,b,c}, one number at a time."""
    n, (a_dims, b_dims, c_dims) = f.shape[0], T.shape
    M = np.zeros((n, b_dims, c_dims))
    for i in range(n):
        for b in range(b_dims):
            for c in range(c_dims):
                M[i, b, c] = sum(f[i, a] * T[a, b, c] for a in range(a_dims))
    o = np.zeros((n, b_dims))
    for i in range(n):
        for j in range(n):
            if j != i:
                for b in range(b_dims):
                    o[i, b] += np.exp(-sum(abs(M[i, b, c] - M[j, b, c]) for c in range(c_dims)))
    return np.concatenate([f, o], axis=1)


def test_minibatch_discrimination_computes_its_formula():
    layer = nn.MinibatchDiscrimination(4, 3, 2).double()
    rng = np.random.default_rng(4)
    layer.weight.array[...] = rng.standard_normal((4, 3, 2)) * 0.5
    f = rng.standard_normal((5, 4))
    np.testing.assert_allclose(layer(ng.tensor(f)).numpy(), minibatch_features_by_loop(f, layer.weight.numpy()),
                               rtol=1e-12, atol=1e-300)
    # five copies of one sample: each has the four others at distance 0
    copies = layer(ng.tensor(np.tile(f[:1], (5, 1)))).numpy()
    np.testing.assert_allclose(copies[:, 4:], 4.0)
    assert list(layer.state_dict()) == ["weight"] and layer.weight.shape == (4, 3, 2)
    with pytest.raises(ValueError, match=r"MinibatchDiscrimination: expected features of shape \(N, 4\), got "
                                         r"\(5, 2, 2\)"):
        layer(ng.zeros(5, 2, 2, dtype=ng.float64))


def test_minibatch_discrimination_gradients_match_torch():
    torch = pytest.importorskip("torch")
    layer = nn.MinibatchDiscrimination(4, 3, 2).double()
    rng = np.random.default_rng(5)
    f = rng.standard_normal((5, 4))
    weights = rng.standard_normal((5, 7))

    T = torch.tensor(layer.weight.numpy(), requires_grad=True)
    f_t = torch.tensor(f, requires_grad=True)
    M = (f_t @ T.reshape(4, 6)).reshape(5, 3, 2)
    closeness = torch.exp(-(M[:, None] - M[None]).abs().sum(3)) * (1 - torch.eye(5, dtype=torch.float64))[:, :, None]
    theirs = torch.cat([f_t, closeness.sum(1)], 1)
    (theirs * torch.tensor(weights)).sum().backward()

    f_ours = leaf64(f)
    ours = layer(f_ours)
    (ours * ng.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(f_ours.grad.numpy(), f_t.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(layer.weight.grad.numpy(), T.grad.numpy(), rtol=1e-10, atol=1e-14)


def progan_minibatch_stddev(torch, x, group_size=4):
    """tkarras/progressive_growing_of_gans, networks.py, minibatch_stddev_layer, in torch (NCHW)."""
    group = min(group_size, x.shape[0])
    y = x.reshape(group, -1, *x.shape[1:])
    y = y - y.mean(0, keepdim=True)
    y = (y.pow(2).mean(0) + 1e-8).sqrt()
    y = y.mean(dim=tuple(range(1, y.dim())), keepdim=True)
    y = y.repeat(group, *(1,) * (x.dim() - 1))[:, :1].expand(x.shape[0], 1, *x.shape[2:])
    return torch.cat([x, y], 1)


@pytest.mark.parametrize("shape", [(8, 3, 4, 4), (2, 3, 2, 2), (12, 5)])
def test_minibatch_stddev_matches_progans_code_in_torch(shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    x = rng.standard_normal(shape)
    weights = rng.standard_normal((shape[0], shape[1] + 1, *shape[2:]))
    x_t = torch.tensor(x, requires_grad=True)
    theirs = progan_minibatch_stddev(torch, x_t)
    (theirs * torch.tensor(weights)).sum().backward()
    x_ours = leaf64(x)
    ours = nn.MinibatchStdDev()(x_ours)
    (ours * ng.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x_ours.grad.numpy(), x_t.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_minibatch_stddev_groups_every_m_th_sample_and_refuses_a_batch_it_cannot_split():
    # 4 samples, groups of 2: samples 0 and 2 form group 0, samples 1 and 3 group 1 (the code's reshape)
    x = np.array([[0.0], [10.0], [2.0], [10.0]])
    out = nn.MinibatchStdDev(group_size=2)(ng.tensor(x)).numpy()
    np.testing.assert_allclose(out[:, 1], [1.0, 1e-4, 1.0, 1e-4], rtol=1e-6)  # σ = |0 − 2|/2 and √10⁻⁸
    with pytest.raises(ValueError, match=r"MinibatchStdDev: expected an input \(N, C, ...\) with N a multiple of "
                                         r"group_size=4 \(or N below it\), got shape \(6, 3\)"):
        nn.MinibatchStdDev()(ng.zeros(6, 3))


# ---- historical averaging -----------------------------------------------------------------------------------
def set_weights(layer, weight, bias):
    layer.weight.array[...] = weight
    layer.bias.array[...] = bias


def test_historical_average_after_known_steps_and_its_penalty_gradient():
    layer = nn.Linear(2, 1).double()
    set_weights(layer, [[1.0, 2.0]], [0.0])
    history = tricks.HistoricalAverage(layer)
    set_weights(layer, [[3.0, 2.0]], [3.0])
    history.update()
    set_weights(layer, [[5.0, -1.0]], [6.0])
    history.update()
    assert history.count == 3
    np.testing.assert_allclose(history.average["weight"].numpy(), [[3.0, 1.0]])  # ((1 + 3 + 5)/3, (2 + 2 − 1)/3)
    np.testing.assert_allclose(history.average["bias"].numpy(), [3.0])
    set_weights(layer, [[4.0, 1.0]], [1.0])
    penalty = history.penalty()
    assert penalty.item() == pytest.approx(1.0 + 0.0 + 4.0)  # ‖(4, 1, 1) − (3, 1, 3)‖²
    weight_grad, bias_grad = ng.grad(penalty, [layer.weight, layer.bias])
    np.testing.assert_allclose(weight_grad.numpy(), [[2.0, 0.0]])  # 2(θ − θ̄)
    np.testing.assert_allclose(bias_grad.numpy(), [-4.0])


def test_historical_average_survives_a_checkpoint(tmp_path):
    rng = np.random.default_rng(7)
    layer = nn.Linear(3, 2).double()
    history = tricks.HistoricalAverage(layer)
    for _ in range(3):
        set_weights(layer, rng.standard_normal((2, 3)), rng.standard_normal(2))
        history.update()
    gan.save_checkpoint(tmp_path / "history.npz", history.state_dict())
    restored = tricks.HistoricalAverage(layer)
    restored.load_state_dict(gan.load_checkpoint(tmp_path / "history.npz"))
    assert restored.count == 4
    set_weights(layer, rng.standard_normal((2, 3)), rng.standard_normal(2))
    history.update()
    restored.update()
    for name in ("weight", "bias"):
        np.testing.assert_array_equal(restored.average[name].numpy(), history.average[name].numpy())
    with pytest.raises(ValueError, match=r"HistoricalAverage.load_state_dict: the state averages the parameters "
                                         r"\{'weight': \(2, 3\), 'bias': \(2,\)\}, the module has \{'weight': \(2, 2\)"):
        tricks.HistoricalAverage(nn.Linear(2, 2)).load_state_dict(history.state_dict())


# ---- EMA of the generator's weights --------------------------------------------------------------------------
def test_ema_after_known_updates_and_its_samples():
    generator = nn.Linear(1, 1, bias=False).double()
    generator.weight.array[...] = 1.0
    ema = tricks.ExponentialMovingAverage(generator, beta=0.5)
    for value in (3.0, 5.0):
        generator.weight.array[...] = value
        ema.update()
    assert ema.model.weight.item() == 0.5 * (0.5 * 1.0 + 0.5 * 3.0) + 0.5 * 5.0  # 3.5
    assert generator.weight.item() == 5.0 and not ema.model.weight.requires_grad
    z = ng.tensor([[2.0]], dtype=ng.float64)
    samples = ema.sample(z)
    assert isinstance(samples, np.ndarray) and samples.tolist() == [[7.0]]


def test_ema_matches_torchs_averaged_model_and_copies_buffers():
    torch = pytest.importorskip("torch")
    from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

    def make(m):
        return m.Sequential(m.Linear(2, 3), m.BatchNorm1d(3), m.ReLU(), m.Linear(3, 2))

    theirs = torch_made(torch, make).double()
    ours = make(nn).double()
    copy_into(ours, theirs)
    their_average = AveragedModel(theirs, multi_avg_fn=get_ema_multi_avg_fn(0.9))
    their_average.update_parameters(theirs)  # its first update copies, as ours does when made
    ema = tricks.ExponentialMovingAverage(ours, beta=0.9)
    rng = np.random.default_rng(8)
    for _ in range(4):
        x = rng.standard_normal((5, 2))
        ours(ng.tensor(x))  # moves the batch-norm statistics
        for p in theirs.parameters():
            p.data += torch.tensor(rng.standard_normal(tuple(p.shape)))
        copy_into(ours, theirs)
        their_average.update_parameters(theirs)
        ema.update()
    their_params = dict(their_average.module.named_parameters())
    for name, p in ema.model.named_parameters():
        np.testing.assert_allclose(p.numpy(), their_params[name].detach().numpy(), rtol=1e-12, err_msg=name)
    for (name, averaged), current in zip(ema.model.named_buffers(), ours.buffers()):
        np.testing.assert_array_equal(averaged.numpy(), current.numpy(), err_msg=name)


def toy_gan_trainer(run_dir, **overrides):
    variant = toy_gan(**overrides)
    loader = DataLoader(get_toy("ring8_wgangp")(48, np.random.default_rng(0)), batch_size=8, seed=3)
    trainer = gan.Trainer(variant, loader, run_dir, progress=False, n_samples=4, checkpoint_every=2)
    ema = trainer.keep_state("ema", tricks.ExponentialMovingAverage(variant.G, beta=0.9))
    history = trainer.keep_state("history", tricks.HistoricalAverage(variant.D))
    trainer.every(1, lambda trainer: (ema.update(), history.update()))
    return trainer, ema, history


def test_trainer_checkpoints_kept_states_and_a_resumed_run_continues_them(tmp_path):
    straight, straight_ema, straight_history = toy_gan_trainer(tmp_path / "straight")
    straight.fit(4)
    toy_gan_trainer(tmp_path / "resumed")[0].fit(2)
    resumed, ema, history = toy_gan_trainer(tmp_path / "resumed")
    assert resumed.resume()
    assert history.count == 3  # made at the start, then one update after each of the 2 iterations
    resumed.fit(4)
    for ours, theirs in zip(ema.model.parameters(), straight_ema.model.parameters()):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    for name, average in history.average.items():
        np.testing.assert_array_equal(average.numpy(), straight_history.average[name].numpy())

    forgetful = gan.Trainer(toy_gan(), DataLoader(np.zeros((8, 2)), batch_size=8), tmp_path / "resumed",
                            progress=False)
    with pytest.raises(ValueError, match=r"Trainer.resume: .*checkpoint.npz keeps the states \['ema', 'history'\], "
                                         r"this trainer \[\]; call keep_state for each"):
        forgetful.resume()


def test_a_checkpoint_from_before_the_trick_settings_resumes_as_their_defaults(tmp_path):
    trainer = toy_gan_trainer(tmp_path)[0]
    trainer.fit(1)
    state = gan.load_checkpoint(trainer.checkpoint_path)
    for added in ("lr_D", "real_target"):
        del state["trainer"]["settings"][added]
    gan.save_checkpoint(trainer.checkpoint_path, state)
    assert toy_gan_trainer(tmp_path)[0].resume()
    with pytest.raises(ValueError, match=r"other settings \(real_target 1.0 there, 0.9 here\)"):
        toy_gan_trainer(tmp_path, real_target=0.9)[0].resume()


# ---- top-k generator updates ------------------------------------------------------------------------------
def test_top_k_size_anneals_by_the_papers_rule_on_worked_numbers():
    assert [tricks.top_k_size(64, e) for e in (0, 1, 2, 68, 69, 1000)] == [64, 63, 62, 32, 32, 32]
    assert tricks.top_k_size(64, 10, decay=0.9, minimum_fraction=0.25) == 22  # ⌊0.9¹⁰·64⌋ = ⌊22.3⌋
    assert tricks.top_k_size(1, 500) == 1 and tricks.top_k_size(3, 500, minimum_fraction=0.1) == 1
    with pytest.raises(ValueError, match=r"top_k_size: decay must be a number in \(0, 1\], got 1.5"):
        tricks.top_k_size(64, 0, decay=1.5)


@pytest.mark.parametrize("make", [lambda: toy_gan(optimizer="sgd", lr=0.5),
                                  lambda: gan.WGANGP(models.ToyGenerator(hidden=8), models.ToyCritic(hidden=8),
                                                     batch_size=8)])
def test_a_top_k_step_of_g_is_a_plain_step_on_the_k_samples_d_scores_highest(make):
    """G and D are per-sample MLPs, so G's loss on the top k of D(G(z)) is its loss on G(z_top): the two steps must
    leave the same weights."""
    top_k, plain = make(), make()
    plain.G.load_state_dict(top_k.G.state_dict())
    plain.D.load_state_dict(top_k.D.state_dict())
    z, _ = top_k.sample_latent(8)
    with ng.no_grad():
        best = np.argsort(-top_k.discriminate(top_k.generate(z)).numpy().ravel(), kind="stable")[:3]
    loss = gan.wasserstein_generator_loss if isinstance(top_k, gan.WGANGP) else gan.non_saturating_generator_loss
    top_k.generator_top_k = 3
    numbers = top_k.train_generator_on(z, None, loss)
    expected = plain.train_generator_on(ng.tensor(z.numpy()[best]), None, loss)
    np.testing.assert_allclose(numbers["g_loss"].item(), expected["g_loss"].item(), rtol=1e-6)
    for ours, theirs in zip(top_k.G.parameters(), plain.G.parameters()):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-7)
    assert not np.allclose(next(top_k.G.parameters()).numpy(), next(make().G.parameters()).numpy())  # it moved


def test_top_k_is_refused_out_of_range_and_where_the_g_loss_reads_more_than_the_scores():
    variant = toy_gan()
    variant.generator_top_k = 9
    with pytest.raises(ValueError, match=r"GAN: generator_top_k must be None or an int in 1\.\.8, the samples of "
                                         r"G's step, got 9"):
        variant.generator_step(8)
    from test_fgan_infogan import tiny_infogan
    infogan = tiny_infogan()
    infogan.generator_top_k = 4
    with pytest.raises(NotImplementedError, match=r"InfoGAN: top-k generator updates \(generator_top_k=4\) are "
                                                  r"for the variants whose G loss reads D's scores alone"):
        infogan.generator_step(16)


def test_top_k_annealing_sets_k_from_the_trainers_iteration_at_once_and_after_each_iteration(tmp_path):
    trainer, _, _ = toy_gan_trainer(tmp_path)
    trainer.iteration = 150  # as a resumed run: epoch 1 of 100 iterations
    hook = tricks.top_k_annealing(trainer, epoch_iterations=100, decay=0.5, minimum_fraction=0.25)
    assert trainer.variant.generator_top_k == 4  # ⌊0.5·8⌋
    trainer.iteration = 350
    hook(trainer)
    assert trainer.variant.generator_top_k == 2  # ⌊0.5³·8⌋ = 1 is below ⌊0.25·8⌋
