"""The normalisation, activation, gradient-penalty, optimiser, reduction, pooling and upsampling kernels of
csrc/kernels, run through the host emulation (nanogan._emu) against float64 references.

References: nanogan's CPU ops in float64 with its autograd engine (`ng.grad(..., create_graph=True)` for the
backward and double backward kernels), nanogan.optim for the optimiser steps, and small numpy oracles where
nanogan has no CPU op yet (pooling, nearest upsampling), also checked against PyTorch when it is importable.
Every emulated call uses the guarded buffers of tests/kernel_helpers.py (out-of-range writes and unwritten
outputs are caught). The named cases also run on a GPU (`gpu` mark) through nanogan._C and CuPy.
"""
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nanogan as ng
import nanogan.nn.functional as F
from nanogan import _kernels
from nanogan import _kernels_ops as K
from kernel_helpers import GuardedEmu

# The emulation runs a real thread per CUDA thread: few examples, no deadline.
EMU_SETTINGS = settings(max_examples=6, deadline=None)


@pytest.fixture(scope="module")
def emu():
    return GuardedEmu()


def gpu_library(kind):
    if not _kernels.cuda_device_present():
        pytest.skip("no usable CUDA device")
    try:
        return _kernels.load(kind)
    except ImportError as e:
        pytest.skip(f"{kind} kernels not available: {e}")


class Device:
    """Moves test arrays onto a kernel library and back: guarded numpy buffers for the emulation, device
    arrays for a GPU library; `done()` checks the guards."""

    def __init__(self, lib):
        self.lib = lib
        self.guarded = isinstance(lib, GuardedEmu)

    def put(self, a):
        a = np.ascontiguousarray(a, dtype=np.float32)
        return self.lib.guarded(a) if self.guarded else self.lib.xp.asarray(a)

    def host(self, a):
        return np.asarray(a) if self.guarded else self.lib.xp.asnumpy(a)

    def done(self):
        if self.guarded:
            self.lib.check_guards()


def assert_close(actual, expected, what, rtol=1e-4, atol=2e-5):
    """float32 kernel output against a float64 reference; atol scales with the reference's magnitude."""
    expected = np.asarray(expected, np.float64)
    scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
    np.testing.assert_allclose(np.asarray(actual, np.float64), expected, rtol=rtol, atol=atol * scale, err_msg=what)


def tensor(a, requires_grad=False):
    return ng.Tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad)


def values(t):
    return t.numpy() if isinstance(t, ng.Tensor) else np.asarray(t)


# ---- sum / mean along one axis ---------------------------------------------------------------------------------

def check_sum_axis(lib, shape, axis, mean, seed):
    """Both kernels (tile and block) on the same problem, against Tensor.sum / Tensor.mean."""
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    dev = Device(lib)
    results = {a: K.sum_axis(lib, dev.put(x), axis, mean=mean, algorithm=a) for a in K.SUM_AXIS_ALGORITHMS}
    dev.done()
    ref = tensor(x).mean(axis) if mean else tensor(x).sum(axis)
    for algorithm, y in results.items():
        assert_close(dev.host(y), values(ref), f"{'mean' if mean else 'sum'} over axis {axis} of {shape}, {algorithm}")


SUM_AXIS_CASES = {
    "last_axis_long": ((3, 1000), 1),           # inner = 1: the block kernel's case, four strides of 256
    "middle_axis_ragged_tiles": ((2, 17, 70), 1),   # inner = 70: two full column tiles and a ragged one
    "first_axis_narrow": ((300, 5), 0),
    "whole_vector": ((1234,), 0),
    "single_slice": ((4, 1, 9), 1),
}


@pytest.mark.parametrize("name", sorted(SUM_AXIS_CASES))
@pytest.mark.parametrize("mean", [False, True])
def test_sum_axis_named_cases(emu, name, mean):
    shape, axis = SUM_AXIS_CASES[name]
    check_sum_axis(emu, shape, axis, mean, seed=5)


@EMU_SETTINGS
@given(shape=st.lists(st.integers(1, 12), min_size=1, max_size=3).map(tuple), data=st.data(),
       mean=st.booleans(), seed=st.integers(0, 2**31))
def test_sum_axis_matches_tensor_sum(emu, shape, data, mean, seed):
    check_sum_axis(emu, shape, data.draw(st.integers(-len(shape), len(shape) - 1)), mean, seed)


# ---- the same named cases on a GPU (nanogan._C and CuPy's NVRTC build) ----------------------------------------

GPU_CASES = {
    "sum_axis": (lambda lib, name: [check_sum_axis(lib, *SUM_AXIS_CASES[name], mean, seed=5)
                                    for mean in (False, True)], SUM_AXIS_CASES),
}


@pytest.mark.gpu
@pytest.mark.parametrize("kind", ["cuda", "cupy"])
@pytest.mark.parametrize("family, name", [(f, n) for f, (_, cases) in GPU_CASES.items() for n in sorted(cases)])
def test_named_cases_on_gpu(kind, family, name):
    check, _ = GPU_CASES[family]
    check(gpu_library(kind), name)
