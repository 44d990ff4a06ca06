"""GAN (Goodfellow et al. 2014, "Generative Adversarial Nets"), Algorithm 1:

    for number of training iterations:
        for k steps:
            sample m noise samples z⁽ⁱ⁾ from p(z) and m examples x⁽ⁱ⁾ from the data
            update D by ascending  ∇θd (1/m) Σ [log D(x⁽ⁱ⁾) + log(1 − D(G(z⁽ⁱ⁾)))]
        sample m noise samples z⁽ⁱ⁾
        update G by descending ∇θg (1/m) Σ log(1 − D(G(z⁽ⁱ⁾)))        ("minimax")

Section 3 of the paper observes that log(1 − D(G(z))) saturates early in training, when D rejects the
fakes with confidence, and trains G to maximise log D(G(z)) instead ("non-saturating"); its code does so.
"""
from dataclasses import dataclass

from ...arguments import is_finite, require
from ..losses import discriminator_loss, minimax_generator_loss, non_saturating_generator_loss
from .base import Preset, Variant

GENERATOR_LOSSES = {"minimax": minimax_generator_loss, "non-saturating": non_saturating_generator_loss}


@dataclass(frozen=True)
class GANPreset(Preset):
    """generator_loss: "minimax" (the algorithm box) or "non-saturating" (§3, and the official code).
    real_target: α, the probability D learns to give real data: 1, or 0.9 for one-sided label smoothing
    (Salimans et al. 2016, §3.4; losses.discriminator_loss says why only the real side)."""
    generator_loss: str = "non-saturating"
    real_target: float = 1.0

    def validate(self, owner):
        """α ≤ ½ would teach D that real data is no more likely real than fake."""
        super().validate(owner)
        require(owner, "generator_loss", self.generator_loss, lambda v: v in GENERATOR_LOSSES,
                f"one of {list(GENERATOR_LOSSES)}")
        require(owner, "real_target", self.real_target, lambda v: is_finite(v) and 0.5 < v <= 1,
                "a number in (0.5, 1]")


_OFFICIAL_MNIST = ("github.com/goodfeli/adversarial, mnist.yaml: SGD lr 0.1, momentum 0.5, batch 100, Gaussian z "
                   "(its lr decay by 1.000004 per step and momentum ramp to 0.7 are left out)")


class GAN(Variant):
    """The original GAN; D returns logits. `GAN(G, D, "paper")` trains G on the minimax loss of the
    algorithm box, `"official-mnist"` on the non-saturating one; all else is equal."""

    presets = {
        "official-mnist": GANPreset(source=_OFFICIAL_MNIST, optimizer="sgd", lr=0.1, momentum=0.5, batch_size=100),
        "paper": GANPreset(source="Goodfellow et al. 2014, Algorithm 1 (k = 1, minimax G loss, momentum SGD; the "
                                  "paper gives no rates, these are from " + _OFFICIAL_MNIST + ")",
                           optimizer="sgd", lr=0.1, momentum=0.5, batch_size=100, generator_loss="minimax"),
    }

    def critic_step(self, batch):
        """Ascend log D(x) + log(1 − D(G(z))), i.e. descend the cross-entropy of D's two guesses (against α for
        the real ones, with one-sided label smoothing)."""
        real, fake, labels = self.critic_inputs(batch)
        loss = discriminator_loss(self.discriminate(real, labels), self.discriminate(fake, labels),
                                  self.settings.real_target)
        return {"d_loss": loss.detach(), "d_grad_norm": self.update(self.opt_D, self.D, loss)}

    def generator_step(self, batch_size):
        """Descend log(1 − D(G(z))) (minimax) or −log D(G(z)) (non-saturating)."""
        return self.train_generator(batch_size, GENERATOR_LOSSES[self.settings.generator_loss])
