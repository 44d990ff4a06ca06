"""What every GAN variant shares: its published hyperparameters (a Preset, with its source) and the
plumbing around the two steps of the alternating algorithm.

A variant is written as its paper's algorithm box: `critic_step(batch)` (one update of D on a batch
of real data) and `generator_step(batch_size)` (one update of G). The Trainer calls k critic steps
per generator step, k = `critic_iterations(generator_iteration)`. A step returns its numbers as
0-d tensors (the trainer converts the ones it logs, so a GPU is not synchronised on every step).

Conditional variants: pass `n_classes`, which both models must expose as their own `n_classes`; batches
are then (images, labels) tuples, G is called as G(z, y) and D as D(x, y) (the models in
nanogan.models.conditional join the label to their inputs), and the generator step draws its labels
uniformly.
"""
import contextlib
import dataclasses
from dataclasses import dataclass

import numpy as np

from ... import backend as backends, optim
from ...arguments import int_at_least, is_finite, is_int, require
from ...autograd import no_grad
from ...random import numpy_generator
from ...tensor import Tensor, tensor


@dataclass(frozen=True)
class Preset:
    """The hyperparameters of one published setting, and where they are written down.

    optimizer   "adam", "rmsprop" or "sgd", the same rule and settings for G and D (but lr_D)
    lr, betas   learning rate; Adam's (β1, β2)
    lr_D        D's own learning rate (None: lr), the two time-scale update rule (TTUR, Heusel et al. 2017): G
                on the slower time scale sees a D that has tracked its optimum for the current G, and the paper
                proves convergence to a local Nash equilibrium. Its WGAN-GP language model trains D at 3e-4 and G
                at 1e-4, one critic step each (github.com/bioinf-jku/TTUR, WGAN_GP/gan_language_JSD.py)
    momentum    SGD's momentum
    batch_size  m, real samples per critic step and fakes per generator step
    n_critic    k, critic steps per generator step
    critic_warmup  Arjovsky et al.'s official schedule: k = 100 for the first 25 generator iterations
                and for every 500th, so the critic is near its optimum when G reads its gradient
    noise       the prior of z: "normal" N(0, I) or "uniform" U[−1, 1]
    """
    source: str
    optimizer: str = "adam"
    lr: float = 2e-4
    lr_D: float | None = None
    betas: tuple = (0.5, 0.999)
    momentum: float = 0.0
    batch_size: int = 64
    n_critic: int = 1
    critic_warmup: bool = False
    noise: str = "normal"

    def replace(self, **changes):
        """A copy with some fields changed, e.g. `WGANGP.preset("paper").replace(n_critic=1)`."""
        fields = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - fields)
        if unknown:
            raise TypeError(f"{type(self).__name__}: unknown hyperparameters {unknown}; valid: {sorted(fields)}")
        return dataclasses.replace(self, **changes)

    def to_dict(self):
        return dataclasses.asdict(self)

    def validate(self, owner):
        """Refuse settings out of range, naming the variant `owner`; a subclass adds its own fields. lr, betas,
        momentum and the optimizer's name are checked by the optimiser they build. A setting out of its range does
        not fail by itself, it trains wrongly (n_critic = 0 never trains D, a NaN penalty weight turns D's weights
        to NaN)."""
        require(owner, "lr_D", self.lr_D, lambda v: v is None or (is_finite(v) and v >= 0),
                "None (D trains at lr) or a finite number >= 0")
        int_at_least(owner, "batch_size", self.batch_size, 1)
        int_at_least(owner, "n_critic", self.n_critic, 1)
        require(owner, "critic_warmup", self.critic_warmup, lambda v: isinstance(v, bool), "True or False")
        require(owner, "noise", self.noise, lambda v: v in ("normal", "uniform"), "'normal' or 'uniform'")


WARMUP_CRITIC_ITERATIONS = 100
WARMUP_GENERATOR_ITERATIONS = 25
WARMUP_PERIOD = 500


def critic_iterations(generator_iteration, n_critic, warmup=False):
    """k for generator iteration g (counted from 0): n_critic, or with the warmup of Arjovsky et al.'s code
    100 when g < 25 or g is a multiple of 500."""
    if warmup and (generator_iteration < WARMUP_GENERATOR_ITERATIONS or generator_iteration % WARMUP_PERIOD == 0):
        return WARMUP_CRITIC_ITERATIONS
    return n_critic


def make_optimizer(preset, parameters, lr=None):
    """The optimiser the preset names, over `parameters`, at learning rate `lr` (None: the preset's lr)."""
    lr = preset.lr if lr is None else lr
    if preset.optimizer == "adam":
        return optim.Adam(parameters, lr=lr, betas=preset.betas)
    if preset.optimizer == "rmsprop":
        return optim.RMSprop(parameters, lr=lr)
    if preset.optimizer == "sgd":
        return optim.SGD(parameters, lr=lr, momentum=preset.momentum)
    raise ValueError(f"make_optimizer: unknown optimizer {preset.optimizer!r}; valid: 'adam', 'rmsprop', 'sgd'")


def gradient_norm(parameters):
    """‖∇θ‖₂ over all of `parameters`' gradients (those that have one), a 0-d tensor outside the graph. A number
    for the log, computed on the arrays: one concatenation and one sum of squares, where a square and a sum per
    parameter would be two dozen small GPU launches in every step."""
    grads = [p.grad.array for p in parameters if p.grad is not None]
    if not grads:
        raise RuntimeError("gradient_norm: no parameter has a gradient")
    backend = backends.of(grads[0])
    flat = backend.concatenate([g.reshape(-1) for g in grads])
    return Tensor(backend.xp.sqrt((flat * flat).sum()))


@contextlib.contextmanager
def frozen(network):
    """Within the block `network`'s parameters do not require grad, so a backward through it (D during
    G's step) computes only what flows to its input — the `p.requires_grad = False` of the WGAN code."""
    parameters = [p for p in network.parameters() if p.requires_grad]
    for p in parameters:
        p.requires_grad_(False)
    try:
        yield network
    finally:
        for p in parameters:
            p.requires_grad_(True)


class Variant:
    """A GAN variant: its losses, its two steps and its presets. Subclasses set `presets` (name → Preset,
    the first is the default) and write `critic_step` and `generator_step`."""

    presets = {}
    # Top-k generator updates (gan/tricks.py, Sinha et al. 2020): None, or k, how many of its samples G's loss reads
    # in each step, the k that D scores as most realistic. Changed between steps (tricks.top_k_annealing).
    generator_top_k = None

    def __init__(self, generator, discriminator, preset=None, *, n_classes=None, **overrides):
        """`preset`: a name from `presets`, a Preset, or None for the first one; `overrides` replace
        single hyperparameters of it (`WGANGP(G, D, "paper", n_critic=1)`)."""
        settings = self.preset(preset) if preset is None or isinstance(preset, str) else preset
        if not isinstance(settings, type(self.preset())):
            raise TypeError(f"{type(self).__name__}: expected a {type(self.preset()).__name__}, got "
                            f"{type(settings).__name__}")
        # a list given for a tuple field (betas=[0.5, 0.9]) is that tuple: stored as one, and no change if equal
        overrides = {key: tuple(value) if isinstance(value, list) else value for key, value in overrides.items()}
        changed = [f"{key}={value!r}" for key, value in overrides.items()
                   if key != "source" and getattr(settings, key, None) != value]
        if changed and "source" not in overrides:  # else the printed source would name numbers no longer used
            overrides["source"] = f"{settings.source}; changed here: {', '.join(changed)}"
        self.settings = settings.replace(**overrides)
        self.settings.validate(type(self).__name__)
        self.G, self.D = generator, discriminator
        self.n_classes = n_classes
        self._check_classes()
        self.latent_dim = self.latent_dim_of(generator)
        self.opt_G = make_optimizer(self.settings, generator.parameters())
        self.opt_D = make_optimizer(self.settings, discriminator.parameters(), self.settings.lr_D)

    def latent_dim_of(self, generator):
        """The size of z, the generator's `latent_dim` (a variant whose generator reads no z returns None)."""
        try:
            return generator.latent_dim
        except AttributeError:
            raise AttributeError(f"{type(self).__name__}: the generator {type(generator).__name__} has no "
                                 f"`latent_dim` attribute (the size of z); set it on the module") from None

    @classmethod
    def preset(cls, name=None):
        """The Preset called `name` (None: the default, listed first)."""
        if name is None:
            return next(iter(cls.presets.values()))
        try:
            return cls.presets[name]
        except KeyError:
            raise KeyError(f"{cls.__name__}: no preset {name!r}; valid: {list(cls.presets)}") from None

    def _check_classes(self):
        """n_classes must be None (unconditional) or the class count of both models, read from their `n_classes`
        (the models of nanogan.models.conditional have one): with fewer classes the others are never drawn, with
        more the labels beyond the models' range fail at random, and models of the other kind fail on a missing
        or extra label argument."""
        who = type(self).__name__
        require(who, "n_classes", self.n_classes, lambda v: v is None or (is_int(v) and v >= 1), "an int >= 1 or None")
        for role, model in (("generator", self.G), ("discriminator", self.D)):
            theirs = getattr(model, "n_classes", None)
            if theirs == self.n_classes:
                continue
            name = type(model).__name__
            if self.n_classes is None:
                raise TypeError(f"{who}: the {role} {name} is conditional ({theirs} classes) but the variant is not; "
                                f"pass n_classes={theirs}, as ConditionalGAN and ConditionalWGANGP do")
            if theirs is None:
                raise TypeError(f"{who}: n_classes={self.n_classes} needs conditional models G(z, y) and D(x, y) "
                                f"with an `n_classes` attribute (nanogan.models.conditional); the {role} {name} "
                                f"has none")
            raise ValueError(f"{who}: n_classes={self.n_classes}, but the {role} {name} has {theirs} classes")

    # ---- the algorithm (subclasses) --------------------------------------------------------------
    def critic_step(self, batch):
        raise NotImplementedError

    def generator_step(self, batch_size):
        raise NotImplementedError

    def critic_iterations(self, generator_iteration):
        return critic_iterations(generator_iteration, self.settings.n_critic, self.settings.critic_warmup)

    # ---- the pieces the steps are written with -----------------------------------------------------
    @property
    def _parameter(self):
        return next(self.G.parameters())

    def real_batch(self, batch):
        """(x, y) of a critic step's batch as tensors on the models' device and dtype; y is None for an
        unconditional variant. Only a tuple is read as (images, labels), as DataLoader yields them: a list is as
        likely a list of samples, of which the first would pass for the whole batch. x must hold N >= 1 samples
        of at least one dimension each: a 1-D array would be taken as one sample by a dense critic."""
        who = f"{type(self).__name__}.critic_step"
        if self.n_classes is None:  # a labelled loader feeding an unconditional variant: drop the labels
            images, labels = (batch[0] if isinstance(batch, tuple) else batch), None
        elif isinstance(batch, tuple) and len(batch) == 2:
            images, labels = batch
        else:
            raise TypeError(f"{who}: a conditional variant needs (images, labels) tuples as batches, got "
                            f"{type(batch).__name__}")
        if not isinstance(images, (np.ndarray, Tensor)):
            raise TypeError(f"{who}: expected the real samples as a numpy array or Tensor of shape (N, ...), got "
                            f"{type(images).__name__}")
        if images.ndim < 2 or images.shape[0] < 1:
            raise ValueError(f"{who}: expected the real samples in shape (N, ...), N >= 1 samples of at least one "
                             f"dimension, got shape {tuple(images.shape)}")
        real = self.as_input(images)
        if labels is None:
            return real, None
        labels = self.as_labels(labels)
        if labels.ndim == 0 or labels.shape[0] != real.shape[0]:
            raise ValueError(f"{who}: {real.shape[0]} images need {real.shape[0]} labels, got labels of shape "
                             f"{labels.shape}")
        return real, labels

    def as_input(self, x):
        """`x` (numpy or Tensor) as a tensor in the models' dtype, on their device."""
        reference = self._parameter
        if isinstance(x, Tensor):
            return x.to(reference.device, reference.dtype)
        return tensor(np.asarray(x), dtype=reference.dtype, device=reference.device)

    def as_labels(self, labels):
        """Class labels as an int64 tensor on the models' device. Only integer labels are taken: converting
        floats would truncate 1.5 or 2.99 to a class without a word (PyTorch refuses float indices too)."""
        labels = labels if isinstance(labels, Tensor) else np.asarray(labels)
        if not np.issubdtype(labels.dtype, np.integer):
            raise TypeError(f"{type(self).__name__}.as_labels: class labels must have an integer dtype, got "
                            f"{labels.dtype} of shape {tuple(labels.shape)}")
        if isinstance(labels, Tensor):  # cast and moved where they are: a trip through the host would wait for the GPU
            return labels.to(self._parameter.device, np.int64)
        return tensor(labels.astype(np.int64), device=self._parameter.device)

    def _draw_noise(self, n, rng):
        """z from the preset's prior, drawn from `rng`."""
        return self.as_input(self._draw_prior((n, self.latent_dim), rng))

    def _draw_prior(self, shape, rng):
        """A numpy array of `shape` from the preset's prior of z, drawn from `rng`."""
        if self.settings.noise == "normal":
            return rng.standard_normal(shape)
        return rng.uniform(-1.0, 1.0, shape)

    def sample_latent(self, n, labels=None):
        """(z, y) for a training step, from the global generator (which checkpoints save): y is `labels`
        when given, else drawn uniformly over the classes (None if unconditional)."""
        if not (is_int(n) and n >= 1):  # the mean of no scores is a NaN loss, and its gradient NaN weights
            raise ValueError(f"{type(self).__name__}: a step needs a batch of at least 1 sample, got {n!r}")
        rng = numpy_generator("sample_latent")
        z = self._draw_noise(n, rng)
        if labels is None and self.n_classes is not None:
            labels = self.as_labels(rng.integers(self.n_classes, size=n))
        return z, labels

    def fixed_latent(self, n, seed=0):
        """(z, y) that stay the same all run, for progression snapshots, from their own generator; y cycles
        through the classes, so a grid with n_classes columns shows one class per column."""
        z = self._draw_noise(n, np.random.default_rng(seed))
        return z, None if self.n_classes is None else self.as_labels(np.arange(n) % self.n_classes)

    def fixed_inputs_from(self, arrays):
        """Fixed inputs of G given as arrays (by the user, or read from a checkpoint), as fixed_latent gives them:
        (z, y) as tensors on the models' device, y None or labels."""
        z, labels = arrays
        return self.as_input(z), None if labels is None else self.as_labels(labels)

    def generate(self, z, labels=None):
        """G(z), or G(z, y) for a conditional variant."""
        return self.G(z) if labels is None else self.G(z, labels)

    def discriminate(self, x, labels=None):
        """D(x), or D(x, y) for a conditional variant: one score per sample, of shape (N,) or (N, 1). A critic with
        more outputs per sample is refused: every loss would average over all of them without a word."""
        scores = self.D(x) if labels is None else self.D(x, labels)
        n = x.shape[0]
        if scores.shape not in ((n,), (n, 1)):
            raise ValueError(f"{type(self).__name__}: the discriminator {type(self.D).__name__} returned scores of "
                             f"shape {scores.shape} for {n} samples; expected ({n},) or ({n}, 1), one score per "
                             f"sample")
        return scores

    @no_grad()
    def sample(self, latent):
        """G's samples of `latent` = (z, y) as a numpy array, outside the graph. G stays in its mode: with
        batch norm in training mode the fixed batch is normalised by its own statistics (as in PyTorch's
        DCGAN tutorial), which is how the samples are made during training."""
        return self.generate(*latent).numpy()

    def critic_inputs(self, batch):
        """(x, G(z), y) for a critic step: the real batch, as many fakes from fresh noise, and the labels
        (None if unconditional; the fakes share them)."""
        real, labels = self.real_batch(batch)
        z, labels = self.sample_latent(real.shape[0], labels)
        return real, self.fakes_for_critic(real, z, labels), labels

    @no_grad()
    def fakes_for_critic(self, real, z, labels=None):
        """G(z) made outside the graph (a critic step trains D only), refused unless its samples have the shape of
        the `real` ones: D would otherwise compare two kinds of input, without an error wherever its layers accept
        both (a convolution takes any image size)."""
        fake = self.generate(z, labels)
        if fake.shape[1:] != real.shape[1:]:
            raise ValueError(f"{type(self).__name__}.critic_step: the generator {type(self.G).__name__} made fakes "
                             f"of shape {fake.shape}, the real batch has shape {real.shape}; their samples must "
                             f"match")
        return fake

    def train_generator(self, batch_size, loss_of_scores):
        """The generator step of every variant: sample z (and y), score G(z) with D — frozen, so only G
        gets gradients — and take one step of G on `loss_of_scores(D(G(z)))`."""
        return self.train_generator_on(*self.sample_latent(batch_size), loss_of_scores)

    def train_generator_on(self, z, labels, loss_of_scores):
        """train_generator on given noise (and labels): no host reads or copies, so a graph can record it."""
        with frozen(self.D):
            loss = loss_of_scores(self.top_k_scores(self.discriminate(self.generate(z, labels), labels)))
            norm = self.update(self.opt_G, self.G, loss)
        return {"g_loss": loss.detach(), "g_grad_norm": norm}

    def top_k_scores(self, scores):
        """D's scores of G's samples, or with generator_top_k = k the k largest of them: G then learns only from
        the samples D finds most realistic (the others' gradients are zero, as they are not in the loss)."""
        k = self.generator_top_k
        if k is None:
            return scores
        require(type(self).__name__, "generator_top_k", k, lambda v: is_int(v) and 1 <= v <= scores.shape[0],
                f"None or an int in 1..{scores.shape[0]}, the samples of G's step")
        return scores.topk(k, 0).values

    def refuse_top_k(self):
        """For a variant whose G step is not a loss of D's scores alone: a set generator_top_k would be ignored."""
        if self.generator_top_k is not None:
            raise NotImplementedError(f"{type(self).__name__}: top-k generator updates (generator_top_k="
                                      f"{self.generator_top_k!r}) are for the variants whose G loss reads D's scores "
                                      f"alone; set it to None")

    def update(self, optimizer, network, loss):
        """One gradient step of `network` on `loss` (zero_grad, backward, step); returns ‖∇θ loss‖₂."""
        optimizer.zero_grad()
        loss.backward()
        norm = gradient_norm(network.parameters())
        optimizer.step()
        return norm

    # ---- checkpoints ----------------------------------------------------------------------------------
    def state_dict(self):
        return {"generator": self.G.state_dict(), "discriminator": self.D.state_dict(),
                "optimizer_G": self.opt_G.state_dict(), "optimizer_D": self.opt_D.state_dict()}

    def load_state_dict(self, state):
        self.G.load_state_dict(state["generator"])
        self.D.load_state_dict(state["discriminator"])
        self.opt_G.load_state_dict(state["optimizer_G"])
        self.opt_D.load_state_dict(state["optimizer_D"])

    def __repr__(self):
        conditional = f", n_classes={self.n_classes}" if self.n_classes is not None else ""
        return f"{type(self).__name__}({self.settings}{conditional})"
