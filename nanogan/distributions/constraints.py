"""The sets a distribution's parameters and values must lie in (torch.distributions.constraints, the ones the families
here use). check(value) gives a boolean tensor with one entry per event: `event_dim` trailing dimensions of value
make one event and are reduced. str(constraint) completes the error "Normal: scale must be > 0, ...".
"""
from ..ops.indexing import tril
from .linalg import cholesky


class Constraint:
    def __init__(self, description, check, event_dim=0, is_discrete=False):
        self.description, self._check = description, check
        self.event_dim, self.is_discrete = event_dim, is_discrete

    def check(self, value):
        return self._check(value)

    def __str__(self):
        return self.description

    def __repr__(self):
        return f"Constraint({self.description!r})"


def independent(base, reinterpreted_batch_ndims):
    """`base` holding for every element of the last `reinterpreted_batch_ndims` dimensions (torch's independent)."""
    def check(value):
        ok = base.check(value)
        for _ in range(reinterpreted_batch_ndims):
            ok = ok.all(-1)
        return ok
    return Constraint(base.description, check, base.event_dim + reinterpreted_batch_ndims, base.is_discrete)


def greater_than(bound, named):
    return Constraint(f"> {named}", lambda value: value > bound)


def less_than(bound, named):
    return Constraint(f"< {named}", lambda value: value < bound)


def interval(low, high, named):
    """low <= value <= high, closed as torch's (Uniform's log-density is -inf at high all the same)."""
    return Constraint(f"in {named}", lambda value: (value >= low) & (value <= high))


def integer_interval(low, high):
    return Constraint(f"an integer in [{low}, {high}]",
                      lambda value: (value % 1 == 0) & (value >= low) & (value <= high), is_discrete=True)


real = Constraint("a real number (not NaN)", lambda value: value == value)
real_vector = independent(real, 1)
positive = Constraint("> 0", lambda value: value > 0)
unit_interval = Constraint("in [0, 1]", lambda value: (value >= 0) & (value <= 1))
boolean = Constraint("0 or 1", lambda value: (value == 0) | (value == 1), is_discrete=True)
# torch's tolerance: a probability vector sums to 1 within 1e-6
simplex = Constraint("a probability vector (entries >= 0 summing to 1) along the last dimension",
                     lambda value: (value >= 0).all(-1) & ((value.sum(-1) - 1).abs() < 1e-6), event_dim=1)
one_hot = Constraint("one-hot along the last dimension",
                     lambda value: ((value == 0) | (value == 1)).all(-1) & (value.sum(-1) == 1), event_dim=1,
                     is_discrete=True)
lower_cholesky = Constraint("lower triangular with a diagonal > 0",
                            lambda value: (tril(value) == value).flatten(-2).all(-1)
                            & (value.diagonal(dim1=-2, dim2=-1) > 0).all(-1), event_dim=2)


def _positive_definite(value):
    symmetric = ((value - value.transpose(-2, -1)).abs() <= 1e-6).flatten(-2).all(-1)  # torch's atol
    # positive definite where every pivot of the factorisation is > 0; cholesky makes the column of one that is not NaN
    return symmetric & (cholesky(value).diagonal(dim1=-2, dim2=-1) > 0).all(-1)


positive_definite = Constraint("symmetric positive definite", _positive_definite, event_dim=2)
