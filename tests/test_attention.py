"""Attention: F.scaled_dot_product_attention and nn.MultiheadAttention against PyTorch's, forward, backward and
the second derivative a gradient penalty takes."""
import math

import numpy as np
import pytest

import nanogan as ng
import nanogan.nn.functional as F
from harness import compare_with_torch, refused_as_by_torch
from nanogan import nn

rng = np.random.default_rng(17)


def _mask(kind):
    """A mask for (L, S) = (3, 5) scores: boolean (every query sees key 0) or floating, broadcast over the batch."""
    if kind == "bool":
        boolean = rng.random((3, 5)) < 0.6
        boolean[:, 0] = True
        return boolean
    return rng.standard_normal((2, 1, 5)) if kind == "float" else None


@pytest.mark.parametrize("mask, is_causal, scale", [("none", False, None), ("bool", False, None),
                                                    ("float", False, None), ("none", True, None),
                                                    ("float", False, 0.3)])
def test_scaled_dot_product_attention_equals_torch_to_the_second_derivative(mask, is_causal, scale):
    torch = pytest.importorskip("torch")
    q, k, v = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4)), rng.standard_normal((2, 5, 6))
    m = _mask(mask)
    ours_mask, their_mask = (None, None) if m is None else (ng.tensor(m), torch.tensor(m))
    compare_with_torch(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, ours_mask, is_causal=is_causal,
                                                                      scale=scale),
                       lambda a, b, c: torch.nn.functional.scaled_dot_product_attention(a, b, c, their_mask,
                                                                                        is_causal=is_causal,
                                                                                        scale=scale), [q, k, v])


def test_a_query_whose_keys_are_all_masked_gives_zeros_as_torchs_scaled_dot_product_attention():
    torch = pytest.importorskip("torch")
    q, k, v = rng.standard_normal((1, 2, 4)), rng.standard_normal((1, 3, 4)), rng.standard_normal((1, 3, 4))
    mask = np.array([[True, False, True], [False, False, False]])
    y = compare_with_torch(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, ng.tensor(mask)),
                           lambda a, b, c: torch.nn.functional.scaled_dot_product_attention(a, b, c, torch.tensor(mask)),
                           [q, k, v])
    np.testing.assert_array_equal(y.numpy()[0, 1], 0.0)


def test_scaled_dot_product_attention_dropout_drops_weights_and_scales_the_rest():
    ng.manual_seed(2)
    q, k = ng.zeros(1, 4000, 2, dtype=ng.float64), ng.zeros(1, 2, 2, dtype=ng.float64)
    v = ng.tensor([[[1.0], [1.0]]], dtype=ng.float64)  # equal weights 1/2 each: y is 0, 1 or 2
    y = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).numpy().ravel()
    assert set(np.unique(y)) == {0.0, 1.0, 2.0} and abs(y.mean() - 1.0) < 5 * math.sqrt(0.5 / 4000)


@pytest.mark.parametrize("call, error, message", [
    (lambda q: F.scaled_dot_product_attention(q, q, q, ng.ones(3, 3, dtype=ng.bool_), is_causal=True), ValueError,
     "give attn_mask or is_causal=True, not both"),
    (lambda q: F.scaled_dot_product_attention(q, ng.zeros(2, 3, 5), q), ValueError,
     r"query \(..., L, E\), key \(..., S, E\) and value \(..., S, Ev\) must agree, their leading dimensions "
     r"broadcasting, got \(2, 3, 4\), \(2, 3, 5\)"),
    (lambda q: F.scaled_dot_product_attention(q, q, q, ng.ones(3, 3, dtype=ng.int64)), TypeError,
     "expected a boolean or floating-point mask, got int64"),
    (lambda q: F.scaled_dot_product_attention(q, q, q, dropout_p=1.5), ValueError, "dropout_p must be a probability"),
    (lambda q: F.scaled_dot_product_attention(q.long(), q, q), TypeError, "query must be a floating-point Tensor"),
])
def test_scaled_dot_product_attention_refuses_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call(ng.zeros(2, 3, 4))


@pytest.mark.parametrize("shapes, mask_shape", [
    (((3, 4), (5, 4), (5, 6)), (2, 3, 5)),  # a batch the 2-d query does not have
    (((3, 4), (5, 4), (5, 6)), (1, 3, 5)),  # even of one
    (((2, 3, 4), (2, 5, 4), (2, 5, 6)), (2, 2, 3, 5)),  # heads the 3-d query does not have
    (((2, 3, 4), (2, 5, 4), (2, 5, 6)), (2, 1, 3, 5)),
])
def test_scaled_dot_product_attention_refuses_a_mask_that_would_widen_the_scores_as_torch(shapes, mask_shape):
    # the mask is added to the scores in place: broadcasting the scores up to it made more outputs than the query's
    scores = r"\(" + ", ".join(map(str, shapes[0][:-1] + (5,))) + r"\)"
    refused_as_by_torch(lambda lib: lib.nn.functional.scaled_dot_product_attention(
        *(lib.zeros(*shape) for shape in shapes), lib.ones(*mask_shape, dtype=lib.bool)), ValueError,
        rf"scaled_dot_product_attention: attn_mask must broadcast to the scores' shape {scores} \(..., L, S\), got "
        rf"\({mask_shape[0]}, ")


@pytest.mark.parametrize("shapes, message", [
    (((2, 3, 4), (3, 5, 4), (3, 5, 6)), r"got \(2, 3, 4\), \(3, 5, 4\) and \(3, 5, 6\)"),  # batches 2 and 3
    (((2, 3, 4), (2, 5, 4), (3, 5, 6)), r"got \(2, 3, 4\), \(2, 5, 4\) and \(3, 5, 6\)"),
    (((2, 3, 4), (2, 5, 4), (2, 5, 6)), None),  # the mask's S is 4
])
def test_scaled_dot_product_attention_names_itself_and_the_shapes_for_leading_dimensions_that_disagree(shapes,
                                                                                                     message):
    mask = (4,) if message is None else (5,)
    if message is None:
        message = r"attn_mask must broadcast to the scores' shape \(2, 3, 5\)"
    else:
        message = r"query .* must agree, their leading dimensions broadcasting, " + message
    refused_as_by_torch(lambda lib: lib.nn.functional.scaled_dot_product_attention(
        *(lib.zeros(*shape) for shape in shapes), lib.ones(*mask, dtype=lib.bool)), ValueError,
        "scaled_dot_product_attention: " + message)


def test_scaled_dot_product_attention_of_features_of_width_zero_averages_the_values_as_torch():
    torch = pytest.importorskip("torch")  # it divided by √0
    compare_with_torch(F.scaled_dot_product_attention, torch.nn.functional.scaled_dot_product_attention,
                       [rng.standard_normal((2, 3, 0)), rng.standard_normal((2, 5, 0)), rng.standard_normal((2, 5, 6))])


def test_scaled_dot_product_attention_over_no_keys_gives_zeros_as_torch():
    torch = pytest.importorskip("torch")
    y = compare_with_torch(F.scaled_dot_product_attention, torch.nn.functional.scaled_dot_product_attention,
                           [rng.standard_normal((2, 3, 4)), np.zeros((2, 0, 4)), np.zeros((2, 0, 6))])
    np.testing.assert_array_equal(y.numpy(), np.zeros((2, 3, 6)))


@pytest.mark.parametrize("shapes", [((1, 4, 3, 4), (1, 2, 5, 4), (1, 2, 5, 6)),  # two query heads a key head
                                    ((4, 3, 4), (2, 5, 4), (1, 5, 6)),  # key and value grouped differently
                                    ((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 6))])  # groups of one
def test_grouped_query_attention_equals_torchs_to_the_second_derivative(shapes):
    torch = pytest.importorskip("torch")  # enable_gqa was not implemented
    compare_with_torch(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, enable_gqa=True),
                       lambda q, k, v: torch.nn.functional.scaled_dot_product_attention(q, k, v, enable_gqa=True),
                       [rng.standard_normal(shape) for shape in shapes])


@pytest.mark.parametrize("shapes, message", [
    (((1, 4, 3, 4), (1, 3, 5, 4), (1, 3, 5, 6)), r"key \(1, 3, 5, 4\) and query \(1, 4, 3, 4\)"),
    (((1, 4, 3, 4), (1, 2, 5, 4), (1, 8, 5, 6)), r"value \(1, 8, 5, 6\) and query \(1, 4, 3, 4\)"),
    (((3, 4), (5, 4), (5, 6)), r"key \(5, 4\) and query \(3, 4\)"),  # no heads
])
def test_grouped_query_attention_refuses_heads_that_do_not_divide_the_querys(shapes, message):
    refused_as_by_torch(lambda lib: lib.nn.functional.scaled_dot_product_attention(
        *(lib.zeros(*shape) for shape in shapes), enable_gqa=True), ValueError,
        r"scaled_dot_product_attention: with enable_gqa, the heads \(dimension -3\) of .* must divide those of query, "
        r"got " + message)


def _paired_attention(torch, **options):
    theirs = torch.nn.MultiheadAttention(**options).double()
    ours = nn.MultiheadAttention(**options).double()
    state = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    assert list(ours.state_dict()) == list(state)
    ours.load_state_dict(state)
    assert [(n, p.shape) for n, p in ours.named_parameters()] == \
           [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    return ours, theirs


CONFIGURATIONS = {
    "self attention": dict(embed_dim=8, num_heads=2),
    "batch first, one head": dict(embed_dim=6, num_heads=1, batch_first=True),
    "kdim and vdim, no bias": dict(embed_dim=8, num_heads=4, kdim=3, vdim=5, bias=False),
    "bias_k, bias_v and a zero key": dict(embed_dim=8, num_heads=2, add_bias_kv=True, add_zero_attn=True),
}


@pytest.mark.parametrize("masks", ["none", "bool attn_mask and key padding", "float 3-d attn_mask"])
@pytest.mark.parametrize("average", [True, False])
@pytest.mark.parametrize("configuration", sorted(CONFIGURATIONS))
def test_multihead_attention_equals_torch_with_its_weights_and_a_gradient_penalty(configuration, average, masks):
    torch = pytest.importorskip("torch")
    options = CONFIGURATIONS[configuration]
    ours, theirs = _paired_attention(torch, **options)
    batch, length, sources, heads = 2, 3, 4, options["num_heads"]
    width = options["embed_dim"]
    first = (batch, length) if options.get("batch_first") else (length, batch)
    first_k = (batch, sources) if options.get("batch_first") else (sources, batch)
    arrays = [rng.standard_normal(first + (width,)), rng.standard_normal(first_k + (options.get("kdim", width),)),
              rng.standard_normal(first_k + (options.get("vdim", width),))]
    if masks == "none":
        mask_arrays = {}
    elif masks == "bool attn_mask and key padding":
        attn = rng.random((length, sources)) < 0.4
        padding = np.zeros((batch, sources), bool)
        padding[0, -1] = padding[1, 1] = True
        attn[:, 0] = False  # every query sees a key
        mask_arrays = {"attn_mask": attn, "key_padding_mask": padding}
    else:
        mask_arrays = {"attn_mask": rng.standard_normal((batch * heads, length, sources))}

    def run(module, lib, tensors):
        masks_there = {name: lib.tensor(m) for name, m in mask_arrays.items()}
        out, weights = module(*tensors, average_attn_weights=average, **masks_there)
        return out, weights

    inputs = [ng.tensor(a, requires_grad=True) for a in arrays]
    their_inputs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, weights = run(ours, ng, inputs)
    their_out, their_weights = run(theirs, torch, their_inputs)
    np.testing.assert_allclose(out.numpy(), their_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(weights.numpy(), their_weights.detach().numpy(), rtol=1e-10, atol=1e-12)
    # a gradient penalty on the query: the second derivative through every parameter
    probe = rng.standard_normal(out.shape)
    (g,) = ng.grad((out * ng.tensor(probe)).sum() + (weights ** 2).sum(), [inputs[0]], create_graph=True)
    (their_g,) = torch.autograd.grad((their_out * torch.tensor(probe)).sum() + (their_weights ** 2).sum(),
                                     [their_inputs[0]], create_graph=True)
    np.testing.assert_allclose(g.numpy(), their_g.detach().numpy(), rtol=1e-9, atol=1e-12)
    ((g ** 2).sum()).backward()
    ((their_g ** 2).sum()).backward()
    for (name, p), (_, their_p) in zip(ours.named_parameters(), theirs.named_parameters()):
        if their_p.grad is None:  # the input gradient does not depend on it (out_proj's bias)
            assert p.grad is None, name
            continue
        np.testing.assert_allclose(p.grad.numpy(), their_p.grad.numpy(), rtol=1e-8, atol=1e-11, err_msg=name)
    for ours_x, their_x in zip(inputs, their_inputs):
        np.testing.assert_allclose(ours_x.grad.numpy(), their_x.grad.numpy(), rtol=1e-8, atol=1e-11)


def test_multihead_attention_unbatched_without_weights_and_its_initialisation():
    torch = pytest.importorskip("torch")
    ours, theirs = _paired_attention(torch, embed_dim=4, num_heads=2)
    x = rng.standard_normal((3, 4))
    out, weights = ours(ng.tensor(x), ng.tensor(x), ng.tensor(x), need_weights=False)
    their_out, _ = theirs(*(torch.tensor(x),) * 3, need_weights=False)
    assert weights is None
    np.testing.assert_allclose(out.numpy(), their_out.detach().numpy(), rtol=1e-10)
    ng.manual_seed(0)
    fresh = nn.MultiheadAttention(64, 4, add_bias_kv=True)
    bound = math.sqrt(6 / (64 + 3 * 64))  # Xavier-uniform over the stacked (192, 64) matrix, as PyTorch's
    assert 0.9 * bound < np.abs(fresh.in_proj_weight.numpy()).max() <= bound
    assert not fresh.in_proj_bias.numpy().any() and not fresh.out_proj.bias.numpy().any()
    assert fresh.bias_k.numpy().std() > 0


def test_multihead_attention_a_fully_masked_query_gets_zero_weights_where_torch_gives_nan():
    torch = pytest.importorskip("torch")
    ours, theirs = _paired_attention(torch, embed_dim=4, num_heads=2, batch_first=True)
    x = rng.standard_normal((2, 3, 4))
    padding = np.zeros((2, 3), bool)
    padding[0] = True
    out, weights = ours(*(ng.tensor(x),) * 3, key_padding_mask=ng.tensor(padding))
    their_out, their_weights = theirs(*(torch.tensor(x),) * 3, key_padding_mask=torch.tensor(padding))
    assert np.isnan(their_weights.detach().numpy()[0]).all()
    np.testing.assert_array_equal(weights.numpy()[0], 0.0)
    np.testing.assert_allclose(out.numpy()[0], np.broadcast_to(ours.out_proj.bias.numpy(), (3, 4)))
    np.testing.assert_allclose(out.numpy()[1], their_out.detach().numpy()[1], rtol=1e-10)


@pytest.mark.parametrize("call, message", [
    (lambda m, x: m(x, x, x[..., :3]), r"expected value of shape \(L, N, E\) with E = 4, got \(3, 2, 3\)"),
    (lambda m, x: m(x, x, x, attn_mask=ng.ones(3, 2, dtype=ng.bool_)), r"attn_mask must be of shape \(3, 3\)"),
    (lambda m, x: m(x, x, x, key_padding_mask=ng.ones(3, 2, dtype=ng.bool_)),
     r"key_padding_mask must be of shape \(2, 3\) \(N, S\), got \(3, 2\)"),
    (lambda m, x: m(x, x, x, is_causal=True), "is_causal=True is a hint that attn_mask is causal"),
    (lambda m, x: nn.MultiheadAttention(6, 4), r"embed_dim \(6\) must be divisible by num_heads \(4\)"),
])
def test_multihead_attention_refuses_bad_shapes(call, message):
    with pytest.raises(ValueError, match=message):
        call(nn.MultiheadAttention(4, 2), ng.zeros(3, 2, 4))


def _paired_modules(torch, make):
    """make(nn) and make(torch.nn) in float64, ours given torch's parameters by their state_dict names (which must
    be the same, in the same order)."""
    ours, theirs = make(nn).double(), make(torch.nn).double()
    state = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    assert list(ours.state_dict()) == list(state)
    ours.load_state_dict(state)
    return ours, theirs


def _assert_equal_with_a_gradient_penalty(torch, ours, theirs, arrays, run):
    """run(module, lib, inputs) in both libraries: the outputs, the input gradients of Σ sin(y), and the parameter
    gradients of the penalty Σ (those gradients)² agree (the second derivative through every layer)."""
    from torch.nn.attention import SDPBackend, sdpa_kernel
    ours_x = [ng.tensor(a, requires_grad=True) for a in arrays]
    their_x = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = run(ours, ng, ours_x)
    with sdpa_kernel(SDPBackend.MATH):  # torch's fused CPU attention has no second derivative
        their_y = run(theirs, torch, their_x)
    np.testing.assert_allclose(y.numpy(), their_y.detach().numpy(), rtol=1e-9, atol=1e-12)
    gradients = ng.grad(y.sin().sum(), ours_x, create_graph=True)
    their_gradients = torch.autograd.grad(their_y.sin().sum(), their_x, create_graph=True)
    for g, their_g in zip(gradients, their_gradients):
        np.testing.assert_allclose(g.numpy(), their_g.detach().numpy(), rtol=1e-8, atol=1e-11)
    sum((g ** 2).sum() for g in gradients).backward()
    sum((g ** 2).sum() for g in their_gradients).backward()
    for (name, p), (_, their_p) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), their_p.grad.numpy(), rtol=1e-7, atol=1e-10, err_msg=name)


@pytest.mark.parametrize("norm_first, activation, batch_first", [(False, "relu", False), (True, "gelu", True)])
def test_transformer_encoder_equals_torchs_with_a_gradient_penalty(norm_first, activation, batch_first):
    torch = pytest.importorskip("torch")
    ours, theirs = _paired_modules(torch, lambda lib: lib.TransformerEncoder(
        lib.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation=activation, batch_first=batch_first,
                                    norm_first=norm_first), 2, norm=lib.LayerNorm(8), enable_nested_tensor=False))
    padding = np.zeros((2, 5), bool)
    padding[1, 3:] = True
    causal = np.triu(np.ones((5, 5), bool), 1)  # True: left out, MultiheadAttention's sense
    _assert_equal_with_a_gradient_penalty(
        torch, ours, theirs, [rng.standard_normal((2, 5, 8) if batch_first else (5, 2, 8))],
        lambda module, lib, x: module(x[0], mask=lib.tensor(causal), src_key_padding_mask=lib.tensor(padding)))


def _decoder_masks(kind, lib, batch=2, length=4, sources=5):
    """tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask and tgt_is_causal, drawn from a seed
    of their own so that both libraries get the same: boolean ones (True: left out; every query keeps a key) with
    the causal hint, or floating ones added to the scores, the causal one Transformer's, its hint left to find."""
    draw = np.random.default_rng(5)
    if kind == "bool":
        memory_mask = draw.random((length, sources)) < 0.4
        memory_mask[:, 0] = False
        tgt_padding, memory_padding = np.zeros((batch, length), bool), np.zeros((batch, sources), bool)
        tgt_padding[1, 2:] = memory_padding[0, -2:] = True
        return dict(tgt_mask=lib.tensor(np.triu(np.ones((length, length), bool), 1)),
                    memory_mask=lib.tensor(memory_mask), tgt_key_padding_mask=lib.tensor(tgt_padding),
                    memory_key_padding_mask=lib.tensor(memory_padding), tgt_is_causal=True)
    return dict(tgt_mask=lib.nn.Transformer.generate_square_subsequent_mask(length, dtype=lib.float64),
                memory_mask=lib.tensor(draw.standard_normal((length, sources))),
                tgt_key_padding_mask=lib.tensor(draw.standard_normal((batch, length))),
                memory_key_padding_mask=lib.tensor(draw.standard_normal((batch, sources))))


DECODER_CONFIGURATIONS = {  # norm_first, activation, batch_first, masks
    "post-norm, relu, bool masks": (False, "relu", False, "bool"),
    "pre-norm, gelu, batch first, float masks": (True, "gelu", True, "float"),
    "pre-norm, a callable, bool masks": (True, "silu", False, "bool"),
    "post-norm, batch first, float masks": (False, "gelu", True, "float"),
}


@pytest.mark.parametrize("configuration", sorted(DECODER_CONFIGURATIONS))
def test_transformer_decoder_equals_torchs_in_evaluation_with_a_gradient_penalty(configuration):
    torch = pytest.importorskip("torch")
    norm_first, activation, batch_first, masks = DECODER_CONFIGURATIONS[configuration]

    def make(lib):
        act = lib.functional.silu if activation == "silu" else activation
        layer = lib.TransformerDecoderLayer(8, 2, 16, dropout=0.3, activation=act, batch_first=batch_first,
                                            norm_first=norm_first)
        return lib.TransformerDecoder(layer, 2, norm=lib.LayerNorm(8)).eval()  # eval: dropout off

    ours, theirs = _paired_modules(torch, make)
    assert "layers.1.multihead_attn.in_proj_weight" in ours.state_dict()
    shapes = [(2, 4, 8), (2, 5, 8)] if batch_first else [(4, 2, 8), (5, 2, 8)]
    _assert_equal_with_a_gradient_penalty(torch, ours, theirs, [rng.standard_normal(s) for s in shapes],
                                          lambda module, lib, x: module(*x, **_decoder_masks(masks, lib)))


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")  # torch's Transformer: its speed-up is off
@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_decoder_layer_and_transformer_take_unbatched_sequences_as_torchs(norm_first):
    torch = pytest.importorskip("torch")
    tgt_padding, memory_padding = np.zeros(4, bool), np.zeros(5, bool)
    tgt_padding[3], memory_padding[1:3] = True, True
    layers = _paired_modules(torch, lambda lib: lib.TransformerDecoderLayer(8, 2, 16, dropout=0.0,
                                                                            norm_first=norm_first))
    _assert_equal_with_a_gradient_penalty(
        torch, *layers, [rng.standard_normal((4, 8)), rng.standard_normal((5, 8))],
        lambda module, lib, x: module(*x, tgt_key_padding_mask=lib.tensor(tgt_padding),
                                      memory_key_padding_mask=lib.tensor(memory_padding)))
    transformers = _paired_modules(torch, lambda lib: lib.Transformer(8, 2, 1, 1, 16, norm_first=norm_first).eval())
    _assert_equal_with_a_gradient_penalty(
        torch, *transformers, [rng.standard_normal((5, 8)), rng.standard_normal((4, 8))],
        lambda module, lib, x: module(*x, src_key_padding_mask=lib.tensor(memory_padding),
                                      memory_key_padding_mask=lib.tensor(memory_padding)))


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")  # torch's Transformer: its speed-up is off
@pytest.mark.parametrize("norm_first, batch_first", [(False, False), (True, True)])
def test_transformer_equals_torchs_in_evaluation_with_a_gradient_penalty(norm_first, batch_first):
    torch = pytest.importorskip("torch")
    ours, theirs = _paired_modules(torch, lambda lib: lib.Transformer(
        8, 2, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=16, dropout=0.2, activation="gelu",
        batch_first=batch_first, norm_first=norm_first).eval())
    assert "encoder.norm.weight" in ours.state_dict() and "decoder.norm.weight" in ours.state_dict()
    src_padding = np.zeros((2, 5), bool)
    src_padding[0, 3:] = True
    causal = np.triu(np.ones((5, 5), bool), 1)

    def run(module, lib, x):
        masks = _decoder_masks("bool", lib)
        return module(*x, src_mask=lib.tensor(causal), src_key_padding_mask=lib.tensor(src_padding),
                      memory_key_padding_mask=lib.tensor(src_padding), tgt_mask=masks["tgt_mask"],
                      memory_mask=masks["memory_mask"], tgt_key_padding_mask=masks["tgt_key_padding_mask"])

    shapes = [(2, 5, 8), (2, 4, 8)] if batch_first else [(5, 2, 8), (4, 2, 8)]
    _assert_equal_with_a_gradient_penalty(torch, ours, theirs, [rng.standard_normal(s) for s in shapes], run)


def test_generate_square_subsequent_mask_equals_torchs():
    torch = pytest.importorskip("torch")
    for dtype in (None, "float64"):
        ours = nn.Transformer.generate_square_subsequent_mask(4, dtype=dtype and ng.float64)
        theirs = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=dtype and torch.float64)
        assert ours.dtype == np.dtype(str(theirs.dtype).replace("torch.", ""))
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_transformer_draws_every_matrix_xavier_uniform_custom_decoders_too_and_runs_its_stacks():
    ng.manual_seed(0)
    decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0), 1)
    for p in decoder.parameters():
        nn.init.zeros_(p)
    model = nn.Transformer(8, 2, num_encoder_layers=1, dim_feedforward=16, dropout=0.0, custom_decoder=decoder)
    assert model.decoder is decoder and len(model.encoder.layers) == 1
    for name, p in model.named_parameters():
        if p.ndim == 1:  # biases and norms keep their values: zeros in the custom decoder
            assert name.startswith("encoder") or not p.numpy().any(), name
            continue
        bound = math.sqrt(6 / sum(p.shape))  # Linear's own bound, 1/√fan_in, is below 0.9·this for these shapes
        assert 0.9 * bound < np.abs(p.numpy()).max() <= bound, name
    src, tgt = ng.randn(5, 2, 8), ng.randn(4, 2, 8)
    np.testing.assert_array_equal(model(src, tgt).numpy(), decoder(tgt, model.encoder(src)).numpy())


@pytest.mark.parametrize("call, message", [
    (lambda: nn.TransformerDecoderLayer(8, 2, 16)(ng.zeros(4, 2, 6), ng.zeros(5, 2, 8)),
     r"TransformerDecoderLayer: expected tgt and memory of shape \(L, N, E\) with one N, or \(L, E\), with "
     r"E = d_model = 8, got tgt \(4, 2, 6\) and memory \(5, 2, 8\)"),
    (lambda: nn.TransformerDecoderLayer(8, 2, 16)(ng.zeros(4, 2, 8), ng.zeros(5, 3, 8)),
     r"got tgt \(4, 2, 8\) and memory \(5, 3, 8\)"),
    (lambda: nn.TransformerDecoderLayer(8, 2, 16)(ng.zeros(4, 2, 8), ng.zeros(5, 8)),
     r"got tgt \(4, 2, 8\) and memory \(5, 8\)"),
    (lambda: nn.TransformerDecoderLayer(8, 2, 16, batch_first=True)(ng.zeros(2, 4, 8), ng.zeros(3, 5, 8)),
     r"TransformerDecoderLayer: expected tgt and memory of shape \(N, L, E\) .* got tgt \(2, 4, 8\) and memory "
     r"\(3, 5, 8\)"),
    (lambda: nn.TransformerEncoderLayer(8, 2, 16)(ng.zeros(4, 2, 6)),
     r"TransformerEncoderLayer: expected src of shape \(L, N, E\) .* E = d_model = 8, got src \(4, 2, 6\)"),
    (lambda: nn.Transformer(8, 2, 1, 1, 16)(ng.zeros(5, 2, 8), ng.zeros(4, 3, 8)),
     r"Transformer: expected src and tgt of shape \(L, N, E\) .* got src \(5, 2, 8\) and tgt \(4, 3, 8\)"),
    (lambda: nn.Transformer(8, 2, 1, 1, 16)(ng.zeros(5, 2, 6), ng.zeros(4, 2, 6)),
     r"Transformer: .* E = d_model = 8, got src \(5, 2, 6\) and tgt \(4, 2, 6\)"),
    (lambda: nn.TransformerDecoderLayer(8, 2, activation="tanh"),
     "TransformerDecoderLayer: activation must be 'relu', 'gelu' or a callable, got 'tanh'"),
    (lambda: nn.TransformerEncoderLayer(8, 2, activation="tanh"),
     "TransformerEncoderLayer: activation must be 'relu', 'gelu' or a callable, got 'tanh'"),
])
def test_transformer_layers_name_themselves_and_the_shapes_for_bad_sequences(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("make, run", [
    (lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 8, dropout=0.5), 2), lambda stack, x: stack(x)),
    (lambda: nn.TransformerDecoder(nn.TransformerDecoderLayer(4, 2, 8, dropout=0.5), 2),
     lambda stack, x: stack(x, x[:2])),
], ids=["encoder", "decoder"])
def test_transformer_stacks_layers_are_copies_and_dropout_follows_training(make, run):
    stack = make()
    layers = stack.layers
    assert layers[0].linear1.weight is not layers[1].linear1.weight
    np.testing.assert_array_equal(layers[1].linear1.weight.numpy(), layers[0].linear1.weight.numpy())
    x = ng.randn(3, 2, 4)
    stack.eval()
    np.testing.assert_array_equal(run(stack, x).numpy(), run(stack, x).numpy())
    stack.train()
    assert not np.array_equal(run(stack, x).numpy(), run(stack, x).numpy())
    name = type(stack).__name__
    with pytest.raises(TypeError, match=f"{name}: {name[len('Transformer'):].lower()}_layer must be a Module, got str"):
        type(stack)("layer", 2)
