"""max_pool2d, avg_pool2d, adaptive_avg_pool2d, adaptive_max_pool2d, interpolate (nearest, nearest-exact, area,
bilinear, bicubic; plain and antialiased) and pad: worked numbers, finite-difference checks of first and second derivatives over drawn
geometries, PyTorch, and bad input."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import nanogan as ng
from nanogan.ops.pad import pad
from nanogan.ops.pool import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, interpolate, max_pool2d
from harness import check_op, compare_with_torch, refused_as_by_torch
from test_conv import EXAMPLE_INPUT, _forward_backward_double_backward, t


def pooled_size(n, k, s, p, d, ceil_mode):
    """PyTorch's rule: floor or ceil of (n + 2p - d(k-1) - 1)/s, plus one; with ceil_mode the last window
    must start inside the input or its left padding."""
    span = n + 2 * p - d * (k - 1) - 1
    out = -(-span // s) + 1 if ceil_mode else span // s + 1
    return out - 1 if ceil_mode and (out - 1) * s >= n + p else out


def window_values(x, kernel, stride, padding, dilation, ceil_mode, fill):
    """(taps, N, C, OH, OW): every window's values, x padded with `fill` on all sides (and past the far
    side as far as ceil_mode's last window reaches)."""
    out = [pooled_size(n, k, s, p, d, ceil_mode)
           for n, k, s, p, d in zip(x.shape[2:], kernel, stride, padding, dilation)]
    far = [max(p, (o - 1) * s + d * (k - 1) + 1 - n - p)
           for o, s, d, k, n, p in zip(out, stride, dilation, kernel, x.shape[2:], padding)]
    padded = np.pad(x, ((0, 0), (0, 0), (padding[0], far[0]), (padding[1], far[1])), constant_values=fill)
    return np.stack([padded[:, :, a * dilation[0]:a * dilation[0] + stride[0] * (out[0] - 1) + 1:stride[0],
                            b * dilation[1]:b * dilation[1] + stride[1] * (out[1] - 1) + 1:stride[1]]
                     for a in range(kernel[0]) for b in range(kernel[1])])


def reference_max_pool2d(x, kernel, stride, padding, dilation=(1, 1), ceil_mode=False):
    return window_values(x, kernel, stride, padding, dilation, ceil_mode, -np.inf).max(axis=0)


def reference_avg_pool2d(x, kernel, stride, padding, ceil_mode=False, count_include_pad=True):
    """Window sums over zero padding, divided by the same window sums of a mask: ones on the input and,
    with count_include_pad, on its padding (not past it, where a ceil_mode window may reach)."""
    sums = window_values(x, kernel, stride, padding, (1, 1), ceil_mode, 0.0).sum(axis=0)
    ones = np.ones((1, 1) + x.shape[2:])
    if count_include_pad:
        ones = np.pad(ones, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2), constant_values=1.0)
        counts = window_values(ones, kernel, stride, (0, 0), (1, 1), ceil_mode, 0.0).sum(axis=0)
    else:
        counts = window_values(ones, kernel, stride, padding, (1, 1), ceil_mode, 0.0).sum(axis=0)
    return sums / counts[..., :sums.shape[2], :sums.shape[3]]


# ---- worked numbers -----------------------------------------------------------------------------------------

def test_worked_example_two_by_two_pooling_and_upsampling():
    x = t(EXAMPLE_INPUT[None, None])
    np.testing.assert_array_equal(max_pool2d(x, 2).numpy()[0, 0], [[8, 8], [6, 8]])
    np.testing.assert_array_equal(avg_pool2d(x, 2).numpy()[0, 0], [[4.5, 7.75], [5, 6.25]])
    y, indices = max_pool2d(x, 2, return_indices=True)
    np.testing.assert_array_equal(indices.numpy()[0, 0], [[5, 2], [9, 15]])  # first maximum, flat in the 4x4 plane
    np.testing.assert_array_equal(interpolate(t([[[[1, 2], [3, 4]]]]), scale_factor=2).numpy()[0, 0],
                                  [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])
    np.testing.assert_array_equal(pad(t([[1, 2, 3]]), (2, 1), mode="reflect").numpy(), [[3, 2, 1, 2, 3, 2]])


def test_worked_example_adaptive_bins_and_bilinear_source_coordinates():
    # 5 inputs into 3 bins: [floor(i·5/3), ceil((i+1)·5/3)) = [0, 2), [1, 4), [3, 5), overlapping
    x = t(np.arange(5.0).reshape(1, 1, 1, 5))
    np.testing.assert_allclose(adaptive_avg_pool2d(x, (1, 3)).numpy()[0, 0, 0], [0.5, 2, 3.5])
    # the maxima of [0, 4], [4, 1, 3], [3, 2]: the 4 is two bins' maximum and takes both their gradients
    x = t([[[[0.0, 4.0, 1.0, 3.0, 2.0]]]]).requires_grad_()
    y, indices = adaptive_max_pool2d(x, (1, 3), return_indices=True)
    np.testing.assert_array_equal(y.numpy()[0, 0, 0], [4, 4, 3])
    np.testing.assert_array_equal(indices.numpy()[0, 0, 0], [1, 1, 3])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, 0, 0], [0, 2, 0, 1, 0])
    # [0, 1] to 4 columns: sources (i + 1/2)·(2/4) - 1/2 = -1/4 (clamped to 0), 1/4, 3/4, 5/4 (past the last input);
    # with align_corners i·(2-1)/(4-1)
    x = t([[[[0.0, 1.0]]]])
    np.testing.assert_allclose(interpolate(x, size=(1, 4), mode="bilinear").numpy()[0, 0, 0], [0, 0.25, 0.75, 1])
    np.testing.assert_allclose(interpolate(x, size=(1, 4), mode="bilinear", align_corners=True).numpy()[0, 0, 0],
                               [0, 1 / 3, 2 / 3, 1])


def test_worked_example_bicubic_weights_and_antialiasing():
    # [0, 0, 1, 0, 0] to 9 with align_corners: s = i/2. On a whole s the output is that input; halfway the four
    # nearest weigh K(3/2), K(1/2), K(1/2), K(3/2) = -3/32, 19/32, 19/32, -3/32 (a = -0.75): the 1 spreads to 19/32
    # beside it and rings below zero one input further
    x = t([[[[0.0, 0, 1, 0, 0]]]])
    np.testing.assert_allclose(interpolate(x, size=(1, 9), mode="bicubic", align_corners=True).numpy()[0, 0, 0],
                               [0, -3 / 32, 0, 19 / 32, 1, 19 / 32, 0, -3 / 32, 0])
    # 8 inputs to 2 (scale 4): without antialias output 0 reads inputs 1 and 2 (s = 3/2) and misses the 1 at input 0.
    # With it, the triangle stretched 4 times about c = 2 covers inputs 0..5, weighing 1 - |j + 1/2 - 2|/4 = 5/8, 7/8,
    # 7/8, 5/8, 3/8, 1/8 (sum 7/2), so input 0 counts 5/28
    x = t([[[[1.0, 0, 0, 0, 0, 0, 0, 0]]]])
    np.testing.assert_array_equal(interpolate(x, size=(1, 2), mode="bilinear").numpy()[0, 0, 0], [0, 0])
    np.testing.assert_allclose(interpolate(x, size=(1, 2), mode="bilinear", antialias=True).numpy()[0, 0, 0],
                               [5 / 28, 0])


def test_max_pool_gradient_goes_to_the_first_maximum_and_accumulates_over_overlaps():
    x = t([[[[1, 5, 5], [0, 2, 1], [5, 0, 3]]]]).requires_grad_()
    y = max_pool2d(x, 2, stride=1)  # windows [[1,5],[0,2]], [[5,5],[2,1]], [[0,2],[5,0]], [[2,1],[0,3]]
    np.testing.assert_array_equal(y.numpy()[0, 0], [[5, 5], [5, 3]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[0, 2, 0], [0, 0, 0], [1, 0, 1]])


def test_an_empty_batch_gives_empty_outputs_and_gradients():
    x = ng.zeros(0, 3, 8, 8, requires_grad=True)
    for y, shape in [(max_pool2d(x, 2), (0, 3, 4, 4)), (avg_pool2d(x, 3, 2, 1), (0, 3, 4, 4)),
                     (interpolate(x, scale_factor=2), (0, 3, 16, 16)), (interpolate(x, size=(5, 3)), (0, 3, 5, 3)),
                     (interpolate(x, size=(5, 3), mode="bilinear"), (0, 3, 5, 3)),
                     (interpolate(x, size=(5, 3), mode="bicubic"), (0, 3, 5, 3)),
                     (interpolate(x, size=(5, 3), mode="bicubic", antialias=True), (0, 3, 5, 3)),
                     (adaptive_avg_pool2d(x, 3), (0, 3, 3, 3)), (adaptive_max_pool2d(x, 2), (0, 3, 2, 2)),
                     (adaptive_max_pool2d(x, 3), (0, 3, 3, 3))]:
        assert y.shape == shape
        y.sum().backward()
        assert x.grad.shape == x.shape


# ---- drawn geometries ---------------------------------------------------------------------------------------

@st.composite
def windows(draw, with_dilation):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if with_dilation else (1, 1)
    size = tuple(max(d, d * (k - 1) + 1 - 2 * p) + draw(st.integers(0, 3))  # at least d: no window all padding
                 for k, p, d in zip(kernel, padding, dilation))
    shape = (draw(st.integers(1, 2)), draw(st.sampled_from([1, 3]))) + size
    return dict(shape=shape, kernel=kernel, stride=stride, padding=padding, dilation=dilation,
                ceil_mode=draw(st.booleans()))


@given(windows(with_dilation=True), st.integers(0, 2 ** 31 - 1))
def test_max_pool2d_matches_reference_and_finite_differences(g, seed):
    # distinct values (a permutation, spaced 0.1 apart) keep finite differences away from ties
    rng = np.random.default_rng(seed)
    x = rng.permutation(int(np.prod(g["shape"]))).reshape(g["shape"]) * 0.1
    geometry = dict(kernel_size=g["kernel"], stride=g["stride"], padding=g["padding"], dilation=g["dilation"],
                    ceil_mode=g["ceil_mode"])
    expected = reference_max_pool2d(x, g["kernel"], g["stride"], g["padding"], g["dilation"], g["ceil_mode"])
    check_op(lambda x: max_pool2d(x, **geometry), [x], expected=expected)


@given(windows(with_dilation=False), st.booleans(), st.integers(0, 2 ** 31 - 1))
def test_avg_pool2d_matches_reference_and_finite_differences(g, count_include_pad, seed):
    x = np.random.default_rng(seed).standard_normal(g["shape"])
    geometry = dict(kernel_size=g["kernel"], stride=g["stride"], padding=g["padding"], ceil_mode=g["ceil_mode"],
                    count_include_pad=count_include_pad)
    expected = reference_avg_pool2d(x, g["kernel"], g["stride"], g["padding"], g["ceil_mode"], count_include_pad)
    check_op(lambda x: avg_pool2d(x, **geometry), [x], expected=expected)


@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 4), st.integers(0, 2 ** 31 - 1))
def test_nearest_upsampling_matches_repeat_and_finite_differences(kh, kw, height, width, seed):
    x = np.random.default_rng(seed).standard_normal((2, 2, height, width))
    expected = np.repeat(np.repeat(x, kh, axis=2), kw, axis=3)
    check_op(lambda x: interpolate(x, scale_factor=(kh, kw)), [x], expected=expected)
    check_op(lambda x: interpolate(x, size=(kh * height, kw * width)), [x], expected=expected, second_order=False)


def test_nearest_resizing_to_other_sizes_has_finite_difference_gradients():
    x = np.random.default_rng(0).standard_normal((1, 2, 5, 4))
    check_op(lambda x: interpolate(x, size=(3, 7)), [x])
    check_op(lambda x: interpolate(x, scale_factor=0.5), [x], expected=x[:, :, :4:2, ::2])  # floor(5 · 0.5) rows


@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 4), st.integers(1, 4), st.booleans(),
       st.integers(0, 2 ** 31 - 1))
def test_adaptive_pooling_and_bilinear_resizing_have_finite_difference_gradients(height, width, out_h, out_w,
                                                                                 align_corners, seed):
    x = np.random.default_rng(seed).standard_normal((2, 2, height, width))
    check_op(lambda x: adaptive_avg_pool2d(x, (out_h, out_w)) ** 2, [x])
    check_op(lambda x: adaptive_max_pool2d(x, (out_h, out_w)) ** 2, [x])
    check_op(lambda x: interpolate(x, size=(out_h + 2, out_w), mode="bilinear", align_corners=align_corners) ** 2,
             [x])


@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 9), st.integers(1, 9),
       st.sampled_from(["bilinear", "bicubic"]), st.booleans(), st.booleans(), st.integers(0, 2 ** 31 - 1))
def test_bicubic_and_antialiased_resizing_have_finite_difference_gradients(height, width, out_h, out_w, mode,
                                                                           align_corners, antialias, seed):
    x = np.random.default_rng(seed).standard_normal((2, 2, height, width))
    check_op(lambda x: interpolate(x, size=(out_h, out_w), mode=mode, align_corners=align_corners,
                                   antialias=antialias) ** 2, [x])


@given(st.sampled_from(["constant", "reflect", "replicate", "circular"]),
       st.lists(st.integers(0, 3), min_size=2, max_size=4), st.integers(0, 2 ** 31 - 1))
def test_pad_matches_numpy_and_finite_differences(mode, amounts, seed):
    x = np.random.default_rng(seed).standard_normal((2, 4, 5))
    amounts = amounts[:len(amounts) // 2 * 2]
    widths = [(0, 0)] * 3
    for i in range(len(amounts) // 2):
        widths[2 - i] = (amounts[2 * i], amounts[2 * i + 1])
    numpy_mode = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    check_op(lambda x: pad(x, tuple(amounts), mode=mode), [x], expected=np.pad(x, widths, mode=numpy_mode))


def test_constant_pad_with_a_value_and_negative_amounts_crops():
    x = np.arange(12.0).reshape(1, 3, 4)
    expected = np.pad(x[:, :, 1:], ((0, 0), (2, 0), (0, 1)), constant_values=-1.5)
    check_op(lambda x: pad(x, (-1, 1, 2, 0), value=-1.5), [x], expected=expected)



@pytest.mark.parametrize("mode, amounts, shape", [
    ("reflect", (-1, 2), (2, 3, 4)), ("reflect", (3, -1, -1, 2), (2, 4, 5)), ("reflect", (-5, 2), (3, 4)),
    ("replicate", (-1, 4, 2, -3), (1, 2, 4, 5)), ("replicate", (5, -4), (2, 4)),
    ("replicate", (-1, 0, 2, -1, 0, -2), (2, 3, 4, 5)),
])
def test_reflect_and_replicate_padding_crop_with_negative_amounts_as_pytorch(mode, amounts, shape):
    """PyTorch pads and then cuts a negative amount off the padded axis; nanogan refused negative amounts."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(len(shape)).standard_normal(shape)
    compare_with_torch(lambda x: pad(x, amounts, mode=mode),
                       lambda x: torch.nn.functional.pad(x, amounts, mode=mode), [x])


@pytest.mark.parametrize("amounts, shape", [((-2, -1), (2, 3)), ((1, 1), (2, 0)), ((0, 0, -1, -1), (2, 2, 3))])
def test_constant_padding_may_crop_to_nothing_or_pad_nothing_as_pytorch(amounts, shape):
    """A crop to size 0, and padding around an empty axis, are PyTorch's; nanogan refused both as crops "to
    nothing". Only a crop past nothing is refused."""
    torch = pytest.importorskip("torch")
    expected = torch.nn.functional.pad(torch.zeros(shape, dtype=torch.float64), amounts, value=2.0)
    y = pad(ng.zeros(shape, dtype=ng.float64), amounts, value=2.0)
    np.testing.assert_array_equal(y.numpy(), expected.numpy())
    assert pad(ng.tensor(3.0), ()).item() == 3.0  # a 0-d input copied, where numpy's pad raised its own TypeError


@pytest.mark.parametrize("call, message", [
    (lambda lib: lib.nn.functional.pad(lib.zeros(3, 4, dtype=lib.float64), (1, 1, 1, 1), mode="reflect"),
     r"pad \(reflect\): pads the last 1, 2 or 3 dimensions .*\(1, 1, 1, 1\).*\(3, 4\)"),
    (lambda lib: lib.nn.functional.pad(lib.zeros(4, dtype=lib.float64), (1, 1), mode="replicate"),
     r"pad \(replicate\): pads the last 1, 2 or 3 dimensions .*\(4,\)"),
    (lambda lib: lib.nn.functional.pad(lib.zeros(1, 2, 3, 4, dtype=lib.float64), (1, 1), mode="circular"),
     r"pad \(circular\): pads the last 1, 2 or 3 dimensions .*\(1, 2, 3, 4\)"),
    (lambda lib: lib.nn.functional.pad(lib.zeros(2, 0, 3, dtype=lib.float64), (1, 1), mode="reflect"),
     r"pad \(reflect\): expected non-empty dimensions but the batch, .*\(2, 0, 3\)"),
    (lambda lib: lib.nn.functional.pad(lib.zeros(1, 1, 4, dtype=lib.float64), (-2, -2), mode="replicate"),
     r"pad \(replicate\): pad \(-2, -2\) leaves no elements of dimension 2 .*\(1, 1, 4\)"),
    (lambda lib: lib.nn.functional.pad(lib.zeros(1, 1, 4, dtype=lib.float64), (-1, 4), mode="reflect"),
     r"pad \(reflect\): padding \(-1, 4\) must be smaller than the size 4"),
    (lambda lib: lib.nn.functional.pad(lib.zeros(2, 3, dtype=lib.float64), (2, -4)),
     r"pad \(constant\): pad \(2, -4\) crops more than the input of shape \(2, 3\) holds"),
])
def test_padding_refuses_what_pytorch_refuses_naming_the_pad_and_shape(call, message):
    """nanogan padded any number of trailing dimensions of any input, and empty ones, in the non-constant modes,
    where PyTorch takes 1 to 3 of an input with one or two more, non-empty but for the batch."""
    refused_as_by_torch(call, ValueError, message)

# ---- PyTorch ------------------------------------------------------------------------------------------------

TORCH_CASES = {
    "max_pool2d": (lambda F: lambda x: F.max_pool2d(x, 3, 2, 1), (2, 3, 9, 8)),
    "max_pool2d, dilated, ceil_mode": (lambda F: lambda x: F.max_pool2d(x, (2, 3), (2, 2), (1, 1), dilation=(2, 1),
                                                                        ceil_mode=True), (2, 2, 8, 9)),
    "avg_pool2d": (lambda F: lambda x: F.avg_pool2d(x, 3, 2, 1), (2, 3, 9, 8)),
    "avg_pool2d, ceil_mode, without padding in the count": (
        lambda F: lambda x: F.avg_pool2d(x, (3, 2), (2, 3), (1, 1), ceil_mode=True, count_include_pad=False),
        (2, 2, 8, 9)),
    "avg_pool2d, divisor_override": (lambda F: lambda x: F.avg_pool2d(x, 2, divisor_override=3), (1, 2, 6, 5)),
    # one image (C, H, W), as PyTorch takes it
    "max_pool2d, unbatched": (lambda F: lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), (3, 9, 8)),
    "avg_pool2d, unbatched": (lambda F: lambda x: F.avg_pool2d(x, (3, 2), (2, 1), (1, 0), count_include_pad=False),
                              (3, 9, 8)),
    "interpolate, scale_factor 2": (lambda F: lambda x: F.interpolate(x, scale_factor=2, mode="nearest"),
                                    (2, 3, 4, 5)),
    "interpolate, size (3x, 2x)": (lambda F: lambda x: F.interpolate(x, size=(12, 10), mode="nearest"),
                                   (2, 3, 4, 5)),
    "interpolate, size (7, 3)": (lambda F: lambda x: F.interpolate(x, size=(7, 3), mode="nearest"), (2, 3, 4, 5)),
    "interpolate, scale_factor 1.7": (lambda F: lambda x: F.interpolate(x, scale_factor=1.7, mode="nearest"),
                                      (2, 3, 4, 5)),
    # PyTorch copies an axis that keeps its size, and halves the index on one that doubles, whatever the scale
    "interpolate, scale_factor 1.2 keeping 2 rows": (
        lambda F: lambda x: F.interpolate(x, scale_factor=1.2, mode="nearest"), (2, 3, 2, 5)),
    "interpolate, scale_factor (2.2, 2.4) doubling 3 columns": (
        lambda F: lambda x: F.interpolate(x, scale_factor=(2.2, 2.4), mode="nearest"), (2, 3, 4, 3)),
    "pad, constant": (lambda F: lambda x: F.pad(x, (1, 2, 0, 3), value=0.5), (2, 3, 4, 5)),
    "pad, reflect": (lambda F: lambda x: F.pad(x, (3, 1, 2, 3), mode="reflect"), (2, 3, 4, 5)),
    "pad, replicate": (lambda F: lambda x: F.pad(x, (3, 1, 2, 0), mode="replicate"), (2, 3, 4, 5)),
    "pad, circular": (lambda F: lambda x: F.pad(x, (1, 2, 2, 1), mode="circular"), (2, 3, 4, 5)),
}


# adaptive pooling's (output_size, input shape): sizes that the output sizes divide and that they do not (bins of
# unequal sizes that overlap), down and up, None (the input's size) and an int for both axes
ADAPTIVE_SIZES = {
    "divisible": ((3, 2), (2, 3, 9, 8)),
    "1x1": (1, (2, 3, 5, 7)),
    "7 to 3": (3, (2, 3, 7, 7)),
    "(5, 10) to (2, 4)": ((2, 4), (2, 2, 5, 10)),
    "(5, 7) to (3, 4)": ((3, 4), (2, 3, 5, 7)),
    "(6, 9) to (4, 5)": ((4, 5), (2, 2, 6, 9)),
    "(None, 3)": ((None, 3), (2, 2, 4, 8)),
    "(None, 3), not dividing": ((None, 3), (2, 2, 4, 7)),
    "(4, None), not dividing": ((4, None), (2, 2, 7, 5)),
    "to a larger size": ((7, 4), (2, 2, 4, 3)),
    "unbatched": ((2, 3), (3, 7, 5)),
    "unbatched, divisible": ((None, 4), (3, 6, 8)),
}


def _adaptive(name, output_size):
    return lambda F: lambda x: getattr(F, name)(x, output_size)


# the adaptive sizes above, and scale factors that land on whole sizes and that do not (the source coordinate then
# follows 1/scale_factor, unless recompute_scale_factor)
RESIZE_CASES = {
    **{f"{name}, {size}": (_adaptive(name, output_size), shape) for size, (output_size, shape) in ADAPTIVE_SIZES.items()
       for name in ("adaptive_avg_pool2d", "adaptive_max_pool2d")},
    "bilinear, scale_factor 2": (lambda F: lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"), (2, 3, 4, 5)),
    "bilinear, scale_factor 2, align_corners": (
        lambda F: lambda x: F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True), (2, 3, 4, 5)),
    "bilinear, size (7, 9)": (lambda F: lambda x: F.interpolate(x, size=(7, 9), mode="bilinear"), (2, 3, 4, 5)),
    "bilinear, size (7, 9), align_corners": (
        lambda F: lambda x: F.interpolate(x, size=(7, 9), mode="bilinear", align_corners=True), (2, 3, 4, 5)),
    "bilinear, size (3, 2), down": (lambda F: lambda x: F.interpolate(x, size=(3, 2), mode="bilinear"), (2, 2, 7, 5)),
    "bilinear, size (1, 3), align_corners": (
        lambda F: lambda x: F.interpolate(x, size=(1, 3), mode="bilinear", align_corners=True), (2, 2, 4, 5)),
    "bilinear, scale_factor 1.7": (lambda F: lambda x: F.interpolate(x, scale_factor=1.7, mode="bilinear"),
                                   (2, 3, 4, 5)),
    "bilinear, scale_factor 1.7, recompute_scale_factor": (
        lambda F: lambda x: F.interpolate(x, scale_factor=1.7, mode="bilinear", recompute_scale_factor=True),
        (2, 3, 4, 5)),
    "bilinear, scale_factor (0.6, 2.3)": (
        lambda F: lambda x: F.interpolate(x, scale_factor=(0.6, 2.3), mode="bilinear"), (2, 2, 7, 3)),
    "bicubic, scale_factor 2": (lambda F: lambda x: F.interpolate(x, scale_factor=2, mode="bicubic"), (2, 3, 4, 5)),
    "bicubic, size (3, 11), align_corners": (
        lambda F: lambda x: F.interpolate(x, size=(3, 11), mode="bicubic", align_corners=True), (2, 2, 7, 5)),
    "bicubic, antialiased, scale_factor (0.3, 0.45)": (
        lambda F: lambda x: F.interpolate(x, scale_factor=(0.3, 0.45), mode="bicubic", antialias=True), (2, 2, 17, 9)),
    "bilinear, antialiased, size (4, 3), align_corners": (
        lambda F: lambda x: F.interpolate(x, size=(4, 3), mode="bilinear", align_corners=True, antialias=True),
        (2, 2, 13, 10)),
    # area is adaptive average pooling to the output size: bins of unequal sizes, equal ones, up, and (N, C, L)
    "area, size (3, 4)": (lambda F: lambda x: F.interpolate(x, size=(3, 4), mode="area"), (2, 3, 5, 7)),
    "area, scale_factor 0.5": (lambda F: lambda x: F.interpolate(x, scale_factor=0.5, mode="area"), (2, 2, 8, 6)),
    "area, scale_factor (1.7, 0.6)": (lambda F: lambda x: F.interpolate(x, scale_factor=(1.7, 0.6), mode="area"),
                                      (2, 2, 4, 7)),
    "area, (N, C, L)": (lambda F: lambda x: F.interpolate(x, size=4, mode="area"), (2, 3, 11)),
    # nearest-exact reads floor((i + 1/2)·in/out): other pixels than nearest's floor(i·in/out) at (7, 9) from
    # (4, 5); an integer factor, and no exception for an axis that doubles by a scale factor of 2.2
    "nearest-exact, size (7, 9)": (lambda F: lambda x: F.interpolate(x, size=(7, 9), mode="nearest-exact"),
                                   (2, 3, 4, 5)),
    "nearest-exact, size (3, 2), down": (lambda F: lambda x: F.interpolate(x, size=(3, 2), mode="nearest-exact"),
                                         (2, 2, 7, 5)),
    "nearest-exact, scale_factor 2": (lambda F: lambda x: F.interpolate(x, scale_factor=2, mode="nearest-exact"),
                                      (2, 2, 4, 5)),
    "nearest-exact, scale_factor (0.6, 2.2)": (
        lambda F: lambda x: F.interpolate(x, scale_factor=(0.6, 2.2), mode="nearest-exact"), (2, 2, 7, 9)),
    "nearest-exact, (N, C, L)": (lambda F: lambda x: F.interpolate(x, size=8, mode="nearest-exact"), (2, 3, 5)),
    # 41·fl(2/82) rounds below 1 in float32, so PyTorch's nearest reads row 0 there, not 41 // 41
    "nearest, size (82, 3) from 2 rows": (lambda F: lambda x: F.interpolate(x, size=(82, 3), mode="nearest"),
                                          (1, 2, 2, 3)),
}


# (input shape, size or scale_factor) for every mode, align_corners and antialias: up, down, by non-integer ratios
# and by scale factors that land on whole sizes and that do not, from and to one pixel
RESAMPLING_GEOMETRIES = {
    "up x2": ((2, 2, 4, 5), dict(scale_factor=2)),
    "up to (7, 9)": ((2, 2, 4, 5), dict(size=(7, 9))),
    "down to (3, 2)": ((2, 2, 7, 5), dict(size=(3, 2))),
    "down x4": ((1, 2, 16, 12), dict(size=(4, 3))),
    "down by scale_factor (0.19, 0.37)": ((1, 2, 11, 23), dict(scale_factor=(0.19, 0.37))),
    "scale_factor 1.7": ((2, 2, 4, 5), dict(scale_factor=1.7)),
    "scale_factor 1.7, recompute_scale_factor": ((2, 2, 4, 5), dict(scale_factor=1.7, recompute_scale_factor=True)),
    "scale_factor (0.6, 2.3), down and up": ((2, 2, 7, 3), dict(scale_factor=(0.6, 2.3))),
    "to one pixel": ((2, 2, 4, 5), dict(size=(1, 1))),
    "from one pixel": ((2, 2, 1, 1), dict(size=(3, 4))),
    "one row up, a row to one pixel": ((2, 1, 1, 6), dict(size=(5, 1))),
    "from two pixels": ((1, 1, 2, 2), dict(size=(5, 7))),
}


@pytest.mark.parametrize("antialias", [False, True], ids=["plain", "antialias"])
@pytest.mark.parametrize("align_corners", [False, True], ids=["half-pixel", "align_corners"])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("geometry", sorted(RESAMPLING_GEOMETRIES))
def test_resampling_matches_pytorch_over_geometries(geometry, mode, align_corners, antialias):
    torch = pytest.importorskip("torch")
    shape, sizing = RESAMPLING_GEOMETRIES[geometry]
    options = dict(sizing, mode=mode, align_corners=align_corners, antialias=antialias)
    x = np.random.default_rng(19).standard_normal(shape)
    compare_with_torch(lambda x: interpolate(x, **options).tanh(),
                       lambda x: torch.nn.functional.interpolate(x, **options).tanh(), [x])


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_antialiased_resizing_to_one_column_is_its_row_and_column_resizes_in_turn(mode):
    """PyTorch's antialiased forward to a single column, the rows resampled, gives every output row the first one's
    values (torch 2.13; its backward is right). Ours is A_h·x·A_wᵀ as for any size: PyTorch's rows resized, then
    its columns (each resize copying the axis it keeps), and its gradient is PyTorch's."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(21).standard_normal((2, 2, 6, 5))
    g = np.random.default_rng(22).standard_normal((2, 2, 4, 1))
    options = dict(mode=mode, antialias=True)
    ours, theirs = ng.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y = interpolate(ours, size=(4, 1), **options)
    rows_then_columns = torch.nn.functional.interpolate(torch.nn.functional.interpolate(theirs, size=(4, 5), **options),
                                                        size=(4, 1), **options)
    np.testing.assert_allclose(y.numpy(), rows_then_columns.detach().numpy(), rtol=1e-12, atol=1e-12)
    (y * ng.tensor(g)).sum().backward()
    (torch.nn.functional.interpolate(theirs, size=(4, 1), **options) * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode,antialias", [("bilinear", False), ("bilinear", True), ("bicubic", True),
                                            ("bicubic", False)])
def test_an_axis_that_keeps_its_size_is_copied_whatever_the_scale_factor(mode, antialias):
    """floor(2 · 1.2) = 2 rows: PyTorch copies them, leaving scale 1/1.2 unused, except with bicubic without
    antialias, which resamples them (the columns, 5 to floor(5 · 1.3) = 6, are resampled either way). The values
    against PyTorch's; the gradient by finite differences only: PyTorch's antialiased backward resamples the rows its
    forward copied (and its bicubic backward copies where both axes keep their size), no gradient of its forward."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(20).standard_normal((2, 2, 2, 5))
    options = dict(scale_factor=(1.2, 1.3), mode=mode, antialias=antialias)
    y = interpolate(t(x), **options).numpy()
    np.testing.assert_allclose(y, torch.nn.functional.interpolate(torch.tensor(x), **options).numpy(), rtol=1e-12,
                               atol=1e-12)
    rows_copied = mode == "bilinear" or antialias
    columns_only = interpolate(t(x), scale_factor=(1.0, 1.3), mode=mode, antialias=antialias).numpy()
    assert np.allclose(y, columns_only, rtol=1e-12, atol=1e-12) == rows_copied
    check_op(lambda x: interpolate(x, **options) ** 2, [x])


class _NanoganFunctional:
    """The ops under torch.nn.functional's names, for the shared test cases."""
    max_pool2d, avg_pool2d, interpolate, pad = staticmethod(max_pool2d), staticmethod(avg_pool2d), \
        staticmethod(interpolate), staticmethod(pad)
    adaptive_avg_pool2d, adaptive_max_pool2d = staticmethod(adaptive_avg_pool2d), staticmethod(adaptive_max_pool2d)


@pytest.mark.parametrize("case", sorted(TORCH_CASES))
def test_against_pytorch_forward_backward_double_backward(case):
    torch = pytest.importorskip("torch")
    make, shape = TORCH_CASES[case]
    x = np.random.default_rng(13).standard_normal(shape)
    expected = _forward_backward_double_backward(make(torch.nn.functional), [x], "torch")
    actual = _forward_backward_double_backward(make(_NanoganFunctional), [x], "nanogan")
    for what, a, e in zip(["forward", "grad", "double grad (input)", "double grad (cotangent)"], actual, expected):
        np.testing.assert_allclose(a, e, rtol=1e-6, atol=1e-9, err_msg=f"{case}: {what}")


@pytest.mark.parametrize("dtype,tol", [(np.float64, dict(rtol=1e-6, atol=1e-9)),
                                       (np.float32, dict(rtol=1e-4, atol=1e-5))])
@pytest.mark.parametrize("case", sorted(RESIZE_CASES))
def test_adaptive_pooling_and_resizing_match_pytorch(case, dtype, tol):
    """Value, gradient and double backward; through a tanh, so that the second derivative in the input runs through
    the op's backward as well."""
    torch = pytest.importorskip("torch")
    make, shape = RESIZE_CASES[case]
    x = np.random.default_rng(15).standard_normal(shape)
    y = compare_with_torch(lambda x: make(_NanoganFunctional)(x).tanh(), lambda x: make(torch.nn.functional)(x).tanh(),
                           [x], dtype=dtype, **tol)
    assert y.dtype == dtype


def test_nearest_exact_of_signals_reads_as_pytorchs_2d_rule_where_its_1d_kernel_reads_one_further():
    """(i + 1/2)·2/41 = 1 at i = 20, which float32 rounds to 0.99999994: PyTorch's 2-d kernel (and ours, in 1-d too)
    reads pixel 0 there, its 1-d kernel pixel 1."""
    torch = pytest.importorskip("torch")
    x = np.arange(2.0, dtype=np.float32)
    ours = interpolate(ng.tensor(x[None, None]), size=41, mode="nearest-exact").numpy()[0, 0]
    their_2d = torch.nn.functional.interpolate(torch.tensor(x[None, None, None]), size=(1, 41), mode="nearest-exact")
    their_1d = torch.nn.functional.interpolate(torch.tensor(x[None, None]), size=41, mode="nearest-exact")
    np.testing.assert_array_equal(ours, their_2d.numpy()[0, 0, 0])
    assert ours[20] == 0 and their_1d.numpy()[0, 0, 20] == 1


@pytest.mark.parametrize("shape", [(2, 3, 9, 8), (3, 9, 8)])
@pytest.mark.parametrize("output_size", [(3, 4), (None, 2)])
def test_adaptive_max_pool_indices_match_pytorch(shape, output_size):
    torch = pytest.importorskip("torch")
    x = np.round(np.random.default_rng(16).standard_normal(shape), 1)
    expected = torch.nn.functional.adaptive_max_pool2d(torch.tensor(x), output_size, return_indices=True)
    actual = adaptive_max_pool2d(t(x), output_size, return_indices=True)
    for ours, theirs in zip(actual, expected):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("size", sorted(ADAPTIVE_SIZES))
def test_adaptive_max_pool_layer_values_indices_and_gradient_match_pytorch(size):
    """nn.AdaptiveMaxPool2d(return_indices=True): the maxima, their flat indices in the H·W plane, and the gradient
    (each bin's to its maximum, summed where bins share one), on distinct values, where the maximum is unique."""
    torch = pytest.importorskip("torch")
    output_size, shape = ADAPTIVE_SIZES[size]
    x = np.random.default_rng(17).standard_normal(shape)
    g = np.random.default_rng(18).standard_normal(torch.nn.functional.adaptive_max_pool2d(torch.tensor(x),
                                                                                          output_size).shape)
    ours, theirs = ng.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (y, indices), (ty, t_indices) = (ng.nn.AdaptiveMaxPool2d(output_size, return_indices=True)(ours),
                                     torch.nn.AdaptiveMaxPool2d(output_size, return_indices=True)(theirs))
    (y * ng.tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(indices.numpy(), t_indices.numpy())
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12, atol=0)


@pytest.mark.parametrize("shape", [(2, 3, 9, 8), (3, 9, 8)])
def test_max_pool_indices_match_pytorch(shape):
    torch = pytest.importorskip("torch")
    x = np.round(np.random.default_rng(14).standard_normal(shape), 1)  # rounded: ties, first one wins
    _, expected = torch.nn.functional.max_pool2d(torch.tensor(x), 3, 2, 1, dilation=1, return_indices=True)
    _, indices = max_pool2d(t(x), 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(indices.numpy(), expected.numpy())


# ---- bad input ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["max", "max, unbatched, ceil_mode", "avg", "avg, unbatched, ceil_mode"])
def test_one_dimensional_pooling_matches_pytorch(case):
    """max_pool1d and avg_pool1d: max_pool2d and avg_pool2d of height-1 images."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(4).standard_normal((2, 3, 9))
    settings = dict(ceil_mode="ceil_mode" in case)
    if case.startswith("max"):
        settings.update(dilation=(2,), kernel_size=3, stride=2, padding=1)
    else:
        settings.update(count_include_pad=False, kernel_size=(3,), stride=2, padding=1)
    pool = "max_pool1d" if case.startswith("max") else "avg_pool1d"
    compare_with_torch(lambda x: getattr(ng.nn.functional, pool)(x, **settings),
                       lambda x: getattr(torch.nn.functional, pool)(x, **settings),
                       [x[0] if "unbatched" in case else x])
    if case.startswith("max"):
        ours = ng.nn.functional.max_pool1d(ng.tensor(x), return_indices=True, **settings)[1]
        theirs = torch.nn.functional.max_pool1d(torch.tensor(x), return_indices=True, **settings)[1]
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_one_dimensional_pooling_refuses_bad_input_with_the_op_and_shapes():
    F = ng.nn.functional
    with pytest.raises(ValueError, match=r"max_pool1d: expected a 3-D input \(N, C, L\) or a 2-D one \(C, L\), "
                                         r"got \(2, 3, 4, 7\)"):
        F.max_pool1d(ng.zeros(2, 3, 4, 7), 3)
    with pytest.raises(ValueError, match=r"avg_pool1d: kernel_size must be an int or a sequence of one int >= 1, got "
                                         r"\(3, 3\)"):
        F.avg_pool1d(ng.zeros(2, 3, 7), (3, 3))
    with pytest.raises(ValueError, match=r"avg_pool1d: kernel of size \(1, 3\) .* input of shape \(2, 3, 1, 2\)"):
        F.avg_pool1d(ng.zeros(2, 3, 2), 3)


def test_bad_input_is_refused_with_the_op_and_shapes():
    x = ng.zeros(1, 2, 5, 5)
    with pytest.raises(ValueError, match=r"max_pool2d: expected a 4-D input \(N, C, H, W\) or a 3-D one \(C, H, W\), "
                                         r"got shape \(5, 5\)"):
        max_pool2d(ng.zeros(5, 5), 2)
    with pytest.raises(ValueError, match=r"avg_pool2d: expected a 4-D input .*, got shape \(1, 1, 2, 5, 5\)"):
        avg_pool2d(ng.zeros(1, 1, 2, 5, 5), 2)
    with pytest.raises(ValueError, match=r"interpolate: expected a 3-D input \(N, C, L\) or a 4-D one \(N, C, H, W\), "
                                         r"got shape \(1, 2, 5, 5, 5\)"):
        interpolate(ng.zeros(1, 2, 5, 5, 5), scale_factor=2)  # volumes are not implemented
    with pytest.raises(ValueError, match=r"avg_pool2d: padding \(2, 2\) must be at most half of the kernel size "
                                         r"\(3, 3\)"):
        avg_pool2d(x, 3, padding=2)
    with pytest.raises(ValueError, match=r"max_pool2d: kernel of size \(4, 4\) with dilation \(2, 2\) does not fit "
                                         r"the input of shape \(1, 2, 5, 5\)"):
        max_pool2d(x, 4, dilation=2)
    with pytest.raises(ValueError, match=r"max_pool2d: with kernel \(2, 2\), dilation \(2, 2\) and padding \(1, 1\), "
                                         r"a window over the input of shape \(1, 2, 1, 1\) covers only padding"):
        max_pool2d(ng.zeros(1, 2, 1, 1), 2, stride=1, padding=1, dilation=2)
    with pytest.raises(TypeError, match=r"avg_pool2d: expected floating-point tensors, got int64"):
        avg_pool2d(ng.tensor(np.zeros((1, 1, 4, 4), dtype=np.int64)), 2)
    with pytest.raises(NotImplementedError, match="interpolate: mode 'trilinear' is not implemented; only "
                                                  "'nearest', 'nearest-exact', 'area', 'linear', 'bilinear' and "
                                                  "'bicubic' are"):
        interpolate(x, scale_factor=2, mode="trilinear")
    with pytest.raises(ValueError, match=r"interpolate: antialias needs mode 'bilinear' or 'bicubic' and a 4-D input "
                                         r"\(N, C, H, W\), got mode 'nearest' and shape \(1, 2, 5, 5\)"):
        interpolate(x, scale_factor=0.5, antialias=True)
    with pytest.raises(ValueError, match=r"interpolate: antialias needs mode 'bilinear' or 'bicubic' and a 4-D input "
                                         r"\(N, C, H, W\), got mode 'bicubic' and shape \(2, 5, 5\)"):
        interpolate(ng.zeros(2, 5, 5), scale_factor=0.5, mode="bicubic", antialias=True)
    with pytest.raises(ValueError, match="interpolate: align_corners can only be set with modes 'linear', 'bilinear' "
                                         "and 'bicubic', not 'nearest'"):
        interpolate(x, scale_factor=2, align_corners=False)
    for mode in ("nearest-exact", "area"):
        refused_as_by_torch(lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 2, 5, 5), scale_factor=2, mode=mode,
                                                                       align_corners=False),
                            ValueError, f"interpolate: align_corners can only be set with modes 'linear', 'bilinear' "
                                        f"and 'bicubic', not '{mode}'")
        refused_as_by_torch(lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 2, 5, 5), scale_factor=0.5,
                                                                       mode=mode, antialias=True),
                            ValueError, f"interpolate: antialias needs mode 'bilinear' or 'bicubic' and a 4-D input "
                                        rf"\(N, C, H, W\), got mode '{mode}'")
    with pytest.raises(ValueError, match=r"interpolate: mode 'bilinear' needs a 4-D input, got shape \(2, 5, 5\)"):
        interpolate(ng.zeros(2, 5, 5), size=3, mode="bilinear")  # PyTorch reads (C, H, W) as a batch of 1-D signals
    with pytest.raises(ValueError, match=r"adaptive_avg_pool2d: expected a 4-D input \(N, C, H, W\) or a 3-D one "
                                         r"\(C, H, W\), got shape \(5, 5\)"):
        adaptive_avg_pool2d(ng.zeros(5, 5), 2)
    with pytest.raises(ValueError, match=r"adaptive_avg_pool2d: output_size must be an int or a pair of ints >= 1, "
                                         r"got \(0, 5\)"):
        adaptive_avg_pool2d(x, (0, None))
    with pytest.raises(ValueError, match=r"adaptive_avg_pool2d: the input of shape \(1, 2, 0, 5\) has no rows or "
                                         r"columns to pool into \(2, 2\)"):
        adaptive_avg_pool2d(ng.zeros(1, 2, 0, 5), 2)
    with pytest.raises(ValueError, match=r"adaptive_max_pool2d: output_size must be an int or a pair of ints >= 1, "
                                         r"got \(3, -1\)"):
        adaptive_max_pool2d(x, (3, -1))
    with pytest.raises(TypeError, match=r"adaptive_avg_pool2d: expected floating-point tensors, got int64"):
        adaptive_avg_pool2d(ng.tensor(np.zeros((1, 1, 4, 4), dtype=np.int64)), 2)
    with pytest.raises(ValueError, match="interpolate: give exactly one of size and scale_factor"):
        interpolate(x, size=4, scale_factor=2)
    with pytest.raises(ValueError, match=r"interpolate: recompute_scale_factor=True is for a scale_factor, not an "
                                         r"explicit size 4"):
        interpolate(x, size=4, recompute_scale_factor=True)
    with pytest.raises(ValueError, match=r"interpolate: scale_factor 0.1 turns the input of shape \(1, 2, 5, 5\) "
                                         r"into size \(0, 0\)"):
        interpolate(x, scale_factor=0.1)
    with pytest.raises(ValueError, match=r"pad \(reflect\): padding \(5, 0\) must be smaller than the size 5 of "
                                         r"dimension 2 of the input of shape \(2, 5, 5\)"):
        pad(x[0], (5, 0), mode="reflect")
    with pytest.raises(ValueError, match=r"pad \(constant\): pad must list \(before, after\) pairs"):
        pad(x, (1, 2, 3))
    with pytest.raises(ValueError, match=r"pad \(constant\): pad \(-3, -3\) crops more than the input of shape "
                                         r"\(1, 2, 5, 5\) holds"):
        pad(x, (-3, -3))
    with pytest.raises(ValueError, match="pad: mode must be one of"):
        pad(x, (1, 1), mode="mirror")


def test_divisor_override_is_an_int_as_in_pytorch():
    """A float or a bool divisor was accepted (2.5 divided by 2.5, True by 1), where PyTorch refuses both."""
    x = ng.ones(1, 1, 4, 4)
    for divisor in (2.5, 2.0, True):
        with pytest.raises(ValueError, match=rf"avg_pool2d: divisor_override must be None or an int > 0, "
                                             rf"got {divisor!r}"):
            avg_pool2d(x, 2, divisor_override=divisor)
    assert avg_pool2d(x, 2, divisor_override=np.int64(3)).numpy() == pytest.approx(np.full((1, 1, 2, 2), 4 / 3))


def test_stride_zero_and_divisor_override_zero_are_refused_not_read_as_unset():
    """0 is a value, not "not given": the layers default stride to the kernel size only for None, and
    avg_pool2d divides by divisor_override whenever it is given, so it must be positive."""
    x = ng.ones(1, 1, 4, 4)
    with pytest.raises(ValueError, match=r"max_pool2d: stride must be an int or a pair of ints >= 1, got 0"):
        ng.nn.MaxPool2d(2, stride=0)(x)
    with pytest.raises(ValueError, match=r"avg_pool2d: stride must be an int or a pair of ints >= 1, got 0"):
        ng.nn.AvgPool2d(2, stride=0)(x)
    for divisor in (0, -2):
        with pytest.raises(ValueError, match=rf"avg_pool2d: divisor_override must be None or an int > 0, "
                                             rf"got {divisor}"):
            avg_pool2d(x, 2, divisor_override=divisor)
    assert ng.nn.MaxPool2d(2).stride == 2 and ng.nn.AvgPool2d(3, stride=None).stride == 3


@pytest.mark.parametrize("length, output_size", [(7, 3), (12, 4), (5, 5), (1, 3), (6, [4])])
@pytest.mark.parametrize("pool", ["avg", "max"])
def test_adaptive_1d_pooling_matches_torch_to_the_second_derivative(pool, length, output_size):
    """F.adaptive_avg_pool1d / adaptive_max_pool1d and their layers, which nanogan lacked, on batched and unbatched
    input; the max's indices along L too."""
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(ng.nn.functional, f"adaptive_{pool}_pool1d"), getattr(torch.nn.functional,
                                                                                  f"adaptive_{pool}_pool1d")
    rng = np.random.default_rng(length)
    for shape in [(2, 3, length), (3, length)]:
        compare_with_torch(lambda x: ours(x, output_size), lambda x: theirs(x, output_size), [rng.standard_normal(shape)])
    layer = f"Adaptive{pool.capitalize()}Pool1d"
    assert repr(getattr(ng.nn, layer)(output_size)) == repr(getattr(torch.nn, layer)(output_size))
    x = rng.standard_normal((2, 3, length))
    compare_with_torch(getattr(ng.nn, layer)(output_size), getattr(torch.nn, layer)(output_size), [x])
    if pool == "max":
        _, indices = ng.nn.AdaptiveMaxPool1d(output_size, return_indices=True)(ng.tensor(x))
        _, expected = torch.nn.AdaptiveMaxPool1d(output_size, return_indices=True)(torch.tensor(x))
        np.testing.assert_array_equal(indices.numpy(), expected.numpy())
    refused_as_by_torch(lambda lib: getattr(lib.nn.functional, f"adaptive_{pool}_pool1d")(
        lib.zeros(1, 2, 3, 4, dtype=lib.float64), 2), ValueError,
        rf"adaptive_{pool}_pool1d: expected a 3-D input \(N, C, L\) or a 2-D one \(C, L\), got \(1, 2, 3, 4\)")


@pytest.mark.parametrize("mode, align_corners", [("nearest", None), ("linear", False), ("linear", True)])
@pytest.mark.parametrize("resize", [dict(size=9), dict(size=(3,)), dict(scale_factor=2), dict(scale_factor=0.7),
                                    dict(scale_factor=1.7, recompute_scale_factor=True), dict(scale_factor=(2.3,))])
def test_interpolate_resizes_signals_n_c_l_as_torch_to_the_second_derivative(mode, align_corners, resize):
    """F.interpolate and nn.Upsample of (N, C, L) inputs, modes nearest and linear, which nanogan refused."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(7).standard_normal((2, 3, 7))
    compare_with_torch(lambda x: interpolate(x, mode=mode, align_corners=align_corners, **resize),
                       lambda x: torch.nn.functional.interpolate(x, mode=mode, align_corners=align_corners, **resize),
                       [x])
    if not isinstance(resize.get("scale_factor"), tuple):  # the layer takes a number or a pair of them
        compare_with_torch(ng.nn.Upsample(mode=mode, align_corners=align_corners, **resize),
                           torch.nn.Upsample(mode=mode, align_corners=align_corners, **resize), [x])
