"""Reductions into an array at the positions an index names, the CUDA side of backend/cpu's scatter_reduce (numpy's
ufunc.at there):

    scatter_reduce(target, index, values, reduce) -> target    (target[index] ⊕= values, ⊕ = reduce)

A sum, a maximum and a minimum are CuPy's atomic scatters (cupyx.scatter_add, scatter_max, scatter_min): a thread
per value reduces it into its position atomically, so that two values of one position cannot lose each other.
CUDA has no atomic multiply, so a product goes another way: the values are sorted by position, which puts each
position's values side by side in a run; a segmented scan multiplies each value by those before it in its run,
in log₂ n passes of whole-array operations, so that the last value of a run is the run's product; and every
value of the run takes that product back to its place, so that the values of one position, written into it at
once, all write the same target_p·product. With integer-array indices (what the ops pass) no step reads a value
on the host, so the device is never waited for. The product's rounding differs from the CPU's one-by-one order
in the last bit.
"""
import cupy
import cupyx
import numpy as np

_ATOMIC = {"sum": cupyx.scatter_add, "amax": cupyx.scatter_max, "amin": cupyx.scatter_min}
# the dtypes CuPy has each atomic scatter for: where the index holds an integer array, any other raises TypeError
# (cupy/_core/_routines_indexing.pyx, _scatter_op_single)
_ATOMIC_DTYPES = {"sum": frozenset(map(np.dtype, (np.int32, np.uint32, np.uint64, np.float16, np.float32, np.float64))),
                  "amax": frozenset(map(np.dtype, (np.int32, np.uint32, np.uint64, np.float32, np.float64)))}
_ATOMIC_DTYPES["amin"] = _ATOMIC_DTYPES["amax"]
_SIGN_BIT = np.uint64(1 << 63)


def scatter_reduce(target, index, values, reduce):
    """target[index] ⊕= values for ⊕ = `reduce` ("sum", "prod", "amax" or "amin"), each repeat of a position
    reducing its value in; index as getitem takes it, values broadcast to what target[index] picks. Returns
    target."""
    if reduce == "prod":
        _multiply_at(target, index, values)
    elif target.dtype in _ATOMIC_DTYPES[reduce] or target.dtype.kind not in "biuf":
        _ATOMIC[reduce](target, index, values)
    else:
        _reduce_in_an_atomic_dtype(target, index, values.astype(target.dtype, copy=False), reduce)
    return target


def _reduce_in_an_atomic_dtype(target, index, values, reduce):
    """The atomic scatter of a dtype CuPy has none for, through one it has, with numpy's result: an int64 as the
    uint64 of its bits, which sum to the same bits (two's complement), and with the sign bit flipped order as the
    int64 do (for a maximum or minimum); bools and 8- and 16-bit integers in an int32 copy, cast back (wrapping
    round as numpy's; a bool's sum or maximum is its logical or, its minimum its and); float16 in a float32 copy
    (exact for a maximum or minimum; its sum has an atomic of its own)."""
    if target.dtype.itemsize == 8:
        bits, value_bits = target.view(cupy.uint64), values.view(cupy.uint64)
        if reduce == "sum":
            _ATOMIC[reduce](bits, index, value_bits)
            return
        bits ^= _SIGN_BIT
        _ATOMIC[reduce](bits, index, value_bits ^ _SIGN_BIT)
        bits ^= _SIGN_BIT
        return
    wide = target.astype(cupy.float32 if target.dtype.kind == "f" else cupy.int32)
    _ATOMIC[reduce](wide, index, values.astype(wide.dtype))
    target[...] = wide


def _multiply_at(target, index, values):
    # the flat position in target of each element target[index] picks: an arange picked by the same index, so that
    # whatever getitem takes (negative, broadcast or several integer arrays, slices) is read as it reads
    picked = cupy.arange(target.size).reshape(target.shape)[index]
    order = cupy.argsort(picked.ravel())
    positions = picked.ravel()[order]
    products = cupy.broadcast_to(values, picked.shape).ravel()[order]
    # Hillis and Steele's scan: after the pass of `shift`, each entry is the product of itself and up to
    # 2·shift - 1 entries before it in its run. A run is contiguous, so the entry `shift` places back is in it
    # exactly when it names the same position.
    shift = 1
    while shift < products.size:
        same_run = positions[shift:] == positions[:-shift]
        products[shift:] = cupy.where(same_run, products[shift:] * products[:-shift], products[shift:])
        shift *= 2
    run_ends = cupy.searchsorted(positions, positions, side="right") - 1  # the last entry of each entry's run
    totals = cupy.empty_like(products)
    totals[order] = products[run_ends]  # each run's product, at each of its values' places in index's order
    target[index] = target[index] * totals.reshape(picked.shape)
