"""The hand-written CUDA kernels of csrc/, run through the host emulation (nanogan._emu), against references.

Each emulated launch runs every block's threads as real concurrent threads (csrc/emu), inside guarded buffers
(tests/kernel_helpers.py): a missing barrier, an out-of-range read or write, or an output element left unwritten
makes these tests fail. The `gpu`-marked tests run the same cases through nanogan._C and CuPy's NVRTC build,
and skip without a usable CUDA device.
"""
import shutil
import subprocess
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanogan import _kernels as K
from kernel_helpers import (GuardedEmu, conv2d_input_grad_ref, conv2d_ref, conv2d_weight_grad_ref, gpu_library,
                            nvrtc_compile)

# The emulation starts a thread per CUDA thread and meets them at real barriers: keep the examples few.
EMU_SETTINGS = settings(max_examples=60, deadline=None)


@pytest.fixture(scope="module")
def emu():
    return GuardedEmu()  # fails (does not skip) when nanogan._emu is not built: CI builds it


class ConvProblem(NamedTuple):
    x_shape: tuple   # (N, C, H, W) of the convolution's input
    w_shape: tuple   # (K, C, R, S)
    stride: tuple
    padding: tuple
    dilation: tuple
    splits: object   # None (the wrapper's choice) or a split-K count
    seed: int

    def arrays(self):
        rng = np.random.default_rng(self.seed)
        x = rng.standard_normal(self.x_shape).astype(np.float32)
        w = rng.standard_normal(self.w_shape).astype(np.float32)
        out_hw = tuple(K.conv_output_size(n, k, s, p, d) for n, k, s, p, d in
                       zip(self.x_shape[2:], self.w_shape[2:], self.stride, self.padding, self.dilation))
        gy = rng.standard_normal((self.x_shape[0], self.w_shape[0]) + out_hw).astype(np.float32)
        return x, w, gy


@st.composite
def conv_problems(draw, max_channels=6):
    R, S = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    # the smallest input the dilated kernel fits in, padding included
    H = draw(st.integers(max(1, dilation[0] * (R - 1) + 1 - 2 * padding[0]), 13))
    W = draw(st.integers(max(1, dilation[1] * (S - 1) + 1 - 2 * padding[1]), 13))
    N, C, K_ = draw(st.integers(1, 3)), draw(st.integers(1, max_channels)), draw(st.integers(1, max_channels))
    splits = draw(st.sampled_from([None, 1, 2, 3]))
    return ConvProblem((N, C, H, W), (K_, C, R, S), stride, padding, dilation, splits, draw(st.integers(0, 2**31)))


def assert_close(actual, expected, what):
    expected = np.asarray(expected, np.float64)
    scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=2e-5 * scale, err_msg=what)


def channel_bias(p):
    """A bias for the output channels of p's weight (axis 0 of a convolution's, 1 of a transposed one's)."""
    channels = p.w_shape[1] if isinstance(p, TransposeProblem) else p.w_shape[0]
    return np.random.default_rng(p.seed + 1).standard_normal(channels).astype(np.float32)


def check_conv2d(lib, p: ConvProblem, guarded=True, algorithm="auto"):
    """Forward (with a bias, which the kernels add as they store y), input gradient and weight gradient of one
    problem against the float64 oracle. (The forward without a bias runs in every transposed convolution's input
    gradient.)"""
    x, w, gy = p.arrays()
    b = channel_bias(p)
    put = lib.guarded if guarded else lib.xp.asarray
    choice = dict(splits=p.splits, algorithm=algorithm)
    y = K.conv2d(lib, put(x), put(w), p.stride, p.padding, p.dilation, bias=put(b), **choice)
    dx = K.conv2d_input_grad(lib, put(gy), put(w), p.x_shape, p.stride, p.padding, p.dilation, **choice)
    dw = K.conv2d_weight_grad(lib, put(x), put(gy), p.w_shape, p.stride, p.padding, p.dilation, **choice)
    if guarded:
        lib.check_guards()
    to_host = getattr(lib.xp, "asnumpy", np.asarray)
    assert_close(to_host(y), conv2d_ref(x, w, p.stride, p.padding, p.dilation) + b[:, None, None],
                 f"conv2d forward {p}")
    assert_close(to_host(dx), conv2d_input_grad_ref(gy, w, p.x_shape, p.stride, p.padding, p.dilation),
                 f"conv2d input grad {p}")
    assert_close(to_host(dw), conv2d_weight_grad_ref(x, gy, p.w_shape, p.stride, p.padding, p.dilation),
                 f"conv2d weight grad {p}")


# Named cases, also run on the GPU: each one pins a feature of the index math or of the tiling.
CONV_CASES = {
    "stride2_pad2": ConvProblem((2, 3, 11, 9), (4, 3, 3, 3), (2, 2), (2, 2), (1, 1), None, 1),
    "dilation2": ConvProblem((2, 2, 9, 10), (3, 2, 3, 3), (1, 1), (1, 2), (2, 2), 1, 2),
    "single_channel": ConvProblem((3, 1, 7, 7), (1, 1, 4, 4), (2, 2), (1, 1), (1, 1), 1, 3),
    # more rows than one BM=128 tile, columns N*P*Q = 3*81 > BN=128, reduction > 16 BK steps
    "many_channels": ConvProblem((3, 130, 9, 9), (133, 130, 3, 3), (1, 1), (1, 1), (1, 1), None, 4),
    "stride3_taps_skip_phases": ConvProblem((1, 3, 8, 7), (2, 3, 1, 2), (3, 3), (0, 1), (1, 1), 2, 5),
    "asymmetric_everything": ConvProblem((2, 3, 12, 7), (5, 3, 3, 2), (2, 1), (2, 0), (2, 1), 3, 6),
    # C <= DGRAD_DIRECT_MAX_C with the wrapper's choice: the input gradient runs conv2d_dgrad_direct
    "few_channels_direct_dgrad": ConvProblem((2, 2, 9, 10), (3, 2, 3, 3), (2, 3), (1, 2), (2, 1), None, 7),
    "few_channels_rows_without_taps": ConvProblem((2, 4, 8, 7), (70, 4, 1, 2), (3, 3), (0, 1), (1, 1), None, 8),
}


@pytest.mark.parametrize("algorithm", ["auto", "igemm", "igemm_wide"])
@pytest.mark.parametrize("name", sorted(CONV_CASES))
def test_conv2d_named_cases(emu, name, algorithm):
    """Each case with the wrappers' choice, on the implicit GEMM with the tile chosen by its rows (the narrow
    one for at most 64), and on the GEMM in 128-row tiles."""
    check_conv2d(emu, CONV_CASES[name], algorithm=algorithm)


@EMU_SETTINGS
@given(conv_problems())
def test_conv2d_kernels_match_oracle(emu, problem):
    check_conv2d(emu, problem)


# ---- transposed convolution: the same three kernels, roles swapped -------------------------------------------

class TransposeProblem(NamedTuple):
    x_shape: tuple          # (N, Cin, H, W) of the transposed convolution's input
    w_shape: tuple          # (Cin, Cout, R, S)
    stride: tuple
    padding: tuple
    output_padding: tuple
    dilation: tuple
    seed: int

    def out_hw(self):
        return tuple(K.conv_transpose2d_output_size(n, k, s, p, o, d) for n, k, s, p, o, d in
                     zip(self.x_shape[2:], self.w_shape[2:], self.stride, self.padding, self.output_padding,
                         self.dilation))

    def arrays(self):
        rng = np.random.default_rng(self.seed)
        x = rng.standard_normal(self.x_shape).astype(np.float32)
        w = rng.standard_normal(self.w_shape).astype(np.float32)
        gy = rng.standard_normal((self.x_shape[0], self.w_shape[1]) + self.out_hw()).astype(np.float32)
        return x, w, gy


@st.composite
def transpose_problems(draw):
    R, S = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    x_shape = (draw(st.integers(1, 2)), draw(st.integers(1, 5)), draw(st.integers(1, 7)), draw(st.integers(1, 7)))
    problem = TransposeProblem(x_shape, (x_shape[1], draw(st.integers(1, 5)), R, S), stride, padding,
                               output_padding, dilation, draw(st.integers(0, 2**31)))
    if min(problem.out_hw()) < 1:
        padding = (0, 0)  # padding larger than the output: drop it rather than reject the draw
        problem = problem._replace(padding=padding)
    return problem


def transpose_oracle(x, w, out_hw, stride, padding, dilation):
    """y[n, co, i*sh-ph+r*dh, j*sw-pw+s*dw] += x[n,ci,i,j] w[ci,co,r,s]: the definition, scattered directly."""
    x, w = np.asarray(x, np.float64), np.asarray(w, np.float64)
    (N, Ci, H, W), (_, Co, R, S) = x.shape, w.shape
    y = np.zeros((N, Co) + tuple(out_hw))
    for i in range(H):
        for j in range(W):
            for r in range(R):
                for s in range(S):
                    oh, ow = i * stride[0] - padding[0] + r * dilation[0], j * stride[1] - padding[1] + s * dilation[1]
                    if 0 <= oh < out_hw[0] and 0 <= ow < out_hw[1]:
                        y[:, :, oh, ow] += x[:, :, i, j] @ w[:, :, r, s]
    return y


def check_conv_transpose2d(lib, p: TransposeProblem, guarded=True):
    """The forward with a bias against the oracle; the gradients as its adjoints."""
    x, w, gy = p.arrays()
    b = channel_bias(p)
    put = lib.guarded if guarded else lib.xp.asarray
    to_host = getattr(lib.xp, "asnumpy", np.asarray)
    y = to_host(K.conv_transpose2d(lib, put(x), put(w), p.stride, p.padding, p.output_padding, p.dilation,
                                   bias=put(b)))
    dx = to_host(K.conv_transpose2d_input_grad(lib, put(gy), put(w), p.x_shape, p.stride, p.padding, p.dilation))
    dw = to_host(K.conv_transpose2d_weight_grad(lib, put(x), put(gy), p.w_shape, p.stride, p.padding, p.dilation))
    if guarded:
        lib.check_guards()
    y = y - b[:, None, None]
    assert_close(y, transpose_oracle(x, w, p.out_hw(), p.stride, p.padding, p.dilation), f"conv_transpose2d {p}")
    # y is bilinear in (x, w): <y, gy> = <x, dx> = <w, dw> pins both gradients to the forward.
    inner = float(np.vdot(y.astype(np.float64), gy))
    tol = 1e-4 * max(1.0, float(np.abs(y).sum() * np.abs(gy).max()))
    assert abs(float(np.vdot(x.astype(np.float64), dx)) - inner) <= tol, f"input grad is not the adjoint: {p}"
    assert abs(float(np.vdot(w.astype(np.float64), dw)) - inner) <= tol, f"weight grad is not the adjoint: {p}"


TRANSPOSE_CASES = {
    # the DCGAN generator layer: kernel 4, stride 2, padding 1
    "dcgan_up": TransposeProblem((2, 6, 5, 4), (6, 3, 4, 4), (2, 2), (1, 1), (0, 0), (1, 1), 7),
    "output_padding1": TransposeProblem((1, 3, 4, 5), (3, 2, 3, 3), (2, 2), (1, 1), (1, 1), (1, 1), 8),
    "dilation2_stride3": TransposeProblem((2, 2, 3, 4), (2, 4, 3, 2), (3, 2), (2, 0), (2, 1), (2, 2), 9),
    # stride 3 over a 1x2 kernel: output rows h = 1, 2 (mod 3) get no tap, so they are the bias alone
    "stride3_phases_without_taps": TransposeProblem((2, 2, 3, 3), (2, 3, 1, 2), (3, 3), (0, 0), (2, 1), (1, 1), 10),
}


@pytest.mark.parametrize("name", sorted(TRANSPOSE_CASES))
def test_conv_transpose2d_named_cases(emu, name):
    check_conv_transpose2d(emu, TRANSPOSE_CASES[name])


@pytest.mark.parametrize("splits", [1, 3])
@pytest.mark.parametrize("name", ["dcgan_up", "stride3_phases_without_taps"])
def test_conv_transpose2d_bias_with_and_without_split_k(emu, name, splits):
    """Split-K: the blocks of the first split add the bias with their partial sums, also where a stride phase
    has no taps (every split's reduction is empty there); one split adds it as the output is stored."""
    p = TRANSPOSE_CASES[name]
    x, w, _ = p.arrays()
    b = channel_bias(p)
    y = K.conv_transpose2d(emu, emu.guarded(x), emu.guarded(w), p.stride, p.padding, p.output_padding, p.dilation,
                           bias=emu.guarded(b), splits=splits)
    emu.check_guards()
    assert_close(y, transpose_oracle(x, w, p.out_hw(), p.stride, p.padding, p.dilation) + b[:, None, None],
                 f"{name}, splits={splits}")


@settings(max_examples=30, deadline=None)
@given(transpose_problems())
def test_conv_transpose2d_kernels_match_oracle(emu, problem):
    check_conv_transpose2d(emu, problem)


# ---- other references: nanogan's CPU backend and PyTorch -------------------------------------------------------

def cpu_backend_conv():
    """nanogan.backend.cpu's conv2d, conv2d_input_grad, conv2d_weight_grad, or None while it lacks them."""
    try:
        from nanogan.backend import cpu
    except ImportError:
        return None
    for module in (cpu, getattr(cpu, "conv", None)):
        if module is not None and all(hasattr(module, f) for f in ("conv2d", "conv2d_input_grad",
                                                                       "conv2d_weight_grad")):
            return module
    try:
        from nanogan.backend.cpu import conv
        return conv
    except ImportError:
        return None


@pytest.mark.parametrize("name", sorted(CONV_CASES))
def test_conv2d_matches_cpu_backend(emu, name):
    cpu = cpu_backend_conv()
    if cpu is None:
        pytest.skip("nanogan.backend.cpu has no conv2d yet")
    p = CONV_CASES[name]
    x, w, gy = p.arrays()
    y = K.conv2d(emu, emu.guarded(x), emu.guarded(w), p.stride, p.padding, p.dilation)
    dx = K.conv2d_input_grad(emu, emu.guarded(gy), emu.guarded(w), p.x_shape, p.stride, p.padding, p.dilation)
    dw = K.conv2d_weight_grad(emu, emu.guarded(x), emu.guarded(gy), p.w_shape, p.stride, p.padding, p.dilation)
    emu.check_guards()
    x64, w64, gy64 = (a.astype(np.float64) for a in (x, w, gy))
    assert_close(y, cpu.conv2d(x64, w64, p.stride, p.padding, p.dilation), "forward vs nanogan.backend.cpu")
    assert_close(dx, cpu.conv2d_input_grad(gy64, w64, p.x_shape, p.stride, p.padding, p.dilation),
                 "input grad vs nanogan.backend.cpu")
    assert_close(dw, cpu.conv2d_weight_grad(x64, gy64, p.w_shape, p.stride, p.padding, p.dilation),
                 "weight grad vs nanogan.backend.cpu")


@pytest.mark.parametrize("name", sorted(TRANSPOSE_CASES))
def test_conv_transpose2d_matches_torch(emu, name):
    torch = pytest.importorskip("torch")
    p = TRANSPOSE_CASES[name]
    x, w, gy = p.arrays()
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    yt = torch.nn.functional.conv_transpose2d(xt, wt, stride=p.stride, padding=p.padding,
                                              output_padding=p.output_padding, dilation=p.dilation)
    yt.backward(torch.tensor(gy, dtype=torch.float64))
    y = K.conv_transpose2d(emu, emu.guarded(x), emu.guarded(w), p.stride, p.padding, p.output_padding, p.dilation)
    dx = K.conv_transpose2d_input_grad(emu, emu.guarded(gy), emu.guarded(w), p.x_shape, p.stride, p.padding,
                                       p.dilation)
    dw = K.conv_transpose2d_weight_grad(emu, emu.guarded(x), emu.guarded(gy), p.w_shape, p.stride, p.padding,
                                        p.dilation)
    emu.check_guards()
    assert_close(y, yt.detach().numpy(), "conv_transpose2d vs torch")
    assert_close(dx, xt.grad.numpy(), "conv_transpose2d input grad vs torch")
    assert_close(dw, wt.grad.numpy(), "conv_transpose2d weight grad vs torch")


# ---- the elementwise template kernel ----------------------------------------------------------------------

@settings(max_examples=10, deadline=None)
@given(n=st.integers(1, 5000), slope=st.floats(0.0, 1.0), seed=st.integers(0, 2**31))
def test_leaky_relu_matches_numpy(emu, n, slope, seed):
    x = np.random.default_rng(seed).standard_normal(n).astype(np.float32)
    x[: n // 7] = 0.0  # the boundary: leaky_relu(0) = 0 either way
    y = K.leaky_relu(emu, emu.guarded(x), slope)
    emu.check_guards()
    np.testing.assert_array_equal(y, np.where(x > 0, x, np.float32(slope) * x))


# ---- conventions and error reporting -------------------------------------------------------------------

def test_every_kernel_follows_the_signature_conventions():
    signatures, constants, _ = K.kernel_sources()
    broken = {name: str(sig) for name, sig in signatures.items() if isinstance(sig, Exception)}
    assert not broken, broken
    assert {"conv2d_fwd_igemm", "conv2d_dgrad_igemm", "conv2d_wgrad_igemm", "leaky_relu_fwd"} <= set(signatures)
    assert constants["IGEMM_THREADS"] == (constants["IGEMM_BM"] // constants["IGEMM_TM"]) * (
        constants["IGEMM_BN"] // constants["IGEMM_TN"])


def test_launch_checks_arguments(emu):
    x = np.ones(10, np.float32)
    y = np.empty(10, np.float32)
    with pytest.raises(K.KernelLaunchError, match=r"leaky_relu_fwd<<<grid\(1,\), block\(32,\)>>>.*takes 4 arguments"):
        emu.launch("leaky_relu_fwd", 1, 32, x, y, 10)
    with pytest.raises(K.KernelLaunchError, match="float32 array, got float64"):
        emu.launch("leaky_relu_fwd", 1, 32, x.astype(np.float64), y, 10, 0.1)
    y.flags.writeable = False
    with pytest.raises(K.KernelLaunchError, match="written by the kernel, got a read-only array"):
        emu.launch("leaky_relu_fwd", 1, 32, x, y, 10, 0.1)
    with pytest.raises(K.KernelLaunchError, match="C-contiguous"):
        emu.launch("leaky_relu_fwd", 1, 32, np.ones(20, np.float32)[::2], np.empty(10, np.float32), 10, 0.1)
    for not_an_int in (10.0, True):
        with pytest.raises(K.KernelLaunchError, match="parameter int n takes an int, got"):
            emu.launch("leaky_relu_fwd", 1, 32, x, np.empty(10, np.float32), not_an_int, 0.1)
    for too_large in (2**31, np.int64(-2**31 - 1)):
        with pytest.raises(K.KernelLaunchError, match=f"parameter int n = {too_large} does not fit in a 32-bit int"):
            emu.launch("leaky_relu_fwd", 1, 32, x, np.empty(10, np.float32), too_large, 0.1)
    z = np.empty(10, np.float32)
    emu.launch("leaky_relu_fwd", 1, 32, x, z, np.int64(10), np.float64(0.5))  # numpy scalars are converted
    np.testing.assert_array_equal(z, x)
    with pytest.raises(K.KernelLaunchError, match="no kernel named"):
        emu.launch("no_such_kernel", 1, 32)
    with pytest.raises(K.KernelLaunchError, match=r"parameter const float\* x takes a numpy array .* got NoneType"):
        emu.launch("leaky_relu_fwd", 1, 32, None, np.empty(10, np.float32), 10, 0.1)


def test_only_pointers_named_or_null_take_none():
    """The convolutions' forward kernels take a layer's bias or None, batch norm's statistics kernels the running
    statistics or None, Adam's update its bias corrections from the device or None; every other pointer must be an
    array."""
    signatures, _, _ = K.kernel_sources()
    nullable = {(kernel, p.name) for kernel, params in signatures.items() for p in params if p.nullable}
    conv = ("conv2d_fwd_igemm", "conv2d_fwd_igemm_narrow", "conv2d_fwd_direct", "conv2d_dgrad_igemm",
            "conv2d_dgrad_igemm_narrow", "conv2d_dgrad_direct")
    norm = ("batch_norm_stats", "batch_norm_fwd_train")
    assert nullable == {(k, "bias_or_null") for k in conv} | {
        (k, f"running_{stat}_or_null") for k in norm for stat in ("mean", "var")} | {
        ("adam_update", "corrections_or_null")}


def test_bad_launch_shape_names_the_kernel(emu):
    x = np.ones(10, np.float32)
    with pytest.raises(K.KernelLaunchError, match=r"kernel leaky_relu_fwd<<<grid\(1,1,1\), block\(2048,1,1\)>>>"):
        emu.launch("leaky_relu_fwd", 1, 2048, x, np.empty_like(x), 10, 0.1)
    # refused before it reaches the device, which would answer only "invalid argument"
    for grid in [(1, 65536), (1, 1, 65536), [1, 65536]]:
        with pytest.raises(K.KernelLaunchError, match=r"kernel leaky_relu_fwd: grid \(1, (1, )?65536\) has more "
                                                      r"than 65535 blocks along y or z"):
            emu.launch("leaky_relu_fwd", grid, 32, x, np.empty_like(x), 10, 0.1)


def test_wrappers_name_the_op_and_shapes(emu):
    x = np.ones((1, 3, 8, 8), np.float32)
    with pytest.raises(ValueError, match=r"conv2d: the input has 3 channels but the weight \(4, 2, 3, 3\)"):
        K.conv2d(emu, x, np.ones((4, 2, 3, 3), np.float32))
    with pytest.raises(ValueError, match=r"conv2d_input_grad: gy has shape \(1, 4, 5, 5\), expected \(1, 4, 6, 6\)"):
        K.conv2d_input_grad(emu, np.ones((1, 4, 5, 5), np.float32), np.ones((4, 3, 3, 3), np.float32), x.shape)
    with pytest.raises(ValueError, match="conv_transpose2d: output_padding"):
        K.conv_transpose2d(emu, x, np.ones((3, 2, 3, 3), np.float32), stride=2, output_padding=2)
    with pytest.raises(ValueError, match="float32"):
        K.conv2d(emu, x.astype(np.float64), np.ones((4, 3, 3, 3), np.float32))
    with pytest.raises(ValueError, match=r"conv2d: bias has shape \(3,\), expected \(4,\) for an output with 4 "):
        K.conv2d(emu, x, np.ones((4, 3, 3, 3), np.float32), bias=np.ones(3, np.float32))
    with pytest.raises(ValueError, match=r"conv_transpose2d: bias has shape \(3,\), expected \(2,\)"):
        K.conv_transpose2d(emu, x, np.ones((3, 2, 3, 3), np.float32), bias=np.ones(3, np.float32))
    with pytest.raises(ValueError, match=r"conv2d: bias must be a C-contiguous float32 numpy array with 1 dim"):
        K.conv2d(emu, x, np.ones((4, 3, 3, 3), np.float32), bias=np.ones(4, np.float64))


def _recorded_launches(lib, monkeypatch):
    """The names of the kernels lib launches from now on, in order (a list that grows as they launch)."""
    launched, launch = [], lib.launch
    monkeypatch.setattr(lib, "launch", lambda name, *args, **kw: launched.append(name) or launch(name, *args, **kw))
    return launched


def test_few_tap_convolutions_run_the_direct_kernels_and_match_the_oracle(emu, monkeypatch):
    """A one-channel 5x5 stride-2 layer (the WGAN-GP critic's first, the generator's last): with the wrappers'
    choice, all three maps run the direct kernels (more output channels than one K tile, a stride phase per lane
    group); the weight gradient also with several blocks per channel adding into dw."""
    p = ConvProblem((3, 1, 28, 27), (20, 1, 5, 5), (2, 2), (2, 2), (1, 1), None, 9)  # N*P*Q > 3 blocks of threads
    real_launch = emu.launch
    launched = _recorded_launches(emu, monkeypatch)
    check_conv2d(emu, p)
    assert launched == ["conv2d_fwd_direct", "conv2d_dgrad_direct", "conv2d_wgrad_direct"]
    x, w, gy = p.arrays()
    g = K._conv_geometry("conv2d_weight_grad", p.x_shape, p.w_shape, p.stride, p.padding, p.dilation)
    dw = emu.guarded(np.zeros(p.w_shape, np.float32))
    real_launch("conv2d_wgrad_direct", (g.K, 3), emu.constant("WGRAD_DIRECT_THREADS"), emu.guarded(x), emu.guarded(gy),
                dw, *g.args())
    emu.check_guards()
    assert_close(dw, conv2d_weight_grad_ref(x, gy, p.w_shape, p.stride, p.padding, p.dilation), "3 splits")


@pytest.mark.parametrize("algorithm, kernels", [
    ("igemm", ["conv2d_fwd_igemm_narrow", "conv2d_dgrad_igemm_narrow", "conv2d_wgrad_igemm_narrow"]),
    ("igemm_wide", ["conv2d_fwd_igemm", "conv2d_dgrad_igemm", "conv2d_wgrad_igemm"]),
    ("direct", ["conv2d_fwd_direct", "conv2d_dgrad_direct", "conv2d_wgrad_direct"])])
def test_a_forced_algorithm_runs_its_kernels_and_matches_the_oracle(emu, monkeypatch, algorithm, kernels):
    """algorithm= overrides the wrappers' choice, so the benchmarks can time both on a layer with few channels;
    the transposed convolution's wrappers (through which the input gradient runs) pass it on too."""
    p = ConvProblem((2, 3, 9, 8), (5, 3, 3, 3), (2, 1), (1, 1), (1, 1), None, 10)  # direct with "auto"
    launched = _recorded_launches(emu, monkeypatch)
    check_conv2d(emu, p, algorithm=algorithm)
    assert launched == kernels


@pytest.mark.parametrize("out_channels, kernels", [
    (64, ["conv2d_fwd_igemm_narrow", "conv2d_dgrad_igemm_narrow", "conv2d_wgrad_igemm_narrow"]),
    (65, ["conv2d_fwd_igemm", "conv2d_dgrad_igemm_narrow", "conv2d_wgrad_igemm"])])
def test_the_implicit_gemm_takes_the_narrow_tile_up_to_64_rows(emu, monkeypatch, out_channels, kernels):
    """The forward's and weight gradient's GEMM rows are the output channels K, the input gradient's the input
    channels C (64 here): 64 rows fit one narrow tile, 65 take the 128-row one. With 2 splits the blocks add
    their partial tiles into the output."""
    p = ConvProblem((2, 64, 6, 5), (out_channels, 64, 3, 2), (2, 1), (1, 1), (1, 1), 2, 11)
    launched = _recorded_launches(emu, monkeypatch)
    check_conv2d(emu, p)
    assert launched == kernels


def test_a_forced_algorithm_that_cannot_run_says_why(emu):
    x, w = np.ones((1, 8, 6, 6), np.float32), np.ones((2, 8, 3, 3), np.float32)  # C*R*S = 72 taps, C = 8
    with pytest.raises(ValueError, match=r"conv2d: the direct kernel needs C\*R\*S <= 64, which x \(1, 8, 6, 6\)"):
        K.conv2d(emu, x, w, algorithm="direct")
    gy = np.ones((1, 2, 4, 4), np.float32)
    # two taps 65,536 columns apart: too far for the direct kernel's 16-bit tap offsets, so "auto" takes the GEMM
    rng = np.random.default_rng(12)
    x_wide = rng.standard_normal((1, 1, 3, 70_000), np.float32)
    gy_wide = rng.standard_normal((1, 1, 3, 4_464), np.float32)
    with pytest.raises(ValueError, match=r"conv2d_weight_grad: the direct kernel needs C\*R\*S <= 64, dilated "
                                         r"kernel extents below 2\*\*16"):
        K.conv2d_weight_grad(emu, x_wide, gy_wide, (1, 1, 1, 2), dilation=65_536, algorithm="direct")
    assert_close(K.conv2d_weight_grad(emu, x_wide, gy_wide, (1, 1, 1, 2), dilation=65_536),
                 conv2d_weight_grad_ref(x_wide, gy_wide, (1, 1, 1, 2), (1, 1), (0, 0), (65_536, 65_536)), "wide taps")
    with pytest.raises(ValueError, match=r"conv2d_input_grad: the direct kernel needs C <= 4"):
        K.conv2d_input_grad(emu, gy, w, x.shape, algorithm="direct")
    with pytest.raises(ValueError, match="conv2d_weight_grad: splits=2 splits the implicit GEMM"):
        K.conv2d_weight_grad(emu, x, gy, w.shape, splits=2, algorithm="direct")
    with pytest.raises(ValueError, match=r"conv2d: algorithm must be one of "
                                         r"\('auto', 'benchmark', 'direct', 'igemm', 'igemm_wide'\), got 'cudnn'"):
        K.conv2d(emu, x, w, algorithm="cudnn")


def _timed_by_kernel(lib, monkeypatch, ms_by_kernel):
    """Makes lib.elapsed_ms report ms_by_kernel[name] for a call that launches kernel `name`. Returns the names of
    the kernels lib launches from now on and of those it timed."""
    launched, timed = _recorded_launches(lib, monkeypatch), []

    def elapsed_ms(fn, repeats):
        fn()
        timed.append(launched[-1])
        return ms_by_kernel[launched[-1]]
    monkeypatch.setattr(lib, "elapsed_ms", elapsed_ms)
    return launched, timed


def test_benchmark_runs_the_kernel_that_timed_fastest_and_remembers_it(monkeypatch):
    """algorithm="benchmark" times every kernel that can run the pass (the direct one where it fits, the GEMM's
    two tiles with split-K and without), once per geometry, and runs the fastest from then on."""
    emu = GuardedEmu()  # nothing remembered yet
    p = ConvProblem((2, 3, 9, 8), (5, 3, 3, 3), (2, 1), (1, 1), (1, 1), None, 10)  # "auto" runs the direct kernel
    x, w, _ = p.arrays()
    launched, timed = _timed_by_kernel(emu, monkeypatch, {"conv2d_fwd_direct": 3.0, "conv2d_fwd_igemm_narrow": 2.0,
                                                          "conv2d_fwd_igemm": 1.0})
    first = K.conv2d(emu, x, w, p.stride, p.padding, p.dilation, algorithm="benchmark")
    assert timed == ["conv2d_fwd_direct"] + 2 * ["conv2d_fwd_igemm_narrow"] + 2 * ["conv2d_fwd_igemm"]
    assert list(emu.fastest_kernels.values()) == [("igemm_wide", None)]
    launched.clear()
    again = K.conv2d(emu, x, w, p.stride, p.padding, p.dilation, algorithm="benchmark")
    assert launched == ["conv2d_fwd_igemm"] and len(timed) == 5  # remembered: nothing timed again
    expected = conv2d_ref(x, w, p.stride, p.padding, p.dilation)
    assert_close(first, expected, "the first call's result")
    assert_close(again, expected, "a remembered choice's result")


def test_benchmark_keeps_the_callers_splits_and_times_nothing_while_a_graph_records(monkeypatch):
    emu = GuardedEmu()
    p = ConvProblem((2, 3, 9, 8), (5, 3, 3, 3), (2, 1), (1, 1), (1, 1), None, 10)
    x, w, gy = p.arrays()
    launched, timed = _timed_by_kernel(emu, monkeypatch, {"conv2d_wgrad_igemm_narrow": 2.0, "conv2d_wgrad_igemm": 1.0})
    dw = K.conv2d_weight_grad(emu, x, gy, p.w_shape, p.stride, p.padding, p.dilation, splits=2, algorithm="benchmark")
    assert timed == ["conv2d_wgrad_igemm_narrow", "conv2d_wgrad_igemm"]  # the direct kernel takes no splits
    assert list(emu.fastest_kernels.values()) == [("igemm_wide", 2)]
    assert_close(dw, conv2d_weight_grad_ref(x, gy, p.w_shape, p.stride, p.padding, p.dilation), "split in 2")
    monkeypatch.setattr(emu, "capturing", lambda: True)
    launched.clear()
    dx = K.conv2d_input_grad(emu, gy, w, p.x_shape, p.stride, p.padding, p.dilation, algorithm="benchmark")
    assert launched == ["conv2d_dgrad_direct"] and len(timed) == 2  # "auto"'s choice, untimed, not remembered
    assert len(emu.fastest_kernels) == 1
    assert_close(dx, conv2d_input_grad_ref(gy, w, p.x_shape, p.stride, p.padding, p.dilation), "while recording")


def test_remembered_geometries_give_the_same_answers_and_errors(emu):
    """The wrappers memoise their geometry checks: a list argument reads as the tuple, an int64 size as the int,
    and a bad geometry raises on every call, not only the first."""
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((2, 3, 7, 7), dtype=np.float32), rng.standard_normal((4, 3, 3, 3), dtype=np.float32)
    expected = K.conv2d(emu, x, w, (2, 1), (1, 0))
    np.testing.assert_array_equal(K.conv2d(emu, x, w, [2, 1], [1, 0]), expected)
    np.testing.assert_array_equal(K.conv2d(emu, x, w, (np.int64(2), 1), (1, np.int64(0))), expected)
    for _ in range(2):
        with pytest.raises(ValueError, match=r"conv2d: stride must be an int or a pair of ints >= 1, got \(0, 1\)"):
            K.conv2d(emu, x, w, [0, 1])


# ---- the emulation's own model: divergence, deadlock, warp intrinsics (csrc/emu/selftest.cpp) --------------

def test_emulation_selftest(tmp_path):
    """Compiles and runs csrc/emu/selftest.cpp: the emulated model catches what real hardware would punish."""
    compiler = shutil.which("g++")
    if compiler is None:
        pytest.skip("g++ not found")
    csrc = K.CSRC
    binary = tmp_path / "selftest"
    subprocess.run([compiler, "-std=c++20", "-O1", "-pthread", "-DNANOGAN_EMU", f"-I{csrc}",
                    str(csrc / "emu" / "selftest.cpp"), "-o", str(binary)], check=True)
    result = subprocess.run([str(binary)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


# ---- NVRTC (what CuPy compiles) accepts every kernel source ---------------------------------------------

def test_kernels_compile_with_nvrtc():
    """CuPy's RawModule compiles csrc/ with NVRTC, which has no host headers: compile the very same program.
    .ci/kernels.sh runs this with NVRTC installed; elsewhere it skips without libnvrtc."""
    code, options = K.nvrtc_program()
    nvrtc_compile(code, options)


# ---- the same cases on a GPU ------------------------------------------------------------------------

@pytest.mark.gpu
@pytest.mark.parametrize("kind", ["cuda", "cupy"])
@pytest.mark.parametrize("algorithm", ["auto", "benchmark", "igemm", "igemm_wide"])
@pytest.mark.parametrize("name", sorted(CONV_CASES))
def test_conv2d_on_gpu(kind, name, algorithm):
    check_conv2d(gpu_library(kind), CONV_CASES[name], guarded=False, algorithm=algorithm)


@pytest.mark.gpu
@pytest.mark.parametrize("kind", ["cuda", "cupy"])
@pytest.mark.parametrize("name", sorted(TRANSPOSE_CASES))
def test_conv_transpose2d_on_gpu(kind, name):
    check_conv_transpose2d(gpu_library(kind), TRANSPOSE_CASES[name], guarded=False)


@pytest.mark.gpu
@pytest.mark.parametrize("kind", ["cuda", "cupy"])
@settings(max_examples=40, deadline=None)
@given(problem=conv_problems(max_channels=40))
def test_conv2d_on_gpu_matches_oracle(kind, problem):
    check_conv2d(gpu_library(kind), problem, guarded=False)


@pytest.mark.gpu
@pytest.mark.parametrize("kind", ["cuda", "cupy"])
def test_leaky_relu_on_gpu(kind):
    lib = gpu_library(kind)
    x = np.random.default_rng(0).standard_normal(100_003).astype(np.float32)
    y = lib.xp.asnumpy(K.leaky_relu(lib, lib.xp.asarray(x), 0.2))
    np.testing.assert_array_equal(y, np.where(x > 0, x, np.float32(0.2) * x))


class _DeviceArrayOfAnotherLibrary:
    """A device array as PyTorch or Numba hands one over: nothing but its __cuda_array_interface__ (here over the
    memory of a CuPy array, which it keeps alive)."""

    def __init__(self, array):
        self.array = array
        self.__cuda_array_interface__ = {"shape": array.shape, "typestr": "<f4", "data": (array.data.ptr, False),
                                         "strides": None, "version": 3}


@pytest.mark.gpu
@pytest.mark.parametrize("kind", ["cuda", "cupy"])
def test_a_launch_takes_another_librarys_device_arrays(kind):
    """CuPy's RawKernel takes only CuPy's own types: such an array was handed to it as it was, and refused."""
    lib = gpu_library(kind)
    x = np.random.default_rng(1).standard_normal(1000).astype(np.float32)
    x_device, y_device = lib.xp.asarray(x), lib.xp.zeros(x.size, dtype=np.float32)
    lib.launch("leaky_relu_fwd", K.elementwise_grid(lib, x.size), lib.constant("ELEMENTWISE_THREADS"),
               _DeviceArrayOfAnotherLibrary(x_device), _DeviceArrayOfAnotherLibrary(y_device), x.size, 0.2)
    np.testing.assert_array_equal(lib.xp.asnumpy(y_device), np.where(x > 0, x, np.float32(0.2) * x))


class _StreamBeingCaptured:
    """A stream recording a CUDA graph, as far as a launch can tell: waiting on it is an error."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def is_capturing(self):
        return True

    def synchronize(self):
        raise RuntimeError("cudaErrorStreamCaptureUnsupported: a capturing stream cannot be synchronised")


@pytest.mark.gpu
def test_synchronised_launches_do_not_wait_on_a_stream_being_captured(monkeypatch):
    """NANOGAN_SYNC_LAUNCHES waits after every launch; inside a graph capture that wait made every capture fail."""
    lib = gpu_library("cupy")
    monkeypatch.setattr(lib, "sync_launches", True)
    x = lib.xp.asarray(np.ones(8, np.float32))
    y = lib.xp.empty_like(x)
    lib.launch("leaky_relu_fwd", 1, lib.constant("ELEMENTWISE_THREADS"), x, y, 8, 0.2,
               stream=_StreamBeingCaptured())
    with pytest.raises(K.KernelLaunchError, match="cudaErrorStreamCaptureUnsupported"):
        monkeypatch.setattr(_StreamBeingCaptured, "is_capturing", lambda self: False)
        lib.launch("leaky_relu_fwd", 1, lib.constant("ELEMENTWISE_THREADS"), x, y, 8, 0.2,
                   stream=_StreamBeingCaptured())
