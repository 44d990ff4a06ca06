"""The 2D toy networks of Gulrajani et al. 2017 (official gan_toy.py): multilayer perceptrons with three
hidden layers of 512 units and ReLU, G from z ∈ R² to R², D from R² to one score."""
from .. import nn
from ..arguments import require_sizes


def mlp_layers(in_features, hidden, out_features, hidden_layers=3):
    """The layers of an MLP: hidden_layers × (Linear, ReLU) of `hidden` units, then Linear to out_features."""
    layers, width = [], in_features
    for _ in range(hidden_layers):
        layers += [nn.Linear(width, hidden), nn.ReLU()]
        width = hidden
    return layers + [nn.Linear(width, out_features)]


class ToyGenerator(nn.Sequential):
    """z (N, latent_dim) → (N, data_dim): 3 × (Linear, ReLU), Linear."""

    def __init__(self, latent_dim=2, hidden=512, data_dim=2):
        require_sizes("ToyGenerator", latent_dim=latent_dim, hidden=hidden, data_dim=data_dim)
        super().__init__(*mlp_layers(latent_dim, hidden, data_dim))
        self.latent_dim = latent_dim


class ToyCritic(nn.Sequential):
    """x (N, data_dim) → scores (N, 1): 3 × (Linear, ReLU), Linear. Also the toy GAN's discriminator (logits)."""

    def __init__(self, hidden=512, data_dim=2):
        require_sizes("ToyCritic", hidden=hidden, data_dim=data_dim)
        super().__init__(*mlp_layers(data_dim, hidden, 1))
