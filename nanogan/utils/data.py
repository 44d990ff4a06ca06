"""torch.utils.data's names, where ported code imports them from; they live in nanogan/data/datasets.py."""
from ..data.datasets import (ConcatDataset, DataLoader, Dataset, Subset, TensorDataset, default_collate,
                             random_split)

__all__ = ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "default_collate", "DataLoader"]
