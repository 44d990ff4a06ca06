"""The GAN family, one module per paper: each variant is its losses, its critic and generator steps
(its paper's algorithm box) and its presets, the published hyperparameters with their source."""
from .base import Preset, Variant, critic_iterations, make_optimizer
from .gan import GAN, GANPreset
from .dcgan import DCGAN
from .wgan import WGAN, WGANPreset
from .wgan_gp import WGANGP, WGANGPPreset
from .lsgan import LSGAN, LSGANPreset
from .conditional import ConditionalGAN, ConditionalWGANGP
from .cyclegan import CycleGAN, CycleGANPreset, ImagePool
from .fgan import FGAN, FGANPreset
from .infogan import InfoGAN, InfoGANPreset

__all__ = ["Preset", "Variant", "critic_iterations", "make_optimizer", "GAN", "GANPreset", "DCGAN", "WGAN",
           "WGANPreset", "WGANGP", "WGANGPPreset", "LSGAN", "LSGANPreset", "ConditionalGAN", "ConditionalWGANGP",
           "CycleGAN", "CycleGANPreset", "ImagePool", "FGAN", "FGANPreset", "InfoGAN", "InfoGANPreset"]
