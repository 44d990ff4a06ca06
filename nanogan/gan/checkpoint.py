"""Checkpoints: a nested state (dicts, lists, tuples, numbers, strings, numpy arrays, Tensors) in one .npz.

The arrays are stored as the archive's members, numbered in the order met ("arrays/0", "arrays/1", ...),
so no two arrays can share a member whatever their keys; everything else goes into one JSON document,
member "__state__", in which each array appears as {"__array__": member}. JSON has only string keys, lists
and finite types, so the few things it lacks are spelled out: a dict with non-string keys (an optimiser's
per-parameter state, keyed 0, 1, ...) as {"__items__": [[key, value], ...]}, a tuple as {"__tuple__": [...]}.
A dict that holds one of these three marker keys itself is written as "__items__" too, so a user's key is
never read back as a marker. Python floats and ints (the RNG's 128-bit state included) round-trip exactly.
Checkpoints written before the members were numbered (named by their path in the state) read the same way,
since the document names each member. What could not be read back (object arrays, which need pickle; dict
keys JSON cannot spell) is refused when saving, before any file is touched.

Writing is atomic and reading names a file that is not a whole archive (nanogan/npz.py).
"""
import json

import numpy as np

from .. import npz
from ..tensor import Tensor

STATE_MEMBER = "__state__"
FORMAT = "nanogan-checkpoint-1"
MARKERS = {"__array__", "__items__", "__tuple__"}
KEY_TYPES = (str, int, float, bool, type(None))


def _encode(value, arrays, path):
    if isinstance(value, Tensor):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            raise TypeError(f"checkpoint: cannot store an object array at {path!r} (reading it back needs pickle)")
        member = f"arrays/{len(arrays)}"
        arrays[member] = value
        return {"__array__": member}
    if isinstance(value, np.generic):
        return _encode(value.item(), arrays, path)
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, KEY_TYPES):
                raise TypeError(f"checkpoint: cannot store the dict key {key!r} at {path!r}: a key must be "
                                f"str, int, float, bool or None, not {type(key).__name__}")
        if all(isinstance(k, str) for k in value) and not MARKERS & value.keys():
            return {k: _encode(v, arrays, f"{path}/{k}") for k, v in value.items()}
        return {"__items__": [[k, _encode(v, arrays, f"{path}/{k}")] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, arrays, f"{path}/{i}") for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [_encode(v, arrays, f"{path}/{i}") for i, v in enumerate(value)]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"checkpoint: cannot store {type(value).__name__} at {path!r}")


def _decode(value, archive):
    if isinstance(value, dict):
        if "__array__" in value:
            return archive[value["__array__"]]
        if "__items__" in value:
            return {k: _decode(v, archive) for k, v in value["__items__"]}
        if "__tuple__" in value:
            return tuple(_decode(v, archive) for v in value["__tuple__"])
        return {k: _decode(v, archive) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v, archive) for v in value]
    return value


def save_checkpoint(path, state):
    """Write `state` to `path` (.npz) atomically, creating its directory if need be. A state that could
    not be loaded back raises TypeError naming where in it the culprit is, and leaves `path` as it was."""
    arrays = {}
    document = json.dumps({"format": FORMAT, "state": _encode(state, arrays, "state")})
    npz.write_atomically(path, {STATE_MEMBER: np.array(document), **arrays})


def load_checkpoint(path):
    """The state saved by `save_checkpoint` at `path`, arrays as numpy arrays. A file that cannot be read
    (empty, truncated, corrupt, not an .npz) raises ValueError naming it, whatever numpy or zipfile found."""
    members = npz.read(path, "load_checkpoint")
    if STATE_MEMBER not in members:
        raise ValueError(f"load_checkpoint: {path} is not a nanogan checkpoint (no {STATE_MEMBER!r} member)")
    document = json.loads(str(members.pop(STATE_MEMBER)))
    if document.get("format") != FORMAT:
        raise ValueError(f"load_checkpoint: {path} has format {document.get('format')!r}, expected {FORMAT!r}")
    try:
        return _decode(document["state"], members)
    except KeyError as err:  # a member name corrupted on disk (zip does not checksum names): a dangling reference
        raise ValueError(f"load_checkpoint: {path} is not a readable checkpoint (no member {err})") from err


def save(obj, f):
    """torch.save(obj, f) for ported code: save_checkpoint(f, obj), whatever f's suffix (g.pth is an .npz too)."""
    save_checkpoint(f, obj)


def load(f, map_location=None):
    """torch.load(f) for ported code: load_checkpoint(f). The arrays come back on the host whatever map_location
    says; load_state_dict puts each on its tensor's device."""
    return load_checkpoint(f)
