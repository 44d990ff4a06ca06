"""CycleGAN: its networks, losses, image pool, lr schedule and checkpoints.

The losses and their gradients are compared with PyTorch: the official code's ResnetGenerator and
NLayerDiscriminator (pytorch-CycleGAN-and-pix2pix, models/networks.py, instance norm, no dropout) are written below
in torch, loaded with nanogan's weights (the state-dict names are the same), and the official backward_G and
backward_D_basic computed on them in float64. The image pool is checked against the official ImagePool's rule,
replayed here on nanogan.random's generator; the lr schedule against torch's LambdaLR with the official rule.
"""
import math

import numpy as np
import pytest

import nanogan as ng
from nanogan import gan, models, nn
from nanogan.data import UnpairedLoader
from nanogan.models.cyclegan import patch_map_side

SIDE, CHANNELS, WIDTH, BLOCKS, BATCH = 24, 1, 2, 1, 2  # the smallest image PatchGAN takes, the narrowest networks


def tiny_cyclegan(seed=0, preset=None, **overrides):
    ng.manual_seed(seed)
    generators, discriminators = models.cyclegan_networks(CHANNELS, WIDTH, BLOCKS)
    settings = {"batch_size": BATCH, "iterations_per_epoch": 1, **overrides}
    return gan.CycleGAN(generators, discriminators, preset, **settings)


def images(n, seed, side=SIDE, channels=CHANNELS):
    return np.random.default_rng(seed).uniform(-1, 1, (n, channels, side, side)).astype(np.float32)


# ---- the official networks, in torch -------------------------------------------------------------------------
def official_networks(torch, channels, width, n_blocks):
    """ResnetGenerator(input_nc, output_nc, ngf, InstanceNorm2d, use_dropout=False, n_blocks) and
    NLayerDiscriminator(input_nc, ndf, n_layers=3, InstanceNorm2d) as networks.py builds them for CycleGAN."""
    tn = torch.nn

    class ResnetBlock(tn.Module):
        def __init__(self, dim):
            super().__init__()
            self.conv_block = tn.Sequential(tn.ReflectionPad2d(1), tn.Conv2d(dim, dim, 3, bias=True),
                                            tn.InstanceNorm2d(dim), tn.ReLU(True),
                                            tn.ReflectionPad2d(1), tn.Conv2d(dim, dim, 3, bias=True),
                                            tn.InstanceNorm2d(dim))

        def forward(self, x):
            return x + self.conv_block(x)

    class ResnetGenerator(tn.Module):
        def __init__(self):
            super().__init__()
            model = [tn.ReflectionPad2d(3), tn.Conv2d(channels, width, kernel_size=7, padding=0, bias=True),
                     tn.InstanceNorm2d(width), tn.ReLU(True)]
            for i in range(2):
                mult = 2 ** i
                model += [tn.Conv2d(width * mult, width * mult * 2, kernel_size=3, stride=2, padding=1, bias=True),
                          tn.InstanceNorm2d(width * mult * 2), tn.ReLU(True)]
            model += [ResnetBlock(width * 4) for _ in range(n_blocks)]
            for i in range(2):
                mult = 2 ** (2 - i)
                model += [tn.ConvTranspose2d(width * mult, width * mult // 2, kernel_size=3, stride=2, padding=1,
                                             output_padding=1, bias=True),
                          tn.InstanceNorm2d(width * mult // 2), tn.ReLU(True)]
            model += [tn.ReflectionPad2d(3), tn.Conv2d(width, channels, kernel_size=7, padding=0), tn.Tanh()]
            self.model = tn.Sequential(*model)

        def forward(self, x):
            return self.model(x)

    class NLayerDiscriminator(tn.Module):
        def __init__(self, n_layers=3):
            super().__init__()
            sequence = [tn.Conv2d(channels, width, kernel_size=4, stride=2, padding=1), tn.LeakyReLU(0.2, True)]
            nf_mult = 1
            for n in range(1, n_layers):
                nf_mult_prev, nf_mult = nf_mult, min(2 ** n, 8)
                sequence += [tn.Conv2d(width * nf_mult_prev, width * nf_mult, kernel_size=4, stride=2, padding=1),
                             tn.InstanceNorm2d(width * nf_mult), tn.LeakyReLU(0.2, True)]
            nf_mult_prev, nf_mult = nf_mult, min(2 ** n_layers, 8)
            sequence += [tn.Conv2d(width * nf_mult_prev, width * nf_mult, kernel_size=4, stride=1, padding=1),
                         tn.InstanceNorm2d(width * nf_mult), tn.LeakyReLU(0.2, True)]
            sequence += [tn.Conv2d(width * nf_mult, 1, kernel_size=4, stride=1, padding=1)]
            self.model = tn.Sequential(*sequence)

        def forward(self, x):
            return self.model(x)

    return ResnetGenerator, NLayerDiscriminator


def torch_copies(torch, variant):
    """The variant's four networks as float64 torch modules with its weights: (G_A, G_B, D_A, D_B) in the official
    code's names, G_A = G: X → Y, G_B = F, D_A = D_Y (it judges G_A's images), D_B = D_X."""
    ResnetGenerator, NLayerDiscriminator = official_networks(torch, CHANNELS, WIDTH, BLOCKS)
    copies = []
    for ours, theirs in ((variant.G.G, ResnetGenerator()), (variant.G.F, ResnetGenerator()),
                         (variant.D.D_Y, NLayerDiscriminator()), (variant.D.D_X, NLayerDiscriminator())):
        theirs.load_state_dict({name: torch.from_numpy(value.numpy()) for name, value in ours.state_dict().items()})
        copies.append(theirs.double())
    return copies


def assert_same_gradients(torch_module, ng_module):
    ours_all = list(ng_module.parameters())
    assert len(ours_all) == len(list(torch_module.parameters()))
    for (name, theirs), ours in zip(torch_module.named_parameters(), ours_all):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-7, atol=1e-10, err_msg=name)


@pytest.mark.parametrize("preset", ["official", "paper"])
def test_generator_loss_and_gradients_match_the_official_backward_g(preset):
    torch = pytest.importorskip("torch")
    variant = tiny_cyclegan(preset=preset)
    variant.G.double(), variant.D.double()
    x, y = images(BATCH, 1).astype(np.float64), images(BATCH, 2).astype(np.float64)
    losses = variant.generator_losses(*variant.real_pair((x, y)))
    losses["g_loss"].backward()

    G_A, G_B, D_A, D_B = torch_copies(torch, variant)
    real_A, real_B = torch.from_numpy(x), torch.from_numpy(y)
    lambda_A = lambda_B = 10.0
    lambda_idt = {"official": 0.5, "paper": 0.0}[preset]
    mse, l1 = torch.nn.MSELoss(), torch.nn.L1Loss()
    fake_B, fake_A = G_A(real_A), G_B(real_B)  # the official forward()
    rec_A, rec_B = G_B(fake_B), G_A(fake_A)
    D_A_scores, D_B_scores = D_A(fake_B), D_B(fake_A)
    loss_G_A = mse(D_A_scores, torch.ones_like(D_A_scores))  # GANLoss("lsgan"): MSELoss to a target of ones
    loss_G_B = mse(D_B_scores, torch.ones_like(D_B_scores))
    loss_cycle_A, loss_cycle_B = l1(rec_A, real_A) * lambda_A, l1(rec_B, real_B) * lambda_B
    loss_idt_A = l1(G_A(real_B), real_B) * lambda_B * lambda_idt
    loss_idt_B = l1(G_B(real_A), real_A) * lambda_A * lambda_idt
    loss_G = loss_G_A + loss_G_B + loss_cycle_A + loss_cycle_B + loss_idt_A + loss_idt_B
    loss_G.backward()

    np.testing.assert_allclose(losses["g_loss"].item(), loss_G.item(), rtol=1e-10)
    np.testing.assert_allclose(losses["adversarial_loss"].item(), (loss_G_A + loss_G_B).item(), rtol=1e-10)
    np.testing.assert_allclose(10.0 * losses["cycle_loss"].item(), (loss_cycle_A + loss_cycle_B).item(), rtol=1e-10)
    if lambda_idt:
        np.testing.assert_allclose(5.0 * losses["identity_loss"].item(), (loss_idt_A + loss_idt_B).item(),
                                   rtol=1e-10)
    else:
        assert "identity_loss" not in losses  # not computed: two passes of each generator saved
    assert_same_gradients(G_A, variant.G.G)
    assert_same_gradients(G_B, variant.G.F)


def test_discriminator_loss_is_halved_as_the_official_backward_d_basic():
    torch = pytest.importorskip("torch")
    variant = tiny_cyclegan()
    variant.G.double(), variant.D.double()
    x, y, fake_x, fake_y = (images(BATCH, seed).astype(np.float64) for seed in range(4))
    loss = variant.discriminator_loss(*variant.real_pair((x, y)), *variant.real_pair((fake_x, fake_y)))
    loss.backward()

    _, _, D_A, D_B = torch_copies(torch, variant)
    mse = torch.nn.MSELoss()

    def backward_D_basic(netD, real, fake):
        pred_real, pred_fake = netD(torch.from_numpy(real)), netD(torch.from_numpy(fake))
        loss_D = (mse(pred_real, torch.ones_like(pred_real)) + mse(pred_fake, torch.zeros_like(pred_fake))) * 0.5
        loss_D.backward()
        return loss_D.item()

    official = backward_D_basic(D_A, y, fake_y) + backward_D_basic(D_B, x, fake_x)
    np.testing.assert_allclose(loss.item(), official, rtol=1e-10)
    assert_same_gradients(D_A, variant.D.D_Y)
    assert_same_gradients(D_B, variant.D.D_X)


# ---- the networks -------------------------------------------------------------------------------------------
def test_networks_have_the_official_parameter_counts():
    torch = pytest.importorskip("torch")
    ResnetGenerator, NLayerDiscriminator = official_networks(torch, 3, 64, 9)
    for ours, theirs, millions in ((models.ResnetGenerator(), ResnetGenerator(), 11.378),
                                   (models.PatchGANDiscriminator(), NLayerDiscriminator(), 2.765)):
        count = sum(p.numel() for p in ours.parameters())
        assert count == sum(p.numel() for p in theirs.parameters())
        assert round(count / 1e6, 3) == millions  # as the official code prints them
        assert list(ours.state_dict()) == list(theirs.state_dict())


@pytest.mark.parametrize("shape", [(2, 1, 28, 28), (1, 3, 32, 32), (1, 1, 24, 40)])
def test_resnet_generator_keeps_the_image_shape(shape):
    generator = models.ResnetGenerator(shape[1], width=2, n_blocks=1)
    assert generator(ng.randn(*shape)).shape == shape


def test_patchgan_score_map_follows_the_convolution_formula():
    """H_out = ⌊(H_in + 2·padding − (kernel − 1) − 1)/stride + 1⌋ (torch.nn.Conv2d's documentation) through the
    four stride-2 and stride-1 layers: 2×2 scores at 32×32, 30×30 at 256×256 (the paper's 70×70 patches)."""
    def torch_formula(side):
        for stride in (2, 2, 2, 1, 1):
            side = math.floor((side + 2 * 1 - (4 - 1) - 1) / stride + 1)
        return side

    assert (torch_formula(32), torch_formula(256)) == (2, 30)
    discriminator = models.PatchGANDiscriminator(channels=3, width=2)
    for side in (24, 32, 256):
        assert patch_map_side(side) == torch_formula(side)
        assert discriminator(ng.randn(1, 3, side, side)).shape == (1, 1, torch_formula(side), torch_formula(side))
    assert discriminator(ng.randn(2, 3, 32, 256)).shape == (2, 1, 2, 30)


def test_the_networks_refuse_images_they_cannot_take_naming_the_shape():
    generator, discriminator = models.ResnetGenerator(1, 2, 1), models.PatchGANDiscriminator(1, 2)
    with pytest.raises(ValueError, match=r"ResnetGenerator: the image side must be a multiple of 4 .*\(1, 1, 30, 28\)"):
        generator(ng.randn(1, 1, 30, 28))
    with pytest.raises(ValueError, match=r"ResnetGenerator: expected images of shape \(N, 1, H, W\), got "
                                         r"\(1, 3, 28, 28\)"):
        generator(ng.randn(1, 3, 28, 28))
    with pytest.raises(ValueError, match=r"PatchGANDiscriminator: images of shape \(1, 1, 20, 32\) are too small .* "
                                         r"at least 24"):
        discriminator(ng.randn(1, 1, 20, 32))


# ---- the image pool ---------------------------------------------------------------------------------------
def official_pool_query(pool, images, rng):
    """The official ImagePool.query on a list `pool`, with random.uniform(0, 1) and random.randint(0, size − 1)
    drawn as rng.random() and rng.integers(size)."""
    size, returned = 50, []
    for image in images:
        if len(pool) < size:
            pool.append(image)
            returned.append(image)
        elif rng.random() > 0.5:
            i = int(rng.integers(size))
            returned.append(pool[i])
            pool[i] = image
        else:
            returned.append(image)
    return returned


def test_image_pool_fills_to_50_then_swaps_with_probability_one_half():
    pool = gan.ImagePool(50)
    ng.manual_seed(3)
    state_before_filling = ng.get_rng_state()
    first = ng.tensor(np.arange(50, dtype=np.float64).reshape(50, 1, 1, 1))
    np.testing.assert_array_equal(pool.query(first).numpy(), first.numpy())  # the new images, stored
    assert len(pool.images) == 50 and ng.get_rng_state() == state_before_filling  # no draws while filling

    reference, rng = list(range(50)), np.random.default_rng(3)
    new = np.arange(50, 450, dtype=np.float64)
    shown = [pool.query(ng.tensor(batch.reshape(-1, 1, 1, 1))).numpy().ravel()
             for batch in np.split(new, 40)]  # 40 batches of 10
    expected = [official_pool_query(reference, batch, rng) for batch in np.split(new, 40)]
    np.testing.assert_array_equal(np.concatenate(shown), np.concatenate(expected))
    np.testing.assert_array_equal(np.concatenate([image.numpy() for image in pool.images]).ravel(), reference)
    earlier = np.count_nonzero(np.concatenate(shown) < new)  # a stored image is older, so numbered lower
    assert 150 < earlier < 250  # about half of the 400 answers

    restored = gan.ImagePool(50)
    restored.load_state_dict(pool.state_dict(), ng.tensor)
    np.testing.assert_array_equal(np.concatenate([image.numpy() for image in restored.images]).ravel(), reference)
    with pytest.raises(ValueError, match="ImagePool.load_state_dict: the state is of a pool of 50 images, this pool "
                                         "holds 10"):
        gan.ImagePool(10).load_state_dict(pool.state_dict(), ng.tensor)


def test_a_pool_of_size_0_passes_the_images_through():
    images_in = ng.randn(3, 1, 2, 2)
    assert gan.ImagePool(0).query(images_in) is images_in


# ---- the lr schedule --------------------------------------------------------------------------------------
def test_lr_schedule_is_the_official_linear_rule_on_worked_numbers():
    torch = pytest.importorskip("torch")
    variant = tiny_cyclegan()  # the official 100 + 100 epochs, one iteration an epoch
    assert [variant.lr_factor(e) for e in (0, 99, 100, 101, 199, 200, 250)] == pytest.approx(
        [1.0, 1.0, 100 / 101, 99 / 101, 1 / 101, 0.0, 0.0])
    optimizer = torch.optim.Adam([torch.zeros(1, requires_grad=True)], lr=2e-4, betas=(0.5, 0.999))
    def lambda_rule(epoch):  # networks.get_scheduler's, with epoch_count 1 and n_epochs = n_epochs_decay = 100
        return 1.0 - max(0, epoch + 1 - 100) / float(100 + 1)

    official = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda_rule)
    ours = []
    for _ in range(200):
        ours.append(variant.opt_G.param_groups[0]["lr"])
        assert variant.opt_D.param_groups[0]["lr"] == ours[-1]
        assert ours[-1] == pytest.approx(optimizer.param_groups[0]["lr"], rel=1e-12)
        for schedule in variant.lr_schedules:
            schedule.step()
        optimizer.step()  # without a gradient it changes nothing; torch warns of a scheduler stepped before it
        official.step()

    # two iterations an epoch, 2 constant and 3 decaying epochs: λ = 1, 1, 3/4, 2/4, 1/4, then 0
    variant = tiny_cyclegan(iterations_per_epoch=2, constant_epochs=2, decay_epochs=3)
    factors = [variant.lr_factor(i) for i in range(12)]
    assert factors == [1, 1, 1, 1, 0.75, 0.75, 0.5, 0.5, 0.25, 0.25, 0, 0]


def test_generator_steps_move_the_lr_of_both_optimisers(tmp_path):
    variant = tiny_cyclegan(iterations_per_epoch=1.5, constant_epochs=1, decay_epochs=1)
    rates = []
    for seed in range(4):
        variant.critic_step((images(BATCH, seed), images(BATCH, seed + 10)))
        variant.generator_step(BATCH)
        rates.append((variant.opt_G.param_groups[0]["lr"], variant.opt_D.param_groups[0]["lr"]))
    # after 1, 2, 3, 4 iterations: epochs ⌊i / 1.5⌋ = 0, 1, 2, 2 → λ 1, 1/2, 0, 0
    assert rates == [(2e-4, 2e-4), (1e-4, 1e-4), (0.0, 0.0), (0.0, 0.0)]


# ---- steps, checkpoints and the trainer --------------------------------------------------------------------
def parameters(variant):
    return [p.numpy().copy() for p in [*variant.G.parameters(), *variant.D.parameters()]]


def test_the_two_steps_update_their_own_networks_on_one_batch():
    variant = tiny_cyclegan()
    n_generator = len(list(variant.G.parameters()))
    before = parameters(variant)
    numbers = variant.critic_step((images(BATCH, 0), images(BATCH, 1)))
    assert set(numbers) == {"d_loss", "d_grad_norm"}
    after_critic = parameters(variant)
    assert all(np.array_equal(a, b) for a, b in zip(before[:n_generator], after_critic[:n_generator]))
    assert len(variant.pool_x.images) == len(variant.pool_y.images) == BATCH
    numbers = variant.generator_step(BATCH)
    assert set(numbers) == {"g_loss", "adversarial_loss", "cycle_loss", "identity_loss", "g_grad_norm"}
    after_generator = parameters(variant)
    assert all(np.array_equal(a, b) for a, b in zip(after_critic[n_generator:], after_generator[n_generator:]))
    assert not any(np.array_equal(a, b) for a, b in zip(after_critic[:n_generator], after_generator[:n_generator]))
    assert all(p.requires_grad for p in variant.D.parameters())  # unfrozen after the generator step


def test_bad_batches_and_calls_are_refused_naming_the_variant_and_the_shapes():
    variant = tiny_cyclegan()
    x, y = images(BATCH, 0), images(BATCH, 1)
    with pytest.raises(TypeError, match=r"CycleGAN.critic_step: expected a batch \(x, y\) of unpaired images"):
        variant.critic_step(x)
    with pytest.raises(ValueError, match=r"CycleGAN.critic_step: expected as many images of each domain, got x of "
                                         r"shape \(2, 1, 24, 24\) and y of shape \(1, 1, 24, 24\)"):
        variant.critic_step((x, y[:1]))
    with pytest.raises(ValueError, match=r"CycleGAN.critic_step: expected y as images of shape \(m, C, H, W\), m >= 1, "
                                         r"got shape \(2, 24, 24\)"):
        variant.critic_step((x, y[:, 0]))
    with pytest.raises(RuntimeError, match=r"CycleGAN.generator_step: G and F train on the real images of the critic "
                                           r"step before"):
        variant.generator_step(BATCH)
    variant.critic_step((x, y))
    with pytest.raises(ValueError, match=r"CycleGAN.generator_step: batch_size=3, but the critic step's batch has x "
                                         r"of shape \(2, 1, 24, 24\)"):
        variant.generator_step(3)
    with pytest.raises(TypeError, match=r"CycleGAN translates real images and draws no z: give the Trainer "
                                        r"fixed_inputs=\(x, y\)"):
        variant.fixed_latent(4)
    generator, critic = models.ToyGenerator(hidden=4), models.ToyCritic(hidden=4)
    with pytest.raises(TypeError, match=r"CycleGAN: the generators must be one module with the networks G and F"):
        gan.CycleGAN(generator, critic, iterations_per_epoch=1)
    generators, discriminators = models.cyclegan_networks(1, 2, 1)
    for setting, value, requirement in (("pool_size", -1, "an int >= 0"), ("cycle_weight", float("nan"),
                                        "a finite number >= 0"), ("iterations_per_epoch", 0, "a finite number > 0")):
        with pytest.raises(ValueError, match=rf"CycleGAN: {setting} must be {requirement}, got"):
            gan.CycleGAN(generators, discriminators, **{"iterations_per_epoch": 1, setting: value})


def round_trip(state, tmp_path):
    gan.save_checkpoint(tmp_path / "state.npz", state)
    return gan.load_checkpoint(tmp_path / "state.npz")


def test_a_checkpoint_between_the_two_steps_keeps_the_batch_and_the_pools(tmp_path):
    """A run stopped after the critic step resumes with the generator step on the same batch, and the pools'
    images come back: the next steps compute the same numbers."""
    variant = tiny_cyclegan(pool_size=3)
    for seed in range(2):
        variant.critic_step((images(BATCH, seed), images(BATCH, seed + 10)))
        variant.generator_step(BATCH)
    variant.critic_step((images(BATCH, 5), images(BATCH, 6)))
    state, rng_state = round_trip(variant.state_dict(), tmp_path), ng.get_rng_state()
    resumed = tiny_cyclegan(seed=9, pool_size=3)
    resumed.load_state_dict(state)
    assert len(resumed.pool_x.images) == 3 and resumed.iterations_done == 2
    numbers = []
    for v in (variant, resumed):
        ng.set_rng_state(rng_state)
        numbers.append({k: t.item() for k, t in {**v.generator_step(BATCH),
                                                  **v.critic_step((images(BATCH, 7), images(BATCH, 8))),
                                                  **v.generator_step(BATCH)}.items()})
    assert numbers[0] == numbers[1]
    assert all(np.array_equal(a, b) for a, b in zip(parameters(variant), parameters(resumed)))


def make_trainer(run_dir, seed=0):
    ng.manual_seed(seed)
    loader = UnpairedLoader(images(10, 1), images(7, 2), batch_size=BATCH, seed=4)
    generators, discriminators = models.cyclegan_networks(CHANNELS, WIDTH, BLOCKS)
    variant = gan.CycleGAN(generators, discriminators, batch_size=BATCH, pool_size=3, iterations_per_epoch=2,
                           constant_epochs=1, decay_epochs=2)
    return gan.Trainer(variant, loader, run_dir, progress=False, fixed_inputs=(images(3, 5), images(3, 6)))


def test_a_resumed_run_continues_bit_identically(tmp_path):
    straight = make_trainer(tmp_path / "straight").fit(5)
    make_trainer(tmp_path / "resumed").fit(2)
    resumed = make_trainer(tmp_path / "resumed", seed=7)
    assert resumed.resume()
    resumed.fit(5)
    logs = [gan.read_log(run.log_path) for run in (straight, resumed)]
    assert [(r["d_loss"], r["g_loss"]) for r in logs[0]] == [(r["d_loss"], r["g_loss"]) for r in logs[1]]
    assert all(np.array_equal(a, b) for a, b in zip(parameters(straight.variant), parameters(resumed.variant)))
    for pool in ("pool_x", "pool_y"):
        np.testing.assert_array_equal(resumed.variant.state_dict()[pool]["images"],
                                      straight.variant.state_dict()[pool]["images"])
    # 5 iterations of 2 an epoch: epoch 2, the last of 2 decaying ones after 1 constant: λ = 1 − 2/3
    assert resumed.variant.opt_G.param_groups[0]["lr"] == straight.variant.opt_G.param_groups[0]["lr"] == \
        pytest.approx(2e-4 / 3, rel=1e-12)

    rows = resumed.samples()  # x, G(x), F(G(x)), y, F(y), G(F(y)) for the 3 fixed pairs
    assert rows.shape == (18, CHANNELS, SIDE, SIDE)
    np.testing.assert_array_equal(rows[:3], images(3, 5))
    np.testing.assert_array_equal(rows[9:12], images(3, 6))


def test_unpaired_loader_shuffles_the_domains_independently_and_resumes():
    x, y = np.arange(12.0)[:, None], 100 + np.arange(12.0)[:, None]
    loader = UnpairedLoader(x, y, batch_size=3, seed=0)
    assert len(loader) == 4
    batches = loader.infinite()
    first = [next(batches) for _ in range(2)]
    state = loader.state_dict()
    later = [next(batches) for _ in range(5)]
    orders = [np.concatenate([b[i] for b in first + later[:2]]).ravel() for i in (0, 1)]
    assert not np.array_equal(orders[0], orders[1] - 100)  # not the same permutation for both
    loader.load_state_dict(state)
    again = loader.infinite()
    for batch in later:
        for ours, theirs in zip(next(again), batch):
            np.testing.assert_array_equal(ours, theirs)
    assert len(UnpairedLoader(x, y[:7], batch_size=3)) == 4  # the larger domain's batches
