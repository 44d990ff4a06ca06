"""Sample-quality metrics: exact Wasserstein-1 distance and PacGAN-style mode coverage."""
from .modes import ModeCoverage, mode_coverage
from .wasserstein import wasserstein1

__all__ = ["ModeCoverage", "mode_coverage", "wasserstein1"]
