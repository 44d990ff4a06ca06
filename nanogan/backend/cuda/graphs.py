"""Record a training step as a CUDA graph once, then replay it with one launch per step.

    step = capture(train_step, warmup=3)     # runs train_step 3 times for real, then records it once
    for batch in batches:
        static_real.array[...] = batch.array   # refill the step's input buffers in place, on the device
        loss = step.replay()                 # the whole step: every kernel, one graph launch

A step of a small GAN is hundreds of short kernels, and launching each from Python costs more than running
it; a graph replays them all from the device. Capture records the kernels, CuPy operations and cuBLAS calls
queued on a side stream (cupy.cuda.Stream.begin_capture / end_capture) without running them; replay launches
the recorded graph on that stream, ordered after the work already queued on the current stream, and the
current stream then waits for it (no host synchronisation).

The limits, which follow from "replay = the same kernels with the same arguments on the same addresses":
- Static shapes and static buffers. Every array the step reads must exist before capture and be updated in
  place between replays (`t.array[...] = new`); the arrays the step allocates are the same addresses on every
  replay, so its outputs (the return value of `replay()`) are overwritten by the next replay.
- No host reads and no host copies inside the step: `.item()`, `.numpy()`, printing, or a check like
  `bool(xp.any(...))` cannot be recorded (CuPy raises), and nanogan's `from_host` / `to_host` raise here.
  So random numbers drawn on the host (ng.randn, ng.rand, dropout masks, the interpolation weights of
  gan.losses.gradient_penalty) cannot be drawn inside the step: pre-draw them into static device buffers
  and refill those before each replay.
- Host-side numbers are frozen at their captured values. Python floats that a step computes from host state
  become kernel arguments: nanogan.optim.Adam's bias corrections 1 - βᵗ use a host step counter, which a
  replay would never advance; `Adam(..., capturable=True)` keeps t on the device instead (SGD and RMSprop
  have no such term). An optimiser's lr, which a scheduler changes between steps, reaches the replays where the
  update can read it from the device: capturable Adam's reads a 0-d array that each replay refills from
  group["lr"] first (`before_each_replay`); SGD's, RMSprop's and a non-capturable Adam's kernels take it by
  value, so their replays refuse to run once it has changed (backend/cuda/optim.py, learning_rate).
- Python control flow is recorded as it went during capture (one branch, one loop count).
- Every kernel is compiled and every lazily created state (optimiser moments, cuBLAS handles) exists after
  the eager warm-up runs; the capture itself should only queue work.

Memory: warm-up and capture allocate from a memory pool private to the graph (CuPy's default pool is not
used), so no block the graph writes to is ever handed to other arrays. Arrays created by the step (gradients,
optimiser state) live in that pool; the pool is kept for the life of the process, and `CapturedStep.release()`
returns its unused blocks to the driver once the graph is dropped.
"""
import threading

import cupy

from ...arguments import int_at_least

_state = threading.local()
_pools = []  # every graph's private pool, kept so that arrays allocated from it stay valid


def memory_in_use():
    """Bytes held by live arrays in the graphs' private pools."""
    return sum(pool.used_bytes() for pool in _pools)


def capturing():
    """Whether this thread is inside `capture` (recording a step)."""
    return getattr(_state, "capturing", False)


def refuse_during_capture(what, why):
    """Raise a clear error for an operation that a CUDA graph cannot record faithfully."""
    if capturing():
        raise RuntimeError(f"{what} inside a captured CUDA graph step: {why} (see nanogan.backend.cuda.graphs)")


class CapturedStep:
    """A step recorded as a CUDA graph: `replay()` runs it again and returns what the step returned."""

    def __init__(self, graph, stream, pool, outputs, before_replay):
        self.graph = graph
        self.stream = stream
        self.pool = pool
        self.outputs = outputs
        self.before_replay = before_replay

    def replay(self):
        """Queue one run of the recorded step after the current stream's work; the current stream waits for
        it. Returns the step's return value, whose arrays now hold (once the device gets there) this run's
        results."""
        if self.graph is None:
            raise RuntimeError("CapturedStep.replay: the graph was released")
        for action in self.before_replay:  # on the current stream, so before the graph's reads
            action()
        current = cupy.cuda.get_current_stream()
        self.stream.wait_event(current.record())
        self.graph.launch(stream=self.stream)
        current.wait_event(self.stream.record())
        return self.outputs

    __call__ = replay

    def release(self):
        """Drop the graph and return the pool's unused blocks (arrays still referenced stay valid)."""
        self.stream.synchronize()
        self.graph = None
        self.outputs = None
        self.pool.free_all_blocks()


def capture(step_fn, warmup=3):
    """Run `step_fn()` `warmup` times eagerly (real steps: they update parameters like any step), then record
    one call of it as a CUDA graph without running it. Returns a CapturedStep; see the module docstring for
    what a step may do. warmup=0 is for a caller that has just run the step eagerly itself (its lazy state
    exists and its kernels are compiled)."""
    int_at_least("capture", "warmup", warmup, 0)
    if capturing():
        raise RuntimeError("capture: already capturing a step on this thread (captures do not nest)")
    current = cupy.cuda.get_current_stream()
    stream = cupy.cuda.Stream(non_blocking=True)
    pool = cupy.cuda.MemoryPool()
    _pools.append(pool)
    stream.wait_event(current.record())  # the step reads what the current stream has written (parameters)
    with cupy.cuda.using_allocator(pool.malloc), stream:
        for _ in range(warmup):
            step_fn()
        outputs, graph, before_replay = _record(step_fn, stream)
    current.wait_event(stream.record())  # the warm-up steps' results, for whoever reads them next
    return CapturedStep(graph, stream, pool, outputs, before_replay)


def before_each_replay(action):
    """While a step is being recorded: have `action()` run on the host before each replay of it, outside the
    graph. It refills a device array through which the step reads a host number that can change between replays
    (an optimiser's lr under a scheduler), or refuses a change that the recorded kernels cannot follow."""
    if not capturing():
        raise RuntimeError("before_each_replay: no step is being recorded on this thread")
    _state.before_replay.append(action)


def once_per_recording(key, make):
    """make(), the first time `key` is asked for while a step is being recorded, and the same value after that:
    what the step needs once however many times it asks (the lr of a parameter group, which each of the group's
    parameters' updates reads)."""
    if not capturing():
        raise RuntimeError("once_per_recording: no step is being recorded on this thread")
    if key not in _state.made:
        _state.made[key] = make()
    return _state.made[key]


def _record(step_fn, stream):
    stream.begin_capture()
    _state.capturing = True  # only once recording has begun: a failed begin_capture leaves this thread eager
    _state.before_replay, _state.made = [], {}
    try:
        outputs = step_fn()
    except Exception as err:
        _abandon(stream)
        raise RuntimeError(f"capture: the step cannot be recorded as a CUDA graph: {type(err).__name__}: {err} "
                           f"(see the limits in nanogan.backend.cuda.graphs)") from err
    finally:
        _state.capturing = False
    return outputs, stream.end_capture(), _state.before_replay


def _abandon(stream):
    """End a failed capture so that the stream can be used again; the partial graph is dropped."""
    try:
        stream.end_capture()
    except cupy.cuda.runtime.CUDARuntimeError:
        pass  # an invalidated capture reports its own error here; the step's error is the one to show
