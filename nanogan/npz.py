"""Reading and writing .npz archives (numpy's zip of .npy members) without losing or misreading work: what
Module.save/load and the training checkpoints (nanogan.gan.checkpoint) both stand on.

A write is atomic: the archive goes to a temporary file in the target's directory, is flushed to disk, and
only then renamed over the target (os.replace), so a crash leaves the old file or the new one, never a torn
file; the next write of that target removes the temporary files that killed writes left. A read of anything
that is not a whole archive (empty, truncated, corrupt, a .npy, random bytes) raises one ValueError that names
the file.
"""
import os
import secrets
import zipfile
import zlib

import numpy as np

# what zipfile and numpy raise, opening an archive or reading a member, for a file that is empty, truncated,
# corrupt or not an .npz
_UNREADABLE = (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError, NotImplementedError, RuntimeError)


def write_atomically(path, members):
    """Write {member name: array} to `path` as an .npz, creating its directory if need be."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    # mode 0666 less the umask, as open() creates files (mkstemp's 0600 would hide the file from the other users
    # of a shared machine); O_EXCL so that a name taken by another file is never written through
    leftover_prefix = f".{os.path.basename(path)}.tmp-"
    temporary = os.path.join(directory, f"{leftover_prefix}{secrets.token_hex(8)}.npz")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **members)
            f.flush()
            os.fsync(f.fileno())  # on disk before the rename, so a crash cannot leave a torn file
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    # a write killed before its rename (SIGKILL, power loss) left its temporary file: the new file supersedes it
    for name in os.listdir(directory):
        if name.startswith(leftover_prefix):
            try:
                os.remove(os.path.join(directory, name))
            except FileNotFoundError:
                pass


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
