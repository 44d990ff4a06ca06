"""Sampling images at given points (PyTorch's F.affine_grid and F.grid_sample), for 4-D inputs: the spatial
transformer's and differentiable augmentation's (ADA, DiffAugment) warps, through which a gradient penalty
differentiates twice.

affine_grid(θ (N, 2, 3), size (N, C, H, W)) -> grid (N, H, W, 2):  grid[n, i, j] = θ[n] · (x_j, y_i, 1), where
    x_j = -1 + 2j/(W - 1) with align_corners (the corner pixels' centres at ±1), x_j = (-1 + 2j/(W - 1))·(W - 1)/W
    without (their outer edges at ±1), and 0 where W = 1; y_i likewise over H. One product B·θ[n]ᵀ with B
    (H·W, 3) the base points: dθ[n] = g[n]ᵀ·B, a product again.

grid_sample(x (N, C, H, W), grid (N, Ho, Wo, 2)) -> (N, C, Ho, Wo): output pixel (i, j) reads x at the point
    grid[n, i, j] = (u, v) of [-1, 1]² (u across the width, v down the height), in pixels
        align_corners:  ix = (u + 1)/2 · (W - 1)          otherwise:  ix = ((u + 1)·W - 1)/2
    and iy likewise from v and H. padding_mode says what a point outside the image reads:
        zeros       the pixels outside the image read 0
        border      ix clamped to [0, W - 1] (the edge pixels repeat)
        reflection  ix reflected about the edges (the corner pixels' centres with align_corners, their outer edges
                    without: PyTorch's reflect_coordinates) until inside, then clamped to [0, W - 1]
    A NaN or infinite point lies outside the image with zeros (as in PyTorch's CUDA kernel; its CPU kernel gives NaN
    there). With border and reflection, as in PyTorch, ±inf clamps to the edges (border) and NaN, or an infinite
    point reflected, reads pixel 0 along that axis.
    bilinear  y = Σ_{a, b ∈ {0, 1}} x[n, c, y0 + a, x0 + b]·wy_a·wx_b, x0 = ⌊ix⌋, wx_0 = x0 + 1 - ix, wx_1 = ix - x0
              (wy likewise); pixels outside the image weigh 0
    nearest   y = x[n, c, rint(iy), rint(ix)] (halves to even, as PyTorch's nearbyint), 0 outside the image

    Composed of differentiable ops: the pixels are gathered plane by plane (GatherPlanes, whose gradient is a
    scatter-add, and the scatter-add's a gather), the weights are arithmetic of the grid, and the integer
    positions are constants (⌊·⌋ and rint have gradient 0). So
        dx[n, c, p] = Σ over the taps that read pixel p of g·weight,
        dgrid = Σ_c g·Σ_taps x_tap·∂weight_tap/∂(u, v)   (∂ix/∂u = (W - 1)/2 or W/2, times ±1 or 0 from the padding),
    and both differentiate again, to any order, on every backend. Nearest's gradient in the grid is 0, as
    PyTorch's. Unlike PyTorch, 5-D (volumetric) inputs and mode 'bicubic' are not implemented.
"""
import warnings

from ..tensor import Tensor
from .activation import require_floating
from .elementwise import clamp, floor, round, where
from .matmul import matmul
from .pool import GatherPlanes

ALIGN_CORNERS_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since "
                         "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
                         "documentation of grid_sample for details.")
MODES = ("bilinear", "nearest")
PADDING_MODES = ("zeros", "border", "reflection")


def _align_corners(align_corners):
    """PyTorch's default, False, with its warning where align_corners is not given."""
    if align_corners is None:
        warnings.warn(ALIGN_CORNERS_WARNING, UserWarning, stacklevel=3)
        return False
    return bool(align_corners)


def _base_coordinates(xp, steps, align_corners, dtype):
    """PyTorch's linspace_from_neg_one: the normalised coordinates of `steps` pixel centres along one axis."""
    if steps <= 1:
        return xp.zeros(steps, dtype=dtype)
    points = xp.linspace(-1, 1, steps, dtype=dtype)
    return points if align_corners else points * ((steps - 1) / steps)


def affine_grid(theta, size, align_corners=None):
    """The sampling grid (N, H, W, 2) of the affine maps θ (N, 2, 3) for an output of size (N, C, H, W); see the
    module docstring."""
    op = "affine_grid"
    align_corners = _align_corners(align_corners)
    if not isinstance(theta, Tensor) or not theta.is_floating_point():
        raise ValueError(f"{op}: expected theta to be a floating-point Tensor, got "
                         f"{theta.dtype if isinstance(theta, Tensor) else type(theta).__name__}")
    size = tuple(int(n) for n in size)
    if len(size) == 5:
        raise NotImplementedError(f"{op}: 5-D sizes (3-D affine maps of volumes) are not implemented in nanogan, "
                                  f"only 4-D ones (N, C, H, W); got size {size}")
    if len(size) != 4:
        raise NotImplementedError(f"{op}: only 4-D sizes (N, C, H, W) are supported, got size {size}")
    if theta.ndim != 3 or theta.shape[1:] != (2, 3):
        raise ValueError(f"{op}: expected a batch of 2-D affine matrices of shape (N, 2, 3) for size {size}, got "
                         f"theta of shape {theta.shape}")
    if theta.shape[0] != size[0]:
        raise ValueError(f"{op}: theta of shape {theta.shape} holds {theta.shape[0]} matrices but size {size} asks "
                         f"for a batch of {size[0]}")
    height, width = size[2:]
    if align_corners and min(height, width) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation "
                      "of affine_grid for details.", UserWarning, stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"{op}: expected a positive output size, got {size}")
    xp = theta.backend.xp  # the base points are made where theta lives (see pad._source_index)
    xs, ys = (_base_coordinates(xp, n, align_corners, theta.dtype) for n in (width, height))
    base = xp.stack([xp.broadcast_to(xs, (height, width)), xp.broadcast_to(ys[:, None], (height, width)),
                     xp.ones((height, width), dtype=theta.dtype)], axis=-1).reshape(height * width, 3)
    return matmul(Tensor(base), theta.transpose(1, 2)).reshape(size[0], height, width, 2)


def _reflected(coordinate, twice_low, twice_high):
    """coordinate folded into [low, high] by reflection about both ends (PyTorch's reflect_coordinates): its
    distance d from low makes ⌊d / span⌋ flips, even ones leaving low + (d mod span), odd ones high - (d mod span).
    The bounds are given doubled, as PyTorch gives them, so that they are whole numbers."""
    if twice_low == twice_high:
        return coordinate * 0
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    distance = (coordinate - low).abs()
    flips = floor(distance / span)
    extra = distance - flips * span
    even = flips.array % 2 == 0
    return where(even, extra + low, (span - extra) + low)


def _source_coordinate(coordinate, size, padding_mode, align_corners):
    """The normalised coordinate (-1 to 1) in pixels of an axis of `size`, placed by padding_mode (module
    docstring)."""
    if align_corners:
        pixels = (coordinate + 1) / 2 * (size - 1)
    else:
        pixels = ((coordinate + 1) * size - 1) / 2
    if padding_mode == "zeros":
        # a point that is not finite or lies past the int range is put at -100, outside the image, as PyTorch's
        # safe_downgrade_to_int_range puts it: its pixel index would otherwise be a NaN or huge float cast to int
        return where(~(pixels.backend.xp.abs(pixels.array) < 2.0 ** 31), -100.0, pixels)
    if padding_mode == "reflection":
        pixels = _reflected(pixels, 0, 2 * (size - 1)) if align_corners else _reflected(pixels, -1, 2 * size - 1)
    # a NaN coordinate (a NaN point, or an infinite one reflected) reads pixel 0, as PyTorch's clamp takes it (on
    # both its devices); numpy's clip would keep the NaN, which the taps then read as outside the image, 0
    pixels = where(pixels.backend.xp.isnan(pixels.array), 0.0, pixels)
    return clamp(pixels, 0, size - 1)


def _tap(x, rows, cols, weight):
    """x[n, c, rows[n, i, j], cols[n, i, j]]·weight[n, i, j] for every channel, 0 where (rows, cols) lies outside
    the image (those positions read pixel 0 and weigh 0)."""
    xp = x.backend.xp
    batch, channels, height, width = x.shape
    inside = ((rows >= 0) & (rows < height) & (cols >= 0) & (cols < width))[:, None]
    flat = xp.where(inside, rows[:, None] * width + cols[:, None], 0)
    index = xp.ascontiguousarray(xp.broadcast_to(flat, (batch, channels) + rows.shape[1:]))
    return GatherPlanes.apply(x, index=index) * where(inside, weight.unsqueeze(1), 0.0)


def _bilinear(x, ix, iy):
    """Σ over the four pixels around (ix, iy) of the pixel times its weight (module docstring)."""
    xp = x.backend.xp
    left, top = xp.floor(ix.array), xp.floor(iy.array)
    # PyTorch's weights, rounded as it rounds them: distances to the far neighbour for the near one, and back
    weights_x = (Tensor(left + 1) - ix, ix - Tensor(left))
    weights_y = (Tensor(top + 1) - iy, iy - Tensor(top))
    left, top = left.astype(xp.int64), top.astype(xp.int64)
    taps = [_tap(x, top + a, left + b, weight_y * weight_x)
            for a, weight_y in enumerate(weights_y) for b, weight_x in enumerate(weights_x)]
    return taps[0] + taps[1] + taps[2] + taps[3]


def _nearest(x, ix, iy):
    """The pixel nearest to (ix, iy), halves to even; 0 outside the image. Its weight is 1 as a function of the
    grid through rint, rint(ix) - rint(ix) + 1 with the second rint a constant: so the grid's gradient is rint's,
    zeros, as PyTorch gives, where a grid left out of the graph would make ng.grad refuse it as unused."""
    xp = x.backend.xp
    cols, rows = xp.rint(ix.array), xp.rint(iy.array)
    weight = (round(ix) - Tensor(cols)) + (round(iy) - Tensor(rows)) + 1
    return _tap(x, rows.astype(xp.int64), cols.astype(xp.int64), weight)


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """input (N, C, H, W) sampled at grid (N, Ho, Wo, 2)'s points -> (N, C, Ho, Wo); see the module docstring."""
    op = "grid_sample"
    if mode == "bicubic":
        raise NotImplementedError(f"{op}: mode 'bicubic' is not implemented in nanogan; only {MODES} are")
    if mode not in MODES:
        raise ValueError(f"{op}: expected mode to be one of {MODES}, got {mode!r}")
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"{op}: expected padding_mode to be one of {PADDING_MODES}, got {padding_mode!r}")
    align_corners = _align_corners(align_corners)
    require_floating(op, input, grid)
    if input.ndim == 5:
        raise NotImplementedError(f"{op}: 5-D (volumetric) input is not implemented in nanogan, only 4-D input "
                                  f"(N, C, H, W); got input of shape {input.shape} and grid of shape {grid.shape}")
    if input.ndim != 4 or grid.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W) and a 4-D grid (N, H_out, W_out, 2), got input "
                         f"of shape {input.shape} and grid of shape {grid.shape}")
    if grid.shape[0] != input.shape[0] or grid.shape[3] != 2:
        raise ValueError(f"{op}: expected a grid of shape ({input.shape[0]}, H_out, W_out, 2) for input of shape "
                         f"{input.shape}, got grid of shape {grid.shape}")
    if 0 in input.shape[2:]:
        raise ValueError(f"{op}: expected input with non-empty spatial dimensions, got shape {input.shape}")
    if input.dtype != grid.dtype:
        raise TypeError(f"{op}: input ({input.dtype}) and grid ({grid.dtype}) must share one dtype")
    height, width = input.shape[2:]
    ix = _source_coordinate(grid[..., 0], width, padding_mode, align_corners)
    iy = _source_coordinate(grid[..., 1], height, padding_mode, align_corners)
    return (_bilinear if mode == "bilinear" else _nearest)(input, ix, iy)
