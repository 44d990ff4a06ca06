"""Gradient checks: analytic derivatives against central finite differences, in float64.

gradcheck      compares the Jacobian-vector products of backward with
               (f(x + eps e_i) - f(x - eps e_i)) / (2 eps), for every element i of every input.
gradgradcheck  does the same for the function  x, v -> grad(<f(x), v>, x, create_graph=True),
               so it checks the derivative of backward itself (what a gradient penalty uses).
"""
import numpy as np


class GradcheckError(AssertionError):
    pass


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _differentiable(inputs):
    return [i for i, t in enumerate(inputs) if getattr(t, "requires_grad", False)]


def _flat_output(fn, inputs):
    outs = _as_tuple(fn(*inputs))  # with grad on: fn may itself differentiate (gradgradcheck)
    return np.concatenate([np.asarray(o.numpy(), dtype=np.float64).ravel() for o in outs])


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Check `fn`'s backward against finite differences. Inputs that require grad must be float64.

    An element passes when both derivatives are finite and |analytic - numerical| <= atol + rtol |numerical|;
    NaN or inf on either side fails. On failure raises GradcheckError naming the input, the element
    index and both values.
    """
    from .. import autograd
    from ..tensor import Tensor

    inputs = _as_tuple(inputs)
    checked = _differentiable(inputs)
    for i in checked:
        if inputs[i].dtype != np.float64:
            raise GradcheckError(f"gradcheck: input {i} is {inputs[i].dtype}; finite differences need float64")
    outs = _as_tuple(fn(*inputs))
    sizes = [o.numel() for o in outs]
    n_out = sum(sizes)
    # analytic Jacobian, row by row: one backward per output element
    analytic = {i: np.zeros((n_out, inputs[i].numel())) for i in checked}
    used = [inputs[i] for i in checked]
    row = 0
    for o, size in zip(outs, sizes):
        for j in range(size if o.requires_grad else 0):
            seed = np.zeros(size, dtype=o.dtype)
            seed[j] = 1.0
            seed_t = Tensor(o.backend.from_host(seed.reshape(o.shape)))
            grads = autograd.grad(o, used, seed_t, retain_graph=True, allow_unused=True)
            for i, g in zip(checked, grads):
                if g is not None:
                    analytic[i][row + j] = g.numpy().ravel()
        row += size
    # numerical Jacobian, column by column; the input is perturbed in place so that its
    # memory layout (a transposed or sliced view) is what fn sees
    for i in checked:
        x = inputs[i]
        for col in range(x.numel()):
            index = np.unravel_index(col, x.shape)
            original = float(x.array[index])
            x.array[index] = original + eps
            plus = _flat_output(fn, inputs)
            x.array[index] = original - eps
            minus = _flat_output(fn, inputs)
            x.array[index] = original
            numeric = (plus - minus) / (2 * eps)
            a = analytic[i][:, col]
            # written as "not close" rather than "far": every comparison with NaN is False, so a
            # NaN derivative would pass a "far" test; and |a - inf| <= atol + rtol * inf holds, so
            # non-finite values fail explicitly
            finite = np.isfinite(a) & np.isfinite(numeric)
            bad = ~(finite & (np.abs(a - numeric) <= atol + rtol * np.abs(numeric)))
            if bad.any():
                r = int(np.argmax(bad))
                what = "Jacobian mismatch" if finite[r] else "non-finite derivative"
                msg = (f"gradcheck: {what} for input {i} (shape {tuple(x.shape)}) at element "
                       f"{tuple(int(k) for k in index)}, output element {r}: analytic {float(a[r])!r}, "
                       f"numerical {float(numeric[r])!r}")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
                  seed=0):
    """Check the second derivatives of `fn` by gradchecking its (create_graph) backward.

    grad_outputs (random float64 if not given) are the vectors v of <fn(x), v>; they are checked too.
    """
    from .. import autograd
    from ..tensor import Tensor

    inputs = _as_tuple(inputs)
    checked = _differentiable(inputs)
    outs = _as_tuple(fn(*inputs))
    rng = np.random.default_rng(seed)
    if grad_outputs is None:
        grad_outputs = tuple(Tensor(o.backend.from_host(rng.standard_normal(tuple(o.shape))), requires_grad=True)
                             for o in outs)
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)

    def first_derivative(*args):
        xs, vs = args[:n_in], args[n_in:]
        ys = _as_tuple(fn(*xs))
        used = [xs[i] for i in checked]
        grads = autograd.grad(ys, used, vs, create_graph=True, allow_unused=True)
        return tuple(g if g is not None else Tensor(x.backend.xp.zeros(x.shape, x.dtype))
                     for g, x in zip(grads, used))

    return gradcheck(first_derivative, inputs + grad_outputs, eps, atol, rtol, raise_exception)
