"""Distribution, the base of ng.distributions (torch.distributions.Distribution): the shapes, the checks of the
arguments and of the values scored, sample() as rsample() without the graph, and the helpers the families share.

Shapes are torch's: `batch_shape` indexes independent distributions of one family (each with its own parameters),
`event_shape` is the shape of one draw of one of them; sample(sample_shape) has shape sample_shape + batch_shape +
event_shape and log_prob of such a value sample_shape + batch_shape. Shapes are tuples (torch's torch.Size).
Draws come from nanogan's global generator (ng.manual_seed), made on the host: the same on every device, and not
torch's numbers.
"""
import functools
import math

import numpy as np

from ..arguments import is_int, is_number
from ..autograd import enable_grad, no_grad
from ..random import numpy_generator
from ..tensor import Tensor, tensor


class Distribution:
    """A batch of distributions of one family. Unless validate_args=False (the default is to check, as in torch:
    Distribution.set_default_validate_args(False) turns it off everywhere), each parameter named in
    `arg_constraints` is checked as the distribution is made, and a value given to log_prob against `support`, each
    a ValueError naming the distribution and the argument. On a GPU the check of values is read at the next host
    read, as nanogan's other checks of values on the device."""
    arg_constraints = {}
    support = None
    has_rsample = False
    _validate_args = True

    @staticmethod
    def set_default_validate_args(value):
        if value not in (True, False):
            raise ValueError(f"Distribution.set_default_validate_args: value must be True or False, got {value!r}")
        Distribution._validate_args = value

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self._batch_shape, self._event_shape = tuple(batch_shape), tuple(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            for name, constraint in self.arg_constraints.items():
                if name in self.__dict__:  # a parameter computed from the one given (lazy_property) is not checked
                    self._require(constraint, name, self.__dict__[name])

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    def _extended_shape(self, sample_shape=()):
        """sample_shape + batch_shape + event_shape, sample_shape checked."""
        return sample_shape_of(f"{type(self).__name__}.sample", sample_shape) + self._batch_shape + self._event_shape

    def sample(self, sample_shape=()):
        """A draw of shape sample_shape + batch_shape + event_shape, outside the graph."""
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=()):
        raise NotImplementedError(f"{type(self).__name__}: has no reparameterised draws (rsample); sample() draws "
                                  f"without gradients")

    def log_prob(self, value):
        raise NotImplementedError(f"{type(self).__name__}: has no log_prob")

    def entropy(self):
        raise NotImplementedError(f"{type(self).__name__}: has no entropy")

    @property
    def mean(self):
        raise NotImplementedError(f"{type(self).__name__}: has no mean")

    @property
    def variance(self):
        raise NotImplementedError(f"{type(self).__name__}: has no variance")

    @property
    def stddev(self):
        return self.variance.sqrt()

    def _require(self, constraint, name, value):
        with no_grad():  # a check, not part of any graph
            ok = constraint.check(value)
        value.backend.require(ok.array, ValueError,
                              f"{type(self).__name__}: {name} must be {constraint}, got values outside it in the "
                              f"tensor of shape {value.shape}")

    def _validate_sample(self, value):
        """Refuse a value to score that is not a tensor, whose trailing dimensions are not event_shape, that does
        not broadcast with batch_shape + event_shape, or (read on the device) that lies outside the support."""
        name = type(self).__name__
        if not isinstance(value, Tensor):
            raise ValueError(f"{name}.log_prob: value must be a Tensor, got {type(value).__name__}")
        expected = self._batch_shape + self._event_shape
        events = len(self._event_shape)
        if value.shape[value.ndim - events:] != self._event_shape or any(
                a != b and 1 not in (a, b) for a, b in zip(reversed(value.shape), reversed(expected))):
            raise ValueError(f"{name}.log_prob: value of shape {value.shape} does not fit batch_shape + event_shape "
                             f"{expected} (its last {events} dimensions must be the event's, the rest broadcast)")
        if self.support is not None:
            self._require(self.support, "value", value)

    def _validated(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return value

    def __repr__(self):
        shapes = ", ".join(f"{name}: {self.__dict__[name].shape}" for name in self.arg_constraints
                           if name in self.__dict__)
        return f"{type(self).__name__}({shapes})"


class lazy_property:
    """A parameter computed from the one given (Bernoulli's logits from its probs, ...) when first read, then kept
    on the instance, as torch's: the given one sits in the instance's __dict__, which Python reads first. Computed
    with grad enabled, so that a first read under no_grad (in sample) still keeps the graph to the parameter."""

    def __init__(self, compute):
        self.compute = compute
        functools.update_wrapper(self, compute)

    def __get__(self, instance, owner):
        if instance is None:
            return self
        with enable_grad():
            value = self.compute(instance)
        instance.__dict__[self.compute.__name__] = value
        return value


def sample_shape_of(owner, sample_shape):
    """sample_shape as a tuple of Python ints, refused unless it is a tuple or list of ints >= 0."""
    if not (isinstance(sample_shape, (tuple, list)) and all(is_int(n) and n >= 0 for n in sample_shape)):
        raise ValueError(f"{owner}: sample_shape must be a tuple of ints >= 0, got {sample_shape!r}")
    return tuple(int(n) for n in sample_shape)


def broadcast_all(owner, **values):
    """The parameters `values` (floating-point tensors or numbers) expanded to their common shape, the numbers made
    tensors of the tensors' dtype and device (float32 on the CPU where all are numbers), as torch's broadcast_all."""
    for name, v in values.items():
        if not is_number(v):
            floating_tensor(owner, name, v)
    tensors = [v for v in values.values() if isinstance(v, Tensor)]
    like = tensors[0] if tensors else None
    made = [v if isinstance(v, Tensor) else tensor(float(v), dtype=like.dtype if like is not None else None,
                                                   device=like.device if like is not None else "cpu")
            for v in values.values()]
    try:
        shape = np.broadcast_shapes(*(t.shape for t in made))
    except ValueError:
        raise ValueError(f"{owner}: the shapes of " + ", ".join(f"{n} {t.shape}" for n, t in zip(values, made))
                         + " do not broadcast") from None
    return [t if t.shape == shape else t.expand(*shape) for t in made]


def floating_tensor(owner, name, value):
    """Refuse `value` unless it is a floating-point tensor."""
    if not (isinstance(value, Tensor) and value.is_floating_point()):
        got = f"{value.dtype} of shape {value.shape}" if isinstance(value, Tensor) else type(value).__name__
        raise TypeError(f"{owner}: {name} must be a floating-point tensor, got {got}")


def draws(owner, like, shape, draw):
    """draw(numpy generator, shape), made on the host from the global generator, as a tensor of like's dtype on its
    device, outside the graph (the noise of a reparameterised draw)."""
    host = draw(numpy_generator(owner), shape)
    return Tensor(like.backend.from_host(np.asarray(host, dtype=like.dtype)))


def sum_rightmost(x, dims):
    """x summed over its last `dims` dimensions."""
    return x.flatten(x.ndim - dims).sum(-1) if dims else x


LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
