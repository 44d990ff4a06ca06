"""DCGAN (Radford, Metz & Chintala 2016): the GAN objective — the non-saturating generator loss — with
all-convolutional networks (nanogan.models.dcgan) and the training settings that made them stable:
Adam with lr 2e-4 and β1 = 0.5, minibatches of 128, weights drawn from N(0, 0.02²)
(nn.init.dcgan_init_), LeakyReLU(0.2) in D. Its algorithm is GAN's, so only the presets are new.
"""
from .gan import GAN, GANPreset


class DCGAN(GAN):
    """`DCGAN(G, D)`: the paper's settings; `DCGAN(G, D, "pytorch-tutorial")` draws z from N(0, I) as the
    PyTorch DCGAN tutorial does, instead of the paper's U[−1, 1]."""

    presets = {
        "paper": GANPreset(source="Radford et al. 2016, §4 (Adam lr 2e-4, β1 0.5, batch 128, z ~ U[-1, 1])",
                           optimizer="adam", lr=2e-4, betas=(0.5, 0.999), batch_size=128, noise="uniform"),
        "pytorch-tutorial": GANPreset(source="pytorch.org/tutorials/beginner/dcgan_faces_tutorial (Adam lr 2e-4, "
                                             "β1 0.5, batch 128, z ~ N(0, I))",
                                      optimizer="adam", lr=2e-4, betas=(0.5, 0.999), batch_size=128, noise="normal"),
    }
