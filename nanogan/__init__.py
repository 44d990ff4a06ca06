"""nanogan: a from-scratch numerical engine for generative adversarial networks.

    import nanogan as ng
    x = ng.randn(4, 3, requires_grad=True)
    (x * x).sum().backward()          # x.grad == 2 x
"""
from .tensor import (Tensor, tensor, zeros, ones, full, zeros_like, ones_like, arange, rand, randn,
                     rand_like, randn_like, float32, float64, int64)
from .random import manual_seed, get_rng_state, set_rng_state
from . import autograd
from .autograd import grad, no_grad, enable_grad, is_grad_enabled, set_grad_enabled
from .ops.shape import cat, stack
from .ops.elementwise import where, exp, log, sqrt, abs, sign, clamp
from .ops.matmul import matmul
from . import nn, optim  # noqa: E402  (ng.nn.functional, ng.optim.Adam, as in torch)

__version__ = "0.1.0"
