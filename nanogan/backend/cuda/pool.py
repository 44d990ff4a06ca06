"""Max-pooling kernels on the GPU, the two names of backend/cpu/pool.py (read its docstring for the notation):

    max_pool2d_argmax(x, kernel, stride, padding, dilation, out_hw) -> argmax (int64, flat ih·W + iw)
    plane_scatter_add(g, index, x_shape) -> y     (y[n, c].flat[index] += g, from zero)

The argmax rule is the CPU kernel's and PyTorch's: the first in-range tap (row-major) holding the window's
maximum, except that a NaN tap wins and the last NaN is kept. Float32 runs csrc/kernels/pool.cu
(max_pool2d_fwd, which also writes the maxima; ops/pool.py gathers them again from the argmax); other dtypes
run the same rule as array code, one tap at a time. plane_scatter_add is one atomic scatter-add (cupyx) for
every dtype: csrc's gather-style max_pool2d_dgrad needs the pooling geometry, which this interface does not
pass.
"""
from ... import _kernels_ops
from .. import array_module
from ._dispatch import float32_kernel, kernel_library


def _max_pool2d_argmax_arrays(x, kernel, stride, padding, dilation, out_hw):
    xp = array_module(x)
    height, width = x.shape[2:]
    best = xp.zeros(x.shape[:2] + tuple(out_hw), dtype=x.dtype)
    best_at = xp.full(best.shape, -1, dtype=xp.int64)
    for a in range(kernel[0]):
        rows = xp.arange(out_hw[0]) * stride[0] - padding[0] + a * dilation[0]
        for b in range(kernel[1]):
            cols = xp.arange(out_hw[1]) * stride[1] - padding[1] + b * dilation[1]
            inside = ((rows >= 0) & (rows < height))[:, None] & ((cols >= 0) & (cols < width))[None, :]
            tap = x[:, :, xp.clip(rows, 0, height - 1)[:, None], xp.clip(cols, 0, width - 1)[None, :]]
            take = inside & ((best_at < 0) | (tap > best) | xp.isnan(tap))
            best = xp.where(take, tap, best)
            best_at = xp.where(take, rows[:, None] * width + cols[None, :], best_at)
    return best_at


@float32_kernel(_max_pool2d_argmax_arrays)
def max_pool2d_argmax(x, kernel, stride, padding, dilation, out_hw):
    """argmax (N, C, *out_hw), int64: the flat index ih·W + iw in its plane of each window's maximum."""
    floor_hw = tuple(_kernels_ops.pool_output_size(n, k, s, p, d) for n, k, s, p, d in
                     zip(x.shape[2:], kernel, stride, padding, dilation))
    ceil_mode = floor_hw != tuple(out_hw)  # out_hw was computed by ops/pool.py in one of the two modes
    _, argmax = _kernels_ops.max_pool2d(kernel_library(), x, kernel, stride, padding, dilation, ceil_mode)
    if argmax.shape[2:] != tuple(out_hw):
        raise ValueError(f"max_pool2d_argmax: output size {tuple(out_hw)} matches neither floor nor ceil mode for "
                         f"input {tuple(x.shape)}, kernel {kernel}, stride {stride}, padding {padding}, "
                         f"dilation {dilation}")
    return argmax.astype("int64")  # the kernel's int32, widened to the interface's int64


def plane_scatter_add(g, index, x_shape):
    """y of shape x_shape, zero but for y[n, c].flat[index[n, c, i, j]] += g[n, c, i, j] (atomic adds)."""
    import cupy  # here, not at the top: the array code above is testable where CuPy is not installed
    import cupyx
    planes = x_shape[0] * x_shape[1]
    y = cupy.zeros((planes, x_shape[2] * x_shape[3]), dtype=g.dtype)
    rows = cupy.arange(planes).reshape(planes, 1)  # broadcast against each plane's indices
    cupyx.scatter_add(y, (rows, index.reshape(planes, -1)), g.reshape(planes, -1))
    return y.reshape(x_shape)
