"""WGAN-GP (Gulrajani, Ahmed, Arjovsky, Dumoulin & Courville 2017, "Improved Training of Wasserstein
GANs"), Algorithm 1 — critic D_w, generator G_θ:

    while θ has not converged:
        for t = 1, ..., n_critic:
            for i = 1, ..., m:
                sample x from the data, z from p(z), ε ~ U[0, 1]
                x̃ ← G_θ(z)
                x̂ ← ε·x + (1 − ε)·x̃
                L⁽ⁱ⁾ ← D_w(x̃) − D_w(x) + λ·(‖∇x̂ D_w(x̂)‖₂ − 1)²
            w ← Adam(∇w (1/m) Σ L⁽ⁱ⁾, w, α, β1, β2)
        sample {z⁽ⁱ⁾}
        θ ← Adam(∇θ (1/m) Σ −D_w(G_θ(z⁽ⁱ⁾)), θ, α, β1, β2)

with λ = 10, n_critic = 5, α = 1e-4, β1 = 0, β2 = 0.9. The penalty replaces WGAN's weight clipping: it
asks for unit gradient norm on the lines between real and generated samples, where the optimal
critic has it. It is per sample, so the critic must not use batch norm (a warning names such layers).

The paper and its official code differ: the code uses β1 = 0.5 (MNIST and toy), and λ = 0.1 with
batches of 256 for the 2D toy sets. Each setting is a preset, one argument apart.
"""
from dataclasses import dataclass

from ...arguments import is_finite, require
from ..losses import (gradient_penalty, interpolation_weights, wasserstein_critic_loss, wasserstein_generator_loss,
                      warn_if_batch_norm)
from .base import Preset, Variant


@dataclass(frozen=True)
class WGANGPPreset(Preset):
    """penalty_weight: λ, the weight of the gradient penalty."""
    penalty_weight: float = 10.0

    def validate(self, owner):
        """λ < 0 would reward steep gradients instead of penalising them."""
        super().validate(owner)
        require(owner, "penalty_weight", self.penalty_weight, lambda v: is_finite(v) and v >= 0,
                "a finite number >= 0")


_OFFICIAL = "github.com/igul222/improved_wgan_training"


class WGANGP(Variant):
    """`WGANGP(G, D)` or `WGANGP(G, D, "paper")`: Algorithm 1's values; `"official-mnist"`: gan_mnist.py's
    (β1 = 0.5, batch 50); `"official-toy"`: gan_toy.py's (β1 = 0.5, λ = 0.1, batch 256)."""

    presets = {
        "paper": WGANGPPreset(source="Gulrajani et al. 2017, Algorithm 1 (λ 10, n_critic 5, Adam α 1e-4, β1 0, "
                                     "β2 0.9, m 64)",
                              optimizer="adam", lr=1e-4, betas=(0.0, 0.9), batch_size=64, n_critic=5,
                              penalty_weight=10.0),
        "official-mnist": WGANGPPreset(source=f"{_OFFICIAL} gan_mnist.py (LAMBDA 10, CRITIC_ITERS 5, Adam 1e-4, "
                                              f"beta1 0.5, beta2 0.9, BATCH_SIZE 50)",
                                       optimizer="adam", lr=1e-4, betas=(0.5, 0.9), batch_size=50, n_critic=5,
                                       penalty_weight=10.0),
        "official-toy": WGANGPPreset(source=f"{_OFFICIAL} gan_toy.py (LAMBDA 0.1, CRITIC_ITERS 5, Adam 1e-4, "
                                            f"beta1 0.5, beta2 0.9, BATCH_SIZE 256)",
                                     optimizer="adam", lr=1e-4, betas=(0.5, 0.9), batch_size=256, n_critic=5,
                                     penalty_weight=0.1),
    }

    def __init__(self, generator, discriminator, preset=None, **kwargs):
        super().__init__(generator, discriminator, preset, **kwargs)
        warn_if_batch_norm(discriminator, type(self).__name__)

    def critic_step(self, batch):
        """w ← Adam(∇w [E D(x̃) − E D(x) + λ·E (‖∇D(x̂)‖₂ − 1)²]), on a data batch and fresh z and ε."""
        return self.critic_step_on(*self.critic_step_inputs(batch))

    def critic_step_inputs(self, batch):
        """The step's random inputs as device tensors: the real batch x, the noise z (labels y, or None) and the
        interpolation weights ε, drawn in this order (what nanogan.gan.graphed refills before each replay)."""
        real, labels = self.real_batch(batch)
        z, labels = self.sample_latent(real.shape[0], labels)
        return real, z, labels, interpolation_weights(real)

    def critic_step_on(self, real, z, labels, epsilon):
        """The critic step on given inputs: no host reads or host copies, so it can be recorded as a graph."""
        fake = self.fakes_for_critic(real, z, labels)
        critic_loss = wasserstein_critic_loss(self.discriminate(real, labels), self.discriminate(fake, labels))
        penalty = gradient_penalty(lambda x: self.discriminate(x, labels), real, fake, self.settings.penalty_weight,
                                   epsilon)
        loss = critic_loss + penalty
        return {"d_loss": loss.detach(), "gradient_penalty": penalty.detach(),
                "wasserstein_estimate": -critic_loss.detach(), "d_grad_norm": self.update(self.opt_D, self.D, loss)}

    def generator_step(self, batch_size):
        """θ ← Adam(∇θ −E D(G(z)))."""
        return self.train_generator(batch_size, wasserstein_generator_loss)

    def generator_step_on(self, z, labels):
        """The generator step on given noise (and labels), recordable as a graph like critic_step_on."""
        return self.train_generator_on(z, labels, wasserstein_generator_loss)
