"""3-d convolutions and pooling (conv3d, conv_transpose3d, max_pool3d, avg_pool3d, adaptive_avg_pool3d,
adaptive_max_pool3d), their layers, and BatchNorm3d / InstanceNorm3d: PyTorch's values, gradients and second
derivatives in float64 over a spread of geometries, finite differences of the second derivative, the layers with
torch's state dicts, and bad input named by op and shape."""
import numpy as np
import pytest

import nanogan as ng
import nanogan.nn.functional as F
from harness import check_op, compare_with_torch, refused_as_by_torch

# name: (call(F), input shapes); every case compares the value, each input's gradient and the double backward
CONV_CASES = {
    "conv3d, strided, padded and dilated per axis, with a bias": (
        lambda F: lambda x, w, b: F.conv3d(x, w, b, stride=(2, 1, 2), padding=(1, 0, 2), dilation=(2, 1, 1)),
        [(2, 3, 7, 6, 7), (4, 3, 3, 2, 3), (4,)]),
    "conv3d, 3 groups, a kernel of depth 1": (
        lambda F: lambda x, w, b: F.conv3d(x, w, b, stride=2, padding=1, groups=3),
        [(2, 6, 5, 6, 5), (6, 2, 1, 3, 3), (6,)]),
    "conv3d, padding='same' with even kernels (the odd plane, row and column after), dilated": (
        lambda F: lambda x, w, b: F.conv3d(x, w, b, padding="same", dilation=(3, 1, 2), groups=2),
        [(2, 4, 6, 5, 6), (4, 2, 2, 4, 2), (4,)]),
    "conv3d, padding='valid'": (lambda F: lambda x, w: F.conv3d(x, w, stride=(1, 2, 3), padding="valid"),
                                [(2, 2, 5, 6, 7), (3, 2, 3, 2, 2)]),
    "conv3d, depthwise": (lambda F: lambda x, w: F.conv3d(x, w, padding=(0, 1, 1), groups=3),
                          [(1, 3, 4, 5, 4), (6, 1, 2, 3, 3)]),
    "conv3d, unbatched (C, D, H, W)": (lambda F: lambda x, w, b: F.conv3d(x, w, b, stride=(2, 1, 1), padding=1),
                                       [(3, 6, 5, 4), (2, 3, 3, 3, 2), (2,)]),
    "conv3d, the kernel is the whole volume": (lambda F: lambda x, w, b: F.conv3d(x, w, b),
                                               [(3, 2, 3, 4, 2), (5, 2, 3, 4, 2), (5,)]),
    "conv_transpose3d, strided, padded, output_padding, with a bias": (
        lambda F: lambda x, w, b: F.conv_transpose3d(x, w, b, stride=(2, 3, 1), padding=(1, 0, 1),
                                                     output_padding=(1, 2, 0)),
        [(2, 3, 3, 4, 5), (3, 2, 3, 2, 3), (2,)]),
    # output_padding at or past the stride, which dilation allows: output planes no tap reaches, past the padding
    "conv_transpose3d, output_padding past the stride and the padding": (
        lambda F: lambda x, w: F.conv_transpose3d(x, w, stride=1, padding=(0, 1, 0), output_padding=(2, 1, 1),
                                                  dilation=(3, 2, 2)),
        [(1, 2, 3, 4, 3), (2, 3, 2, 3, 2)]),
    "conv_transpose3d, 2 groups, dilated": (
        lambda F: lambda x, w, b: F.conv_transpose3d(x, w, b, stride=2, padding=1, output_padding=1, groups=2,
                                                     dilation=(2, 1, 1)),
        [(2, 4, 3, 3, 4), (4, 3, 3, 3, 2), (6,)]),
    "conv_transpose3d, unbatched (C, D, H, W)": (
        lambda F: lambda x, w: F.conv_transpose3d(x, w, stride=(1, 2, 2), padding=(1, 0, 1)),
        [(3, 4, 3, 3), (3, 2, 3, 2, 3)]),
    "conv_transpose3d, padding past the planes a tap reaches (a canvas cropped on both sides)": (
        lambda F: lambda x, w, b: F.conv_transpose3d(x, w, b, stride=(3, 1, 1), padding=(2, 1, 0)),
        [(2, 2, 3, 3, 3), (2, 2, 3, 3, 1), (2,)]),
}


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")  # torch's, on its speed
@pytest.mark.parametrize("case", sorted(CONV_CASES))
def test_convolutions_match_pytorch_to_the_second_derivative(case):
    torch = pytest.importorskip("torch")
    make, shapes = CONV_CASES[case]
    rng = np.random.default_rng(3)
    y = compare_with_torch(make(F), make(torch.nn.functional), [rng.standard_normal(s) for s in shapes])
    assert y.is_contiguous()  # as PyTorch's


POOL_CASES = {
    "max_pool3d": (lambda F: lambda x: F.max_pool3d(x, 2), (2, 3, 4, 6, 5)),
    "max_pool3d, strided, padded, dilated, ceil_mode": (
        lambda F: lambda x: F.max_pool3d(x, (3, 2, 3), (2, 1, 2), (1, 1, 0), (2, 1, 2), ceil_mode=True),
        (2, 2, 7, 5, 9)),
    "max_pool3d, overlapping windows, unbatched": (lambda F: lambda x: F.max_pool3d(x, 3, 1, 1), (2, 4, 5, 3)),
    "avg_pool3d": (lambda F: lambda x: F.avg_pool3d(x, (2, 3, 2)), (2, 3, 4, 6, 5)),
    "avg_pool3d, ceil_mode past the padding, count_include_pad=False": (
        lambda F: lambda x: F.avg_pool3d(x, 3, (2, 2, 1), (1, 0, 1), ceil_mode=True, count_include_pad=False),
        (2, 2, 6, 6, 5)),
    "avg_pool3d, ceil_mode, padding counted": (lambda F: lambda x: F.avg_pool3d(x, 2, 2, 1, ceil_mode=True),
                                               (1, 2, 4, 5, 6)),
    "avg_pool3d, divisor_override, unbatched": (
        lambda F: lambda x: F.avg_pool3d(x, (2, 2, 3), 1, (1, 0, 1), divisor_override=7), (2, 3, 4, 5)),
    "adaptive_avg_pool3d, bins of unequal sizes that overlap": (
        lambda F: lambda x: F.adaptive_avg_pool3d(x, (3, 4, 2)), (2, 3, 5, 7, 5)),
    "adaptive_avg_pool3d, dividing sizes and None": (lambda F: lambda x: F.adaptive_avg_pool3d(x, (2, None, 3)),
                                                     (2, 2, 4, 3, 6)),
    "adaptive_max_pool3d, bins of unequal sizes that overlap": (
        lambda F: lambda x: F.adaptive_max_pool3d(x, (4, 3, 2)), (2, 3, 5, 7, 5)),
    "adaptive_max_pool3d, dividing sizes, unbatched": (lambda F: lambda x: F.adaptive_max_pool3d(x, 2),
                                                       (3, 4, 6, 2)),
}


@pytest.mark.parametrize("case", sorted(POOL_CASES))
def test_pooling_matches_pytorch_to_the_second_derivative(case):
    torch = pytest.importorskip("torch")
    make, shape = POOL_CASES[case]
    compare_with_torch(make(F), make(torch.nn.functional), [np.random.default_rng(4).standard_normal(shape)])


@pytest.mark.parametrize("pool, args", [
    ("max_pool3d", dict(kernel_size=3, stride=2, padding=1)),
    ("max_pool3d", dict(kernel_size=(2, 3, 2), stride=(1, 2, 1), dilation=(2, 1, 2), ceil_mode=True)),
    ("adaptive_max_pool3d", dict(output_size=(3, 4, 3))),
    ("adaptive_max_pool3d", dict(output_size=(2, 3, 2))),
])
def test_max_pool_indices_match_pytorch_among_ties(pool, args):
    """Small integers tie often: the index of each window's first maximum in (d, h, w) order, as PyTorch's."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(5).integers(0, 3, (2, 3, 6, 7, 6)).astype(np.float64)
    y, index = getattr(F, pool)(ng.tensor(x), return_indices=True, **args)
    expected, expected_index = getattr(torch.nn.functional, pool)(torch.tensor(x), return_indices=True, **args)
    np.testing.assert_array_equal(y.numpy(), expected.numpy())
    np.testing.assert_array_equal(index.numpy(), expected_index.numpy())


@pytest.mark.parametrize("fn, shapes", [
    (lambda x, w, b: F.conv3d(x, w, b, stride=(2, 1, 1), padding=(1, 1, 0), dilation=(1, 1, 2), groups=2),
     [(1, 4, 4, 3, 4), (2, 2, 2, 2, 2), (2,)]),
    (lambda x, w, b: F.conv_transpose3d(x, w, b, stride=(2, 1, 1), padding=(1, 0, 0), output_padding=(1, 0, 0)),
     [(1, 2, 3, 2, 3), (2, 2, 2, 2, 2), (2,)]),
    (lambda x: F.avg_pool3d(x, 2, (1, 2, 1), 1, ceil_mode=True, count_include_pad=False), [(1, 2, 3, 4, 3)]),
], ids=["conv3d", "conv_transpose3d", "avg_pool3d"])
def test_second_derivatives_match_finite_differences(fn, shapes):
    rng = np.random.default_rng(6)
    check_op(fn, [rng.standard_normal(s) for s in shapes], layouts=("contiguous", "sliced"))


def test_a_transposed_convolution_is_the_adjoint_of_its_convolution():
    """<conv3d(x, w), g> = <x, conv_transpose3d(g, w)> with the same geometry, groups included."""
    rng = np.random.default_rng(7)
    x, w = ng.tensor(rng.standard_normal((2, 4, 7, 6, 5))), ng.tensor(rng.standard_normal((6, 2, 3, 2, 3)))
    geometry = dict(stride=(2, 1, 2), padding=(1, 1, 0), dilation=(1, 2, 1), groups=2)
    y = F.conv3d(x, w, **geometry)
    g = ng.tensor(rng.standard_normal(y.shape))
    back = F.conv_transpose3d(g, w, **geometry)
    assert back.shape == x.shape
    np.testing.assert_allclose((y * g).sum().item(), (x * back).sum().item(), rtol=1e-12)


# ---- layers ------------------------------------------------------------------------------------------------------

LAYERS = {
    "Conv3d": lambda nn: nn.Conv3d(4, 6, (3, 2, 3), stride=(2, 1, 1), padding=(1, 0, 1), groups=2),
    "Conv3d, padding='same', reflected": lambda nn: nn.Conv3d(4, 3, 2, padding="same", padding_mode="reflect"),
    "Conv3d, replicated": lambda nn: nn.Conv3d(4, 3, 3, padding=(1, 2, 0), padding_mode="replicate", bias=False),
    "Conv3d, circular": lambda nn: nn.Conv3d(4, 2, 3, padding=1, dilation=(1, 2, 1), padding_mode="circular"),
    "ConvTranspose3d": lambda nn: nn.ConvTranspose3d(4, 6, 3, stride=2, padding=1, output_padding=(1, 0, 1),
                                                     groups=2),
    "BatchNorm3d": lambda nn: nn.BatchNorm3d(4),
    "InstanceNorm3d": lambda nn: nn.InstanceNorm3d(4, affine=True),
    "MaxPool3d": lambda nn: nn.MaxPool3d(2, ceil_mode=True),
    "AvgPool3d": lambda nn: nn.AvgPool3d(3, 2, 1, count_include_pad=False),
    "AdaptiveAvgPool3d": lambda nn: nn.AdaptiveAvgPool3d((3, None, 2)),
    "AdaptiveMaxPool3d": lambda nn: nn.AdaptiveMaxPool3d(3),
}


@pytest.mark.parametrize("layer", sorted(LAYERS))
@pytest.mark.parametrize("shape", [(2, 4, 5, 6, 5), (4, 5, 6, 5)], ids=["batched", "unbatched"])
def test_layers_match_pytorch_with_its_state_dict(layer, shape):
    torch = pytest.importorskip("torch")
    if layer == "BatchNorm3d" and len(shape) == 4:
        pytest.skip("batch norm takes batches only, in both")
    theirs, ours = LAYERS[layer](torch.nn).double(), LAYERS[layer](ng.nn).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    assert repr(ours) == repr(theirs) or layer.startswith(("BatchNorm", "InstanceNorm"))  # theirs omit bias=
    x = np.random.default_rng(8).standard_normal(shape)
    x_ours, x_theirs = ng.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    np.testing.assert_allclose(y_ours.numpy(), y_theirs.detach().numpy(), rtol=1e-9, atol=1e-12)
    (y_ours ** 2).sum().backward()
    (y_theirs ** 2).sum().backward()
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-9, atol=1e-12)
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(dict(ours.named_parameters())[name].grad.numpy(), p.grad.numpy(), rtol=1e-9,
                                   atol=1e-12, err_msg=name)


@pytest.mark.parametrize("make", [lambda nn: nn.Conv3d(6, 4, (3, 2, 5), groups=2),
                                  lambda nn: nn.ConvTranspose3d(6, 4, (3, 2, 5), groups=2)],
                         ids=["Conv3d", "ConvTranspose3d"])
def test_layers_are_made_as_pytorchs(make):
    """PyTorch's shapes and default initialisation: weight and bias ~ U(±1/√fan_in), fan_in = weight.shape[1]·kernel
    volume: 3·30 for Conv3d, 2·30 for ConvTranspose3d (whose weight holds one group's output channels)."""
    torch = pytest.importorskip("torch")
    ng.manual_seed(0)
    ours, theirs = make(ng.nn), make(torch.nn)
    bound = 1 / np.sqrt(theirs.weight.shape[1] * 30)
    for name, p in theirs.named_parameters():
        ours_p = dict(ours.named_parameters())[name]
        assert ours_p.shape == tuple(p.shape), name
        assert np.abs(ours_p.numpy()).max() <= bound, name
    weight = ours.weight.numpy()  # 540 draws: their extent and spread are U(±bound)'s
    assert np.abs(weight).max() > 0.95 * bound and abs(weight.std() - bound / np.sqrt(3)) < 0.1 * bound


def test_transposed_layer_takes_pytorchs_output_size():
    torch = pytest.importorskip("torch")
    ours, theirs = ng.nn.ConvTranspose3d(2, 3, 3, stride=2, padding=1), torch.nn.ConvTranspose3d(2, 3, 3, 2, 1)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(9).standard_normal((1, 2, 3, 4, 4)).astype(np.float32)
    for size in [(6, 8, 7), (1, 3, 5, 7, 8)]:
        expected = theirs(torch.tensor(x), output_size=size).detach().numpy()
        np.testing.assert_allclose(ours(ng.tensor(x), output_size=size).numpy(), expected, rtol=1e-5, atol=1e-6)


# ---- bad input ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, message", [
    (lambda lib: lib.nn.functional.conv3d(lib.zeros(1, 2, 5, 5), lib.zeros(3, 2, 3, 3, 3)),
     r"conv3d: input of shape \(1, 1, 2, 5, 5\) has 1 channels but weight of shape \(3, 2, 3, 3, 3\) expects 2"),
    (lambda lib: lib.nn.functional.conv3d(lib.zeros(2, 5, 5), lib.zeros(3, 2, 3, 3, 3)),
     r"conv3d: expected a 5-D input \(N, C, D, H, W\) or a 4-D one \(C, D, H, W\), got shape \(2, 5, 5\)"),
    (lambda lib: lib.nn.functional.conv3d(lib.zeros(1, 2, 4, 5, 5, 5), lib.zeros(3, 2, 3, 3, 3)),
     r"conv3d: expected a 5-D input .* got shape \(1, 2, 4, 5, 5, 5\)"),
    (lambda lib: lib.nn.functional.conv3d(lib.zeros(1, 2, 4, 5, 5), lib.zeros(3, 2, 3, 3)),
     r"conv3d: expected a 5-D weight \(out_channels, in_channels, KD, KH, KW\), got shape \(3, 2, 3, 3\)"),
    (lambda lib: lib.nn.functional.conv3d(lib.zeros(1, 2, 2, 5, 5), lib.zeros(3, 2, 3, 3, 3)),
     r"conv3d: kernel of size \(3, 3, 3\) \(dilated extent \(3, 3, 3\)\) is larger than the padded input "
     r"\(2, 5, 5\), for input of shape \(1, 2, 2, 5, 5\)"),
    (lambda lib: lib.nn.functional.conv3d(lib.zeros(1, 2, 4, 5, 5), lib.zeros(3, 2, 3, 3, 3), stride=(1, 1, 2),
                                          padding="same"),
     r"conv3d: stride must be 1 with padding='same', got \(1, 1, 2\)"),
    (lambda lib: lib.nn.functional.conv3d(lib.zeros(1, 4, 4, 5, 5), lib.zeros(3, 2, 3, 3, 3), groups=2),
     r"conv3d: weight of shape \(3, 2, 3, 3, 3\) cannot be split into 2 groups"),
    (lambda lib: lib.nn.functional.conv_transpose3d(lib.zeros(1, 2, 4, 5, 5), lib.zeros(3, 2, 3, 3, 3)),
     r"conv_transpose3d: input of shape \(1, 2, 4, 5, 5\) has 2 channels but weight of shape \(3, 2, 3, 3, 3\) "
     r"expects 3"),
    (lambda lib: lib.nn.functional.conv_transpose3d(lib.zeros(2, 5, 5), lib.zeros(2, 2, 3, 3, 3)),
     r"conv_transpose3d: expected a 5-D input \(N, C, D, H, W\) or a 4-D one \(C, D, H, W\), got shape \(2, 5, 5\)"),
    (lambda lib: lib.nn.functional.conv_transpose3d(lib.zeros(1, 2, 4, 5, 5), lib.zeros(2, 2, 3, 3, 3), stride=2,
                                                    output_padding=(2, 0, 0)),
     r"conv_transpose3d: output_padding \(2, 0, 0\) must be smaller than either stride \(2, 2, 2\) or dilation"),
    (lambda lib: lib.nn.functional.max_pool3d(lib.zeros(2, 5, 5), 2, return_indices=True),
     r"max_pool3d: expected a 5-D input \(N, C, D, H, W\) or a 4-D one \(C, D, H, W\), got shape \(2, 5, 5\)"),
    (lambda lib: lib.nn.functional.avg_pool3d(lib.zeros(5, 5, 5), 2),
     r"avg_pool3d: expected a 5-D input \(N, C, D, H, W\) or a 4-D one \(C, D, H, W\), got shape \(5, 5, 5\)"),
    (lambda lib: lib.nn.functional.avg_pool3d(lib.zeros(1, 1, 4, 4, 4), 2, padding=(0, 2, 0)),
     r"avg_pool3d: padding \(0, 2, 0\) must be at most half of the kernel size \(2, 2, 2\)"),
    (lambda lib: lib.nn.functional.max_pool3d(lib.zeros(1, 1, 2, 4, 4), 3),
     r"max_pool3d: kernel of size \(3, 3, 3\) with dilation \(1, 1, 1\) does not fit the input of shape "
     r"\(1, 1, 2, 4, 4\)"),
    (lambda lib: lib.nn.functional.adaptive_avg_pool3d(lib.zeros(1, 1, 2, 5, 5, 5), 2),
     r"adaptive_avg_pool3d: expected a 5-D input \(N, C, D, H, W\) or a 4-D one \(C, D, H, W\), got shape "
     r"\(1, 1, 2, 5, 5, 5\)"),
    (lambda lib: lib.nn.functional.adaptive_max_pool3d(lib.zeros(1, 2, 3, 5, 5), (2, 2)),
     r"adaptive_max_pool3d: output_size must be an int or 3 ints >= 1, got \(2, 2\)"),
])
def test_bad_input_is_refused_as_by_pytorch_naming_the_op_and_shapes(call, message):
    refused_as_by_torch(call, ValueError, message)


def test_layers_refuse_inputs_of_the_wrong_rank_naming_the_layer_and_shape():
    for layer, x, message in [
        (ng.nn.Conv3d(2, 3, 3), ng.zeros(1, 2, 5, 5, 5, 5),
         r"Conv3d: expected input of shape \(N, 2, D, H, W\) or \(2, D, H, W\), got \(1, 2, 5, 5, 5, 5\)"),
        (ng.nn.ConvTranspose3d(2, 3, 3), ng.zeros(2, 5, 5),
         r"ConvTranspose3d: expected input of shape \(N, 2, D, H, W\) or \(2, D, H, W\), got \(2, 5, 5\)"),
        (ng.nn.BatchNorm3d(2), ng.zeros(1, 2, 5, 5),
         r"BatchNorm3d\(2\): expected an input with 5 dimensions and 2 channels in dimension 1, got shape "
         r"\(1, 2, 5, 5\)"),
        (ng.nn.InstanceNorm3d(2), ng.zeros(2, 5, 5),
         r"InstanceNorm3d\(2\): expected an input with 5 dimensions and 2 channels in dimension 1, got shape "
         r"\(2, 5, 5\)"),
    ]:
        with pytest.raises(ValueError, match=message):
            layer(x)
