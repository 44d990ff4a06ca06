"""The global random number generator behind ng.rand/randn/dropout/initialisers.

Random numbers are drawn on the host with numpy and moved to the tensor's device, so a seed
gives the same numbers on every backend (what CPU-vs-GPU tests rely on).
"""
import numpy as np

from .arguments import int_at_least

_generator = np.random.default_rng(0)


def manual_seed(seed):
    """Reset the global generator; returns it (like torch.manual_seed)."""
    global _generator
    _generator = np.random.default_rng(int_at_least("manual_seed", "seed", seed, 0))
    return _generator


def generator():
    return _generator


def get_rng_state():
    """The generator's full state, a plain dict (for checkpoints)."""
    return _generator.bit_generator.state


def set_rng_state(state):
    _generator.bit_generator.state = state
