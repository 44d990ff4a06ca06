"""The test harness every op test uses: state the inputs and the function, get the checks.

    check_op(lambda x, w: F.conv2d(x, w), [x_array, w_array], expected=...)

runs the forward (against `expected` when given), gradcheck (first derivatives against finite
differences) and gradgradcheck (second derivatives), in float64, once for each memory layout of
the inputs: contiguous, transposed (a .T view of a reversed-shape array) and sliced (every other
element of a wider array). Non-contiguous inputs are where stride bugs in kernels hide.
"""
import numpy as np
import pytest

import nanogan as ng
from nanogan._kernels import cuda_device_present

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

    grad_inputs: indices of the arrays to differentiate (default: all). A NaN or inf in the
    forward, or in either derivative, fails the check (gradcheck treats non-finite as a mismatch).
    """
    grad_inputs = range(len(arrays)) if grad_inputs is None else grad_inputs
    for layout in layouts:
        inputs = [leaf(a, layout, requires_grad=i in grad_inputs) for i, a in enumerate(arrays)]
        out = fn(*inputs)
        if expected is not None:
            np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-10, equal_nan=False,
                                       err_msg=f"forward, {layout} inputs")
        ng.autograd.gradcheck(fn, inputs, eps=eps, atol=atol, rtol=rtol)
        if second_order:
            ng.autograd.gradgradcheck(fn, inputs, eps=eps, atol=atol, rtol=rtol)


def compare_with_torch(ng_fn, torch_fn, arrays, differentiable=None, rtol=1e-6, atol=1e-9, seed=0,
                       dtype=np.float64):
    """ng_fn and torch_fn agree in `dtype` (float64 unless told) on the value, the gradient (against a random
    output gradient v) and the double backward: the gradient of Σ <grad_i, u_i> with respect to the
    inputs and to v, for random u_i. Arrays that are not differentiable may be integer labels."""
    torch = pytest.importorskip("torch")
    local = np.random.default_rng(seed)
    differentiable = range(len(arrays)) if differentiable is None else differentiable

    def as_float(a):
        return np.asarray(a, dtype=dtype) if np.issubdtype(np.asarray(a).dtype, np.floating) else np.asarray(a)
    arrays = [as_float(a) for a in arrays]
    xs = [ng.Tensor(a.copy(), requires_grad=i in differentiable) for i, a in enumerate(arrays)]
    ts = [torch.tensor(a.copy(), requires_grad=i in differentiable) for i, a in enumerate(arrays)]
    y, ty = ng_fn(*xs), torch_fn(*ts)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=rtol, atol=atol, err_msg="forward")

    v = local.standard_normal(y.shape).astype(dtype)
    v_ng, v_torch = ng.Tensor(v.copy(), requires_grad=True), torch.tensor(v.copy(), requires_grad=True)
    inputs = [xs[i] for i in differentiable]
    t_inputs = [ts[i] for i in differentiable]
    grads = ng.grad(y, inputs, v_ng, create_graph=True)
    t_grads = torch.autograd.grad(ty, t_inputs, v_torch, create_graph=True)
    for i, (g, tg) in enumerate(zip(grads, t_grads)):
        np.testing.assert_allclose(g.numpy(), tg.numpy(force=True), rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {i}")

    us = [local.standard_normal(g.shape).astype(dtype) for g in grads]
    total = sum((g * ng.Tensor(u)).sum() for g, u in zip(grads, us))
    t_total = sum((tg * torch.tensor(u)).sum() for tg, u in zip(t_grads, us))
    second = ng.grad(total, inputs + [v_ng], allow_unused=True)
    t_second = torch.autograd.grad(t_total, t_inputs + [v_torch], allow_unused=True)
    for i, (wrt, s, t_s) in enumerate(zip(inputs + [v_ng], second, t_second)):
        s = np.zeros(wrt.shape) if s is None else s.numpy()  # None: the gradient does not depend on it
        t_s = np.zeros(wrt.shape) if t_s is None else t_s.numpy(force=True)  # force: torch's ZeroTensor
        np.testing.assert_allclose(s, t_s, rtol=rtol, atol=atol, err_msg=f"double backward, input {i}")
    return y


DEVICE = cuda_device_present()  # a usable CUDA device, or the fake CuPy (NANOGAN_FAKE_CUPY=1)


def on_gpu(test):
    """Mark a test `gpu` (pytest -m gpu selects them) and skip it where no CUDA device is usable."""
    return pytest.mark.gpu(pytest.mark.skipif(not DEVICE, reason="needs a usable CUDA device (CuPy)")(test))


def refused_as_by_torch(call, error, message):
    """call(lib) builds a bad call with lib = torch or nanogan: torch must refuse it (so the case is a real error, not
    a nanogan choice), and nanogan with `error` whose message matches `message` (naming the op and the shapes)."""
    torch = pytest.importorskip("torch")
    with pytest.raises((RuntimeError, IndexError, ValueError, TypeError)):
        call(torch)
    with pytest.raises(error, match=message):
        call(ng)


def leaf_pair(shape, seed):
    """One float64 leaf that requires grad, drawn from the seed, in nanogan and in torch."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(seed).standard_normal(shape)
    return ng.tensor(x, dtype=ng.float64, requires_grad=True), torch.tensor(x, requires_grad=True)


def assert_matches_torch(ours, theirs, what):
    """A float64 nanogan tensor equal to torch's to rounding."""
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-9, atol=1e-12, err_msg=what)


def penalise_input_gradient(ours, theirs, shape, seed):
    """Each module's input gradient g of Σy² at one leaf pair (leaf_pair(shape, seed)), made with its graph and
    compared; then the gradient penalty (‖g‖ - 1)² backward into each module's parameters."""
    torch = pytest.importorskip("torch")
    x_ours, x_theirs = leaf_pair(shape, seed)
    g_ours, = ng.grad((ours(x_ours) ** 2).sum(), x_ours, create_graph=True)
    g_theirs, = torch.autograd.grad((theirs(x_theirs) ** 2).sum(), x_theirs, create_graph=True)
    assert_matches_torch(g_ours, g_theirs, "input gradient")
    ((g_ours.norm() - 1) ** 2).backward()
    ((g_theirs.norm() - 1) ** 2).backward()
