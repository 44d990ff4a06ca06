"""Models: output shapes (28, 32 and 64 pixels), the official WGAN-GP sizes 28 → 14 → 7 → 4, parameter counts
equal to the same networks built with PyTorch, outputs equal to PyTorch's with copied weights, and the
conditional wrappers."""
import re

import numpy as np
import pytest

import nanogan as ng
from nanogan import gan, models


def count(module):
    return sum(p.numel() for p in module.parameters())


def torch_count(module):
    return sum(p.numel() for p in module.parameters())


# ---- PyTorch twins of the architectures (the reference for counts and outputs) ----------------------------
def torch_wgangp_mnist(torch, dim):
    tn = torch.nn

    class Crop7(tn.Module):
        def forward(self, x):
            return x[:, :, :7, :7]

    def up(a, b):
        return tn.ConvTranspose2d(a, b, 5, 2, 2, output_padding=1)

    generator = tn.Sequential(tn.Linear(128, 4 * 4 * 4 * dim), tn.ReLU(), tn.Unflatten(1, (4 * dim, 4, 4)),
                              up(4 * dim, 2 * dim), tn.ReLU(), Crop7(), up(2 * dim, dim), tn.ReLU(), up(dim, 1),
                              tn.Sigmoid())
    critic = tn.Sequential(tn.Conv2d(1, dim, 5, 2, 2), tn.LeakyReLU(0.2), tn.Conv2d(dim, 2 * dim, 5, 2, 2),
                           tn.LeakyReLU(0.2), tn.Conv2d(2 * dim, 4 * dim, 5, 2, 2), tn.LeakyReLU(0.2), tn.Flatten(),
                           tn.Linear(4 * 4 * 4 * dim, 1))
    return generator, critic


def torch_dcgan_tutorial(torch, nz=100, ngf=64, ndf=64, nc=3):
    """The networks of pytorch.org/tutorials/beginner/dcgan_faces_tutorial, without D's final sigmoid."""
    tn = torch.nn
    generator = tn.Sequential(
        tn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), tn.BatchNorm2d(ngf * 8), tn.ReLU(True),
        tn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), tn.BatchNorm2d(ngf * 4), tn.ReLU(True),
        tn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), tn.BatchNorm2d(ngf * 2), tn.ReLU(True),
        tn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), tn.BatchNorm2d(ngf), tn.ReLU(True),
        tn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), tn.Tanh())
    discriminator = tn.Sequential(
        tn.Conv2d(nc, ndf, 4, 2, 1, bias=False), tn.LeakyReLU(0.2, inplace=True),
        tn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), tn.BatchNorm2d(ndf * 2), tn.LeakyReLU(0.2, inplace=True),
        tn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), tn.BatchNorm2d(ndf * 4), tn.LeakyReLU(0.2, inplace=True),
        tn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False), tn.BatchNorm2d(ndf * 8), tn.LeakyReLU(0.2, inplace=True),
        tn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False))
    return generator, discriminator


def torch_dcgan(torch, image_size, channels, latent_dim, dim):
    """The dense-stem DCGAN of nanogan.models.dcgan, for 28 (7·2²) and 32 (4·2³) pixels."""
    tn = torch.nn
    base, n = {28: (7, 2), 32: (4, 3)}[image_size]
    widths = [dim * 2 ** (n - 1 - i) for i in range(n)]
    layers = [tn.Linear(latent_dim, widths[0] * base * base, bias=False), tn.Unflatten(1, (widths[0], base, base)),
              tn.BatchNorm2d(widths[0]), tn.ReLU()]
    for wide, narrow in zip(widths, widths[1:]):
        layers += [tn.ConvTranspose2d(wide, narrow, 4, 2, 1, bias=False), tn.BatchNorm2d(narrow), tn.ReLU()]
    generator = tn.Sequential(*layers, tn.ConvTranspose2d(dim, channels, 4, 2, 1), tn.Tanh())
    layers = [tn.Conv2d(channels, dim, 4, 2, 1, bias=False), tn.LeakyReLU(0.2)]
    for i in range(n - 1):
        layers += [tn.Conv2d(dim * 2 ** i, dim * 2 ** (i + 1), 4, 2, 1, bias=False), tn.BatchNorm2d(dim * 2 ** (i + 1)),
                   tn.LeakyReLU(0.2)]
    discriminator = tn.Sequential(*layers, tn.Flatten(), tn.Linear(dim * 2 ** (n - 1) * base * base, 1))
    return generator, discriminator


def torch_fgan_mnist(torch, hidden_g=1200, hidden_d=240, latent_dim=100):
    """Nowozin et al.'s fully connected MNIST networks, ReLUs in place of V_ω's maxout."""
    tn = torch.nn
    generator = tn.Sequential(tn.Linear(latent_dim, hidden_g, bias=False), tn.BatchNorm1d(hidden_g), tn.ReLU(),
                              tn.Linear(hidden_g, hidden_g, bias=False), tn.BatchNorm1d(hidden_g), tn.ReLU(),
                              tn.Linear(hidden_g, 784), tn.Sigmoid(), tn.Unflatten(1, (1, 28, 28)))
    critic = tn.Sequential(tn.Flatten(), tn.Linear(784, hidden_d), tn.ReLU(), tn.Linear(hidden_d, hidden_d), tn.ReLU(),
                           tn.Linear(hidden_d, 1))
    return generator, critic


# ---- parameter counts (no forward pass) ----------------------------------------------------------------------
def test_wgangp_mnist_parameter_counts_match_torch():
    torch = pytest.importorskip("torch")
    for dim in (64, 16):
        generator, critic = torch_wgangp_mnist(torch, dim)
        assert count(models.WGANGPMNISTGenerator(dim)) == torch_count(generator)
        assert count(models.WGANGPMNISTCritic(dim)) == torch_count(critic)


def test_dcgan_tutorial_parameter_counts_match_torch():
    torch = pytest.importorskip("torch")
    generator, discriminator = torch_dcgan_tutorial(torch)
    assert count(models.DCGAN64Generator()) == torch_count(generator) == 3576704  # the tutorial's figures
    assert count(models.DCGAN64Discriminator()) == torch_count(discriminator) == 2765568
    # and the state-dict names line up with the tutorial's `main` Sequential, so its weights load key for key
    ours = models.DCGAN64Generator().state_dict()
    theirs = {f"main.{k}": v for k, v in generator.state_dict().items()}
    assert list(ours) == list(theirs)
    assert all(ours[k].shape == tuple(theirs[k].shape) for k in ours)


@pytest.mark.parametrize("image_size", [28, 32])
def test_dcgan_parameter_counts_match_torch(image_size):
    torch = pytest.importorskip("torch")
    generator, discriminator = torch_dcgan(torch, image_size, 1, 100, 64)
    assert count(models.DCGANGenerator(image_size, 1, 100, 64)) == torch_count(generator)
    assert count(models.DCGANDiscriminator(image_size, 1, 64)) == torch_count(discriminator)


def test_fgan_mnist_parameter_counts_match_torch_at_the_papers_sizes():
    torch = pytest.importorskip("torch")
    generator, critic = torch_fgan_mnist(torch)
    assert count(models.FGANMNISTGenerator()) == torch_count(generator) == (100 * 1200 + 2 * 1200
                                                                            + 1200 * 1200 + 2 * 1200 + 1201 * 784)
    assert count(models.FGANMNISTCritic()) == torch_count(critic) == 785 * 240 + 241 * 240 + 241


def test_toy_networks_have_three_hidden_layers_of_512():
    generator, critic = models.ToyGenerator(), models.ToyCritic()
    assert count(generator) == (2 * 512 + 512) + 2 * (512 * 512 + 512) + (512 * 2 + 2)
    assert count(critic) == (2 * 512 + 512) + 2 * (512 * 512 + 512) + (512 + 1)
    assert generator.latent_dim == 2


def test_dcgan_rejects_sizes_it_cannot_build():
    with pytest.raises(ValueError, match="image_size"):
        models.DCGANGenerator(image_size=30)


@pytest.mark.parametrize("build, message", [
    (lambda: models.DCGANGenerator(image_size=28.0), "DCGANGenerator: image_size must be an int >= 1, got 28.0"),
    (lambda: models.DCGANGenerator(dim=2.5), "DCGANGenerator: dim must be an int >= 1, got 2.5"),
    (lambda: models.DCGANDiscriminator(dim=-2), "DCGANDiscriminator: dim must be an int >= 1, got -2"),
    (lambda: models.DCGANDiscriminator(channels=True), "DCGANDiscriminator: channels must be an int >= 1, got True"),
    (lambda: models.DCGAN64Generator(ngf=0), "DCGAN64Generator: ngf must be an int >= 1, got 0"),
    (lambda: models.DCGAN64Discriminator(nc=3.0), "DCGAN64Discriminator: nc must be an int >= 1, got 3.0"),
    (lambda: models.ToyGenerator(hidden=0), "ToyGenerator: hidden must be an int >= 1, got 0"),
    (lambda: models.ToyCritic(data_dim=2.0), "ToyCritic: data_dim must be an int >= 1, got 2.0"),
    (lambda: models.WGANGPMNISTGenerator(dim=0), "WGANGPMNISTGenerator: dim must be an int >= 1, got 0"),
    (lambda: models.FGANMNISTGenerator(hidden=0), "FGANMNISTGenerator: hidden must be an int >= 1, got 0"),
    (lambda: models.FGANMNISTCritic(hidden=2.0), "FGANMNISTCritic: hidden must be an int >= 1, got 2.0"),
    (lambda: models.WGANGPMNISTCritic(in_channels=True),
     "WGANGPMNISTCritic: in_channels must be an int >= 1, got True"),
])
def test_model_constructors_name_the_model_and_the_size_they_refuse(build, message):
    """These surfaced as a layer's error about a derived size ("Linear: out_features ..., got 196.0")."""
    with pytest.raises(ValueError, match=f"^{message}$"):
        build()


def test_dcgan_networks_refuse_inputs_of_another_shape_naming_the_one_they_take():
    """A 28-px D on 32-px images failed in its dense layer ("expected (..., 196), got (4, 256)"), the 64-px D on
    128-px images in a reshape, and G on a 1-D z in Unflatten."""
    ng.manual_seed(0)
    discriminator = models.DCGANDiscriminator(28, channels=1, dim=2)
    for side in (32, 27):
        with pytest.raises(ValueError, match=rf"DCGANDiscriminator: expected images of shape \(N, 1, 28, 28\), got "
                                             rf"\(4, 1, {side}, {side}\)"):
            discriminator(ng.zeros(4, 1, side, side))
    with pytest.raises(ValueError, match=r"DCGAN64Discriminator: expected images of shape \(N, 3, 64, 64\), got "
                                         r"\(2, 3, 128, 128\)"):
        models.DCGAN64Discriminator(ndf=2, nc=3)(ng.zeros(2, 3, 128, 128))
    generator = models.DCGANGenerator(28, latent_dim=4, dim=2)
    for z in (ng.zeros(5), ng.zeros(5, 3)):
        with pytest.raises(ValueError, match=rf"DCGANGenerator: expected z of shape \(N, 4\), got "
                                             rf"{re.escape(str(z.shape))}"):
            generator(z)
    assert discriminator(generator(ng.randn(3, 4))).shape == (3, 1)


# ---- shapes ------------------------------------------------------------------------------------------------
def test_wgangp_mnist_shapes_follow_the_official_code():
    ng.manual_seed(0)
    generator, critic = models.WGANGPMNISTGenerator(dim=4), models.WGANGPMNISTCritic(dim=4)
    images = generator(ng.randn(3, 128))
    assert images.shape == (3, 1, 28, 28)
    assert 0.0 <= images.numpy().min() and images.numpy().max() <= 1.0
    sides, x = [], images
    for layer in critic:
        x = layer(x)
        if type(layer).__name__ == "Conv2d":
            sides.append(x.shape[-1])
    assert sides == [14, 7, 4] and x.shape == (3, 1)


@pytest.mark.parametrize("image_size", [28, 32])
def test_dcgan_shapes(image_size):
    ng.manual_seed(0)
    generator = models.DCGANGenerator(image_size, channels=3, latent_dim=8, dim=4)
    images = generator(ng.randn(2, 8))
    assert images.shape == (2, 3, image_size, image_size)
    assert np.abs(images.numpy()).max() <= 1.0
    assert models.DCGANDiscriminator(image_size, channels=3, dim=4)(images).shape == (2, 1)


def test_dcgan64_shapes():
    ng.manual_seed(0)
    generator, discriminator = models.DCGAN64Generator(nz=8, ngf=2, nc=3), models.DCGAN64Discriminator(ndf=2, nc=3)
    images = generator(ng.randn(2, 8))
    assert images.shape == (2, 3, 64, 64)
    assert discriminator(images).shape == (2, 1)


# ---- outputs against PyTorch with the same weights -----------------------------------------------------------
def _load_into_torch(torch, module, torch_module, prefix=""):
    state = {k[len(prefix):]: torch.tensor(v.numpy()) for k, v in module.state_dict().items()}
    torch_module.load_state_dict(state)
    return torch_module.double()


def test_wgangp_mnist_outputs_match_torch():
    torch = pytest.importorskip("torch")
    ng.manual_seed(2)
    dim = 3
    generator, critic = models.WGANGPMNISTGenerator(dim).double(), models.WGANGPMNISTCritic(dim).double()
    torch_generator, torch_critic = (_load_into_torch(torch, m, t) for m, t in
                                     zip((generator, critic), torch_wgangp_mnist(torch, dim)))
    z = np.random.default_rng(0).standard_normal((2, 128))
    images = generator(ng.tensor(z))
    expected = torch_generator(torch.tensor(z))
    np.testing.assert_allclose(images.numpy(), expected.detach().numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(critic(images).numpy(), torch_critic(expected).detach().numpy(), rtol=1e-9, atol=1e-12)


def test_fgan_mnist_outputs_match_torch():
    torch = pytest.importorskip("torch")
    ng.manual_seed(3)
    generator, critic = models.FGANMNISTGenerator(hidden=6, latent_dim=5).double(), models.FGANMNISTCritic(4).double()
    torch_generator, torch_critic = (_load_into_torch(torch, m, t) for m, t in
                                     zip((generator, critic), torch_fgan_mnist(torch, 6, 4, 5)))
    z = np.random.default_rng(0).uniform(-1, 1, (3, 5))
    images = generator(ng.tensor(z))  # training mode: batch statistics in both
    expected = torch_generator(torch.tensor(z))
    assert images.shape == (3, 1, 28, 28) and generator.latent_dim == 5
    np.testing.assert_allclose(images.numpy(), expected.detach().numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(critic(images).numpy(), torch_critic(expected).detach().numpy(), rtol=1e-9, atol=1e-12)


def test_dcgan64_outputs_match_the_torch_tutorial_networks():
    torch = pytest.importorskip("torch")
    ng.manual_seed(4)
    generator, discriminator = models.DCGAN64Generator(nz=5, ngf=2, nc=3), models.DCGAN64Discriminator(ndf=2, nc=3)
    torch_generator, torch_discriminator = torch_dcgan_tutorial(torch, nz=5, ngf=2, ndf=2, nc=3)
    _load_into_torch(torch, generator.double(), torch_generator, "main.")
    _load_into_torch(torch, discriminator.double(), torch_discriminator, "main.")
    z = np.random.default_rng(1).standard_normal((4, 5))
    images = generator(ng.tensor(z))  # training mode: batch statistics in both
    expected = torch_generator(torch.tensor(z).reshape(4, 5, 1, 1))
    np.testing.assert_allclose(images.numpy(), expected.detach().numpy(), rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(discriminator(images).numpy(), torch_discriminator(expected).detach().numpy()
                               .reshape(4, 1), rtol=1e-7, atol=1e-10)


# ---- conditional networks ------------------------------------------------------------------------------------
def test_one_hot_rows_and_range_check():
    like = ng.zeros(1, dtype=ng.float64)
    np.testing.assert_array_equal(models.one_hot(ng.tensor([2, 0]), 3, like).numpy(), [[0, 0, 1], [1, 0, 0]])
    assert models.one_hot(ng.tensor([1]), 3, like).dtype == ng.float64
    with pytest.raises(ValueError, match="0..2"):
        models.one_hot(ng.tensor([3]), 3, like)


@pytest.mark.parametrize("label_join", ["dense", "input"])
def test_conditional_dcgan_depends_on_the_label(label_join):
    ng.manual_seed(0)
    generator, discriminator = models.conditional_dcgan(28, 1, n_classes=10, latent_dim=6, dim=2,
                                                        label_join=label_join)
    assert generator.latent_dim == 6
    z = ng.randn(1, 6).expand(2, 6)  # the same z twice
    images = generator(z, ng.tensor([3, 7]))
    assert images.shape == (2, 1, 28, 28)
    assert not np.allclose(images.numpy()[0], images.numpy()[1])
    same_images = images[0:1].expand(2, 1, 28, 28)
    scores = discriminator(same_images, ng.tensor([3, 7])).numpy()
    assert scores.shape == (2, 1) and scores[0, 0] != scores[1, 0]
    with pytest.raises(ValueError, match="label_join"):
        models.conditional_dcgan(label_join="middle")


@pytest.mark.parametrize("build, who, n_classes", [
    (lambda n: models.conditional_dcgan(dim=2, latent_dim=4, n_classes=n), "conditional_dcgan", -1),  # G of 99 inputs
    (lambda n: models.conditional_dcgan(dim=2, latent_dim=4, n_classes=n), "conditional_dcgan", 0),
    (lambda n: models.conditional_wgangp_mnist(dim=2, n_classes=n), "conditional_wgangp_mnist", 0),
    (lambda n: models.conditional_wgangp_mnist(dim=2, n_classes=n), "conditional_wgangp_mnist", "10"),
    (lambda n: models.ConditionalGenerator(models.ToyGenerator(latent_dim=4, hidden=2), n), "ConditionalGenerator",
     -1),
    (lambda n: models.LabelChannelsCritic(models.WGANGPMNISTCritic(dim=2), n), "LabelChannelsCritic", 0),
    (lambda n: models.DenseLabelDiscriminator(models.ToyCritic(hidden=2), 1, n), "DenseLabelDiscriminator", 2.0),
])
def test_conditional_models_need_at_least_one_class(build, who, n_classes):
    with pytest.raises(ValueError, match=rf"^{who}: n_classes must be an int >= 1, got {re.escape(repr(n_classes))}$"):
        build(n_classes)


def test_conditional_wgangp_critic_sees_labels_as_channels_and_trains():
    ng.manual_seed(0)
    generator, critic = models.conditional_wgangp_mnist(dim=2, n_classes=10)
    assert critic.critic[0].in_channels == 11 and generator.latent_dim == 128
    variant = gan.ConditionalWGANGP(generator, critic, "official-mnist")
    rng = np.random.default_rng(0)
    batch = (rng.random((4, 1, 28, 28)).astype(np.float32), rng.integers(10, size=4))
    numbers = variant.critic_step(batch)
    assert float(numbers["gradient_penalty"]) > 0
    variant.generator_step(4)
    z, labels = variant.fixed_latent(20)
    np.testing.assert_array_equal(labels.numpy(), np.arange(20) % 10)
    assert variant.sample((z, labels)).shape == (20, 1, 28, 28)
