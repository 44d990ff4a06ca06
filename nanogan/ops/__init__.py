"""ops: what each operation computes — its forward and its gradient — independent of the device.

One module per family; each op is a Function (autograd/function.py) whose docstring states its
math, whose forward calls the backend, and whose backward is written with differentiable ops.
"""
from . import elementwise, reduce, shape, bias, matmul  # noqa: F401
from . import activation, linear, norm, loss, conv, pool, pad, embedding  # noqa: F401,E402
from . import sort, scan, indexing, attention, sample, fold  # noqa: F401,E402
