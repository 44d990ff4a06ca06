"""Checkpoints: a nested state (dicts, lists, tuples, numbers, strings, numpy arrays, Tensors) in one .npz.

The arrays are stored as the archive's members, named by their path in the state
("variant/generator/0.weight"); everything else goes into one JSON document, member "__state__",
in which each array appears as {"__array__": name}. JSON has only string keys, lists and finite
types, so the few things it lacks are spelled out: a dict with non-string keys (an optimiser's
per-parameter state, keyed 0, 1, ...) as {"__items__": [[key, value], ...]}, a tuple as
{"__tuple__": [...]}. Python floats and ints (the RNG's 128-bit state included) round-trip exactly.

Writing is atomic: the archive goes to a temporary file in the target's directory, is flushed to
disk, and only then renamed over the target (os.replace), so a crash leaves the old checkpoint or
the new one, never a torn file.
"""
import json
import os
import tempfile

import numpy as np

from ..tensor import Tensor

STATE_MEMBER = "__state__"
FORMAT = "nanogan-checkpoint-1"


def _encode(value, arrays, path):
    if isinstance(value, Tensor):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        arrays[path] = value
        return {"__array__": path}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
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
    """Write `state` to `path` (.npz) atomically."""
    path = os.fspath(path)
    arrays = {}
    document = json.dumps({"format": FORMAT, "state": _encode(state, arrays, "state")})
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **{STATE_MEMBER: np.array(document)}, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def load_checkpoint(path):
    """The state saved by `save_checkpoint` at `path`, arrays as numpy arrays."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load_checkpoint: no checkpoint at {path}")
    with np.load(path, allow_pickle=False) as archive:
        if STATE_MEMBER not in archive.files:
            raise ValueError(f"load_checkpoint: {path} is not a nanogan checkpoint (no {STATE_MEMBER!r} member)")
        document = json.loads(str(archive[STATE_MEMBER]))
        if document.get("format") != FORMAT:
            raise ValueError(f"load_checkpoint: {path} has format {document.get('format')!r}, expected {FORMAT!r}")
        arrays = {name: archive[name] for name in archive.files if name != STATE_MEMBER}
    return _decode(document["state"], arrays)
