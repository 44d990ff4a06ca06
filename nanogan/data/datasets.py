"""torch.utils.data's datasets and loader, for ported code (`ng.utils.data`): a Dataset is anything with __len__ and
__getitem__(i) giving one sample; the DataLoader draws an order of indices, takes `batch_size` samples at a time and
collates them into tensors (stacked along a new first axis, field by field for tuples and dicts).

A TensorDataset is served by indexing its tensors with the whole batch of indices at once rather than sample by
sample, which gives the same batch. nanogan's own loops use data/loader.py's DataLoader over arrays instead, whose
order follows a seed and whose state goes into checkpoints.
"""
import math

import numpy as np

from ..arguments import int_at_least, is_number
from ..random import numpy_generator
from ..ops.shape import stack
from ..tensor import Tensor, as_tensor, tensor


class Dataset:
    """The base of map-style datasets: __getitem__(i) -> sample, __len__(); `a + b` joins two."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Sample i is (t[i] for t in tensors); every tensor has the same first size."""

    def __init__(self, *tensors):
        if not tensors or any(not isinstance(t, Tensor) or t.ndim == 0 for t in tensors):
            raise ValueError("TensorDataset: expected one or more tensors of at least one dimension")
        sizes = [t.shape[0] for t in tensors]
        if len(set(sizes)) > 1:
            raise ValueError(f"TensorDataset: the tensors' first sizes differ: {sizes}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order."""

    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, [int(i) for i in indices]

    def __getitem__(self, index):
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """The samples of each dataset in turn."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: expected at least one dataset")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __getitem__(self, index):
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"ConcatDataset: index {index} out of range for {len(self)} samples")
        which = int(np.searchsorted(self.cumulative_sizes, index, side="right"))
        return self.datasets[which][index - (self.cumulative_sizes[which - 1] if which else 0)]

    def __len__(self):
        return self.cumulative_sizes[-1]


def random_split(dataset, lengths, generator=None):
    """Subsets of a random order of the samples, of the given lengths (counts summing to len(dataset), or fractions
    summing to 1, whose remainders are dealt one at a time from the first, as PyTorch's)."""
    total = len(dataset)
    if all(is_number(f) and 0 <= f <= 1 for f in lengths) and math.isclose(sum(lengths), 1) and sum(lengths) != total:
        counts = [math.floor(total * f) for f in lengths]
        for i in range(total - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != total or any(int(n) != n or n < 0 for n in lengths):
        raise ValueError(f"random_split: lengths {list(lengths)} are neither counts summing to the {total} samples "
                         f"nor fractions summing to 1")
    order = numpy_generator("random_split", generator).permutation(total)
    bounds = np.cumsum([0] + [int(n) for n in lengths])
    return [Subset(dataset, order[start:end]) for start, end in zip(bounds[:-1], bounds[1:])]


def default_collate(samples):
    """A batch from a list of samples, as PyTorch's: tensors, numpy arrays and numbers stacked along a new first
    axis (Python ints as int64, floats as float64), tuples and lists field by field (into a list), dicts key by
    key; strings left as they came (a tuple of a field's)."""
    first = samples[0]
    if isinstance(first, Tensor):
        return stack(samples)
    if isinstance(first, (np.ndarray, np.generic, bool, int, float)):
        return as_tensor(np.stack([np.asarray(s) for s in samples]))
    if isinstance(first, (str, bytes)):
        return samples
    if isinstance(first, dict):
        return {key: default_collate([s[key] for s in samples]) for key in first}
    if isinstance(first, (tuple, list)):
        if any(len(s) != len(first) for s in samples):
            raise ValueError("default_collate: the samples' fields differ in number")
        return [default_collate(field) for field in zip(*samples)]
    raise TypeError(f"default_collate: cannot batch samples of type {type(first).__name__}")


class DataLoader:
    """Batches of a Dataset (PyTorch's defaults: batch_size=1, in order, the last batch kept even when short).
    shuffle=True draws a new order each epoch from `generator` or the global one. Samples are read in this process:
    num_workers and pin_memory are taken and do nothing."""

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 generator=None, **unused):
        if sampler is not None or batch_sampler is not None:
            raise NotImplementedError("DataLoader: sampler and batch_sampler are not supported; use shuffle, or a "
                                      "Subset in the order wanted")
        self.dataset, self.shuffle, self.drop_last, self.generator = dataset, shuffle, drop_last, generator
        self.batch_size = int_at_least("DataLoader", "batch_size", batch_size, 1)
        self.num_workers = int_at_least("DataLoader", "num_workers", num_workers, 0)
        self.collate_fn = collate_fn or default_collate
        self.pin_memory = pin_memory

    def __len__(self):
        full, rest = divmod(len(self.dataset), self.batch_size)
        return full + (rest > 0 and not self.drop_last)

    def __iter__(self):
        count = len(self.dataset)
        order = numpy_generator("DataLoader", self.generator).permutation(count) if self.shuffle else np.arange(count)
        whole_batches = self.collate_fn is default_collate and isinstance(self.dataset, TensorDataset)
        for batch in range(len(self)):
            indices = order[batch * self.batch_size:(batch + 1) * self.batch_size]
            if whole_batches:
                yield [t[tensor(indices, device=t.device)] for t in self.dataset.tensors]
            else:
                yield self.collate_fn([self.dataset[int(i)] for i in indices])
