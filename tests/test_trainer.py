"""The trainer: bit-identical resume (at an iteration boundary and mid-iteration after Ctrl-C), atomic
checkpoints, KeyboardInterrupt handling, the n_critic schedule, the log and the hooks."""
import json
import os
import signal

import numpy as np
import pytest

import nanogan as ng
from nanogan import gan, models, nn
from nanogan.data import DataLoader, get_toy
from nanogan.gan import checkpoint as checkpoint_module

TOY_POINTS = get_toy("ring8_wgangp")(96, np.random.default_rng(0))


def make_trainer(run_dir, seed=0, variant=gan.WGANGP, preset="official-toy", **trainer_options):
    """A tiny WGAN-GP on 96 toy points, batches of 16 (6 per epoch, so 6 iterations of 5 critic steps cross
    epochs); `seed` sets the global generator, hence the initial weights."""
    ng.manual_seed(seed)
    generator, critic = models.ToyGenerator(hidden=8), models.ToyCritic(hidden=8)
    loader = DataLoader(TOY_POINTS, batch_size=16, seed=3)
    options = dict(progress=False, n_samples=4)
    options.update(trainer_options)
    return gan.Trainer(variant(generator, critic, preset, batch_size=16), loader, run_dir, **options)


def parameters(trainer):
    v = trainer.variant
    return [p.numpy().copy() for p in [*v.G.parameters(), *v.D.parameters()]]


def optimiser_moments(trainer):
    """Every array of both optimisers' state (Adam's moments, SGD's momentum buffers), and the step counts."""
    return [np.array(value, copy=True) for opt in (trainer.variant.opt_G, trainer.variant.opt_D)
            for state in opt.state.values() for value in state.values()]


def log_without_wall_time(trainer):
    return [{k: v for k, v in record.items() if k != "wall_time"} for record in gan.read_log(trainer.log_path)]


def assert_same_training(a, b):
    assert a.iteration == b.iteration
    for mine, theirs in ((parameters(a), parameters(b)), (optimiser_moments(a), optimiser_moments(b))):
        assert len(mine) == len(theirs) > 0
        for x, y in zip(mine, theirs):
            np.testing.assert_array_equal(x, y)
    assert log_without_wall_time(a) == log_without_wall_time(b)
    np.testing.assert_array_equal(a.samples(), b.samples())


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    """Six generator iterations in one go: the run every resumed run must reproduce exactly."""
    trainer = make_trainer(tmp_path_factory.mktemp("straight"))
    trainer.fit(6)
    return trainer


def test_resume_continues_bit_identically(straight, tmp_path):
    first = make_trainer(tmp_path)
    first.fit(3)
    assert first.checkpoint_path.exists()
    ng.manual_seed(999)  # a fresh process: other weights, another global random state
    np.random.default_rng(1).standard_normal(10)
    second = make_trainer(tmp_path, seed=12345)
    assert second.resume()
    assert second.iteration == 3
    second.fit(6)
    assert_same_training(straight, second)
    assert [r["iteration"] for r in gan.read_log(second.log_path)] == [1, 2, 3, 4, 5, 6]


def test_resume_cuts_the_log_back_to_the_checkpoint(straight, tmp_path):
    first = make_trainer(tmp_path)
    first.fit(3)
    saved_at_3 = first.checkpoint_path.read_bytes()
    # the run goes on past its checkpoint and dies: the log holds iterations 4 and 5, the checkpoint does not
    went_on = make_trainer(tmp_path, checkpoint_every=100)
    went_on.resume()
    went_on.fit(5)
    first.checkpoint_path.write_bytes(saved_at_3)  # as if it had died before writing a newer checkpoint
    resumed = make_trainer(tmp_path)
    resumed.resume()
    assert [r["iteration"] for r in gan.read_log(resumed.log_path)] == [1, 2, 3]
    resumed.fit(6)
    assert_same_training(straight, resumed)


class InterruptingCritic:
    """Wraps a variant's critic_step to deliver SIGINT to this process during the n-th critic step."""

    def __init__(self, variant, at_call):
        self.critic_step, self.at_call, self.calls = variant.critic_step, at_call, 0
        variant.critic_step = self

    def __call__(self, batch):
        self.calls += 1
        if self.calls == self.at_call:
            os.kill(os.getpid(), signal.SIGINT)
        return self.critic_step(batch)


def test_ctrl_c_mid_iteration_checkpoints_and_resumes_bit_identically(straight, tmp_path):
    handler_before = signal.getsignal(signal.SIGINT)  # SIG_IGN where CI runs us in the background
    first = make_trainer(tmp_path)
    InterruptingCritic(first.variant, at_call=8)  # the 3rd critic step of generator iteration 2 (5 per iteration)
    first.fit(6)  # returns, no exception
    assert first.interrupted and first.iteration == 1 and first.critic_steps_in_iteration == 3
    state = gan.load_checkpoint(first.checkpoint_path)["trainer"]
    assert state["iteration"] == 1 and state["critic_steps_in_iteration"] == 3
    assert signal.getsignal(signal.SIGINT) is handler_before  # handler restored

    resumed = make_trainer(tmp_path, seed=7)
    resumed.resume()
    resumed.fit(6)
    assert not resumed.interrupted
    assert_same_training(straight, resumed)


def test_keyboard_interrupt_in_a_hook_writes_a_checkpoint(tmp_path):
    trainer = make_trainer(tmp_path, checkpoint_every=1000)

    @trainer.every(2)
    def stop(_):
        raise KeyboardInterrupt

    trainer.fit(6)
    assert trainer.interrupted and trainer.iteration == 2
    assert gan.load_checkpoint(trainer.checkpoint_path)["trainer"]["iteration"] == 2


def test_keyboard_interrupt_inside_a_step_is_raised_and_saves_nothing(tmp_path):
    trainer = make_trainer(tmp_path)

    def broken_step(batch):
        raise KeyboardInterrupt

    trainer.variant.critic_step = broken_step
    with pytest.raises(KeyboardInterrupt):
        trainer.fit(2)
    assert not trainer.checkpoint_path.exists()


def test_an_error_in_a_hook_writes_a_checkpoint_and_propagates(straight, tmp_path):
    """With a checkpoint every 1,000 iterations, a hook that failed at iteration 3 lost all three."""
    trainer = make_trainer(tmp_path, checkpoint_every=1000)

    @trainer.every(3)
    def full_disk(_):
        raise OSError("no space left on device")

    with pytest.raises(OSError, match="no space left"):
        trainer.fit(6)
    assert gan.load_checkpoint(trainer.checkpoint_path)["trainer"]["iteration"] == 3
    resumed = make_trainer(tmp_path, seed=5)
    assert resumed.resume() and resumed.iteration == 3
    resumed.fit(6)
    assert_same_training(straight, resumed)


def test_an_error_inside_a_step_saves_nothing(tmp_path):
    trainer = make_trainer(tmp_path)
    trainer.fit(1)
    saved = trainer.checkpoint_path.read_bytes()

    def broken_step(batch):
        raise FloatingPointError("the step's state is half-updated")

    trainer.variant.critic_step = broken_step
    with pytest.raises(FloatingPointError):
        trainer.fit(2)
    assert trainer.checkpoint_path.read_bytes() == saved


def test_a_fresh_trainer_refuses_to_overwrite_an_earlier_run(tmp_path):
    """A second trainer on the same folder, not resumed, replaced the checkpoint at iteration 5 with its own at 2
    and appended its log to the first run's."""
    make_trainer(tmp_path).fit(5)
    saved = {name: (tmp_path / name).read_bytes() for name in ("checkpoint.npz", "log.jsonl")}
    with pytest.raises(RuntimeError, match=r"Trainer.fit: .* holds a checkpoint \(checkpoint.npz\) and a log "
                                           r"\(log.jsonl\) of an earlier run; call resume\(\) to continue it"):
        make_trainer(tmp_path).fit(2)
    assert {name: (tmp_path / name).read_bytes() for name in saved} == saved

    # a run that died before its first checkpoint left a log: a new run would have appended to it
    (tmp_path / "checkpoint.npz").unlink()
    fresh = make_trainer(tmp_path)
    assert not fresh.resume()
    with pytest.raises(RuntimeError, match=r"holds a log \(log.jsonl\) of an earlier run"):
        fresh.fit(2)
    (tmp_path / "log.jsonl").unlink()
    fresh.fit(2)
    assert [r["iteration"] for r in gan.read_log(fresh.log_path)] == [1, 2]


def test_a_resume_that_fails_part_way_changes_nothing(tmp_path):
    """The networks loaded, then the data stream refused the checkpoint's batch size: G and D were already the
    checkpoint's, the iteration count still 0, and a caller that went on would have trained a mix of two runs."""
    make_trainer(tmp_path).fit(2)
    other = make_trainer(tmp_path, seed=7)
    other.data = DataLoader(TOY_POINTS, batch_size=8, seed=3)
    weights, moments, data_state = parameters(other), optimiser_moments(other), other.data.state_dict()
    random_state = ng.random.get_rng_state()
    with pytest.raises(ValueError, match="batch_size"):
        other.resume()
    for before, after in ((weights, parameters(other)), (moments, optimiser_moments(other))):
        assert len(before) == len(after)
        for x, y in zip(before, after):
            np.testing.assert_array_equal(x, y)
    assert other.iteration == 0 and other.data.state_dict().keys() == data_state.keys()
    assert repr(ng.random.get_rng_state()) == repr(random_state)


def test_the_trainer_checks_its_settings_against_the_variant_and_itself(tmp_path):
    """The variant's batch_size went into the checkpoint's settings while the data stream's was trained with;
    checkpoint_every=0 raised a ZeroDivisionError after the first iteration, fit(2.5) ran three."""
    ng.manual_seed(0)
    variant = gan.WGANGP(models.ToyGenerator(hidden=8), models.ToyCritic(hidden=8), "official-toy")
    with pytest.raises(ValueError, match=r"Trainer: the data stream gives batches of 16, the variant's settings say "
                                         r"batch_size=256; pass batch_size=16 to the variant"):
        gan.Trainer(variant, DataLoader(TOY_POINTS, batch_size=16), tmp_path)
    for option in ("checkpoint_every", "log_every", "n_samples"):  # n_samples=0 failed at the first snapshot
        with pytest.raises(ValueError, match=f"Trainer: {option} must be an int >= 1, got 0"):
            make_trainer(tmp_path, **{option: 0})
    with pytest.raises(ValueError, match="Trainer: sample_seed must be an int >= 0, got -1"):  # numpy's words
        make_trainer(tmp_path, sample_seed=-1)
    with pytest.raises(ValueError, match="Trainer.fit: iterations must be an int >= 0, got 2.5"):
        make_trainer(tmp_path).fit(2.5)
    assert not (tmp_path / "checkpoint.npz").exists()


def test_checkpoint_write_is_atomic(tmp_path, monkeypatch):
    trainer = make_trainer(tmp_path)
    trainer.fit(1)
    good = trainer.checkpoint_path.read_bytes()

    def failing_savez(file, **arrays):
        file.write(b"PK\x03\x04 a torn beginning")
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint_module.np, "savez", failing_savez)
    with pytest.raises(OSError, match="disk full"):
        trainer.save_checkpoint()
    assert trainer.checkpoint_path.read_bytes() == good  # the previous checkpoint, untouched
    assert sorted(os.listdir(tmp_path)) == ["checkpoint.npz", "log.jsonl"]  # no temporary file left
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    with pytest.raises(OSError):
        gan.save_checkpoint(fresh / "checkpoint.npz", {"x": np.zeros(3)})
    assert os.listdir(fresh) == []  # no partial file where there was none


def test_resume_refuses_another_variant(tmp_path):
    make_trainer(tmp_path).fit(1)
    other = make_trainer(tmp_path, variant=gan.WGAN, preset="paper")
    with pytest.raises(ValueError, match="written by a WGANGP trainer"):
        other.resume()
    assert not make_trainer(tmp_path / "empty").resume()  # nothing to resume: a fresh start


def test_log_records_losses_estimate_norms_and_wall_time(straight):
    records = gan.read_log(straight.log_path)
    assert len(records) == 6
    for record in records:
        assert {"iteration", "n_critic", "d_loss", "g_loss", "gradient_penalty", "wasserstein_estimate",
                "d_grad_norm", "g_grad_norm", "wall_time"} <= set(record)
        assert record["n_critic"] == 5 and record["d_grad_norm"] > 0
        np.testing.assert_allclose(record["wasserstein_estimate"], -(record["d_loss"] - record["gradient_penalty"]),
                                   atol=1e-6)
    assert [r["wall_time"] for r in records] == sorted(r["wall_time"] for r in records)
    with open(straight.log_path) as f:
        assert all(json.loads(line) for line in f)


def test_hooks_run_every_n_iterations(tmp_path):
    trainer = make_trainer(tmp_path, log_every=2)
    seen = []
    trainer.every(2, lambda t: seen.append((t.iteration, t.samples().shape)))
    trainer.fit(5)
    assert seen == [(2, (4, 2)), (4, (4, 2))]
    assert [r["iteration"] for r in gan.read_log(trainer.log_path)] == [2, 4]


# ---- the n_critic schedule -------------------------------------------------------------------------------
class CountingVariant:
    """Only counts: critic steps per generator iteration, with the settings of a preset."""

    def __init__(self, settings):
        self.settings = settings
        self.calls_per_iteration = [0]

    def critic_iterations(self, generator_iteration):
        return gan.critic_iterations(generator_iteration, self.settings.n_critic, self.settings.critic_warmup)

    def critic_step(self, batch):
        self.calls_per_iteration[-1] += 1
        return {}

    def generator_step(self, batch_size):
        self.calls_per_iteration.append(0)
        return {}

    def fixed_latent(self, n, seed=0):
        return ng.zeros(n, 1), None

    def state_dict(self):
        return {}


def test_wgan_official_schedule_runs_100_critic_steps_early_and_every_500th(tmp_path):
    def zeros(variant):
        return gan.SampledData(lambda n, rng: np.zeros((n, 1)), batch_size=variant.settings.batch_size)

    variant = CountingVariant(gan.WGAN.preset("official"))
    trainer = gan.Trainer(variant, zeros(variant), tmp_path, progress=False, log_every=1000, checkpoint_every=10 ** 6)
    trainer.fit(1002)
    counts = variant.calls_per_iteration[:-1]  # the last entry is the iteration that never started
    assert len(counts) == 1002
    assert counts[:25] == [100] * 25 and counts[25:500] == [5] * 475
    assert counts[500] == 100 and counts[501:1000] == [5] * 499 and counts[1000] == 100 and counts[1001] == 5
    assert sum(counts) == 27 * 100 + 975 * 5  # iterations 0..24, 500 and 1000 run 100

    paper = CountingVariant(gan.WGAN.preset("paper"))
    gan.Trainer(paper, zeros(paper), tmp_path / "paper", progress=False, log_every=1000).fit(30)
    assert paper.calls_per_iteration[:-1] == [5] * 30


def make_conditional_trainer(run_dir, seed=0):
    """A conditional GAN on labelled toy points: G(z, y) = MLP([z, onehot(y)]), D joins y at its dense head."""
    ng.manual_seed(seed)
    n_classes = 3
    generator = models.ConditionalGenerator(models.ToyGenerator(latent_dim=2 + n_classes, hidden=8), n_classes)
    features = nn.Sequential(nn.Linear(2, 8), nn.LeakyReLU(0.2))
    discriminator = models.DenseLabelDiscriminator(features, 8, n_classes)
    labels = np.arange(len(TOY_POINTS)) % n_classes
    loader = DataLoader(TOY_POINTS, labels, batch_size=16, seed=5)
    variant = gan.ConditionalGAN(generator, discriminator, n_classes=n_classes, batch_size=16)
    return gan.Trainer(variant, loader, run_dir, progress=False, n_samples=6)


def test_conditional_run_resumes_bit_identically(tmp_path):
    straight_run = make_conditional_trainer(tmp_path / "straight").fit(4)
    make_conditional_trainer(tmp_path / "resumed").fit(2)
    resumed = make_conditional_trainer(tmp_path / "resumed", seed=3)
    resumed.resume()
    resumed.fit(4)
    assert_same_training(straight_run, resumed)
    np.testing.assert_array_equal(resumed.fixed_latent[1].numpy(), [0, 1, 2, 0, 1, 2])


def test_cuda_graph_needs_a_wgan_gp_variant_on_the_gpu(tmp_path):
    with pytest.raises(ValueError, match=r"cuda_graph: the models are on cpu; CUDA graphs need them on 'cuda'"):
        make_trainer(tmp_path / "cpu", cuda_graph=True)
    with pytest.raises(TypeError, match=r"cuda_graph: GAN has no graph-ready steps"):
        make_trainer(tmp_path / "gan", variant=gan.GAN, preset="paper", cuda_graph=True)


def test_wgan_gp_steps_on_given_inputs_are_the_steps(tmp_path):
    """critic_step = critic_step_on(critic_step_inputs(batch)) and generator_step = generator_step_on(z, y): the
    pieces a CUDA graph records and refills compute exactly the eager steps (same draws, same order)."""
    whole, pieces = make_trainer(tmp_path / "whole").variant, make_trainer(tmp_path / "pieces").variant
    batch = TOY_POINTS[:16]
    for variant, run in ((whole, lambda v: (v.critic_step(batch), v.generator_step(16))),
                         (pieces, lambda v: (v.critic_step_on(*v.critic_step_inputs(batch)),
                                             v.generator_step_on(*v.sample_latent(16))))):
        ng.manual_seed(7)
        variant.numbers = [{k: float(t.item()) for k, t in numbers.items()} for numbers in run(variant)]
    assert whole.numbers == pieces.numbers
    for a, b in zip([*whole.G.parameters(), *whole.D.parameters()], [*pieces.G.parameters(), *pieces.D.parameters()]):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_read_log_leaves_out_a_torn_last_record_and_names_a_corrupt_line(tmp_path):
    """A run killed while writing its log left half a line, and read_log (the loss plots) failed on it with a
    JSONDecodeError that named no file."""
    log = tmp_path / "log.jsonl"
    log.write_text('{"iteration": 1}\n{"iteration": 2}\n{"iterat')
    assert gan.read_log(log) == [{"iteration": 1}, {"iteration": 2}]
    log.write_text('{"iteration": 1}\nnot json\n{"iteration": 3}\n')
    with pytest.raises(ValueError, match=r"read_log: .*log.jsonl, line 2, is not a JSON record"):
        gan.read_log(log)


def test_resume_refuses_a_run_with_other_settings_and_changes_nothing(tmp_path):
    """The objective would follow the new settings (λ, ...) and Adam's state the old ones: a run of neither."""
    make_trainer(tmp_path).fit(1)
    other = make_trainer(tmp_path, seed=1, preset="paper")
    before = parameters(other)
    with pytest.raises(ValueError, match=r"Trainer.resume: .*checkpoint.npz is a run with other settings \(.*betas "
                                         r"\(0.5, 0.9\) there, \(0.0, 0.9\) here, penalty_weight 0.1 there, 10.0 here\); resume it "
                                         r"with its own settings"):
        other.resume()
    assert all(np.array_equal(a, b) for a, b in zip(before, parameters(other))) and other.iteration == 0


def test_sampled_data_refuses_the_state_of_a_run_on_another_toy_set():
    ring, grid = get_toy("ring8_pacgan"), get_toy("grid25_pacgan")
    state = gan.SampledData(ring, batch_size=4).state_dict()
    with pytest.raises(ValueError, match="SampledData.load_state_dict: the state was saved by a run on other data"):
        gan.SampledData(grid, batch_size=4).load_state_dict(state)
    gan.SampledData(ring, batch_size=4).load_state_dict(state)
