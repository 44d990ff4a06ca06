"""InfoGAN (Chen, Duan, Houthooft, Schulman, Sutskever & Abbeel 2016, "InfoGAN: Interpretable Representation
Learning by Information Maximizing Generative Adversarial Nets").

The generator reads noise z and a latent code c: here one categorical code c_cat of K values and M
continuous codes c_cont ~ U[−1, 1], fed as the concatenation [z, onehot(c_cat), c_cont]. GAN's game gets a
term that rewards G for keeping c recoverable from its samples:

    min_{G,Q} max_D  V_InfoGAN(D, G, Q) = V(D, G) − λ·L_I(G, Q)                          (eq. 6)
    L_I(G, Q) = E_{c~P(c), x~G(z,c)}[log Q(c | x)] + H(c)  ≤  I(c; G(z, c))               (eq. 5)

Q(c | x), the variational stand-in for the posterior P(c | x), is a head on D's body (nanogan.models.infogan):
softmax logits for c_cat, and for c_cont a factored Gaussian, with a fixed variance 1 (the official code's, the
default) or learned log-variances. −L_I + H(c) is then a cross-entropy for c_cat plus a Gaussian negative
log-likelihood for c_cont, weighted λ_cat and λ_cont (losses.categorical_code_loss, continuous_code_loss).

The steps, as openai/InfoGAN's infogan_trainer.py alternates them (k = 1; its networks: D, the body and Q's
head in d_net, G in g_net):

    sample m images x and m latents (z, c) from the prior                        critic_step(x)
    D, Q ← Adam(∇ [−mean(log D(x) + log(1 − D(G(z, c)))) + λ_cat·CE(c_cat) + λ_cont·NLL(c_cont)])
    sample m latents (z, c)                                                      generator_step(m)
    G ← Adam(∇ [−mean log D(G(z, c)) + λ_cat·CE(c_cat) + λ_cont·NLL(c_cont)])

Which networks L_I updates, and why: Q's head and the body it shares are part of D's network, so they step
with D's optimiser in the critic step, on D's GAN loss plus the information term of that step's fakes. The
GAN loss never reaches Q's head; the information term reaches the head and the body, so the body learns
features that both judge real against fake and decode c (the paper's reason for sharing it: Q costs almost
nothing beyond a GAN). G steps on its non-saturating GAN loss plus the same term, through the frozen D and Q:
it is paid for samples from which Q recovers c, which is what ties c to a factor of the data. L_I does not
reach D's logit head.

Logged: d_loss and g_loss (the GAN parts, as GAN's), and from the generator step info_categorical (the
cross-entropy, nats), info_continuous (the Gaussian NLL) and mi_categorical = log K − info_categorical, the
lower bound L_I on I(c_cat; G(z, c)), at most log K (2.303 for K = 10).
"""
import math
from dataclasses import dataclass

import numpy as np

from ...arguments import is_finite, is_int, require
from ..losses import categorical_code_loss, continuous_code_loss, discriminator_loss, non_saturating_generator_loss
from .base import Preset, Variant, frozen


@dataclass(frozen=True)
class InfoGANPreset(Preset):
    """categorical_weight λ_cat, continuous_weight λ_cont: the weights of the two information terms. `lr` is G's,
    `lr_D` D's and Q's (they share D's optimiser)."""
    categorical_weight: float = 1.0
    continuous_weight: float = 1.0

    def validate(self, owner):
        """A negative weight would reward G for hiding c; a NaN one makes every weight NaN."""
        super().validate(owner)
        for name in ("categorical_weight", "continuous_weight"):
            require(owner, name, getattr(self, name), lambda v: is_finite(v) and v >= 0, "a finite number >= 0")


_OFFICIAL = ("github.com/openai/InfoGAN launchers/run_mnist_exp.py and infogan_trainer.py (Adam β1 0.5, D and Q "
             "lr 2e-4, G lr 1e-3, batch 128, info_reg_coeff 1 for both kinds of code, z ~ U[-1, 1]^62)")


class InfoGAN(Variant):
    """`InfoGAN(G, D)`: G an InfoGANGenerator (or any generator with `noise_dim`, `n_categories` and
    `n_continuous`), D an InfoGANDiscriminator (D and Q: `logits_and_code_parameters`, `n_categories`,
    `n_continuous`, `learned_variance`). Batches are images; labels, if the loader gives them, are dropped."""

    presets = {
        "official-mnist": InfoGANPreset(source=_OFFICIAL, optimizer="adam", lr=1e-3, lr_D=2e-4,
                                        betas=(0.5, 0.999), batch_size=128, noise="uniform"),
        "continuous-weight-0.1": InfoGANPreset(
            source=f"{_OFFICIAL}, with λ_cont 0.1 as eriklindernoren/PyTorch-GAN implementations/infogan/infogan.py "
                   f"(lambda_con): Chen et al. 2016 weigh continuous codes less than the λ 1 of discrete ones, so "
                   f"that λL_I, then a differential entropy, stays on the GAN objective's scale",
            optimizer="adam", lr=1e-3, lr_D=2e-4, betas=(0.5, 0.999), batch_size=128, noise="uniform",
            continuous_weight=0.1),
    }

    def __init__(self, generator, discriminator, preset=None, **overrides):
        self._read_codes(generator, discriminator)
        super().__init__(generator, discriminator, preset, **overrides)

    def _read_codes(self, generator, discriminator):
        """The code layout from the models, refused unless G makes the codes that D's Q head reads."""
        who = type(self).__name__
        for role, model, attributes in (("generator", generator, ("noise_dim", "n_categories", "n_continuous")),
                                        ("discriminator", discriminator,
                                         ("n_categories", "n_continuous", "learned_variance",
                                          "logits_and_code_parameters"))):
            missing = [a for a in attributes if not hasattr(model, a)]
            if missing:
                raise TypeError(f"{who}: the {role} {type(model).__name__} has no {', '.join(missing)}; use the "
                                f"networks of nanogan.models.infogan")
        made = (generator.n_categories, generator.n_continuous)
        read = (discriminator.n_categories, discriminator.n_continuous)
        if made != read:
            raise ValueError(f"{who}: the generator {type(generator).__name__} makes codes of {made[0]} categories "
                             f"and {made[1]} continuous values, the discriminator {type(discriminator).__name__}'s "
                             f"Q head reads {read[0]} and {read[1]}")
        self.noise_dim, (self.n_categories, self.n_continuous) = generator.noise_dim, made
        self.learned_variance = discriminator.learned_variance

    # ---- the latent [z, onehot(c_cat), c_cont] ------------------------------------------------------------
    def latent(self, noise, categories, continuous):
        """The generator's input [z, onehot(c_cat), c_cont] from numpy arrays: noise (N, noise_dim), categories
        (N,) ints in [0, K), continuous (N, M)."""
        categories = np.asarray(categories)
        if not (np.issubdtype(categories.dtype, np.integer) and categories.shape == (len(noise),)
                and ((0 <= categories) & (categories < self.n_categories)).all()):
            raise ValueError(f"{type(self).__name__}.latent: expected {len(noise)} categories, ints in "
                             f"[0, {self.n_categories}), got {categories.dtype} of shape {categories.shape}")
        one_hot = np.eye(self.n_categories)[categories]
        return self.as_input(np.concatenate([noise, one_hot, continuous], axis=1))

    def _draw_noise(self, n, rng):
        """[z, onehot(c_cat), c_cont]: z from the preset's prior, c_cat uniform over the K categories, c_cont from
        U[−1, 1]^M (the official code's Uniform codes)."""
        return self.latent(self._draw_prior((n, self.noise_dim), rng), rng.integers(self.n_categories, size=n),
                           rng.uniform(-1.0, 1.0, (n, self.n_continuous)))

    def fixed_latent(self, n, seed=0):
        """Latents for progression snapshots: in a grid K wide, row k holds category k and each column one draw
        of z and c_cont, so a column shows one z through every category (the paper's Figure 2a)."""
        rng = np.random.default_rng(seed)
        column = np.arange(n) % self.n_categories
        noise = self._draw_prior((self.n_categories, self.noise_dim), rng)
        continuous = rng.uniform(-1.0, 1.0, (self.n_categories, self.n_continuous))
        return self.latent(noise[column], (np.arange(n) // self.n_categories) % self.n_categories,
                           continuous[column]), None

    def traversal_latent(self, code, values, seed=0):
        """Latents for a grid len(values) wide (the paper's Figure 2c-d): row k holds category k, column j the
        continuous code `code` at values[j], the other continuous codes 0, and one z throughout, so along a row
        only c_code changes."""
        if not (is_int(code) and 0 <= code < self.n_continuous):
            raise ValueError(f"{type(self).__name__}.traversal_latent: code must be an int in "
                             f"[0, {self.n_continuous}), got {code!r}")
        values = np.asarray(values, dtype=np.float64)
        n = self.n_categories * len(values)
        continuous = np.zeros((n, self.n_continuous))
        continuous[:, code] = np.tile(values, self.n_categories)
        noise = np.repeat(self._draw_prior((1, self.noise_dim), np.random.default_rng(seed)), n, axis=0)
        return self.latent(noise, np.repeat(np.arange(self.n_categories), len(values)), continuous), None

    # ---- the losses ---------------------------------------------------------------------------------------
    def discriminate_and_recognise(self, x):
        """(D's logits, Q's code parameters) of the images x, from one pass through the shared body; refused
        unless D gives one logit and Q K + M (or, with learned variances, K + 2M) parameters per sample."""
        logits, code_parameters = self.D.logits_and_code_parameters(x)
        n, expected = x.shape[0], self.n_categories + self.n_continuous * (2 if self.learned_variance else 1)
        if logits.shape not in ((n,), (n, 1)) or code_parameters.shape != (n, expected):
            raise ValueError(f"{type(self).__name__}: the discriminator {type(self.D).__name__} returned logits of "
                             f"shape {logits.shape} and code parameters of shape {code_parameters.shape} for {n} "
                             f"samples; expected ({n}, 1) and ({n}, {expected})")
        return logits, code_parameters

    def information_losses(self, latent, code_parameters):
        """(−E log Q(c_cat | x), −E log Q(c_cont | x)) for the codes in `latent` and Q's parameters of G(latent)."""
        k, m, start = self.n_categories, self.n_continuous, self.noise_dim
        log_variance = code_parameters[:, k + m:] if self.learned_variance else None
        return (categorical_code_loss(code_parameters[:, :k], latent[:, start:start + k]),
                continuous_code_loss(latent[:, start + k:], code_parameters[:, k:k + m], log_variance))

    def information_term(self, categorical, continuous):
        """λ_cat·CE(c_cat) + λ_cont·NLL(c_cont): −λL_I up to the constant λ·H(c)."""
        return self.settings.categorical_weight * categorical + self.settings.continuous_weight * continuous

    # ---- the algorithm ------------------------------------------------------------------------------------
    def critic_step(self, batch):
        """D, Q ← Adam(∇ [−V(D, G) − λL_I]) on a data batch and as many fakes of fresh latents."""
        real, _ = self.real_batch(batch)
        latent, _ = self.sample_latent(real.shape[0])
        fake_logits, code_parameters = self.discriminate_and_recognise(self.fakes_for_critic(real, latent))
        gan_loss = discriminator_loss(self.discriminate(real), fake_logits)
        loss = gan_loss + self.information_term(*self.information_losses(latent, code_parameters))
        return {"d_loss": gan_loss.detach(), "d_grad_norm": self.update(self.opt_D, self.D, loss)}

    def generator_step(self, batch_size):
        """G ← Adam(∇ [−E log D(G(z, c)) − λL_I]), D and Q frozen."""
        self.refuse_top_k()  # the information term must see every code drawn
        latent, _ = self.sample_latent(batch_size)
        with frozen(self.D):
            fake_logits, code_parameters = self.discriminate_and_recognise(self.generate(latent))
            gan_loss = non_saturating_generator_loss(fake_logits)
            categorical, continuous = self.information_losses(latent, code_parameters)
            norm = self.update(self.opt_G, self.G, gan_loss + self.information_term(categorical, continuous))
        return {"g_loss": gan_loss.detach(), "info_categorical": categorical.detach(),
                "info_continuous": continuous.detach(),
                "mi_categorical": math.log(self.n_categories) - categorical.detach(), "g_grad_norm": norm}
