"""MNIST and Fashion-MNIST from their IDX files: finding them, downloading them, loading them.

Search order for the two files of a split (images and labels, each `<stem>.gz` or uncompressed `<stem>`):

  1. the `data_dir` argument itself, then `data_dir/<name>/`;
  2. `$NANOGAN_DATA/<name>/`;
  3. `~/.cache/nanogan/<name>/` (where downloads go);
  4. `/usr/share/datasets/<name>/` (Debian's dataset packages, e.g. `apt-get install dataset-fashion-mnist`).

When no folder holds both files and `download=True`, the missing files are fetched from the canonical mirrors into
the cache folder, md5-checked, and written atomically (nanogan.atomic).  Files found locally are not md5-checked:
Debian recompresses them, so their checksums differ from the originals; the IDX parser still checks that their
content is consistent. A `data_dir` given must exist: a mistyped one is an error, not a fall-through.
"""
from __future__ import annotations

import hashlib
import os
import sys
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..atomic import write_atomically
from .idx import IdxFormatError, read_idx

DOWNLOAD_TIMEOUT_S = 15.0
ENV_VAR = "NANOGAN_DATA"
SYSTEM_DATA_DIR = Path("/usr/share/datasets")
IMAGE_SIDE = 28
N_CLASSES = 10  # MNIST's digits 0-9, and Fashion-MNIST's ten kinds of clothing

SPLIT_STEMS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


@dataclass(frozen=True)
class DatasetSource:
    title: str
    mirrors: tuple[str, ...]
    md5: dict[str, str]  # md5 of each canonical `<stem>.gz`
    how_to_install: str


DATASETS = {
    "mnist": DatasetSource(
        title="MNIST",
        mirrors=("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
        md5={
            "train-images-idx3-ubyte": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
            "train-labels-idx1-ubyte": "d53e105ee54ea40749a09fcbcd1e9432",
            "t10k-images-idx3-ubyte": "9fb629c4189551a2d022fa330f9573f3",
            "t10k-labels-idx1-ubyte": "ec29112dd5afa0611ce80d1b7f02629c",
        },
        how_to_install="copy the four *-ubyte.gz files of MNIST into one of the folders above",
    ),
    "fashion-mnist": DatasetSource(
        title="Fashion-MNIST",
        mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        md5={
            "train-images-idx3-ubyte": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            "train-labels-idx1-ubyte": "25c81989df183df01b3e8a0aad5dffbe",
            "t10k-images-idx3-ubyte": "bef4ecab320f06d8554ea6380940ec79",
            "t10k-labels-idx1-ubyte": "bb300cfdad3c16e7a12a480ee83cd310",
        },
        how_to_install="on Debian/Ubuntu `apt-get install dataset-fashion-mnist` (installs into "
                       "/usr/share/datasets/fashion-mnist/), or copy the four *-ubyte.gz files into one of the folders above",
    ),
}


class DatasetNotFoundError(FileNotFoundError):
    """The files of a dataset split are in none of the searched folders and could not be downloaded."""


@dataclass(frozen=True)
class SplitFiles:
    images: Path
    labels: Path


def _check_name_and_split(name: str, split: str) -> DatasetSource:
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; valid names: {sorted(DATASETS)}")
    if split not in SPLIT_STEMS:
        raise ValueError(f"unknown split {split!r} of {name}; valid splits: {sorted(SPLIT_STEMS)}")
    return DATASETS[name]


def cache_dir(name: str) -> Path:
    """Where downloads of dataset `name` go: ~/.cache/nanogan/<name>/."""
    return Path.home() / ".cache" / "nanogan" / name


def search_dirs(name: str, data_dir: str | os.PathLike | None = None) -> list[tuple[Path | None, str]]:
    """The folders searched for dataset `name`, in order, each with a description; None marks an unset $NANOGAN_DATA."""
    dirs: list[tuple[Path | None, str]] = []
    if data_dir is not None:
        dirs += [(Path(data_dir), "data_dir argument"), (Path(data_dir) / name, "data_dir argument")]
    env_root = os.environ.get(ENV_VAR)
    dirs.append((Path(env_root) / name if env_root else None, f"${ENV_VAR}/{name}"))
    dirs.append((cache_dir(name), "download cache"))
    dirs.append((SYSTEM_DATA_DIR / name, "Debian dataset packages"))
    return dirs


def _file_in(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / f"{stem}.gz", folder / stem):
        if candidate.is_file():
            return candidate
    return None


def find_split(name: str, split: str, data_dir: str | os.PathLike | None = None) -> SplitFiles | None:
    """The image and label files of `split` from the first searched folder holding both, or None (no download)."""
    _check_name_and_split(name, split)
    images_stem, labels_stem = SPLIT_STEMS[split]
    for folder, _ in search_dirs(name, data_dir):
        if folder is None:
            continue
        images, labels = _file_in(folder, images_stem), _file_in(folder, labels_stem)
        if images is not None and labels is not None:
            return SplitFiles(images, labels)
    return None


def fetch_url(url: str, timeout: float = DOWNLOAD_TIMEOUT_S) -> bytes:
    """The body of `url`; the only function here that touches the network (tests replace it)."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def _download_file(source: DatasetSource, stem: str, folder: Path) -> list[str]:
    """Fetch `<stem>.gz` into `folder` from the first mirror that serves it with the right md5.

    Returns the failure of each mirror tried (empty on success, when the file is in place)."""
    failures = []
    for mirror in source.mirrors:
        url = f"{mirror}{stem}.gz"
        print(f"downloading {url}", file=sys.stderr, flush=True)  # a network that drops packets waits the timeout
        try:
            content = fetch_url(url)
        except OSError as err:  # URLError, HTTPError and timeouts are all OSErrors
            failures.append(f"{url}: {err}")
            continue
        digest = hashlib.md5(content).hexdigest()
        if digest != source.md5[stem]:
            failures.append(f"{url}: md5 mismatch, got {digest}, expected {source.md5[stem]}; file discarded")
            continue
        write_atomically(folder / f"{stem}.gz", lambda f: f.write(content))
        return []
    return failures


def _download_split(source: DatasetSource, name: str, split: str) -> list[str]:
    """Download the files of `split` that the cache lacks; returns the failures (empty when all are in place)."""
    folder = cache_dir(name)
    failures = []
    for stem in SPLIT_STEMS[split]:
        if _file_in(folder, stem) is None:
            failures += _download_file(source, stem, folder)
    return failures


def _half_split_note(folder: Path, split: str) -> list[str]:
    """For a folder holding one file of `split` but not the other, a line saying which was found where and which is
    missing (the split is then "not found" although half of it is there); otherwise no line."""
    found, missing = [], []
    for kind, stem in zip(("images", "labels"), SPLIT_STEMS[split]):
        path = _file_in(folder, stem)
        if path is None:
            missing.append(f"the {kind} file {stem}[.gz] is missing")
        else:
            found.append(f"the {kind} file was found at {path}")
    return [f"    {found[0]}, but {missing[0]}"] if found and missing else []


def _not_found_message(source: DatasetSource, name: str, split: str, data_dir, download_failures) -> str:
    images_stem, labels_stem = SPLIT_STEMS[split]
    lines = [f"{source.title} {split!r} split not found: looked for {images_stem}[.gz] and {labels_stem}[.gz] in"]
    for folder, description in search_dirs(name, data_dir):
        lines.append(f"  {folder if folder is not None else '(not set)'}  [{description}]")
        if folder is not None:
            lines += _half_split_note(folder, split)
    if download_failures is None:
        lines.append("Download was not attempted (download=False).")
    else:
        lines.append(f"Download into {cache_dir(name)} failed:")
        lines += [f"  {failure}" for failure in download_failures]
    lines.append(f"To provide the files: pass data_dir=... (the examples' --data-dir), or set {ENV_VAR} to a folder "
                 f"holding a {name}/ subfolder, or put them in {cache_dir(name)}; {source.how_to_install}.")
    return "\n".join(lines)


def _check_data_dir(data_dir) -> None:
    """A data_dir given must be a folder: a mistyped one would otherwise fall through to the other folders
    searched and train, silently, on whatever they hold."""
    if data_dir is not None and not Path(data_dir).is_dir():
        raise DatasetNotFoundError(f"data_dir {data_dir}: no such folder")


def load_mnist(split: str = "train", data_dir: str | os.PathLike | None = None, name: str = "mnist",
               download: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Load one split of MNIST or Fashion-MNIST.

    Returns (images, labels): images uint8 of shape (N, 28, 28), labels int64 of shape (N,).
    Raises DatasetNotFoundError (a FileNotFoundError) naming every folder searched when the files are nowhere and
    cannot be downloaded, and IdxFormatError naming the file when a file is corrupt or inconsistent, or a label is
    outside the classes 0..9.
    """
    source = _check_name_and_split(name, split)
    _check_data_dir(data_dir)
    files = find_split(name, split, data_dir)
    download_failures = None
    if files is None and download:
        download_failures = _download_split(source, name, split)
        files = find_split(name, split, data_dir)
    if files is None:
        raise DatasetNotFoundError(_not_found_message(source, name, split, data_dir, download_failures))

    images = read_idx(files.images, expected_ndim=3)
    labels = read_idx(files.labels, expected_ndim=1)
    if images.dtype != np.uint8 or images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise IdxFormatError(f"{files.images}: expected uint8 images of {IMAGE_SIDE}x{IMAGE_SIDE}, "
                             f"found {images.dtype} of shape {images.shape}")
    if len(images) != len(labels):
        raise IdxFormatError(f"{source.title} {split}: {files.images} holds {len(images)} images but "
                             f"{files.labels} holds {len(labels)} labels")
    outside = (labels < 0) | (labels >= N_CLASSES)
    if outside.any():  # refused here, not later by one_hot or a conditional model, far from the file
        first = np.flatnonzero(outside)[0]
        raise IdxFormatError(f"{files.labels}: {np.count_nonzero(outside)} labels outside the {N_CLASSES} "
                             f"{source.title} classes 0..{N_CLASSES - 1}, the first {labels[first]} at index {first}")
    return images, labels.astype(np.int64)


def images_to_float(images: np.ndarray, value_range: tuple[float, float] = (0.0, 1.0)) -> np.ndarray:
    """uint8 images (N, H, W) as float32 (N, 1, H, W), mapping 0..255 linearly onto `value_range`.

    (0, 1) is the usual scaling; (-1, 1) matches a generator with a tanh output."""
    if images.dtype != np.uint8 or images.ndim != 3:
        raise ValueError(f"images_to_float: expected uint8 images of shape (N, H, W), got {images.dtype} "
                         f"of shape {images.shape}")
    low, high = value_range
    unit = images.astype(np.float32) / np.float32(255.0)  # dividing first keeps 0 and 255 exact at both ends
    return (unit * np.float32(high - low) + np.float32(low))[:, None, :, :]


def load_mnist_for_training(name: str = "mnist", data_dir: str | os.PathLike | None = None,
                            download: bool = True) -> tuple[np.ndarray, np.ndarray, str]:
    """(images, labels, split_used): the train split, or the test split with a warning when train is unavailable.
    Raises DatasetNotFoundError when neither split is found."""
    _check_data_dir(data_dir)
    try:
        return (*load_mnist("train", data_dir, name, download), "train")
    except DatasetNotFoundError as train_missing:
        try:
            images, labels = load_mnist("test", data_dir, name, download)
        except DatasetNotFoundError as test_missing:  # one error, not the train split's inside the test split's
            raise DatasetNotFoundError(f"{_check_name_and_split(name, 'test').title}: neither the 'train' nor the "
                                       f"'test' split is there to train on\n{test_missing}") from None
        first_line = str(train_missing).splitlines()[0]
        warnings.warn(f"{first_line}; training on the {len(images)}-image 'test' split instead", stacklevel=2)
        return images, labels, "test"
