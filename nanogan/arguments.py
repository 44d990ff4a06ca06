"""The checks of the arguments that layers, ops, kernel wrappers, variants and the trainer are given, with one
error form (the values on the device are checked by backend/cuda/checks.py instead, without a host wait):

    "{owner}: {name} must be {requirement}, got {value!r}"      e.g.  "Conv2d: stride must be an int or a pair
                                                                       of ints >= 1, got (1, 0)"

A bool is never a count or a number here: True passed for a size would read as 1, a flag passed where a number
belongs would train with 1.0. numpy's ints and floats are welcome (sizes often come out of arrays), and a size
comes back as a Python int. Checking where an argument comes in matters because a bad one fails far away (a
float size in a shape computed three layers later) or, worse, not at all (stride 0 in a pooling window).
"""
import math
import numbers


def is_int(value):
    # `type is int` first: ops check their sizes on every call, and the ABC check costs a few times more
    return type(value) is int or (isinstance(value, numbers.Integral) and not isinstance(value, bool))


def is_number(value):
    """A real number, possibly NaN or infinite."""
    return type(value) is float or (isinstance(value, numbers.Real) and not isinstance(value, bool))


def is_finite(value):
    return is_number(value) and math.isfinite(value)


def require(owner, name, value, valid, requirement):
    """Raise a ValueError naming `owner` and `name` unless `valid(value)`."""
    if not valid(value):
        raise ValueError(f"{owner}: {name} must be {requirement}, got {value!r}")


def int_at_least(owner, name, value, smallest):
    """`value` as a Python int, refused unless it is an int >= `smallest`."""
    if not (is_int(value) and value >= smallest):
        raise ValueError(f"{owner}: {name} must be an int >= {smallest}, got {value!r}")
    return int(value)


def require_sizes(owner, **sizes):
    """Refuse any of `sizes` that is not an int >= 1, naming `owner` (a model): its layers would otherwise report a
    size derived from it (DCGANGenerator(image_size=28.0): "Linear: out_features must be an int >= 1, got 196.0")."""
    for name, size in sizes.items():
        int_at_least(owner, name, size, 1)


def int_tuple(owner, name, value, smallest, length=None):
    """An int or a sequence of ints, each >= `smallest`, as a tuple of Python ints; a single int stands for all
    `length` of them (one, without a length: LayerNorm's normalized_shape)."""
    if type(value) is tuple:  # the usual case first: an ABC check of a tuple (in is_int) costs a few calls more
        values = value
    else:
        values = (value,) * (length or 1) if is_int(value) else _as_tuple(value)
    valid = len(values) > 0 and (length is None or len(values) == length)
    for v in values:  # a loop, not all(...): convolutions check three or four of these on every call
        valid = valid and is_int(v) and v >= smallest
    if not valid:
        several = {1: "a sequence of one int", 2: "a pair of ints", None: "a sequence of ints"}.get(length, f"{length} ints")
        raise ValueError(f"{owner}: {name} must be an int or {several} >= {smallest}, got {value!r}")
    return tuple(map(int, values))


def int_pair(owner, name, value, smallest):
    """An int or a pair of ints, each >= `smallest`, as a (height, width) tuple of Python ints."""
    return int_tuple(owner, name, value, smallest, length=2)


def positive_pair(owner, name, value):
    """A number or a pair of numbers, each finite and > 0, as a (height, width) tuple (interpolation's scale)."""
    return positive_tuple(owner, name, value, length=2)


def positive_tuple(owner, name, value, length):
    """A number or a sequence of `length` numbers, each finite and > 0, as a tuple (a number stands for all)."""
    values = (value,) * length if is_number(value) else _as_tuple(value)
    if not (len(values) == length and all(is_finite(v) and v > 0 for v in values)):
        several = {1: "a sequence of one", 2: "a pair of them"}.get(length, f"{length} of them")
        raise ValueError(f"{owner}: {name} must be a finite number > 0 or {several}, got {value!r}")
    return values


def _as_tuple(value):
    """The items of a sequence; () for anything else, which every check above refuses."""
    try:
        return tuple(value)
    except TypeError:
        return ()
