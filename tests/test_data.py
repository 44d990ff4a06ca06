"""Tests of nanogan.data: IDX parsing, dataset search and download, toy distributions, the minibatch loader."""
import gzip
import hashlib
import re
import struct
import urllib.error
from pathlib import Path

import numpy as np
import pytest

import nanogan as ng
from harness import refused_as_by_torch

from nanogan.data import mnist as mnist_module
from nanogan.data import (TOY_DATASETS, DataLoader, DatasetNotFoundError, GaussianMixture2D, IdxFormatError, find_split,
                          get_toy, images_to_float, load_mnist, load_mnist_for_training, read_idx)

REAL_MNIST_DIR = Path("/work/shared/data/mnist")
IDX_UINT8 = 0x08


def idx_bytes(array: np.ndarray) -> bytes:
    """IDX encoding of a uint8 array, written independently of the reader under test."""
    header = struct.pack(">BBBB", 0, 0, IDX_UINT8, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_split(folder: Path, split: str, count: int = 5, seed: int = 0, compress: bool = True):
    """Write a tiny MNIST-format split into `folder`; returns the (images, labels) written."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=count, dtype=np.uint8)
    folder.mkdir(parents=True, exist_ok=True)
    for stem, array in zip(mnist_module.SPLIT_STEMS[split], (images, labels)):
        content = idx_bytes(array)
        if compress:
            (folder / f"{stem}.gz").write_bytes(gzip.compress(content))
        else:
            (folder / stem).write_bytes(content)
    return images, labels


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No real data or network: HOME, $NANOGAN_DATA and the system folder point into tmp_path, downloads fail."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("NANOGAN_DATA", raising=False)
    monkeypatch.setattr(mnist_module, "SYSTEM_DATA_DIR", tmp_path / "system")

    def no_network(url, timeout=None):
        raise urllib.error.URLError(f"no network in tests ({url})")

    monkeypatch.setattr(mnist_module, "fetch_url", no_network)
    return tmp_path


# --- IDX parsing -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("compress", [True, False])
def test_load_small_split_round_trips(isolated, compress):
    images, labels = write_split(isolated / "data", "test", compress=compress)
    loaded_images, loaded_labels = load_mnist("test", isolated / "data", download=False)
    assert loaded_images.dtype == np.uint8 and loaded_images.shape == (5, 28, 28)
    assert loaded_labels.dtype == np.int64
    np.testing.assert_array_equal(loaded_images, images)
    np.testing.assert_array_equal(loaded_labels, labels)


def test_read_idx_with_huge_header_sizes_reports_the_file_not_an_overflow(tmp_path):
    """Header sizes whose product passes 2^63 are compared exactly, so the truncation error naming the file
    fires (int64 arithmetic wrapped them into a negative or zero size)."""
    path = tmp_path / "huge.idx"
    for shape, payload_bytes in (((60000, 2**31, 2**31), 60000 * 2**62), ((2**32 - 1, 2**32 - 1), (2**32 - 1) ** 2)):
        path.write_bytes(struct.pack(f">BBBB{len(shape)}I", 0, 0, IDX_UINT8, len(shape), *shape) + bytes(4))
        with pytest.raises(IdxFormatError, match=rf"{re.escape(str(path))}: truncated: header declares shape "
                                                 rf"{re.escape(str(shape))} of uint8 = {payload_bytes} payload "
                                                 r"bytes, file holds 4"):
            read_idx(path)


def test_read_idx_other_types(tmp_path):
    values = (np.arange(6).reshape(2, 3) - 3).astype(">i4")
    path = tmp_path / "ints.idx"
    path.write_bytes(struct.pack(">BBBBII", 0, 0, 0x0C, 2, 2, 3) + values.tobytes())
    np.testing.assert_array_equal(read_idx(path), values)


def test_truncated_file_names_the_file(isolated):
    write_split(isolated / "data", "test")
    images_file = isolated / "data" / "t10k-images-idx3-ubyte.gz"
    images_file.write_bytes(gzip.compress(gzip.decompress(images_file.read_bytes())[:-10]))
    with pytest.raises(IdxFormatError, match="truncated") as info:
        load_mnist("test", isolated / "data", download=False)
    assert str(images_file) in str(info.value)


def test_truncated_gzip_stream_names_the_file(isolated):
    write_split(isolated / "data", "test")
    labels_file = isolated / "data" / "t10k-labels-idx1-ubyte.gz"
    labels_file.write_bytes(labels_file.read_bytes()[:20])
    with pytest.raises(IdxFormatError, match="gzip") as info:
        load_mnist("test", isolated / "data", download=False)
    assert str(labels_file) in str(info.value)


def test_wrong_magic_names_the_file(isolated):
    write_split(isolated / "data", "test")
    images_file = isolated / "data" / "t10k-images-idx3-ubyte.gz"
    content = bytearray(gzip.decompress(images_file.read_bytes()))
    content[0] = 0x12
    images_file.write_bytes(gzip.compress(bytes(content)))
    with pytest.raises(IdxFormatError, match="magic") as info:
        load_mnist("test", isolated / "data", download=False)
    assert str(images_file) in str(info.value)


def test_labels_as_images_is_rejected(isolated):
    write_split(isolated / "data", "test")
    folder = isolated / "data"
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes((folder / "t10k-labels-idx1-ubyte.gz").read_bytes())
    with pytest.raises(IdxFormatError, match="1 dimensions, expected 3"):
        load_mnist("test", folder, download=False)


def test_image_label_count_mismatch(isolated):
    folder = isolated / "data"
    write_split(folder, "test", count=5)
    labels = np.zeros(4, dtype=np.uint8)
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(labels)))
    with pytest.raises(IdxFormatError, match="5 images but .* 4 labels"):
        load_mnist("test", folder, download=False)


# --- search order, download, errors ----------------------------------------------------------------------------

def test_search_order(isolated, monkeypatch):
    """Argument first (the folder itself, then its <name>/ subfolder), then $NANOGAN_DATA, cache, system folder."""
    system = isolated / "system" / "mnist"
    cache = isolated / "home" / ".cache" / "nanogan" / "mnist"
    env_root = isolated / "env"
    argument_parent = isolated / "arg"
    marks = {}
    for mark, folder in enumerate([system, cache, env_root / "mnist", argument_parent / "mnist"]):
        write_split(folder, "test", count=mark + 1)
        marks[folder] = mark + 1
    monkeypatch.setenv("NANOGAN_DATA", str(env_root))

    def count_loaded(data_dir=None):
        return len(load_mnist("test", data_dir, download=False)[0])

    assert count_loaded(argument_parent) == marks[argument_parent / "mnist"]
    assert count_loaded(argument_parent / "mnist") == marks[argument_parent / "mnist"]
    assert count_loaded() == marks[env_root / "mnist"]
    monkeypatch.delenv("NANOGAN_DATA")
    assert count_loaded() == marks[cache]
    for stem in mnist_module.SPLIT_STEMS["test"]:
        (cache / f"{stem}.gz").unlink()
    assert count_loaded() == marks[system]


def test_folder_with_only_one_of_the_two_files_is_skipped(isolated):
    write_split(isolated / "first", "test", count=2)
    (isolated / "first" / "t10k-labels-idx1-ubyte.gz").unlink()
    write_split(isolated / "home" / ".cache" / "nanogan" / "mnist", "test", count=3)
    assert len(load_mnist("test", isolated / "first", download=False)[0]) == 3


def test_missing_everywhere_lists_every_place(isolated, monkeypatch):
    monkeypatch.setenv("NANOGAN_DATA", str(isolated / "env"))
    (isolated / "arg").mkdir()
    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist("train", isolated / "arg", name="fashion-mnist")
    message = str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    for place in [isolated / "arg", isolated / "arg" / "fashion-mnist", isolated / "env" / "fashion-mnist",
                  isolated / "home" / ".cache" / "nanogan" / "fashion-mnist", isolated / "system" / "fashion-mnist"]:
        assert str(place) in message
    assert "no network in tests" in message
    assert "NANOGAN_DATA" in message and "apt-get install dataset-fashion-mnist" in message


def test_a_data_dir_that_is_not_a_folder_is_refused(isolated, monkeypatch):
    """A mistyped data_dir used to fall through to the other folders searched and load what they held."""
    write_split(isolated / "env" / "mnist", "test")
    monkeypatch.setenv("NANOGAN_DATA", str(isolated / "env"))
    mistyped = isolated / "dtaa"
    for load in (lambda: load_mnist("test", mistyped), lambda: load_mnist_for_training("mnist", mistyped)):
        with pytest.raises(DatasetNotFoundError, match=f"^data_dir {mistyped}: no such folder$"):
            load()


def test_download_verifies_md5_and_lands_in_cache(isolated, monkeypatch, capsys):
    images, labels = np.zeros((2, 28, 28), np.uint8), np.array([3, 4], np.uint8)
    served = {"t10k-images-idx3-ubyte.gz": gzip.compress(idx_bytes(images)),
              "t10k-labels-idx1-ubyte.gz": gzip.compress(idx_bytes(labels))}
    expected_md5 = {name[:-3]: hashlib.md5(content).hexdigest() for name, content in served.items()}
    source = mnist_module.DATASETS["mnist"]
    monkeypatch.setitem(mnist_module.DATASETS, "mnist",
                        mnist_module.DatasetSource(source.title, source.mirrors, {**source.md5, **expected_md5},
                                                   source.how_to_install))
    requested = []

    def fake_fetch(url, timeout=None):
        requested.append(url)
        return served[url.rsplit("/", 1)[1]]

    monkeypatch.setattr(mnist_module, "fetch_url", fake_fetch)
    cache = isolated / "home" / ".cache" / "nanogan" / "mnist"
    cache.mkdir(parents=True)
    (cache / ".t10k-images-idx3-ubyte.gz.tmp-0123456789abcdef").write_bytes(b"what a killed download left")
    loaded_images, loaded_labels = load_mnist("test")
    np.testing.assert_array_equal(loaded_labels, [3, 4])
    assert len(requested) == 2 and all("t10k" in url for url in requested)  # the test split alone
    assert capsys.readouterr().err.splitlines() == [f"downloading {url}" for url in requested]  # before each wait
    assert sorted(p.name for p in cache.iterdir()) == sorted(served)


def test_md5_mismatch_leaves_no_file(isolated, monkeypatch):
    monkeypatch.setattr(mnist_module, "fetch_url", lambda url, timeout=None: b"not the real file")
    with pytest.raises(DatasetNotFoundError, match="md5 mismatch"):
        load_mnist("test")
    cache = isolated / "home" / ".cache" / "nanogan" / "mnist"
    assert not cache.exists() or not any(cache.iterdir())


def test_unknown_name_and_split():
    with pytest.raises(ValueError, match="fashion-mnist"):
        load_mnist("test", name="kmnist", download=False)
    with pytest.raises(ValueError, match="valid splits"):
        load_mnist("validation", download=False)


def test_training_falls_back_to_test_split_with_warning(isolated):
    write_split(isolated / "data", "test", count=4)
    assert find_split("mnist", "train", isolated / "data") is None
    with pytest.warns(UserWarning, match="'test' split instead"):
        images, labels, split = load_mnist_for_training("mnist", isolated / "data")
    assert split == "test" and images.shape == (4, 28, 28)
    write_split(isolated / "data", "train", count=6)
    assert load_mnist_for_training("mnist", isolated / "data")[2] == "train"


def test_images_to_float():
    images = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    unit = images_to_float(images)
    assert unit.dtype == np.float32 and unit.shape == (1, 1, 2, 2)
    np.testing.assert_allclose(unit[0, 0], [[0.0, 1.0], [0.2, 0.4]], rtol=1e-6)
    symmetric = images_to_float(images, (-1.0, 1.0))
    assert symmetric.min() == -1.0 and symmetric.max() == 1.0


@pytest.mark.skipif(not (REAL_MNIST_DIR / "t10k-images-idx3-ubyte.gz").exists(), reason="real MNIST test split absent")
def test_real_mnist_test_split():
    images, labels = load_mnist("test", REAL_MNIST_DIR, download=False)
    assert images.shape == (10000, 28, 28) and labels.shape == (10000,)
    assert labels[0] == 7 and set(np.unique(labels)) == set(range(10))


# --- toy distributions -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(TOY_DATASETS))
def test_toy_shape_dtype_determinism(name):
    sampler = get_toy(name)
    first = sampler(300, np.random.default_rng(7))
    assert first.shape == (300, 2) and first.dtype == np.float32 and np.isfinite(first).all()
    np.testing.assert_array_equal(first, sampler(300, np.random.default_rng(7)))
    assert not np.array_equal(first, sampler(300, np.random.default_rng(8)))


def test_ring8_pacgan_geometry():
    samples = get_toy("ring8_pacgan")(2000, np.random.default_rng(0))
    radius = np.linalg.norm(samples, axis=1)
    assert abs(radius.mean() - 1.0) < 0.002 and radius.std() < 0.015
    angles = np.round(np.arctan2(samples[:, 1], samples[:, 0]) / (np.pi / 4)) % 8
    assert set(angles.astype(int)) == set(range(8))


def test_grid25_scalings():
    pacgan = get_toy("grid25_pacgan")(5000, np.random.default_rng(0))
    wgangp = get_toy("grid25_wgangp")(5000, np.random.default_rng(0))
    assert set(np.round(pacgan[:, 0] / 2).astype(int)) == {-2, -1, 0, 1, 2}
    np.testing.assert_allclose(pacgan.max(axis=0), 4.0, atol=0.3)
    np.testing.assert_allclose(wgangp.max(axis=0), 4.0 / 2.828, atol=0.1)
    ring = get_toy("ring8_wgangp")(1000, np.random.default_rng(0))
    np.testing.assert_allclose(np.linalg.norm(ring, axis=1).mean(), 2.0 / 1.414, atol=0.005)


def test_unknown_toy_lists_names():
    with pytest.raises(KeyError, match="ring8_pacgan"):
        get_toy("ring9")


# --- loader ----------------------------------------------------------------------------------------------------

def test_loader_covers_epoch_once_with_shuffle():
    x = np.arange(20)
    loader = DataLoader(x, batch_size=5, seed=3)
    assert len(loader) == 4
    batches = list(loader)
    assert len(batches) == 4 and all(len(batch) == 5 for batch in batches)
    assert sorted(np.concatenate(batches)) == list(range(20))
    assert not np.array_equal(np.concatenate(batches), x)
    second_epoch = np.concatenate(list(loader))
    assert sorted(second_epoch) == list(range(20)) and not np.array_equal(second_epoch, np.concatenate(batches))


def test_loader_drop_last():
    x, y = np.arange(23), np.arange(23) * 10
    dropped = list(DataLoader(x, y, batch_size=5, seed=1))
    assert len(dropped) == 4 and all(len(xb) == 5 for xb, _ in dropped)
    assert all(np.array_equal(yb, xb * 10) for xb, yb in dropped)
    kept = list(DataLoader(x, batch_size=5, drop_last=False, shuffle=False))
    assert [len(batch) for batch in kept] == [5, 5, 5, 5, 3]
    np.testing.assert_array_equal(np.concatenate(kept), x)
    with pytest.raises(ValueError, match="no batch"):
        DataLoader(np.arange(3), batch_size=5)
    with pytest.raises(ValueError, match="y has 4"):
        DataLoader(np.arange(3), np.arange(4), batch_size=1)


def test_loader_checks_batch_size_type_and_takes_lists_up_front():
    """A float or bool batch_size is refused when the loader is made (a float failed later, in len(); True read as 1);
    lists of samples and labels are batched like the arrays they convert to."""
    for batch_size in (4.0, True):
        with pytest.raises(ValueError, match=rf"DataLoader: batch_size must be an int >= 1, got {batch_size}"):
            DataLoader(np.arange(8), batch_size=batch_size)
    batches = list(DataLoader([[0, 1], [2, 3], [4, 5]], [7, 8, 9], batch_size=2, shuffle=False, drop_last=False))
    assert [(xb.tolist(), yb.tolist()) for xb, yb in batches] == [([[0, 1], [2, 3]], [7, 8]), ([[4, 5]], [9])]


def test_loader_reproducible_from_seed():
    x = np.arange(50)
    first = np.concatenate(list(DataLoader(x, batch_size=10, seed=5)))
    np.testing.assert_array_equal(first, np.concatenate(list(DataLoader(x, batch_size=10, seed=5))))
    assert not np.array_equal(first, np.concatenate(list(DataLoader(x, batch_size=10, seed=6))))


def test_loader_state_round_trip_continues_identically():
    x = np.arange(30).reshape(15, 2)
    reference = DataLoader(x, batch_size=4, seed=11)
    stream = reference.infinite()
    expected = [next(stream) for _ in range(10)]  # crosses epoch boundaries (3 batches per epoch)

    interrupted = DataLoader(x, batch_size=4, seed=11)
    stream = interrupted.infinite()
    seen = [next(stream) for _ in range(5)]
    state = interrupted.state_dict()
    resumed = DataLoader(x, batch_size=4, seed=0)
    resumed.load_state_dict(state)
    assert (state["epoch"], state["batch_in_epoch"]) == (1, 2)
    rest = [next(resumed.infinite()) for _ in range(1)] + list(resumed)  # epoch 1's last batch, then all of epoch 2
    rest += [next(resumed.infinite()) for _ in range(1)]
    for got, want in zip(seen + rest, expected):
        np.testing.assert_array_equal(got, want)
    assert len(seen + rest) == 10

    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(x, batch_size=5).load_state_dict(state)


# --- bad input: half a split, labels outside the classes, toy mixtures and random sources -----------------------

@pytest.mark.parametrize("kept, removed", [("images", "labels"), ("labels", "images")])
def test_half_a_split_names_the_file_found_and_the_one_missing(isolated, kept, removed):
    """The error listed every folder searched and said only "split not found"."""
    folder = isolated / "data"
    write_split(folder, "test")
    stems = dict(zip(("images", "labels"), mnist_module.SPLIT_STEMS["test"]))
    (folder / f"{stems[removed]}.gz").unlink()
    with pytest.raises(DatasetNotFoundError, match=re.escape(
            f"  {folder}  [data_dir argument]\n    the {kept} file was found at {folder / stems[kept]}.gz, "
            f"but the {removed} file {stems[removed]}[.gz] is missing\n  {folder / 'mnist'}  [data_dir argument]\n")):
        load_mnist("test", folder, download=False)


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])
def test_labels_outside_the_ten_classes_are_refused_naming_the_file(isolated, name):
    """A label of 200 loaded silently; the error came later from one_hot, far from the file."""
    folder = isolated / "data"
    write_split(folder, "test", count=5)
    labels_file = folder / "t10k-labels-idx1-ubyte.gz"
    labels_file.write_bytes(gzip.compress(idx_bytes(np.array([3, 10, 9, 200, 0], np.uint8))))
    title = mnist_module.DATASETS[name].title
    with pytest.raises(IdxFormatError, match=re.escape(f"{labels_file}: 2 labels outside the 10 {title} classes "
                                                       "0..9, the first 10 at index 1")):
        load_mnist("test", folder, name=name, download=False)


@pytest.mark.parametrize("centers, stds, shown", [
    (np.zeros((0, 2)), 1.0, "centers must have shape (k, 2) with k >= 1, got (0, 2)"),  # failed when sampled
    ([[0.0, 0.0], [np.nan, 1.0]], 1.0, "centers must be finite, got NaN or inf in rows [1]"),
    (np.zeros((3, 2)), [1.0, 2.0], "stds must be a scalar or one per centre, shape (3,), got shape (2,)"),  # numpy
    (np.zeros((3, 2)), -1.0, "stds must be finite and > 0, got -1.0"),  # sampled as if it were 1.0
    (np.zeros((2, 2)), [0.1, np.nan], "stds must be finite and > 0, got [0.1, nan]"),
])
def test_gaussian_mixture_refuses_bad_components(centers, stds, shown):
    with pytest.raises(ValueError, match=re.escape(f"GaussianMixture2D: {shown}")):
        GaussianMixture2D(centers, stds)


@pytest.mark.parametrize("name", ["ring8_pacgan", "moons"])
def test_toy_samplers_take_a_seed_or_none_like_numpy(name):
    """rng=None or an int failed with AttributeError: an int is a seed, None fresh entropy, a Generator advances."""
    sampler = get_toy(name)
    np.testing.assert_array_equal(sampler(50, 3), sampler(50, np.random.default_rng(3)))
    assert sampler(50, None).shape == (50, 2)
    rng = np.random.default_rng(3)
    assert not np.array_equal(sampler(50, rng), sampler(50, rng))


def test_a_loader_refuses_the_state_of_a_run_on_other_data():
    x = np.arange(24, dtype=np.float32).reshape(12, 2)
    saved = DataLoader(x, batch_size=4, seed=1)
    next(iter(saved))
    state = saved.state_dict()
    with pytest.raises(ValueError, match=r"DataLoader.load_state_dict: the state was saved by a run on other data "
                                         r"\(CRC-32 0x[0-9a-f]{8} there, 0x[0-9a-f]{8} here\): another dataset"):
        DataLoader(x * 2, batch_size=4, seed=1).load_state_dict(state)  # the same size, scaled otherwise
    with pytest.raises(ValueError, match="run on other data"):
        DataLoader(x, np.arange(12), batch_size=4, seed=1).load_state_dict(state)  # labels are data too
    same = DataLoader(x.copy(), batch_size=4, seed=1)
    same.load_state_dict(state)
    from_before_the_crc = DataLoader(x * 2, batch_size=4, seed=1)
    from_before_the_crc.load_state_dict({k: v for k, v in state.items() if k != "data_crc"})
    assert same.state_dict() == state and from_before_the_crc.batch_in_epoch == same.batch_in_epoch == 1


# ---- ng.utils.data: torch.utils.data's datasets and loader, for ported code ------------------------------------

def _utils_data(lib):
    return lib.utils.data


class _Pairs:
    """A map-style dataset written once for either library: an image as a numpy array, its label an int, a dict."""

    def __len__(self):
        return 7

    def __getitem__(self, i):
        return np.full((2, 3), i, dtype=np.float32), i % 3, {"weight": float(i) / 2}


@pytest.mark.parametrize("batch_size, drop_last", [(1, False), (3, False), (3, True), (7, False), (10, False)])
def test_the_loader_batches_a_dataset_in_order_as_torchs(batch_size, drop_last):
    torch = pytest.importorskip("torch")
    results = []
    for lib in (ng, torch):
        data = _utils_data(lib)
        tensors = data.TensorDataset(lib.arange(7.0).reshape(7, 1) * 2, lib.arange(7))
        batches = []
        for dataset in (tensors, _Pairs(), data.Subset(tensors, [6, 0, 3])):
            loader = data.DataLoader(dataset, batch_size=batch_size, drop_last=drop_last)
            batches.append((len(loader), [_as_lists(b) for b in loader]))
        results.append(batches)
    assert results[0] == results[1]


def _as_lists(batch):
    if isinstance(batch, dict):
        return {k: _as_lists(v) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return [_as_lists(v) for v in batch]
    return (str(batch.dtype).removeprefix("torch."), np.asarray(batch.numpy()).tolist())


def test_default_collate_is_torchs_on_nested_samples():
    torch = pytest.importorskip("torch")
    samples = [(1, 2.0, True, "a", np.ones(2), {"x": [3, 4.5]}), (5, 6.0, False, "b", np.zeros(2), {"x": [7, 8.5]})]
    ours = ng.utils.data.default_collate(samples)
    theirs = torch.utils.data.default_collate(samples)
    assert ours[3] == theirs[3] == ("a", "b")
    del ours[3], theirs[3]
    assert _as_lists(ours) == _as_lists(theirs)


def test_a_shuffled_loader_serves_each_sample_once_an_epoch_in_a_generators_order():
    dataset = ng.utils.data.TensorDataset(ng.arange(50))
    loader = ng.utils.data.DataLoader(dataset, batch_size=8, shuffle=True, generator=ng.Generator().manual_seed(3))
    first, second = ([int(v) for b in loader for v in b[0].numpy()] for _ in range(2))
    assert sorted(first) == sorted(second) == list(range(50)) and first != second
    again = ng.utils.data.DataLoader(dataset, batch_size=8, shuffle=True, generator=ng.Generator().manual_seed(3))
    assert [int(v) for b in again for v in b[0].numpy()] == first


def test_random_split_subset_and_concat_are_torchs_in_sizes_and_samples():
    torch = pytest.importorskip("torch")
    for lengths in ([0.7, 0.3], [0.34, 0.33, 0.33], [4, 6], [0.5, 0.5]):
        ours = [len(s) for s in ng.utils.data.random_split(ng.utils.data.TensorDataset(ng.arange(10)), lengths)]
        assert ours == [len(s) for s in torch.utils.data.random_split(
            torch.utils.data.TensorDataset(torch.arange(10)), lengths)], lengths
    parts = ng.utils.data.random_split(ng.utils.data.TensorDataset(ng.arange(10)), [3, 7],
                                       generator=ng.Generator().manual_seed(1))
    assert sorted(int(parts[i][j][0]) for i in range(2) for j in range(len(parts[i]))) == list(range(10))
    for lib in (ng, torch):
        data = lib.utils.data
        joined = data.ConcatDataset([data.TensorDataset(lib.arange(3)), data.TensorDataset(lib.arange(10, 14))])
        assert len(joined) == 7 and [int(joined[i][0]) for i in (0, 2, 3, 6, -1)] == [0, 2, 10, 13, 13]


@pytest.mark.parametrize("call, message", [
    (lambda lib: lib.utils.data.random_split(lib.utils.data.TensorDataset(lib.ones(6)), [3, 2]),
     r"random_split: lengths \[3, 2\] are neither counts summing to the 6 samples nor fractions summing to 1"),
    (lambda lib: lib.utils.data.DataLoader(lib.utils.data.TensorDataset(lib.ones(6)), batch_size=0),
     "DataLoader: batch_size must be an int >= 1, got 0"),
])
def test_the_datasets_and_loader_refuse_what_torch_refuses(call, message):
    refused_as_by_torch(call, ValueError, message)


def test_tensor_dataset_refuses_tensors_of_different_lengths_naming_them():  # torch: AssertionError, no sizes
    with pytest.raises(ValueError, match=r"TensorDataset: the tensors' first sizes differ: \[3, 4\]"):
        ng.utils.data.TensorDataset(ng.ones(3), ng.ones(4))
