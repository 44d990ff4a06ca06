"""A layer's bias, added by the Function that computes the layer's product.

For y of shape (N, C, ...) (a convolution's output, or linear's rows (N, C)) and b of shape (C,):
    y[n, c, ...] += b[c];   db[c] = Σ_{n, ...} g[n, c, ...],   and the gradient of y's other inputs is unchanged.

The bias is an optional last input of MatMul (linear), Conv2d (conv2d) and Conv2dInputGrad (conv_transpose2d):
their forward adds it to the output (MatMul in place on the product, backend.add_channel_bias_; the convolutions
through their backend function, whose CUDA kernels add it as they store the output), and their backward
returns db beside the other gradients. So a biased layer is one node of the graph, not a product node and an
add node: every node is host time on a GPU, and every layer of a WGAN-GP step has a bias.
"""


def channel_axes(x):
    """Every axis of an (N, C, *) tensor but the channel axis 1: what a per-channel sum runs over."""
    return (0, *range(2, x.ndim))


def channel_sum(t):
    """Σ of an (N, C, *) tensor over every axis but 1, a (C,) tensor: a bias's gradient, and batch norm's sums."""
    return t.sum(channel_axes(t))


def bias_grad(ctx, g, index):
    """db = channel_sum(g), when input `index` of ctx's op is a bias whose gradient is needed; None when it is not,
    or when the op was applied without a bias."""
    if len(ctx.inputs) <= index or not ctx.needs_input_grad[index]:
        return None
    return channel_sum(g)


def with_bias(*inputs, bias):
    """The inputs of a layer's Function: its operands, then the bias when there is one."""
    return inputs if bias is None else (*inputs, bias)
