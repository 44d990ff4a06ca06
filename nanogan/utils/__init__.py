"""ng.utils: where ported code looks for torch.utils's names (`ng.utils.data`)."""
from . import data

__all__ = ["data"]
