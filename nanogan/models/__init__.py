"""The architectures of the course material, parameterised by width so a CPU can run a small one."""
from .toy import ToyGenerator, ToyCritic
from .wgangp_mnist import WGANGPMNISTGenerator, WGANGPMNISTCritic
from .dcgan import DCGANGenerator, DCGANDiscriminator, DCGAN64Generator, DCGAN64Discriminator
from .conditional import (one_hot, ConditionalGenerator, LabelChannelsCritic, DenseLabelDiscriminator,
                          conditional_dcgan, conditional_wgangp_mnist)
from .cyclegan import (ResnetGenerator, PatchGANDiscriminator, CycleGANGenerators, CycleGANDiscriminators,
                       cyclegan_networks, patch_map_side)
from .infogan import InfoGANGenerator, InfoGANDiscriminator, infogan_mnist
from .fgan import FGANMNISTGenerator, FGANMNISTCritic

__all__ = ["ToyGenerator", "ToyCritic", "WGANGPMNISTGenerator", "WGANGPMNISTCritic", "DCGANGenerator",
           "DCGANDiscriminator", "DCGAN64Generator", "DCGAN64Discriminator", "one_hot", "ConditionalGenerator",
           "LabelChannelsCritic", "DenseLabelDiscriminator", "conditional_dcgan", "conditional_wgangp_mnist",
           "ResnetGenerator", "PatchGANDiscriminator", "CycleGANGenerators", "CycleGANDiscriminators",
           "cyclegan_networks", "patch_map_side", "InfoGANGenerator", "InfoGANDiscriminator", "infogan_mnist",
           "FGANMNISTGenerator", "FGANMNISTCritic"]
