"""Reading and writing .npz archives (numpy's zip of .npy members) without losing or misreading work: what
Module.save/load and the training checkpoints (nanogan.gan.checkpoint) both stand on.

A write is atomic (nanogan.atomic): a crash leaves the old file or the new one, never a torn file. A read of anything
that is not a whole archive (empty, truncated, corrupt, a .npy, random bytes) raises one ValueError that names
the file.
"""
import os
import zipfile
import zlib

import numpy as np

from . import atomic

# what zipfile and numpy raise, opening an archive or reading a member, for a file that is empty, truncated,
# corrupt or not an .npz
_UNREADABLE = (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError, NotImplementedError, RuntimeError)


def write_atomically(path, members):
    """Write {member name: array} to `path` as an .npz, whole or not at all (nanogan.atomic)."""
    atomic.write_atomically(path, lambda f: np.savez(f, **members))


def read(path, reader):
    """{member name: array} of the .npz at `path`; `reader` ("load_checkpoint", "Linear.load") starts the
    errors: FileNotFoundError for a missing file, ValueError for one that is not a readable archive."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{reader}: no checkpoint at {path}")
    try:
        # NpzFile, not np.load: np.load takes any file that is not a zip for a .npy or a pickle, and says so
        with open(path, "rb") as f, np.lib.npyio.NpzFile(f, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except _UNREADABLE as err:
        reason = str(err) or type(err).__name__  # the EOFError of a truncated member has no message
        raise ValueError(f"{reader}: {path} is not a readable checkpoint ({reason})") from err
