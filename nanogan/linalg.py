"""torch.linalg's functions that nanogan has (ng.linalg.multi_dot)."""
from .ops.matmul import multi_dot

__all__ = ["multi_dot"]
