"""Where a benchmark record comes from: the commit it measured, and the processor and libraries it ran on.

A CPU figure means little without them: the project's VM has run on more than one kind of host, and PyTorch's own
times for the same rows differed by 1.1-2x between two of them (benchmarks/README.md, 2026-11-24 and 2026-12-03).
"""
import ctypes
import os
import platform
import subprocess

import numba
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def commit(short=False):
    """$NANOGAN_COMMIT where set (a copy of the tree whose .git is another commit, as on a lent GPU machine),
    else git's HEAD; None outside a checkout."""
    if os.environ.get("NANOGAN_COMMIT"):
        return os.environ["NANOGAN_COMMIT"]
    try:
        return subprocess.run(["git", "rev-parse", *(["--short"] if short else []), "HEAD"], capture_output=True,
                              text=True, check=True, cwd=HERE).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def processor():
    """The processor's model name as the kernel reports it (Linux), else what `platform` knows."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _blas():
    """The BLAS numpy calls, as its build configuration names it."""
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    except (TypeError, KeyError):  # numpy < 1.26 prints its configuration only
        return None
    return f"{blas.get('name', '')} {blas.get('version', '')}".strip()


# The names OpenBLAS's corename function goes by: plain, and as numpy's wheels rename their copy's symbols
_CORENAME_SYMBOLS = ("openblas_get_corename", "scipy_openblas_get_corename64_", "scipy_openblas_get_corename")


def _openblas_kernels():
    """The kernel set OpenBLAS chose for this processor when it loaded (a DYNAMIC_ARCH build picks at run time,
    whatever target its configuration names; OPENBLAS_CORETYPE overrides the choice): e.g. 'SkylakeX' for its
    AVX-512 kernels, 'Haswell' for AVX2. None where numpy's BLAS is not a loaded OpenBLAS (or not on Linux)."""
    try:
        with open("/proc/self/maps") as f:
            paths = sorted({line.split()[-1] for line in f if "openblas" in line.lower() and ".so" in line})
    except OSError:
        return None
    for path in paths:
        library = ctypes.CDLL(path)
        for symbol in _CORENAME_SYMBOLS:
            corename = getattr(library, symbol, None)
            if corename is not None:
                corename.restype = ctypes.c_char_p
                return corename().decode()
    return None


def cpu_machine():
    """The CPU side of a record: processor, logical CPUs, the libraries doing the arithmetic and the
    environment variables that steer them."""
    steering = ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "NUMBA_NUM_THREADS")
    return {"processor": processor(), "logical_cpus": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "numba": numba.__version__, "blas": _blas(),
            "openblas_kernels": _openblas_kernels(),
            "environment": {k: os.environ[k] for k in steering if k in os.environ}}
