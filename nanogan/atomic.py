"""Writing a file whole or not at all: what checkpoints, saved modules, downloads and pictures all stand on.

The content goes to a temporary file beside the target, is flushed to disk, and only then renamed over the
target (os.replace, atomic within one file system), so a crash leaves the old file or the new one, never a
torn file. A write killed before its rename (SIGKILL, power loss) leaves its temporary file behind; the next
write of that target removes it.
"""
import os
import secrets


def write_atomically(path, write):
    """Call write(binary file) to fill a temporary file, then rename it to `path`, creating its directory if
    need be. An exception inside `write` leaves `path` as it was and no temporary file."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    leftover_prefix = f".{os.path.basename(path)}.tmp-"
    temporary = os.path.join(directory, leftover_prefix + secrets.token_hex(8))
    # mode 0666 less the umask, as open() creates files (mkstemp's 0600 would hide the file from the other users
    # of a shared machine); O_EXCL so that a name taken by another file is never written through
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())  # on disk before the rename, so a crash cannot leave a torn file
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    for name in os.listdir(directory):
        if name.startswith(leftover_prefix):
            try:
                os.remove(os.path.join(directory, name))
            except FileNotFoundError:  # another process's cleanup came first
                pass
