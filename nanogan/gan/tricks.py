"""The classic tricks for training GANs, each with its paper, its formula and why it helps. Most come from
Salimans, Goodfellow, Zaremba, Cheung, Radford & Chen 2016, "Improved Techniques for Training GANs". The ones
that are a loss, a layer or a setting live where their kind lives; the others are below, in this order:

    one-sided label smoothing   losses.discriminator_loss(real_target=0.9), or GAN(G, D, real_target=0.9)
    instance noise              instance_noise, annealed_noise_std                                  (below)
    feature matching            feature_matching_loss, features_of                                  (below)
    minibatch discrimination    nn.MinibatchDiscrimination, and ProGAN's simpler nn.MinibatchStdDev
    historical averaging        HistoricalAverage                                                   (below)
    EMA of G's weights          ExponentialMovingAverage                                            (below)
    R1 gradient penalty         losses.r1_penalty
    two time-scale updates      Preset.lr_D, e.g. WGANGP(G, D, lr=1e-4, lr_D=3e-4, n_critic=1)
    top-k generator updates     Variant.generator_top_k, top_k_size, top_k_annealing                 (below)

The stateful ones (HistoricalAverage, ExponentialMovingAverage) have state_dict() and load_state_dict(): give
them to Trainer.keep_state, and every checkpoint holds their state and resume() restores it.
"""
import contextlib
import copy
import math

import numpy as np

from ..arguments import int_at_least, is_finite, require
from ..autograd import no_grad
from ..nn import Module
from ..tensor import randn_like, tensor


# ---- instance noise (Sønderby et al. 2016; Arjovsky & Bottou 2017) -----------------------------------
def instance_noise(x, sigma):
    """x + σ·ε, ε ~ N(0, I): D's input with instance noise (Sønderby, Caballero, Theis, Shi & Huszár 2016,
    "Amortised MAP Inference for Image Super-resolution"; Arjovsky & Bottou 2017, "Towards Principled Methods for
    Training Generative Adversarial Networks"). ε is drawn from the global generator, which checkpoints save; at
    σ = 0 `x` itself comes back and nothing is drawn. The gradient flows through x, so in G's step it reaches G.

    Why it helps: the data and G's samples lie on thin, low-dimensional sets that barely overlap, so a D that
    tells them apart perfectly exists; at it the cross-entropy saturates and G's gradient vanishes or becomes
    unstable. Both inputs blurred by the same N(0, σ²I) overlap everywhere, no D is perfect, and D's gradient
    points G towards the data. Noise on one side only would let D tell the sides apart by the noise. σ is annealed
    to 0 (annealed_noise_std), so that the game ends as the one without noise.

        for t in range(iterations):
            sigma = annealed_noise_std(t, initial_std=0.1, anneal_iterations=10_000)
            fake = G(z).detach()
            d_loss = discriminator_loss(D(instance_noise(real, sigma)), D(instance_noise(fake, sigma)))
            ...                                                   # D's step, then G's on fresh z:
            g_loss = non_saturating_generator_loss(D(instance_noise(G(z), sigma)))
    """
    require("instance_noise", "sigma", sigma, lambda v: is_finite(v) and v >= 0, "a finite number >= 0")
    if sigma == 0:
        return x
    return x + sigma * randn_like(x)


def annealed_noise_std(iteration, initial_std, anneal_iterations):
    """σ_t = σ₀·max(0, 1 − t/N): the instance noise's standard deviation at iteration t, annealed linearly from
    σ₀ = initial_std to 0 over N = anneal_iterations iterations, and 0 after. A function of t alone, so a resumed
    run (whose Trainer.iteration is restored) needs no state for it."""
    require("annealed_noise_std", "iteration", iteration, lambda v: is_finite(v) and v >= 0, "a number >= 0")
    require("annealed_noise_std", "initial_std", initial_std, lambda v: is_finite(v) and v >= 0,
            "a finite number >= 0")
    require("annealed_noise_std", "anneal_iterations", anneal_iterations, lambda v: is_finite(v) and v > 0,
            "a number > 0")
    return initial_std * max(0.0, 1.0 - iteration / anneal_iterations)


# ---- feature matching (Salimans et al. 2016, §3.1) ---------------------------------------------------
def feature_matching_loss(real_features, fake_features):
    """‖E_x f(x) − E_z f(G(z))‖₂²: G's loss, with f(·) the output of an intermediate layer of D (features_of
    captures it), the expectations the means over each batch (which may differ in size) and the norm over all of a
    sample's features. E_x f(x) is G's target: it is detached, so the loss trains G only.

    Why it helps: the usual G loss asks for whatever D scores highest now, and G overshoots onto it; matching the
    statistics of the data's features instead gives G a target that moves only as D learns which features tell
    real from fake, and its minimum does not depend on D's current output. (The official code takes the mean of
    the squares over the features, not their sum: the same loss divided by the number of features.)"""
    if min(real_features.ndim, fake_features.ndim) < 1 or real_features.shape[1:] != fake_features.shape[1:]:
        raise ValueError(f"feature_matching_loss: real features of shape {real_features.shape} and fake features "
                         f"of shape {fake_features.shape} must be batches (N, ...) of the same per-sample shape")
    difference = real_features.detach().mean(dim=0) - fake_features.mean(dim=0)
    return (difference * difference).sum()


@contextlib.contextmanager
def features_of(layer):
    """Within the block, the output of every call of `layer` (a Module inside D) is appended to the list the block
    gets, in call order, by a forward hook that is removed on leaving (error or not): f(x) for feature matching,
    without changing D's forward.

        with features_of(D.main[4]) as features:
            D(real)
            D(G(z))
        g_loss = feature_matching_loss(*features)
    """
    if not isinstance(layer, Module):
        raise TypeError(f"features_of: expected a layer of D (an nn.Module), got {type(layer).__name__}")
    captured = []
    handle = layer.register_forward_hook(lambda module, args, output: captured.append(output))
    try:
        yield captured
    finally:
        handle.remove()


# ---- historical averaging (Salimans et al. 2016, §3.3) -----------------------------------------------
class HistoricalAverage:
    """‖θ − (1/t)·Σᵢ₌₁ᵗ θ[i]‖²: a penalty each player adds to its loss, θ[i] its parameters at past time i.

    Why it helps: gradient descent on a game can circle around an equilibrium forever (the paper's examples, and
    G and D taking turns to chase each other); the penalty pulls θ towards the mean of its own history, the centre
    of such a circle, and so damps the oscillation (it is inspired by fictitious play, which converges where
    gradient descent does not).

    The history starts with the module's parameters when this is made (t = 1); update() records them again after
    each optimiser step. The average is kept as a running mean, θ̄ ← θ̄ + (θ − θ̄)/t, and is state a checkpoint
    must hold (state_dict / load_state_dict).

        history = HistoricalAverage(D)
        d_loss = discriminator_loss(D(real), D(fake)) + weight * history.penalty()
        opt_D.zero_grad(); d_loss.backward(); opt_D.step()
        history.update()
    """

    def __init__(self, module):
        if not isinstance(module, Module):
            raise TypeError(f"HistoricalAverage: expected an nn.Module, got {type(module).__name__}")
        self.module = module
        self.count = 1
        with no_grad():
            self.average = {name: p.detach().clone() for name, p in module.named_parameters()}

    def update(self):
        """t ← t + 1 and θ̄ ← θ̄ + (θ − θ̄)/t: the current parameters join the history."""
        self.count += 1
        with no_grad():
            for name, p in self.module.named_parameters():
                average = self.average[name]
                average.add_((p - average) / self.count)

    def penalty(self):
        """Σ over the parameters of ‖θ − θ̄‖², a 0-d tensor in the graph of θ (θ̄ is a constant)."""
        return sum(((p - self.average[name]) ** 2).sum() for name, p in self.module.named_parameters())

    def state_dict(self):
        return {"count": self.count, "average": {name: a.numpy().copy() for name, a in self.average.items()}}

    def load_state_dict(self, state):
        theirs = {name: tuple(np.shape(value)) for name, value in state["average"].items()}
        mine = {name: average.shape for name, average in self.average.items()}
        if theirs != mine:
            raise ValueError(f"HistoricalAverage.load_state_dict: the state averages the parameters {theirs}, the "
                             f"module has {mine}")
        with no_grad():
            for name, average in self.average.items():
                average.copy_(tensor(np.asarray(state["average"][name]), dtype=average.dtype, device=average.device))
        self.count = int(state["count"])


# ---- EMA of the generator's weights (Yazıcı et al. 2019; Karras et al. 2018) --------------------------
class ExponentialMovingAverage:
    """θ_ema ← β·θ_ema + (1 − β)·θ after each of G's steps: a copy of G (`model`) whose weights are an exponential
    moving average of G's, to sample from instead of G (Yazıcı, Foo, Winkler, Yap, Piliouras & Chandrasekhar 2019,
    "The Unusual Effectiveness of Averaging in GAN Training"; Karras et al. 2018, ProGAN, with β = 0.999, as in
    Mescheder et al.'s official configurations). Buffers (batch norm's running statistics) are copied from G, not
    averaged, as in ProGAN's code.

    Why it helps: G's weights do not settle at the equilibrium of the game but keep circling around it; an average
    of the iterates lies nearer its centre than any one of them, and the averaged G makes better samples. Training
    never reads the average, so it costs one copy of G and a few operations per step.

        ema = ExponentialMovingAverage(G, beta=0.999)
        ...                                        # after each generator step:
        ema.update()
        images = ema.sample(z)                     # G_ema(z), as numpy
    """

    def __init__(self, model, beta=0.999):
        if not isinstance(model, Module):
            raise TypeError(f"ExponentialMovingAverage: expected an nn.Module, got {type(model).__name__}")
        require("ExponentialMovingAverage", "beta", beta, lambda v: is_finite(v) and 0 <= v < 1, "a number in [0, 1)")
        self.source, self.beta = model, float(beta)
        self.model = copy.deepcopy(model)
        self.model.zero_grad()  # the copied gradients are G's, of no use to the average
        self.model.requires_grad_(False)

    def update(self):
        """θ_ema ← β·θ_ema + (1 − β)·θ for every parameter; every buffer copied."""
        with no_grad():
            for averaged, current in zip(self.model.parameters(), self.source.parameters(), strict=True):
                averaged.mul_(self.beta).add_(current, alpha=1 - self.beta)
            for averaged, current in zip(self.model.buffers(), self.source.buffers(), strict=True):
                averaged.copy_(current)

    @no_grad()
    def sample(self, *inputs):
        """The averaged G's output for `inputs` (z, or z and y for a conditional G) as a numpy array, outside the
        graph. The copy keeps the mode G had when it was made (train() or eval() it as G)."""
        return self.model(*inputs).numpy()

    def state_dict(self):
        return self.model.state_dict()

    def load_state_dict(self, state):
        self.model.load_state_dict(state)


# ---- top-k generator updates (Sinha, Zhao, Goyal, Raffel & Odena 2020) --------------------------------
def top_k_size(batch_size, epoch, decay=0.99, minimum_fraction=0.5):
    """k = max(⌊γᵉ·B⌋, ⌊ν·B⌋, 1) for batch B in epoch e = 0, 1, ...: how many of its B samples G's loss reads in a
    step of top-k training (Sinha, Zhao, Goyal, Raffel & Odena 2020, "Top-k Training of GANs: Improving GAN
    Performance by Throwing Away Bad Samples"), the paper's annealing: the whole batch at first, then γ = 0.99
    of it less each epoch, down to the fraction ν (0.5 in most of its experiments). Give k to a variant as
    `variant.generator_top_k = k`: its G loss then reads D's scores of the k samples D rates most realistic.

    Why it helps: D's gradient at a sample it rates as fake points the way to more realistic samples of *some*
    kind, not towards the nearest mode of the data; the paper shows samples between two modes pushed further
    from both. The samples D already rates highly are near a mode, and their gradients refine it. Early on,
    when D is poor at rating, all samples count; hence the annealing.
    """
    int_at_least("top_k_size", "batch_size", batch_size, 1)
    int_at_least("top_k_size", "epoch", epoch, 0)
    require("top_k_size", "decay", decay, lambda v: is_finite(v) and 0 < v <= 1, "a number in (0, 1]")
    require("top_k_size", "minimum_fraction", minimum_fraction, lambda v: is_finite(v) and 0 < v <= 1,
            "a number in (0, 1]")
    return max(math.floor(decay ** epoch * batch_size), math.floor(minimum_fraction * batch_size), 1)


def top_k_annealing(trainer, epoch_iterations, decay=0.99, minimum_fraction=0.5):
    """A hook for `trainer.every(1, hook)`: after each generator iteration i it sets the variant's
    generator_top_k to top_k_size(B, i // epoch_iterations, decay, minimum_fraction), B the trainer's batch, so
    that an epoch is `epoch_iterations` generator iterations. It sets k for the trainer's current iteration at
    once too, so that a resumed run goes on with its schedule."""
    int_at_least("top_k_annealing", "epoch_iterations", epoch_iterations, 1)
    batch_size = trainer.data.batch_size

    def anneal(run):
        run.variant.generator_top_k = top_k_size(batch_size, run.iteration // epoch_iterations, decay,
                                                 minimum_fraction)
    anneal(trainer)  # which checks the arguments here, not at the first step
    return anneal
