"""Matrix products (BLAS, through the backend's matmul).

y = a @ b with numpy's rules: 1-D operands are promoted to a row/column and the added axis is
removed afterwards; leading (batch) axes broadcast.
da = g @ bᵀ,  db = aᵀ @ g   (ᵀ swaps the last two axes), each summed back to its input's shape.

Like BLAS's gemm, the MatMul Function reads either operand transposed (ta, tb): y = op(a) @ op(b) with
op(m) = mᵀ when asked, and takes linear's bias as an optional third input (added to every row; ops/bias.py).
Then the gradients are MatMuls of the inputs themselves, with other flags, and no transposed view is ever a
node of the graph (linear's y = x @ wᵀ is MatMul(x, w, tb=True)):

    ta tb    da                  db
    -  -     g @ bᵀ              aᵀ @ g
    -  T     g @ b               gᵀ @ a
    T  -     b @ gᵀ              a @ g
    T  T     bᵀ @ gᵀ             gᵀ @ aᵀ
"""
import collections
import math
import warnings

import numpy as np

from ..arguments import is_int, is_number
from ..autograd.function import Function
from ..backend import add_channel_bias_
from ..tensor import Tensor
from .bias import bias_grad
from .reduce import norm
from .shape import cat, dim_index, sum_to


def _op(m, transposed):
    return m.swapaxes(-1, -2) if transposed else m


class MatMul(Function):
    """y = op(a) @ op(b) (+ bias[j] on every row i of a 2-D y) for a, b of at least 2 dims, op(m) = mᵀ where
    ta / tb ask for it; da = g @ op(b)ᵀ (transposed back when ta),  db = op(a)ᵀ @ g (transposed back when tb): see
    the table above;  dbias = Σ_i g[i, :]. Of integers too, as PyTorch's on the CPU: numpy's and CuPy's integer
    products are exact, wrapping around in the dtype as PyTorch's do, and have no gradient (an integer tensor never
    requires grad, so none records a backward)."""

    floating_only = False

    @staticmethod
    def forward(ctx, a, b, bias=None, *, ta, tb):
        return add_channel_bias_(ctx.backend.matmul(_op(a, ta), _op(b, tb)), bias)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.inputs[:2]
        ta, tb = ctx.ta, ctx.tb
        da = db = None
        if ctx.needs_input_grad[0]:
            da = MatMul.apply(b, g, ta=tb, tb=True) if ta else MatMul.apply(g, b, ta=False, tb=not tb)
            da = sum_to(da, a.shape)
        if ctx.needs_input_grad[1]:
            db = MatMul.apply(g, a, ta=True, tb=ta) if tb else MatMul.apply(a, g, ta=not ta, tb=False)
            db = sum_to(db, b.shape)
        return da, db, bias_grad(ctx, g, 2)


def matmul(a, b):
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError("matmul: both operands must be Tensors")
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: operands must have at least 1 dimension, got {a.shape} and {b.shape}")
    if a.dtype != b.dtype:  # as in PyTorch: a product does not promote (numpy's would run in float64 silently)
        raise TypeError(f"matmul: operands must share one dtype, got {a.dtype} {a.shape} and {b.dtype} {b.shape}")
    if a.dtype == bool:  # PyTorch has no product of bools (numpy's would be their or of ands)
        raise TypeError(f"matmul: expected numbers, got bool tensors of shapes {a.shape} and {b.shape}")
    a2 = a.unsqueeze(0) if a.ndim == 1 else a
    b2 = b.unsqueeze(-1) if b.ndim == 1 else b
    if a2.shape[-1] != b2.shape[-2]:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not align "
                         f"({a2.shape[-1]} != {b2.shape[-2]})")
    try:
        np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    except ValueError:
        raise ValueError(f"matmul: batch dimensions of {a.shape} and {b.shape} cannot be broadcast") from None
    y = MatMul.apply(a2, b2, ta=False, tb=False)
    if b.ndim == 1:
        y = y.squeeze(-1)
    if a.ndim == 1:
        y = y.squeeze(-2 if b.ndim > 1 else -1) if y.ndim else y
    return y


def mm(a, b):
    """matmul of two matrices, (n, m) @ (m, p), checked to be that: PyTorch's mm takes no vectors and no batches."""
    return _checked_product("mm", a, b, 2, "matrices (n, m) and (m, p)")


def bmm(a, b):
    """matmul of two batches of matrices, (b, n, m) @ (b, m, p) -> (b, n, p), checked to be that: PyTorch's bmm
    broadcasts nothing (matmul would broadcast the batch)."""
    return _checked_product("bmm", a, b, 3, "batches of matrices (b, n, m) and (b, m, p)")


def _checked_product(op, a, b, ndim, expected):
    _require_operands(op, a, b, ndim, expected)
    return matmul(a, b)


def _require_operands(op, a, b, ndim, expected):
    """a and b Tensors of `ndim` dims, one batch shape, a's columns b's rows."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"{op}: both operands must be Tensors, got {type(a).__name__} and {type(b).__name__}")
    if a.ndim != ndim or b.ndim != ndim or a.shape[:-2] != b.shape[:-2] or a.shape[-1] != b.shape[-2]:
        raise ValueError(f"{op}: expected {expected}, got shapes {a.shape} and {b.shape}")


def mv(mat, vec):
    """matmul of a matrix (n, m) and a vector (m,), checked to be that (matmul would take batches)."""
    return _mv("mv", mat, vec)


def _mv(op, mat, vec):
    _require_tensors(op, mat, vec)
    if mat.ndim != 2 or vec.ndim != 1 or mat.shape[1] != vec.shape[0]:
        raise ValueError(f"{op}: expected a matrix (n, m) and a vector (m,), got shapes {mat.shape} and {vec.shape}")
    return matmul(mat, vec)


def _require_tensors(op, *operands):
    for x in operands:
        if not isinstance(x, Tensor):
            raise TypeError(f"{op}: expected Tensors, got {type(x).__name__}")


def dot(a, b):
    """Σ_i a_i·b_i of two vectors of one length and one dtype (matmul of two vectors), as PyTorch's dot."""
    _require_tensors("dot", a, b)
    if a.ndim != 1 or b.ndim != 1 or a.shape != b.shape:
        raise ValueError(f"dot: expected two vectors of one length, got shapes {a.shape} and {b.shape}")
    return matmul(a, b)


def outer(a, b):
    """y[i, j] = a_i·b_j of two vectors (mul's gradients: da_i = Σ_j g[i, j]·b_j, db likewise); dtypes promote,
    as in PyTorch."""
    return _outer("outer", a, b)


def _outer(op, a, b):
    _require_tensors(op, a, b)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"{op}: expected two vectors, got shapes {a.shape} and {b.shape}")
    return a.unsqueeze(1) * b.unsqueeze(0)


def tensordot(a, b, dims=2):
    """Σ over the dims `dims` of a and b paired up (an int n: a's last n with b's first n; or two sequences of
    dims), the other dims of a then of b remaining: one matmul of a and b permuted and reshaped to matrices, whose
    gradients are matmul's."""
    _require_tensors("tensordot", a, b)
    if is_int(dims):
        if not 0 <= dims <= min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: dims must be an int in 0..{min(a.ndim, b.ndim)} for shapes {a.shape} and "
                             f"{b.shape}, got {dims}")
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        dims_a, dims_b = ([dim_index("tensordot", d, x.ndim) for d in (ds if isinstance(ds, (list, tuple)) else [ds])]
                          for x, ds in zip((a, b), dims))
    if len(dims_a) != len(dims_b) or any(a.shape[i] != b.shape[j] for i, j in zip(dims_a, dims_b)):
        raise ValueError(f"tensordot: the dims {dims_a} of shape {a.shape} and {dims_b} of shape {b.shape} do not "
                         f"pair up in size")
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    summed = math.prod(a.shape[d] for d in dims_a)
    left = a.permute(*free_a, *dims_a).reshape(-1, summed)
    right = b.permute(*dims_b, *free_b).reshape(summed, -1)
    return matmul(left, right).reshape(*(a.shape[d] for d in free_a), *(b.shape[d] for d in free_b))


def _scaled_sum(op, input, product, beta, alpha):
    """beta·input + alpha·product, input broadcast to product's shape (not beyond), and left out where beta = 0 (its
    NaN too), as PyTorch's addmm and baddbmm do."""
    _require_tensors(op, input)
    try:
        fits = np.broadcast_shapes(input.shape, product.shape) == product.shape
    except ValueError:  # numpy's words name no op
        fits = False
    if not fits:
        raise ValueError(f"{op}: input of shape {input.shape} does not broadcast to the product's shape "
                         f"{product.shape}")
    scaled = product if alpha == 1 else product * alpha
    if beta == 0:
        return scaled
    return (input if beta == 1 else input * beta) + scaled


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """y = beta·input + alpha·(mat1 @ mat2) for matrices (n, m) and (m, p) (mm's checks);  dinput = beta·g summed
    to its shape, dmat1 = alpha·g @ mat2ᵀ, dmat2 = alpha·mat1ᵀ @ g."""
    return _scaled_sum("addmm", input, mm(mat1, mat2), beta, alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """y = beta·input + alpha·(batch1 @ batch2) for batches (b, n, m) and (b, m, p) (bmm's checks), addmm's
    gradients per batch."""
    return _scaled_sum("baddbmm", input, bmm(batch1, batch2), beta, alpha)


def addmv(input, mat, vec, *, beta=1, alpha=1):
    """y = beta·input + alpha·(mat @ vec) for a matrix (n, m) and a vector (m,) (mv's checks);  dinput = beta·g
    summed to its shape, dmat = alpha·outer(g, vec), dvec = alpha·matᵀ @ g."""
    return _scaled_sum("addmv", input, _mv("addmv", mat, vec), beta, alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """y = beta·input + alpha·outer(vec1, vec2) for two vectors (n,) and (m,);  dinput = beta·g summed to its shape,
    dvec1 = alpha·g @ vec2, dvec2 = alpha·gᵀ @ vec1."""
    return _scaled_sum("addr", input, _outer("addr", vec1, vec2), beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """y = beta·input + alpha·Σ_b batch1[b] @ batch2[b] for batches (b, n, m) and (b, m, p) (bmm's checks): one
    product of batch1's matrices side by side, (n, b·m), and batch2's stacked, (b·m, p), whose sum over b·m runs
    over every batch's m;  dinput = beta·g summed to its shape, dbatch1[b] = alpha·g @ batch2[b]ᵀ,
    dbatch2[b] = alpha·batch1[b]ᵀ @ g (matmul's, reshaped back)."""
    op = "addbmm"
    _require_operands(op, batch1, batch2, 3, "batches of matrices (b, n, m) and (b, m, p)")
    batches, rows, inner = batch1.shape
    side_by_side = batch1.permute(1, 0, 2).reshape(rows, batches * inner)
    stacked = batch2.reshape(batches * inner, batch2.shape[2])
    return _scaled_sum(op, input, matmul(side_by_side, stacked), beta, alpha)


def multi_dot(tensors):
    """The product of two or more tensors, matrices but for the first and the last, which may be vectors (a row and
    a column, their dim dropped from the result again), multiplied in the order of fewest multiplications:
    torch.linalg.multi_dot (numpy's). mm's gradients along the order taken. The order is the matrix-chain
    programme, ties going to the first split as in torch's (whose own three-matrix rule sends a tie the other
    way, which changes only the rounding)."""
    return _multi_dot("multi_dot", list(tensors))


def _multi_dot(op, tensors):
    if len(tensors) < 2:
        raise ValueError(f"{op}: expected at least 2 tensors, got {len(tensors)}")
    _require_tensors(op, *tensors)
    for i, t in enumerate(tensors):
        ends = i in (0, len(tensors) - 1)
        if t.ndim not in ((1, 2) if ends else (2,)):
            raise ValueError(f"{op}: tensor {i} must be {'1-D or 2-D' if ends else '2-D'}, got shape {t.shape}")
    if len({t.dtype for t in tensors}) > 1:
        raise TypeError(f"{op}: the tensors must share one dtype, got {', '.join(str(t.dtype) for t in tensors)}")
    row, column = tensors[0].ndim == 1, tensors[-1].ndim == 1
    matrices = [tensors[0].unsqueeze(0) if row else tensors[0], *tensors[1:-1],
                tensors[-1].unsqueeze(1) if column else tensors[-1]]
    for i, (a, b) in enumerate(zip(matrices, matrices[1:])):
        if a.shape[1] != b.shape[0]:
            raise ValueError(f"{op}: tensors {i} and {i + 1} of shapes {tensors[i].shape} and {tensors[i + 1].shape} "
                             f"cannot be multiplied")
    y = _chain_product(matrices)
    return y[0, 0] if row and column else y.squeeze(1) if column else y.squeeze(0) if row else y


def _chain_product(matrices):
    """The product of the matrices in the order of fewest multiplications: cost[i, j] is the least for
    matrices i..j, split[i, j] the k of its last product (i..k)(k+1..j), found for every span by length."""
    sizes = [m.shape[0] for m in matrices] + [matrices[-1].shape[1]]
    cost, split = {(i, i): 0 for i in range(len(matrices))}, {}
    for length in range(1, len(matrices)):
        for i in range(len(matrices) - length):
            j = i + length
            cost[i, j], split[i, j] = min((cost[i, k] + cost[k + 1, j] + sizes[i] * sizes[k + 1] * sizes[j + 1], k)
                                          for k in range(i, j))

    def product(i, j):
        if i == j:
            return matrices[i]
        k = split[i, j]
        return mm(product(i, k), product(k + 1, j))
    return product(0, len(matrices) - 1)


def chain_matmul(*matrices):
    """torch's deprecated chain_matmul (with its warning): the product of one or more matrices, multi_dot's."""
    warnings.warn("chain_matmul is deprecated. Use linalg.multi_dot instead, which takes a list of two or more "
                  "tensors rather than several arguments.", UserWarning, stacklevel=2)
    op = "chain_matmul"
    _require_tensors(op, *matrices)
    if not matrices or any(m.ndim != 2 for m in matrices):
        raise ValueError(f"{op}: expected one or more matrices (2-D), got shapes "
                         f"{', '.join(str(m.shape) for m in matrices) or 'none'}")
    return matrices[0].clone() if len(matrices) == 1 else _multi_dot(op, list(matrices))


def kron(a, b):
    """The Kronecker product: y[i·B + j] = a[i]·b[j] along every dim (B = b's size there; the one of fewer dims
    with leading dims of size 1), a broadcast product of a and b with their dims interleaved, reshaped: mul's
    gradients."""
    _require_tensors("kron", a, b)
    ndim = max(a.ndim, b.ndim)
    sizes_a, sizes_b = ((1,) * (ndim - x.ndim) + x.shape for x in (a, b))
    interleaved_a = a.reshape(*(n for size in sizes_a for n in (size, 1)))
    interleaved_b = b.reshape(*(n for size in sizes_b for n in (1, size)))
    return (interleaved_a * interleaved_b).reshape(*(m * n for m, n in zip(sizes_a, sizes_b)))


def _require_floating(op, *operands):
    for x in operands:
        if not x.is_floating_point():
            raise TypeError(f"{op}: expected floating-point tensors, got {x.dtype} of shape {x.shape}")


def cdist(x1, x2, p=2.0):
    """y[..., i, j] = ‖x1[..., i, :] - x2[..., j, :]‖_p for x1 (..., P, M) and x2 (..., R, M), the batch dims
    broadcast: norm of the broadcast differences, with norm's gradients (p = 2: g·d / y, and 0 where y = 0, as
    PyTorch's; p = 0 counts the differing coordinates). PyTorch computes p = 2 by matrix products for more than 25 rows, to about 1e-6 relative in float32;
    here every p is the differences'."""
    _require_tensors("cdist", x1, x2)
    _require_floating("cdist", x1, x2)
    if x1.ndim < 2 or x2.ndim < 2 or x1.shape[-1] != x2.shape[-1]:
        raise ValueError(f"cdist: expected x1 (..., P, M) and x2 (..., R, M), got shapes {x1.shape} and {x2.shape}")
    if not (is_number(p) and p >= 0):
        raise ValueError(f"cdist: p must be a number >= 0 (inf included), got {p!r}")
    return norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, -1)


def dist(a, b, p=2.0):
    """‖a - b‖_p over every element of a and b broadcast together (norm's gradients)."""
    _require_tensors("dist", a, b)
    _require_floating("dist", a, b)
    return norm(a - b, p)


def cross(a, b, dim=None):
    """The cross product of 3-vectors along dim: y = (a₂b₃ - a₃b₂, a₃b₁ - a₁b₃, a₁b₂ - a₂b₁) of a and b broadcast
    together (mul's and sub's gradients). dim=None takes the first dim of size 3, with PyTorch's warning that this
    default is deprecated."""
    _require_tensors("cross", a, b)
    if a.ndim != b.ndim:
        raise ValueError(f"cross: inputs must have the same number of dimensions, got shapes {a.shape} and {b.shape}")
    shape = np.broadcast_shapes(a.shape, b.shape) if a.ndim else ()
    if dim is None:
        dim = next((d for d, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise ValueError(f"cross: no dimension of size 3 in the shapes {a.shape} and {b.shape}")
        warnings.warn("cross: without dim, the first dimension of size 3 is taken, which is deprecated (as in "
                      "PyTorch); pass dim", UserWarning, stacklevel=2)
    dim = dim_index("cross", dim, len(shape))
    if a.shape[dim] != 3 or b.shape[dim] != 3:
        raise ValueError(f"cross: dimension {dim} must have size 3 in both inputs, got shapes {a.shape} and {b.shape}")
    a1, a2, a3 = (a.narrow(dim, k, 1) for k in range(3))
    b1, b2, b3 = (b.narrow(dim, k, 1) for k in range(3))
    return cat([a2 * b3 - a3 * b2, a3 * b1 - a1 * b3, a1 * b2 - a2 * b1], dim)


def einsum(equation, *operands):
    """Σ over the subscripts of `equation` that the output leaves out of the product of the operands, as PyTorch's
    (and numpy's) einsum: 'bij,bjk->bik', 'bchw,bc->bhw', an implicit output ('ij,jk': the subscripts named once,
    in alphabetical order, after those of '...'), '...' for the dims no letter names (broadcast together), and a
    subscript repeated in one operand for its diagonal ('ii->i', 'ii'). Composed of differentiable ops, so its
    gradients of every order are theirs: each operand's diagonals are picked (getitem), the subscripts that no
    other operand nor the output names are summed, and the operands are multiplied in pairs, left to right, each
    pair one matmul of the two permuted and reshaped to batches of matrices (batch: the shared subscripts still
    needed; summed over: the shared ones not needed any more). A subscript of size 1 broadcasts, as in PyTorch.
    Operands may also be given as one list, or in torch's sublist form: einsum(a, [0, 1], b, [1, 2], [0, 2]) is
    einsum('AB,BC->AC', a, b) (see _sublist_equation)."""
    if isinstance(equation, Tensor):
        equation, operands = _sublist_equation((equation, *operands))
    elif len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    _require_tensors("einsum", *operands)
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the equation must be a string, got {type(equation).__name__}")
    inputs, output = _einsum_subscripts(equation, operands)
    sizes = {}
    for subscripts, x in zip(inputs, operands):
        for label, n in zip(subscripts, x.shape):
            if sizes.get(label, 1) not in (1, n) and n != 1:
                raise ValueError(f"einsum: subscript {_shown(label)} has size {n} in an operand of shape {x.shape}, "
                                 f"which does not broadcast with its size {sizes[label]} elsewhere ({equation!r})")
            sizes[label] = n if sizes.get(label, 1) == 1 else sizes[label]
    terms = [_diagonals(x, list(subscripts)) for x, subscripts in zip(operands, inputs)]
    result, labels = terms[0]
    for k, (x, x_labels) in enumerate(terms[1:], start=1):
        later = set(output).union(*inputs[k + 1:])
        result, labels = _sum_unneeded(result, labels, later | set(x_labels))
        x, x_labels = _sum_unneeded(x, x_labels, later | set(labels))
        result, labels = _contract(result, labels, x, x_labels, later, sizes)
    result, labels = _sum_unneeded(result, labels, set(output))
    return result.permute(*(labels.index(label) for label in output)) if output else result


def _sublist_equation(args):
    """(equation, operands) of torch's sublist form (operand, its subscripts, operand, its subscripts, ..., and the
    output's subscripts or not): a subscript is an int, n < 26 the letter A + n and 26 <= n < 52 the letter
    a + (n - 26), as torch's, or ... (Ellipsis)."""
    operands, sublists = args[0::2], args[1::2]
    output = None
    if len(args) % 2:  # the output's subscripts close the list
        operands, output = operands[:-1], operands[-1]
    _require_tensors("einsum", *operands)

    def letters(sublist):
        if not isinstance(sublist, (list, tuple)):
            raise TypeError(f"einsum: in the sublist form each operand is followed by a list of its subscripts, got "
                            f"{type(sublist).__name__}")
        for n in sublist:
            if n is not Ellipsis and not (is_int(n) and 0 <= n < 52):
                raise ValueError(f"einsum: a subscript of the sublist form must be an int in [0, 52) or ..., got "
                                 f"{n!r}")
        return "".join("..." if n is Ellipsis else chr(ord("A") + n) if n < 26 else chr(ord("a") + n - 26)
                       for n in sublist)
    equation = ",".join(letters(sublist) for sublist in sublists)
    return equation + ("" if output is None else "->" + letters(output)), operands


def _shown(label):
    return "'...'" if len(label) > 1 else repr(label)


def _einsum_subscripts(equation, operands):
    """Each operand's subscripts and the output's, as lists of labels: a letter, or '...0', '...1', ... for the
    dims '...' stands for, aligned at the right across operands as broadcasting aligns them."""
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    parts = lhs.split(",")
    if len(parts) != len(operands):
        raise ValueError(f"einsum: the equation {equation!r} names {len(parts)} operands, got {len(operands)}")
    for part in parts + ([rhs] if arrow else []):
        if not all(c.isalpha() for c in part.replace("...", "")) or part.count("...") > 1:
            raise ValueError(f"einsum: subscripts are letters and at most one '...' per operand, got {part!r} in "
                             f"{equation!r}")
    spans = []
    for part, x in zip(parts, operands):
        letters = len(part.replace("...", ""))
        if ("..." in part and x.ndim < letters) or ("..." not in part and x.ndim != letters):
            raise ValueError(f"einsum: the subscripts {part!r} do not match operand of shape {x.shape} "
                             f"({equation!r})")
        spans.append(x.ndim - letters)
    widest = max(spans, default=0)
    ellipsis = [f"...{k}" for k in range(widest)]

    def labels(part, span):
        before, dots, after = part.partition("...")
        return list(before) + (ellipsis[widest - span:] if dots else []) + list(after)
    inputs = [labels(part, span) for part, span in zip(parts, spans)]
    if arrow:
        output = labels(rhs, widest)
        named = set().union(*inputs)
        if len(set(output)) < len(output) or not set(output) <= named:
            raise ValueError(f"einsum: the output {rhs!r} must name each subscript of the operands at most once "
                             f"({equation!r})")
    else:
        counts = collections.Counter(label for subscripts in inputs for label in subscripts)
        output = ellipsis + sorted(label for label, n in counts.items() if n == 1 and len(label) == 1)
    return inputs, output


def _diagonals(x, labels):
    """x with each subscript repeated in `labels` taken once, along the diagonal of its dims."""
    for k, label in enumerate(labels):
        while label in labels[k + 1:]:
            j = labels.index(label, k + 1)
            if x.shape[k] != x.shape[j]:
                raise ValueError(f"einsum: the subscript {label!r} repeated in an operand names dims of sizes "
                                 f"{x.shape[k]} and {x.shape[j]}")
            steps = Tensor(x.backend.xp.arange(x.shape[k]))
            x = x.movedim((k, j), (-2, -1))[..., steps, steps].movedim(-1, k)
            del labels[j]
    return x, labels


def _sum_unneeded(x, labels, needed):
    """x summed over the dims whose labels are not `needed`, and the labels left."""
    unneeded = [d for d, label in enumerate(labels) if label not in needed]
    if not unneeded:
        return x, labels
    return x.sum(tuple(unneeded)), [label for label in labels if label in needed]


def _contract(a, a_labels, b, b_labels, later, sizes):
    """Σ over the labels of both a and b that are not in `later` of a·b, as one batched matmul: (batch, left, summed)
    @ (batch, summed, right), reshaped to the labels batch + left + right."""
    shared = [label for label in a_labels if label in b_labels]
    batch = [label for label in shared if label in later]
    summed = [label for label in shared if label not in later]
    left = [label for label in a_labels if label not in b_labels]
    right = [label for label in b_labels if label not in a_labels]

    def as_batch_of_matrices(x, x_labels, rows, columns):
        x = x.permute(*(x_labels.index(label) for label in batch + rows + columns))
        x = x.expand(*(sizes[label] for label in batch + rows + columns))  # a subscript of size 1 broadcast
        return x.reshape(math.prod(sizes[label] for label in batch), math.prod(sizes[label] for label in rows),
                         math.prod(sizes[label] for label in columns))
    product = matmul(as_batch_of_matrices(a, a_labels, left, summed), as_batch_of_matrices(b, b_labels, summed, right))
    labels = batch + left + right
    return product.reshape(*(sizes[label] for label in labels)), labels
