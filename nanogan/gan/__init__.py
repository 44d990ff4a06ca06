"""GANs: the losses (losses.py), the variants with their presets (variants/), the training loop with
its log, checkpoints and hooks (trainer.py), the classic training tricks (tricks.py), and pictures of a run
(visualize.py).

    from nanogan import gan, models
    G, D = models.WGANGPMNISTGenerator(dim=32), models.WGANGPMNISTCritic(dim=32)
    variant = gan.WGANGP(G, D, "official-mnist")
    trainer = gan.Trainer(variant, loader, run_dir="runs/wgan-gp")
    trainer.fit(iterations=10000)
"""
from . import losses
from .losses import (discriminator_loss, minimax_generator_loss, non_saturating_generator_loss,
                     wasserstein_critic_loss, wasserstein_generator_loss, gradient_penalty, r1_penalty, interpolate,
                     input_gradients, input_gradient_norms, clip_weights_, least_squares_discriminator_loss,
                     least_squares_generator_loss, warn_if_batch_norm, F_DIVERGENCES, f_gan_critic_loss,
                     f_gan_generator_loss, f_gan_saddle_point_generator_loss, categorical_code_loss,
                     continuous_code_loss)
from .variants import (Preset, Variant, critic_iterations, GAN, GANPreset, DCGAN, WGAN, WGANPreset, WGANGP,
                       WGANGPPreset, LSGAN, LSGANPreset, ConditionalGAN, ConditionalWGANGP, CycleGAN, CycleGANPreset,
                       ImagePool, FGAN, FGANPreset, InfoGAN, InfoGANPreset)
from .checkpoint import save_checkpoint, load_checkpoint
from .trainer import Trainer, SampledData, read_log
from . import tricks, visualize
