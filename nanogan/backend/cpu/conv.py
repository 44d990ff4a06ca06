"""Convolution kernels: im2row and row2im in numba around large BLAS matrix products.

Notation: x (N, C, H, W), w (O, C, KH, KW), y (N, O, OH, OW); stride (sh, sw), padding (ph, pw),
dilation (dh, dw). A kernel tap (kh, kw) of output pixel (oh, ow) reads the input at

    ih = oh·sh - ph + kh·dh,   iw = ow·sw - pw + kw·dw          (outside 0 ≤ ih < H, 0 ≤ iw < W: zero)
    y[n, o, oh, ow] = Σ_{c, kh, kw} w[o, c, kh, kw] · x[n, c, ih, iw]     (cross-correlation)

The row matrix holds, for every output pixel, the input values under its kernel window:

    rows[p, k] = x[n, c, ih, iw],   p = (n·OH + oh)·OW + ow,   k = (kh·KW + kw)·C + c

so that, with Wr = w as an (O, KH·KW·C) matrix (taps major, channels minor, matching k) and Y, GY =
y, gy as (O, N·OH·OW) matrices,

    conv2d               Y   = Wr · rowsᵀ
    conv2d_weight_grad   gWr = GY · rows
    conv2d_input_grad    gx  = row2im(GYᵀ · Wr)      (row2im sums each input pixel's taps: im2row's adjoint)

Channels are the fastest-moving index of k because then every tap is a run of C contiguous values
of x in NHWC order: im2row and row2im are runs of vectorised copies and adds, with the NCHW ↔ NHWC
transposes outside them. With one channel (a first layer) a run is a single value, so im2row reads those
images from a zero-padded copy instead, where no tap needs a bounds test. The batch is processed in chunks
whose row matrix stays in the last-level cache, where BLAS also runs fastest. Arrays are float32 or
float64, NCHW in and out. A convolution whose window is the whole image (no padding or dilation, the kernel
as large as the image) needs no row matrix: it is one matrix product of the arrays as they are
(backend/whole_window.py).
"""
import functools

import numpy as np
from numba import njit, prange

from .. import add_channel_bias_, whole_window
from .blas import matmul
from .threads import threads_for

# Row-matrix bytes per batch chunk: the product consumes each chunk while it is still in the
# last-level cache, and BLAS is faster on a cache-resident operand than on one streamed from memory
# (whole-batch rows of a big layer are tens of MiB).
CHUNK_BYTES = 4 << 20
# A transpose task reads a band of this many source rows at once and writes runs of as many
# contiguous values: few enough rows that rows 4 KiB apart (a 1024-wide plane) do not evict each
# other from the L1 cache's ways. A plane of at most SMALL_PLANE_BYTES is one band: it is cached whole.
TRANSPOSE_BAND = 8
SMALL_PLANE_BYTES = 64 << 10
# Source rows shorter than this are transposed by numpy's strided copy instead: on the 2-core VM (2026-12-03) it was
# 1.0-5x faster than the bands on all 17 shapes tried with short rows, as all of the WGAN-GP MNIST networks' are. With
# longer rows it was faster on three shapes and 1.6-2.2x slower on two (the 1 KiB and 4 KiB rows of 64-channel
# 16x16 and 32x32 images), so those keep the bands.
NUMPY_TRANSPOSE_BELOW = 1 << 10
# Arrays smaller than this swap their first two axes by numpy's strided copy: on the same VM, timed alone, it took
# 8-13 us for the 100-300 KB arrays of the default WGAN-GP MNIST run where the numba kernel took 50-120; the two were
# even from 1 to 4 MiB, and from 8 MiB up the numba kernel, on two threads, was 2.5-5x faster.
NUMPY_SWAP_BELOW = 4 << 20


@njit(cache=True, parallel=True)
def _transpose_bands(src, dst, band):
    # dst[n, b, a] = src[n, a, b]; one task per (image n, band of `band` values of a)
    batch, size_a, size_b = src.shape
    bands = (size_a + band - 1) // band
    for task in prange(batch * bands):
        n = task // bands
        a_start = (task - n * bands) * band
        a_stop = min(a_start + band, size_a)
        for b in range(size_b):
            for a in range(a_start, a_stop):
                dst[n, b, a] = src[n, a, b]


def _swap_last_axes(src, dst):
    """dst[n, b, a] = src[n, a, b]."""
    if src.shape[2] * src.itemsize < NUMPY_TRANSPOSE_BELOW:
        np.copyto(dst, src.transpose(0, 2, 1))
        return
    plane_bytes = src.shape[1] * src.shape[2] * src.itemsize
    _transpose_bands(src, dst, src.shape[1] if plane_bytes <= SMALL_PLANE_BYTES else TRANSPOSE_BAND)


@njit(cache=True, parallel=True)
def _im2row(x, kernel_h, kernel_w, sh, sw, ph, pw, dh, dw, out_h, out_w, rows):
    # rows[(n·OH + oh)·OW + ow, (kh·KW + kw)·C + c] = x[n, oh·sh - ph + kh·dh, ow·sw - pw + kw·dw, c]
    # (x in NHWC; zero where the tap falls in the padding). One task per output row (n, oh).
    batch, height, width, channels = x.shape
    for task in prange(batch * out_h):
        n = task // out_h
        oh = task - n * out_h
        for ow in range(out_w):
            p = task * out_w + ow
            for kh in range(kernel_h):
                ih = oh * sh - ph + kh * dh
                for kw in range(kernel_w):
                    iw = ow * sw - pw + kw * dw
                    k = (kh * kernel_w + kw) * channels
                    if 0 <= ih < height and 0 <= iw < width:
                        for c in range(channels):
                            rows[p, k + c] = x[n, ih, iw, c]
                    else:
                        for c in range(channels):
                            rows[p, k + c] = 0


@njit(cache=True, parallel=True)
def _im2row_one_channel(padded, kernel_h, kernel_w, sh, sw, dh, dw, out_h, out_w, rows):
    # rows[(n·OH + oh)·OW + ow, kh·KW + kw] = padded[n, oh·sh + kh·dh, ow·sw + kw·dw]
    # C = 1 and x zero-padded by (ph, pw) on each side, so every tap lands inside the array: no bounds tests, and
    # no loop over channels (_im2row's loop of one value per tap made it 2-4x slower on a 1-channel first layer).
    # One task per output row (n, oh).
    for task in prange(padded.shape[0] * out_h):
        n = task // out_h
        oh = task - n * out_h
        for ow in range(out_w):
            p = task * out_w + ow
            for kh in range(kernel_h):
                ih = oh * sh + kh * dh
                for kw in range(kernel_w):
                    rows[p, kh * kernel_w + kw] = padded[n, ih, ow * sw + kw * dw]


@njit(cache=True)
def _valid_range(out_size, in_size, stride, shift):
    """[lo, hi): the output positions o whose tap o·stride + shift lies inside 0 <= i < in_size."""
    lo = min(out_size, max(0, -(shift // stride)))
    hi = max(lo, min(out_size, (in_size - 1 - shift) // stride + 1))
    return lo, hi


@njit(cache=True, parallel=True)
def _row2im(rows, kernel_h, kernel_w, sh, sw, ph, pw, dh, dw, out_h, out_w, gx):
    # gx[n, ih, iw, c] = Σ over the taps (kh, kw) of output pixels (oh, ow) that read input pixel (ih, iw),
    #                    i.e. oh·sh - ph + kh·dh = ih and ow·sw - pw + kw·dw = iw,
    #                    of rows[(n·OH + oh)·OW + ow, (kh·KW + kw)·C + c]          (gx in NHWC)
    # One task per input row (n, ih): it owns gx[n, ih], so its adds need no atomics. For each kh the
    # row's output row oh is found once; along the row, the in-range ow of each kw are walked directly.
    batch, height, width, channels = gx.shape
    for task in prange(batch * height):
        n = task // height
        ih = task - n * height
        gx[n, ih] = 0
        for kh in range(kernel_h):
            th = ih + ph - kh * dh
            oh = th // sh
            if th < 0 or oh * sh != th or oh >= out_h:
                continue
            for kw in range(kernel_w):
                shift = kw * dw - pw
                ow_lo, ow_hi = _valid_range(out_w, width, sw, shift)
                k = (kh * kernel_w + kw) * channels
                for ow in range(ow_lo, ow_hi):
                    p = (n * out_h + oh) * out_w + ow
                    iw = ow * sw + shift
                    for c in range(channels):
                        gx[n, ih, iw, c] += rows[p, k + c]


@njit(cache=True, parallel=True)
def _swap_first_axes_rows(src, dst):
    # dst[b, a, :] = src[a, b, :]; one task per row (b, a) of dst
    size_a, size_b, _ = src.shape
    for task in prange(size_b * size_a):
        b = task // size_a
        a = task - b * size_a
        dst[b, a, :] = src[a, b, :]


def _swap_first_axes(src, dst):
    """dst[b, a, :] = src[a, b, :]: the (O, N·L) product matrix as an (N, O, L) array, and back."""
    if src.nbytes < NUMPY_SWAP_BELOW:
        np.copyto(dst, src.transpose(1, 0, 2))
    else:
        _swap_first_axes_rows(src, dst)


def output_size(size, kernel, stride, padding, dilation):
    """floor((n + 2p - d(k-1) - 1) / s) + 1, the number of kernel positions along one axis."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


class _Plan:
    """How one convolution walks its batch: the chunks, and buffers sized for the largest one (its row
    matrix, and its images in NHWC order, or zero-padded when they have one channel)."""

    def __init__(self, x_shape, w_shape, out_hw, dtype, stride, padding, dilation):
        batch, channels, height, width = x_shape
        for axis in (0, 1):  # _im2row_one_channel reads every tap unchecked (numba checks no index)
            if (out_hw[axis] - 1) * stride[axis] + (w_shape[2 + axis] - 1) * dilation[axis] >= \
                    x_shape[2 + axis] + 2 * padding[axis]:
                raise ValueError(f"conv2d: {tuple(out_hw)} output positions of a {tuple(w_shape[2:])} kernel (stride "
                                 f"{tuple(stride)}, padding {tuple(padding)}, dilation {tuple(dilation)}) reach "
                                 f"outside an image of {tuple(x_shape[2:])}")
        self.taps = (w_shape[2], w_shape[3])
        self.geometry = (stride, padding, dilation, tuple(out_hw))
        self.width_k = channels * w_shape[2] * w_shape[3]
        self.length = out_hw[0] * out_hw[1]
        per_image = self.width_k * self.length * np.dtype(dtype).itemsize
        count = max(1, min(batch, -(-batch * per_image // CHUNK_BYTES)))
        size = max(1, -(-batch // count))  # an empty batch makes no chunks
        self.chunks = [(start, min(start + size, batch)) for start in range(0, batch, size)]
        self.values = batch * self.length * self.width_k  # the row-matrix values the gathers move
        self.rows_buffer = np.empty(size * self.length * self.width_k, dtype=dtype)
        self.image_shape = (height, width, channels)
        self.image_buffer = np.empty(size * channels * height * width if channels > 1 else 0, dtype=dtype)
        self.chunk_size = size

    def rows(self, start, stop):
        count = stop - start
        return self.rows_buffer[:count * self.length * self.width_k].reshape(count * self.length, self.width_k)

    @functools.cached_property
    def padded_images(self):
        """Room for a chunk of 1-channel images inside a border of zeros as wide as the padding: each chunk is
        copied into the middle, and the border stays zero."""
        height, width, _ = self.image_shape
        _, (ph, pw), _, _ = self.geometry
        return np.zeros((self.chunk_size, height + 2 * ph, width + 2 * pw), dtype=self.rows_buffer.dtype)

    def gather_rows(self, x, start, stop):
        """The row matrix of images start:stop of x (NCHW)."""
        rows = self.rows(start, stop)
        (sh, sw), (ph, pw), dilation, out_hw = self.geometry
        height, width, channels = self.image_shape
        if channels == 1:
            padded = self.padded_images[:stop - start]
            padded[:, ph:ph + height, pw:pw + width] = x[start:stop, 0]
            _im2row_one_channel(padded, *self.taps, sh, sw, *dilation, *out_hw, rows)
        else:
            _im2row(self.nhwc(x, start, stop), *self.taps, sh, sw, ph, pw, *dilation, *out_hw, rows)
        return rows

    def columns(self, start, stop):
        """The columns of an (·, N·OH·OW) matrix that belong to images start:stop."""
        return slice(start * self.length, stop * self.length)

    def nhwc(self, x, start, stop):
        """Images start:stop of x (NCHW, C > 1) in NHWC order, a transposed copy. Transposing chunk by chunk keeps
        the copy in cache for the gather that reads it next."""
        height, width, channels = self.image_shape
        image = self.image_buffer[:(stop - start) * height * width * channels].reshape(
            stop - start, height, width, channels)
        _swap_last_axes(x[start:stop].reshape(stop - start, channels, height * width),
                        image.reshape(stop - start, height * width, channels))
        return image

    def to_nchw(self, image, gx, start, stop):
        """gx[start:stop] = image (NHWC), unless image already is that view of gx (C = 1)."""
        height, width, channels = self.image_shape
        if channels > 1:
            _swap_last_axes(image.reshape(stop - start, height * width, channels),
                            gx[start:stop].reshape(stop - start, channels, height * width))

    def nhwc_target(self, gx, start, stop):
        """Where row2im gathers images start:stop of gx: the NHWC buffer, or gx itself when C = 1."""
        height, width, channels = self.image_shape
        if channels == 1:
            return gx[start:stop].reshape(stop - start, height, width, 1)
        return self.image_buffer[:(stop - start) * height * width * channels].reshape(
            stop - start, height, width, channels)


def _channel_matrix(gy):
    """gy (N, O, OH, OW) as the (O, N·OH·OW) matrix GY (the same bytes when O = 1)."""
    batch, channels, out_h, out_w = gy.shape
    if channels == 1:
        return gy.reshape(1, batch * out_h * out_w)
    matrix = np.empty((channels, batch * out_h * out_w), dtype=gy.dtype)
    _swap_first_axes(gy.reshape(batch, channels, out_h * out_w), matrix.reshape(channels, batch, out_h * out_w))
    return matrix


def _weight_matrix(w):
    """w (O, C, KH, KW) as Wr (O, KH·KW·C), the column order of the row matrix."""
    return np.ascontiguousarray(w.transpose(0, 2, 3, 1)).reshape(w.shape[0], -1)


def conv2d(x, w, stride, padding, dilation, bias=None):
    """y = x ⋆ w (+ bias[o] on channel o; cross-correlation): (N, C, H, W), (O, C, KH, KW), (O,) -> (N, O, OH, OW)."""
    if whole_window.applies(x.shape[2:], w.shape[2:], padding, dilation):
        return whole_window.conv2d(matmul, x, w, bias)
    x = np.ascontiguousarray(x)
    out_hw = tuple(output_size(x.shape[2 + i], w.shape[2 + i], stride[i], padding[i], dilation[i]) for i in (0, 1))
    plan = _Plan(x.shape, w.shape, out_hw, x.dtype, stride, padding, dilation)
    weights = _weight_matrix(w)
    y = np.empty((x.shape[0], w.shape[0], plan.length), dtype=x.dtype)
    with threads_for(plan.values):
        for start, stop in plan.chunks:
            rows = plan.gather_rows(x, start, stop)
            if w.shape[0] == 1:  # one output channel: the product is already NCHW
                np.matmul(weights, rows.T, out=y[start:stop].reshape(1, -1))
            else:  # reordered while the chunk's product is still in cache
                _swap_first_axes((weights @ rows.T).reshape(w.shape[0], stop - start, -1), y[start:stop])
    return add_channel_bias_(y.reshape(x.shape[0], w.shape[0], *out_hw), bias)


def conv2d_input_grad(gy, w, x_shape, stride, padding, dilation, bias=None):
    """gx = ∂<conv2d(x, w), gy>/∂x, the adjoint of conv2d in x (= conv_transpose2d(gy, w)), of shape x_shape;
    plus bias[c] on channel c (conv_transpose2d's bias)."""
    if whole_window.applies(x_shape[2:], w.shape[2:], padding, dilation, gy.shape[2:]):
        return whole_window.conv2d_input_grad(matmul, gy, w, x_shape, bias)
    plan = _Plan(x_shape, w.shape, gy.shape[2:], gy.dtype, stride, padding, dilation)
    weights = _weight_matrix(w)
    gx = np.empty(x_shape, dtype=gy.dtype)
    with threads_for(plan.values):
        matrix = _channel_matrix(np.ascontiguousarray(gy))
        for start, stop in plan.chunks:
            d_rows = plan.rows(start, stop)
            np.matmul(matrix[:, plan.columns(start, stop)].T, weights, out=d_rows)
            image = plan.nhwc_target(gx, start, stop)
            _row2im(d_rows, *plan.taps, *stride, *padding, *dilation, *gy.shape[2:], image)
            plan.to_nchw(image, gx, start, stop)
    return add_channel_bias_(gx, bias)


def conv2d_weight_grad(x, gy, w_shape, stride, padding, dilation):
    """gw = ∂<conv2d(x, w), gy>/∂w, of shape w_shape = (O, C, KH, KW)."""
    if whole_window.applies(x.shape[2:], w_shape[2:], padding, dilation, gy.shape[2:]):
        return whole_window.conv2d_weight_grad(matmul, x, gy, w_shape)
    x = np.ascontiguousarray(x)
    plan = _Plan(x.shape, w_shape, gy.shape[2:], x.dtype, stride, padding, dilation)
    g_weights = np.zeros((w_shape[0], plan.width_k), dtype=x.dtype)
    with threads_for(plan.values):
        matrix = _channel_matrix(np.ascontiguousarray(gy))
        for start, stop in plan.chunks:
            g_weights += matrix[:, plan.columns(start, stop)] @ plan.gather_rows(x, start, stop)
    out_ch, channels, kernel_h, kernel_w = w_shape
    return np.ascontiguousarray(g_weights.reshape(out_ch, kernel_h, kernel_w, channels).transpose(0, 3, 1, 2))
