"""nn layers against torch.nn: same constructor call, same parameter names and shapes, and — with
torch's weights copied in — the same outputs and gradients (float64). Then the Module machinery:
registration, modes, state dicts and .npz checkpoints, initialisers.
"""
import os

import numpy as np
import pytest

import nanogan as ng
from harness import (assert_matches_torch, compare_with_torch, leaf_pair, penalise_input_gradient,
                     refused_as_by_torch)
from nanogan import nn

torch = pytest.importorskip("torch")


def _copy_weights(theirs, ours):
    """Load torch's state dict into ours (strict: the key sets must match), checking every shape."""
    theirs_state = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    ours_state = ours.state_dict()
    assert list(ours_state) == list(theirs_state)
    for k in ours_state:
        assert ours_state[k].shape == theirs_state[k].shape, k
    ours.load_state_dict(theirs_state)


# nn.functional is written in parallel; until a layer's function lands, its comparison is skipped (visibly)
_FUNCTION_OF_LAYER = {"Conv2d": "conv2d", "ConvTranspose2d": "conv_transpose2d", "MaxPool2d": "max_pool2d",
                      "AvgPool2d": "avg_pool2d", "Upsample": "interpolate", "ZeroPad2d": "pad"}


def _skip_without_functional(module):
    needed = {_FUNCTION_OF_LAYER.get(type(m).__name__) for m in module.modules()} - {None}
    missing = sorted(name for name in needed if not hasattr(nn.functional, name))
    if missing:
        pytest.skip(f"nn.functional has no {missing} yet")


def _paired(make):
    ours, theirs = make(nn), make(torch.nn)
    _skip_without_functional(ours)
    ours.double()
    theirs.double()
    _copy_weights(theirs, ours)
    return ours, theirs


def _check_against_torch(make, input_shape, training=True, seed=0):
    """Forward, input gradient and parameter gradients of one layer, ours vs torch's."""
    ours, theirs = _paired(make)
    assert [(n, p.shape) for n, p in ours.named_parameters()] == \
           [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert repr(ours) == repr(theirs)
    ours.train(training)
    theirs.train(training)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(input_shape)
    x_ours = ng.tensor(x, dtype=ng.float64, requires_grad=True)
    x_theirs = torch.tensor(x, requires_grad=True)
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    np.testing.assert_allclose(y_ours.numpy(), y_theirs.detach().numpy(), rtol=1e-9, atol=1e-12)
    for name, buffer in ours.named_buffers():  # running statistics updated alike
        np.testing.assert_allclose(buffer.numpy(), theirs.get_buffer(name).numpy(), rtol=1e-12, err_msg=name)
    weights = rng.standard_normal(tuple(y_theirs.shape))
    (y_ours * ng.tensor(weights, dtype=ng.float64)).sum().backward()
    (y_theirs * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-9, atol=1e-12)
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), theirs_params[name].grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=name)
    return ours, theirs


LAYERS = {
    "linear": (lambda m: m.Linear(5, 3), (4, 5)),
    "linear-no-bias-3d": (lambda m: m.Linear(5, 3, bias=False), (2, 3, 5)),
    "conv": (lambda m: m.Conv2d(3, 4, 3), (2, 3, 7, 6)),
    "conv-strided-padded-dilated": (lambda m: m.Conv2d(3, 4, (3, 2), stride=2, padding=1, dilation=(1, 2),
                                                       bias=False), (2, 3, 9, 8)),
    "conv-same-even-kernel": (lambda m: m.Conv2d(3, 4, (4, 3), padding="same", dilation=(1, 2)), (2, 3, 6, 5)),
    "conv-valid": (lambda m: m.Conv2d(3, 4, 3, stride=2, padding="valid"), (2, 3, 7, 6)),
    "conv-reflect": (lambda m: m.Conv2d(3, 4, 3, padding=(1, 2), padding_mode="reflect"), (2, 3, 5, 6)),
    "conv-replicate": (lambda m: m.Conv2d(3, 4, 3, stride=2, padding=2, padding_mode="replicate"), (2, 3, 5, 6)),
    "conv-circular": (lambda m: m.Conv2d(3, 4, (2, 3), padding=(2, 1), padding_mode="circular"), (2, 3, 4, 5)),
    "conv-same-reflect": (lambda m: m.Conv2d(3, 4, (4, 3), padding="same", padding_mode="reflect", bias=False),
                          (2, 3, 5, 6)),
    "conv-transpose-dcgan": (lambda m: m.ConvTranspose2d(4, 3, 4, stride=2, padding=1), (2, 4, 5, 5)),
    "conv-transpose-output-padding": (lambda m: m.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1,
                                                                  bias=False), (2, 3, 4, 3)),
    "conv-groups": (lambda m: m.Conv2d(4, 6, 3, stride=2, padding=1, groups=2), (2, 4, 7, 6)),
    "conv-depthwise": (lambda m: m.Conv2d(3, 6, (3, 2), padding="same", groups=3, padding_mode="reflect"),
                       (2, 3, 5, 6)),
    "conv-transpose-groups": (lambda m: m.ConvTranspose2d(4, 6, 4, stride=2, padding=1, groups=2), (2, 4, 5, 5)),
    "batchnorm1d": (lambda m: m.BatchNorm1d(5), (8, 5)),
    "batchnorm1d-3d": (lambda m: m.BatchNorm1d(5, affine=False), (4, 5, 3)),
    "batchnorm2d": (lambda m: m.BatchNorm2d(3), (4, 3, 5, 5)),
    "batchnorm2d-no-bias": (lambda m: m.BatchNorm2d(3, bias=False), (4, 3, 5, 5)),
    "layernorm": (lambda m: m.LayerNorm((4, 5)), (2, 3, 4, 5)),
    "layernorm-plain": (lambda m: m.LayerNorm(5, elementwise_affine=False), (3, 5)),
    "instancenorm": (lambda m: m.InstanceNorm2d(3), (2, 3, 4, 5)),
    "instancenorm-affine": (lambda m: m.InstanceNorm2d(3, affine=True), (2, 3, 4, 5)),
    "instancenorm-tracked": (lambda m: m.InstanceNorm2d(3, affine=True, track_running_stats=True), (2, 3, 4, 5)),
    "groupnorm": (lambda m: m.GroupNorm(2, 6), (2, 6, 4, 5)),
    "groupnorm-plain": (lambda m: m.GroupNorm(3, 3, affine=False), (4, 3, 5)),
    "groupnorm-no-bias": (lambda m: m.GroupNorm(1, 4, eps=1e-3, bias=False), (3, 4)),
    "relu": (lambda m: m.ReLU(), (3, 7)),
    "leaky-relu": (lambda m: m.LeakyReLU(0.2), (3, 7)),
    "tanh": (lambda m: m.Tanh(), (3, 7)),
    "sigmoid": (lambda m: m.Sigmoid(), (3, 7)),
    "upsample": (lambda m: m.Upsample(scale_factor=2), (2, 3, 4, 5)),
    "zeropad": (lambda m: m.ZeroPad2d((1, 2, 0, 3)), (2, 3, 4, 5)),
    "flatten": (lambda m: m.Flatten(), (2, 3, 4, 5)),
    "unflatten": (lambda m: m.Unflatten(1, (3, 4)), (2, 12, 5)),
    "maxpool": (lambda m: m.MaxPool2d(2), (2, 3, 6, 7)),
    "maxpool-overlapping": (lambda m: m.MaxPool2d(3, stride=2, padding=1), (2, 3, 7, 6)),
    "avgpool": (lambda m: m.AvgPool2d(2), (2, 3, 6, 7)),
    "avgpool-padded": (lambda m: m.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), (2, 3, 7, 6)),
    "avgpool-divisor": (lambda m: m.AvgPool2d(3, 2, 1, ceil_mode=True, divisor_override=4), (2, 3, 6, 7)),
    "adaptive-avgpool": (lambda m: m.AdaptiveAvgPool2d((3, None)), (2, 3, 7, 6)),
    "adaptive-avgpool-divisible": (lambda m: m.AdaptiveAvgPool2d(2), (2, 3, 6, 4)),
    "adaptive-maxpool": (lambda m: m.AdaptiveMaxPool2d((3, 2)), (2, 3, 6, 4)),
    "adaptive-maxpool-overlapping": (lambda m: m.AdaptiveMaxPool2d((4, None)), (2, 3, 7, 6)),
    "upsample-bilinear": (lambda m: m.Upsample(scale_factor=2, mode="bilinear"), (2, 3, 4, 5)),
    "upsample-bilinear-aligned": (lambda m: m.Upsample(size=(7, 9), mode="bilinear", align_corners=True), (2, 3, 4, 5)),
    "upsample-bicubic": (lambda m: m.Upsample(scale_factor=(1.5, 2), mode="bicubic"), (2, 3, 4, 5)),
    "upsample-bicubic-aligned": (lambda m: m.Upsample(size=(7, 9), mode="bicubic", align_corners=True), (2, 3, 4, 5)),
    "dropout-eval": (lambda m: m.Dropout(0.3), (3, 7)),
    "dropout2d-eval": (lambda m: m.Dropout2d(0.3), (2, 3, 4, 5)),
    "elu": (lambda m: m.ELU(0.7), (3, 7)),
    "softplus": (lambda m: m.Softplus(2.0, 3.0), (3, 7)),
    "softmax": (lambda m: m.Softmax(dim=1), (3, 7)),
    "log-softmax": (lambda m: m.LogSoftmax(0), (3, 7)),
    "identity": (lambda m: m.Identity(54, unused="ignored"), (3, 7)),
    "prelu": (lambda m: m.PReLU(), (3, 7)),
    "prelu-channels": (lambda m: m.PReLU(3, init=0.1), (2, 3, 4, 5)),
    "selu": (lambda m: m.SELU(), (3, 7)),
    "silu": (lambda m: m.SiLU(), (3, 7)),
    "mish": (lambda m: m.Mish(), (3, 7)),
    "gelu": (lambda m: m.GELU(), (3, 7)),
    "gelu-tanh": (lambda m: m.GELU(approximate="tanh"), (3, 7)),
    "hardtanh": (lambda m: m.Hardtanh(-0.5, 0.8), (3, 7)),
    "relu6": (lambda m: m.Sequential(m.Linear(7, 5), m.ReLU6()), (3, 7)),
    "softsign": (lambda m: m.Softsign(), (3, 7)),
    "pixel-shuffle": (lambda m: m.PixelShuffle(2), (2, 12, 3, 4)),
    "pixel-shuffle-unbatched": (lambda m: m.PixelShuffle(3), (18, 2, 3)),
    "pixel-unshuffle": (lambda m: m.PixelUnshuffle(2), (2, 3, 4, 6)),
    # SRGAN's upsampling block: a convolution to 4x the channels, shuffled into a 2x larger image, a PReLU per channel
    "srgan-upsampler": (lambda m: m.Sequential(m.Conv2d(3, 12, 3, padding=1), m.PixelShuffle(2), m.PReLU(3)),
                        (2, 3, 4, 5)),
    "reflectionpad": (lambda m: m.ReflectionPad2d((1, 2, 0, 3)), (2, 3, 4, 5)),
    "replicationpad": (lambda m: m.ReplicationPad2d(2), (2, 3, 4, 5)),
    # in place on the output of the layer before, as in ported models (a leaf input is refused, by torch too)
    "relu-inplace": (lambda m: m.Sequential(m.Linear(5, 4), m.ReLU(inplace=True)), (3, 5)),
    "leaky-relu-inplace": (lambda m: m.Sequential(m.Conv2d(2, 3, 3), m.BatchNorm2d(3), m.LeakyReLU(0.2, True)),
                           (2, 2, 5, 5)),
    "elu-inplace": (lambda m: m.Sequential(m.Linear(5, 4), m.ELU(inplace=True)), (3, 5)),
    "selu-inplace": (lambda m: m.Sequential(m.Linear(5, 4), m.SELU(True)), (3, 5)),
    "silu-inplace": (lambda m: m.Sequential(m.Linear(5, 4), m.SiLU(inplace=True)), (3, 5)),
    "mish-inplace": (lambda m: m.Sequential(m.Linear(5, 4), m.Mish(inplace=True)), (3, 5)),
    "hardtanh-inplace": (lambda m: m.Sequential(m.Linear(5, 4), m.Hardtanh(-0.3, 0.4, inplace=True)), (3, 5)),
    "relu6-inplace": (lambda m: m.Sequential(m.Linear(5, 4), m.ReLU6(inplace=True)), (3, 5)),
    # one image (C, H, W), as PyTorch's layers take it
    "conv-unbatched": (lambda m: m.Conv2d(3, 4, 3, stride=2, padding=1), (3, 7, 6)),
    "conv-reflect-unbatched": (lambda m: m.Conv2d(3, 4, (4, 3), padding="same", padding_mode="reflect"), (3, 5, 6)),
    "conv-transpose-unbatched": (lambda m: m.ConvTranspose2d(4, 3, 4, stride=2, padding=1), (4, 5, 5)),
    "maxpool-unbatched": (lambda m: m.MaxPool2d(3, stride=2, padding=1), (3, 7, 6)),
    "avgpool-unbatched": (lambda m: m.AvgPool2d(2), (3, 6, 7)),
    "adaptive-avgpool-unbatched": (lambda m: m.AdaptiveAvgPool2d(3), (3, 7, 5)),
    "adaptive-maxpool-unbatched": (lambda m: m.AdaptiveMaxPool2d(3), (3, 7, 5)),
    "unfold": (lambda m: m.Unfold((2, 3), dilation=(2, 1), padding=1, stride=(1, 2)), (2, 3, 6, 7)),
    "fold": (lambda m: m.Fold((5, 6), 2, stride=(2, 1), padding=1), (2, 8, 21)),
    # the 1-D layers, which run as the 2-D ones on height-1 inputs, with torch's weight shapes (out, in / G, k)
    "conv1d": (lambda m: m.Conv1d(4, 6, 3, stride=2, padding=1, dilation=2, groups=2), (2, 4, 11)),
    "conv1d-same-reflect-unbatched": (lambda m: m.Conv1d(3, 4, 4, padding="same", padding_mode="reflect"), (3, 9)),
    "conv1d-circular": (lambda m: m.Conv1d(3, 2, 3, padding=2, padding_mode="circular", bias=False), (2, 3, 7)),
    "conv-transpose1d": (lambda m: m.ConvTranspose1d(4, 6, 4, stride=2, padding=1, output_padding=1, groups=2),
                         (2, 4, 5)),
    "conv-transpose1d-unbatched": (lambda m: m.ConvTranspose1d(3, 2, 3, dilation=2), (3, 5)),
    "maxpool1d": (lambda m: m.MaxPool1d(3, stride=2, padding=1, dilation=1, ceil_mode=True), (2, 3, 8)),
    "avgpool1d": (lambda m: m.AvgPool1d(3, 2, 1, count_include_pad=False), (2, 3, 8)),
    "avgpool1d-unbatched": (lambda m: m.AvgPool1d(2), (3, 7)),
    "instancenorm1d": (lambda m: m.InstanceNorm1d(3), (2, 3, 6)),
    # CELU and Hardsigmoid are compared in test_activation.py, to 1e-6: PyTorch's float64 kernels round their
    # constants (1/6, 1/α) to float32, 5e-9 off
    "activations-of-later-nets": (lambda m: m.Sequential(
        m.Linear(5, 8), m.GLU(), m.Hardswish(), m.Linear(4, 6), m.GLU(dim=1), m.Linear(3, 4), m.Threshold(0.1, -2.0),
        m.Softshrink(0.3), m.Hardshrink(0.2), m.Tanhshrink(), m.Softmin(1)), (3, 5)),
    "softmax2d": (lambda m: m.Sequential(m.Conv2d(3, 4, 3), m.Softmax2d()), (2, 3, 6, 5)),
    "instancenorm1d-affine-tracked-unbatched": (lambda m: m.InstanceNorm1d(3, affine=True, track_running_stats=True),
                                                (3, 6)),
    # the padding layers of every mode and width, through F.pad; the deprecated upsampling layers, through interpolate
    "constantpad1d-on-4d": (lambda m: m.ConstantPad1d((1, 2), 3.5), (2, 3, 4, 5)),
    "constantpad2d-unbatched": (lambda m: m.ConstantPad2d(2, -1.0), (3, 4, 5)),
    "constantpad3d": (lambda m: m.ConstantPad3d((1, 0, 2, 1, 0, 2), 0.5), (2, 2, 3, 4, 5)),
    "zeropad1d": (lambda m: m.ZeroPad1d((2, 1)), (2, 3, 5)),
    "zeropad3d": (lambda m: m.ZeroPad3d(1), (2, 3, 4, 5)),
    "reflectionpad1d": (lambda m: m.ReflectionPad1d((3, 1)), (2, 3, 5)),
    "reflectionpad1d-unbatched": (lambda m: m.ReflectionPad1d(2), (3, 5)),
    "reflectionpad3d": (lambda m: m.ReflectionPad3d((1, 2, 0, 1, 2, 1)), (2, 3, 3, 4, 5)),
    "replicationpad1d": (lambda m: m.ReplicationPad1d((1, 4)), (2, 3, 5)),
    "replicationpad3d-unbatched": (lambda m: m.ReplicationPad3d(2), (3, 3, 4, 5)),
    "circularpad1d": (lambda m: m.CircularPad1d((2, 3)), (2, 3, 5)),
    "circularpad2d": (lambda m: m.CircularPad2d((1, 2, 3, 0)), (2, 3, 4, 5)),
    "circularpad3d": (lambda m: m.CircularPad3d(1), (2, 3, 3, 4, 5)),
    "upsampling-nearest2d": (lambda m: m.UpsamplingNearest2d(scale_factor=2), (2, 3, 4, 5)),
    "upsampling-nearest2d-size": (lambda m: m.UpsamplingNearest2d(size=(7, 3)), (2, 3, 4, 5)),
    "upsampling-bilinear2d": (lambda m: m.UpsamplingBilinear2d(scale_factor=2), (2, 3, 4, 5)),
    "upsampling-bilinear2d-size": (lambda m: m.UpsamplingBilinear2d(size=(7, 9)), (2, 3, 4, 5)),
}


@pytest.mark.parametrize("layer, shape", [("ReflectionPad1d", (2, 3, 4, 5)), ("ReplicationPad2d", (5, 6)),
                                          ("CircularPad3d", (2, 3, 4, 5, 6, 7)), ("ConstantPad2d", (5,))])
def test_padding_layers_refuse_inputs_of_other_dimensions_as_torch_does(layer, shape):
    """A ReflectionPad1d on an image would pad its rows' ends only, silently; torch refuses it (only constant
    padding takes any input with at least the padded dimensions)."""
    args = (1, 0.0) if layer.startswith("Constant") else (1,)
    with pytest.raises((RuntimeError, NotImplementedError, ValueError)):
        getattr(torch.nn, layer)(*args)(torch.zeros(shape))
    with pytest.raises(ValueError, match=f"{layer}|pad"):
        getattr(nn, layer)(*args)(ng.zeros(*shape))


def test_deprecated_upsample_functions_equal_torchs_with_its_warning():
    """F.upsample is interpolate; upsample_nearest its nearest mode; upsample_bilinear aligns the corners."""
    x = np.random.default_rng(3).standard_normal((2, 3, 4, 5))
    calls = [("upsample", dict(scale_factor=2, mode="bilinear")), ("upsample", dict(size=(6, 7))),
             ("upsample_nearest", dict(size=(8, 10))), ("upsample_bilinear", dict(scale_factor=2)),
             ("upsample_bilinear", dict(size=(5, 9)))]
    for name, kwargs in calls:
        with pytest.warns(UserWarning, match=f"`nn.functional.{name}` is deprecated"):
            y = getattr(nn.functional, name)(ng.tensor(x), **kwargs)
        with pytest.warns(UserWarning, match=f"`nn.functional.{name}` is deprecated"):
            expected = getattr(torch.nn.functional, name)(torch.tensor(x), **kwargs)
        np.testing.assert_allclose(y.numpy(), expected.numpy(), rtol=1e-12, err_msg=f"{name} {kwargs}")


@pytest.mark.parametrize("case", list(LAYERS))
def test_layer_equals_torch(case):
    make, shape = LAYERS[case]
    _check_against_torch(make, shape, training=case not in ("dropout-eval", "dropout2d-eval"))


def test_celu_and_hardsigmoid_layers_equal_torchs():
    x = np.random.default_rng(0).standard_normal((3, 4)) * 3
    for ours, theirs in ((nn.CELU(0.7), torch.nn.CELU(0.7)), (nn.Hardsigmoid(), torch.nn.Hardsigmoid())):
        assert repr(ours) == repr(theirs)
        np.testing.assert_allclose(ours(ng.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(), rtol=1e-7)


@pytest.mark.parametrize("case", ["batchnorm1d", "batchnorm2d", "instancenorm-affine", "instancenorm-tracked"])
def test_norm_layer_in_eval_mode_equals_torch(case):
    make, shape = LAYERS[case]
    _check_against_torch(make, shape, training=False)


# PyTorch's own affine instance norm fails on an empty batch (IndexError), and its tracked one makes NaN running stats
@pytest.mark.parametrize("case", ["batchnorm1d", "batchnorm1d-3d", "batchnorm2d", "layernorm", "instancenorm"])
@pytest.mark.parametrize("training", [True, False])
def test_norm_layer_on_an_empty_batch_equals_torch(case, training):
    """An empty batch failed with numpy's "cannot reshape array of size 0". PyTorch's output is as empty, the
    parameters' gradients zero, and the running statistics left as they were (NaN if they were updated)."""
    make, shape = LAYERS[case]
    _check_against_torch(make, (0,) + shape[1:], training=training)


def _dcgan_generator(m):
    return m.Sequential(
        m.ConvTranspose2d(8, 6, 4, 1, 0, bias=False), m.BatchNorm2d(6), m.ReLU(True),
        m.ConvTranspose2d(6, 3, 4, 2, 1, bias=False), m.BatchNorm2d(3), m.LeakyReLU(0.2),
        m.Conv2d(3, 1, 3, padding=1), m.Tanh(), m.Flatten(), m.Linear(64, 2), m.Sigmoid())


def test_nested_model_equals_torch_and_has_the_same_parameter_count():
    ours, theirs = _check_against_torch(_dcgan_generator, (2, 8, 1, 1))
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in theirs.parameters())
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]


def test_default_initialisation_has_torchs_ranges():
    ng.manual_seed(0)
    for layer, fan_in in [(nn.Linear(200, 300), 200), (nn.Conv2d(16, 32, 3), 16 * 9),
                          (nn.ConvTranspose2d(32, 16, 4), 16 * 16), (nn.Conv2d(16, 32, 3, groups=4), 4 * 9),
                          (nn.ConvTranspose2d(32, 16, 4, groups=2), 8 * 16)]:
        bound = 1 / np.sqrt(fan_in)  # kaiming_uniform(a=√5) gives U(±1/√fan_in)
        w, b = layer.weight.numpy(), layer.bias.numpy()
        assert np.abs(w).max() <= bound and np.abs(w).max() > 0.98 * bound
        np.testing.assert_allclose(w.std(), bound / np.sqrt(3), rtol=0.05)
        assert np.abs(b).max() <= bound
        assert w.dtype == np.float32



def test_prelu_starts_as_torchs():
    for args in [(), (3,), (4, 0.1)]:
        ours, theirs = nn.PReLU(*args), torch.nn.PReLU(*args)
        np.testing.assert_array_equal(ours.weight.numpy(), theirs.weight.detach().numpy())
        assert ours.weight.dtype == np.float32


# ---- batch norm statistics and dropout --------------------------------------------------------------
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm_running_statistics_follow_torch_over_steps(momentum):
    ours, theirs = _paired(lambda m: m.BatchNorm2d(3, momentum=momentum))
    rng = np.random.default_rng(1)
    for step in range(4):
        x = rng.standard_normal((5, 3, 4, 4)) * (step + 1) + step
        y_ours = ours(ng.tensor(x, dtype=ng.float64))
        y_theirs = theirs(torch.tensor(x))
        np.testing.assert_allclose(y_ours.numpy(), y_theirs.detach().numpy(), rtol=1e-9, atol=1e-12)
        for name, buffer in ours.named_buffers():
            np.testing.assert_allclose(buffer.numpy(), getattr(theirs, name).numpy(), rtol=1e-12, err_msg=name)
    assert ours.num_batches_tracked.item() == 4 and ours.num_batches_tracked.dtype == np.int64
    # eval: normalised with the running statistics, which stay put
    ours.eval()
    theirs.eval()
    x = rng.standard_normal((2, 3, 4, 4))
    before = {k: v.clone() for k, v in ours.state_dict().items()}  # the state dict shares the memory
    np.testing.assert_allclose(ours(ng.tensor(x, dtype=ng.float64)).numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-9, atol=1e-12)
    for k, v in ours.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    # reset: the statistics of a layer that has seen nothing (mean 0, variance 1, no batches), as in PyTorch
    ours.reset_running_stats()
    theirs.reset_running_stats()
    for name, buffer in ours.named_buffers():
        np.testing.assert_array_equal(buffer.numpy(), getattr(theirs, name).numpy(), err_msg=name)
    assert ours.num_batches_tracked.item() == 0 and ours.running_var.numpy().tolist() == [1.0, 1.0, 1.0]


def test_batchnorm_train_and_eval_differ_and_untracked_uses_batch_statistics():
    rng = np.random.default_rng(2)
    x = ng.tensor(rng.standard_normal((16, 4)) * 3 + 5, dtype=ng.float64)
    tracked = nn.BatchNorm1d(4).double()
    y_train = tracked(x).numpy()
    np.testing.assert_allclose(y_train.mean(0), 0, atol=1e-12)
    y_eval = tracked.eval()(x).numpy()  # running stats after one step are still far from the batch's
    assert not np.allclose(y_train, y_eval)
    untracked = nn.BatchNorm1d(4, track_running_stats=False).double().eval()
    assert list(untracked.state_dict()) == ["weight", "bias"]
    np.testing.assert_allclose(untracked(x).numpy(), y_train, rtol=1e-12)


def test_dropout_zeroes_about_p_and_scales_survivors():
    ng.manual_seed(3)
    x = ng.tensor(np.random.default_rng(3).uniform(1, 2, (200, 500)), dtype=ng.float64)
    layer = nn.Dropout(0.3)
    y = layer(x).numpy()
    dropped = y == 0
    assert abs(dropped.mean() - 0.3) < 0.01
    np.testing.assert_allclose(y[~dropped], x.numpy()[~dropped] / 0.7, rtol=1e-12)
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), x.numpy())


def test_dropout2d_zeroes_whole_channels_at_rate_p_and_scales_survivors():
    ng.manual_seed(3)
    x = ng.tensor(np.random.default_rng(3).uniform(1, 2, (100, 80, 3, 2)), dtype=ng.float64)
    layer = nn.Dropout2d(0.3)
    y = layer(x).numpy()
    kept = y != 0
    np.testing.assert_array_equal(kept.all(axis=(2, 3)), kept.any(axis=(2, 3)))  # a channel goes as a whole
    assert abs(1 - kept.all(axis=(2, 3)).mean() - 0.3) < 0.02  # 8000 channels: standard deviation 0.005
    np.testing.assert_allclose(y[kept], x.numpy()[kept] / 0.7, rtol=1e-12)
    layer.eval()
    assert layer(x) is x


@pytest.mark.parametrize("layer, out_of_place", [
    (nn.ReLU(inplace=True), nn.ReLU()), (nn.LeakyReLU(0.2, inplace=True), nn.LeakyReLU(0.2)),
    (nn.ELU(inplace=True), nn.ELU()), (nn.Dropout(0.5, inplace=True), nn.Dropout(0.5)),
    (nn.Dropout2d(0.5, inplace=True), nn.Dropout2d(0.5))])
def test_inplace_layers_write_into_their_input_and_return_it_as_in_pytorch(layer, out_of_place):
    h = ng.tensor(np.random.default_rng(4).standard_normal((2, 3, 4, 4)))
    ng.manual_seed(0)  # the same mask for both dropouts
    expected = out_of_place(h).numpy()
    assert not np.array_equal(h.numpy(), expected)
    ng.manual_seed(0)
    assert layer(h) is h
    np.testing.assert_array_equal(h.numpy(), expected)


# ---- Embedding and one_hot --------------------------------------------------------------------------
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_equals_torch_and_accumulates_the_gradient_of_repeated_indices(padding_idx):
    ours, theirs = _paired(lambda m: m.Embedding(6, 4, padding_idx=padding_idx))
    assert repr(ours) == repr(theirs) and ours.padding_idx == theirs.padding_idx
    indices = np.array([[1, 2, 1, 5], [2, 2, 0, 1], [5, 3, 1, 1]])  # row 1 five times, row 2 three times
    y_ours, y_theirs = ours(ng.tensor(indices)), theirs(torch.tensor(indices))
    assert y_ours.shape == (3, 4, 4)
    np.testing.assert_array_equal(y_ours.numpy(), y_theirs.detach().numpy())
    weights = np.random.default_rng(5).standard_normal((3, 4, 4))
    (y_ours * ng.tensor(weights)).sum().backward()
    (y_theirs * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-12, atol=1e-15)
    if padding_idx is None:  # worked by hand: row 1's gradient is the sum of the five outputs that picked it
        np.testing.assert_allclose(ours.weight.grad.numpy()[1], weights[indices == 1].sum(0), rtol=1e-12)


def test_embedding_starts_as_torch_does_normal_with_a_zero_padding_row():
    ng.manual_seed(0)
    layer = nn.Embedding(1000, 50, padding_idx=7)
    w = layer.weight.numpy()
    assert w.dtype == np.float32 and layer.padding_idx == 7
    np.testing.assert_array_equal(w[7], 0)
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01  # 50000 draws of N(0, 1)
    assert [n for n, _ in layer.named_parameters()] == ["weight"]


@pytest.mark.parametrize("padding_idx", [None, 0])
def test_functional_embedding_equals_torch_to_the_second_derivative(padding_idx):
    from harness import compare_with_torch
    indices = np.array([[0, 3, 0], [2, 3, 3]])
    weight = np.random.default_rng(6).standard_normal((4, 5))
    compare_with_torch(lambda i, w: nn.functional.embedding(i, w, padding_idx),
                       lambda i, w: torch.nn.functional.embedding(i, w, padding_idx), [indices, weight],
                       differentiable=[1])


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_embedding_with_max_norm_renormalises_the_picked_rows_as_torch(norm_type):
    """max_norm (and norm_type) were a TypeError. The rows looked up whose norm exceeds max_norm are scaled down to it
    in the table itself, twice over for two calls; the rows not looked up keep their values."""
    ours, theirs = _paired(lambda m: m.Embedding(6, 4, max_norm=1.5, norm_type=norm_type))
    assert repr(ours) == repr(theirs)
    before = ours.weight.numpy().copy()
    for indices in (np.array([[1, 2, 1], [4, 2, 0]]), np.array([5, 1])):
        y_ours, y_theirs = ours(ng.tensor(indices)), theirs(torch.tensor(indices))
        np.testing.assert_allclose(y_ours.numpy(), y_theirs.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours.weight.numpy(), theirs.weight.detach().numpy(), rtol=1e-12)
        weights = np.random.default_rng(7).standard_normal(indices.shape + (4,))
        (y_ours * ng.tensor(weights)).sum().backward()
        (y_theirs * torch.tensor(weights)).sum().backward()
        np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_array_equal(ours.weight.numpy()[3], before[3])  # never looked up
    assert np.linalg.norm(ours.weight.numpy()[[0, 1, 2, 4, 5]], ord=norm_type, axis=1).max() <= 1.5


def test_embedding_refuses_what_it_does_not_implement():
    with pytest.raises(NotImplementedError, match=r"embedding: scale_grad_by_freq and sparse are not implemented, "
                                                  r"got scale_grad_by_freq=True, sparse=False"):
        nn.Embedding(4, 2, scale_grad_by_freq=True)(ng.tensor([1]))
    with pytest.raises(NotImplementedError, match=r"sparse=True"):
        nn.functional.embedding(ng.tensor([1]), ng.ones(4, 2), sparse=True)
    with pytest.raises(ValueError, match=r"embedding: max_norm must be None or a number > 0, got 0"):
        nn.functional.embedding(ng.tensor([1]), ng.ones(4, 2), max_norm=0)


def test_embedding_of_a_0_d_index_is_a_copy_of_the_row():
    weight = ng.tensor(np.arange(6.0).reshape(3, 2))
    row = nn.functional.embedding(ng.tensor(1), weight)
    assert row.shape == (2,) and row.tolist() == [2.0, 3.0]
    row.add_(10)  # a view would have changed the table
    assert weight.numpy()[1].tolist() == [2.0, 3.0]


@pytest.mark.parametrize("call, error, message", [
    (lambda w: nn.functional.embedding(ng.tensor([0, 6]), w), IndexError,
     r"embedding: indices \(shape \(2,\)\) must lie in 0..5 for a weight of shape \(6, 4\)"),
    (lambda w: nn.functional.embedding(ng.tensor([-1]), w), IndexError, r"must lie in 0..5"),  # numpy wraps it round
    (lambda w: nn.functional.embedding(ng.tensor([1.0]), w), TypeError,
     r"embedding: expected a tensor of integer indices, got float32 of shape \(1,\)"),
    (lambda w: nn.functional.embedding(ng.tensor([True]), w), TypeError, r"got bool"),  # numpy reads a mask
    (lambda w: nn.functional.embedding(ng.tensor([1]), w[0]), ValueError,
     r"embedding: weight must be \(num_embeddings, embedding_dim\), got shape \(4,\)"),
    (lambda w: nn.functional.embedding(ng.tensor([1]), w, padding_idx=6), ValueError,
     r"embedding: padding_idx must be None or an int in \[-6, 5\], got 6"),
    (lambda w: nn.Embedding(6, 4, padding_idx=-7), ValueError,
     r"Embedding: padding_idx must be None or an int in \[-6, 5\], got -7"),
    (lambda w: nn.Embedding(0, 4), ValueError, r"Embedding: num_embeddings must be an int >= 1, got 0"),
])
def test_embedding_errors_name_the_op_and_the_shapes(call, error, message):
    with pytest.raises(error, match=message):
        call(ng.ones(6, 4))


@pytest.mark.parametrize("num_classes", [5, -1])
def test_one_hot_equals_torch(num_classes):
    labels = np.array([[0, 3, 1], [3, 3, 2]])
    ours = nn.functional.one_hot(ng.tensor(labels), num_classes)
    theirs = torch.nn.functional.one_hot(torch.tensor(labels), num_classes)
    assert ours.dtype == ng.int64 and ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("labels, num_classes, error, message", [
    ([0, 3], 3, ValueError, r"one_hot: class indices \(shape \(2,\)\) must lie in 0..2"),
    ([-1, 1], -1, ValueError, r"one_hot: class indices \(shape \(2,\)\) must lie in 0..1"),
    ([], -1, ValueError, r"one_hot: num_classes cannot be inferred from an empty tensor"),
    ([1.0], 3, TypeError, r"one_hot: expected a tensor of integer indices, got float32"),
    ([1], -2, ValueError, r"one_hot: num_classes must be an int >= -1, got -2"),
])
def test_one_hot_errors(labels, num_classes, error, message):
    with pytest.raises(error, match=message):
        nn.functional.one_hot(ng.tensor(labels, dtype=None if labels else ng.int64), num_classes)


# ---- ModuleDict ---------------------------------------------------------------------------------------
def _gan_pair(m):
    return m.ModuleDict({"generator": m.Sequential(m.Linear(2, 3), m.Tanh()), "critic": m.Linear(3, 1)})


def test_module_dict_names_its_modules_by_key_as_torch_does():
    ours, theirs = _paired(_gan_pair)  # the state dicts' keys alike, in order
    assert list(ours.state_dict()) == ["generator.0.weight", "generator.0.bias", "critic.weight", "critic.bias"]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert repr(ours) == repr(theirs)
    z = np.random.default_rng(7).standard_normal((4, 2))
    np.testing.assert_allclose(ours["critic"](ours["generator"](ng.tensor(z))).numpy(),
                               theirs["critic"](theirs["generator"](torch.tensor(z))).detach().numpy(), rtol=1e-12)
    assert ours.critic is ours["critic"] and "critic" in ours and "fake" not in ours
    for d, m in ((ours, nn), (theirs, torch.nn)):  # the dict operations, done to both
        d.update([("critic", m.Linear(3, 2)), ("head", m.Sigmoid())])  # replaced in its place, added at the end
        popped = d.pop("generator")
        assert isinstance(popped, m.Sequential)
        d["extra"] = m.Identity()
        del d["head"]
    assert list(ours) == list(ours.keys()) == list(theirs) == ["critic", "extra"]
    assert len(ours) == 2 and [type(v).__name__ for v in ours.values()] == ["Linear", "Identity"]
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["critic.weight", "critic.bias"]
    ours.clear()
    assert len(ours) == 0 and list(ours.parameters()) == []


@pytest.mark.parametrize("key, error", [("a.b", KeyError), ("", KeyError), ("train", KeyError),
                                        ("_parameters", KeyError), (1, TypeError)])
def test_module_dict_refuses_keys_that_would_break_names_as_torch_does(key, error):
    """A key "_parameters" would overwrite the dict's own store of parameters, "train" would be hidden by the
    method, and "a.b" makes state-dict names ambiguous."""
    with pytest.raises(error):
        torch.nn.ModuleDict()[key] = torch.nn.Identity()
    with pytest.raises(error, match="add_module: "):
        nn.ModuleDict()[key] = nn.Identity()
    with pytest.raises(ValueError, match=r"ModuleDict.update: expected a mapping or \(key, module\) pairs"):
        nn.ModuleDict([("a", nn.Identity(), "extra")])


# ---- ParameterList, ParameterDict -------------------------------------------------------------------------
def _parameter_containers(m, lib):
    """A module holding its learned weights in a ParameterList and a ParameterDict, built the same way in both."""
    model = m.Module()
    model.weights = m.ParameterList([m.Parameter(lib.ones(2, 3)), lib.zeros(4)])
    model.scales = m.ParameterDict({"b": lib.ones(2), "a": m.Parameter(lib.zeros(3))})  # a plain dict: sorted
    return model


def test_parameter_list_and_dict_register_their_parameters_as_torch_does():
    ours, theirs = _parameter_containers(nn, ng), _parameter_containers(torch.nn, torch)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weights.0", "weights.1", "scales.a", "scales.b"]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in ours.parameters())  # a Tensor made one
    assert repr(ours.weights) == repr(theirs.weights).replace("torch.", "")
    for lst, dct, m, lib in ((ours.weights, ours.scales, nn, ng), (theirs.weights, theirs.scales, torch.nn, torch)):
        lst.append(lib.ones(1))
        lst.extend([lib.ones(5)])
        lst[0] = m.Parameter(lib.full((2, 2), 2.0))
        dct.update([("c", lib.ones(6))])
        dct["a"] = m.Parameter(lib.ones(7))  # replaced in its place
        assert dct.pop("b").shape == (2,) and "b" not in dct and dct.get("b") is None
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for name, value in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[name], value.numpy(), err_msg=name)
    assert [tuple(p.shape) for p in ours.weights] == [tuple(p.shape) for p in theirs.weights]
    assert tuple(ours.weights[-1].shape) == (5,) and len(ours.weights) == 4 and len(ours.weights[1:3]) == 2
    assert list(ours.scales.keys()) == list(ours.scales) == ["a", "c"] and len(ours.scales) == 2
    assert [k for k, _ in ours.scales.items()] == ["a", "c"] and [v.shape for v in ours.scales.values()] == [(7,), (6,)]


def test_parameter_list_and_dict_move_with_their_module_and_train_with_an_optimiser():
    model = _parameter_containers(nn, ng).double()
    assert {p.dtype for p in model.parameters()} == {np.dtype(np.float64)}
    params = list(model.parameters())
    loss = sum((p * p).sum() for p in model.weights) + model.scales["b"].sum()
    loss.backward()
    ng.optim.SGD(model.parameters(), lr=0.5).step()
    np.testing.assert_array_equal(model.weights[0].numpy(), np.zeros((2, 3)))  # 1 - 0.5·2·1
    np.testing.assert_array_equal(model.scales["b"].numpy(), np.full(2, 0.5))
    assert all(a is b for a, b in zip(model.parameters(), params))  # the same objects, as the optimiser holds them


def test_parameter_list_and_dict_refuse_what_is_not_a_tensor_or_key():
    with pytest.raises(TypeError, match="ParameterList: '0' must be a Tensor"):
        nn.ParameterList([5])
    with pytest.raises(IndexError, match="ParameterList: index 2 out of range for 1 parameters"):
        nn.ParameterList([ng.ones(1)])[2]
    with pytest.raises(KeyError, match="ParameterDict: no key 'z'; the keys are \\['a'\\]"):
        nn.ParameterDict({"a": ng.ones(1)})["z"]
    with pytest.raises(KeyError):  # as torch's: the name would break state_dict's dotted names
        torch.nn.ParameterDict({"a.b": torch.ones(1)})
    with pytest.raises(KeyError, match="register_parameter: a parameter's name must be"):
        nn.ParameterDict({"a.b": ng.ones(1)})
    with pytest.raises(ValueError, match=r"ParameterDict.update: expected a mapping or \(key, parameter\) pairs"):
        nn.ParameterDict([("a", ng.ones(1), "extra")])


# ---- nn.utils: clipping gradients ----------------------------------------------------------------------
def _with_grads(make_tensor, grads):
    params = [make_tensor(np.zeros(g.shape)) for g in grads]
    for p, g in zip(params, grads):
        p.grad = make_tensor(g)
    return params


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])  # below the total norm (clipped), and above it (left alone)
def test_clip_grad_norm_equals_torch(norm_type, max_norm):
    rng = np.random.default_rng(8)
    grads = [rng.standard_normal(shape) for shape in ((3, 4), (5,), (2, 2, 3))]
    ours = _with_grads(lambda a: ng.tensor(a, dtype=ng.float64), grads)
    theirs = _with_grads(torch.tensor, grads)
    without_grad = ng.zeros(3, dtype=ng.float64)  # no gradient: skipped, as in torch
    total = nn.utils.clip_grad_norm_(ours + [without_grad], max_norm, norm_type)
    theirs_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert total.shape == () and total.dtype == ng.float64
    np.testing.assert_allclose(total.numpy(), theirs_total.numpy(), rtol=1e-12)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    if max_norm > total.item():
        for p, g in zip(ours, grads):
            np.testing.assert_array_equal(p.grad.numpy(), g)


def test_clip_grad_norm_of_a_models_gradients_after_backward_equals_torch():
    ours, theirs = _paired(lambda m: m.Sequential(m.Linear(4, 3), m.ReLU(), m.Linear(3, 2)))
    x = np.random.default_rng(9).standard_normal((5, 4))
    (ours(ng.tensor(x)) ** 2).sum().backward()
    (theirs(torch.tensor(x)) ** 2).sum().backward()
    total = nn.utils.clip_grad_norm_(ours.parameters(), 0.1)  # a generator, as ported code passes it
    np.testing.assert_allclose(total.numpy(), torch.nn.utils.clip_grad_norm_(theirs.parameters(), 0.1).numpy(),
                               rtol=1e-12)
    for (name, p), t in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-12, err_msg=name)
    single = ours[0].weight  # one tensor, not a list
    before = single.grad.numpy().copy()
    nn.utils.clip_grad_norm_(single, 1e-3)
    norm = np.linalg.norm(before)  # worked by hand: scaled by max_norm / (norm + 1e-6)
    np.testing.assert_allclose(single.grad.numpy(), before * 1e-3 / (norm + 1e-6), rtol=1e-12)


def test_clip_grad_value_equals_torch():
    grads = [np.random.default_rng(10).standard_normal((4, 5)), np.array([-3.0, 0.1, 2.0])]
    ours, theirs = _with_grads(lambda a: ng.tensor(a, dtype=ng.float64), grads), _with_grads(torch.tensor, grads)
    assert nn.utils.clip_grad_value_(ours, 0.3) is None
    torch.nn.utils.clip_grad_value_(theirs, 0.3)
    for p, t in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.numpy(), t.grad.numpy())
    assert ours[1].grad.tolist() == [-0.3, 0.1, 0.3]


def test_clip_grad_errors_and_edge_cases():
    assert nn.utils.clip_grad_norm_([ng.zeros(2)], 1.0).item() == 0.0  # no gradients: a total of 0, as torch's
    with pytest.raises(ValueError, match=r"clip_grad_norm_: max_norm must be a number >= 0, got -1"):
        nn.utils.clip_grad_norm_([], -1)
    with pytest.raises(ValueError, match=r"clip_grad_norm_: norm_type must be a number > 0 or inf, got 0"):
        nn.utils.clip_grad_norm_([], 1.0, norm_type=0)
    with pytest.raises(ValueError, match=r"clip_grad_value_: clip_value must be a number >= 0, got -0.5"):
        nn.utils.clip_grad_value_([], -0.5)
    nan_grad = _with_grads(lambda a: ng.tensor(a, dtype=ng.float64), [np.array([1.0, np.nan])])
    with pytest.raises(RuntimeError, match=r"clip_grad_norm_: the total norm of order 2.0 .* is nan"):
        nn.utils.clip_grad_norm_(nan_grad, 1.0, error_if_nonfinite=True)
    assert np.isnan(nn.utils.clip_grad_norm_(nan_grad, 1.0).item())


# ---- Crop2d: no torch counterpart, checked against slicing -----------------------------------------
def test_crop2d_removes_borders_or_keeps_a_top_left_window():
    x = np.arange(2 * 3 * 8 * 8, dtype=np.float64).reshape(2, 3, 8, 8)
    t = ng.tensor(x, requires_grad=True)
    np.testing.assert_array_equal(nn.Crop2d(size=(7, 7))(t).numpy(), x[:, :, :7, :7])
    np.testing.assert_array_equal(nn.Crop2d((1, 2), (0, 3))(t).numpy(), x[:, :, 1:6, 0:5])
    np.testing.assert_array_equal(nn.Crop2d(1, 2)(t).numpy(), x[:, :, 1:7, 2:6])
    nn.Crop2d((0, 1), (0, 1))(t).sum().backward()  # the gradient is 1 inside the window, 0 on the cut borders
    expected = np.zeros_like(x)
    expected[:, :, :7, :7] = 1
    np.testing.assert_array_equal(t.grad.numpy(), expected)
    with pytest.raises(ValueError, match="Crop2d"):
        nn.Crop2d(4, 4)(t)
    with pytest.raises(ValueError, match="Crop2d"):
        nn.Crop2d(size=(9, 8))(t)
    with pytest.raises(ValueError, match="not both"):
        nn.Crop2d(1, size=(4, 4))


# ---- the Module machinery ---------------------------------------------------------------------------
class _Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU())
        self.heads = nn.ModuleList([nn.Linear(4, 2), nn.Linear(4, 1)])
        self.scale = nn.Parameter(ng.ones(1))
        self.register_buffer("calls", ng.zeros(1))
        self.label = "not registered"

    def forward(self, x):
        h = self.body(x) * self.scale
        return [head(h) for head in self.heads]


def test_registration_and_walking():
    block = _Block()
    names = [n for n, _ in block.named_parameters()]
    assert names == ["scale", "body.0.weight", "body.0.bias", "body.1.weight", "body.1.bias",
                     "heads.0.weight", "heads.0.bias", "heads.1.weight", "heads.1.bias"]
    assert [n for n, _ in block.named_buffers()] == ["calls", "body.1.running_mean", "body.1.running_var",
                                                     "body.1.num_batches_tracked"]
    assert [type(c).__name__ for c in block.children()] == ["Sequential", "ModuleList"]
    assert len(list(block.modules())) == 8
    assert len(block.heads) == 2 and isinstance(block.body[-1], nn.ReLU)
    assert [type(m).__name__ for m in block.body[1:]] == ["BatchNorm1d", "ReLU"]
    assert block.label == "not registered" and "label" not in dict(block.named_parameters())
    block.eval()
    assert not any(m.training for m in block.modules())
    block.train()
    assert all(m.training for m in block.modules())


def test_shared_parameters_are_listed_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.parameters())) == 2


def test_zero_grad_apply_and_errors_on_bad_assignment():
    block = _Block()
    outputs = block(ng.randn(5, 3))
    (outputs[0].sum() + outputs[1].sum()).backward()
    assert all(p.grad is not None for p in block.parameters())
    block.zero_grad()
    assert all(p.grad is None for p in block.parameters())
    seen = []
    block.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "_Block" and seen.count("Linear") == 3
    with pytest.raises(TypeError, match="parameter"):
        block.scale = ng.ones(1)
    with pytest.raises(AttributeError, match="nothing"):
        block.nothing


def test_to_dtype_in_place_keeps_identity_and_integer_buffers():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    params = list(model.parameters())
    model.to(ng.float64)
    assert [p is q for p, q in zip(params, model.parameters())] == [True] * 4
    assert all(p.dtype == np.float64 for p in model.parameters())
    assert model[1].running_mean.dtype == np.float64 and model[1].num_batches_tracked.dtype == np.int64
    assert model.to("cpu") is model


def _trained_block(seed):
    ng.manual_seed(seed)
    block = _Block().double()
    block(ng.randn(6, 3, dtype=ng.float64))  # moves the batch-norm running statistics off their start
    return block


def test_state_dict_round_trip_gives_identical_outputs():
    source = _trained_block(0)
    state = source.state_dict()
    assert state["body.1.num_batches_tracked"] == 1
    target = _trained_block(1)
    target.load_state_dict(state)
    x = ng.randn(4, 3, dtype=ng.float64)
    for mode in (True, False):
        source.train(mode)
        target.train(mode)
        for a, b in zip(source(x), target(x)):
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_state_dict_shares_the_modules_memory_as_torchs_does():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2)), torch.nn.Sequential(
        torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    for module in (ours, theirs):
        state = module.state_dict()
        kept = state["0.weight"].clone()
        assert not state["0.weight"].requires_grad and state["0.weight"] is not module[0].weight
        with (torch.no_grad() if module is theirs else ng.no_grad()):
            module[0].weight.mul_(2)  # an optimiser's step changes the state dict's tensor too
        np.testing.assert_array_equal(state["0.weight"].numpy(), 2 * kept.numpy())
        state["1.running_mean"].fill_(7.0)  # and a change there changes the module
        assert module[1].running_mean[0].item() == 7.0
        assert module.state_dict(keep_vars=True)["0.weight"] is module[0].weight
        destination = {"other": 1}
        filled = module.state_dict(destination=destination, prefix="net.")
        assert filled is destination and list(filled) == ["other"] + [f"net.{k}" for k in state]


def test_npz_save_and_load(tmp_path):
    source = _trained_block(0)
    path = tmp_path / "block.npz"
    source.save(path)
    assert os.listdir(tmp_path) == ["block.npz"]  # no temporary file left behind
    target = _trained_block(1)
    target.load(path)
    for k, v in source.state_dict().items():
        np.testing.assert_array_equal(target.state_dict()[k], v)
    source.save(path)  # overwriting works
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        target.load(tmp_path / "missing.npz")
    nn.Linear(3, 3).save(tmp_path / "other.npz")
    with pytest.raises(RuntimeError, match="other.npz.*missing keys"):
        target.load(tmp_path / "other.npz")


def test_load_state_dict_names_missing_unexpected_and_mismatched_keys():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    state = model.state_dict()
    del state["0.bias"]
    state["2.weight"] = np.zeros(3)
    state["1.running_mean"] = np.zeros(5)
    with pytest.raises(RuntimeError) as err:
        model.load_state_dict(state)
    message = str(err.value)
    assert "missing keys ['0.bias']" in message and "unexpected keys ['2.weight']" in message
    assert "'1.running_mean'" in message and "(5,)" in message and "(4,)" in message
    state["1.running_mean"] = np.zeros(4)
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert missing == ["0.bias"] and unexpected == ["2.weight"]


# ---- initialisers ---------------------------------------------------------------------------------
def test_calculate_gain_equals_torch():
    for name, param in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                        ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)]:
        assert nn.init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param))
    with pytest.raises(ValueError, match="unsupported"):
        nn.init.calculate_gain("swish")


def test_initialisers_fill_in_place_with_the_right_distribution():
    ng.manual_seed(4)
    w = nn.Parameter(ng.zeros(400, 300))
    array = w.array
    fan_in, fan_out = 300, 400
    checks = [
        (lambda: nn.init.normal_(w, 1.0, 0.5), 1.0, 0.5, None),
        (lambda: nn.init.uniform_(w, -2.0, 4.0), 1.0, 6 / np.sqrt(12), (-2.0, 4.0)),
        (lambda: nn.init.xavier_uniform_(w, gain=2.0), 0.0, 2 * np.sqrt(2 / (fan_in + fan_out)),
         (-2 * np.sqrt(6 / (fan_in + fan_out)), 2 * np.sqrt(6 / (fan_in + fan_out)))),
        (lambda: nn.init.xavier_normal_(w, gain=0.5), 0.0, 0.5 * np.sqrt(2 / (fan_in + fan_out)), None),
        (lambda: nn.init.kaiming_normal_(w, nonlinearity="relu"), 0.0, np.sqrt(2 / fan_in), None),
        (lambda: nn.init.kaiming_uniform_(w, a=0.2, mode="fan_out"), 0.0,
         np.sqrt(2 / (1 + 0.04)) / np.sqrt(fan_out), None),
    ]
    for fill, mean, std, bounds in checks:
        assert fill() is w and w.array is array
        values = w.numpy()
        assert abs(values.mean() - mean) < 0.02 * max(std, 0.1)
        np.testing.assert_allclose(values.std(), std, rtol=0.02)
        if bounds:
            assert bounds[0] <= values.min() and values.max() <= bounds[1]
    nn.init.constant_(w, 0.25)
    assert np.all(w.numpy() == 0.25)
    nn.init.zeros_(w)
    assert np.all(w.numpy() == 0)
    nn.init.ones_(w)
    assert np.all(w.numpy() == 1) and w.grad is None and w.is_leaf
    with ng.no_grad():  # Tensor.zero_, in place too (a parameter only outside the graph, as in PyTorch)
        assert w.zero_() is w and w.array is array and np.all(w.numpy() == 0)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        nn.init.xavier_uniform_(nn.Parameter(ng.zeros(3)))


def test_initialisers_fill_a_parameter_through_its_data_as_ported_code_calls_them():
    # the PyTorch DCGAN tutorial's weights_init: nn.init.normal_(m.weight.data, 0.0, 0.02)
    ng.manual_seed(6)
    bn = nn.BatchNorm2d(300)
    array = bn.weight.array
    nn.init.normal_(bn.weight.data, 1.0, 0.02)
    assert bn.weight.array is array and bn.weight.is_leaf and bn.weight.requires_grad
    assert abs(bn.weight.numpy().mean() - 1.0) < 0.01 and 0.015 < bn.weight.numpy().std() < 0.025
    nn.init.constant_(bn.bias.data, 0.5)
    assert np.all(bn.bias.numpy() == 0.5)
    ng.manual_seed(6)  # the same draw as through the parameter itself
    assert np.array_equal(nn.init.normal_(nn.Parameter(ng.zeros(300)), 1.0, 0.02).numpy(), bn.weight.numpy())
    with pytest.raises(TypeError, match="nn.init: expected a Tensor to fill, got ndarray"):
        nn.init.normal_(bn.weight.array)


@pytest.mark.parametrize("shape, gain", [((5, 3), 1.0), ((3, 5), 2.0), ((4, 2, 3, 3), 0.5), ((20, 2, 2, 2), 1.0),
                                         ((4, 4), 3.0), ((6, 1), 1.0)])
def test_orthogonal_gives_orthonormal_rows_or_columns_times_gain_from_the_seeded_generator(shape, gain):
    """W·Wᵀ = gain²·I when W (flattened to rows × cols) is wide, WᵀW = gain²·I when it is tall; and W is the Q of the
    QR factorisation of the seeded generator's normal draw with R's diagonal positive (the sign correction that
    makes Q uniform), so Wᵀ times that draw is upper triangular with a positive diagonal."""
    w = nn.Parameter(ng.zeros(*shape))
    array = w.array
    ng.manual_seed(3)
    assert nn.init.orthogonal_(w, gain) is w and w.array is array
    flat = w.numpy().reshape(shape[0], -1) / gain
    rows, cols = flat.shape
    np.testing.assert_allclose(flat @ flat.T if rows < cols else flat.T @ flat, np.eye(min(rows, cols)), atol=1e-6)
    ng.manual_seed(3)
    drawn = ng.random.numpy_generator("orthogonal_").normal(0.0, 1.0, (rows, cols))
    r = flat @ drawn.T if rows < cols else flat.T @ drawn
    np.testing.assert_allclose(r, np.triu(r), atol=1e-5)
    assert np.all(np.diag(r) > 0)


@pytest.mark.parametrize("shape, groups", [((4, 2, 3), 1), ((3, 5, 3, 3), 1), ((4, 4, 4, 4), 2), ((6, 3, 2, 3, 3), 2),
                                           ((6, 1, 3, 3), 3), ((2, 5, 3, 1, 2), 1)])
def test_dirac_equals_torch(shape, groups):
    ours = nn.init.dirac_(nn.Parameter(ng.ones(*shape)), groups)
    np.testing.assert_array_equal(ours.numpy(), torch.nn.init.dirac_(torch.ones(shape), groups).numpy())


@pytest.mark.parametrize("shape", [(3, 3), (2, 5), (5, 2)])
def test_eye_equals_torch(shape):
    ours = nn.init.eye_(nn.Parameter(ng.full(shape, 7.0)))
    np.testing.assert_array_equal(ours.numpy(), torch.nn.init.eye_(torch.full(shape, 7.0)).numpy())


@pytest.mark.parametrize("groups", [1, 2, 4])
def test_a_convolution_with_a_dirac_weight_is_the_identity(groups):
    conv = nn.Conv2d(4, 4, 3, padding=1, groups=groups)
    nn.init.dirac_(conv.weight, groups)
    nn.init.zeros_(conv.bias)
    x = ng.randn(2, 4, 5, 6)
    np.testing.assert_allclose(conv(x).numpy(), x.numpy(), rtol=1e-6, atol=1e-7)


def test_eye_dirac_and_orthogonal_refuse_what_they_cannot_fill():
    with pytest.raises(ValueError, match=r"eye_: needs a 2-D tensor, got shape \(2, 3, 4\)"):
        nn.init.eye_(ng.zeros(2, 3, 4))
    with pytest.raises(ValueError, match=r"dirac_: needs a tensor with 3, 4 or 5 dimensions, got shape \(3, 3\)"):
        nn.init.dirac_(ng.zeros(3, 3))
    with pytest.raises(ValueError, match=r"dirac_: groups must divide dim 0 of a tensor of shape \(4, 2, 3, 3\), "
                                         r"got 3"):
        nn.init.dirac_(ng.zeros(4, 2, 3, 3), groups=3)
    with pytest.raises(ValueError, match=r"dirac_: groups must be an int >= 1, got 0"):
        nn.init.dirac_(ng.zeros(4, 2, 3, 3), groups=0)
    with pytest.raises(ValueError, match=r"orthogonal_: needs a tensor with at least 2 dimensions, got shape \(3,\)"):
        nn.init.orthogonal_(ng.zeros(3))
    with pytest.raises(TypeError, match=r"nn.init: expected a Tensor to fill, got ndarray"):
        nn.init.orthogonal_(np.zeros((3, 3)))
    assert nn.init.orthogonal_(ng.zeros(0, 3)).shape == (0, 3)  # nothing to draw, as in PyTorch


def test_seeded_initialisation_is_reproducible():
    ng.manual_seed(5)
    a = nn.Conv2d(3, 8, 3).state_dict()
    ng.manual_seed(5)
    b = nn.Conv2d(3, 8, 3).state_dict()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


def test_dcgan_init():
    ng.manual_seed(6)
    model = nn.Sequential(nn.ConvTranspose2d(64, 128, 4), nn.BatchNorm2d(128), nn.Conv2d(128, 64, 4),
                          nn.Linear(256, 256), nn.BatchNorm1d(4096))
    bias_before = model[0].bias.numpy().copy()
    assert nn.init.dcgan_init_(model) is model
    for layer in (model[0], model[2], model[3]):
        w = layer.weight.numpy()
        assert abs(w.mean()) < 1e-3
        np.testing.assert_allclose(w.std(), 0.02, rtol=0.03)
    np.testing.assert_array_equal(model[0].bias.numpy(), bias_before)
    gamma = model[4].weight.numpy()
    assert abs(gamma.mean() - 1) < 2e-3
    np.testing.assert_allclose(gamma.std(), 0.02, rtol=0.05)
    assert np.all(model[1].bias.numpy() == 0) and np.all(model[4].bias.numpy() == 0)


@pytest.mark.parametrize("make, message", [
    (lambda: nn.Conv2d(3, 8, 0), r"Conv2d: kernel_size must be an int or a pair of ints >= 1, got 0"),
    (lambda: nn.Conv2d(3, 8, 3, stride=(1, 0)), r"Conv2d: stride must be an int or a pair of ints >= 1"),
    (lambda: nn.Conv2d(0, 8, 3), r"Conv2d: in_channels must be an int >= 1, got 0"),
    (lambda: nn.ConvTranspose2d(3, 8, 4, padding=-1), r"ConvTranspose2d: padding must be .* >= 0, got -1"),
    (lambda: nn.Conv2d(3, 8, 3, groups=0), r"Conv2d: groups must be an int >= 1, got 0"),
    (lambda: nn.Linear(3, -1), r"Linear: out_features must be an int >= 1, got -1"),
    (lambda: nn.Linear(2.5, 3), r"Linear: in_features must be an int >= 1, got 2.5"),
    (lambda: nn.ZeroPad2d((1, 2, 3)), r"ZeroPad2d: padding must be an int or 4 ints >= 0, got \(1, 2, 3\)"),
    (lambda: nn.ZeroPad2d(-1), r"ZeroPad2d: padding must be an int or 4 ints >= 0, got -1"),  # was F.pad's error
    (lambda: nn.ReflectionPad2d((1, 2)), r"ReflectionPad2d: padding must be an int or 4 ints >= 0, got \(1, 2\)"),
    (lambda: nn.LogSoftmax(1.0), r"LogSoftmax: dim must be an int or None, got 1.0"),
    (lambda: nn.Dropout2d(1.5), r"Dropout2d: p must be a probability in \[0, 1\], got 1.5"),
    (lambda: nn.Crop2d(size=(0, 4)), r"Crop2d: size must be an int or a pair of ints >= 1, got \(0, 4\)"),
    (lambda: nn.Crop2d(1.5), r"Crop2d: rows must be an int or a pair of ints >= 0, got 1.5"),  # was a TypeError
    (lambda: nn.PReLU(0), r"PReLU: num_parameters must be an int >= 1, got 0"),
    (lambda: nn.PReLU(2, init=float("nan")), r"PReLU: init must be a finite number, got nan"),
    (lambda: nn.PixelShuffle(0), r"PixelShuffle: upscale_factor must be an int >= 1, got 0"),
    (lambda: nn.PixelUnshuffle(2.0), r"PixelUnshuffle: downscale_factor must be an int >= 1, got 2.0"),
])
def test_layer_sizes_are_checked_when_the_layer_is_made(make, message):
    """A zero kernel failed inside the initialiser with a ZeroDivisionError, a negative width inside numpy."""
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("make, error, message", [
    (lambda: nn.Conv2d(3, 8, 3, padding="full"), ValueError,
     r"Conv2d: padding must be 'valid', 'same', an int or a pair of ints >= 0, got 'full'"),
    (lambda: nn.Conv2d(3, 8, 3, stride=(2, 1), padding="same"), ValueError,
     r"Conv2d: stride must be 1 with padding='same', got \(2, 1\)"),
    (lambda: nn.Conv2d(3, 8, 3, padding_mode="zero"), ValueError,
     r"Conv2d: padding_mode must be one of \('zeros', 'reflect', 'replicate', 'circular'\), got 'zero'"),
    (lambda: nn.ConvTranspose2d(3, 8, 3, padding="same"), ValueError,
     r"ConvTranspose2d: padding must be an int or a pair of ints >= 0, got 'same'"),
    (lambda: nn.ConvTranspose2d(3, 8, 3, padding_mode="reflect"), ValueError,
     r"ConvTranspose2d: padding_mode must be 'zeros', got 'reflect'"),
    (lambda: nn.Conv2d(3, 8, 3, groups=2), ValueError, r"Conv2d: in_channels must be divisible by groups \(2\), got 3"),
    (lambda: nn.ConvTranspose2d(4, 6, 3, groups=4), ValueError,
     r"ConvTranspose2d: out_channels must be divisible by groups \(4\), got 6"),
])
def test_convolution_settings_are_checked_when_the_layer_is_made(make, error, message):
    """padding="same" was kept and refused by conv2d at the first forward, and groups > 1 failed there too."""
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("shape", [(8, 8), (2, 8, 8), (1, 1, 3, 8, 8)])
def test_convolution_layers_name_both_input_shapes_they_take(shape):
    """(3, H, W) is one image, as in PyTorch; another rank, or an image of other channels, is refused."""
    for layer in (nn.Conv2d(3, 4, 3), nn.ConvTranspose2d(3, 4, 3)):
        with pytest.raises(ValueError, match=rf"{type(layer).__name__}: expected input of shape \(N, 3, H, W\) or "
                                             rf"\(3, H, W\), got \({', '.join(map(str, shape))}\)"):
            layer(ng.zeros(*shape))


class _AddsTenTimes(nn.Module):
    """y = 10·x + c: a chain of them spells out, digit by digit, the order its layers ran in."""

    def __init__(self, c):
        super().__init__()
        self.c = c

    def forward(self, x):
        return x * 10 + self.c


def test_a_replaced_layer_runs_where_the_old_one_ran():
    """Assigning seq[0] moved the new layer to the end: the chain 1, 2, 3 became 2, 3, 7 instead of 7, 2, 3."""
    seq = nn.Sequential(_AddsTenTimes(1), _AddsTenTimes(2), _AddsTenTimes(3))
    assert seq(ng.tensor(0.0)).item() == 123
    seq[0] = _AddsTenTimes(7)
    assert seq(ng.tensor(0.0)).item() == 723 and list(seq._modules) == ["0", "1", "2"]
    layers = nn.ModuleList([_AddsTenTimes(1), _AddsTenTimes(2), _AddsTenTimes(3)])
    layers[1] = _AddsTenTimes(9)
    assert [layer.c for layer in layers] == [1, 9, 3]
    linear = nn.Linear(2, 3)
    linear.weight = nn.Parameter(ng.zeros(3, 2))
    assert list(linear.state_dict()) == ["weight", "bias"]


@pytest.mark.parametrize("make, message", [
    (lambda: nn.BatchNorm1d(3, eps=-1), r"BatchNorm1d: eps must be a number >= 0, got -1"),
    (lambda: nn.BatchNorm2d(3, momentum=1.5), r"BatchNorm2d: momentum must be None or a number in \[0, 1\], got 1.5"),
    (lambda: nn.BatchNorm1d(3, momentum=float("nan")), r"momentum must be None or a number in \[0, 1\], got nan"),
    (lambda: nn.BatchNorm1d(0), r"BatchNorm1d: num_features must be an int >= 1, got 0"),
    (lambda: nn.InstanceNorm2d(2.5), r"InstanceNorm2d: num_features must be an int >= 1, got 2.5"),
    (lambda: nn.LayerNorm(()), r"LayerNorm: normalized_shape must be an int or a sequence of ints >= 1, got \(\)"),
    (lambda: nn.LayerNorm(4, eps=-1e-5), r"LayerNorm: eps must be a number >= 0"),
])
def test_norm_layers_check_their_settings_when_made(make, message):
    """eps = -1 gave NaN outputs and momentum = 1.5 running variances off by half again, without a word."""
    with pytest.raises(ValueError, match=message):
        make()


def test_module_to_an_integer_dtype_and_train_with_a_string_are_refused():
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="Linear.to: a module's parameters take a floating-point dtype, got int64"):
        layer.to(ng.int64)  # every weight became 0
    with pytest.raises(TypeError, match="Linear.train: mode must be True or False, got 'False'"):
        layer.train("False")  # bool("False") left the layer training
    assert layer.weight.dtype == np.float32 and layer.training


def test_layer_sizes_may_be_numpy_ints_and_are_kept_as_python_ints():
    """Sizes often come out of arrays (x.shape of a numpy batch): PyTorch's layers take numpy ints, and so do
    these (they refused them until the checks were shared). A bool stays refused, also inside a pair."""
    conv = nn.Conv2d(np.int64(3), np.int32(8), np.int64(3), stride=(np.int64(2), 1))
    linear = nn.Linear(np.int64(4), np.int16(2))
    norm = nn.LayerNorm(np.array([2, 3])[1])
    assert (conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride) == (3, 8, (3, 3), (2, 1))
    assert type(conv.in_channels) is int and all(type(v) is int for v in conv.kernel_size + conv.stride)
    assert type(linear.in_features) is int and linear.weight.shape == (2, 4)
    assert norm.normalized_shape == (3,) and type(norm.normalized_shape[0]) is int
    assert conv(ng.zeros(1, 3, 9, 9)).shape == (1, 8, 4, 7)
    with pytest.raises(ValueError, match=r"Conv2d: kernel_size must be an int or a pair of ints >= 1, got \(3, True\)"):
        nn.Conv2d(3, 8, (3, True))
    with pytest.raises(ValueError, match=r"Conv2d: padding must be an int or a pair of ints >= 0, got None"):
        nn.Conv2d(3, 8, 3, padding=None)


def test_initialisers_and_load_state_dict_count_their_changes_as_in_place_changes():
    """They wrote the arrays without counting: a backward after them computed with the new weights, silently
    (x.grad [5 5 5 5] below), where PyTorch refuses."""
    x = ng.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    w = ng.tensor([1.0, 1.0, 1.0, 1.0], requires_grad=True)
    y = (x * w).sum()
    ng.nn.init.constant_(w, 5.0)
    with pytest.raises(RuntimeError, match=r"Mul: its input 1 of shape \(4,\) was changed in place"):
        y.backward()
    layer = ng.nn.Linear(4, 1)
    out = layer(ng.ones(1, 4, requires_grad=True)).sum()
    layer.load_state_dict({"weight": ng.ones(1, 4), "bias": ng.zeros(1)})
    with pytest.raises(RuntimeError, match=r"was changed in place after the op used it"):
        out.backward()


def test_a_shared_module_is_in_the_state_dict_under_each_of_its_names_as_in_pytorch():
    """It was listed once, so PyTorch's state_dict of the same model did not load (unexpected keys 2.weight,
    2.bias); parameters() still lists each tensor once."""
    torch = pytest.importorskip("torch")
    reference = torch.nn.Linear(2, 2)
    torch_model = torch.nn.Sequential(reference, torch.nn.ReLU(), reference)
    layer = ng.nn.Linear(2, 2)
    model = ng.nn.Sequential(layer, ng.nn.ReLU(), layer)
    assert list(model.state_dict()) == list(torch_model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    model.load_state_dict({k: v.detach().numpy() for k, v in torch_model.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((3, 2)).astype(np.float32)
    np.testing.assert_allclose(model(ng.tensor(x)).numpy(), torch_model(torch.tensor(x)).detach().numpy(), rtol=1e-6)
    assert len(list(model.parameters())) == 2
    assert [name for name, _ in model.named_modules(remove_duplicate=False)] == ["", "0", "1", "2"]


# ---- forward hooks ----------------------------------------------------------------------------
def _hooked_run(lib, tensor):
    """The same hooks on `lib`'s Sequential(Linear, Tanh): the log of their calls and the outputs, with every hook,
    after two are removed, after a hook removed itself while running, and after every hook is removed."""
    model = lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.Tanh())
    linear = model[0]
    with lib.no_grad():
        linear.weight.copy_(tensor([[0.5, -1.0, 2.0], [0.25, 0.0, -0.5]]))
        linear.bias.copy_(tensor([0.1, -0.2]))
    log = []
    handles = [
        linear.register_forward_pre_hook(lambda m, args: log.append(("pre-log", len(args), m is linear))),
        linear.register_forward_pre_hook(lambda m, args: args[0] * 2),  # not a tuple: the only argument
        linear.register_forward_pre_hook(lambda m, args: (args[0] + 1,)),
        linear.register_forward_hook(lambda m, args, out: log.append(("log", args[0].tolist(), out.tolist()))),
        linear.register_forward_hook(lambda m, args, out: out * 3),
        model.register_forward_hook(lambda m, args, out: log.append(("model", out.tolist()))),
    ]

    def once(m, args, out):
        log.append("once")
        handles[-1].remove()
    handles.append(linear.register_forward_hook(once))
    x = tensor([[1.0, 2.0, 3.0]])
    outputs = [model(x).tolist()]
    handles[1].remove()
    handles[4].remove()
    handles[4].remove()  # a second remove does nothing
    outputs += [model(x).tolist(), model(x).tolist()]
    for handle in handles:
        handle.remove()
    outputs.append(model(x).tolist())
    return log, outputs, list(model.state_dict())


def test_forward_hooks_replace_arguments_and_outputs_and_are_removed_as_in_torch():
    ours = _hooked_run(ng, lambda v: ng.tensor(v))
    theirs = _hooked_run(torch, lambda v: torch.tensor(v))
    assert ours[0] == theirs[0]
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6)
    assert ours[2] == theirs[2] == ["0.weight", "0.bias"]  # hooks are not state
    assert ours[0][0] == ("pre-log", 1, True) and ours[0][1][:2] == ("log", [[3.0, 5.0, 7.0]])  # args: 2x + 1
    assert ours[0][2:4] == ["once", ("model", ours[1][0])] and "once" not in ours[0][4:]
    assert len(set(map(str, ours[1]))) == 3  # the hooks changed the output, and removing them changed it back


def test_a_hook_must_be_callable_and_a_module_without_hooks_keeps_no_flag():
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="Linear.register_forward_hook: the hook must be callable, got int"):
        layer.register_forward_hook(3)
    assert "_has_hooks" not in vars(layer)
    layer.register_forward_pre_hook(lambda m, args: None).remove()
    assert not layer._has_hooks


# ---- backward hooks ---------------------------------------------------------------------------
def _values(tensors):
    """Copies: torch accumulates a later gradient into the memory of the one it kept as a leaf's .grad."""
    return [None if t is None else t.detach().numpy().copy() for t in tensors]


def _assert_same(ours, theirs, path="result"):
    """Nested tuples and lists of arrays, None and plain values: the same structure, the arrays to rtol 1e-10."""
    if isinstance(ours, np.ndarray):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, err_msg=path)
    elif isinstance(ours, (tuple, list)):
        assert isinstance(theirs, (tuple, list)) and len(ours) == len(theirs), path
        for i, (a, b) in enumerate(zip(ours, theirs)):
            _assert_same(a, b, f"{path}[{i}]")
    else:
        assert ours == theirs, path


def _seeded(lib, module, local):
    """module in float64, its parameters drawn from `local` (the same in both libraries)."""
    module = module.double()
    with lib.no_grad():
        for param in module.parameters():
            param.copy_(lib.tensor(local.standard_normal(tuple(param.shape))))
    return module


def _gated(lib):
    """A module of two tensor inputs and a number."""
    class Gated(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = lib.nn.Linear(3, 2)

        def forward(self, a, b, scale):
            return self.linear(a) * b * scale
    return Gated()


BACKWARD_HOOKED = {  # the module, and its arguments: the shapes of tensors that require grad, and numbers
    "linear": (lambda lib: lib.nn.Linear(3, 2), [(4, 3)]),
    "conv2d": (lambda lib: lib.nn.Conv2d(2, 3, 3, stride=2, padding=1), [(2, 2, 5, 5)]),
    "two-inputs": (_gated, [(4, 3), (4, 2), 0.5]),
}


def _backward_hooked_run(lib, case):
    """`case`'s module in `lib` (float64, seeded weights), with a pre hook that logs grad_output and triples it and
    a full hook that logs grad_input and grad_output and halves grad_input, run forward and backward with a seeded
    output gradient, then again after both hooks are removed: the log, and each run's gradients of the inputs
    and of the parameters."""
    make, arguments = BACKWARD_HOOKED[case]
    local = np.random.default_rng(0)
    module = _seeded(lib, make(lib), local)
    args = [a if isinstance(a, float) else lib.tensor(local.standard_normal(a), requires_grad=True)
            for a in arguments]
    output_gradient = lib.tensor(local.standard_normal(tuple(module(*args).shape)))
    log = []

    def pre_hook(m, grad_output):
        log.append(("pre", m is module, _values(grad_output)))
        return tuple(g * 3 for g in grad_output)

    def full_hook(m, grad_input, grad_output):
        log.append(("full", m is module, _values(grad_input), _values(grad_output)))
        return tuple(None if g is None else g * 0.5 for g in grad_input)
    handles = [module.register_full_backward_pre_hook(pre_hook), module.register_full_backward_hook(full_hook)]
    gradients = []
    for _ in range(2):
        module.zero_grad()
        tensors = [a for a in args if not isinstance(a, float)]
        for t in tensors:
            t.grad = None
        module(*args).backward(output_gradient)
        gradients.append(_values([t.grad for t in tensors] + [p.grad for p in module.parameters()]))
        for handle in handles:
            handle.remove()
    return log, gradients, module


@pytest.mark.parametrize("case", list(BACKWARD_HOOKED))
def test_backward_hooks_see_and_replace_the_gradients_as_in_torch(case):
    ours, theirs = _backward_hooked_run(ng, case), _backward_hooked_run(torch, case)
    _assert_same(ours[:2], theirs[:2])
    log, (hooked, plain), _ = ours
    assert [entry[:2] for entry in log] == [("pre", True), ("full", True)]  # once each: removed after
    n_inputs = sum(not isinstance(a, float) for a in BACKWARD_HOOKED[case][1])
    for i, (a, b) in enumerate(zip(hooked, plain)):  # grad_output tripled, then grad_input halved
        np.testing.assert_allclose(a, (1.5 if i < n_inputs else 3) * b, rtol=1e-10)
    assert not ours[2]._has_hooks


def test_a_tensor_hook_on_a_hooked_module_s_output_runs_before_the_module_s_hooks_as_in_torch():
    """The module's hooks see the output's gradient as the output's own hooks left it, and retain_grad keeps that."""
    def run(lib):
        local = np.random.default_rng(2)
        layer, log = _seeded(lib, lib.nn.Linear(3, 2), local), []
        layer.register_full_backward_pre_hook(lambda m, grad_output: log.append(_values(grad_output)))
        layer.register_full_backward_hook(lambda m, grad_input, grad_output: log.append(_values(grad_input)))
        x = lib.tensor(local.standard_normal((4, 3)), requires_grad=True)
        h = layer(x)
        h.retain_grad()
        h.register_hook(lambda g: g + 1)
        h.tanh().sum().backward()
        return log, _values([h.grad, x.grad])

    ours, theirs = run(ng), run(torch)
    _assert_same(ours, theirs)
    np.testing.assert_allclose(ours[0][0][0], ours[1][0])  # the pre hook saw what retain_grad kept


def _two_outputs(lib):
    class Halves(lib.nn.Module):
        def forward(self, x, mask):
            return x * mask, x.tanh()
    return Halves()


def test_backward_hooks_of_an_unused_output_and_an_input_that_does_not_require_grad():
    """grad_output holds None for an output the loss did not use, as in torch, and a pre hook may give it a
    gradient; grad_input holds None for an input that does not require grad (torch: zeros, when another input
    requires grad)."""
    def run(lib):
        module, log = _two_outputs(lib), []
        module.register_full_backward_hook(lambda m, grad_input, grad_output: log.append(
            (_values(grad_input), _values(grad_output))))
        x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        mask = lib.tensor([1.0, 0.0, 1.0], dtype=lib.float64)
        module(x, mask)[0].sum().backward()
        module.register_full_backward_pre_hook(lambda m, grad_output: (grad_output[0], lib.ones_like(x)))
        module(x, mask)[0].sum().backward()
        return log, x.grad.numpy()

    (ours, our_grad), (theirs, their_grad) = run(ng), run(torch)
    assert ours[0][1][1] is None and ours[1][1][1] is not None  # the pre hook gave the unused output a gradient
    assert ours[0][0][1] is None and not theirs[0][0][1].any()  # torch's zeros
    for log in (ours, theirs):
        for grad_input, _ in log:
            grad_input[1] = None
    _assert_same((ours, our_grad), (theirs, their_grad))
    np.testing.assert_allclose(our_grad, [2.0, 0.0, 2.0] + (1 - np.tanh([0.5, -1.0, 2.0]) ** 2))


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")  # torch's, each time
def test_a_full_backward_hook_with_no_input_that_requires_grad_runs_once_grad_output_is_known():
    def run(lib):
        layer, log = lib.nn.Linear(2, 1).double(), []
        layer.register_full_backward_hook(lambda m, grad_input, grad_output: log.append(
            (grad_input, tuple(g.shape for g in grad_output))))
        layer(lib.ones(3, 2, dtype=lib.float64)).sum().backward()
        return [(grad_input, tuple(map(tuple, shapes))) for grad_input, shapes in log]
    assert run(ng) == run(torch) == [((None,), ((3, 1),))]


def test_a_full_backward_hook_s_gradient_is_differentiated_through_under_create_graph_as_in_torch():
    """A gradient penalty through a critic whose first layer's hook doubles its grad_input: with create_graph the
    hook gets gradients with a graph, and the penalty's gradient goes through the doubling too."""
    def penalty(lib, hooked):
        local = np.random.default_rng(1)
        critic = _seeded(lib, lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 1)), local)
        if hooked:
            critic[0].register_full_backward_hook(lambda m, grad_input, grad_output: (grad_input[0] * 2,))
        x = lib.tensor(local.standard_normal((5, 3)), requires_grad=True)
        g, = lib.autograd.grad(critic(x).sum(), x, create_graph=True)
        ((g.norm(2, dim=1) - 1) ** 2).mean().backward()
        return _values([g] + [p.grad for p in critic.parameters()])

    ours, theirs, plain = penalty(ng, True), penalty(torch, True), penalty(ng, False)
    _assert_same(ours, theirs)
    np.testing.assert_allclose(ours[0], 2 * plain[0], rtol=1e-12)
    assert not np.allclose(ours[1], plain[1])


@pytest.mark.parametrize("register, hook, message", [
    ("register_full_backward_hook", lambda m, grad_input, grad_output: (grad_input[0], grad_input[0]),
     "Linear.register_full_backward_hook: the hook <lambda> returned 2 gradients, expected a tuple of 1, one per "
     "input"),
    ("register_full_backward_pre_hook", lambda m, grad_output: grad_output[0],
     "Linear.register_full_backward_pre_hook: the hook <lambda> returned Tensor, expected a tuple of 1, one per "
     "output"),
    ("register_full_backward_hook", lambda m, grad_input, grad_output: (grad_input[0][:, :1],),
     r"Linear.register_full_backward_hook: the hook <lambda> returned a gradient of shape \(4, 1\), float32, on cpu "
     r"for one of shape \(4, 3\), float32, on cpu"),
])
def test_backward_hooks_must_return_a_gradient_per_input_or_output_of_its_shape(register, hook, message):
    layer = nn.Linear(3, 2)
    getattr(layer, register)(hook)
    with pytest.raises(RuntimeError, match=message):
        layer(ng.ones(4, 3, requires_grad=True)).sum().backward()


def test_backward_hooks_are_refused_where_torch_refuses_them():
    layer = nn.Linear(3, 2)
    with pytest.raises(TypeError, match="Linear.register_full_backward_hook: the hook must be callable, got int"):
        layer.register_full_backward_hook(3)
    layer.register_full_backward_hook(lambda m, grad_input, grad_output: (ng.ones(4, 3),))
    with pytest.raises(RuntimeError, match="Linear.register_full_backward_hook: the hook <lambda> returned "
                                           "gradients for inputs of which none requires grad"):
        layer(ng.ones(4, 3)).sum().backward()
    for lib in (ng, torch):  # an in-place change would take the gradient past the hooks
        relu = lib.nn.ReLU(inplace=True)
        relu.register_full_backward_hook(lambda m, grad_input, grad_output: None)
        refusal = "modified inplace" if lib is torch else \
            r"relu \(inplace=True\): an in-place change of a view .* made for a module's backward hooks"
        with pytest.raises(RuntimeError, match=refusal):
            relu(lib.ones(2, 3, requires_grad=True) * 2)


# ---- spectral normalisation -------------------------------------------------------------------
SPECTRAL_LAYERS = {
    "linear": (lambda lib: lib.nn.Linear(5, 4), (3, 5)),
    "conv2d": (lambda lib: lib.nn.Conv2d(3, 4, 3, padding=1), (2, 3, 5, 5)),
    "conv-transpose2d": (lambda lib: lib.nn.ConvTranspose2d(3, 2, 4, stride=2, padding=1), (2, 3, 3, 3)),
}


def _spectral_pair(case, **settings):
    """One layer with spectral norm in torch and here (float64), with torch's weight_orig, u and v copied in."""
    make, input_shape = SPECTRAL_LAYERS[case]
    theirs = torch.nn.utils.spectral_norm(make(torch).double(), **settings)
    ours = nn.utils.spectral_norm(make(ng).double(), **settings)
    _copy_weights(theirs, ours)  # the keys in torch's order: bias, weight_orig, weight_u, weight_v
    return ours, theirs, input_shape


@pytest.mark.parametrize("n_power_iterations", [1, 3])
@pytest.mark.parametrize("case", list(SPECTRAL_LAYERS))
def test_spectral_norm_in_training_equals_torch_with_its_gradient_and_a_gradient_penalty(case, n_power_iterations):
    """Three forwards (each a power iteration: u and v move), one backward through all three (D(real) + D(fake)
    backs through two), then a WGAN-GP style penalty: the input gradient made with create_graph, backward through it."""
    ours, theirs, shape = _spectral_pair(case, n_power_iterations=n_power_iterations)
    losses = []
    for seed in range(3):
        x_ours, x_theirs = leaf_pair(shape, seed)
        y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
        assert_matches_torch(y_ours, y_theirs, f"output of forward {seed}")
        for buffer in ("weight_u", "weight_v"):
            assert_matches_torch(getattr(ours, buffer), getattr(theirs, buffer), f"{buffer} after forward {seed}")
        losses.append(((y_ours * y_ours).sum(), (y_theirs * y_theirs).sum()))
    sum(loss for loss, _ in losses).backward()
    sum(loss for _, loss in losses).backward()
    for name in ("weight_orig", "bias"):
        assert_matches_torch(getattr(ours, name).grad, getattr(theirs, name).grad, f"gradient of {name}")
    assert np.abs(ours.weight_orig.grad.numpy()).max() > 1e-3

    ours.zero_grad()
    theirs.zero_grad()
    penalise_input_gradient(ours, theirs, shape, 3)
    assert_matches_torch(ours.weight_orig.grad, theirs.weight_orig.grad, "gradient of the penalty")
    assert_matches_torch(ours.weight_u, theirs.weight_u, "weight_u after the penalty's forward")


@pytest.mark.parametrize("case", list(SPECTRAL_LAYERS))
def test_spectral_norm_in_eval_mode_keeps_u_and_v_and_equals_torch(case):
    ours, theirs, shape = _spectral_pair(case)
    ours.eval()
    theirs.eval()
    u_before = ours.weight_u.numpy().copy()
    for seed in range(2):
        x_ours, x_theirs = leaf_pair(shape, seed)
        y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
        assert_matches_torch(y_ours, y_theirs, f"output of forward {seed}")
        y_ours.sum().backward()
        y_theirs.sum().backward()
    assert_matches_torch(ours.weight_orig.grad, theirs.weight_orig.grad, "gradient of weight_orig")
    np.testing.assert_array_equal(ours.weight_u.numpy(), u_before)


@pytest.mark.parametrize("case", list(SPECTRAL_LAYERS))
def test_remove_spectral_norm_leaves_the_normalised_weight_as_a_parameter_as_torch(case):
    ours, theirs, shape = _spectral_pair(case)
    for module in (ours, theirs):
        module(leaf_pair(shape, 0)[module is theirs])  # a power iteration: σ of the present u, v differs from the first
    nn.utils.remove_spectral_norm(ours)
    torch.nn.utils.remove_spectral_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias", "weight"]
    assert isinstance(ours.weight, nn.Parameter) and not ours._forward_pre_hooks and not ours._has_hooks
    assert_matches_torch(ours.weight, theirs.weight, "weight after removal")
    x_ours, x_theirs = leaf_pair(shape, 1)
    assert_matches_torch(ours(x_ours), theirs(x_theirs), "output after removal")


def test_a_torch_checkpoint_of_a_spectrally_normalised_critic_loads_and_gives_its_outputs():
    """A critic with spectral norm on every layer, trained two steps in torch (u, v moved), its state dict loaded
    here: the same outputs in eval mode, and the same next power iteration in training mode."""
    def critic(lib):
        sn = lib.nn.utils.spectral_norm
        return lib.nn.Sequential(sn(lib.nn.Conv2d(1, 4, 4, 2, 1)), lib.nn.LeakyReLU(0.2),
                                 sn(lib.nn.Conv2d(4, 8, 4, 2, 1)), lib.nn.LeakyReLU(0.2), lib.nn.Flatten(),
                                 sn(lib.nn.Linear(8 * 2 * 2, 1)))
    theirs = critic(torch).double()
    optimizer = torch.optim.SGD(theirs.parameters(), lr=0.1)
    for seed in range(2):
        optimizer.zero_grad()
        theirs(leaf_pair((3, 1, 8, 8), seed)[1]).mean().backward()
        optimizer.step()
    state = {key: value.numpy() for key, value in theirs.state_dict().items()}
    assert sorted(key for key in state if key.startswith("0.")) == ["0.bias", "0.weight_orig", "0.weight_u",
                                                                     "0.weight_v"]
    ours = critic(ng).double()
    ours.load_state_dict(state)
    for training in (False, True):
        ours.train(training)
        theirs.train(training)
        x_ours, x_theirs = leaf_pair((3, 1, 8, 8), 5)
        assert_matches_torch(ours(x_ours), theirs(x_theirs), f"output, training={training}")
    assert_matches_torch(ours[2].weight_v, theirs[2].weight_v, "weight_v after a forward in training mode")


def test_spectral_norm_starts_from_unit_vectors_drawn_by_the_seeded_generator_and_weight_is_weight_orig():
    def make():
        ng.manual_seed(7)
        return nn.utils.spectral_norm(nn.ConvTranspose2d(3, 5, 2))
    layer, again = make(), make()
    assert layer.weight_u.shape == (5,) and layer.weight_v.shape == (3 * 2 * 2,)  # dim 1: the output channels
    for name in ("weight_u", "weight_v"):
        np.testing.assert_allclose(np.linalg.norm(getattr(layer, name).numpy()), 1.0, rtol=1e-6)
        np.testing.assert_array_equal(getattr(layer, name).numpy(), getattr(again, name).numpy())
    assert not isinstance(layer.weight, nn.Parameter) and "weight" not in dict(layer.named_parameters())
    nn.init.constant_(layer.weight, 0.5)  # an initialiser on the weight before the first forward, as ported code does
    assert (layer.weight_orig.numpy() == 0.5).all()


def test_spectral_norm_of_a_single_value_divides_it_by_its_absolute_value():
    """Worked numbers: a 1 × 1 weight w has σ = |w| (u, v = ±1 after one iteration), so the weight becomes sign(w)."""
    layer = nn.utils.spectral_norm(nn.Linear(1, 1, bias=False))
    with ng.no_grad():
        layer.weight_orig.fill_(-2.5)
    assert layer(ng.tensor([[4.0]])).item() == pytest.approx(-4.0)
    assert layer.weight.item() == pytest.approx(-1.0)


@pytest.mark.parametrize("call, error, message", [
    (lambda: nn.utils.spectral_norm(nn.Linear(2, 2), name="scale"), KeyError,
     r"spectral_norm: Linear has no parameter 'scale' \(its parameters: \['weight', 'bias'\]\)"),
    (lambda: nn.utils.spectral_norm(nn.Linear(2, 2, bias=False), name="bias"), ValueError,
     "spectral_norm: Linear.bias is None"),
    (lambda: nn.utils.spectral_norm(nn.utils.spectral_norm(nn.Linear(2, 2))), RuntimeError,
     "spectral_norm: Linear.weight has spectral normalisation already"),
    (lambda: nn.utils.spectral_norm(nn.Linear(2, 2), n_power_iterations=0), ValueError,
     "spectral_norm: n_power_iterations must be an int >= 1, got 0"),
    (lambda: nn.utils.spectral_norm(nn.Linear(2, 2), dim=2), IndexError, "spectral_norm"),
    (lambda: nn.utils.spectral_norm(ng.zeros(2, 2)), TypeError, "spectral_norm: expected a Module, got Tensor"),
    (lambda: nn.utils.remove_spectral_norm(nn.Linear(2, 2)), ValueError,
     "remove_spectral_norm: Linear.weight has no spectral normalisation"),
])
def test_spectral_norm_errors_name_the_layer_and_the_parameter(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_copy_of_a_spectrally_normalised_layer_normalises_with_its_own_u_and_v():
    """The EMA copy of a BigGAN generator (copy.deepcopy(G) before training), or a pickled one: its hook computes its
    own weight from its own buffers. (After a forward in training mode, module.weight is in a graph, which neither
    copies, as PyTorch does not deep-copy it.)"""
    import copy
    import pickle
    for duplicate in (copy.deepcopy, lambda module: pickle.loads(pickle.dumps(module))):
        layer = nn.utils.spectral_norm(nn.Linear(4, 3))
        twin = duplicate(layer)
        u_before = layer.weight_u.numpy().copy()
        with ng.no_grad():
            twin.weight_orig.mul_(2.0)
        x = ng.randn(2, 4)
        np.testing.assert_allclose(twin(x).numpy(), layer(x).numpy(), rtol=1e-5, atol=1e-6)  # σ doubled with W
        assert twin.weight is not layer.weight and twin.weight_u is not layer.weight_u
        assert not np.array_equal(layer.weight_u.numpy(), u_before)  # each forward moved its own u
        np.testing.assert_allclose(twin.weight_u.numpy(), layer.weight_u.numpy(), rtol=1e-6)


# ---- Bilinear and ChannelShuffle ------------------------------------------------------------------------------

@pytest.mark.parametrize("lead", [(), (3,), (2, 3)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_bilinear_is_torchs_to_the_second_derivative(lead, with_bias):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(len(lead))
    arrays = [rng.standard_normal(lead + (4,)), rng.standard_normal(lead + (5,)), rng.standard_normal((3, 4, 5))]
    if with_bias:
        arrays.append(rng.standard_normal(3))
    compare_with_torch(nn.functional.bilinear, torch.nn.functional.bilinear, arrays)


@pytest.mark.parametrize("call, message", [
    (lambda lib: lib.nn.functional.bilinear(lib.ones(2, 3), lib.ones(2, 4), lib.ones(5, 3, 3)),
     r"bilinear: inputs of shapes \(2, 3\) and \(2, 4\) and weight of shape \(5, 3, 3\) do not match"),
    (lambda lib: lib.nn.functional.bilinear(lib.ones(2, 3), lib.ones(3, 4), lib.ones(5, 3, 4)),
     r"bilinear: inputs of shapes \(2, 3\) and \(3, 4\)"),
    (lambda lib: lib.nn.functional.bilinear(lib.ones(2, 3), lib.ones(2, 4), lib.ones(5, 3, 4), lib.ones(4)),
     r"bilinear: bias of shape \(4,\) does not match weight of shape \(5, 3, 4\)"),
    (lambda lib: lib.nn.functional.channel_shuffle(lib.ones(2, 6, 2, 2), 4),
     r"channel_shuffle: the 6 channels of input of shape \(2, 6, 2, 2\) do not split into 4 groups"),
    (lambda lib: lib.nn.functional.channel_shuffle(lib.ones(2, 6), 3),
     r"channel_shuffle: expected an \(N, C, \*\) input of 3 or more dimensions, got shape \(2, 6\)"),
    (lambda lib: lib.nn.functional.channel_shuffle(lib.ones(2, 6, 2), 0), "channel_shuffle: groups must be"),
])
def test_bilinear_and_channel_shuffle_refuse_what_torch_refuses(call, message):
    refused_as_by_torch(call, ValueError, message)


def test_channel_shuffle_deals_the_channels_out_as_torchs():
    torch = pytest.importorskip("torch")
    x = np.arange(2 * 6 * 2 * 3, dtype=np.float64).reshape(2, 6, 2, 3)
    for groups in (1, 2, 3, 6):
        np.testing.assert_array_equal(nn.functional.channel_shuffle(ng.tensor(x), groups).numpy(),
                                      torch.nn.functional.channel_shuffle(torch.tensor(x), groups).numpy())
        assert repr(nn.ChannelShuffle(groups)) == repr(torch.nn.ChannelShuffle(groups))
    shuffled = nn.ChannelShuffle(3)(ng.tensor(x))  # worked: channel g·2 + k goes to k·3 + g
    np.testing.assert_array_equal(shuffled.numpy()[:, [0, 3, 1, 4, 2, 5]], x)


def test_bilinear_layer_is_torchs_in_shapes_initialisation_and_gradients():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Bilinear(4, 5, 3), torch.nn.Bilinear(4, 5, 3).double()
    assert repr(ours) == repr(theirs) and repr(nn.Bilinear(2, 2, 1, bias=False)) == repr(
        torch.nn.Bilinear(2, 2, 1, bias=False))
    assert ours.weight.shape == tuple(theirs.weight.shape) and ours.bias.shape == tuple(theirs.bias.shape)
    bound = 1 / np.sqrt(4)
    assert np.abs(ours.weight.numpy()).max() <= bound and np.abs(ours.weight.numpy()).max() > 0.8 * bound
    ours.to(ng.float64)
    ours.weight.data = ng.tensor(theirs.weight.detach().numpy())
    ours.bias.data = ng.tensor(theirs.bias.detach().numpy())
    x1, t1 = leaf_pair((6, 4), 1)
    x2, t2 = leaf_pair((6, 5), 2)
    g, = ng.grad((ours(x1, x2) ** 2).sum(), x1, create_graph=True)
    g_theirs, = torch.autograd.grad((theirs(t1, t2) ** 2).sum(), t1, create_graph=True)
    assert_matches_torch(g, g_theirs, "input gradient")
    ((g.norm() - 1) ** 2).backward()
    ((g_theirs.norm() - 1) ** 2).backward()
    assert_matches_torch(ours.weight.grad, theirs.weight.grad, "weight gradient of the penalty")
    assert_matches_torch(x2.grad, t2.grad, "second input's gradient of the penalty")


def test_data_parallel_runs_its_module_on_one_device_with_torchs_state_dict_keys():
    torch = pytest.importorskip("torch")
    inner = nn.Linear(2, 3)
    wrapped = nn.DataParallel(inner)
    assert wrapped.module is inner and repr(wrapped) == repr(torch.nn.DataParallel(torch.nn.Linear(2, 3)))
    assert list(wrapped.state_dict()) == list(torch.nn.DataParallel(torch.nn.Linear(2, 3)).state_dict())
    x = ng.randn(4, 2)
    np.testing.assert_array_equal(wrapped(x).numpy(), inner(x).numpy())
    wrapped.load_state_dict({"module.weight": np.ones((3, 2), np.float32), "module.bias": np.zeros(3, np.float32)})
    np.testing.assert_array_equal(inner.weight.numpy(), np.ones((3, 2)))
    with pytest.warns(UserWarning, match=r"DataParallel: nanogan drives one GPU, so the 2 devices asked for "
                                         r"\(\[0, 1\]\)"):
        nn.DataParallel(inner, device_ids=[0, 1])
    with pytest.raises(TypeError, match="DataParallel: expected a Module to wrap, got function"):
        nn.DataParallel(lambda x: x)
