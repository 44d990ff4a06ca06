"""Reader for the IDX file format used by MNIST and Fashion-MNIST.

An IDX file is a big-endian header followed by a dense array:

    bytes 0-1   zero
    byte  2     element type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64)
    byte  3     number of dimensions d
    4*d bytes   the size of each dimension, unsigned 32-bit big-endian
    payload     prod(sizes) elements, big-endian, row-major

The same four magic bytes read as one big-endian integer give the "magic number" (2051 for an image file,
2049 for a label file).  Files may be gzip-compressed; compression is detected from the content, not the name.
"""
from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path

import numpy as np

_IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"
_HEADER_BYTES = 4
_DIM_BYTES = 4


class IdxFormatError(ValueError):
    """An IDX file that is truncated, corrupt or not the expected kind of array."""


def read_file_bytes(path: str | Path) -> bytes:
    """The decompressed content of `path`, gunzipping it when it starts with the gzip magic bytes."""
    path = Path(path)
    raw = path.read_bytes()
    if not raw.startswith(_GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, gzip.BadGzipFile, zlib.error) as err:
        raise IdxFormatError(f"{path}: corrupt or truncated gzip data ({err})") from err


def read_idx(path: str | Path, expected_ndim: int | None = None) -> np.ndarray:
    """Read an IDX file (optionally gzipped) into a native-endian numpy array.

    Raises IdxFormatError naming the file when the magic bytes are wrong, the number of dimensions differs from
    `expected_ndim`, or the payload is shorter or longer than the header announces.
    """
    path = Path(path)
    content = read_file_bytes(path)
    if len(content) < _HEADER_BYTES:
        raise IdxFormatError(f"{path}: only {len(content)} bytes, too short for an IDX header")
    zero, type_code, ndim = content[0:2], content[2], content[3]
    magic = int.from_bytes(content[:_HEADER_BYTES], "big")
    if zero != b"\x00\x00" or type_code not in _IDX_TYPES:
        raise IdxFormatError(
            f"{path}: bad IDX magic number 0x{magic:08X} (expected 0x0000TTDD with type TT in "
            f"{sorted(hex(code) for code in _IDX_TYPES)}); not an IDX file")
    if expected_ndim is not None and ndim != expected_ndim:
        raise IdxFormatError(
            f"{path}: IDX magic number {magic} declares {ndim} dimensions, expected {expected_ndim}")

    dims_end = _HEADER_BYTES + _DIM_BYTES * ndim
    if len(content) < dims_end:
        raise IdxFormatError(f"{path}: truncated IDX header ({len(content)} bytes, the {ndim} sizes need {dims_end})")
    shape = tuple(int.from_bytes(content[_HEADER_BYTES + _DIM_BYTES * i:_HEADER_BYTES + _DIM_BYTES * (i + 1)], "big")
                  for i in range(ndim))
    dtype = _IDX_TYPES[type_code]
    expected_payload = math.prod(shape) * dtype.itemsize  # Python ints: absurd sizes compare, never overflow
    payload = len(content) - dims_end
    if payload != expected_payload:
        problem = "truncated" if payload < expected_payload else "has trailing bytes"
        raise IdxFormatError(
            f"{path}: {problem}: header declares shape {shape} of {dtype.name} = {expected_payload} payload bytes, "
            f"file holds {payload}")
    array = np.frombuffer(content, dtype=dtype, offset=dims_end).reshape(shape)
    return array.astype(dtype.newbyteorder("="))
