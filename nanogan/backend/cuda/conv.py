"""Convolution on the GPU: nanogan's implicit-GEMM kernels (csrc/kernels/conv2d.cu) for float32, and the
same three maps as array code for other dtypes.

Notation as in backend/cpu/conv.py: x (N, C, H, W), w (O, C, KH, KW), y (N, O, OH, OW); stride (sh, sw),
padding (ph, pw), dilation (dh, dw) are pairs of ints;

    y[n, o, oh, ow] = Σ_{c, kh, kw} w[o, c, kh, kw] · x[n, c, oh·sh - ph + kh·dh, ow·sw - pw + kw·dw]

(zero outside the image). The kernels never build the column matrix (see csrc/README.md, "The implicit
GEMM"); the array versions do, as a strided view of the padded input:

    win[n, c, oh, ow, kh, kw] = xpad[n, c, oh·sh + kh·dh, ow·sw + kw·dw]       (xpad: x zero-padded by ph, pw)
    conv2d               y  = win ⋅ w       contracting (c, kh, kw)
    conv2d_weight_grad   gw = gy ⋅ win      contracting (n, oh, ow)
    conv2d_input_grad    gx = Σ_{kh, kw} (gy ⋅ w)[..., kh, kw] scattered back to the window positions of
                              tap (kh, kw) — one strided slice per tap, inside which no position repeats.

A float32 convolution whose window is the whole image (no padding or dilation, the kernel as large as the image)
is one cuBLAS product of the arrays as they are (backend/whole_window.py), where the input gradient's kernel would
run over every tap of each pixel for one that reaches the single output.
"""
from ... import _kernels
from .. import add_channel_bias_, array_module, whole_window
from ._dispatch import float32_kernel, kernel_library

# PyTorch's torch.backends.cudnn.benchmark: True times each convolution geometry's kernels on its first call and
# runs the fastest from then on (algorithm="benchmark" of nanogan/_kernels.py); False (the default) picks a kernel
# from the layer's channel counts at once. Set it before the first step: `nanogan.backend.cuda.conv.benchmark = True`.
benchmark = False


def _algorithm():
    return "benchmark" if benchmark else "auto"


def _cublas(a, b):
    """cuBLAS's a @ b (blas.py), imported on use: the array code must import without CuPy."""
    from .blas import matmul
    return matmul(a, b)


def _windows(xp, x, kernel_hw, out_hw, stride, padding, dilation):
    """The read-only view win[n, c, oh, ow, kh, kw] of the zero-padded x (no copy beyond the padding)."""
    (ph, pw) = padding
    padded = xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    step_n, step_c, step_h, step_w = padded.strides
    shape = (*padded.shape[:2], *out_hw, *kernel_hw)
    strides = (step_n, step_c, step_h * stride[0], step_w * stride[1], step_h * dilation[0], step_w * dilation[1])
    return xp.lib.stride_tricks.as_strided(padded, shape=shape, strides=strides)


def _output_hw(x_shape, w_shape, stride, padding, dilation):
    return tuple(_kernels.conv_output_size(x_shape[2 + i], w_shape[2 + i], stride[i], padding[i], dilation[i])
                 for i in (0, 1))


def _conv2d_arrays(x, w, stride, padding, dilation, bias=None):
    xp = array_module(x)
    win = _windows(xp, x, w.shape[2:], _output_hw(x.shape, w.shape, stride, padding, dilation), stride, padding,
                   dilation)
    y = xp.tensordot(win, w, axes=((1, 4, 5), (1, 2, 3)))  # (N, OH, OW, O)
    return add_channel_bias_(xp.ascontiguousarray(y.transpose(0, 3, 1, 2)), bias)


def _conv2d_weight_grad_arrays(x, gy, w_shape, stride, padding, dilation):
    xp = array_module(x)
    win = _windows(xp, x, w_shape[2:], gy.shape[2:], stride, padding, dilation)
    return xp.tensordot(gy, win, axes=((0, 2, 3), (0, 2, 3))).astype(x.dtype, copy=False)  # (O, C, KH, KW)


def _conv2d_input_grad_arrays(gy, w, x_shape, stride, padding, dilation, bias=None):
    xp = array_module(gy)
    n, c, h, width = x_shape
    (ph, pw), (out_h, out_w) = padding, gy.shape[2:]
    cols = xp.tensordot(gy, w, axes=((1,), (0,)))  # (N, OH, OW, C, KH, KW)
    padded = xp.zeros((n, c, h + 2 * ph, width + 2 * pw), dtype=cols.dtype)
    for kh in range(w.shape[2]):
        top = kh * dilation[0]
        rows = slice(top, top + stride[0] * (out_h - 1) + 1, stride[0])
        for kw in range(w.shape[3]):
            left = kw * dilation[1]
            columns = slice(left, left + stride[1] * (out_w - 1) + 1, stride[1])
            padded[:, :, rows, columns] += cols[..., kh, kw].transpose(0, 3, 1, 2)
    return add_channel_bias_(xp.ascontiguousarray(padded[:, :, ph:ph + h, pw:pw + width]), bias)


@float32_kernel(_conv2d_arrays)
def conv2d(x, w, stride, padding, dilation, bias=None):
    """y = x ⋆ w (+ bias[o] on channel o; cross-correlation): (N, C, H, W), (O, C, KH, KW), (O,) -> (N, O, OH, OW).
    The kernels add the bias as they store y."""
    if whole_window.applies(x.shape[2:], w.shape[2:], padding, dilation):
        return whole_window.conv2d(_cublas, x, w, bias)
    return _kernels.conv2d(kernel_library(), x, w, stride, padding, dilation, bias=bias, algorithm=_algorithm())


# The two gradients run through csrc's transposed-convolution wrappers, which take the output-side size from
# gy itself: a transposed convolution's own gradients pass a gy smaller than conv2d's natural output (when
# its output_padding reaches the stride), and the kernels then sum over gy's extent, as the CPU kernels do.

@float32_kernel(_conv2d_input_grad_arrays)
def conv2d_input_grad(gy, w, x_shape, stride, padding, dilation, bias=None):
    """gx = ∂<conv2d(x, w), gy>/∂x of shape x_shape: the transposed convolution of gy (by stride phases),
    with the output_padding that makes its output x_shape; plus bias[c] on channel c (conv_transpose2d's bias,
    added by the kernels as they store gx)."""
    if whole_window.applies(x_shape[2:], w.shape[2:], padding, dilation, gy.shape[2:]):
        return whole_window.conv2d_input_grad(_cublas, gy, w, x_shape, bias)
    natural = (_kernels.conv_transpose2d_output_size(n, k, s, p, 0, d)
               for n, k, s, p, d in zip(gy.shape[2:], w.shape[2:], stride, padding, dilation))
    output_padding = tuple(size - n for size, n in zip(x_shape[2:], natural))
    return _kernels.conv_transpose2d(kernel_library(), gy, w, stride, padding, output_padding, dilation, bias=bias,
                                     algorithm=_algorithm())


@float32_kernel(_conv2d_weight_grad_arrays)
def conv2d_weight_grad(x, gy, w_shape, stride, padding, dilation):
    """gw = ∂<conv2d(x, w), gy>/∂w of shape w_shape = (O, C, KH, KW), split-K over N·OH·OW: the weight
    gradient of the transposed convolution that maps gy to x."""
    if whole_window.applies(x.shape[2:], w_shape[2:], padding, dilation, gy.shape[2:]):
        return whole_window.conv2d_weight_grad(_cublas, x, gy, w_shape)
    return _kernels.conv_transpose2d_weight_grad(kernel_library(), gy, x, tuple(w_shape), stride, padding, dilation,
                                                 algorithm=_algorithm())
