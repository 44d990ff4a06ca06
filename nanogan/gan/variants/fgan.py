"""f-GAN (Nowozin, Cseke & Tomioka 2016, "f-GAN: Training Generative Neural Samplers using Variational
Divergence Minimization"): any f-divergence D_f(P‖Q) between the data P and the generator's Q_θ, through
its variational lower bound

    F(θ, ω) = E_{x~P}[g_f(V_ω(x))] − E_{x~Q_θ}[f*(g_f(V_ω(x)))]                    (eq. 6)

V_ω is the critic's raw output, g_f an output activation into the domain of f's conjugate f*; the critic
maximises F (at its optimum F = D_f), the generator minimises it. Algorithm 1 (single-step gradient method):

    for t = 0, 1, ..., T − 1:
        sample X_P = {x_1, ..., x_B} from the data and X_Q = {x'_1, ..., x'_B} from Q_θt
        ω^{t+1} = ω^t + η ∇ω F(θ^t, ω^t)
        θ^{t+1} = θ^t − η ∇θ F(θ^t, ω^t)

Two departures, both the paper's own practice or the framework's:
- the generator ascends E_Q[g_f(V_ω(G(z)))] instead of descending F (§3.2, "maximise-T", the default; for the
  GAN divergence it is the non-saturating loss). generator_loss="saddle-point" descends F's θ-term instead.
- nanogan's Trainer alternates: the critic step first, then the generator step reads the *updated* critic
  (Goodfellow et al.'s schedule, k = 1). Algorithm 1 takes both gradients at the same (θ^t, ω^t).

The divergences (f, f*, g_f, the optimal T*) are the rows of nanogan.gan.losses.F_DIVERGENCES: KL, reverse KL,
Pearson χ², squared Hellinger, Jensen-Shannon and GAN; one preset per row.
"""
import functools
from dataclasses import dataclass

from ...arguments import require
from ..losses import F_DIVERGENCES, f_gan_critic_loss, f_gan_generator_loss, f_gan_saddle_point_generator_loss
from .base import Preset, Variant

GENERATOR_LOSSES = {"maximise-T": f_gan_generator_loss, "saddle-point": f_gan_saddle_point_generator_loss}


@dataclass(frozen=True)
class FGANPreset(Preset):
    """divergence: a key of F_DIVERGENCES; generator_loss: "maximise-T" (§3.2) or "saddle-point" (Algorithm 1)."""
    divergence: str = "gan"
    generator_loss: str = "maximise-T"

    def validate(self, owner):
        super().validate(owner)
        require(owner, "divergence", self.divergence, lambda v: v in F_DIVERGENCES, f"one of {list(F_DIVERGENCES)}")
        require(owner, "generator_loss", self.generator_loss, lambda v: v in GENERATOR_LOSSES,
                f"one of {list(GENERATOR_LOSSES)}")


_MNIST = ("Nowozin et al. 2016, §4 (MNIST: Adam α 2e-4, β 0.5, batch 4096, z ~ U[-1, 1]^100), G on §3.2's "
          "E_Q[g_f(V)]")


class FGAN(Variant):
    """`FGAN(G, D, "kl")`: the critic D returns V_ω(x), one raw score per sample; the preset names the divergence
    (every preset has the paper's MNIST optimiser settings). `FGAN(G, D, "kl", generator_loss="saddle-point")`
    trains G on Algorithm 1's gradient instead of §3.2's."""

    presets = {name: FGANPreset(source=f"{_MNIST}, divergence {name}", optimizer="adam", lr=2e-4,
                                betas=(0.5, 0.999), batch_size=4096, noise="uniform", divergence=name)
               for name in F_DIVERGENCES}

    @property
    def divergence(self):
        """The row of F_DIVERGENCES the preset names."""
        return F_DIVERGENCES[self.settings.divergence]

    def critic_step(self, batch):
        """ω ← Adam(∇ω −F(θ, ω)) on a data batch and as many fresh fakes; −loss is the estimate of D_f(P‖Q)."""
        real, fake, labels = self.critic_inputs(batch)
        loss = f_gan_critic_loss(self.discriminate(real, labels), self.discriminate(fake, labels), self.divergence)
        return {"d_loss": loss.detach(), "divergence_estimate": -loss.detach(),
                "d_grad_norm": self.update(self.opt_D, self.D, loss)}

    def generator_step(self, batch_size):
        """θ ← Adam(∇θ −E_Q[g_f(V(G(z)))]), or with "saddle-point" Adam(∇θ −E_Q[f*(g_f(V(G(z))))])."""
        loss = GENERATOR_LOSSES[self.settings.generator_loss]
        return self.train_generator(batch_size, functools.partial(loss, divergence=self.divergence))
