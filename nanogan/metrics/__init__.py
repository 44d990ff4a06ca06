"""Sample-quality metrics: exact Wasserstein-1 distance and PacGAN-style mode coverage for the 2D toys; the
classifier score and the Fréchet distance (FID's recipe) for MNIST-like images, judged by SampleQuality."""
from .classifier_score import classifier_score
from .frechet import frechet_distance, gaussian_statistics
from .modes import ModeCoverage, mode_coverage
from .sample_quality import DigitClassifier, SampleQuality, train_classifier
from .wasserstein import wasserstein1

__all__ = ["ModeCoverage", "mode_coverage", "wasserstein1", "classifier_score", "frechet_distance",
           "gaussian_statistics", "DigitClassifier", "SampleQuality", "train_classifier"]
