"""LSGAN (Mao, Li, Xie, Lau, Wang & Smolley 2017, "Least Squares Generative Adversarial Networks"):
GAN's alternating algorithm with least-squares objectives on D's raw output,

    min_D  ½·E[(D(x) − b)²] + ½·E[(D(G(z)) − a)²]
    min_G  ½·E[(D(G(z)) − c)²]

a and b are the targets D learns for fake and real data, c the value G wants D to give its samples.
Unlike the cross-entropy, the squared error keeps pushing samples that D already classifies correctly
but that lie far from the data, so G's gradient does not vanish. With b − c = 1 and b − a = 2
(a = −1, b = 1, c = 0, eq. 8) the optimum minimises the Pearson χ² divergence between
p_data + p_g and 2·p_g; a = 0, b = c = 1 (eq. 9) is the "0-1 coding" the paper uses in practice.
"""
from dataclasses import dataclass

from ...arguments import is_finite, require
from ..losses import least_squares_discriminator_loss, least_squares_generator_loss
from .base import Preset, Variant


@dataclass(frozen=True)
class LSGANPreset(Preset):
    """fake_target a, real_target b, generator_target c."""
    fake_target: float = 0.0
    real_target: float = 1.0
    generator_target: float = 1.0

    def validate(self, owner):
        """A NaN or infinite target makes every loss, and then every weight, NaN."""
        super().validate(owner)
        for name in ("fake_target", "real_target", "generator_target"):
            require(owner, name, getattr(self, name), is_finite, "a finite number")


_OPTIMISER = ("Adam lr 2e-4, β1 0.5, batch 64: DCGAN's settings (Radford et al. 2016), on whose networks LSGAN's "
              "experiments build; LSGAN also trains with Adam, β1 0.5")


class LSGAN(Variant):
    """`LSGAN(G, D)`: the 0-1 coding (a = 0, b = c = 1); `LSGAN(G, D, "chi-squared")`: a = −1, b = 1, c = 0."""

    presets = {
        "zero-one": LSGANPreset(source=f"Mao et al. 2017, eq. 9 (a 0, b 1, c 1); {_OPTIMISER}",
                                optimizer="adam", lr=2e-4, betas=(0.5, 0.999), batch_size=64),
        "chi-squared": LSGANPreset(source=f"Mao et al. 2017, eq. 8 (a -1, b 1, c 0: Pearson χ²); {_OPTIMISER}",
                                   optimizer="adam", lr=2e-4, betas=(0.5, 0.999), batch_size=64,
                                   fake_target=-1.0, real_target=1.0, generator_target=0.0),
    }

    def critic_step(self, batch):
        """D ← Adam(∇ [½ E (D(x) − b)² + ½ E (D(G(z)) − a)²])."""
        real, fake, labels = self.critic_inputs(batch)
        loss = least_squares_discriminator_loss(self.discriminate(real, labels), self.discriminate(fake, labels),
                                                self.settings.real_target, self.settings.fake_target)
        return {"d_loss": loss.detach(), "d_grad_norm": self.update(self.opt_D, self.D, loss)}

    def generator_step(self, batch_size):
        """G ← Adam(∇ ½ E (D(G(z)) − c)²)."""
        target = self.settings.generator_target
        return self.train_generator(batch_size, lambda scores: least_squares_generator_loss(scores, target))
