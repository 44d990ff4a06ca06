"""conv2d and conv_transpose2d: the course's worked examples, output sizes, finite-difference
checks of first and second derivatives over drawn geometries, PyTorch, and bad input."""
import re

import numpy as np
import pytest
from hypothesis import given, strategies as st

import nanogan as ng
from nanogan.backend import whole_window
from nanogan.backend.cpu import conv as cpu_conv
from nanogan.ops.conv import conv2d, conv_transpose2d
from harness import check_op, refused_as_by_torch

# ---- float64 references, written independently of the kernels --------------------------------------------


def tap_slices(x, kernel, stride, padding, dilation):
    """{(a, b): the (N, C, OH, OW) values of zero-padded x that kernel tap (a, b) reads at each output pixel}."""
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out_h = (padded.shape[2] - dh * (kernel[0] - 1) - 1) // sh + 1
    out_w = (padded.shape[3] - dw * (kernel[1] - 1) - 1) // sw + 1
    return {(a, b): padded[:, :, a * dh:a * dh + sh * (out_h - 1) + 1:sh, b * dw:b * dw + sw * (out_w - 1) + 1:sw]
            for a in range(kernel[0]) for b in range(kernel[1])}


def reference_conv2d(x, w, stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
    """y = Σ over kernel taps (a, b) of w[:, :, a, b] applied to what that tap reads."""
    return sum(np.einsum("nchw,oc->nohw", patch, w[:, :, a, b])
               for (a, b), patch in tap_slices(x, w.shape[2:], stride, padding, dilation).items())


def reference_conv2d_weight_grad(x, gy, kernel, stride, padding, dilation):
    """gw[o, c, a, b] = Σ_{n, i, j} gy[n, o, i, j] · (what tap (a, b) reads)[n, c, i, j]."""
    gw = np.zeros((gy.shape[1], x.shape[1]) + tuple(kernel))
    for (a, b), patch in tap_slices(x, kernel, stride, padding, dilation).items():
        gw[:, :, a, b] = np.einsum("nohw,nchw->oc", gy, patch)
    return gw


def reference_conv_transpose2d(x, w, stride=(1, 1), padding=(0, 0), output_padding=(0, 0), dilation=(1, 1)):
    """Every input pixel adds w (Cin, Cout, KH, KW), scaled by its value, to a patch of a canvas that has
    output_padding extra rows/columns at the far end; the padding is then cut from both sides."""
    (sh, sw), (ph, pw), (qh, qw), (dh, dw) = stride, padding, output_padding, dilation
    n, _, h, wd = x.shape
    kh, kw = w.shape[2:]
    canvas = np.zeros((n, w.shape[1], (h - 1) * sh + dh * (kh - 1) + 1 + qh, (wd - 1) * sw + dw * (kw - 1) + 1 + qw))
    for a in range(kh):
        for b in range(kw):
            canvas[:, :, a * dh:a * dh + sh * (h - 1) + 1:sh, b * dw:b * dw + sw * (wd - 1) + 1:sw] += \
                np.einsum("nchw,cd->ndhw", x, w[:, :, a, b])
    return canvas[:, :, ph:canvas.shape[2] - ph, pw:canvas.shape[3] - pw]


def t(array):
    return ng.tensor(np.asarray(array, dtype=np.float64))


# ---- the course's worked examples --------------------------------------------------------------------------

EXAMPLE_INPUT = np.array([[4, 5, 8, 7], [1, 8, 8, 8], [3, 6, 6, 4], [6, 5, 7, 8]], dtype=np.float64)
EXAMPLE_KERNEL = np.array([[1, 4, 1], [1, 4, 3], [3, 3, 1]], dtype=np.float64)


def convolution_matrix(kernel, size):
    """The (out², size²) matrix C with conv(x).flat = C @ x.flat (stride 1, no padding): row (i, j) holds
    the kernel at the columns of the input pixels its window covers."""
    k = kernel.shape[0]
    out = size - k + 1
    matrix = np.zeros((out * out, size * size))
    for i in range(out):
        for j in range(out):
            for a in range(k):
                for b in range(k):
                    matrix[i * out + j, (i + a) * size + (j + b)] = kernel[a, b]
    return matrix


def test_worked_example_cross_correlation_and_its_matrix():
    expected = [[122, 148], [126, 134]]
    y = conv2d(t(EXAMPLE_INPUT[None, None]), t(EXAMPLE_KERNEL[None, None]))
    np.testing.assert_array_equal(y.numpy()[0, 0], expected)
    matrix = convolution_matrix(EXAMPLE_KERNEL, 4)
    assert matrix.shape == (4, 16)
    np.testing.assert_array_equal((matrix @ EXAMPLE_INPUT.ravel()).reshape(2, 2), expected)


def test_worked_example_transposed_convolution_is_the_transposed_matrix():
    small = np.array([[2, 1], [4, 4]], dtype=np.float64)
    expected = [[2, 9, 6, 1], [6, 29, 30, 7], [10, 29, 33, 13], [12, 24, 16, 4]]
    y = conv_transpose2d(t(small[None, None]), t(EXAMPLE_KERNEL[None, None]))
    np.testing.assert_array_equal(y.numpy()[0, 0], expected)
    np.testing.assert_array_equal((convolution_matrix(EXAMPLE_KERNEL, 4).T @ small.ravel()).reshape(4, 4), expected)


TWO_CHANNEL_INPUT = np.array([[[1, 2], [0, 0]], [[0, 0], [0, 3]]], dtype=np.float64)
TWO_CHANNEL_KERNELS = np.array([[[0, 0, 0], [1, 1, 1], [0, 0, 0]], [[1, 0, 0], [0, 1, 0], [0, 0, 1]]],
                               dtype=np.float64)


@pytest.mark.parametrize("padding, stride, expected", [
    (0, 1, [[0, 0, 0, 0], [1, 6, 3, 2], [0, 0, 3, 0], [0, 0, 0, 3]]),
    (1, 1, [[6, 3], [0, 3]]),
    (0, 2, [[0, 0, 0, 0, 0], [1, 1, 3, 2, 2], [0, 0, 3, 0, 0], [0, 0, 0, 3, 0], [0, 0, 0, 0, 3]]),
    (1, 2, [[1, 3, 2], [0, 3, 0], [0, 0, 3]]),
])
def test_worked_example_two_channel_transposed_convolution(padding, stride, expected):
    # The exercise's numbers are the transposed convolution (weight (Cin=2, Cout=1, 3, 3)), no output_padding:
    # each input pixel stamps its channel's kernel at stride s, the two channels add, and p is cut from each side.
    x = t(TWO_CHANNEL_INPUT[None])
    w = t(TWO_CHANNEL_KERNELS[:, None])
    y = conv_transpose2d(x, w, stride=stride, padding=padding)
    np.testing.assert_array_equal(y.numpy()[0, 0], expected)
    np.testing.assert_array_equal(y.numpy(), reference_conv_transpose2d(
        TWO_CHANNEL_INPUT[None], TWO_CHANNEL_KERNELS[:, None], (stride,) * 2, (padding,) * 2))


def test_output_size_formulas_over_a_grid():
    rng = np.random.default_rng(0)
    for n in range(1, 9):
        for f in range(1, 5):
            for s in range(1, 4):
                for p in range(0, 3):
                    for d in range(1, 3):
                        if n + 2 * p < d * (f - 1) + 1:
                            continue
                        x = t(rng.standard_normal((1, 1, n, n + 1)))
                        w = t(rng.standard_normal((1, 1, f, f)))
                        expected = (n + 2 * p - d * (f - 1) - 1) // s + 1
                        assert conv2d(x, w, stride=s, padding=p, dilation=d).shape[2] == expected
                        for q in range(max(s, d)):  # output_padding below stride or dilation
                            size = s * (n - 1) + d * (f - 1) + 1 - 2 * p + q  # = s(n-1) + f - 2p + q for d = 1
                            if size <= 0:
                                continue
                            y = conv_transpose2d(x, w, stride=s, padding=p, output_padding=q, dilation=d)
                            assert y.shape[2] == size, (n, f, s, p, d, q)
    assert conv_transpose2d(t(np.ones((1, 1, 5, 5))), t(np.ones((1, 1, 3, 3))), stride=2, padding=1,
                            output_padding=1).shape == (1, 1, 2 * 4 + 3 - 2 + 1, 10)


# ---- drawn geometries: forward against the reference, gradcheck, gradgradcheck, on three layouts ------------

@st.composite
def geometries(draw, transposed):
    """A tiny convolution: kernel 1-5, stride 1-3, padding 0-2, dilation 1-2, non-square, 1-3 channels."""
    kernel = (draw(st.integers(1, 5)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    if transposed:  # input sizes are free; output_padding must stay below stride or dilation
        size = (draw(st.integers(1, 3)), draw(st.integers(1, 4)))
        output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    else:  # the dilated kernel must fit in the padded input
        reach = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
        size = tuple(max(1, r - 2 * p) + draw(st.integers(0, 2)) for r, p in zip(reach, padding))
        output_padding = (0, 0)
    batch, in_ch, out_ch = draw(st.integers(1, 2)), draw(st.sampled_from([1, 3])), draw(st.integers(1, 2))
    if size[0] * size[1] * batch * in_ch > 90:  # keep gradgradcheck (quadratic in the sizes) quick
        batch, in_ch = 1, 1
    return dict(batch=batch, in_ch=in_ch, out_ch=out_ch, size=size, kernel=kernel, stride=stride,
                padding=padding, dilation=dilation, output_padding=output_padding)


@given(geometries(transposed=False), st.booleans(), st.integers(0, 2 ** 31 - 1))
def test_conv2d_matches_reference_and_finite_differences(g, with_bias, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((g["batch"], g["in_ch"]) + g["size"])
    w = rng.standard_normal((g["out_ch"], g["in_ch"]) + g["kernel"])
    b = rng.standard_normal(g["out_ch"])
    expected = reference_conv2d(x, w, g["stride"], g["padding"], g["dilation"])
    geometry = dict(stride=g["stride"], padding=g["padding"], dilation=g["dilation"])
    if with_bias:
        check_op(lambda x, w, b: conv2d(x, w, b, **geometry), [x, w, b], expected=expected + b[:, None, None])
    else:
        check_op(lambda x, w: conv2d(x, w, **geometry), [x, w], expected=expected)


@given(geometries(transposed=True), st.booleans(), st.integers(0, 2 ** 31 - 1))
def test_conv_transpose2d_matches_reference_and_finite_differences(g, with_bias, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((g["batch"], g["in_ch"]) + g["size"])
    w = rng.standard_normal((g["in_ch"], g["out_ch"]) + g["kernel"])
    b = rng.standard_normal(g["out_ch"])
    geometry = dict(stride=g["stride"], padding=g["padding"], output_padding=g["output_padding"],
                    dilation=g["dilation"])
    expected = reference_conv_transpose2d(x, w, **geometry)
    if min(expected.shape[2:]) <= 0:
        with pytest.raises(ValueError, match="not positive"):
            conv_transpose2d(t(x), t(w), **geometry)
        return
    if with_bias:
        check_op(lambda x, w, b: conv_transpose2d(x, w, b, **geometry), [x, w, b],
                 expected=expected + b[:, None, None])
    else:
        check_op(lambda x, w: conv_transpose2d(x, w, **geometry), [x, w], expected=expected)


def test_transposed_convolution_is_the_adjoint_of_convolution():
    # <conv2d(x, w), y> = <x, conv_transpose2d(y, w)>, with x of exactly the size output_padding picks
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((2, 3, 9, 8)), rng.standard_normal((4, 3, 3, 2))
    y = reference_conv2d(x, w, (2, 3), (1, 0), (1, 2))
    gy = rng.standard_normal(y.shape)
    back = conv_transpose2d(t(gy), t(w), stride=(2, 3), padding=(1, 0), output_padding=(0, 2), dilation=(1, 2))
    assert back.shape == x.shape
    np.testing.assert_allclose(np.vdot(y, gy), np.vdot(x, back.numpy()), rtol=1e-12)


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 1e-5), (np.float64, 1e-12)])
@pytest.mark.parametrize("in_ch, out_ch", [(3, 4), (1, 1)])  # one channel takes the no-transpose shortcuts
def test_kernels_agree_across_batch_chunks_and_dtypes(monkeypatch, dtype, rtol, in_ch, out_ch):
    # a chunk budget of two images' rows: chunks of 2, 2, 1 images, each product and gather on its own slice
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((5, in_ch, 9, 7)), rng.standard_normal((out_ch, in_ch, 3, 3))
    geometry = ((2, 1), (1, 1), (1, 2))
    y = reference_conv2d(x, w, *geometry)
    gy = rng.standard_normal(y.shape)
    per_image = in_ch * 3 * 3 * y.shape[2] * y.shape[3] * np.dtype(dtype).itemsize
    monkeypatch.setattr(cpu_conv, "CHUNK_BYTES", 2 * per_image)
    xs, ws, gys = (a.astype(dtype) for a in (x, w, gy))
    assert cpu_conv._Plan(x.shape, w.shape, y.shape[2:], dtype, *geometry).chunks == [(0, 2), (2, 4), (4, 5)]
    np.testing.assert_allclose(cpu_conv.conv2d(xs, ws, *geometry), y, rtol=rtol, atol=rtol)
    input_grad = reference_conv_transpose2d(gy, w, *geometry[:2], (0, 0), geometry[2])
    assert input_grad.shape == x.shape
    np.testing.assert_allclose(cpu_conv.conv2d_input_grad(gys, ws, x.shape, *geometry), input_grad,
                               rtol=rtol, atol=rtol)
    np.testing.assert_allclose(cpu_conv.conv2d_weight_grad(xs, gys, w.shape, *geometry),
                               reference_conv2d_weight_grad(x, gy, w.shape[2:], *geometry), rtol=rtol, atol=rtol)
    for out in (cpu_conv.conv2d(xs, ws, *geometry), cpu_conv.conv2d_input_grad(gys, ws, x.shape, *geometry)):
        assert out.dtype == dtype


@pytest.mark.parametrize("swap, axes, shape", [
    (cpu_conv._swap_last_axes, (0, 2, 1), (3, 5, 7)),          # numpy's copy
    (cpu_conv._swap_last_axes, (0, 2, 1), (2, 3, 300)),        # one band
    (cpu_conv._swap_last_axes, (0, 2, 1), (2, 40, 1100)),      # bands of TRANSPOSE_BAND rows
    (cpu_conv._swap_first_axes, (1, 0, 2), (3, 5, 7)),         # numpy's copy
    (cpu_conv._swap_first_axes, (1, 0, 2), (9, 70, 1700)),     # the numba kernel (over 4 MiB)
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_axis_swaps_on_every_path(swap, axes, shape, dtype):
    src = np.random.default_rng(7).standard_normal(shape).astype(dtype)
    dst = np.empty(tuple(shape[a] for a in axes), dtype)
    swap(src, dst)
    np.testing.assert_array_equal(dst, src.transpose(axes))


def test_a_gradient_larger_than_the_convolution_output_is_refused():
    """The 1-channel gather reads its taps without bounds tests, so an output size that conv2d could not have made
    must be refused before it runs."""
    x, w = np.zeros((2, 1, 8, 8), np.float32), np.zeros((3, 1, 3, 3), np.float32)
    assert cpu_conv.conv2d(x, w, (2, 2), (1, 1), (1, 1)).shape == (2, 3, 4, 4)
    with pytest.raises(ValueError, match=r"conv2d: \(5, 4\) output positions of a \(3, 3\) kernel .* reach outside"):
        cpu_conv.conv2d_weight_grad(x, np.zeros((2, 3, 5, 4), np.float32), w.shape, (2, 2), (1, 1), (1, 1))


@pytest.mark.parametrize("image, kernel, padding, dilation, output, applies", [
    ((4, 4), (4, 4), (0, 0), (1, 1), (1, 1), True),    # DCGAN's critic: 4×4 → 1×1
    ((1, 3), (1, 3), (0, 0), (1, 1), (1, 1), True),
    ((4, 4), (4, 4), (1, 1), (1, 1), (3, 3), False),   # padded: three positions a side
    ((5, 5), (4, 4), (0, 0), (1, 1), (2, 2), False),   # the kernel is smaller than the image
    ((5, 5), (3, 3), (0, 0), (2, 2), (1, 1), False),   # one position, but the dilated window skips pixels
    ((4, 4), (4, 4), (0, 0), (1, 1), (2, 2), False),   # a gradient given a larger output (never from conv2d)
])
def test_whole_window_convolutions_are_recognised(image, kernel, padding, dilation, output, applies):
    assert whole_window.applies(image, kernel, padding, dilation, output) is applies


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_whole_window_convolutions_are_matrix_products_on_the_cpu(monkeypatch, dtype):
    """conv2d, its input gradient and its weight gradient of a window that is the whole image, against the
    reference loops, with the row-matrix kernels made to fail: the CPU backend must take the matrix products."""
    rng = np.random.default_rng(6)
    x, w, b = rng.standard_normal((5, 3, 4, 2)), rng.standard_normal((6, 3, 4, 2)), rng.standard_normal(6)
    geometry = ((3, 2), (0, 0), (1, 1))
    y = reference_conv2d(x, w, *geometry)
    gy = rng.standard_normal(y.shape)

    def unused(*args):
        raise AssertionError("the row matrix was built for a window that is the whole image")
    monkeypatch.setattr(cpu_conv, "_Plan", unused)
    xs, ws, bs, gys = (a.astype(dtype) for a in (x, w, b, gy))
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    for out, expected in [
            (cpu_conv.conv2d(xs, ws, *geometry, bs), y + b[:, None, None]),
            (cpu_conv.conv2d_input_grad(gys, ws, x.shape, *geometry, bs[:3]),
             reference_conv_transpose2d(gy, w, *geometry[:2], (0, 0), geometry[2]) + b[:3, None, None]),
            (cpu_conv.conv2d_weight_grad(xs, gys, w.shape, *geometry),
             reference_conv2d_weight_grad(x, gy, w.shape[2:], *geometry))]:
        assert out.dtype == dtype and out.shape == expected.shape
        np.testing.assert_allclose(out, expected, rtol=rtol, atol=rtol)


def test_an_empty_batch_gives_empty_outputs_and_gradients():
    x, w = ng.zeros(0, 3, 8, 8, requires_grad=True), ng.ones(4, 3, 3, 3, requires_grad=True)
    y = conv2d(x, w, stride=2, padding=1)
    assert y.shape == (0, 4, 4, 4)
    y.sum().backward()
    assert x.grad.shape == x.shape and not w.grad.numpy().any()
    assert conv_transpose2d(ng.zeros(0, 4, 3, 3), ng.ones(4, 2, 3, 3), stride=2).shape == (0, 2, 7, 7)


def test_third_derivative_through_conv_is_finite_differences_of_the_second():
    # every backward is another conv Function, so derivatives of any order exist: check the third
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((1, 2, 4, 3)), rng.standard_normal((2, 2, 2, 2))

    def second(x, w):
        y = conv2d(x, w, stride=1, padding=1)
        gx, = ng.grad((y * y).sum(), [x], create_graph=True)
        gw, = ng.grad((gx * gx).sum(), [w], create_graph=True)
        return gw

    ng.autograd.gradcheck(second, [t(x).requires_grad_(), t(w).requires_grad_()], atol=1e-4)


# ---- PyTorch ------------------------------------------------------------------------------------------------

def _forward_backward_double_backward(fn, arrays, framework):
    """fn(*inputs), its gradient for a fixed cotangent (create_graph), and the gradient of
    Σ (gradient)² + Σ output · cotangent with respect to the inputs and the cotangent."""
    rng = np.random.default_rng(11)
    if framework == "torch":
        import torch
        inputs = [torch.tensor(a, requires_grad=True) for a in arrays]
        y = fn(*inputs)
        cotangent = torch.tensor(rng.standard_normal(tuple(y.shape)), requires_grad=True)
        grads = torch.autograd.grad(y, inputs, cotangent, create_graph=True)
        score = sum((g * g).sum() for g in grads) + (y * cotangent).sum()
        second = torch.autograd.grad(score, inputs + [cotangent])
        as_numpy = lambda v: v.detach().numpy()  # noqa: E731
    else:
        inputs = [ng.tensor(a, requires_grad=True) for a in arrays]
        y = fn(*inputs)
        cotangent = ng.tensor(rng.standard_normal(y.shape), requires_grad=True)
        grads = ng.grad(y, inputs, cotangent, create_graph=True)
        score = sum((g * g).sum() for g in grads) + (y * cotangent).sum()
        second = ng.grad(score, inputs + [cotangent])
        as_numpy = lambda v: v.numpy()  # noqa: E731
    return [as_numpy(y)] + [as_numpy(g) for g in grads] + [as_numpy(g) for g in second]


TORCH_CASES = {
    "conv2d": (lambda F: lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(1, 2)),
               [(2, 3, 9, 8), (4, 3, 3, 2), (4,)]),
    "conv2d, 5x5 stride 2 (WGAN-GP critic)": (lambda F: lambda x, w: F.conv2d(x, w, stride=2, padding=2),
                                             [(2, 2, 8, 8), (3, 2, 5, 5)]),
    "conv_transpose2d": (lambda F: lambda x, w, b: F.conv_transpose2d(x, w, b, stride=(2, 3), padding=(1, 0),
                                                                        output_padding=(1, 2)),
                         [(2, 3, 4, 5), (3, 2, 3, 4), (2,)]),
    "conv_transpose2d, output_padding from dilation": (
        lambda F: lambda x, w: F.conv_transpose2d(x, w, stride=1, padding=1, output_padding=1, dilation=2),
        [(1, 2, 4, 3), (2, 3, 3, 2)]),
    "conv_transpose2d, 4x4 stride 2 (DCGAN generator)": (
        lambda F: lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1), [(2, 3, 4, 4), (3, 2, 4, 4)]),
    # the window is the whole image: matrix products (backend/whole_window.py), in every order of derivative
    "conv2d, the window is the image (DCGAN critic's last layer)": (
        lambda F: lambda x, w, b: F.conv2d(x, w, b, stride=2), [(3, 2, 4, 3), (2, 2, 4, 3), (2,)]),
    "conv_transpose2d from 1x1 (DCGAN generator's first layer)": (
        lambda F: lambda x, w, b: F.conv_transpose2d(x, w, b), [(3, 4, 1, 1), (4, 2, 4, 3), (2,)]),
    # padding="same" pads d(k-1) per axis: even (2·2 rows) is symmetric, odd (3 columns) puts the extra one after
    "conv2d, padding='same', dilated": (lambda F: lambda x, w, b: F.conv2d(x, w, b, padding="same", dilation=(2, 1)),
                                        [(2, 3, 6, 5), (4, 3, 3, 4), (4,)]),
    "conv2d, padding='same', even kernel (the odd row and column after)": (
        lambda F: lambda x, w, b: F.conv2d(x, w, b, padding="same", dilation=(1, 3)),
        [(2, 3, 5, 7), (2, 3, 4, 2), (2,)]),
    "conv2d, padding='valid'": (lambda F: lambda x, w: F.conv2d(x, w, stride=2, padding="valid"),
                                [(2, 3, 7, 6), (2, 3, 3, 2)]),
    # one image (C, H, W), as PyTorch takes it: a batch of one, the batch axis dropped again
    "conv2d, unbatched": (lambda F: lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=1),
                          [(3, 9, 8), (4, 3, 3, 2), (4,)]),
    "conv2d, unbatched, padding='same' with an even kernel": (
        lambda F: lambda x, w: F.conv2d(x, w, padding="same"), [(3, 5, 7), (2, 3, 4, 2)]),
    "conv_transpose2d, unbatched": (lambda F: lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1,
                                                                                   output_padding=1),
                                    [(3, 4, 5), (3, 2, 3, 4), (2,)]),
    # groups = G: G convolutions side by side, the weight holding one group's input (conv2d) or output channels
    "conv2d, 3 groups, strided and dilated": (
        lambda F: lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=3),
        [(2, 6, 9, 8), (9, 2, 3, 2), (9,)]),
    "conv2d, depthwise (groups = channels), padding='same'": (
        lambda F: lambda x, w: F.conv2d(x, w, padding="same", groups=4), [(2, 4, 5, 6), (8, 1, 3, 2)]),
    "conv_transpose2d, 2 groups": (
        lambda F: lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1, groups=2),
        [(2, 4, 4, 5), (4, 3, 3, 4), (6,)]),
    "conv_transpose2d, unbatched, 2 groups, dilated": (
        lambda F: lambda x, w: F.conv_transpose2d(x, w, stride=1, padding=1, groups=2, dilation=2),
        [(4, 4, 3), (4, 1, 3, 2)]),
    "StyleGAN2's modulated convolution (groups = batch)": (lambda F: lambda x, w, s: _modulated_conv(F, x, w, s),
                                                           [(3, 2, 5, 4), (4, 2, 3, 3), (3, 2)]),
    # the 1-D ones: the 2-D ones on height-1 images, so every 2-D setting carries over
    "conv1d, 3 groups, strided, padded, dilated": (
        lambda F: lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=(1,), dilation=2, groups=3),
        [(2, 6, 11), (6, 2, 3), (6,)]),
    "conv1d, unbatched, padding='same' with an even kernel": (
        lambda F: lambda x, w: F.conv1d(x, w, padding="same", dilation=3), [(6, 11), (4, 6, 4)]),
    "conv_transpose1d, 2 groups": (
        lambda F: lambda x, w, b: F.conv_transpose1d(x, w, b, stride=3, padding=1, output_padding=2, groups=2),
        [(2, 4, 5), (4, 3, 4), (6,)]),
    "conv_transpose1d, unbatched, dilated": (lambda F: lambda x, w: F.conv_transpose1d(x, w, stride=(2,), dilation=2),
                                             [(3, 5), (3, 2, 3)]),
}


def _modulated_conv(F, x, weight, style):
    """StyleGAN2's modulated, demodulated convolution as its code writes it: each sample's weight scaled by its style
    per input channel and normalised per output channel, the batch run as one image of N·C channels in N groups."""
    n, c, h, w = x.shape
    o, _, kh, kw = weight.shape
    modulated = weight[None] * style[:, None, :, None, None]  # (N, O, C, kh, kw)
    demodulated = modulated * ((modulated ** 2).sum((2, 3, 4)) + 1e-8).rsqrt()[:, :, None, None, None]
    y = F.conv2d(x.reshape(1, n * c, h, w), demodulated.reshape(n * o, c, kh, kw), padding=1, groups=n)
    return y.reshape(n, o, h, w)


@pytest.mark.parametrize("case", sorted(TORCH_CASES))
def test_against_pytorch_forward_backward_double_backward(case):
    torch = pytest.importorskip("torch")
    make, shapes = TORCH_CASES[case]
    from nanogan.ops import conv as ng_conv
    rng = np.random.default_rng(12)
    arrays = [rng.standard_normal(s) for s in shapes]
    expected = _forward_backward_double_backward(make(torch.nn.functional), arrays, "torch")
    actual = _forward_backward_double_backward(make(ng_conv), arrays, "nanogan")
    for what, a, e in zip(["forward"] + ["grad"] * len(shapes) + ["double grad"] * (len(shapes) + 1), actual, expected):
        np.testing.assert_allclose(a, e, rtol=1e-6, atol=1e-9, err_msg=f"{case}: {what}")


@pytest.mark.parametrize("output_size", [(8, 8), (7, 8), [1, 3, 8, 7], (3, 7, 7)])
def test_transposed_layer_takes_pytorchs_output_size(output_size):
    """ConvTranspose2d.forward(x, output_size) picks among the sizes a stride-2 convolution maps to x's: it was
    refused with a TypeError. Given with x's leading dims, (N, C, H, W) or (C, H, W), as PyTorch reads it."""
    torch = pytest.importorskip("torch")
    ours, theirs = ng.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1), torch.nn.ConvTranspose2d(2, 3, 3, 2, 1)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    shape = (2, 4, 4) if len(output_size) == 3 else (1, 2, 4, 4)
    x = np.random.default_rng(5).standard_normal(shape).astype(np.float32)
    expected = theirs(torch.tensor(x), output_size=output_size).detach().numpy()
    actual = ours(ng.tensor(x), output_size=output_size).numpy()
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)


def test_transposed_layer_refuses_an_output_size_out_of_reach():
    layer, x = ng.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1), ng.zeros(1, 2, 4, 4)
    with pytest.raises(ValueError, match=r"ConvTranspose2d: output_size \(9, 8\) cannot come from input of shape "
                                         r"\(1, 2, 4, 4\): the sizes range from \(7, 7\) to \(8, 8\)"):
        layer(x, output_size=(9, 8))
    with pytest.raises(ValueError, match=r"ConvTranspose2d: output_size must hold 2 or 4 sizes for input of shape "
                                         r"\(1, 2, 4, 4\), got \(2, 8, 8\)"):
        layer(x, output_size=(2, 8, 8))


# ---- bad input ----------------------------------------------------------------------------------------------

def test_bad_input_is_refused_with_the_op_and_shapes():
    x, w = ng.zeros(1, 3, 5, 5), ng.zeros(4, 3, 3, 3)
    for shape in ((5, 5), (1, 1, 3, 5, 5)):  # (3, 5, 5) is one unbatched image
        with pytest.raises(ValueError, match=r"conv2d: expected a 4-D input \(N, C, H, W\) or a 3-D one "
                                             rf"\(C, H, W\), got shape {re.escape(str(shape))}"):
            conv2d(ng.zeros(*shape), w)
    with pytest.raises(ValueError, match=r"conv_transpose2d: expected a 4-D input \(N, C, H, W\) or a 3-D one"):
        conv_transpose2d(ng.zeros(3, 5), ng.zeros(3, 2, 3, 3))
    # an unbatched image is named as the batch of one it runs as, as PyTorch names it
    with pytest.raises(ValueError, match=r"conv2d: input of shape \(1, 2, 5, 5\) has 2 channels"):
        conv2d(ng.zeros(2, 5, 5), w)
    with pytest.raises(ValueError, match=r"conv2d: input of shape \(1, 2, 5, 5\) has 2 channels but weight of "
                                         r"shape \(4, 3, 3, 3\) expects 3"):
        conv2d(ng.zeros(1, 2, 5, 5), w)
    with pytest.raises(ValueError, match=r"conv2d: kernel of size \(3, 3\) \(dilated extent \(5, 5\)\) is larger "
                                         r"than the padded input \(4, 4\)"):
        conv2d(ng.zeros(1, 3, 4, 4), w, dilation=2)
    with pytest.raises(ValueError, match=r"conv2d: kernel of size \(7, 2\).*padded input \(5, 5\)"):
        conv2d(x, ng.zeros(4, 3, 7, 2))
    with pytest.raises(TypeError, match=r"conv2d: expected floating-point tensors, got int64 for argument 0 "
                                        r"of shape \(1, 3, 5, 5\)"):
        conv2d(ng.tensor(np.zeros((1, 3, 5, 5), dtype=np.int64)), w)
    with pytest.raises(TypeError, match=r"conv2d: input \(float32\), weight \(float64\) must share one dtype"):
        conv2d(x, w.double())
    with pytest.raises(ValueError, match=r"conv2d: bias of shape \(3,\) does not match weight of shape "
                                         r"\(4, 3, 3, 3\); expected \(4,\)"):
        conv2d(x, w, ng.zeros(3))
    with pytest.raises(ValueError, match=r"conv2d: stride must be an int or a pair of ints >= 1, got 0"):
        conv2d(x, w, stride=0)
    with pytest.raises(ValueError, match=r"conv2d: padding must be an int or a pair of ints >= 0, got \(1, 2, 3\)"):
        conv2d(x, w, padding=(1, 2, 3))
    with pytest.raises(ValueError, match=r"conv2d: padding must be 'valid', 'same', an int or a pair of ints >= 0, "
                                         r"got 'full'"):
        conv2d(x, w, padding="full")
    with pytest.raises(ValueError, match=r"conv2d: stride must be 1 with padding='same', got \(1, 2\)"):
        conv2d(x, w, stride=(1, 2), padding="same")
    with pytest.raises(ValueError, match=r"conv2d: input of shape \(1, 3, 5, 5\) has 3 channels but weight of "
                                         r"shape \(4, 3, 3, 3\) expects 9 in 3 groups"):
        conv2d(x, w, groups=3)
    with pytest.raises(ValueError, match=r"conv2d: weight of shape \(2, 1, 3, 3\) cannot be split into 3 groups: "
                                         r"its dimension 0 \(2\) is not divisible by 3"):
        conv2d(x, ng.zeros(2, 1, 3, 3), groups=3)
    with pytest.raises(ValueError, match=r"conv2d: groups must be an int >= 1, got 0"):
        conv2d(x, w, groups=0)
    wt = ng.zeros(3, 2, 3, 3)
    with pytest.raises(ValueError, match=r"conv_transpose2d: input of shape \(1, 4, 5, 5\) has 4 channels but "
                                         r"weight of shape \(3, 2, 3, 3\) expects 3"):
        conv_transpose2d(ng.zeros(1, 4, 5, 5), wt)
    with pytest.raises(ValueError, match=r"conv_transpose2d: output_padding \(2, 2\) must be smaller than either "
                                         r"stride \(2, 2\) or dilation \(1, 1\)"):
        conv_transpose2d(x, wt, stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"conv_transpose2d: .* give an output of size \(-3, -3\), which is not "
                                         r"positive"):
        conv_transpose2d(ng.zeros(1, 3, 1, 1), wt, padding=3)
    with pytest.raises(ValueError, match=r"conv_transpose2d: expected a 4-D weight \(in_channels, out_channels, "
                                         r"KH, KW\), got shape \(3, 2, 3\)"):
        conv_transpose2d(x, ng.zeros(3, 2, 3))
    with pytest.raises(ValueError, match=r"conv_transpose2d: padding must be an int or a pair of ints >= 0, "
                                         r"got 'same'"):
        conv_transpose2d(x, wt, padding="same")
    with pytest.raises(ValueError, match=r"conv_transpose2d: weight of shape \(3, 2, 3, 3\) cannot be split into "
                                         r"2 groups"):
        conv_transpose2d(x, wt, groups=2)


# ---- unfold and fold --------------------------------------------------------------------------------------------

FOLD_GEOMETRIES = [dict(kernel_size=2), dict(kernel_size=(2, 3), dilation=(2, 1), padding=(1, 0), stride=(1, 2)),
                   dict(kernel_size=3, padding=1, stride=2), dict(kernel_size=(1, 4), dilation=2, stride=(3, 1))]


@pytest.mark.parametrize("geometry", FOLD_GEOMETRIES)
def test_unfold_and_fold_match_pytorch_to_the_second_derivative(geometry):
    torch = pytest.importorskip("torch")
    from harness import compare_with_torch
    x = np.random.default_rng(5).standard_normal((2, 3, 7, 8))
    columns = compare_with_torch(lambda x: ng.nn.functional.unfold(x, **geometry),
                                 lambda x: torch.nn.functional.unfold(x, **geometry), [x])
    compare_with_torch(lambda c: ng.nn.functional.fold(c, (7, 8), **geometry),
                       lambda c: torch.nn.functional.fold(c, (7, 8), **geometry), [columns.numpy() + 1])
    # unbatched, as PyTorch takes them: (C, H, W) -> (C·kh·kw, L) and back
    compare_with_torch(lambda x: ng.nn.functional.unfold(x, **geometry),
                       lambda x: torch.nn.functional.unfold(x, **geometry), [x[0]])
    compare_with_torch(lambda c: ng.nn.functional.fold(c, (7, 8), **geometry),
                       lambda c: torch.nn.functional.fold(c, (7, 8), **geometry), [columns.numpy()[0]])


def test_worked_example_unfold_lists_blocks_and_fold_sums_overlaps():
    x = ng.tensor([[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]]])
    columns = ng.nn.functional.unfold(x, (2, 2))  # two 2x2 blocks, each a column (taps in row-major order)
    np.testing.assert_array_equal(columns.numpy()[0], [[1, 2], [2, 3], [4, 5], [5, 6]])
    # the middle column was read by both blocks: fold adds it back twice
    np.testing.assert_array_equal(ng.nn.functional.fold(columns, (2, 3), (2, 2)).numpy()[0, 0], [[1, 4, 3], [4, 10, 6]])


def test_one_dimensional_convolutions_refuse_bad_input_with_the_op_and_shapes():
    from nanogan.ops.conv import conv1d, conv_transpose1d
    with pytest.raises(ValueError, match=r"conv1d: expected a 3-D input \(N, C, L\) or a 2-D one \(C, L\), got "
                                         r"\(2, 3, 4, 5\)"):
        conv1d(ng.zeros(2, 3, 4, 5), ng.zeros(2, 3, 2))
    with pytest.raises(ValueError, match=r"conv_transpose1d: expected a 3-D weight, got \(3, 2, 2, 2\)"):
        conv_transpose1d(ng.zeros(2, 3, 5), ng.zeros(3, 2, 2, 2))
    # past the ranks, the 2-D op's checks under the 1-D op's name, on the height-1 shapes
    with pytest.raises(ValueError, match=r"conv1d: input of shape \(2, 3, 1, 5\) has 3 channels but weight of "
                                         r"shape \(2, 4, 1, 2\) expects 4"):
        conv1d(ng.zeros(2, 3, 5), ng.zeros(2, 4, 2))
    with pytest.raises(ValueError, match=r"conv1d: stride must be an int or a sequence of one int >= 1, got \(1, 2\)"):
        conv1d(ng.zeros(2, 3, 5), ng.zeros(2, 3, 2), stride=(1, 2))
    with pytest.raises(ValueError, match=r"Conv1d: expected input of shape \(N, 3, L\) or \(3, L\), got \(2, 4, 5\)"):
        ng.nn.Conv1d(3, 2, 2)(ng.zeros(2, 4, 5))


def test_unfold_and_fold_refuse_bad_input_with_the_op_and_shapes():
    F = ng.nn.functional
    with pytest.raises(ValueError, match=r"unfold: expected a 4-D input \(N, C, H, W\) or a 3-D one .*\(5, 6\)"):
        F.unfold(ng.zeros(5, 6), 2)
    with pytest.raises(ValueError, match=r"unfold: spatial size \(5, 6\) with kernel_size \(7, 7\).*\(-1, 0\)"):
        F.unfold(ng.zeros(2, 3, 5, 6), 7)
    with pytest.raises(ValueError, match=r"fold: output_size \(6, 7\) .* 5 \* 6 = 30 sliding blocks, but the input "
                                         r"of shape \(2, 12, 20\) holds 20"):
        F.fold(ng.zeros(2, 12, 20), (6, 7), 2)
    with pytest.raises(ValueError, match=r"fold: input of shape \(2, 13, 30\) has 13 rows, which is not divisible "
                                         r"by the kernel's 4 taps"):
        F.fold(ng.zeros(2, 13, 30), (6, 7), 2)
    with pytest.raises(ValueError, match=r"fold: expected a 3-D input .*\(2, 12, 29, 2\)"):
        F.fold(ng.zeros(2, 12, 29, 2), (6, 7), 2)
    with pytest.raises(ValueError, match=r"unfold: stride must be an int or a pair of ints >= 1, got 0"):
        F.unfold(ng.zeros(2, 3, 5, 6), 2, stride=0)


@pytest.mark.parametrize("call, message", [
    (lambda lib: lib.nn.functional.unfold(lib.zeros(1, 0, 4, 4, dtype=lib.float64), 2),
     r"unfold: expected non-empty dimensions but the batch, .*\(1, 0, 4, 4\)"),
    (lambda lib: lib.nn.functional.unfold(lib.zeros(0, 4, 4, dtype=lib.float64), 2),
     r"unfold: expected non-empty dimensions but the batch, .*\(1, 0, 4, 4\)"),
    (lambda lib: lib.nn.functional.fold(lib.zeros(1, 0, 9, dtype=lib.float64), (4, 4), 2),
     r"fold: expected non-empty dimensions but the batch, .*\(1, 0, 9\)"),
])
def test_unfold_and_fold_refuse_empty_channels_as_torch(call, message):
    """PyTorch refuses blocks of nothing; nanogan returned an empty tensor."""
    refused_as_by_torch(call, ValueError, message)
