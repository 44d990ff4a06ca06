"""Build nanogan: the pure-Python package, plus the kernel extensions of csrc/ where they can be built."""
from setuptools import setup, find_packages

setup(
    name="nanogan",
    version="0.1.0",
    description="A from-scratch numerical engine for generative adversarial networks",
    packages=find_packages(include=["nanogan", "nanogan.*"]),
    python_requires=">=3.10",
    install_requires=["numpy>=1.24", "numba>=0.58", "scipy>=1.10", "Pillow", "matplotlib", "tqdm"],
    extras_require={"test": ["pytest", "hypothesis"], "cuda": ["cupy-cuda12x"]},
)
