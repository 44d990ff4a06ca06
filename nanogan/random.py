"""Random number generators: ng.Generator (torch.Generator) and the global one, ng.default_generator, behind
ng.rand/randn/dropout/initialisers and every draw given no generator=.

Random numbers are drawn on the host with numpy and moved to the tensor's device, so a seed gives the same numbers
on every backend (what CPU-vs-GPU tests rely on), whatever the device a Generator was made for. A generator's state
is numpy's bit-generator state (a dict), not torch's ByteTensor, and its numbers are not PyTorch's.
"""
import secrets

import numpy as np

from .arguments import is_int, require
from .backend import Device

# torch.Generator()'s seed until one is given (the global generator starts from 0 instead; see default_generator)
_TORCH_DEFAULT_SEED = 67280421310721


class Generator:
    """A stream of random numbers of its own, as torch.Generator: drawing from it leaves the global generator (and
    every other Generator) where it was. `device` is recorded for ported code that reads it; the draws themselves are
    made on the host and serve tensors on any device."""

    def __init__(self, device="cpu"):
        self.device = Device(device)
        self.manual_seed(_TORCH_DEFAULT_SEED)

    def manual_seed(self, seed):
        """Restart the stream from `seed`, an int in [-2⁶³, 2⁶⁴); returns the generator, so
        g = Generator().manual_seed(s). A negative seed is seed + 2⁶⁴, as torch's (its 64-bit seed read unsigned)."""
        self._initial_seed = _unsigned_seed("Generator.manual_seed", seed)
        self._numpy = np.random.default_rng(self._initial_seed)
        return self

    def seed(self):
        """Restart the stream from a 64-bit seed taken from the operating system's entropy; returns that seed."""
        return self.manual_seed(secrets.randbits(64))._initial_seed

    def initial_seed(self):
        """The seed the stream last started from (set_state does not change it, unlike PyTorch's)."""
        return self._initial_seed

    def get_state(self):
        """The stream's full state, a plain dict (numpy's bit-generator state), for set_state or a checkpoint."""
        return self._numpy.bit_generator.state

    def set_state(self, new_state):
        """Put the stream back where get_state found it; returns the generator."""
        _restore("Generator.set_state", self, new_state)
        return self

    def __repr__(self):
        return f"Generator(device={str(self.device)!r}, initial_seed={self._initial_seed})"


def _unsigned_seed(op, seed):
    """`seed` as torch takes it: an int in [-2⁶³, 2⁶⁴), a negative one read as the unsigned 64-bit seed + 2⁶⁴."""
    require(op, "seed", seed, lambda v: is_int(v) and -2 ** 63 <= v < 2 ** 64, "an int in [-2**63, 2**64)")
    return int(seed) % 2 ** 64


def _restore(op, generator, state):
    try:
        generator._numpy.bit_generator.state = state
    except (TypeError, ValueError, KeyError) as err:
        raise TypeError(f"{op}: expected a state from get_state() (numpy's bit-generator state, a dict), got "
                        f"{type(state).__name__} ({err})") from None


# Seeded with 0, not at random as PyTorch's is, so that a run that never seeds is still the same run every time.
default_generator = Generator().manual_seed(0)


def numpy_generator(op, generator=None):
    """The numpy generator that `op` draws from: `generator`'s, or the global one's for None. Every draw in nanogan
    comes through here, so each function's generator= means the same thing and is checked the same way."""
    if generator is None:
        return default_generator._numpy
    if not isinstance(generator, Generator):
        raise TypeError(f"{op}: expected generator to be a nanogan Generator or None, got {type(generator).__name__}")
    return generator._numpy


def manual_seed(seed):
    """Restart the global generator from `seed`; returns it (like torch.manual_seed)."""
    return default_generator.manual_seed(_unsigned_seed("manual_seed", seed))  # a bad seed named as called


def seed():
    """Restart the global generator from a seed taken from the operating system's entropy; returns that seed."""
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    """The global generator's full state, a plain dict (for checkpoints)."""
    return default_generator.get_state()


def set_rng_state(new_state):
    _restore("set_rng_state", default_generator, new_state)
