"""Pictures of a run: sample grids (PNG, Pillow), progression strips, loss curves and 2D toy plots
(matplotlib's object API with the Agg canvas, so no display and no pyplot state are needed).

The *_hook functions make Trainer hooks:

    trainer.every(500, sample_grid_hook(value_range=(-1, 1)))   # run_dir/samples/000500.png, fixed z
    trainer.every(500, loss_plot_hook())                          # run_dir/losses.png from the log
"""
import math
import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from ..arguments import int_at_least
from ..atomic import write_atomically
from .trainer import read_log


def image_grid(images, nrow=8, padding=2, value_range=(0.0, 1.0), pad_value=1.0):
    """(N, C, H, W) images with C = 1 or 3 → one uint8 picture, `nrow` images per row, `padding` pixels
    between them (of `pad_value`, in the images' scale). Values are mapped linearly from value_range to
    0..255 and clipped. Returns (rows, cols) for C = 1, (rows, cols, 3) for C = 3.

    A 3-D array is refused rather than guessed at: (3, H, W) could be three grey images or, as torchvision's
    make_grid reads it, one RGB image."""
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        hint = ("; a 3-D array is ambiguous, so add the channel axis: images[:, None] for N grey images "
                "(N, H, W), or image[None] for one (C, H, W) image") if images.ndim == 3 else ""
        raise ValueError(f"image_grid: expected images of shape (N, 1 or 3, H, W), got {images.shape}{hint}")
    if len(images) == 0:
        raise ValueError(f"image_grid: no images to draw, got shape {images.shape}")
    nrow = int_at_least("image_grid", "nrow", nrow, 1)
    padding = int_at_least("image_grid", "padding", padding, 0)
    low, high = _checked_value_range(value_range)
    bad_images = np.flatnonzero(~np.isfinite(images).all(axis=(1, 2, 3)))
    if len(bad_images):
        raise ValueError(f"image_grid: images {bad_images.tolist()} of {len(images)} hold NaN or inf pixels; "
                         "samples turn NaN when the training diverged (look at the losses)")
    n, channels, height, width = images.shape
    columns = min(nrow, n)
    rows = -(-n // columns)
    canvas = np.full((channels, padding + rows * (height + padding), padding + columns * (width + padding)),
                     pad_value, dtype=np.float64)
    for i, image in enumerate(images):
        top = padding + (i // columns) * (height + padding)
        left = padding + (i % columns) * (width + padding)
        canvas[:, top:top + height, left:left + width] = image
    pixels = np.clip((canvas - low) / (high - low), 0.0, 1.0)
    pixels = np.round(pixels * 255).astype(np.uint8)
    return pixels[0] if channels == 1 else pixels.transpose(1, 2, 0)


def _checked_value_range(value_range):
    """(low, high) as floats, refusing all but two finite numbers with low < high: low = high maps every pixel
    to black and low > high inverts the picture, both without an error."""
    try:
        low, high = (float(value) for value in value_range)
    except (TypeError, ValueError):
        raise ValueError(f"image_grid: value_range must be two numbers (low, high), got {value_range!r}") from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"image_grid: value_range must be finite with low < high, got {value_range!r}")
    return low, high


def _save_png(pixels, path):
    """Write a uint8 picture as PNG, whole or not at all (nanogan.atomic)."""
    write_atomically(path, lambda f: Image.fromarray(pixels).save(f, format="PNG"))


def save_image_grid(images, path, nrow=8, value_range=(0.0, 1.0)):
    """image_grid(images) written to `path` as PNG."""
    _save_png(image_grid(images, nrow=nrow, value_range=value_range), path)


CAPTION_HEIGHT = 14


def progression_strip(grid_paths, path, captions=None, gap=4):
    """The sample grids at `grid_paths` (one per snapshot of the same fixed z) side by side, each under its
    caption (default: the file's name, e.g. the iteration), written to `path` as PNG."""
    grids = [Image.open(p).convert("RGB") for p in grid_paths]
    if not grids:
        raise ValueError("progression_strip: no sample grids given")
    captions = captions or [Path(p).stem for p in grid_paths]
    height = max(g.height for g in grids) + CAPTION_HEIGHT
    strip = Image.new("RGB", (sum(g.width for g in grids) + gap * (len(grids) - 1), height), "white")
    draw, left = ImageDraw.Draw(strip), 0
    for grid, caption in zip(grids, captions):
        draw.text((left + 2, 1), str(caption), fill="black")
        strip.paste(grid, (left, CAPTION_HEIGHT))
        left += grid.width + gap
    _save_png(np.asarray(strip), path)


def save_figure(figure, path):
    """Write a matplotlib figure in the format its suffix names (.png, .svg, .pdf, ...), whole or not at all: a run
    stopped while it redraws its loss curves keeps the previous picture."""
    write_atomically(path, lambda f: figure.savefig(f, format=Path(path).suffix[1:] or "png", dpi=100))


def _figure(n_panels):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4.5 * n_panels, 3.5), layout="tight")
    FigureCanvasAgg(figure)
    return figure, [figure.add_subplot(1, n_panels, i + 1) for i in range(n_panels)]


LOSS_PANELS = (("losses", ("d_loss", "g_loss")), ("Wasserstein estimate", ("wasserstein_estimate",)),
               ("gradient penalty", ("gradient_penalty",)),
               ("cycle consistency and identity", ("cycle_loss", "identity_loss")))


def plot_losses(log, path):
    """Curves over generator iterations from a log (path of a log.jsonl, or its records): D's and G's
    losses, and where the variant reports them the Wasserstein estimate, the gradient penalty and CycleGAN's
    cycle-consistency and identity terms."""
    records = read_log(log) if isinstance(log, (str, os.PathLike)) else list(log)
    panels = [(title, keys) for title, keys in LOSS_PANELS if any(k in r for r in records for k in keys)]
    if not panels:
        raise ValueError("plot_losses: the log has no loss records")
    figure, axes = _figure(len(panels))
    for ax, (title, keys) in zip(axes, panels):
        for key in keys:
            points = [(r["iteration"], r[key]) for r in records if key in r]
            if points:
                ax.plot(*zip(*points), label=key, linewidth=1)
        ax.set_title(title)
        ax.set_xlabel("generator iteration")
        ax.legend()
    save_figure(figure, path)


def plot_sample_quality(records, path, reference=None):
    """The classifier score and the Fréchet distance of G's samples over generator iterations (records of
    {"iteration", "classifier_score", "frechet_distance"}, as nanogan.metrics.SampleQuality gives them), with the
    same numbers for real images (`reference`) as dashed lines: the level samples as good as the data reach."""
    if not records:
        raise ValueError("plot_sample_quality: no records")
    figure, axes = _figure(2)
    iterations = [r["iteration"] for r in records]
    for ax, key, title in zip(axes, ("classifier_score", "frechet_distance"),
                              ("classifier score (higher is better)", "Fréchet distance (lower is better)")):
        ax.plot(iterations, [r[key] for r in records], marker="o", linewidth=1, label="G's samples")
        if reference is not None:
            ax.axhline(reference[key], color="gray", linestyle="--", label="real images")
        ax.set(title=title, xlabel="generator iteration")
        ax.legend()
    axes[1].set_yscale("log")
    save_figure(figure, path)


def plot_toy(real, fake, path, critic=None, extent=3.0, resolution=128, title=None):
    """2D real (orange) and generated (green) points, over the contours of `critic` — a function from
    (n, 2) numpy points to n scores — on the square [−extent, extent]², as in the WGAN-GP toy figures."""
    real, fake = _toy_points("real", real), _toy_points("fake", fake)
    figure, (ax,) = _figure(1)
    if critic is not None:
        axis = np.linspace(-extent, extent, resolution)
        xs, ys = np.meshgrid(axis, axis)
        grid = np.stack([xs.ravel(), ys.ravel()], axis=1)
        scores = np.asarray(critic(grid))
        if scores.size != len(grid):
            raise ValueError(f"plot_toy: critic must return one score per point, got shape {scores.shape} "
                             f"for {len(grid)} points")
        ax.contour(xs, ys, scores.reshape(xs.shape), levels=12, linewidths=0.7)
    ax.scatter(*fake.T, c="green", marker="+", s=12, label="generated")
    ax.scatter(*real.T, c="orange", marker="+", s=12, label="data")  # on top: data clusters are small
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_aspect("equal")
    ax.legend(loc="upper right")
    if title:
        ax.set_title(title)
    save_figure(figure, path)


def _toy_points(name, points):
    """`points` as an (n, 2) array, refusing other shapes: matplotlib would read (n, 3) or (2, n) points as
    extra arguments to scatter and fail with an unrelated message."""
    points = np.asarray(points)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"plot_toy: {name} points must have shape (n, 2), got {points.shape}")
    return points


# ---- hooks for Trainer.every ---------------------------------------------------------------------------------
def sample_grid_hook(nrow=8, value_range=(0.0, 1.0), folder="samples"):
    """A hook writing G's samples of the fixed noise to run_dir/<folder>/<iteration>.png."""
    def write_sample_grid(trainer):
        save_image_grid(trainer.samples(), trainer.run_dir / folder / f"{trainer.iteration:06d}.png", nrow,
                        value_range)
    return write_sample_grid


def loss_plot_hook(filename="losses.png"):
    """A hook redrawing run_dir/<filename> from the log."""
    def write_loss_plot(trainer):
        if trainer.log_path.exists():
            plot_losses(trainer.log_path, trainer.run_dir / filename)
    return write_loss_plot
