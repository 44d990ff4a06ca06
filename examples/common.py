"""The plumbing every example shares, so that each example file holds only its paper's algorithm:
the common command-line options, the output folder, MNIST-like data, the image trainer with its
pictures, and the closing `result:` line.

Common options: --device, --seed, --iters, --batch-size, --out (default runs/<example>/), --data-dir (image
datasets), --dataset, --preset (the variant's published settings), --resume (continue OUT/checkpoint.npz),
--overwrite (start again in an OUT that holds a run), --cuda-graph (where WGAN-GP is trained, on a GPU: each step
replayed from a CUDA graph), --quality-samples (how many of G's samples nanogan.metrics.SampleQuality judges).
"""
import argparse
import json
import math
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np

import nanogan as ng
from nanogan import data, gan, metrics, models
from nanogan.gan import visualize

RUNS_DIR = Path("runs")
IMAGE_DATASETS = ("mnist", "fashion-mnist")
# What a fresh run replaces in OUT (a resumed run keeps and extends them).
RUN_FILES = ("log.jsonl", "checkpoint.npz", "samples", "metrics.jsonl", "frames")
PROGRESSION_SNAPSHOTS = 8  # grids in the progression strip, evenly spread over the run
QUALITY_EVERY = 500  # generator iterations between two judgements of the samples (and one at the end)
QUALITY_SAMPLES = metrics.sample_quality.HELD_OUT_IMAGES  # default and most --quality-samples: the real reference
QUALITY_BATCH = 500  # samples G draws at a time for the judge


def _bounded(kind, low, low_allowed):
    """An argparse type: a `kind` above `low` (or equal to it where `low_allowed`), or a one-line usage error
    naming the option. A 0 must not stand for "the default", and a negative size is an error, not a traceback."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {'an int' if kind is int else 'a number'}, got {text!r}") \
                from None
        if not math.isfinite(value):  # an inf learning rate passes "above 0" and turns every weight to NaN
            raise argparse.ArgumentTypeError(f"expected a finite number, got {text}")
        if not (value > low or low_allowed and value == low):
            raise argparse.ArgumentTypeError(f"must be {'at least' if low_allowed else 'above'} {low}, got {text}")
        return value
    return parse


positive_int, non_negative_int, positive_float = _bounded(int, 0, False), _bounded(int, 0, True), \
    _bounded(float, 0, False)


def existing_folder(text):
    """An argparse type: a folder that exists. A mistyped --data-dir would otherwise fall through to the other
    places searched ($NANOGAN_DATA, the cache) and train on whatever they hold."""
    if not Path(text).is_dir():
        raise argparse.ArgumentTypeError(f"no such folder: {text}")
    return Path(text)


def parser(name, doc, *, iters, batch_size, presets, datasets=IMAGE_DATASETS, dataset_help="", cuda_graph=False,
           judged=True):
    """The argument parser with the common options; the example adds its own. `doc` is the example's
    docstring (its first paragraph is the --help description), `presets` its variant's preset names
    (the first is the default; None: the example adds its own --preset), `iters` and `batch_size` the
    defaults (None: the example decides), `dataset_help` what --dataset chooses where it is more than the data,
    `cuda_graph` whether it trains a WGAN-GP variant, whose steps a CUDA graph can replay (--cuda-graph), `judged`
    whether an image example's samples of z are judged (--quality-samples; not where G translates images)."""
    p = argparse.ArgumentParser(prog=f"{name}.py", description=doc.strip().split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    p.add_argument("--seed", type=non_negative_int, default=0, help="seed of the weights, the noise and the data order")
    p.add_argument("--iters", type=positive_int, default=iters,
                   help=f"generator iterations in all (default {iters or 'set by the configuration'})")
    p.add_argument("--batch-size", type=positive_int, default=batch_size,
                   help=f"minibatch size m (default {batch_size or 'set by the configuration'})")
    p.add_argument("--out", type=Path, default=RUNS_DIR / name, help=f"output folder (default runs/{name}/)")
    if set(datasets) <= set(IMAGE_DATASETS):  # read from files (the toy sets are drawn by code)
        p.add_argument("--data-dir", type=existing_folder,
                       help="folder holding the dataset's IDX files (else $NANOGAN_DATA, the cache, ...)")
        if judged:
            p.add_argument("--quality-samples", type=non_negative_int, default=QUALITY_SAMPLES,
                           help=f"samples of G judged every {QUALITY_EVERY} iterations and at the end by a classifier "
                                f"of the data set (classifier score, Fréchet distance; nanogan.metrics.SampleQuality), "
                                f"at most {QUALITY_SAMPLES}; 0: none (default {QUALITY_SAMPLES})")
    p.add_argument("--dataset", default=datasets[0], choices=datasets, help=f"{dataset_help}default {datasets[0]}")
    if presets is not None:
        p.add_argument("--preset", default=presets[0], choices=presets,
                       help=f"the variant's published hyperparameters (default {presets[0]})")
    p.add_argument("--resume", action="store_true", help="continue the run in OUT from its checkpoint")
    p.add_argument("--overwrite", action="store_true", help="start again in an OUT that holds a run, replacing it")
    if cuda_graph:
        p.add_argument("--cuda-graph", action="store_true",
                       help="with --device cuda and WGAN-GP: replay each training step from a recorded CUDA graph")
    else:
        p.set_defaults(cuda_graph=False)
    return p


def setup(args):
    """Check the options, the device and a resumed run's checkpoint, then seed the global generator (weights,
    noise, ε). Nothing in OUT changes here: a run that stops on a bad option, a missing device or missing data
    leaves an earlier run's checkpoint and logs as they were (trainer() replaces them once the run starts)."""
    try:
        ng.backend.get(args.device)
    except (RuntimeError, ValueError) as err:
        raise SystemExit(f"--device {args.device}: {err}") from None
    if args.cuda_graph and not str(args.device).startswith("cuda"):
        raise SystemExit(f"--cuda-graph records GPU work: it needs --device cuda (got --device {args.device})")
    if getattr(args, "quality_samples", 0) not in (0, *range(2, QUALITY_SAMPLES + 1)):
        raise SystemExit(f"--quality-samples: 0 (none) or 2..{QUALITY_SAMPLES}, as many as the judge's real reference "
                         f"images, got {args.quality_samples}")
    checkpoint = args.out / "checkpoint.npz"
    if args.resume and args.overwrite:
        raise SystemExit("--resume continues the run in OUT and --overwrite replaces it: pass one of them")
    if args.resume and not checkpoint.exists():
        raise SystemExit(f"--resume: there is no checkpoint at {checkpoint}")
    if checkpoint.exists() and not (args.resume or args.overwrite):  # hours of training are one command away
        raise SystemExit(f"--out {args.out} holds an earlier run ({checkpoint}): pass --resume to continue it, or "
                         f"--overwrite to start again there")
    ng.manual_seed(args.seed)


def start_output_folder(args):
    """OUT for this run: a resumed run keeps and extends what is there; a fresh run (setup() let it in only with
    --overwrite if a checkpoint is there) clears what an earlier run left (its logs, checkpoint and pictures), so
    that they are this run's only."""
    if not args.resume:
        for entry in RUN_FILES:
            path = args.out / entry
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
    args.out.mkdir(parents=True, exist_ok=True)


def load_images(args, value_range=(0.0, 1.0)):
    """A shuffled DataLoader of (images, labels) of --dataset, images float32 (N, 1, 28, 28) scaled to
    `value_range`."""
    images, labels = load_image_arrays(args, args.dataset, value_range)
    return data.DataLoader(images, labels, batch_size=args.batch_size, seed=args.seed)


def load_image_arrays(args, dataset, value_range):
    """(images, labels) of `dataset` ("mnist" or "fashion-mnist", searched in --data-dir and the usual places),
    images float32 (N, 1, 28, 28) scaled to `value_range`. Where only the test split exists (as on a machine given
    just t10k-*), it says so and trains on that."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the note below says it in one line
            images, labels, split = data.load_mnist_for_training(dataset, args.data_dir)
    except (data.DatasetNotFoundError, data.IdxFormatError) as err:  # the message says it all: no traceback
        raise SystemExit(str(err)) from None
    title = data.DATASETS[dataset].title
    folder = data.find_split(dataset, split, args.data_dir).images.parent  # --data-dir, or where the search led
    if split != "train":
        print(f"note: the {title} train split is not available; training on the {split} split "
              f"({len(images)} images, {folder})")
    else:
        print(f"data: {title} {split} split, {len(images)} images, {folder}")
    return data.images_to_float(images, value_range), labels


def dcgan_networks(args):
    """The 28×28 DCGAN generator and discriminator of nanogan.models (z of 100, width --dim), on --device: the
    networks that DCGAN and WGAN with clipping train with their different objectives."""
    G = models.DCGANGenerator(image_size=28, channels=1, latent_dim=100, dim=args.dim)
    D = models.DCGANDiscriminator(image_size=28, channels=1, dim=args.dim)
    to_device(args, G, D)
    return G, D


def to_device(args, *networks):
    if str(args.device).startswith("cuda"):
        from nanogan.backend.cuda import conv
        conv.benchmark = True  # time each convolution shape's kernels once, as PyTorch's examples set cudnn.benchmark
    for network in networks:
        network.to(args.device)


def trainer(variant, stream, args, *, snapshot_every, n_samples=64, fixed_inputs=None, progress=True):
    """A Trainer writing to OUT with a checkpoint every `snapshot_every` generator iterations, resumed
    from OUT/checkpoint.npz under --resume; `fixed_inputs` as the Trainer takes them. OUT is started here, once the
    data, the networks and the trainer are ready (the trainer refuses a --cuda-graph its variant cannot run)."""
    try:
        run = gan.Trainer(variant, stream, args.out, n_samples=n_samples, sample_seed=args.seed,
                          fixed_inputs=fixed_inputs, checkpoint_every=snapshot_every, progress=progress,
                          cuda_graph=args.cuda_graph)
    except TypeError as err:  # a variant without graph-ready steps (gan_toy2d's other than wgan-gp)
        if not args.cuda_graph:
            raise
        raise SystemExit(str(err)) from None
    start_output_folder(args)
    if args.resume:
        try:
            run.resume()
        except ValueError as err:  # a checkpoint that is unreadable or of another run: the message says which
            raise SystemExit(f"--resume: {err}") from None
        print(f"resumed from {run.checkpoint_path} at generator iteration {run.iteration}")
        if run.iteration >= args.iters:
            print(f"the run has done its --iters {args.iters} already: nothing to train; a larger --iters goes on")
    return run


def image_trainer(variant, loader, args, *, snapshot_every, nrow=8, n_samples=64, fixed_inputs=None,
                  value_range=(0.0, 1.0), arrange=None):
    """trainer() plus the pictures of an image GAN: every `snapshot_every` iterations a grid of G's samples
    of the fixed z, or of its output for `fixed_inputs` (OUT/samples/<iteration>.png; `arrange` may reorder the
    samples first) and the loss curves (OUT/losses.png)."""
    run = trainer(variant, loader, args, snapshot_every=snapshot_every, n_samples=n_samples,
                  fixed_inputs=fixed_inputs)
    arrange = arrange or (lambda images: images)

    def write_grid(t):
        visualize.save_image_grid(arrange(t.samples()), grid_path(t), nrow, value_range)

    run.every(snapshot_every, write_grid)
    run.every(snapshot_every, visualize.loss_plot_hook())
    if getattr(args, "quality_samples", 0):
        run.every(QUALITY_EVERY, MetricsLog(run, SampleQualityMeasures(args, value_range)))
    return run


class MetricsLog:
    """A hook that appends {"iteration", **measure(run)} to OUT/metrics.jsonl; a resumed run first drops the
    records made after its checkpoint, and a second call at one iteration (the end of a run) adds nothing.
    `records` holds them all."""

    def __init__(self, run, measure):
        self.measure, self.path = measure, run.run_dir / "metrics.jsonl"
        records = gan.read_log(self.path) if self.path.exists() else []
        self.records = [r for r in records if r["iteration"] <= run.iteration]
        self.path.write_text("".join(json.dumps(r) + "\n" for r in self.records))

    def __call__(self, run):
        if self.records and self.records[-1]["iteration"] == run.iteration:
            return
        record = {"iteration": run.iteration, **self.measure(run)}
        self.records.append(record)
        with open(self.path, "a") as f:
            f.write(json.dumps(record) + "\n")


class SampleQualityMeasures:
    """The classifier score and Fréchet distance of --quality-samples samples of G (nanogan.metrics.SampleQuality
    of --dataset), drawn as a training step draws z (and y, c) but from a fixed seed, the same each time. The run
    goes on as it would unjudged: its generator's state and G's buffers (batch norm's running statistics, which
    G's forward passes in training mode move) are put back. `reference`: the same numbers for as many real
    images."""

    def __init__(self, args, value_range):
        self.n, self.value_range, self.seed = args.quality_samples, value_range, args.seed + 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # which split it trains on is said where the data was loaded
            self.judge = metrics.SampleQuality.for_dataset(args.dataset, args.data_dir)
        self.reference = self.judge.data_reference(self.n)

    def __call__(self, run):
        state = ng.get_rng_state()
        buffers = {name: buffer.clone() for name, buffer in run.variant.G.named_buffers()}
        try:
            ng.manual_seed(self.seed)
            samples = np.concatenate([run.variant.sample(run.variant.sample_latent(min(QUALITY_BATCH, self.n - start)))
                                      for start in range(0, self.n, QUALITY_BATCH)])
        finally:
            ng.set_rng_state(state)
            with ng.no_grad():
                for name, buffer in run.variant.G.named_buffers():
                    buffer.copy_(buffers[name])
        return self.judge(samples, self.value_range)


def grid_path(run):
    return run.run_dir / "samples" / f"{run.iteration:06d}.png"


def run_hooks_at_the_end(run):
    """Run every hook once more unless the last iteration already did (a run of 2 iterations, say), so the
    pictures show the final state."""
    for n, hook in run.hooks:
        if run.iteration % n:
            hook(run)


def finish_images(run):
    """After fit(): the final grid, the progression strip over the run, the loss curves. Returns their paths."""
    run_hooks_at_the_end(run)
    final = grid_path(run)
    grids = sorted((run.run_dir / "samples").glob("*.png"))
    chosen = [grids[round(i)] for i in np.linspace(0, len(grids) - 1, min(PROGRESSION_SNAPSHOTS, len(grids)))]
    strip = run.run_dir / "progression.png"
    visualize.progression_strip(chosen, strip, captions=[f"it {int(p.stem)}" for p in chosen])
    losses = run.run_dir / "losses.png"
    visualize.plot_losses(run.log_path, losses)
    return {"grid": final, "progression": strip, "losses": losses, "checkpoint": run.checkpoint_path}


def _shown(value):
    if isinstance(value, float):
        return f"{value:.4g}" if math.isfinite(value) else str(value)
    return str(value)


def report(outputs, **result):
    """Say where the outputs are, then the one-line result: `result: key=value ...` (returned as a dict)."""
    for what, path in outputs.items():
        print(f"wrote {what}: {path}")
    print("result: " + " ".join(f"{key}={_shown(value)}" for key, value in result.items()))
    sys.stdout.flush()
    return result


def fit_and_report(run, iters, *logged, pictures=None):
    """Train an image GAN for `iters` generator iterations, write its final pictures, and end with the result
    line: iterations, wall time and the latest values of the `logged` log entries. `pictures` (what → path):
    more pictures the example's hooks write, listed with the others."""
    fit(run, iters)
    outputs = {**finish_images(run), **(pictures or {})}
    last = last_record(run)
    judged = {}
    quality = next((hook for _, hook in run.hooks if isinstance(hook, MetricsLog)), None)
    if quality is not None:
        outputs["quality"] = run.run_dir / "quality.png"
        visualize.plot_sample_quality(quality.records, outputs["quality"], quality.measure.reference)
        judged = {key: quality.records[-1][key] for key in ("classifier_score", "frechet_distance")}
        judged.update({f"data_{key}": value for key, value in quality.measure.reference.items()})
    result = report(outputs, iters=run.iteration, wall_s=round(run.elapsed, 1),
                    **{key: last.get(key) for key in logged}, **judged)
    exit_if_interrupted(run)
    return result


def fit(run, iters):
    """run.fit(iters). A run stopped by Ctrl-C before its first generator iteration has no pictures or losses to
    show: it exits there."""
    run.fit(iters)
    if run.iteration == 0:
        exit_if_interrupted(run)


def exit_if_interrupted(run):
    """After a Ctrl-C the run has written its pictures, its checkpoint and its result line; its exit status says
    it stopped early (130, as for SIGINT), so that a script running several knows."""
    if run.interrupted:
        print("stopped early: continue with the same command and --resume", file=sys.stderr)
        raise SystemExit(130)


def last_record(run):
    """The latest log record (losses, Wasserstein estimate, ...) of the run, as floats."""
    records = gan.read_log(run.log_path)
    return records[-1] if records else {}
