"""Small research-device files written from known samples, for reading back through actipy.

No sample files of these formats ship with a package we can install, and none can be fetched
offline, so the tests write their own, following each maker's documented layout:

- Axivity `.cwa`: OpenMovement's `cwa.h` ("OMAPI" file format): a 1024-byte "MD" header, then
  512-byte "AX" data blocks of 80 samples (3 axes × int16, 256 units per g), a packed
  timestamp, a rate code (3200 / 2^(15 - code) Hz), and a 16-bit word sum of zero.
- GENEActiv `.bin`: the GENEActiv "binary" text format: 59 header lines (calibration gains and
  offsets on lines 48-53, the page count on line 58), then pages of 10 lines whose last holds 300
  samples as 12 hex digits each (x, y, z as 12-bit two's complement, then light/button);
  g = (raw × 100 − offset) / gain.
- ActiGraph `.gt3x` (version 2): ActiGraph's GT3X-File-Format: a zip with `info.txt` and
  `log.bin`, records of [0x1E, type, Unix seconds uint32, size uint16, payload, checksum]
  where ACTIVITY2 (type 26) holds int16 x, y, z per sample over one second, and the checksum is
  the complement of the XOR of all other bytes.

Each writer takes whole-second starts and rates that divide evenly, which is all the tests need.
"""

from __future__ import annotations

import datetime as dt
import struct
import zipfile
from pathlib import Path

import numpy as np

CWA_UNITS_PER_G = 256
CWA_SAMPLES_PER_BLOCK = 80
GENEA_GAIN = 25600.0  # raw × 100 / gain: 256 raw units per g
GENEA_PAGE = 300
GT3X_SCALE = 256.0


def _quantize(acc: np.ndarray, units: float, lo: int, hi: int) -> np.ndarray:
    return np.clip(np.round(np.asarray(acc, float) * units), lo, hi).astype(np.int64)


def write_cwa(path: Path, start_s: int, acc: np.ndarray, fs: int = 50) -> None:
    """An AX3 file: `acc` (n, 3) in g from Unix second `start_s` at `fs` (6.25-3200 Hz)."""
    code = 15 - int(round(np.log2(3200 / fs)))
    raw = _quantize(acc, CWA_UNITS_PER_G, -32768, 32767)
    header = bytearray(1024)
    header[0:2] = b"MD"
    struct.pack_into("<HBH", header, 2, 1020, 0, 4242)  # size, hardware, device id
    blocks = [bytes(header)]
    for i, a in enumerate(range(0, raw.shape[0], CWA_SAMPLES_PER_BLOCK)):
        part = raw[a : a + CWA_SAMPLES_PER_BLOCK]
        t_block = start_s + a / fs
        second = int(np.ceil(t_block))
        offset = int(round((second - t_block) * fs))  # the sample index the second falls on
        block = bytearray(512)
        block[0:2] = b"AX"
        d = dt.datetime.fromtimestamp(second, dt.UTC)
        stamp = (
            ((d.year - 2000) << 26) | (d.month << 22) | (d.day << 17)
            | (d.hour << 12) | (d.minute << 6) | d.second
        )  # fmt: skip
        struct.pack_into("<HHIII", block, 2, 508, 0, 1, i, stamp)
        struct.pack_into("<HHBBBB", block, 18, 0, 0, 0, 0, code, 0x32)  # 3 axes, int16 each
        # timestampOffset: readers put the first sample at timestamp - offset / fs (cwa.h)
        struct.pack_into("<hH", block, 26, offset, part.shape[0])
        block[30 : 30 + part.size * 2] = part.astype("<i2").tobytes()
        words = np.frombuffer(bytes(block[:510]), "<u2").sum()
        struct.pack_into("<H", block, 510, (-int(words)) & 0xFFFF)
        blocks.append(bytes(block))
    path.write_bytes(b"".join(blocks))


def write_genea_bin(path: Path, start_s: int, acc: np.ndarray, fs: int = 50) -> None:
    """A GENEActiv file: `acc` (n, 3) in g, n a multiple of 300, from `start_s` at `fs`."""
    raw = _quantize(acc, GENEA_GAIN / 100, -2048, 2047) & 0xFFF
    pages = raw.shape[0] // GENEA_PAGE
    head = [f"Header line {i}" for i in range(59)]
    head[0] = "Device Identity"
    head[1] = "Device Unique Serial Code:012345"
    for j, axis in enumerate("xyz"):
        head[47 + 2 * j] = f"{axis} gain:{GENEA_GAIN:.0f}"
        head[48 + 2 * j] = f"{axis} offset:0"
    head[53], head[54] = "Volts:300", "Lux:800"
    head[55], head[56], head[57] = "", "Memory Status", f"Number of Pages:{pages}"
    lines = head
    for p in range(pages):
        t = dt.datetime.fromtimestamp(start_s + p * GENEA_PAGE / fs, dt.UTC)
        stamp = t.strftime("%Y-%m-%d %H:%M:%S:") + f"{t.microsecond // 1000:03d}"
        rows = raw[p * GENEA_PAGE : (p + 1) * GENEA_PAGE]
        hexes = "".join(f"{x:03X}{y:03X}{z:03X}000" for x, y, z in rows.tolist())
        lines += [
            "Recorded Data",
            "Device Unique Serial Code:012345",
            f"Sequence Number:{p}",
            f"Page Time:{stamp}",
            "Unassigned:",
            "Temperature:25.0",
            "Battery voltage:4.0",
            "Device Status:Recording",
            f"Measurement Frequency:{float(fs)}",
            hexes,
        ]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="ascii")


def write_gt3x(path: Path, start_s: int, acc: np.ndarray, fs: int = 50) -> None:
    """A version-2 GT3X archive: `acc` (n, 3) in g, n a multiple of fs, from `start_s`."""
    raw = _quantize(acc, GT3X_SCALE, -32768, 32767)
    records = bytearray()
    for s in range(raw.shape[0] // fs):
        payload = raw[s * fs : (s + 1) * fs].astype("<i2").tobytes()
        head = struct.pack("<BBIH", 0x1E, 26, start_s + s, len(payload))
        check = 0
        for b in head + payload:
            check ^= b
        records += head + payload + bytes([~check & 0xFF])
    ticks = (start_s + 62_135_596_800) * 10_000_000  # .NET ticks since 0001-01-01
    info = (
        f"Serial Number: MOS2A12345678\r\nDevice Type: wGT3XBT\r\nSample Rate: {fs}\r\n"
        f"Start Date: {ticks}\r\nAcceleration Scale: {GT3X_SCALE}\r\n"
        "Acceleration Min: -8.0\r\nAcceleration Max: 8.0\r\n"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("info.txt", info)
        zf.writestr("log.bin", bytes(records))
