"""Build nanogan: the pure-Python package, plus the kernel extensions of csrc/ where they can be built.

Both extensions compile the same csrc/bindings.cpp (see csrc/README.md):
  * nanogan._emu  with the C++ compiler alone (always): the kernels run by the host emulation of csrc/emu;
  * nanogan._C    with nvcc, only when nvcc is on PATH (otherwise skipped with a one-line notice).
NANOGAN_CUDA_ARCHS (e.g. "90" or "80;90") picks the GPU architectures of nanogan._C; the first one also
gets PTX, so newer GPUs can run it too.
"""
import os
import shutil
import subprocess
import sys

from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
CSRC = "csrc"
BINDINGS = os.path.join(CSRC, "bindings.cpp")
KERNEL_SOURCES = sorted(
    os.path.join(CSRC, d, f) for d in ("", "emu", "kernels") for f in os.listdir(os.path.join(HERE, CSRC, d))
    if f.endswith((".cu", ".cuh", ".h"))
)
DEFAULT_CUDA_ARCHS = "80;90"


def pybind11_include():
    import pybind11  # a build requirement (pyproject.toml); imported late so that metadata commands work without it

    return pybind11.get_include()


class BuildKernels(build_ext):
    """build_ext that compiles nanogan._C with nvcc; nanogan._emu goes through the normal C++ compiler."""

    def build_extensions(self):
        for ext in self.extensions:
            ext.include_dirs.append(pybind11_include())
        super().build_extensions()

    def build_extension(self, ext):
        if ext.name == "nanogan._C":
            self.build_with_nvcc(ext)
        else:
            super().build_extension(ext)

    def build_with_nvcc(self, ext):
        nvcc = shutil.which("nvcc")
        target = self.get_ext_fullpath(ext.name)
        inputs = ext.sources + list(ext.depends)
        if not self.force and os.path.exists(target) and all(
                os.path.getmtime(f) <= os.path.getmtime(target) for f in inputs):
            print(f"nanogan: {ext.name} is up to date")
            return
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.makedirs(self.build_temp, exist_ok=True)
        obj = os.path.join(self.build_temp, "bindings.cuda.o")
        archs = [a.strip() for a in os.environ.get("NANOGAN_CUDA_ARCHS", DEFAULT_CUDA_ARCHS).split(";") if a.strip()]
        gencode = [f"-gencode=arch=compute_{a},code=sm_{a}" for a in archs]
        gencode.append(f"-gencode=arch=compute_{archs[0]},code=compute_{archs[0]}")
        includes = [f"-I{d}" for d in ext.include_dirs + [self.python_include()]]
        macros = [f"-D{name}={value}" for name, value in ext.define_macros]
        compile_cmd = [nvcc, "-x", "cu", "-c", ext.sources[0], "-o", obj, "-std=c++17", "-O3", "-lineinfo",
                       "-Xcompiler", "-fPIC,-fvisibility=hidden", *gencode, *includes, *macros]
        link_cmd = [nvcc, "-shared", obj, "-o", target, "-cudart", "static"]
        for cmd in (compile_cmd, link_cmd):
            print(" ".join(cmd))
            subprocess.check_call(cmd)

    @staticmethod
    def python_include():
        import sysconfig

        return sysconfig.get_paths()["include"]


def kernel_extensions():
    emu = Extension(
        "nanogan._emu",
        sources=[BINDINGS],
        include_dirs=[CSRC],
        define_macros=[("NANOGAN_EMU", None), ("NG_MODULE_NAME", "_emu")],
        # C++20 for std::atomic_ref and __VA_OPT__; -pthread: each emulated block is real threads;
        # -fno-strict-aliasing: kernels read float storage as float4 (and back), as CUDA code does.
        extra_compile_args=["-std=c++20", "-O2", "-pthread", "-fvisibility=hidden", "-fno-strict-aliasing",
                            "-Wno-unknown-pragmas"],
        extra_link_args=["-pthread"],
        depends=KERNEL_SOURCES,
    )
    extensions = [emu]
    if shutil.which("nvcc"):
        extensions.append(Extension("nanogan._C", sources=[BINDINGS], include_dirs=[CSRC],
                                    define_macros=[("NG_MODULE_NAME", "_C")], depends=KERNEL_SOURCES))
    else:
        print("nanogan: nvcc not found on PATH, skipping the CUDA extension nanogan._C", file=sys.stderr)
    return extensions


setup(
    name="nanogan",
    version="0.1.0",
    description="A from-scratch numerical engine for generative adversarial networks",
    packages=find_packages(include=["nanogan", "nanogan.*"]),
    python_requires=">=3.10",
    install_requires=["numpy>=1.24", "numba>=0.58", "scipy>=1.10", "Pillow", "matplotlib", "tqdm"],
    extras_require={"test": ["pytest", "hypothesis"], "cuda": ["cupy-cuda12x"]},
    ext_modules=kernel_extensions(),
    cmdclass={"build_ext": BuildKernels},
)
