"""The sensors' on-board logs as bytes: the open profile's log commands and MetaWear's entries."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backcoach.collector.profiles import metamotion_log as mw
from backcoach.collector.profiles import open_log
from backcoach.collector.profiles.base import DecodeError

# Open profile, status response: op 0x83, ok, flags logging|full, 25 Hz, 8 g, 1500 samples held,
# capacity 360 000, oldest 12.5 s, newest 72.46 s (µs, little-endian)
STATUS_BYTES = bytes.fromhex(
    "83 00  03  1900 08  dc050000  407e0500  20bcbe0000000000  e0a6510400000000"
)
# read done: 1500 samples in 40 packets, next read from 72.5 s
READ_DONE_BYTES = bytes.fromhex("84 00  dc050000  2800  2043520400000000")


def test_open_log_commands_are_the_documented_bytes() -> None:
    """start 25 Hz 8 g; read [12.5 s, 72.5 s); erase through 60 s (docs/sensor-protocol.md)."""
    assert open_log.start(25, 8) == bytes.fromhex("01190008")
    assert open_log.status() == b"\x03"
    assert open_log.read(12.5, 72.5) == bytes.fromhex("04 20bcbe0000000000 2043520400000000")
    assert open_log.erase(60.0) == bytes.fromhex("05 0087930300000000")
    assert open_log.abort() == b"\x06"


def test_open_log_status_and_read_done_decode_to_their_fields() -> None:
    status = open_log.decode_response(STATUS_BYTES).status
    assert status == open_log.LogStatus(True, True, 25.0, 8.0, 1500, 360000, 12.5, 72.46)
    done = open_log.decode_response(READ_DONE_BYTES)
    assert done.op == open_log.OP_READ and done.done == open_log.ReadDone(1500, 40, 72.5)
    assert open_log.encode_status(open_log.OP_STATUS, status) == STATUS_BYTES
    assert open_log.encode_read_done(open_log.OP_READ, done.done) == READ_DONE_BYTES


def test_an_open_log_refusal_is_a_result_not_a_status() -> None:
    reply = open_log.decode_response(bytes([0x84, open_log.RESULT_BUSY]))
    assert not reply.ok and reply.status is None and reply.done is None


def test_an_empty_open_log_has_no_oldest_time() -> None:
    empty = open_log.LogStatus(True, False, 25.0, 8.0, 0, 1000, None, None)
    got = open_log.decode_response(open_log.encode_status(open_log.OP_STATUS, empty)).status
    assert got.oldest_s is None and got.count == 0


def test_open_log_commands_parse_back_as_a_firmware_reads_them() -> None:
    assert open_log.parse_command(open_log.start(25, 8)) == (open_log.OP_START, (25.0, 8.0))
    assert open_log.parse_command(open_log.read(1.5, 2.25)) == (open_log.OP_READ, (1.5, 2.25))
    with pytest.raises(DecodeError):
        open_log.parse_command(b"\x04\x00")


@given(st.binary(max_size=40))
def test_open_log_responses_only_ever_raise_decode_errors(payload: bytes) -> None:
    with contextlib.suppress(DecodeError):
        open_log.decode_response(payload)


# MetaWear read-out notification with two entries: logger 0 (x, y) and logger 1 (z) of one
# sample at tick 0x00001000, reset uid 2: x = 1000, y = -2 counts, z = 4096 counts
ENTRIES_BYTES = bytes.fromhex("0b07  40 00100000 e803feff  41 00100000 00100000")


def test_metawear_entries_decode_and_pair_into_a_sample() -> None:
    entries = mw.decode(ENTRIES_BYTES)
    assert isinstance(entries, mw.Entries)
    assert entries.ids.tolist() == [0, 1] and entries.reset_uids.tolist() == [2, 2]
    ticks, acc, uids = mw.samples_from_entries(entries, 0, 1, 8.0)
    assert ticks.tolist() == [0x1000] and uids.tolist() == [2]
    np.testing.assert_allclose(acc, [[1000 * 8 / 32768, -2 * 8 / 32768, 4096 * 8 / 32768]])


def test_metawear_entries_round_trip_through_the_encoder() -> None:
    counts = np.array([1000, -2, 4096])
    xy, z = mw.encode_sample_entries(counts)
    assert mw.encode_entries([0, 1], 2, [0x1000, 0x1000], [xy, z]) == ENTRIES_BYTES


def test_an_unpaired_xy_entry_is_not_a_sample_yet() -> None:
    """The read-out may end between a sample's x/y entry and its z entry."""
    e = mw.Entries(np.array([1, 0]), np.array([0, 0]), np.array([5, 9]), np.array([7, 8]))
    ticks, acc, _ = mw.samples_from_entries(e, 0, 1, 8.0)
    assert ticks.size == 0 and acc.shape == (0, 3)


def test_metawear_logging_commands_follow_the_published_register_map() -> None:
    """Logger for x/y (offset 0, 4 bytes) and z (offset 4, 2 bytes) of the acc data signal."""
    assert mw.add_trigger(0, 4) == bytes.fromhex("0b020304ff60")
    assert mw.add_trigger(4, 2) == bytes.fromhex("0b020304ff24")
    assert mw.read_time() == bytes.fromhex("0b84") and mw.read_length() == bytes.fromhex("0b85")
    assert mw.readout(1000, 100) == bytes.fromhex("0b06e803000064000000")
    assert mw.drop(2) == bytes.fromhex("0b0902000000")
    assert mw.circular(False) == bytes.fromhex("0b0b00") and mw.enable(True) == b"\x0b\x01\x01"
    assert mw.decode(bytes.fromhex("0b84 10270000 03")) == mw.Time(10000, 3)
    info = mw.decode(bytes.fromhex("0b80 00 03 08 40420f00 1000"))
    assert info == mw.Info(3, 1_000_000)


@given(st.binary(min_size=2, max_size=24))
def test_metawear_log_messages_only_ever_raise_decode_errors(payload: bytes) -> None:
    with contextlib.suppress(DecodeError):
        mw.decode(bytes([mw.LOGGING]) + payload[1:])
