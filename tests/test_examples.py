"""The examples, run in-process for 2 generator iterations on tiny data: each ends with its `result:`
line, writes pictures that decode, a checkpoint that loads, and --resume continues from it.

The data is a tiny IDX dataset written into tmp_path (random pixels, labels 0-9), the networks are
narrowed (--dim 2) and the batches tiny, so the whole file takes seconds.
"""
import json
import gzip
import importlib
import os
import signal
import struct
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import fake_cupy
from harness import on_gpu
from nanogan import _kernels, gan
from nanogan.data import mnist

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
sys.path.insert(0, str(EXAMPLES))

N_IMAGES = 24
TINY = ["--iters", "2", "--batch-size", "4"]


def example(name):
    return importlib.import_module(name)


def write_idx(path, array, type_code=0x08):
    """An IDX file: magic 0x0000 <type> <ndim>, the dimensions as big-endian int32, then the bytes."""
    header = struct.pack(">HBB", 0, type_code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def write_split(folder, split, rng):
    images_stem, labels_stem = mnist.SPLIT_STEMS[split]
    write_idx(folder / f"{images_stem}.gz", rng.integers(0, 256, (N_IMAGES, 28, 28)))
    write_idx(folder / f"{labels_stem}.gz", np.arange(N_IMAGES) % 10)


@pytest.fixture
def isolated_data(tmp_path, monkeypatch):
    """Only the folders a test passes are searched: no $NANOGAN_DATA, an empty home cache and system
    folder, and no network."""
    monkeypatch.delenv(mnist.ENV_VAR, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(mnist, "SYSTEM_DATA_DIR", tmp_path / "system")

    def offline(url, timeout=None):
        raise OSError(f"no network in tests ({url})")

    monkeypatch.setattr(mnist, "fetch_url", offline)


@pytest.fixture
def tiny_mnist(tmp_path, isolated_data):
    folder = tmp_path / "data"
    folder.mkdir()
    rng = np.random.default_rng(0)
    write_split(folder, "train", rng)
    write_split(folder, "test", rng)
    return folder


@pytest.fixture
def tiny_mnist_and_fashion(tmp_path, isolated_data):
    """A data folder with mnist/ and fashion-mnist/ beside each other (the IDX files have the same names)."""
    folder = tmp_path / "two"
    for name, seed in (("mnist", 0), ("fashion-mnist", 1)):
        (folder / name).mkdir(parents=True)
        write_split(folder / name, "train", np.random.default_rng(seed))
    return folder


def run(name, argv, capsys):
    """main(argv) of examples/<name>.py; returns (its result dict, its printed `result:` fields)."""
    returned = example(name).main([str(a) for a in argv])
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].startswith("result: "), lines[-5:]
    printed = dict(field.split("=", 1) for field in lines[-1][len("result: "):].split())
    assert set(printed) == set(returned)
    return returned, printed, lines


def assert_png(path, min_side=8):
    with Image.open(path) as image:
        image.load()
        assert min(image.size) >= min_side, (path, image.size)
    return path


@pytest.fixture(autouse=True)
def no_judge_by_default(monkeypatch):
    """--quality-samples defaults to 0 here: the judge needs thousands of real images, and its own test gives it a
    tiny data set to match."""
    monkeypatch.setattr(example("common"), "QUALITY_SAMPLES", 0)


IMAGE_EXAMPLES = {
    "wgan_gp_mnist": ["wasserstein_estimate", "gradient_penalty"],
    "dcgan_mnist": ["d_loss", "g_loss"],
    "cgan_mnist": ["d_loss", "g_loss"],
    "wgan_clip_mnist": ["wasserstein_estimate"],
    "infogan_mnist": ["d_loss", "g_loss", "mi_categorical"],
    "fgan_mnist": ["divergence_estimate", "d_loss", "g_loss"],
}


@pytest.mark.parametrize("name", list(IMAGE_EXAMPLES))
def test_image_example_writes_its_outputs(name, tiny_mnist, tmp_path, capsys):
    out = tmp_path / "out"
    returned, printed, lines = run(name, TINY + ["--dim", 2, "--data-dir", tiny_mnist, "--out", out], capsys)
    assert printed["iters"] == "2" and returned["iters"] == 2
    for key in IMAGE_EXAMPLES[name]:
        assert np.isfinite(float(printed[key])), (key, printed)
    assert any(line.startswith("data: MNIST train split") for line in lines)
    assert any(str(out / "progression.png") in line for line in lines)  # it says where it wrote

    grid = assert_png(out / "samples" / "000002.png")
    assert_png(out / "progression.png")
    assert_png(out / "losses.png", min_side=100)
    state = gan.load_checkpoint(out / "checkpoint.npz")
    assert state["trainer"]["iteration"] == 2
    assert len(gan.read_log(out / "log.jsonl")) == 2
    if name in ("cgan_mnist", "infogan_mnist"):  # 10×10 digits of 28 pixels with 2-pixel gaps
        assert Image.open(grid).size == (2 + 10 * 30, 2 + 10 * 30)
    if name == "infogan_mnist":  # one row per categorical value, a continuous code's 10 values across
        for code in (1, 2):
            traversal = assert_png(out / f"continuous_code_{code}.png")
            assert Image.open(traversal).size == (2 + 10 * 30, 2 + 10 * 30)
            assert any(str(traversal) in line for line in lines)


@on_gpu
@pytest.mark.parametrize("name, options", [(name, []) for name in IMAGE_EXAMPLES] + [("wgan_gp_mnist", ["--cuda-graph"])],
                         ids=[*IMAGE_EXAMPLES, "wgan_gp_mnist --cuda-graph"])
def test_image_example_trains_on_the_gpu_as_on_the_cpu(name, options, tiny_mnist, tmp_path, capsys, monkeypatch):
    """--device cuda (and --cuda-graph) from the command line: the same two iterations, the same numbers and the
    same weights in the checkpoint."""
    if fake_cupy.installed():  # convolution timings there are the emulated kernels' host time, minutes of it:
        monkeypatch.setattr(_kernels, "BENCHMARK_REPEATS", 0)  # each candidate's one untimed call keeps the path
    from nanogan.backend.cuda import conv
    monkeypatch.setattr(conv, "benchmark", False)  # the examples turn it on for the process; later tests get it back
    argv = TINY + ["--dim", 2, "--data-dir", tiny_mnist]
    on_cpu, _, _ = run(name, argv + ["--out", tmp_path / "cpu"], capsys)
    on_gpu, _, _ = run(name, argv + ["--out", tmp_path / "cuda", "--device", "cuda", *options], capsys)
    for key in IMAGE_EXAMPLES[name]:
        assert on_gpu[key] == pytest.approx(on_cpu[key], rel=1e-3, abs=1e-5), key
    trained = [gan.load_checkpoint(tmp_path / device / "checkpoint.npz")["variant"] for device in ("cpu", "cuda")]
    for network, optimizer in (("generator", "optimizer_G"), ("discriminator", "optimizer_D")):
        assert_trained_alike(trained[1][network], trained[0][network], network,
                             lr=trained[0][optimizer]["param_groups"][0]["lr"])


def assert_trained_alike(on_gpu, on_cpu, network, lr):
    """The weights of `network` after the same steps on two devices: within rtol 1e-4 and atol 1e-6, but for at most
    1 in 1,000, which must be within a step, lr. Adam's first step is lr·g/(|g| + 1e-8), a whole step whatever |g|,
    so where a gradient nearly cancels (InfoGAN's dense layers before batch norm over a batch of 4) the backends'
    rounding moves a weight by a share of lr that can pass 1e-6 (8e-6 for one of InfoGAN's 6,272 on the fake CuPy)."""
    names = sorted(on_cpu)
    gpu, cpu = (np.concatenate([weights[name].ravel() for name in names]) for weights in (on_gpu, on_cpu))
    apart = ~np.isclose(gpu, cpu, rtol=1e-4, atol=1e-6)
    assert apart.sum() <= gpu.size // 1000, f"{network}: {apart.sum()} of {gpu.size} weights differ"
    for name in names:
        np.testing.assert_allclose(on_gpu[name], on_cpu[name], rtol=0, atol=lr, err_msg=f"{network} {name}")


def test_wgan_gp_mnist_resumes_from_its_checkpoint(tiny_mnist, tmp_path, capsys):
    argv = ["--dim", 2, "--data-dir", tiny_mnist, "--batch-size", 4]
    run("wgan_gp_mnist", argv + ["--out", tmp_path / "out", "--iters", 2], capsys)
    returned, _, lines = run("wgan_gp_mnist", argv + ["--out", tmp_path / "out", "--iters", 3, "--resume"], capsys)
    assert "resumed from" in "\n".join(lines) and returned["iters"] == 3
    log = gan.read_log(tmp_path / "out" / "log.jsonl")
    assert [r["iteration"] for r in log] == [1, 2, 3]
    _, _, lines = run("wgan_gp_mnist", argv + ["--out", tmp_path / "out", "--iters", 2, "--resume"], capsys)
    assert "the run has done its --iters 2 already: nothing to train" in "\n".join(lines)
    assert len(gan.read_log(tmp_path / "out" / "log.jsonl")) == 3

    with pytest.raises(SystemExit, match="no checkpoint"):
        example("wgan_gp_mnist").main([str(a) for a in argv + ["--out", tmp_path / "empty", "--resume"]])


def test_infogan_mnist_resumes_with_its_grid_of_codes(tiny_mnist, tmp_path, capsys):
    """The fixed latents [z, onehot(c_cat), c_cont] travel in the checkpoint, one row per category, and come back."""
    argv = ["--dim", 2, "--data-dir", tiny_mnist, "--batch-size", 4, "--out", tmp_path / "out"]
    run("infogan_mnist", argv + ["--iters", 2], capsys)
    saved = gan.load_checkpoint(tmp_path / "out" / "checkpoint.npz")["fixed_latent"][0]
    assert np.array_equal(saved[:, 62:72].argmax(1), np.arange(100) // 10)
    returned, _, lines = run("infogan_mnist", argv + ["--iters", 3, "--resume"], capsys)
    assert "resumed from" in "\n".join(lines) and returned["iters"] == 3
    np.testing.assert_array_equal(gan.load_checkpoint(tmp_path / "out" / "checkpoint.npz")["fixed_latent"][0], saved)


def test_fgan_mnist_trains_the_divergence_it_is_given_and_resumes_only_with_it(tiny_mnist, tmp_path, capsys):
    """From the same start (seed, weights, first batch), each --divergence is an objective of its own: the first
    critic losses differ, and so do the two --generator-loss of each divergence. The logged estimate is
    F = −(critic loss), the checkpoint records the divergence, and --resume with another one is refused rather than
    mixing two objectives."""
    argv = ["--dim", 2, "--data-dir", tiny_mnist, "--batch-size", 4, "--iters", 1]
    critic_losses = set()
    for divergence in gan.FGAN.presets:
        generator_losses = set()
        for generator_loss in ("maximise-T", "saddle-point"):
            out = tmp_path / f"{divergence}-{generator_loss}"
            returned, _, _ = run("fgan_mnist", argv + ["--divergence", divergence, "--generator-loss", generator_loss,
                                                       "--out", out], capsys)
            assert returned["divergence_estimate"] == -returned["d_loss"]
            critic_losses.add(returned["d_loss"])
            generator_losses.add(returned["g_loss"])
            settings = gan.load_checkpoint(out / "checkpoint.npz")["trainer"]["settings"]
            assert (settings["divergence"], settings["generator_loss"]) == (divergence, generator_loss)
        assert len(generator_losses) == 2, divergence
    assert len(critic_losses) == len(gan.FGAN.presets)

    with pytest.raises(SystemExit, match="other settings .divergence 'kl' there, 'pearson' here"):
        run("fgan_mnist", argv + ["--divergence", "pearson", "--out", tmp_path / "kl-maximise-T", "--resume",
                                  "--generator-loss", "maximise-T", "--iters", 2], capsys)


def test_cuda_graph_without_a_gpu_device_is_refused(tiny_mnist, tmp_path, capsys):
    with pytest.raises(SystemExit, match="--cuda-graph records GPU work: it needs --device cuda"):
        run("wgan_gp_mnist", ["--iters", "2", "--out", str(tmp_path / "run"), "--cuda-graph"], capsys)


def test_a_fresh_run_replaces_an_old_one_only_with_overwrite(tiny_mnist, tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["--dim", 2, "--data-dir", tiny_mnist, "--out", out, "--batch-size", 4]
    run("dcgan_mnist", argv + ["--iters", 3], capsys)
    earlier = {path: path.read_bytes() for path in out.rglob("*") if path.is_file()}
    with pytest.raises(SystemExit, match=f"--out {out} holds an earlier run .*checkpoint.npz.: pass --resume to "
                                         f"continue it, or --overwrite to start again there"):
        run("dcgan_mnist", argv + ["--iters", 2], capsys)
    assert {path: path.read_bytes() for path in out.rglob("*") if path.is_file()} == earlier
    with pytest.raises(SystemExit, match="pass one of them"):
        run("dcgan_mnist", argv + ["--iters", 2, "--resume", "--overwrite"], capsys)
    run("dcgan_mnist", argv + ["--iters", 2, "--overwrite"], capsys)
    assert len(gan.read_log(out / "log.jsonl")) == 2 and not (out / "samples" / "000003.png").exists()


def test_a_cuda_graph_the_variant_cannot_run_keeps_the_earlier_run(tmp_path, capsys, monkeypatch):
    """It ended in a TypeError's traceback."""
    monkeypatch.setattr(example("common"), "setup", lambda args: None)  # as if on a GPU: the trainer refuses
    out = tmp_path / "out"
    out.mkdir()
    (out / "log.jsonl").write_text("the earlier run's\n")
    with pytest.raises(SystemExit, match="^cuda_graph: GAN has no graph-ready steps"):
        example("gan_toy2d").main(["--variant", "gan", "--out", str(out), "--cuda-graph"])
    assert (out / "log.jsonl").read_text() == "the earlier run's\n"


def test_cyclegan_example_translates_both_ways_and_resumes(tiny_mnist_and_fashion, tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["--dim", 2, "--blocks", 1, "--batch-size", 4, "--data-dir", tiny_mnist_and_fashion, "--out", out]
    returned, printed, lines = run("cyclegan_mnist", argv + ["--iters", 2], capsys)
    assert returned["iters"] == 2 and set(printed) == {"iters", "wall_s", "d_loss", "g_loss", "cycle_loss"}
    assert all(np.isfinite(float(printed[key])) for key in ("d_loss", "g_loss", "cycle_loss"))
    assert any(line.startswith("data: MNIST train split") for line in lines)
    assert any(line.startswith("data: Fashion-MNIST train split") for line in lines)
    # 8 pairs of 28-pixel images with 2-pixel gaps, in 6 rows: x, G(x), F(G(x)), y, F(y), G(F(y))
    assert Image.open(assert_png(out / "samples" / "000002.png")).size == (2 + 8 * 30, 2 + 6 * 30)
    assert_png(out / "progression.png")
    assert_png(out / "losses.png", min_side=100)
    state = gan.load_checkpoint(out / "checkpoint.npz")
    assert state["trainer"]["iteration"] == 2 and state["variant"]["pool_x"]["images"].shape == (8, 1, 28, 28)

    returned, _, lines = run("cyclegan_mnist", argv + ["--iters", 3, "--resume"], capsys)
    assert "resumed from" in "\n".join(lines) and returned["iters"] == 3
    assert [r["iteration"] for r in gan.read_log(out / "log.jsonl")] == [1, 2, 3]


def test_cyclegan_example_refuses_to_translate_a_dataset_into_itself(tiny_mnist, tmp_path, capsys):
    """A --data-dir holding one dataset's files directly is searched first for both."""
    with pytest.raises(SystemExit, match="MNIST and Fashion-MNIST were read from the same files"):
        example("cyclegan_mnist").main(["--dim", "2", "--data-dir", str(tiny_mnist), "--out", str(tmp_path / "out")])
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["dcgan_mnist", "cgan_mnist", "wgan_clip_mnist", "cyclegan_mnist", "infogan_mnist",
                                  "fgan_mnist"])
def test_only_the_examples_that_train_wgan_gp_offer_cuda_graph(name, tmp_path, capsys):
    with pytest.raises(SystemExit):
        example(name).main(["--cuda-graph", "--out", str(tmp_path)])
    assert "unrecognized arguments: --cuda-graph" in capsys.readouterr().err


@pytest.mark.parametrize("why", ["missing data", "unknown device"])
def test_a_fresh_run_that_stops_before_training_keeps_the_earlier_run(why, tiny_mnist, tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["--dim", 2, "--out", out, "--batch-size", 4, "--iters", 2]
    run("dcgan_mnist", argv + ["--data-dir", tiny_mnist], capsys)
    earlier = {path: path.read_bytes() for path in out.rglob("*") if path.is_file()}
    (tmp_path / "empty").mkdir()
    stop, extra = {"missing data": ("MNIST", ["--data-dir", tmp_path / "empty"]),
                   "unknown device": ("--device cuda:1: device 'cuda:1': nanogan drives one GPU",
                                      ["--data-dir", tiny_mnist, "--device", "cuda:1"])}[why]
    with pytest.raises((SystemExit, FileNotFoundError), match=stop):
        example("dcgan_mnist").main([str(a) for a in argv + extra + ["--overwrite"]])
    assert {path: path.read_bytes() for path in out.rglob("*") if path.is_file()} == earlier


@pytest.mark.parametrize("name, option, value, message", [
    ("wgan_gp_mnist", "--iters", "0", "argument --iters: must be above 0, got 0"),  # was 3,000 iterations
    ("wgan_gp_mnist", "--batch-size", "0", "argument --batch-size: must be above 0, got 0"),  # was 25
    ("wgan_gp_mnist", "--dim", "0", "argument --dim: must be above 0, got 0"),  # was 16
    ("dcgan_mnist", "--seed", "-1", "argument --seed: must be at least 0, got -1"),  # was a numpy traceback
    ("gan_toy2d", "--lr", "0", "argument --lr: must be above 0, got 0"),  # was the preset's
    ("gan_toy2d", "--lr", "inf", "argument --lr: expected a finite number, got inf"),  # was NaN weights
])
def test_an_option_out_of_range_is_a_usage_error_that_leaves_the_earlier_run(name, option, value, message, tmp_path,
                                                                               capsys):
    """A 0 read as "not given" made `--iters 0` clear the earlier run and start a 3,000-iteration one."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "checkpoint.npz").write_bytes(b"the earlier run's")
    with pytest.raises(SystemExit):
        example(name).main([option, value, "--out", str(out)])
    assert message in capsys.readouterr().err
    assert (out / "checkpoint.npz").read_bytes() == b"the earlier run's"


def test_only_the_test_split_says_so_and_trains_on_it(tmp_path, isolated_data, capsys):
    folder = tmp_path / "t10k"
    folder.mkdir()
    write_split(folder, "test", np.random.default_rng(1))
    _, _, lines = run("wgan_gp_mnist", TINY + ["--dim", 2, "--data-dir", folder, "--out", tmp_path / "out"], capsys)
    assert f"note: the MNIST train split is not available; training on the test split (24 images, {folder})" in lines


@pytest.mark.parametrize("variant, dataset", [("wgan-gp", "grid25_pacgan"), ("gan-minimax", "ring8_pacgan"),
                                              ("wgan", "moons"), ("fgan", "ring8_pacgan")])
def test_toy_example_writes_plots_and_measures(variant, dataset, tmp_path, isolated_data, capsys):
    out = tmp_path / "toy"
    returned, printed, _ = run("gan_toy2d", ["--variant", variant, "--dataset", dataset, "--iters", 2,
                                             "--batch-size", 8, "--eval-every", 2, "--out", out], capsys)
    assert printed["variant"] == variant and returned["iters"] == 2
    assert float(printed["w1"]) > 0
    mixture = dataset.endswith("pacgan")
    assert ("modes" in printed) == mixture
    if mixture:
        assert 0 <= int(printed["modes"]) <= int(printed["n_modes"]) == {"grid25_pacgan": 25, "ring8_pacgan": 8}[dataset]
        assert 0.0 <= float(printed["high_quality"]) <= 1.0
    for picture in ("scatter.png", "surface.png", "metrics.png", "losses.png", "frames/000002.png"):
        assert_png(out / picture, min_side=100)
    assert gan.load_checkpoint(out / "checkpoint.npz")["trainer"]["iteration"] == 2

    returned, _, _ = run("gan_toy2d", ["--variant", variant, "--dataset", dataset, "--iters", 3, "--batch-size", 8,
                                       "--eval-every", 2, "--out", out, "--resume"], capsys)
    assert returned["iters"] == 3
    assert [r["iteration"] for r in gan.read_log(out / "metrics.jsonl")] == [2, 3]


def test_toy_example_rejects_a_preset_of_another_variant(tmp_path, capsys):
    with pytest.raises(SystemExit, match="toy presets"):
        example("gan_toy2d").main(["--variant", "gan", "--preset", "official-toy", "--out", str(tmp_path)])


@pytest.mark.parametrize("stopped_in_iteration", [1, 2])
def test_a_run_stopped_by_ctrl_c_checkpoints_and_exits_with_130(stopped_in_iteration, tiny_mnist, tmp_path, capsys,
                                                                 monkeypatch):
    critic_step, steps = gan.DCGAN.critic_step, []

    def ctrl_c_in_a_critic_step(variant, *args, **kwargs):  # DCGAN: one critic step an iteration
        steps.append(1)
        if len(steps) == stopped_in_iteration:
            os.kill(os.getpid(), signal.SIGINT)
        return critic_step(variant, *args, **kwargs)

    monkeypatch.setattr(gan.DCGAN, "critic_step", ctrl_c_in_a_critic_step)
    with pytest.raises(SystemExit) as stopped:
        run("dcgan_mnist", ["--dim", 2, "--data-dir", tiny_mnist, "--out", tmp_path / "out", "--batch-size", 4,
                            "--iters", 3], capsys)
    assert stopped.value.code == 130
    captured = capsys.readouterr()
    assert "continue with the same command and --resume" in captured.err
    # the first: nothing to show yet; the second: the pictures and the result line of the iteration done
    assert ("result: iters=1" in captured.out) == (stopped_in_iteration == 2)
    trainer_state = gan.load_checkpoint(tmp_path / "out" / "checkpoint.npz")["trainer"]
    assert (trainer_state["iteration"], trainer_state["critic_steps_in_iteration"]) == (stopped_in_iteration - 1, 1)


def generator_rates(monkeypatch, variant_class):
    """The list that fills with G's learning rate at each generator step of `variant_class`."""
    generator_step, rates = variant_class.generator_step, []

    def recording(variant, *args, **kwargs):
        rates.append(variant.opt_G.param_groups[0]["lr"])
        return generator_step(variant, *args, **kwargs)

    monkeypatch.setattr(variant_class, "generator_step", recording)
    return rates


def test_lr_decay_resumes_exactly_and_a_larger_iters_follows_the_longer_schedule(tmp_path, isolated_data, capsys,
                                                                                 monkeypatch):
    """A run extended by a larger --iters used to train its first resumed iteration at the rate the shorter
    schedule ended on, 0."""
    rates = generator_rates(monkeypatch, gan.GAN)
    toy = ["--variant", "gan", "--batch-size", 8, "--eval-every", 2, "--lr-decay"]
    lr = 1e-4  # the toy preset's
    run("gan_toy2d", toy + ["--iters", 4, "--out", tmp_path / "whole"], capsys)
    assert rates == [lr, 0.75 * lr, 0.5 * lr, 0.25 * lr]

    rates.clear()
    critic_step, steps = gan.GAN.critic_step, []

    def ctrl_c_in_the_third_iteration(variant, *args, **kwargs):  # GAN: one critic step an iteration
        steps.append(1)
        if len(steps) == 3:
            os.kill(os.getpid(), signal.SIGINT)
        return critic_step(variant, *args, **kwargs)

    monkeypatch.setattr(gan.GAN, "critic_step", ctrl_c_in_the_third_iteration)
    with pytest.raises(SystemExit):
        run("gan_toy2d", toy + ["--iters", 4, "--out", tmp_path / "stopped"], capsys)
    monkeypatch.setattr(gan.GAN, "critic_step", critic_step)
    run("gan_toy2d", toy + ["--iters", 4, "--out", tmp_path / "stopped", "--resume"], capsys)
    assert rates == [lr, 0.75 * lr, 0.5 * lr, 0.25 * lr]
    whole, stopped = (gan.load_checkpoint(tmp_path / out / "checkpoint.npz")["variant"] for out in ("whole", "stopped"))
    for network in ("generator", "discriminator"):
        for name, value in whole[network].items():
            np.testing.assert_array_equal(stopped[network][name], value, err_msg=f"{network}.{name}")

    rates.clear()
    run("gan_toy2d", toy + ["--iters", 2, "--out", tmp_path / "extended"], capsys)
    run("gan_toy2d", toy + ["--iters", 4, "--out", tmp_path / "extended", "--resume"], capsys)
    assert rates == [lr, 0.5 * lr, 0.5 * lr, 0.25 * lr]  # then the 4-iteration schedule, from iteration 2 on


def test_top_k_anneals_g_steps_k_from_the_whole_batch(tmp_path, isolated_data, capsys, monkeypatch):
    seen, train_generator_on = [], gan.GAN.train_generator_on

    def recording(variant, *args, **kwargs):
        seen.append(variant.generator_top_k)
        return train_generator_on(variant, *args, **kwargs)

    monkeypatch.setattr(gan.GAN, "train_generator_on", recording)
    monkeypatch.setattr(example("gan_toy2d"), "TOP_K_EPOCH", 2)
    run("gan_toy2d", ["--variant", "gan", "--batch-size", 100, "--eval-every", 5, "--iters", 5, "--top-k",
                      "--out", tmp_path], capsys)
    assert seen == [100, 100, 99, 99, 98]  # ⌊0.99ᵉ·100⌋ for epochs of 2 iterations


def test_a_mistyped_data_dir_is_a_usage_error(tmp_path, tiny_mnist, monkeypatch, capsys):
    """It used to fall through to $NANOGAN_DATA and the cache, and train on whatever they held."""
    monkeypatch.setenv(mnist.ENV_VAR, str(tiny_mnist.parent))
    with pytest.raises(SystemExit):
        example("dcgan_mnist").main(["--data-dir", str(tmp_path / "dtaa"), "--out", str(tmp_path / "out")])
    assert f"argument --data-dir: no such folder: {tmp_path / 'dtaa'}" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_the_toy_example_has_no_data_dir(tmp_path, capsys):
    with pytest.raises(SystemExit):
        example("gan_toy2d").main(["--data-dir", str(tmp_path), "--out", str(tmp_path / "out")])
    assert "unrecognized arguments: --data-dir" in capsys.readouterr().err


def test_missing_data_and_a_broken_checkpoint_end_in_one_message(tmp_path, isolated_data, tiny_mnist, capsys):
    """Each used to end a traceback, missing data two chained ones (the train split's, then the test split's)."""
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit) as missing:
        example("dcgan_mnist").main(["--data-dir", str(tmp_path / "empty"), "--out", str(tmp_path / "out")])
    assert str(missing.value).startswith("MNIST: neither the 'train' nor the 'test' split is there to train on\n"
                                         "MNIST 'test' split not found")
    assert str(tmp_path / "empty") in str(missing.value)

    out = tmp_path / "out"
    argv = ["--dim", 2, "--data-dir", tiny_mnist, "--out", out, "--batch-size", 4, "--iters", 2]
    run("dcgan_mnist", argv, capsys)
    checkpoint = out / "checkpoint.npz"
    checkpoint.write_bytes(checkpoint.read_bytes()[:1000])
    with pytest.raises(SystemExit) as broken:
        example("dcgan_mnist").main([str(a) for a in argv + ["--resume"]])
    assert str(broken.value).startswith(f"--resume: load_checkpoint: {checkpoint} is not a readable checkpoint")
    with pytest.raises(SystemExit) as other_run:
        example("wgan_clip_mnist").main([str(a) for a in argv + ["--resume"]])
    assert str(other_run.value).startswith("--resume: ")


def test_the_judge_records_sample_quality_and_leaves_training_as_it_was(tiny_mnist, tmp_path, capsys, monkeypatch):
    """--quality-samples with a judge scaled to the 24-image data set: its numbers at the iterations due and at the
    end, in metrics.jsonl, quality.png and the result line; the trained weights bit for bit those of a run without
    it (the judge draws z from its own seed and trains its classifier from its own); a resumed run drops the
    records made after its checkpoint."""
    from nanogan.metrics import sample_quality
    common = example("common")
    monkeypatch.setattr(common, "QUALITY_SAMPLES", 4)
    monkeypatch.setattr(common, "QUALITY_EVERY", 2)
    monkeypatch.setattr(sample_quality, "HELD_OUT_IMAGES", 4)
    monkeypatch.setattr(sample_quality, "CLASSIFIER_STEPS", 2)
    monkeypatch.setattr(sample_quality, "CLASSIFIER_BATCH", 4)
    argv = ["--dim", 2, "--batch-size", 4, "--data-dir", tiny_mnist]
    returned, printed, lines = run("dcgan_mnist", argv + ["--iters", 3, "--out", tmp_path / "judged"], capsys)
    assert any(line.startswith("SampleQuality: training the classifier of MNIST (train split, 16 images")
               for line in lines)
    records = [json.loads(line) for line in (tmp_path / "judged" / "metrics.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in records] == [2, 3]
    for key in ("classifier_score", "frechet_distance", "data_classifier_score", "data_frechet_distance"):
        assert np.isfinite(float(printed[key])), key
    assert float(printed["frechet_distance"]) == pytest.approx(records[-1]["frechet_distance"], rel=1e-3)
    assert 1.0 <= returned["classifier_score"] <= 10.0
    assert_png(tmp_path / "judged" / "quality.png", min_side=100)

    run("dcgan_mnist", argv + ["--iters", 3, "--out", tmp_path / "plain", "--quality-samples", 0], capsys)
    assert not (tmp_path / "plain" / "metrics.jsonl").exists()
    judged, plain = (gan.load_checkpoint(tmp_path / name / "checkpoint.npz")["variant"] for name in ("judged", "plain"))
    for network in ("generator", "discriminator"):
        for name, weights in plain[network].items():
            np.testing.assert_array_equal(judged[network][name], weights, err_msg=f"{network} {name}")

    with pytest.raises(SystemExit, match=r"--quality-samples: 0 \(none\) or 2\.\.4"):
        example("dcgan_mnist").main([str(a) for a in argv + ["--quality-samples", 1, "--out", tmp_path / "one"]])
