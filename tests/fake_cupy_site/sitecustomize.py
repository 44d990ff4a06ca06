"""Run at interpreter start-up when this folder is on PYTHONPATH: CuPy is tests/fake_cupy.py before anything
imports it, with its kernels and GEMMs counted, not run. benchmarks/gpu_session.sh puts it there to rehearse a GPU
session on any machine (NANOGAN_FAKE_CUPY=1): every stage runs through and writes its records, with meaningless
numbers. The test suite's own fake (tests/conftest.py) runs the kernels, on the host emulation."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import fake_cupy  # noqa: E402

fake_cupy.install(kernels=False)
