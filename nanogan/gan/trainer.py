"""The alternating training loop of the GAN papers, with the bookkeeping a long run needs.

    trainer = Trainer(variant, data, run_dir="runs/wgan-gp")
    trainer.resume()                       # continue from run_dir/checkpoint.npz, if there is one
    trainer.every(500, visualize.sample_grid_hook())   # fn(trainer) after every 500th generator iteration
    trainer.fit(iterations=20000)

One generator iteration = k critic steps, each on a fresh real batch, then one generator step, with
k = variant.critic_iterations(iteration). After each iteration the trainer appends a line to
run_dir/log.jsonl (losses, Wasserstein estimate, gradient penalty, gradient norms, k, wall time, and on a
GPU the memory its arrays hold), runs the hooks that are due, and writes run_dir/checkpoint.npz when one is due.

Resuming continues bit for bit: a checkpoint holds G, D, both optimisers, the data stream's position,
the global random generator (noise, ε of the penalty), the fixed snapshot inputs, the position inside
the current iteration and the log's length (a resumed run cuts the log back to it), and the state of whatever
`trainer.keep_state(name, obj)` was given (a hook's running average of G's weights, say).

Ctrl-C: the first one lets the current step finish, then writes a checkpoint and returns from fit()
(`trainer.interrupted` is then True); a second one aborts at once. A KeyboardInterrupt raised between
steps (in a hook, say) is treated like the first Ctrl-C; any other error raised between steps writes a
checkpoint, then propagates. An error inside a step leaves a half-updated state, which is not saved.

A run_dir holds one run: a trainer that did not resume() refuses to train into a folder that holds a
checkpoint or a log already, rather than overwrite that run's work.
"""
import copy
import dataclasses
import functools
import json
import os
import signal
import sys
import threading
import time
import warnings
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from .. import backend as backends
from ..arguments import int_at_least
from ..data.loader import check_same_data, values_crc
from ..random import get_rng_state, set_rng_state
from ..tensor import Tensor
from .checkpoint import load_checkpoint, save_checkpoint
from .graphed import GraphedSteps


class SampledData:
    """Real batches from a sampler `sample(n, rng)` (the 2D toy sets of nanogan.data.toy2d), drawn with
    this stream's own generator, whose state is the stream's state: a resumed run draws the same batches."""

    def __init__(self, sampler, batch_size, seed=0):
        self.sampler, self.batch_size = sampler, int_at_least("SampledData", "batch_size", batch_size, 1)
        self.rng = np.random.default_rng(seed)

    def infinite(self):
        while True:
            yield self.sampler(self.batch_size, self.rng)

    @functools.cached_property
    def data_crc(self):
        """Of points drawn with a seed of its own: they tell one toy set (and scaling) from another."""
        return values_crc(self.sampler(16, np.random.default_rng(0)))

    def state_dict(self):
        return {"rng": self.rng.bit_generator.state, "batch_size": self.batch_size, "data_crc": self.data_crc}

    def load_state_dict(self, state):
        if state["batch_size"] != self.batch_size:
            raise ValueError(f"SampledData.load_state_dict: state has batch_size={state['batch_size']}, "
                             f"this stream has {self.batch_size}")
        check_same_data("SampledData", state, self.data_crc)
        self.rng.bit_generator.state = state["rng"]


def read_log(path):
    """The records of a log.jsonl, as a list of dicts. A last line without its newline is a record a run was
    writing when it died: it is left out. Any other line that is not a JSON record is an error naming it."""
    with open(path) as f:
        lines = f.read().split("\n")
    records = []
    for number, line in enumerate(lines[:-1], start=1):  # lines[-1]: after the last newline, a torn record or ""
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as err:
            raise ValueError(f"read_log: {path}, line {number}, is not a JSON record ({err})") from None
    return records


class _DeferredInterrupt:
    """Inside the block the first SIGINT only sets `requested`, so that training stops between two steps
    with a consistent state to checkpoint; a second one raises KeyboardInterrupt at once. (Signal handlers
    can only be set from the main thread; elsewhere Ctrl-C keeps its default behaviour.)"""

    def __enter__(self):
        self.requested = False
        self._installed = threading.current_thread() is threading.main_thread()
        if self._installed:
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        tqdm.write("interrupt: finishing the current step, then writing a checkpoint (Ctrl-C again to abort)",
                   file=sys.stderr)

    def __exit__(self, *exc):
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
        return False


def _as_numbers(values):
    """{key: float} for a dict of 0-d tensors and numbers. The tensors of each device are read in one copy: every
    read waits for the device, and a logged iteration has half a dozen numbers or more."""
    numbers, on_device = {}, {}
    for key, value in values.items():
        if isinstance(value, Tensor):
            on_device.setdefault(value.backend, []).append(key)
        else:
            numbers[key] = float(value)
    for backend, keys in on_device.items():
        read = backend.to_host(backend.xp.stack([values[key].array.reshape(()) for key in keys]))
        numbers.update(zip(keys, read.astype(np.float64).tolist()))
    return {key: numbers[key] for key in values}


class Trainer:
    """Runs a variant (nanogan.gan.variants) on a data stream and keeps the run's log and checkpoint.

    data             a nanogan.data.DataLoader or a SampledData: anything with `batch_size`, `infinite()`,
                     `state_dict()` and `load_state_dict()`
    run_dir          where log.jsonl and checkpoint.npz go (created if missing)
    n_samples        how many fixed noise vectors `samples()` renders (progression snapshots)
    sample_seed      the seed of those vectors (their own generator: the training's random stream is untouched)
    fixed_inputs     what `samples()` feeds G instead of those: arrays as the variant's fixed_latent gives them,
                     (z, y); a variant that translates images (CycleGAN) needs these, real images of its domains
    checkpoint_every write a checkpoint after every this many generator iterations (and at the end of fit)
    log_every        log after every this many generator iterations
    progress         show a tqdm bar with the latest losses and the ETA
    cuda_graph       replay each step from a CUDA graph (WGAN-GP variants on a GPU; nanogan.gan.graphed)
    """

    def __init__(self, variant, data, run_dir, *, n_samples=64, sample_seed=0, fixed_inputs=None, checkpoint_every=1000,
                 log_every=1, progress=True, cuda_graph=False):
        for attribute in ("batch_size", "infinite", "state_dict", "load_state_dict"):
            if not hasattr(data, attribute):
                raise TypeError(f"Trainer: the data stream {type(data).__name__} has no {attribute!r}; pass a "
                                f"nanogan.data.DataLoader or a nanogan.gan.SampledData")
        if data.batch_size != variant.settings.batch_size:  # else the checkpoint's settings would say another m
            raise ValueError(f"Trainer: the data stream gives batches of {data.batch_size}, the variant's settings "
                             f"say batch_size={variant.settings.batch_size}; pass batch_size={data.batch_size} to "
                             f"the variant, or make the stream's batches that size")
        checkpoint_every = int_at_least("Trainer", "checkpoint_every", checkpoint_every, 1)
        log_every = int_at_least("Trainer", "log_every", log_every, 1)
        self.variant, self.data = variant, data
        self.steps = GraphedSteps(variant) if cuda_graph else variant  # who runs critic_step / generator_step
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.checkpoint_path = self.run_dir / "checkpoint.npz"
        self.log_path = self.run_dir / "log.jsonl"
        self.checkpoint_every, self.log_every, self.progress = checkpoint_every, log_every, progress
        n_samples = int_at_least("Trainer", "n_samples", n_samples, 1)
        sample_seed = int_at_least("Trainer", "sample_seed", sample_seed, 0)
        self.fixed_latent = (variant.fixed_latent(n_samples, sample_seed) if fixed_inputs is None
                             else variant.fixed_inputs_from(fixed_inputs))
        self.hooks = []
        self.kept = {}  # name → an object whose state_dict() every checkpoint holds (keep_state)
        self.iteration = 0  # generator iterations done
        self.critic_steps_in_iteration = 0  # critic steps done towards the next generator step
        self.elapsed = 0.0  # seconds spent in fit(), over all runs of this training
        self.last_critic = {}  # the numbers of the latest critic step
        self.record = {}  # the latest log record
        self.interrupted = False
        self._batches = None
        self._log_file = None
        self._inside_step = False
        self._saved_at = None  # (iteration, critic steps) of the latest checkpoint written by this trainer
        self._run_dir_is_mine = False  # resumed from it, or trained into it: its log and checkpoint are this run's

    # ---- hooks ------------------------------------------------------------------------------------------
    def every(self, n, hook=None):
        """Call hook(trainer) after every n-th generator iteration. Also a decorator: `@trainer.every(500)`."""
        n = int_at_least("Trainer.every", "n", n, 1)
        if hook is None:
            return lambda fn: self.every(n, fn)
        self.hooks.append((n, hook))
        return hook

    def keep_state(self, name, stateful):
        """Save `stateful.state_dict()` in every checkpoint under `name`, and load it back with
        `stateful.load_state_dict` in resume() (so call this before resume()): the state a hook carries from one
        iteration to the next, such as tricks.ExponentialMovingAverage's averaged G, must survive a resume as G and D
        do. Returns `stateful`.

            ema = trainer.keep_state("ema", tricks.ExponentialMovingAverage(G))
            trainer.every(1, lambda trainer: ema.update())
            trainer.resume()
        """
        if not isinstance(name, str) or name in self.kept:
            raise ValueError(f"Trainer.keep_state: name must be a str not kept already ({sorted(self.kept)}), "
                             f"got {name!r}")
        for method in ("state_dict", "load_state_dict"):
            if not callable(getattr(stateful, method, None)):
                raise TypeError(f"Trainer.keep_state: {type(stateful).__name__} has no {method}() to keep {name!r} by")
        self.kept[name] = stateful
        return stateful

    def samples(self):
        """G's samples of the fixed noise, or its output for the fixed inputs (numpy), for progression snapshots."""
        return self.variant.sample(self.fixed_latent)

    # ---- training ---------------------------------------------------------------------------------------
    def fit(self, iterations):
        """Train until `iterations` generator iterations are done in all (a resumed run goes on towards the
        same total). Returns the trainer."""
        iterations = int_at_least("Trainer.fit", "iterations", iterations, 0)
        self.interrupted = False
        if self.iteration >= iterations:
            return self
        if not self._run_dir_is_mine:
            self._refuse_to_overwrite_an_earlier_run()
            self._run_dir_is_mine = True
        started, elapsed_before = time.perf_counter(), self.elapsed
        bar = tqdm(total=iterations, initial=self.iteration, desc=type(self.variant).__name__,
                   disable=not self.progress, dynamic_ncols=True)
        self._log_file = open(self.log_path, "a")
        try:
            with _DeferredInterrupt() as interrupt:
                try:
                    while self.iteration < iterations and self._advance(interrupt):
                        self.elapsed = elapsed_before + time.perf_counter() - started
                        self._after_iteration(bar)
                except KeyboardInterrupt:
                    if self._inside_step:
                        tqdm.write(f"aborted inside a step: its state is half-updated and is not saved; the last "
                                   f"checkpoint is {self.checkpoint_path}", file=sys.stderr)
                        raise
                    interrupt.requested = True
                except Exception:
                    # between two steps (a hook, the log) the state is whole: keep the iterations done since the
                    # last checkpoint, then let the error through
                    if not self._inside_step and self._saved_at != (self.iteration, self.critic_steps_in_iteration):
                        self.save_checkpoint()
                        tqdm.write(f"stopped by an error after generator iteration {self.iteration}; checkpoint "
                                   f"written to {self.checkpoint_path}", file=sys.stderr)
                    raise
                self.elapsed = elapsed_before + time.perf_counter() - started
                self.interrupted = interrupt.requested
                if self._saved_at != (self.iteration, self.critic_steps_in_iteration):
                    self.save_checkpoint()
                if self.interrupted:
                    tqdm.write(f"interrupted at generator iteration {self.iteration}; checkpoint written to "
                               f"{self.checkpoint_path}", file=sys.stderr)
        finally:
            bar.close()
            self._log_file.close()
            self._log_file = None
        return self

    def _refuse_to_overwrite_an_earlier_run(self):
        """A fresh trainer would replace the checkpoint of the run in run_dir and append to its log: refuse, and
        say how to continue that run or start another."""
        earlier = []
        if self.checkpoint_path.exists():
            earlier.append(f"a checkpoint ({self.checkpoint_path.name})")
        if self.log_path.exists() and os.path.getsize(self.log_path) > 0:
            earlier.append(f"a log ({self.log_path.name})")
        if earlier:
            raise RuntimeError(f"Trainer.fit: {self.run_dir} holds {' and '.join(earlier)} of an earlier run; call "
                               f"resume() to continue it, or give another run_dir (or remove those files) to start "
                               f"a new one")

    def _next_batch(self):
        if self._batches is None:
            self._batches = self.data.infinite()
        return next(self._batches)

    def _step(self, step):
        """Run one step, marked as under way: a KeyboardInterrupt inside it leaves a state not worth saving."""
        self._inside_step = True
        result = step()
        self._inside_step = False
        return result

    def _advance(self, interrupt):
        """Finish the current generator iteration: the critic steps still due, then the generator step.
        Returns False, leaving the iteration part-done, when an interrupt is requested between two steps."""
        due = self.variant.critic_iterations(self.iteration)
        while self.critic_steps_in_iteration < due:
            if interrupt.requested:
                return False
            self.last_critic = self._step(lambda: self.steps.critic_step(self._next_batch()))
            self.critic_steps_in_iteration += 1
        if interrupt.requested:
            return False
        generator_numbers = self._step(lambda: self.steps.generator_step(self.data.batch_size))
        self.iteration += 1
        self.critic_steps_in_iteration = 0
        self.record = {"iteration": self.iteration, "n_critic": due, **self.last_critic, **generator_numbers}
        return True

    def _after_iteration(self, bar):
        bar.update(1)
        if self.iteration % self.log_every == 0:
            counters = {key: self.record.pop(key) for key in ("iteration", "n_critic")}
            self.record = {**counters, **_as_numbers(self.record)}
            self.record["wall_time"] = round(self.elapsed, 3)
            device_bytes = backends.device_memory_in_use()
            if device_bytes is not None:
                self.record["gpu_memory_mb"] = round(device_bytes / 2**20, 2)
            self._log_file.write(json.dumps(self.record) + "\n")
            self._log_file.flush()
            shown = {key: f"{self.record[key]:.4g}" for key in ("d_loss", "g_loss", "wasserstein_estimate")
                     if key in self.record}
            bar.set_postfix(shown, refresh=False)
        for n, hook in self.hooks:
            if self.iteration % n == 0:
                hook(self)
        if self.iteration % self.checkpoint_every == 0:
            self.save_checkpoint()

    # ---- checkpoints -------------------------------------------------------------------------------------
    def state_dict(self):
        return {
            "trainer": {"iteration": self.iteration, "critic_steps_in_iteration": self.critic_steps_in_iteration,
                        "elapsed": self.elapsed, "log_bytes": self._log_size(),
                        "last_critic": _as_numbers(self.last_critic),
                        "variant": type(self.variant).__name__, "settings": self.variant.settings.to_dict()},
            "variant": self.variant.state_dict(),
            "data": self.data.state_dict(),
            "rng": get_rng_state(),
            "fixed_latent": [None if t is None else t.numpy() for t in self.fixed_latent],
            "kept": {name: stateful.state_dict() for name, stateful in self.kept.items()},
        }

    def _log_size(self):
        if self._log_file is not None:
            self._log_file.flush()
        return os.path.getsize(self.log_path) if self.log_path.exists() else 0

    def save_checkpoint(self, path=None):
        """Write the whole training state to `path` (default run_dir/checkpoint.npz), atomically."""
        save_checkpoint(path or self.checkpoint_path, self.state_dict())
        self._saved_at = (self.iteration, self.critic_steps_in_iteration)

    def resume(self, path=None):
        """Load the checkpoint at `path` (default run_dir/checkpoint.npz) and cut the log back to what it held
        then. Returns False, changing nothing, when the default checkpoint does not exist yet."""
        if path is None and not self.checkpoint_path.exists():
            return False
        state = load_checkpoint(path or self.checkpoint_path)
        mine = state["trainer"]
        if mine["variant"] != type(self.variant).__name__:
            raise ValueError(f"Trainer.resume: the checkpoint was written by a {mine['variant']} trainer, this one "
                             f"runs {type(self.variant).__name__}")
        settings = self.variant.settings.to_dict()
        # a setting added to the presets since the checkpoint was written trained then as its default does now
        theirs = {**_defaults(self.variant.settings), **mine["settings"]}
        changed = sorted(k for k in settings if k != "source"  # where the numbers come from is not one of them
                         and _comparable(settings[k]) != _comparable(theirs.get(k)))
        if changed:  # the objective would follow the new settings and the optimisers' state the old: neither run
            differences = ", ".join(f"{k} {theirs.get(k)!r} there, {settings[k]!r} here" for k in changed)
            raise ValueError(f"Trainer.resume: {path or self.checkpoint_path} is a run with other settings "
                             f"({differences}); resume it with its own settings")
        kept = state.get("kept", {})  # checkpoints written before keep_state have none
        if kept.keys() != self.kept.keys():  # a state left behind would be lost by the next checkpoint
            raise ValueError(f"Trainer.resume: {path or self.checkpoint_path} keeps the states {sorted(kept)}, this "
                             f"trainer {sorted(self.kept)}; call keep_state for each of the run's before resume()")
        # a copy: a module's state_dict shares its memory, which the load below overwrites
        before = copy.deepcopy((self.variant.state_dict(), self.data.state_dict(), get_rng_state(),
                                {name: stateful.state_dict() for name, stateful in self.kept.items()}))
        try:
            self.variant.load_state_dict(state["variant"])
            self.data.load_state_dict(state["data"])
            set_rng_state(state["rng"])
            for name, stateful in self.kept.items():
                stateful.load_state_dict(kept[name])
            fixed_latent = self.variant.fixed_inputs_from(state["fixed_latent"])
        except Exception:
            # a checkpoint that fits in part (other networks, another batch size) must not leave this trainer
            # holding a mix of two runs, which its next checkpoint would make permanent
            self.variant.load_state_dict(before[0])
            self.data.load_state_dict(before[1])
            set_rng_state(before[2])
            for name, stateful in self.kept.items():
                stateful.load_state_dict(before[3][name])
            raise
        self._batches = None
        self.fixed_latent = fixed_latent
        self.iteration = mine["iteration"]
        self.critic_steps_in_iteration = mine["critic_steps_in_iteration"]
        self.elapsed = mine["elapsed"]
        self.last_critic = mine["last_critic"]
        self._truncate_log(mine["log_bytes"])
        self._run_dir_is_mine = True
        return True

    def _truncate_log(self, size):
        present = os.path.getsize(self.log_path) if self.log_path.exists() else 0
        if present < size:
            warnings.warn(f"Trainer.resume: {self.log_path} holds {present} bytes, the checkpoint expected "
                          f"{size}; the log misses records before generator iteration {self.iteration}",
                          stacklevel=3)
        elif present > size:
            with open(self.log_path, "r+") as f:
                f.truncate(size)


def _comparable(value):
    return list(value) if isinstance(value, tuple) else value


def _defaults(settings):
    return {f.name: f.default for f in dataclasses.fields(settings) if f.default is not dataclasses.MISSING}
