"""Host cost of nanogan's per-op machinery, apart from the arithmetic: what an eager GPU step pays for every
autograd function and every kernel launch, measured on any machine.

    python benchmarks/host_cost.py              # CPU instructions per call, counted by valgrind (deterministic)
    python benchmarks/host_cost.py --wall       # microseconds per call instead (noisy on a shared VM)
    python benchmarks/host_cost.py --only critic_step generator_step --tree /tmp/old   # another checkout's steps

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
  plain_critic_step, generator_step  bench_cuda.py's other two steps, likewise
The steps are WGAN-GP MNIST's unless --arch names another of bench_cuda.py's architectures (dcgan64: the 64x64
DCGAN with its batch-norm critic).

Instruction counts are valgrind's (callgrind) for N calls, divided by N, after min(N, 100) uncounted calls (which
fill the wrappers' caches). The calls run inside math.fsum, which nothing else calls, and callgrind counts only inside
it (--toggle-collect): the interpreter's start-up, which varies by a few million instructions between runs, is not
counted, and neither is anything outside the calls but about 0.2k instructions per call of the loop itself. Of a
step's count, the part in numpy's arithmetic loops and libc's memset/memcpy is said apart: it is the fake doing the
device's work (adding weight-sized gradients, zeroing and filling outputs), which on a GPU costs the host nothing.

--tree DIR counts the steps of another checkout of nanogan, with this tree's fake CuPy, to compare the host path
now with a commit's that was timed on a GPU (benchmarks/README.md): for instance `git worktree add /tmp/old
2bca2e6`, then `python setup.py build_ext --inplace` there (its nanogan._emu; nvcc is not needed).
"""
import argparse
import contextlib
import inspect
import math
import os
import re
import subprocess
import sys
import tempfile
import time

STEPS = ("critic_step", "plain_critic_step", "generator_step")  # bench_cuda.Training's
SCENARIOS = ("apply", "apply_no_grad", "node", "launch", "conv_launch", *STEPS)
CALLS = 5000
CALLS_OF = dict.fromkeys(STEPS, 10)  # a step is some 15-25M instructions
ARCH = "wgan-gp mnist"  # the steps' architecture unless --arch names another
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)  # this checkout
# What the fake's numpy does in the device's place: numpy's typed inner loops (FLOAT_add_..., DOUBLE_pairwise_sum),
# its copy and fill loops (_aligned_strided_to_contig_size4_srcstride0 fills an array from a broadcast value,
# PyArray_TransferNDimToStrided copies a strided one) and libc's bulk memory functions, as callgrind_annotate names
# them.
ARITHMETIC = re.compile(r":((HALF|FLOAT|DOUBLE|LONGDOUBLE|BOOL|U?BYTE|U?SHORT|U?INT|U?LONG|U?LONGLONG)_\w+"
                        r"|_(aligned_)?(strided|contig)_to_\w+|PyArray_Transfer\w+|__mem(set|cpy|move)\w*)\s")


def _step(name, tree, arch):
    """bench_cuda's step `name` of a training of `arch` at batch 2, on the fake CuPy; nanogan and bench_cuda
    from `tree` (a checkout's root; None: this one)."""
    tree = tree or ROOT
    sys.path[:0] = [tree, os.path.join(tree, "benchmarks"), os.path.join(ROOT, "tests")]
    import fake_cupy
    fake_cupy.install(kernels=False)
    import numpy as np
    import bench_cuda
    # bench_cuda's Training ran nanogan on CUDA only, without a device argument, up to 2026-11-25
    on_cuda = {"device": "cuda"} if "device" in inspect.signature(bench_cuda.Training).parameters else {}
    training = bench_cuda.Training("nanogan", arch, 2, np.random.default_rng(0), **on_cuda)
    return getattr(training, name)


def _setup(scenario, tree=None, arch=ARCH):
    """A function that runs `scenario` once (a step: of `arch`)."""
    if scenario in STEPS:
        return _step(scenario, tree, arch)  # before nanogan is imported: the fake CuPy must be in place first
    sys.path[:0] = [ROOT]
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


def run(scenario, calls, tree=None, arch=ARCH):
    """Run the scenario `calls` times (the body of one valgrind measurement)."""
    _repeat(_setup(scenario, tree, arch), calls)


def instructions(scenario, calls, tree=None, arch=ARCH):
    """(all, arithmetic): instructions valgrind counts inside the scenario's `calls` calls, and how many of them
    are in numpy's arithmetic and libc's bulk memory functions (ARITHMETIC)."""
    with tempfile.NamedTemporaryFile(suffix=".callgrind") as out:
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out.name}", "--collect-atstart=no",
                   "--toggle-collect=math_fsum", sys.executable, os.path.abspath(__file__), "--run", scenario,
                   str(calls), "--arch", arch, *(["--tree", tree] if tree else [])]
        log = subprocess.run(command, capture_output=True, text=True, check=True).stderr
        functions = subprocess.run(["callgrind_annotate", "--threshold=100", out.name], capture_output=True,
                                   text=True, check=True).stdout
    return int(re.search(r"Collected\s*:\s*(\d+)", log).group(1)), arithmetic_instructions(functions)


def arithmetic_instructions(listing):
    """The instructions of the functions that ARITHMETIC names in callgrind_annotate's per-function `listing`."""
    return sum(int(line.split()[0].replace(",", "")) for line in listing.splitlines() if ARITHMETIC.search(line))


def wall_us(scenario, calls, tree=None, arch=ARCH):
    fn = _setup(scenario, tree, arch)
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
    parser.add_argument("--only", nargs="+", choices=SCENARIOS, default=SCENARIOS, help="these scenarios only")
    parser.add_argument("--tree", help=f"count another checkout's steps ({', '.join(STEPS)} only)")
    parser.add_argument("--arch", default=ARCH, choices=("wgan-gp mnist", "dcgan64"),
                        help=f"the steps' architecture (default {ARCH!r})")
    parser.add_argument("--run", nargs=2, metavar=("SCENARIO", "CALLS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run(args.run[0], int(args.run[1]), args.tree, args.arch)
        return
    if args.tree:
        args.tree = os.path.abspath(args.tree)
        if not set(args.only) <= set(STEPS):
            parser.error(f"--tree counts the steps only: add --only with some of {', '.join(STEPS)}")
    for scenario in args.only:
        calls = CALLS_OF.get(scenario, CALLS)
        if args.wall:
            print(f"{scenario:17s} {wall_us(scenario, calls, args.tree, args.arch):8.2f} µs per call")
        else:
            total, arithmetic = (n / calls for n in instructions(scenario, calls, args.tree, args.arch))
            print(f"{scenario:17s} {total / 1000:8.1f}k instructions per call, {(total - arithmetic) / 1000:.1f}k "
                  f"without the {arithmetic / 1000:.1f}k in numpy's arithmetic and libc's memset/memcpy")


if __name__ == "__main__":
    main()
