"""The test harness every op test uses: state the inputs and the function, get the checks.

    check_op(lambda x, w: F.conv2d(x, w), [x_array, w_array], expected=...)

runs the forward (against `expected` when given), gradcheck (first derivatives against finite
differences) and gradgradcheck (second derivatives), in float64, once for each memory layout of
the inputs: contiguous, transposed (a .T view of a reversed-shape array) and sliced (every other
element of a wider array). Non-contiguous inputs are where stride bugs in kernels hide.
"""
import numpy as np

import nanogan as ng

LAYOUTS = ("contiguous", "transposed", "sliced")


def with_layout(array, layout):
    """A float64 numpy array equal to `array` but laid out in memory as `layout` says."""
    array = np.asarray(array, dtype=np.float64)
    if layout == "contiguous":
        return array.copy()
    if layout == "transposed":
        return np.ascontiguousarray(array.T).T
    if layout == "sliced":
        wide = np.zeros(array.shape[:-1] + (2 * array.shape[-1],)) if array.ndim else np.zeros(2)
        if array.ndim == 0:
            return array.copy()
        wide[..., ::2] = array
        return wide[..., ::2]
    raise ValueError(layout)


def leaf(array, layout="contiguous", requires_grad=True):
    return ng.Tensor(with_layout(array, layout), requires_grad=requires_grad)


def away_from_kinks(rng, shape, kinks=(0.0,), margin=0.1, scale=1.0):
    """Random normal values at least `margin` away from every kink (relu and abs at 0, ...)."""
    x = rng.standard_normal(shape) * scale
    for k in kinks:
        near = np.abs(x - k) < margin
        x[near] = k + np.where(x[near] >= k, margin, -margin) * (1 + rng.random(int(near.sum())))
    return x


def check_op(fn, arrays, expected=None, layouts=LAYOUTS, second_order=True, grad_inputs=None,
             atol=1e-5, rtol=1e-3, eps=1e-6):
    """Forward, gradcheck and gradgradcheck of fn over numpy `arrays`, for every layout.

    grad_inputs: indices of the arrays to differentiate (default: all).
    """
    grad_inputs = range(len(arrays)) if grad_inputs is None else grad_inputs
    for layout in layouts:
        inputs = [leaf(a, layout, requires_grad=i in grad_inputs) for i, a in enumerate(arrays)]
        out = fn(*inputs)
        if expected is not None:
            np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-10,
                                       err_msg=f"forward, {layout} inputs")
        ng.autograd.gradcheck(fn, inputs, eps=eps, atol=atol, rtol=rtol)
        if second_order:
            ng.autograd.gradgradcheck(fn, inputs, eps=eps, atol=atol, rtol=rtol)
