"""Datasets: MNIST / Fashion-MNIST from IDX files, 2D toy distributions, and resumable minibatch loaders (of one
dataset, and of two unpaired ones)."""
from .idx import IdxFormatError, read_idx
from .loader import DataLoader, UnpairedLoader
from .mnist import (DATASETS, DatasetNotFoundError, SplitFiles, cache_dir, find_split, images_to_float, load_mnist,
                    load_mnist_for_training, search_dirs)
from .toy2d import TOY_DATASETS, GaussianMixture2D, get_toy

__all__ = [
    "IdxFormatError", "read_idx", "DataLoader", "UnpairedLoader", "DATASETS", "DatasetNotFoundError", "SplitFiles",
    "cache_dir", "find_split", "images_to_float", "load_mnist", "load_mnist_for_training", "search_dirs",
    "TOY_DATASETS", "GaussianMixture2D", "get_toy",
]
