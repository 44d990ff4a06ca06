"""How much host work one eager training step is: the autograd functions it applies, by kind, counted on the CPU.

    python benchmarks/count_nodes.py                 # both architectures of bench_cuda.py's "steps"
    python benchmarks/count_nodes.py --json out.json
    python benchmarks/count_nodes.py --device cuda --batch 64 --timed   # and the host time of each kind, on a GPU
    python benchmarks/count_nodes.py --launches --batch 64   # and the CUDA backend's calls into CuPy, on the CPU

On the GPU an eager step is bound by the host (benchmarks/README.md, "Targets"): every autograd function is a
Python call plus its array operations and kernel launches, and the H100 finishes the kernels before the next
function is issued. So the number of functions a step applies is what its eager time scales with, and it can be
counted on any machine: the steps are bench_cuda.py's own (the critic step with the gradient penalty, the same
step without it, and the generator step), run on the CPU backend with every Function.apply counted. The counts
do not depend on the batch size or the device.

--timed also measures, over 10 steps after 3 warm-up ones, the wall time spent inside each kind's Function.apply
and in the whole step. On the GPU, where a launch returns at once, that is host time: it says which functions
cost the host most, and how much of a step is spent outside them (the engine, the optimiser). On the CPU it
includes the arithmetic.

--launches runs the steps on device "cuda" with CuPy stood in by tests/fake_cupy.py, on any machine, and counts
what the CUDA backend asks of CuPy in each step, by name: csrc kernel launches, cuBLAS GEMMs, CuPy's elementwise
kernels, array operations and allocations. Each is one call into CuPy from the host (and all but allocations one
kernel launch). A mean counts once, as CuPy's one reduction (numpy's own is a sum and a division; until
2026-12-01 the fake counted both). The csrc kernels and the GEMMs are counted, not run (no value decides what a step
calls), so this takes seconds at any batch; the counts depend on the batch only where a convolution splits its
reduction over K (chosen from the batch and the device's 132 SMs, an H100's) and so zeroes its output first.

--capturable runs Adam with capturable=True, as bench_cuda.py's CUDA-graph steps do (t counted on the device): with
--launches, the calls are then those a graph of the step records, each one a kernel node but the allocations.
"""
import argparse
import collections
import datetime
import json
import os
import sys
import time

import numpy as np

sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
import bench_cuda  # noqa: E402
import provenance  # noqa: E402
import fake_cupy  # noqa: E402
from nanogan.autograd.function import Function  # noqa: E402


def count_applies(step, timed=False):
    """({Function name: applications}, {Function name: seconds inside apply}) over one call of step()."""
    counts, seconds = collections.Counter(), collections.Counter()
    original = Function.apply.__func__

    def counting(cls, *inputs, **attrs):
        counts[cls.__name__] += 1
        if not timed:
            return original(cls, *inputs, **attrs)
        start = time.perf_counter()
        try:
            return original(cls, *inputs, **attrs)
        finally:
            seconds[cls.__name__] += time.perf_counter() - start

    Function.apply = classmethod(counting)
    try:
        step()
    finally:
        Function.apply = classmethod(original)
    return counts, seconds


def host_times(step, wait, steps=10, warmup=3):
    """(ms per step, {Function name: µs per application}, ms per step inside functions) over `steps` timed calls
    of step(); `wait()` waits for the device, before and after, so that only this step's host work is timed."""
    for _ in range(warmup):
        step()
    wait()
    total, counts, seconds = 0.0, collections.Counter(), collections.Counter()
    for _ in range(steps):
        start = time.perf_counter()
        step_counts, step_seconds = count_applies(step, timed=True)
        total += time.perf_counter() - start
        counts.update(step_counts)
        seconds.update(step_seconds)
    wait()
    return total / steps * 1e3, {k: seconds[k] / counts[k] * 1e6 for k in counts}, sum(seconds.values()) / steps * 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write the counts here as JSON")
    parser.add_argument("--device", default="cpu", help="where the steps run (counts are the same on every device)")
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--timed", action="store_true", help="also the host time inside each kind of function")
    parser.add_argument("--launches", action="store_true",
                        help="also CuPy's calls, on the CPU against tests/fake_cupy.py (device cuda)")
    parser.add_argument("--capturable", action="store_true",
                        help="Adam(capturable=True), as in bench_cuda.py's CUDA-graph steps")
    args = parser.parse_args()
    if args.launches:
        if args.timed:
            parser.error("--launches times nothing: on the fake CuPy the kernels are counted, not run")
        fake_cupy.install(kernels=False)
        args.device = "cuda"
    rows = []
    for arch in bench_cuda.ARCHITECTURES:
        training = bench_cuda.Training("nanogan", arch, args.batch, np.random.default_rng(0),
                                       capturable=args.capturable, device=args.device)
        training.critic_step()  # both optimisers' state exists, as in every later step
        training.generator_step()
        parameter = training.opt_d.param_groups[0]["params"][0]
        for name, step in (("critic step", training.critic_step), ("critic step without penalty",
                                                                     training.plain_critic_step),
                           ("generator step", training.generator_step)):
            fake_cupy.calls.clear()
            counts, _ = count_applies(step)
            row = {"step": f"{arch} {name}", "functions": sum(counts.values()), "by_kind": dict(counts.most_common())}
            kinds = ", ".join(f"{k} {v}" for k, v in counts.most_common())
            print(f"{arch} {name}: {sum(counts.values())} functions ({kinds})")
            if args.launches:
                calls = fake_cupy.calls
                row.update(cupy_calls=sum(calls.values()), cupy_calls_by_name=dict(calls.most_common()))
                print(f"  {sum(calls.values())} calls into CuPy (" + ", ".join(f"{k} {v}" for k, v in calls.most_common())
                      + ")")
            if args.timed:
                step_ms, us_per_call, inside_ms = host_times(step, wait=parameter.numpy)
                row.update(device=args.device, batch=args.batch, step_ms=step_ms, inside_functions_ms=inside_ms,
                           us_per_call=us_per_call)
                slowest = sorted(us_per_call.items(), key=lambda kv: -kv[1] * counts[kv[0]])
                print(f"  {step_ms:.2f} ms a step, {inside_ms:.2f} ms of it inside functions; µs per call, by total: "
                      + ", ".join(f"{k} {us:.0f}" for k, us in slowest))
            rows.append(row)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"date": datetime.date.today().isoformat(), "commit": provenance.commit(short=True),
                       "batch": args.batch, "capturable": args.capturable,
                       "device": "cuda on tests/fake_cupy.py" if args.launches else args.device, "rows": rows}, f,
                      indent=1)


if __name__ == "__main__":
    sys.exit(main())
