"""Run the GPU-marked tests on this machine's GPU and record what passed.

    python benchmarks/verify_gpu.py              # pytest -m gpu, then benchmarks/results/gpu_verification_<date>.json
    python benchmarks/verify_gpu.py -- -x -k conv    # arguments after -- go to pytest

The record names the GPU, its compute capability, the CUDA runtime and driver versions, the date, the git
commit (and the tracked files that differ from it), and every gpu test with its outcome, so that a
claim "verified on GPU" points at a file. Exits with pytest's status; without a usable CUDA device it
writes nothing and exits 2.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")


def _run(*command):
    try:
        return subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def _local_changes():
    """The tracked files that differ from the commit (git status lines); None where this copy of the tree is
    not a git checkout."""
    changes = _run("git", "status", "--porcelain", "--untracked-files=no")
    return None if changes is None else changes.splitlines()


def _version(code):
    """CUDA's integer version (12040) as "12.4"."""
    return f"{code // 1000}.{code % 1000 // 10}"


def device_record():
    import cupy
    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    return {"gpu": name, "compute_capability": f"{props['major']}.{props['minor']}",
            "gpu_count": cupy.cuda.runtime.getDeviceCount(),
            "cuda_runtime": _version(cupy.cuda.runtime.runtimeGetVersion()),
            "cuda_driver_api": _version(cupy.cuda.runtime.driverGetVersion()),
            "driver": _run("nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"),
            "cupy": cupy.__version__}


class Outcomes:
    """A pytest plugin that keeps each test's outcome: failed if any phase failed, skipped if it was skipped,
    passed once its call passed (a test stopped in its call, by a time limit, is not listed)."""

    def __init__(self):
        self.tests = {}

    def pytest_runtest_logreport(self, report):
        previous = self.tests.get(report.nodeid)
        if report.failed:
            self.tests[report.nodeid] = "failed"
        elif report.skipped and previous != "failed":
            self.tests[report.nodeid] = "skipped"
        elif report.passed and report.when == "call" and previous is None:
            self.tests[report.nodeid] = "passed"


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"verify_gpu: stopped by signal {signum}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", help="output file (default: benchmarks/results/gpu_verification_<date>.json)")
    parser.add_argument("--commit", default=os.environ.get("NANOGAN_COMMIT") or None,
                        help="the commit verified, where this copy's .git is missing or another commit "
                             "(default: $NANOGAN_COMMIT, else git rev-parse HEAD)")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args()
    sys.path.insert(0, ROOT)
    from nanogan._kernels import cuda_device_present
    if not cuda_device_present():
        print("verify_gpu: CuPy sees no usable CUDA device here; nothing verified, nothing written", file=sys.stderr)
        return 2
    import pytest
    os.chdir(ROOT)  # pytest reads its configuration (markers, paths) from pyproject.toml there
    outcomes = Outcomes()
    started = time.time()
    # a time limit's SIGTERM (gpu_session.sh runs this under `timeout`) stops pytest as Ctrl-C does, so that the
    # record below still lists the tests that ran, with pytest's "interrupted" status
    signal.signal(signal.SIGTERM, _interrupt)
    status = pytest.main(["-m", "gpu", "-q", "-rfs", *args.pytest_args], plugins=[outcomes])
    counts = {k: sum(1 for v in outcomes.tests.values() if v == k) for k in ("passed", "failed", "skipped")}
    record = {"date": time.strftime("%Y-%m-%d %H:%M:%S %z"), "commit": args.commit or _run("git", "rev-parse", "HEAD"),
              # against --commit, this copy's own .git (if any) may be another commit: no diff to report then
              "local_changes": None if args.commit else _local_changes(),
              "device": device_record(), "python": sys.version.split()[0], "pytest_exit_status": int(status),
              "seconds": round(time.time() - started, 1), **counts, "tests": outcomes.tests}
    try:
        import torch
        record["torch"] = torch.__version__
    except ImportError:
        record["torch"] = None
    path = args.json or os.path.join(RESULTS, f"gpu_verification_{time.strftime('%Y-%m-%d')}.json")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(record, f, indent=1)
    print(f"verify_gpu: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped on "
          f"{record['device']['gpu']}; wrote {path}")
    return int(status)


if __name__ == "__main__":
    sys.exit(main())
