"""Minibatches over numpy arrays, reproducible from a seed and resumable mid-epoch."""
from __future__ import annotations

import functools
import zlib
from typing import Iterator

import numpy as np

from ..arguments import int_at_least


def values_crc(*arrays):
    """CRC-32 of the arrays' values: what a data stream's state holds of its data, so that a checkpoint of a run on
    other data of the same size (another dataset, another scaling) is refused rather than trained on."""
    crc = 0
    for array in arrays:
        crc = zlib.crc32(np.ascontiguousarray(array), crc)
    return crc


def check_same_data(owner, state, crc):
    """Refuse a state saved over other data (a state without a CRC comes from before it was kept: trusted)."""
    if state.get("data_crc", crc) != crc:
        raise ValueError(f"{owner}.load_state_dict: the state was saved by a run on other data (CRC-32 "
                         f"{state['data_crc']:#010x} there, {crc:#010x} here): another dataset, or another scaling")


class DataLoader:
    """Minibatches of `x` (and `y`, when given) along their first axis.

    Iterating the loader yields the rest of the current epoch; `infinite()` yields batches forever, epoch after epoch,
    for trainers that count iterations.  Both advance one shared position: the loader is a single stream.

    The order of epoch e is a permutation drawn from the seed sequence (seed, e), so it depends on nothing but the
    seed and the epoch number.  The whole state is therefore (epoch, batches already taken in it), and restoring it
    with `load_state_dict` continues the stream bit for bit.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray | None = None, batch_size: int = 64, shuffle: bool = True,
                 drop_last: bool = True, seed: int = 0):
        # batches are taken by fancy indexing, which Python lists lack: convert here, not at the first batch
        x, y = np.asarray(x), None if y is None else np.asarray(y)
        if y is not None and len(y) != len(x):
            raise ValueError(f"DataLoader: x has {len(x)} samples but y has {len(y)}")
        batch_size = int_at_least("DataLoader", "batch_size", batch_size, 1)
        seed = int_at_least("DataLoader", "seed", seed, 0)  # numpy's own error names no loader
        self.x, self.y = x, y
        self.batch_size, self.shuffle, self.drop_last, self.seed = batch_size, shuffle, drop_last, seed
        if len(self) == 0:
            raise ValueError(f"DataLoader: {len(x)} samples give no batch of {batch_size}"
                             f"{' with drop_last=True' if drop_last else ''}")
        self.epoch = 0
        self.batch_in_epoch = 0

    def __len__(self) -> int:
        """Batches per epoch."""
        full, remainder = divmod(len(self.x), self.batch_size)
        return full + (remainder > 0 and not self.drop_last)

    def epoch_order(self, epoch: int) -> np.ndarray:
        """The sample indices of `epoch`, in the order they are served."""
        if not self.shuffle:
            return np.arange(len(self.x))
        return np.random.default_rng((self.seed, epoch)).permutation(len(self.x))

    def _take(self, indices: np.ndarray):
        return self.x[indices] if self.y is None else (self.x[indices], self.y[indices])

    def _rest_of_epoch(self) -> Iterator:
        order = self.epoch_order(self.epoch)
        for batch in range(self.batch_in_epoch, len(self)):
            indices = order[batch * self.batch_size:(batch + 1) * self.batch_size]
            # Advance before yielding, so a state_dict taken while the caller holds this batch points past it.
            self.batch_in_epoch += 1
            if self.batch_in_epoch == len(self):
                self.epoch, self.batch_in_epoch = self.epoch + 1, 0
            yield self._take(indices)

    def __iter__(self) -> Iterator:
        return self._rest_of_epoch()

    def infinite(self) -> Iterator:
        """Batches forever, continuing from the current position."""
        while True:
            yield from self._rest_of_epoch()

    @functools.cached_property
    def data_crc(self) -> int:
        return values_crc(self.x) if self.y is None else values_crc(self.x, self.y)

    def state_dict(self) -> dict:
        return {"seed": self.seed, "epoch": self.epoch, "batch_in_epoch": self.batch_in_epoch,
                "num_samples": len(self.x), "batch_size": self.batch_size, "shuffle": self.shuffle,
                "drop_last": self.drop_last, "data_crc": self.data_crc}

    def load_state_dict(self, state: dict) -> None:
        """Resume from `state_dict()` output; the data, its shape and the batching must match the saving loader's."""
        mine = self.state_dict()
        if set(state) | {"data_crc"} != set(mine):
            raise KeyError(f"DataLoader.load_state_dict: expected keys {sorted(mine)}, got {sorted(state)}")
        check_same_data("DataLoader", state, self.data_crc)
        for key in ("num_samples", "batch_size", "shuffle", "drop_last"):
            if state[key] != mine[key]:
                raise ValueError(f"DataLoader.load_state_dict: state has {key}={state[key]!r}, "
                                 f"this loader has {key}={mine[key]!r}")
        if not 0 <= state["batch_in_epoch"] < len(self):
            raise ValueError(f"DataLoader.load_state_dict: batch_in_epoch={state['batch_in_epoch']} outside "
                             f"0..{len(self) - 1}")
        self.seed, self.epoch, self.batch_in_epoch = state["seed"], state["epoch"], state["batch_in_epoch"]


class UnpairedLoader:
    """Minibatches (x, y) from two unpaired datasets, X and Y (CycleGAN's domains), `batch_size` of each: two
    DataLoaders, each shuffled on its own, so the x and the y of a batch are drawn independently and no image of X is
    tied to one of Y. X's order comes from `seed`, Y's from `seed + 1`. The domains may differ in size: each
    loader runs through its own epochs. (The official CycleGAN code draws each y uniformly at random instead, with
    replacement.)

    An epoch is len(loader) = the larger domain's batches, as the official UnalignedDataset counts it.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, batch_size: int = 1, seed: int = 0):
        seed = int_at_least("UnpairedLoader", "seed", seed, 0)
        self.x, self.y = (DataLoader(images, batch_size=batch_size, seed=domain_seed)
                          for images, domain_seed in ((x, seed), (y, seed + 1)))
        self.batch_size = self.x.batch_size

    def __len__(self) -> int:
        return max(len(self.x), len(self.y))

    def infinite(self) -> Iterator:
        """(x, y) batches forever, continuing from the current position."""
        return zip(self.x.infinite(), self.y.infinite())

    def state_dict(self) -> dict:
        return {"x": self.x.state_dict(), "y": self.y.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        """Resume from `state_dict()` output: both domains' positions, refused (changing neither) unless both fit."""
        before = self.x.state_dict()
        self.x.load_state_dict(state["x"])
        try:
            self.y.load_state_dict(state["y"])
        except Exception:
            self.x.load_state_dict(before)
            raise
