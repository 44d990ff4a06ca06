"""affine_grid and grid_sample: worked numbers, PyTorch's values, gradients and second derivatives for every mode,
padding mode and align_corners (the gradient penalty of a GAN with differentiable augmentation differentiates
through them twice), finite differences, and bad input."""
import warnings

import numpy as np
import pytest

import nanogan as ng
import nanogan.nn.functional as F
from harness import check_op, compare_with_torch

MODES = ("bilinear", "nearest")
PADDING_MODES = ("zeros", "border", "reflection")


def points_off_pixel_edges(rng, shape, size, align_corners, low=-1.3, high=1.3):
    """Grid points from [low, high]² whose pixel coordinates are at least 0.05 from a whole or a half number (the
    kinks of bilinear weights and nearest rounding, and the reflections' turning points), so that no derivative is
    taken across one. size is (H, W); a point's last axis is (u across W, v across H)."""
    grid = rng.uniform(low, high, shape)
    for axis, n in ((0, size[1]), (1, size[0])):
        u = grid[..., axis]
        pixels = (u + 1) / 2 * (n - 1) if align_corners else ((u + 1) * n - 1) / 2
        offset = pixels * 2 - np.round(pixels * 2)  # from the nearest multiple of 1/2, in half pixels
        nudge = np.where(np.abs(offset) < 0.1, np.where(offset >= 0, 0.1, -0.1) - offset, 0.0) / 2
        scale = (n - 1) / 2 if align_corners else n / 2
        grid[..., axis] = u + nudge / scale
    return grid


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", PADDING_MODES)
@pytest.mark.parametrize("mode", MODES)
def test_grid_sample_matches_pytorch_to_the_second_derivative(mode, padding_mode, align_corners):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng([MODES.index(mode), PADDING_MODES.index(padding_mode), align_corners])
    x = rng.standard_normal((2, 3, 5, 6))
    grid = points_off_pixel_edges(rng, (2, 4, 7, 2), (5, 6), align_corners)

    def ours(x, grid):
        return F.grid_sample(x, grid, mode, padding_mode, align_corners)

    def theirs(x, grid):
        return torch.nn.functional.grid_sample(x, grid, mode, padding_mode, align_corners)
    compare_with_torch(ours, theirs, [x, grid])
    compare_with_torch(ours, theirs, [x, grid], dtype=np.float32, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("padding_mode", PADDING_MODES)
def test_bilinear_sampling_has_finite_difference_gradients(padding_mode):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 2, 3, 4))
    grid = points_off_pixel_edges(rng, (1, 2, 3, 2), (3, 4), False)
    check_op(lambda x, grid: F.grid_sample(x, grid, padding_mode=padding_mode, align_corners=False), [x, grid],
             layouts=("contiguous", "sliced"))


@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_matches_pytorch(align_corners):
    torch = pytest.importorskip("torch")
    theta = np.random.default_rng(1).standard_normal((2, 2, 3))
    for size in [(2, 3, 4, 5), (2, 1, 1, 3), (2, 1, 6, 1)]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PyTorch's and ours on unit sizes with align_corners, tested below
            compare_with_torch(lambda t: F.affine_grid(t, size, align_corners),
                               lambda t: torch.nn.functional.affine_grid(t, size, align_corners), [theta])


@pytest.mark.parametrize("align_corners", [False, True])
def test_an_augmentation_warp_differentiates_twice_in_image_and_transform_as_pytorchs(align_corners):
    """ADA's geometric augmentation: the image warped by a random affine map, through which D's gradient
    penalty differentiates again."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 6, 6))
    # drawn around the identity, not round numbers, which can put a point on a pixel centre (a kink) in one
    # library's rounding and beside it in the other's
    theta = np.eye(2, 3) + 0.3 * rng.standard_normal((2, 2, 3))
    compare_with_torch(
        lambda x, t: F.grid_sample(x, F.affine_grid(t, x.shape, align_corners), "bilinear", "reflection",
                                   align_corners),
        lambda x, t: torch.nn.functional.grid_sample(x, torch.nn.functional.affine_grid(t, x.shape, align_corners),
                                                     "bilinear", "reflection", align_corners),
        [x, theta])


@pytest.mark.parametrize("align_corners", [False, True])
def test_the_identity_warp_gives_the_image_back(align_corners):
    x = ng.tensor(np.arange(24.0).reshape(1, 2, 3, 4).tolist())
    identity = ng.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    grid = F.affine_grid(identity, x.shape, align_corners)
    for mode in MODES:
        np.testing.assert_allclose(F.grid_sample(x, grid, mode, align_corners=align_corners).numpy(), x.numpy(),
                                   atol=1e-12)


def test_worked_example_points_between_and_outside_pixels():
    x = ng.tensor([[[[0.0, 10.0, 20.0, 30.0]]]])  # one row: pixel j at u = (2j + 1)/4 - 1 without align_corners
    points = ng.tensor([[[[-0.5, 0.0], [0.0, 0.0], [0.9, 0.0], [-1.25, 0.0]]]])  # ix = 0.5, 1.5, 3.3, -1
    np.testing.assert_allclose(F.grid_sample(x, points, align_corners=False).numpy()[0, 0, 0], [5, 15, 21, 0],
                               atol=1e-12)  # zeros: 3.3 is 70% pixel 3 and 30% a zero past the edge
    np.testing.assert_allclose(F.grid_sample(x, points, padding_mode="border", align_corners=False).numpy()[0, 0, 0],
                               [5, 15, 30, 0], atol=1e-12)
    # reflection about the outer edges (-0.5, 3.5): 3.3 stays, -1 reflects to 0 and is clamped there
    np.testing.assert_allclose(
        F.grid_sample(x, points, padding_mode="reflection", align_corners=False).numpy()[0, 0, 0], [5, 15, 30, 0],
        atol=1e-12)
    # nearest: halves go to the even pixel (0.5 -> 0, 1.5 -> 2), as PyTorch's nearbyint
    np.testing.assert_allclose(F.grid_sample(x, points, mode="nearest", align_corners=False).numpy()[0, 0, 0],
                               [0, 20, 30, 0])


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", ["border", "reflection"])
@pytest.mark.parametrize("mode", MODES)
def test_nan_and_infinite_points_read_the_pixels_pytorch_reads(mode, padding_mode, align_corners):
    """PyTorch clamps a NaN coordinate to pixel 0 (and an infinite one to an edge, or reflected to NaN and so to 0);
    nanogan read every such point as outside the image, 0. Its gradient is not compared: PyTorch's backward crashes
    on a NaN point. The image's gradient is that of the point moved to pixel 0, which it reads."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x = rng.standard_normal((1, 2, 4, 5))
    grid = points_off_pixel_edges(rng, (1, 2, 3, 2), (4, 5), align_corners)
    grid[0, 0, 0, 0], grid[0, 0, 1, 1], grid[0, 1, 0, 0], grid[0, 1, 2] = np.nan, -np.inf, -np.inf, np.nan
    y = F.grid_sample(ng.tensor(x), ng.tensor(grid), mode, padding_mode, align_corners)
    expected = torch.nn.functional.grid_sample(torch.tensor(x), torch.tensor(grid), mode, padding_mode, align_corners)
    np.testing.assert_allclose(y.numpy(), expected.numpy(), rtol=1e-12, atol=1e-12)

    at_pixel_zero = grid.copy()  # the normalised coordinate of pixel 0's centre along each axis, (W, H) = (5, 4)
    for axis, size in enumerate((5, 4)):
        at_pixel_zero[..., axis][~np.isfinite(grid[..., axis])] = -1.0 if align_corners else 1.0 / size - 1.0
    x_ours, x_moved = ng.tensor(x, requires_grad=True), ng.tensor(x, requires_grad=True)
    F.grid_sample(x_ours, ng.tensor(grid), mode, padding_mode, align_corners).sum().backward()
    F.grid_sample(x_moved, ng.tensor(at_pixel_zero), mode, padding_mode, align_corners).sum().backward()
    np.testing.assert_allclose(x_ours.grad.numpy(), x_moved.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_nan_and_infinite_points_lie_outside_the_image_with_zeros_padding(mode):
    """As in PyTorch's CUDA kernel (its CPU kernel gives NaN from the bilinear weights there)."""
    x = ng.ones(1, 1, 3, 3, requires_grad=True)
    grid = ng.tensor([[[[np.nan, 0.0], [np.inf, 0.0], [0.0, -np.inf], [0.0, 0.0]]]], dtype=ng.float32)
    y = F.grid_sample(x, grid, mode, "zeros", align_corners=False)
    np.testing.assert_array_equal(y.numpy()[0, 0, 0], [0, 0, 0, 1])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[0, 0, 0], [0, 1, 0], [0, 0, 0]])


def test_nearest_sampling_gives_the_grid_a_zero_gradient_as_pytorch():
    x = ng.randn(1, 1, 3, 3, requires_grad=True)
    grid = ng.full((1, 2, 2, 2), 0.3, requires_grad=True)
    (gx, ggrid) = ng.grad(F.grid_sample(x, grid, mode="nearest", align_corners=True).sum(), [x, grid])
    np.testing.assert_array_equal(ggrid.numpy(), 0)
    np.testing.assert_array_equal(gx.numpy()[0, 0], [[0, 0, 0], [0, 4, 0], [0, 0, 0]])


def test_empty_batches_and_grids_give_empty_outputs():
    assert F.grid_sample(ng.zeros(0, 3, 4, 5), ng.zeros(0, 2, 2, 2), align_corners=False).shape == (0, 3, 2, 2)
    assert F.grid_sample(ng.zeros(2, 3, 4, 5), ng.zeros(2, 0, 2, 2), align_corners=False).shape == (2, 3, 0, 2)


def test_align_corners_left_out_warns_as_pytorch():
    x, grid, theta = ng.zeros(1, 1, 2, 2), ng.zeros(1, 1, 1, 2), ng.zeros(1, 2, 3)
    for call in (lambda: F.grid_sample(x, grid), lambda: F.affine_grid(theta, (1, 1, 2, 2))):
        with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
            call()
    with pytest.warns(UserWarning, match="unit-size grids"):
        F.affine_grid(theta, (1, 1, 1, 2), align_corners=True)


def test_bad_input_is_refused_with_the_op_and_shapes():
    x = ng.zeros(2, 3, 5, 6)
    with pytest.raises(ValueError,
                       match=r"grid_sample: expected a grid of shape \(2, H_out, W_out, 2\).*\(3, 4, 4, 2\)"):
        F.grid_sample(x, ng.zeros(3, 4, 4, 2), align_corners=False)
    with pytest.raises(ValueError, match=r"grid_sample: .*\(2, 4, 4, 3\)"):
        F.grid_sample(x, ng.zeros(2, 4, 4, 3), align_corners=False)
    with pytest.raises(ValueError, match=r"grid_sample: expected a 4-D input .*\(3, 5, 6\)"):
        F.grid_sample(x[0], ng.zeros(4, 4, 2), align_corners=False)
    with pytest.raises(NotImplementedError, match=r"grid_sample: 5-D \(volumetric\) input is not implemented"):
        F.grid_sample(ng.zeros(1, 1, 2, 2, 2), ng.zeros(1, 2, 2, 2, 3), align_corners=False)
    with pytest.raises(NotImplementedError, match="bicubic"):
        F.grid_sample(x, ng.zeros(2, 4, 4, 2), mode="bicubic", align_corners=False)
    with pytest.raises(ValueError, match="grid_sample: expected mode"):
        F.grid_sample(x, ng.zeros(2, 4, 4, 2), mode="area", align_corners=False)
    with pytest.raises(ValueError, match="grid_sample: expected padding_mode"):
        F.grid_sample(x, ng.zeros(2, 4, 4, 2), padding_mode="reflect", align_corners=False)
    with pytest.raises(ValueError, match="non-empty spatial"):
        F.grid_sample(ng.zeros(2, 3, 0, 6), ng.zeros(2, 4, 4, 2), align_corners=False)
    with pytest.raises(TypeError, match=r"grid_sample: input \(float32\) and grid \(float64\)"):
        F.grid_sample(x, ng.zeros(2, 4, 4, 2, dtype=ng.float64), align_corners=False)
    with pytest.raises(TypeError, match="grid_sample: expected floating-point"):
        F.grid_sample(x, ng.zeros(2, 4, 4, 2, dtype=ng.int64), align_corners=False)
    theta = ng.zeros(2, 2, 3)
    with pytest.raises(NotImplementedError, match=r"affine_grid: 5-D sizes .*\(2, 3, 4, 5, 6\)"):
        F.affine_grid(ng.zeros(2, 3, 4), (2, 3, 4, 5, 6), align_corners=False)
    with pytest.raises(ValueError, match=r"affine_grid: expected .*\(N, 2, 3\).*\(2, 3, 3\)"):
        F.affine_grid(ng.zeros(2, 3, 3), (2, 3, 4, 5), align_corners=False)
    with pytest.raises(ValueError, match=r"affine_grid: theta of shape \(2, 2, 3\) holds 2 matrices .* 3"):
        F.affine_grid(theta, (3, 3, 4, 5), align_corners=False)
    with pytest.raises(ValueError, match="affine_grid: expected a positive output size"):
        F.affine_grid(theta, (2, 3, 0, 5), align_corners=False)
    with pytest.raises(ValueError, match="affine_grid: expected theta to be a floating-point"):
        F.affine_grid(ng.zeros(2, 2, 3, dtype=ng.int64), (2, 3, 4, 5), align_corners=False)
