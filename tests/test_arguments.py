"""Arguments refused where they come in, in the one form of nanogan/arguments.py, each of which was accepted
before (the comment says what it did) or refused with a message that did not name the op."""
import re

import numpy as np
import pytest

import nanogan as ng
from nanogan import nn, optim
from nanogan.data import DataLoader
from nanogan.data.toy2d import TOY_DATASETS
import nanogan.nn.functional as F

NAN = float("nan")


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.pad(ng.ones(1, 1, 4, 4), (1, 1.5)), ValueError,
     "pad (constant): pad must be a tuple of ints, got (1, 1.5)"),  # padded 1 column on the right
    (lambda: nn.Upsample(scale_factor=True), ValueError,
     "Upsample: scale_factor must be a finite number > 0 or a pair of them, got True"),  # scaled by 1
    (lambda: F.leaky_relu(ng.ones(2), "0.2"), ValueError,
     "leaky_relu: negative_slope must be a finite number, got '0.2'"),  # read as 0.2
    (lambda: F.leaky_relu(ng.ones(2), NAN), ValueError,
     "leaky_relu: negative_slope must be a finite number, got nan"),  # NaN for every negative input
    (lambda: F.elu(ng.ones(2), NAN), ValueError, "elu: alpha must be a finite number, got nan"),
    (lambda: nn.Dropout(True), ValueError, "Dropout: p must be a probability in [0, 1], got True"),  # dropped all
    (lambda: optim.SGD([nn.Parameter(ng.ones(2))], momentum=0.9, dampening=NAN), ValueError,
     "SGD: dampening must be a number >= 0, got nan"),  # NaN weights after the second step
    (lambda: ng.zeros(2.5), ValueError, "zeros: size must be ints >= 0, got (2.5,)"),
    (lambda: ng.randn(2, True), ValueError, "randn: size must be ints >= 0, got (2, True)"),  # shape (2, 1)
    (lambda: ng.manual_seed(1.5), ValueError, "manual_seed: seed must be an int in [-2**63, 2**64), got 1.5"),
    (lambda: TOY_DATASETS["ring8_pacgan"](2.5, 0), ValueError, "GaussianMixture2D: n must be an int >= 0, got 2.5"),
    (lambda: TOY_DATASETS["moons"](-1, 0), ValueError, "moons: n must be an int >= 0, got -1"),  # numpy's words
    (lambda: DataLoader(np.zeros((4, 2)), batch_size=2, seed=1.5), ValueError,
     "DataLoader: seed must be an int >= 0, got 1.5"),  # numpy's "seed must be integer", at the first batch
    (lambda: ng.ones(2, 3).sum(dim=1.0), TypeError, "sum: a dimension must be an int, got float"),
    (lambda: F.softmax(ng.ones(2, 3), dim=1.0), TypeError, "softmax: a dimension must be an int, got float"),
])
def test_a_bad_argument_is_refused_with_the_op_that_takes_it(call, error, message):
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        call()
