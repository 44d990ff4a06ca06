"""Parameter: a Tensor that a Module learns.

A Parameter is a leaf Tensor with requires_grad=True. Assigning one to a Module attribute
registers it, so that `module.parameters()` finds it for the optimiser and `state_dict()` saves it.
"""
from ..tensor import Tensor


class Parameter(Tensor):
    """`Parameter(data, requires_grad=True)`; `data` is a Tensor (its array is shared, not copied)
    or a raw backend array."""

    def __init__(self, data, requires_grad=True):
        super().__init__(data.array if isinstance(data, Tensor) else data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
