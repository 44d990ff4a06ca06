"""Checkpoint files (gan.save_checkpoint / load_checkpoint, Module.save / load): every value comes back from
its own member whatever the keys, what could not be read back is refused before anything is written, an
unreadable file is named in the error, and files are written atomically with the mode open() gives."""
import io
import json
import os
import stat

import numpy as np
import pytest

import nanogan as ng
from nanogan import gan, nn


def round_trip(tmp_path, state):
    path = tmp_path / "c.npz"
    gan.save_checkpoint(path, state)
    return gan.load_checkpoint(path)


def seeded_linear(fill):
    """A Linear(2, 2) whose weight is all `fill` (float32) and bias [0, 1]."""
    layer = nn.Linear(2, 2)
    layer.load_state_dict({"weight": np.full((2, 2), fill), "bias": np.array([0.0, 1.0])})
    return layer


# ---- members and markers --------------------------------------------------------------------------------------
def test_arrays_never_share_a_member_whatever_the_keys(tmp_path):
    # by path, "a/b" and a → b were both "state/a/b", and 0 and "0" both "state/ints/0": the later array won
    state = {"a/b": np.array([1.0]), "a": {"b": np.array([2.0])},
             "ints": {0: np.array([3.0]), "0": np.array([4.0])}}
    back = round_trip(tmp_path, state)
    assert back["a/b"].tolist() == [1.0] and back["a"]["b"].tolist() == [2.0]
    assert list(back["ints"]) == [0, "0"]
    assert back["ints"][0].tolist() == [3.0] and back["ints"]["0"].tolist() == [4.0]
    with np.load(tmp_path / "c.npz", allow_pickle=False) as archive:  # still readable without pickle
        assert sorted(archive.files) == ["__state__", "arrays/0", "arrays/1", "arrays/2", "arrays/3"]


def test_user_keys_that_spell_a_marker_come_back_as_plain_dicts(tmp_path):
    state = {"w": np.array([5.0]),
             "looks_like_an_array": {"__array__": "state/w"},  # read back as the array [5.] before
             "looks_like_a_tuple": {"__tuple__": [1, 2]},      # read back as (1, 2)
             "looks_like_items": {"__items__": [[1, 2]]},      # read back as {1: 2}
             "mixed_keys": {"__array__": "x", 2: "two"}}
    back = round_trip(tmp_path, state)
    assert back.pop("w").tolist() == [5.0]
    assert back == {k: v for k, v in state.items() if k != "w"}


def test_checkpoints_with_members_named_by_path_still_load(tmp_path):
    """The layout written before members were numbered: each array under its path in the state."""
    document = {"format": "nanogan-checkpoint-1",
                "state": {"w": {"__array__": "state/w"}, "betas": {"__tuple__": [0.5, 0.9]},
                          "opt": {"__items__": [[0, {"m": {"__array__": "state/opt/0/m"}}]]}}}
    path = tmp_path / "old.npz"
    np.savez(path, **{"__state__": np.array(json.dumps(document)), "state/w": np.arange(3.0),
                      "state/opt/0/m": np.ones(2)})
    back = gan.load_checkpoint(path)
    assert back["w"].tolist() == [0.0, 1.0, 2.0] and back["betas"] == (0.5, 0.9)
    assert list(back["opt"]) == [0] and back["opt"][0]["m"].tolist() == [1.0, 1.0]


# ---- refused states ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("state, message", [
    ({"o": np.array([1, "a", None], dtype=object)},
     "checkpoint: cannot store an object array at 'state/o' (reading it back needs pickle)"),
    ({"d": {(1, 2): 3}},
     "checkpoint: cannot store the dict key (1, 2) at 'state/d': a key must be str, int, float, bool or None, "
     "not tuple"),
    ({"when": [np.datetime64("2024-01-02")]}, "checkpoint: cannot store date at 'state/when/0'"),
], ids=["object array", "tuple key", "numpy scalar without a JSON form"])
def test_a_state_that_could_not_be_read_back_is_refused_before_anything_is_written(tmp_path, state, message):
    path = tmp_path / "c.npz"
    gan.save_checkpoint(path, {"w": np.arange(3.0)})
    old = path.read_bytes()
    with pytest.raises(TypeError) as refused:
        gan.save_checkpoint(path, state)
    assert str(refused.value) == message
    assert path.read_bytes() == old and os.listdir(tmp_path) == ["c.npz"]
    with pytest.raises(TypeError):
        gan.save_checkpoint(tmp_path / "new" / "c.npz", state)
    assert os.listdir(tmp_path) == ["c.npz"]  # not even the directory


# ---- unreadable files -------------------------------------------------------------------------------------------
def spoiled(good, array, member):
    """Bad versions of the file whose bytes are `good`, {case: (bytes, the reason the error gives)}; `array` is
    stored in it as `member`, and "flipped bit" alters a byte of its data. Each bad way is one zipfile error."""
    flipped = bytearray(good)
    flipped[good.index(array.tobytes()) + 3] ^= 0x10
    name = f"{member}.npy".encode()
    npy = io.BytesIO()
    np.save(npy, np.ones(3))
    return {"empty": (b"", "File is not a zip file"),
            "truncated": (good[:len(good) // 2], "File is not a zip file"),
            "random bytes": (np.random.default_rng(0).bytes(200), "File is not a zip file"),  # np.load: "pickled"
            "a .npy": (npy.getvalue(), "File is not a zip file"),  # np.load: a TypeError about context managers
            "flipped bit": (bytes(flipped), f"Bad CRC-32 for file '{member}.npy'"),
            # zip checksums data, not names: a reference to the renamed (upper-cased: same length) member dangles
            "renamed member": (good.replace(name, name.upper()), f"no member '{member}'")}


@pytest.mark.parametrize("case", ["empty", "truncated", "random bytes", "a .npy", "flipped bit", "renamed member"])
def test_an_unreadable_checkpoint_is_named_in_one_clear_error(tmp_path, case):
    path = tmp_path / "c.npz"
    gan.save_checkpoint(path, {"w": np.full(4, 7.0)})
    content, reason = spoiled(path.read_bytes(), np.full(4, 7.0), "arrays/0")[case]
    path.write_bytes(content)
    with pytest.raises(ValueError) as unreadable:
        gan.load_checkpoint(path)
    assert str(unreadable.value) == f"load_checkpoint: {path} is not a readable checkpoint ({reason})"


@pytest.mark.parametrize("case", ["empty", "truncated", "random bytes", "a .npy", "flipped bit"])
def test_an_unreadable_module_file_is_named_in_one_clear_error(tmp_path, case):
    path = tmp_path / "m.npz"
    seeded_linear(7.0).save(path)
    content, reason = spoiled(path.read_bytes(), np.full((2, 2), 7.0, np.float32), "weight")[case]
    path.write_bytes(content)
    with pytest.raises(ValueError) as unreadable:
        seeded_linear(0.0).load(path)
    assert str(unreadable.value) == f"Linear.load: {path} is not a readable checkpoint ({reason})"


def test_a_missing_file_stays_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match=f"no checkpoint at {tmp_path / 'none.npz'}"):
        gan.load_checkpoint(tmp_path / "none.npz")
    with pytest.raises(FileNotFoundError, match=f"no checkpoint at {tmp_path / 'none.npz'}"):
        seeded_linear(0.0).load(tmp_path / "none.npz")


# ---- writing ----------------------------------------------------------------------------------------------------
def test_module_save_creates_missing_directories_like_save_checkpoint(tmp_path):
    path = tmp_path / "new" / "deeper" / "m.npz"
    seeded_linear(7.0).save(path)  # was a FileNotFoundError naming the temporary file
    target = seeded_linear(0.0)
    target.load(path)
    assert target.weight.numpy().tolist() == [[7.0, 7.0], [7.0, 7.0]]
    assert os.listdir(path.parent) == ["m.npz"]


SAVERS = {"save_checkpoint": lambda path: gan.save_checkpoint(path, {"w": np.ones(2)}),
          "Module.save": lambda path: seeded_linear(1.0).save(path)}


@pytest.fixture(params=[0o022, 0o027], ids=["umask 022", "umask 027"])
def umask(request):
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)


@pytest.mark.parametrize("save", SAVERS.values(), ids=SAVERS.keys())
def test_saved_files_get_the_mode_open_gives_a_new_file(tmp_path, umask, save):
    with open(tmp_path / "made_by_open", "w"):
        pass
    made_by_open = stat.S_IMODE(os.stat(tmp_path / "made_by_open").st_mode)
    assert made_by_open == 0o666 & ~umask
    save(tmp_path / "c.npz")
    assert stat.S_IMODE(os.stat(tmp_path / "c.npz").st_mode) == made_by_open  # not mkstemp's 0600


@pytest.mark.parametrize("save", SAVERS.values(), ids=SAVERS.keys())
def test_a_failed_save_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch, save):
    path = tmp_path / "c.npz"
    save(path)
    old = path.read_bytes()

    def failing_savez(file, *args, **kwds):
        file.write(b"PK\x03\x04 a torn beginning")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", failing_savez)
    with pytest.raises(OSError, match="disk full"):
        save(path)
    assert path.read_bytes() == old and os.listdir(tmp_path) == ["c.npz"]


@pytest.mark.parametrize("save", SAVERS.values(), ids=SAVERS.keys())
def test_a_save_removes_what_killed_saves_of_that_file_left(tmp_path, save):
    """A write killed between its temporary file and the rename (kill -9, power loss) leaves the temporary file."""
    for name in (".c.npz.tmp-0123456789abcdef.npz", ".other.npz.tmp-0123456789abcdef.npz", "notes.txt"):
        (tmp_path / name).write_bytes(b"left there")
    save(tmp_path / "c.npz")
    assert sorted(os.listdir(tmp_path)) == [".other.npz.tmp-0123456789abcdef.npz", "c.npz", "notes.txt"]


def test_torch_style_save_and_load_resume_a_model_and_its_optimiser_exactly(tmp_path):
    """torch.save(obj, 'x.pth') / torch.load('x.pth', map_location=...) as ported code writes them."""
    ng.manual_seed(2)
    x = ng.randn(6, 3)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    optimiser = ng.optim.Adam(model.parameters(), lr=0.01)

    def step(m, opt):
        opt.zero_grad()
        (m(x) ** 2).sum().backward()
        opt.step()

    step(model, optimiser)
    ng.save({"model": model.state_dict(), "optimiser": optimiser.state_dict(), "epoch": 1}, tmp_path / "run.pth")
    state = ng.load(tmp_path / "run.pth", map_location="cpu")
    resumed = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    resumed.load_state_dict(state["model"])
    resumed_optimiser = ng.optim.Adam(resumed.parameters(), lr=0.01)
    resumed_optimiser.load_state_dict(state["optimiser"])
    step(model, optimiser)
    step(resumed, resumed_optimiser)
    assert state["epoch"] == 1 and sorted(p.name for p in tmp_path.iterdir()) == ["run.pth"]
    for (name, a), b in zip(model.state_dict().items(), resumed.state_dict().values()):
        np.testing.assert_array_equal(a, b, err_msg=name)
