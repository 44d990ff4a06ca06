"""Convolutions whose kernel window is the whole input, as matrix products: shared by the backends.

With no padding, no dilation and a kernel as large as the image (a DCGAN's last critic layer, 4×4 → 1×1, and as a
transposed convolution its generator's first, 1×1 → 4×4), there is one output position whatever the stride, and
its window is the image itself. Over j = (c, kh, kw), which is the order of an image's and of a filter's memory
(NCHW, OCKK), all three maps of ops/conv.py are matrix products of reshaped arrays:

    conv2d               y[n, o]  = Σ_j x[n, j] · w[o, j]       Y  = X · Wᵀ
    conv2d_input_grad    gx[n, j] = Σ_o gy[n, o] · w[o, j]      GX = GY · W
    conv2d_weight_grad   gw[o, j] = Σ_n gy[n, o] · x[n, j]      GW = GYᵀ · X

The general kernels compute the same numbers, but the input gradient's runs over all KH·KW taps for every input
pixel, of which one reaches the single output: 16 times the work of the product for a 4×4 kernel. Each backend
passes its matrix product (numpy's, or the CUDA backend's cuBLAS call that a graph can record).
"""
from . import add_channel_bias_


def applies(image_hw, kernel_hw, padding, dilation, output_hw=(1, 1)):
    """Whether a convolution of an image of image_hw with a kernel of kernel_hw (and, for the gradients, the output
    size output_hw they are given) is one window covering the whole image."""
    return (tuple(image_hw) == tuple(kernel_hw) and tuple(padding) == (0, 0) and tuple(dilation) == (1, 1)
            and tuple(output_hw) == (1, 1))


def conv2d(matmul, x, w, bias=None):
    """Y = X · Wᵀ (+ bias[o] on channel o): (N, C, KH, KW), (O, C, KH, KW) -> (N, O, 1, 1)."""
    y = matmul(x.reshape(x.shape[0], -1), w.reshape(w.shape[0], -1).T)
    return add_channel_bias_(y.reshape(*y.shape, 1, 1), bias)


def conv2d_input_grad(matmul, gy, w, x_shape, bias=None):
    """GX = GY · W (+ bias[c] on channel c, conv_transpose2d's): (N, O, 1, 1), (O, C, KH, KW) -> x_shape."""
    gx = matmul(gy.reshape(gy.shape[0], -1), w.reshape(w.shape[0], -1))
    return add_channel_bias_(gx.reshape(x_shape), bias)


def conv2d_weight_grad(matmul, x, gy, w_shape):
    """GW = GYᵀ · X: (N, C, KH, KW), (N, O, 1, 1) -> w_shape = (O, C, KH, KW)."""
    return matmul(gy.reshape(gy.shape[0], -1).T, x.reshape(x.shape[0], -1)).reshape(w_shape)
