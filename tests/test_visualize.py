"""Tests of nanogan.gan.visualize's argument checks: bad images, grid settings and toy points are refused with an
error naming the function and the value, instead of a wrong picture or an error from deep inside numpy/matplotlib.
And pictures are written whole or not at all."""
import re

import numpy as np
import pytest

from nanogan.gan.visualize import image_grid, plot_losses, plot_toy, save_image_grid

GREY = np.zeros((4, 1, 5, 5))


@pytest.mark.parametrize("setting, shown", [
    ({"nrow": 0}, "nrow must be an int >= 1, got 0"),  # was a ZeroDivisionError
    ({"nrow": -1}, "nrow must be an int >= 1, got -1"),  # was "negative dimensions are not allowed"
    ({"nrow": 2.5}, "nrow must be an int >= 1, got 2.5"),
    ({"padding": -1}, "padding must be an int >= 0, got -1"),  # was a broadcast error
    ({"value_range": (0,)}, "value_range must be two numbers (low, high), got (0,)"),  # was an unpack error
    ({"value_range": (1, 1)}, "value_range must be finite with low < high, got (1, 1)"),  # was all black
    ({"value_range": (1, 0)}, "value_range must be finite with low < high, got (1, 0)"),  # was inverted
    ({"value_range": (0, float("inf"))}, "value_range must be finite with low < high, got (0, inf)"),
])
def test_image_grid_refuses_bad_settings(setting, shown):
    with pytest.raises(ValueError, match=re.escape(f"image_grid: {shown}")):
        image_grid(GREY, **setting)


def test_image_grid_refuses_no_images():
    with pytest.raises(ValueError, match=re.escape("image_grid: no images to draw, got shape (0, 1, 5, 5)")):
        image_grid(np.zeros((0, 1, 5, 5)))


def test_image_grid_refuses_nan_and_inf_images_naming_them():
    """A NaN pixel was written as black, so a diverged generator's samples looked like a dark picture."""
    images = GREY.copy()
    images[1, 0, 2, 2] = np.nan
    images[3, 0, 0, 0] = -np.inf
    with pytest.raises(ValueError, match=re.escape("image_grid: images [1, 3] of 4 hold NaN or inf pixels; samples "
                                                   "turn NaN when the training diverged")):
        image_grid(images)


def test_image_grid_refuses_3d_arrays_as_ambiguous():
    """(3, H, W) was read as three grey images, where torchvision reads one RGB image; the docstring's contract is
    (N, C, H, W), and adding the axis either way gives the intended grid."""
    stack = np.random.default_rng(0).random((3, 5, 5))
    with pytest.raises(ValueError, match=re.escape("image_grid: expected images of shape (N, 1 or 3, H, W), got "
                                                   "(3, 5, 5); a 3-D array is ambiguous")):
        image_grid(stack)
    assert image_grid(stack[:, None], padding=0).shape == (5, 15)  # three grey images side by side
    assert image_grid(stack[None], padding=0).shape == (5, 5, 3)  # one RGB image


def test_image_grid_still_takes_numpy_ints():
    assert image_grid(GREY, nrow=np.int64(2), padding=np.int64(0), value_range=(np.float32(-1), 1)).shape == (10, 10)


@pytest.mark.parametrize("real, fake, shown", [
    (np.zeros((5, 3)), np.zeros((5, 2)), "real points must have shape (n, 2), got (5, 3)"),
    (np.zeros((5, 2)), np.zeros((2, 5)), "fake points must have shape (n, 2), got (2, 5)"),
    (np.zeros((5, 2)), np.zeros(10), "fake points must have shape (n, 2), got (10,)"),
])
def test_plot_toy_refuses_points_not_of_shape_n_2(tmp_path, real, fake, shown):
    """matplotlib read the extra columns as scatter's `s` or `c` arguments ("got multiple values for argument 's'")."""
    with pytest.raises(ValueError, match=re.escape(f"plot_toy: {shown}")):
        plot_toy(real, fake, tmp_path / "toy.png")
    assert not (tmp_path / "toy.png").exists()


def test_plot_toy_refuses_a_critic_with_the_wrong_number_of_scores(tmp_path):
    with pytest.raises(ValueError, match=re.escape("plot_toy: critic must return one score per point, got shape "
                                                   "(3,) for 256 points")):
        plot_toy(np.zeros((5, 2)), np.zeros((5, 2)), tmp_path / "toy.png", critic=lambda p: np.zeros(3),
                 resolution=16)


def test_pictures_go_into_folders_that_do_not_exist_yet(tmp_path):
    """The checks leave this as it was; a critic's (n, 1) column of scores is one score per point."""
    toy_path, grid_path = tmp_path / "a" / "b" / "toy.png", tmp_path / "c" / "d" / "grid.png"
    plot_toy(np.zeros((5, 2)), np.ones((5, 2)), toy_path, critic=lambda p: p[:, :1], resolution=16)
    save_image_grid(GREY, grid_path)
    assert toy_path.exists() and grid_path.exists()


def test_a_figure_is_written_in_its_suffix_format_and_a_failed_redraw_keeps_the_last(tmp_path, monkeypatch):
    """Figures go through nanogan.atomic: a run stopped while redrawing its loss curves kept a torn PNG before."""
    records = [{"iteration": 1, "d_loss": 1.0, "g_loss": 2.0}, {"iteration": 2, "d_loss": 0.5, "g_loss": 1.0}]
    plot_losses(records, tmp_path / "losses.svg")
    assert (tmp_path / "losses.svg").read_bytes().startswith(b"<?xml")
    plot_losses(records, tmp_path / "losses.png")
    drawn = (tmp_path / "losses.png").read_bytes()
    assert drawn.startswith(b"\x89PNG")

    from matplotlib.figure import Figure

    def stopped_halfway(figure, file, **options):
        file.write(drawn[:100])
        raise KeyboardInterrupt

    monkeypatch.setattr(Figure, "savefig", stopped_halfway)
    with pytest.raises(KeyboardInterrupt):
        plot_losses(records, tmp_path / "losses.png")
    assert (tmp_path / "losses.png").read_bytes() == drawn
    assert sorted(p.name for p in tmp_path.iterdir()) == ["losses.png", "losses.svg"]
