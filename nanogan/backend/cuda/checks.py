"""Input checks that never make the host wait: they run on the device and are read at the next host read.

A check such as "every label is a valid class index" needs the values, which live on the GPU; reading them
there and then (bool(xp.all(...))) would stop the host until the device has caught up, in the middle of a
training step. Instead `require` queues the check's one reduction on the stream and remembers it; `to_host`,
the moment the host waits for the device anyway (`.item()`, `.numpy()`, printing), first reads every pending
result in one small copy and raises the first failed check's error. So a bad input is still refused with a clear
error, one host read later, as PyTorch's device-side asserts are.

Limits: inside a CUDA-graph capture checks are not recorded (a replay could not report them; the eager warm-up
runs of the step are checked). More than MAX_PENDING unread checks are read at once, to bound their memory.
"""
import cupy

from . import graphs

MAX_PENDING = 256
_pending = []  # (0-d device bool, error class, message)


def require(ok, error, message):
    """Raise error(message), at the next host read, unless every element of the device array `ok` is true."""
    if graphs.capturing():
        return
    _pending.append((ok.all(), error, message))
    if len(_pending) >= MAX_PENDING:
        raise_failed()


def raise_failed():
    """Read the pending checks (one device-to-host copy) and raise the first that failed."""
    if not _pending:
        return
    checks = list(_pending)
    _pending.clear()
    passed = cupy.asnumpy(cupy.stack([ok for ok, _, _ in checks]))
    for ok, (_, error, message) in zip(passed, checks):
        if not ok:
            raise error(f"{message} (checked on the device, reported at the next host read)")
