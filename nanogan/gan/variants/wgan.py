"""WGAN (Arjovsky, Chintala & Bottou 2017), Algorithm 1 — critic f_w, generator g_θ:

    while θ has not converged:
        for t = 0, ..., n_critic − 1:
            sample {x⁽ⁱ⁾} from the data and {z⁽ⁱ⁾} from p(z), m of each
            g_w ← ∇w [(1/m) Σ f_w(x⁽ⁱ⁾) − (1/m) Σ f_w(g_θ(z⁽ⁱ⁾))]
            w ← w + α·RMSProp(w, g_w)
            w ← clip(w, −c, c)
        sample {z⁽ⁱ⁾}
        g_θ ← −∇θ (1/m) Σ f_w(g_θ(z⁽ⁱ⁾))
        θ ← θ − α·RMSProp(θ, g_θ)

with α = 5e-5, c = 0.01, m = 64, n_critic = 5. Clipping keeps f_w in a set of K-Lipschitz functions, so
E[f(x)] − E[f(g(z))] at the critic's optimum estimates K·W₁(P_data, P_θ). (The official code clips
before each critic update rather than after; after, as here, G always sees a clipped critic.)
"""
from dataclasses import dataclass

from ...arguments import is_finite, require
from ..losses import clip_weights_, wasserstein_critic_loss, wasserstein_generator_loss
from .base import Preset, Variant


@dataclass(frozen=True)
class WGANPreset(Preset):
    """clip_value: c, the box [−c, c] the critic's weights are clipped to."""
    clip_value: float = 0.01

    def validate(self, owner):
        """Checked here rather than at the first clip, which comes after D's first update."""
        super().validate(owner)
        require(owner, "clip_value", self.clip_value, lambda v: is_finite(v) and v > 0,
                "a finite number > 0")


class WGAN(Variant):
    """`WGAN(G, D)`: Algorithm 1 as printed; `WGAN(G, D, "official")` adds the official code's critic warmup
    (100 critic iterations for the first 25 generator iterations and every 500th)."""

    presets = {
        "paper": WGANPreset(source="Arjovsky et al. 2017, Algorithm 1 (RMSProp α 5e-5, c 0.01, m 64, n_critic 5)",
                            optimizer="rmsprop", lr=5e-5, batch_size=64, n_critic=5, clip_value=0.01),
        "official": WGANPreset(source="github.com/martinarjovsky/WassersteinGAN main.py: Algorithm 1 with "
                                      "Diters = 100 when gen_iterations < 25 or gen_iterations % 500 == 0",
                               optimizer="rmsprop", lr=5e-5, batch_size=64, n_critic=5, clip_value=0.01,
                               critic_warmup=True),
    }

    def critic_step(self, batch):
        """w ← w − α·RMSProp(∇w [E f(g(z)) − E f(x)]), then w ← clip(w, −c, c)."""
        real, fake, labels = self.critic_inputs(batch)
        loss = wasserstein_critic_loss(self.discriminate(real, labels), self.discriminate(fake, labels))
        norm = self.update(self.opt_D, self.D, loss)
        clip_weights_(self.D.parameters(), self.settings.clip_value)
        return {"d_loss": loss.detach(), "wasserstein_estimate": -loss.detach(), "d_grad_norm": norm}

    def generator_step(self, batch_size):
        """θ ← θ − α·RMSProp(∇θ −E f(g(z)))."""
        return self.train_generator(batch_size, wasserstein_generator_loss)
