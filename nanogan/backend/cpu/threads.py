"""How many threads a numba kernel of the CPU backend runs on: all of numba's, or one for a small problem.

A parallel loop (prange) hands its iterations to numba's worker threads, which sleep between kernels. Waking them
costs more than a small loop: on the project's 2-core VM a leaky ReLU over 2**16 float32 values took 15 µs on the
calling thread and 120-230 µs on two, once the workers had slept for 50 µs to 1 ms (2026-12-02). Larger problems
(a batch of big images) do gain from the second thread, so only the small ones run alone.
"""
import contextlib

import numba

# Below this many values read or written, a kernel runs on the calling thread alone.
SERIAL_BELOW = 1 << 15


@contextlib.contextmanager
def threads_for(values):
    """Run the numba kernels inside on one thread when they move fewer than SERIAL_BELOW values."""
    if values >= SERIAL_BELOW:
        yield
        return
    previous = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(previous)
