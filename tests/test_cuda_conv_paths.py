"""Every convolution path of the CUDA backend, driven through the ops at the edges of its selection rule.

nanogan/backend/cuda/conv.py sends a float32 convolution pass (forward, input gradient, weight gradient; a transposed
convolution's are the same three with their roles swapped) to one of:
  - cuBLAS, where the window is the whole image (backend/whole_window.py);
  - a direct kernel, where the layer has few channels: conv2d_fwd_direct and conv2d_wgrad_direct for
    C*R*S <= 64 taps, conv2d_dgrad_direct for C <= 4 (C: the channels of the convolution's input);
  - the implicit GEMM (nanogan/_kernels.py), in 64-row tiles (`_narrow`) where its output has at most 64 rows
    (channels), else in 128-row tiles, split over its reduction where the device would otherwise idle;
and every other dtype to array code. tests/test_kernels_emu.py checks each kernel through its wrapper; here each
case reaches its kernels the way a model does (ops, autograd, conv.py's choice, the fake CuPy's 132 SMs or a real
device), pinned by the kernels it must launch, with the CPU backend's forward, first and second derivatives as the
reference (the second derivatives run the three maps again, with a transposed convolution's gradient cropped where
its output_padding reaches past the stride). The shapes sit on the selection thresholds (64 taps / 65 taps,
4 / 5 channels, 64 / 65 / 129 rows), with channel counts that fill no tile, batches of 1 and 3, tiny and odd images,
strides, paddings and dilations that leave stride phases without taps, and non-contiguous inputs.

The rest of the file checks, without a device, two problems the wrappers of nanogan/_kernels.py refuse before they
allocate or launch (the audit that wrote this file found them unchecked).
"""
import numpy as np
import pytest

import nanogan.nn.functional as F
from harness import on_gpu
from nanogan import _kernels
from test_cuda_backend import agree_with_the_cpu

DIRECT = {"conv2d_fwd_direct", "conv2d_dgrad_direct", "conv2d_wgrad_direct"}
NARROW = {"conv2d_fwd_igemm_narrow", "conv2d_dgrad_igemm_narrow", "conv2d_wgrad_igemm_narrow"}


def _view(layout):
    """The input as the op sees it: contiguous, a transposed view (the array holds it with H and W swapped), or
    every other column of a wider array."""
    return {"contiguous": lambda x: x, "transposed": lambda x: x.transpose(2, 3),
            "sliced": lambda x: x[..., ::2]}[layout]


def _stored_shape(shape, layout):
    n, c, h, w = shape
    return {"contiguous": shape, "transposed": (n, c, w, h), "sliced": (n, c, h, 2 * w)}[layout]


def _conv2d(x_shape, w_shape, layout="contiguous", **geometry):
    view = _view(layout)
    return (lambda x, w, b: F.conv2d(view(x), w, b, **geometry),
            [_stored_shape(x_shape, layout), w_shape, (w_shape[0],)])


def _conv_transpose2d(x_shape, w_shape, layout="contiguous", **geometry):
    view = _view(layout)
    return (lambda x, w, b: F.conv_transpose2d(view(x), w, b, **geometry),
            [_stored_shape(x_shape, layout), w_shape, (w_shape[1],)])


# name: ((fn, input shapes), the kernels its forward, first and second derivatives must launch among others)
CASES = {
    # 4 channels x 4x4 = 64 taps, the most the direct kernels take; 17 output channels: two K tiles of 16, the
    # second ragged
    "64 taps, C=4: direct kernels": (
        _conv2d((3, 4, 7, 5), (17, 4, 4, 4), padding=2), DIRECT),
    # 65 taps: the GEMM; 65 input channels: the input gradient's 65 rows take the 128-row tile, in 4 stride
    # phases, 3 of which have rows of the 3x3 image and no tap of the 1x1 kernel
    "65 taps, C=65: implicit GEMM, 128-row input gradient": (
        _conv2d((2, 65, 3, 3), (3, 65, 1, 1), "transposed", stride=2),
        {"conv2d_fwd_igemm_narrow", "conv2d_dgrad_igemm", "conv2d_wgrad_igemm_narrow"}),
    # C=5: one past the direct input gradient; 5x4x4 = 80 taps; 64 output channels fill one narrow tile exactly
    "C=5, K=64: narrow tiles": (
        _conv2d((1, 5, 7, 5), (64, 5, 4, 4), "sliced", stride=(2, 3), padding=(2, 1), dilation=(2, 1)), NARROW),
    # 129 output channels: two 128-row tiles, the second one row; 297 taps: the forward split over C*R*S (with
    # the bias added by the first split); the input gradient's 4 stride phases, split over K*taps
    "K=129: wide tiles, split-K with a bias": (
        _conv2d((1, 33, 7, 5), (129, 33, 3, 3), stride=2, padding=1),
        {"conv2d_fwd_igemm", "conv2d_dgrad_igemm_narrow", "conv2d_wgrad_igemm"}),
    # 3*11*10 = 330 output positions: the weight gradient split over N*P*Q
    "weight gradient split over N*P*Q": (
        _conv2d((3, 17, 11, 9), (5, 17, 2, 2), padding=1), NARROW),
    # a generator's last layer: one output channel, every pass direct; 2*17*17 positions: the weight gradient's
    # blocks split them and add into dw
    "transposed, 1 output channel: direct kernels, split weight gradient": (
        _conv_transpose2d((2, 8, 17, 17), (8, 1, 4, 4), stride=2, padding=1), DIRECT),
    # dilation 3 > stride 2: output_padding 2 reaches past the stride, and the second derivatives crop the
    # transposed convolution's gradient; 5 output channels: the phase GEMM rather than the direct kernel
    "transposed, output_padding past the stride": (
        _conv_transpose2d((2, 6, 3, 4), (6, 5, 3, 5), "transposed", stride=(2, 1), padding=(1, 0),
                          output_padding=(2, 1), dilation=(3, 2)), NARROW),
    # stride 3 over a 1x2 kernel: output rows 1, 2 (mod 3) receive no tap and are the bias alone; 33 output
    # channels x 1x2 = 66 taps for the input and weight gradients
    "transposed, stride phases without taps": (
        _conv_transpose2d((1, 6, 3, 3), (6, 33, 1, 2), stride=3, output_padding=(2, 1)), NARROW),
    # one image (C, H, W) of 2x3 pixels, a 3x3 kernel wider than the image, padding 2
    "unbatched 2x3 image": (
        (lambda x, w, b: F.conv2d(x, w, b, padding=2, dilation=(1, 2)), [(3, 2, 3), (5, 3, 3, 2), (5,)]), DIRECT),
    # 9x9 average pooling: an all-ones 81-tap window over single-channel planes, on the GEMM; 9x nearest
    # upsampling: its gradient sums 81-pixel blocks, the same GEMM
    "9x9 average pooling and 9x nearest upsampling": (
        (lambda x: F.avg_pool2d(x, 9, 2, 4, ceil_mode=True)
         * F.interpolate(x[:, :, :2, :3], scale_factor=9)[..., ::9, ::9].mean(), [(2, 3, 9, 10)]),
        {"conv2d_fwd_igemm_narrow", "conv2d_dgrad_direct"}),
}

# the window is the whole image: cuBLAS, none of nanogan's convolution kernels; a batch of one, one channel in and
# out make the matrices single rows and columns, where cuBLAS's leading dimensions have their edge cases
WHOLE_WINDOW = {
    "whole window, all sizes one": _conv2d((1, 1, 3, 2), (1, 1, 3, 2), stride=2),
    "whole window transposed, one pixel to 3x2": _conv_transpose2d((1, 1, 1, 1), (1, 1, 3, 2), stride=3),
    "whole window, strided view": _conv2d((3, 2, 4, 1), (5, 2, 4, 1), "sliced"),
    "global average pooling": ((lambda x: F.avg_pool2d(x, (5, 3)), [(3, 2, 5, 3)])),
}


def _random_inputs(shapes, dtype=np.float32):
    rng = np.random.default_rng(len(shapes))
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


@pytest.fixture
def launched(monkeypatch):
    """The names of the kernels the CUDA backend launches from now on."""
    from nanogan.backend.cuda._dispatch import kernel_library
    library, names = kernel_library(), []
    launch = library.launch
    monkeypatch.setattr(library, "launch", lambda name, *args, **kw: names.append(name) or launch(name, *args, **kw))
    return names


def _check_against_cpu(case, fn, shapes, dtype=np.float32):
    agree_with_the_cpu(case, fn, _random_inputs(shapes, dtype))


@on_gpu
@pytest.mark.parametrize("case", sorted(CASES))
def test_each_kernel_path_agrees_with_the_cpu(case, launched):
    (fn, shapes), kernels = CASES[case]
    _check_against_cpu(case, fn, shapes)
    assert kernels <= set(launched), f"{case}: expected {sorted(kernels)} among {sorted(set(launched))}"


@on_gpu
@pytest.mark.parametrize("case", sorted(WHOLE_WINDOW))
def test_whole_window_paths_run_no_convolution_kernel(case, launched):
    fn, shapes = WHOLE_WINDOW[case]
    _check_against_cpu(case, fn, shapes)
    assert not [name for name in launched if name.startswith("conv2d")], f"{case}: launched {launched}"


@on_gpu
@pytest.mark.parametrize("case", ["K=129: wide tiles, split-K with a bias", "transposed, output_padding past "
                                  "the stride", "whole window transposed, one pixel to 3x2"])
def test_float64_runs_the_array_code_and_agrees_with_the_cpu(case, launched):
    fn, shapes = CASES[case][0] if case in CASES else WHOLE_WINDOW[case]
    _check_against_cpu(case, fn, shapes, np.float64)
    assert launched == []


# ---- what the wrappers must refuse before they allocate or launch (no device needed) ---------------------------

class _RefusingToAllocate(_kernels.EmuLibrary):
    """The emulated library, whose allocations fail the test: a wrapper must refuse these problems before it
    allocates their outputs (gigabytes) or launches a kernel on them."""

    class xp:
        ndarray = np.ndarray
        __name__ = "numpy"

        @staticmethod
        def empty(shape, dtype=np.float32):
            raise AssertionError(f"allocated an output of shape {shape}")

        zeros = empty


def test_a_transposed_convolution_output_past_32_bit_indexing_is_refused():
    """x (1, 1, 1024, 1024) to 2049 channels: y has 2049 * 2**20 > 2**31 - 1 elements, whose offsets the kernels'
    int arithmetic wraps (m * H * W for m >= 2048), writing outside y; x and w are small."""
    x, w = np.ones((1, 1, 1024, 1024), np.float32), np.ones((1, 2049, 1, 1), np.float32)
    with pytest.raises(ValueError, match=r"conv_transpose2d: .*\(1, 2049, 1024, 1024\).*2\*\*31-1"):
        _kernels.conv_transpose2d(_RefusingToAllocate(), x, w)


def test_an_input_gradient_with_more_stride_phases_than_grid_z_is_refused_by_name():
    """Stride (256, 256): 65,536 stride phases, one z-block each, one more than a launch can have: the input
    gradient must name the op and the geometry, not fail as a launch."""
    gy, w = np.ones((1, 2, 1, 1), np.float32), np.ones((2, 8, 1, 1), np.float32)
    with pytest.raises(ValueError, match=r"conv2d_input_grad: .*stride \(256, 256\)"):
        _kernels.conv2d_input_grad(_kernels.load("emu"), gy, w, (1, 8, 256, 256), stride=256)


def test_a_weight_gradient_with_positions_near_32_bits_leaves_the_direct_kernel():
    """conv2d_wgrad_direct steps its int position index past the last position by up to 65535 blocks of threads:
    with 46,340² positions (one image, one channel; x is a pixel padded out) the step wrapped past 2**31 - 1.
    There the direct kernel does not fit: forced, it is refused by name (and "auto" takes the implicit GEMM)."""
    g = _kernels._ConvGeometry(1, 1, 1, 1, 1, 1, 1, 46340, 46340, (1, 1), (23170, 23170), (1, 1))
    with pytest.raises(ValueError, match=r"conv2d_weight_grad: the direct kernel needs .* at most 2139095167 output "
                                         r"positions"):
        _kernels._run_conv_wgrad("conv2d_weight_grad", _RefusingToAllocate(), None, None, g, None, "direct")
