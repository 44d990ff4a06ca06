"""Integer indices to vectors: rows of a learned table (embedding) or of the identity (one_hot).

embedding  y[i..., :] = W[x[i...], :] for an integer index tensor x of any shape;
           dW = zeros like W with the rows g[i..., :] added at row x[i...] (a row picked twice gets both), and no
           gradient for the index. It is indexing (GetItem, ops/shape.py), whose gradient is that scatter-add and
           whose second derivative that gather again. With max_norm, each picked row of p-norm n > max_norm is
           first scaled in place by max_norm / (n + 1e-7), outside autograd (PyTorch's embedding_renorm_).
one_hot    y[i..., k] = 1 if x[i...] = k else 0, int64, outside the graph.
"""
from ..arguments import int_at_least, is_int, is_number, require
from ..autograd.function import require_one_device
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor, int64
from .activation import require_floating
from .elementwise import where


def _require_indices(op, indices):
    # a bool tensor would index as a mask, and a float one is a mistake PyTorch refuses too
    if not isinstance(indices, Tensor) or indices.dtype.kind not in "iu":
        what = f"{indices.dtype} of shape {indices.shape}" if isinstance(indices, Tensor) else type(indices).__name__
        raise TypeError(f"{op}: expected a tensor of integer indices, got {what}")


# PyTorch's embedding_renorm_ adds this to a row's norm before dividing max_norm by it
_RENORM_EPSILON = 1e-7


def _renorm_picked_rows_(weight, indices, max_norm, norm_type):
    """Each row of weight that indices pick, of norm_type-norm n > max_norm, scaled in place by
    max_norm / (n + 1e-7), outside autograd (a change of the table, as an optimiser step is one)."""
    xp = weight.backend.xp
    rows = Tensor(xp.unique(indices.array.reshape(-1)))
    norms = xp.linalg.norm(weight.array[rows.array], ord=norm_type, axis=1)
    scale = xp.where(norms > max_norm, max_norm / (norms + _RENORM_EPSILON), 1.0).astype(weight.dtype)
    with no_grad():
        weight[rows] = weight[rows] * Tensor(scale[:, None])


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of `weight` (num_embeddings, embedding_dim) picked by `input`: shape input.shape + (embedding_dim,).
    The rows picked where input = padding_idx get no gradient (PyTorch's padding_idx; negative counts from the
    end). With max_norm, the picked rows whose norm_type-norm exceeds it are scaled down to it in weight itself
    first (module docstring). scale_grad_by_freq and sparse gradients are not implemented."""
    op = "embedding"
    require(op, "max_norm", max_norm, lambda v: v is None or (is_number(v) and v > 0), "None or a number > 0")
    require(op, "norm_type", norm_type, lambda v: is_number(v) and v > 0, "a number > 0 (inf included)")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError(f"{op}: scale_grad_by_freq and sparse are not implemented, got "
                                  f"scale_grad_by_freq={scale_grad_by_freq!r}, sparse={sparse!r}")
    _require_indices("embedding", input)
    require_floating("embedding", weight)
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be (num_embeddings, embedding_dim), got shape {weight.shape}")
    require_one_device("embedding", (input, weight))
    rows = weight.shape[0]
    if padding_idx is not None:
        require("embedding", "padding_idx", padding_idx, lambda v: is_int(v) and -rows <= v < rows,
                f"None or an int in [{-rows}, {rows - 1}]")
    # checked where the indices are, without a host read; numpy would wrap a negative index round instead
    input.backend.require((input.array >= 0) & (input.array < rows), IndexError,
                          f"embedding: indices (shape {input.shape}) must lie in 0..{rows - 1} for a weight of "
                          f"shape {weight.shape}")
    if max_norm is not None:
        _renorm_picked_rows_(weight, input, max_norm, float(norm_type))
    flat = input.reshape(-1)  # an index array even for a 0-d input: a copy of the rows, not a view of the weight
    picked = weight[flat]
    if padding_idx is not None:
        is_padding = (flat.array == padding_idx % rows)[:, None]
        picked = where(is_padding, picked.detach(), picked)
    return picked.reshape(input.shape + (weight.shape[1],))


def one_hot(tensor, num_classes=-1):
    """Integer class indices (any shape) as int64 rows of the identity, shape tensor.shape + (num_classes,);
    num_classes -1 takes max(tensor) + 1, read on the host."""
    _require_indices("one_hot", tensor)
    num_classes = int_at_least("one_hot", "num_classes", num_classes, -1)
    if num_classes == -1:
        if tensor.numel() == 0:
            raise ValueError(f"one_hot: num_classes cannot be inferred from an empty tensor (shape {tensor.shape}); "
                             f"give it")
        num_classes = int(tensor.array.max()) + 1
    # checked where the indices are: on a GPU a host read here would make every conditional step wait for it
    tensor.backend.require((tensor.array >= 0) & (tensor.array < num_classes), ValueError,
                           f"one_hot: class indices (shape {tensor.shape}) must lie in 0..{num_classes - 1}")
    classes = tensor.backend.xp.arange(num_classes)
    return Tensor((tensor.array[..., None] == classes).astype(int64))
