"""Read TensorFlow (V2 "tensor bundle") checkpoints with numpy alone.

Pretrained taggers such as musicnn ship TensorFlow-1 checkpoints. Installing TensorFlow
only to read a few megabytes of weights would pin the whole project to its numpy and
Python versions, so this module decodes the two files of a checkpoint directly:

``<prefix>.index``
    An SSTable (LevelDB table format, uncompressed blocks). Its keys are tensor names, its
    values ``BundleEntryProto`` protobuf messages (dtype, shape, shard, byte offset and
    size); the empty key holds a ``BundleHeaderProto`` (number of shards, endianness).
``<prefix>.data-<shard>-of-<num_shards>``
    The raw bytes of every tensor, back to back.

Only the handful of protobuf fields needed are decoded, by hand (varints and
length-delimited fields), so neither TensorFlow nor the protobuf package is needed.
Integrity of the files is the job of whoever ships them (musicnn's are checked against the
SHA-256 of their wheel in :mod:`mer_core.weights`).
"""
from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import WeightsError

TABLE_MAGIC = 0xDB4775248B80FB57
"""Last 8 bytes of every LevelDB/TensorFlow table (little-endian)."""
FOOTER_SIZE = 48
"""Two padded block handles (40 bytes) and the magic number."""
BLOCK_TRAILER_SIZE = 5
"""Every block is followed by a compression-type byte and a masked CRC32C."""

DTYPES = {1: np.float32, 2: np.float64, 3: np.int32, 4: np.uint8, 5: np.int16, 6: np.int8,
          9: np.int64, 10: np.bool_, 17: np.uint16, 19: np.float16, 22: np.uint32, 23: np.uint64}
"""TensorFlow ``DataType`` enum values (types.proto) of the fixed-size types this reader decodes."""


class CheckpointError(WeightsError, ValueError):
    """A checkpoint file that is missing, truncated or not in the TensorFlow bundle format."""


@dataclass(frozen=True)
class BundleEntry:
    """Where one tensor lives in the data shards (the fields of ``BundleEntryProto`` used here)."""

    dtype: int
    shape: tuple[int, ...]
    shard_id: int
    offset: int
    size: int


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    """Decode one base-128 varint of ``buf`` at ``pos``; return ``(value, next_pos)``.

    Raises
    ------
    CheckpointError
        If the buffer ends inside the varint or it is longer than 10 bytes (64 bits).
    """
    value = shift = 0
    for i in range(pos, min(pos + 10, len(buf))):
        byte = buf[i]
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, i + 1
        shift += 7
    raise CheckpointError(f"truncated or overlong varint at byte {pos}")


def iter_proto_fields(buf: bytes):
    """Yield ``(field_number, wire_type, value)`` for each field of a serialized protobuf.

    Varints (wire type 0) and fixed 32/64-bit fields (5/1) come as ints, length-delimited
    fields (2: strings, bytes, sub-messages, packed repeats) as bytes.
    """
    pos = 0
    while pos < len(buf):
        tag, pos = read_varint(buf, pos)
        number, wire_type = tag >> 3, tag & 7
        if wire_type == 0:
            value, pos = read_varint(buf, pos)
        elif wire_type == 1:
            value, pos = int.from_bytes(buf[pos:pos + 8], "little"), pos + 8
        elif wire_type == 2:
            length, pos = read_varint(buf, pos)
            value, pos = bytes(buf[pos:pos + length]), pos + length
        elif wire_type == 5:
            value, pos = int.from_bytes(buf[pos:pos + 4], "little"), pos + 4
        else:
            raise CheckpointError(f"unsupported protobuf wire type {wire_type} (field {number})")
        if pos > len(buf):
            raise CheckpointError(f"protobuf field {number} runs past the end of its message")
        yield number, wire_type, value


def parse_block(block: bytes) -> list[tuple[bytes, bytes]]:
    """Decode the ``(key, value)`` entries of one uncompressed SSTable block.

    Each entry is ``varint shared, varint non_shared, varint value_length, key[shared:],
    value``: keys are prefix-compressed against the previous key. The block ends with
    ``uint32`` restart offsets and their count, which a full scan does not need.
    """
    if len(block) < 4:
        raise CheckpointError("table block shorter than its restart count")
    (n_restarts,) = struct.unpack_from("<I", block, len(block) - 4)
    end = len(block) - 4 - 4 * n_restarts
    if end < 0:
        raise CheckpointError(f"table block declares {n_restarts} restarts but has {len(block)} bytes")
    entries, key, pos = [], b"", 0
    while pos < end:
        shared, pos = read_varint(block, pos)
        non_shared, pos = read_varint(block, pos)
        value_length, pos = read_varint(block, pos)
        if shared > len(key) or pos + non_shared + value_length > end:
            raise CheckpointError(f"corrupt table block entry at byte {pos}")
        key = key[:shared] + bytes(block[pos:pos + non_shared])
        pos += non_shared
        entries.append((key, bytes(block[pos:pos + value_length])))
        pos += value_length
    return entries


def _read_block(data: bytes, handle: bytes) -> bytes:
    """Return the contents of the block a ``BlockHandle`` (varint offset, varint size) points at."""
    offset, pos = read_varint(handle, 0)
    size, _ = read_varint(handle, pos)
    if offset + size + BLOCK_TRAILER_SIZE > len(data):
        raise CheckpointError(f"table block at {offset} (+{size} bytes) lies past the end of the file")
    compression = data[offset + size]
    if compression != 0:
        # TensorFlow writes bundle indexes uncompressed; 1 would be Snappy.
        raise CheckpointError(f"compressed table block (type {compression}) is not supported")
    return data[offset:offset + size]


def read_table(path: str | os.PathLike) -> dict[bytes, bytes]:
    """Read every ``key -> value`` of an SSTable file (a checkpoint's ``.index``).

    Raises
    ------
    CheckpointError
        If the file is missing, too short, has the wrong magic number or a corrupt block.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: file not found")
    data = path.read_bytes()
    if len(data) < FOOTER_SIZE:
        raise CheckpointError(f"{path}: {len(data)} bytes, too short for a table footer")
    footer = data[-FOOTER_SIZE:]
    if int.from_bytes(footer[-8:], "little") != TABLE_MAGIC:
        raise CheckpointError(f"{path}: not a TensorFlow/LevelDB table (bad magic number)")
    _, pos = read_varint(footer, 0)          # skip the metaindex handle (filters: unused)
    _, pos = read_varint(footer, pos)
    index_block = _read_block(data, footer[pos:])
    table = {}
    for _, handle in parse_block(index_block):
        table.update(parse_block(_read_block(data, handle)))
    return table


def parse_bundle_entry(buf: bytes) -> BundleEntry:
    """Decode a ``BundleEntryProto``: dtype (1), shape (2), shard_id (3), offset (4), size (5).

    Raises
    ------
    CheckpointError
        For sliced (partitioned) variables, which this reader does not assemble.
    """
    dtype = shard_id = offset = size = 0
    shape: list[int] = []
    for number, _, value in iter_proto_fields(buf):
        if number == 1:
            dtype = value
        elif number == 2:  # TensorShapeProto: repeated Dim dim = 2 {int64 size = 1}
            for dim_number, _, dim in iter_proto_fields(value):
                if dim_number == 2:
                    shape.append(next((v for n, _, v in iter_proto_fields(dim) if n == 1), 0))
        elif number == 3:
            shard_id = value
        elif number == 4:
            offset = value
        elif number == 5:
            size = value
        elif number == 7:
            raise CheckpointError("sliced (partitioned) tensors are not supported")
    return BundleEntry(dtype=dtype, shape=tuple(shape), shard_id=shard_id, offset=offset, size=size)


def _parse_header(buf: bytes) -> tuple[int, str]:
    """Decode a ``BundleHeaderProto``: return ``(num_shards, byte order '<' or '>')``."""
    num_shards, endianness = 1, 0
    for number, _, value in iter_proto_fields(buf):
        if number == 1:
            num_shards = value
        elif number == 2:
            endianness = value
    return num_shards, ("<" if endianness == 0 else ">")


def list_variables(prefix: str | os.PathLike) -> dict[str, BundleEntry]:
    """Return ``{tensor name: BundleEntry}`` of the checkpoint ``prefix`` (sorted by name).

    ``prefix`` is the path without the ``.index`` suffix, as TensorFlow's savers name it.
    """
    table = read_table(f"{prefix}.index")
    return {key.decode(): parse_bundle_entry(value) for key, value in table.items() if key}


def read_checkpoint(prefix: str | os.PathLike, names=None) -> dict[str, np.ndarray]:
    """Load the tensors of a TensorFlow checkpoint as numpy arrays.

    Parameters
    ----------
    prefix : path-like
        Checkpoint prefix: ``<prefix>.index`` and ``<prefix>.data-*-of-*`` must exist.
    names : iterable of str, optional
        Tensors to load (default: all). Loading only the model's variables skips the
        optimiser slots (e.g. ``*/Adam``) that training checkpoints also carry.

    Returns
    -------
    dict of str to numpy.ndarray
        Native-endian arrays with the stored shapes and dtypes.

    Raises
    ------
    CheckpointError
        If a file is missing or corrupt, a requested name is absent, or a tensor's dtype
        is not a fixed-size numeric type (e.g. strings).

    Used by: :func:`mer_core.features.musicnn.load_musicnn` (``features`` notebook).
    """
    table = read_table(f"{prefix}.index")
    num_shards, byte_order = _parse_header(table.get(b"", b""))
    entries = {key.decode(): parse_bundle_entry(value) for key, value in table.items() if key}
    wanted = list(entries) if names is None else list(names)
    missing = [n for n in wanted if n not in entries]
    if missing:
        raise CheckpointError(f"{prefix}: no tensor named {', '.join(missing[:5])}"
                              f"{' ...' if len(missing) > 5 else ''}")
    shards: dict[int, bytes] = {}
    out = {}
    for name in wanted:
        entry = entries[name]
        if entry.dtype not in DTYPES:
            raise CheckpointError(f"{prefix}: tensor {name} has unsupported TensorFlow dtype {entry.dtype}")
        if entry.shard_id not in shards:
            shard = Path(f"{prefix}.data-{entry.shard_id:05d}-of-{num_shards:05d}")
            if not shard.is_file():
                raise CheckpointError(f"{shard}: file not found")
            shards[entry.shard_id] = shard.read_bytes()
        dtype = np.dtype(DTYPES[entry.dtype]).newbyteorder(byte_order)
        expected = int(np.prod(entry.shape, dtype=np.int64)) * dtype.itemsize
        blob = shards[entry.shard_id]
        if entry.size != expected or entry.offset + entry.size > len(blob):
            raise CheckpointError(f"{prefix}: tensor {name} has {entry.size} bytes at {entry.offset}, "
                                  f"expected {expected} for shape {entry.shape} in a {len(blob)}-byte shard")
        array = np.frombuffer(blob, dtype=dtype, count=expected // dtype.itemsize, offset=entry.offset)
        out[name] = array.reshape(entry.shape).astype(dtype.newbyteorder("="), copy=True)
    return out
