"""Host cost of nanogan's per-op machinery, apart from the arithmetic: what an eager GPU step pays for every
autograd function and every kernel launch, measured on any machine.

    python benchmarks/host_cost.py              # CPU instructions per call, counted by valgrind (deterministic)
    python benchmarks/host_cost.py --wall       # microseconds per call instead (noisy on a shared VM)

On the GPU an eager step is bound by the host (benchmarks/README.md): the device finishes each kernel before
Python has issued the next. The scenarios below isolate that Python work on tiny CPU arrays, where numpy's own
arithmetic is a small part of each count:
  apply        one Function.apply of Add on two 4x4 tensors that need gradients (graph recorded)
  apply_no_grad  the same under no_grad (what every op of a backward pass without create_graph pays)
  node         one node of a chain of Negs, forward and backward (apply, engine, and the backward's own apply)
  launch       the leaky_relu kernel wrapper: checks, output allocation, grid, argument conversion; the launch
               itself is a no-op (a kernel library whose _launch does nothing)
  conv_launch  the conv2d wrapper likewise, on the WGAN-GP critic's conv2 at batch 64
  critic_step  a whole eager WGAN-GP MNIST critic step (benchmarks/bench_cuda.py's, penalty and Adam included,
               batch 2) on the CUDA backend over tests/fake_cupy.py with its kernels not run: nanogan's host path
               of a step plus the fake's numpy stand-ins for CuPy's calls (which do not change with nanogan)

Instruction counts are valgrind's (callgrind) for N calls, divided by N, after min(N, 100) uncounted calls (which
fill the wrappers' caches). The calls run inside math.fsum, which nothing else calls, and callgrind counts only inside
it (--toggle-collect): the interpreter's start-up, which varies by a few million instructions between runs, is not
counted, and neither is anything outside the calls but about 0.2k instructions per call of the loop itself.
"""
import argparse
import contextlib
import math
import os
import re
import subprocess
import sys
import time

SCENARIOS = ("apply", "apply_no_grad", "node", "launch", "conv_launch", "critic_step")
CALLS = 5000
CALLS_OF = {"critic_step": 10}  # a step is some 20M instructions


def _critic_step():
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:0] = [here, os.path.join(here, "..", "tests")]
    import fake_cupy
    fake_cupy.install(kernels=False)
    import numpy as np
    import bench_cuda
    return bench_cuda.Training("nanogan", "wgan-gp mnist", 2, np.random.default_rng(0), device="cuda").critic_step


def _setup(scenario):
    """A function that runs `scenario` once."""
    if scenario == "critic_step":
        return _critic_step()  # before nanogan is imported: the fake CuPy must be in place first
    import numpy as np
    import nanogan as ng
    from nanogan import _kernels as K
    from nanogan.ops.elementwise import Add

    x = ng.tensor(np.ones((4, 4), np.float32), requires_grad=True)
    y = ng.tensor(np.ones((4, 4), np.float32), requires_grad=True)

    class NoLaunch(K.EmuLibrary):
        def _launch(self, name, shape, grid, block, args, stream):
            pass

    if scenario == "apply":
        return lambda: Add.apply(x, y)
    if scenario == "apply_no_grad":
        def no_grad_apply():
            Add.apply(x, y)
        no_grad_apply.mode = ng.no_grad  # entered once around all the calls
        return no_grad_apply
    if scenario == "node":
        chain = 100

        def node():  # runs `chain` nodes; run() divides by it
            z = x
            for _ in range(chain):
                z = -z
            z.sum().backward()
        node.nodes = chain
        return node
    lib = NoLaunch()
    if scenario == "launch":
        a = np.ones(1000, np.float32)
        return lambda: K.leaky_relu(lib, a, 0.2)
    if scenario == "conv_launch":
        image, weight = np.ones((64, 64, 14, 14), np.float32), np.ones((128, 64, 5, 5), np.float32)
        return lambda: K.conv2d(lib, image, weight, 2, 2)
    raise ValueError(f"unknown scenario {scenario!r}; expected one of {SCENARIOS}")


WARMUP_CALLS = 100


def _calls(fn, calls):
    """fn's scenario `calls` times (fn runs `fn.nodes` of them per call), as an iterable of zeros for math.fsum."""
    for _ in range(calls // getattr(fn, "nodes", 1)):
        fn()
        yield 0.0


@contextlib.contextmanager
def _warmed_up(fn, calls):
    """Inside fn's grad mode if it has one, after min(WARMUP_CALLS, calls) calls outside math.fsum (not counted)."""
    with getattr(fn, "mode", contextlib.nullcontext)():
        for _ in _calls(fn, min(WARMUP_CALLS, calls)):
            pass
        yield


def _repeat(fn, calls):
    """The warm-up, then the scenario `calls` times inside math.fsum (what callgrind counts)."""
    with _warmed_up(fn, calls):
        math.fsum(_calls(fn, calls))


def run(scenario, calls):
    """Run the scenario `calls` times (the body of one valgrind measurement)."""
    _repeat(_setup(scenario), calls)


def instructions(scenario, calls):
    """Instructions valgrind counts inside the scenario's `calls` calls."""
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", "--collect-atstart=no",
                          "--toggle-collect=math_fsum", sys.executable, os.path.abspath(__file__), "--run", scenario,
                          str(calls)], capture_output=True, text=True, check=True).stderr
    return int(re.search(r"Collected\s*:\s*(\d+)", out).group(1))


def wall_us(scenario, calls):
    fn = _setup(scenario)
    best = float("inf")
    with _warmed_up(fn, calls):
        for _ in range(7):
            start = time.perf_counter()
            math.fsum(_calls(fn, calls))
            best = min(best, (time.perf_counter() - start) / calls * 1e6)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wall", action="store_true", help="time in µs (best of 7) instead of counting instructions")
    parser.add_argument("--run", nargs=2, metavar=("SCENARIO", "CALLS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run(args.run[0], int(args.run[1]))
        return
    for scenario in SCENARIOS:
        calls = CALLS_OF.get(scenario, CALLS)
        if args.wall:
            print(f"{scenario:14s} {wall_us(scenario, calls):8.2f} µs per call")
        else:
            per_call = instructions(scenario, calls) / calls
            print(f"{scenario:14s} {per_call / 1000:8.1f}k instructions per call")


if __name__ == "__main__":
    main()
