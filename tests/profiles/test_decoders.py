"""Decoders: captured-style bytes with hand-worked values, round trips, and fuzzing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backcoach.collector.profiles import (
    base,
    metamotion,
    movesense,
    open_profile,
    polar,
    thingy,
    witmotion,
)
from backcoach.collector.profiles.base import DecodeError

# Polar H10 ACC frame, raw int16: type 2, t = 1_000_000_000 ns, frame 0x01, two samples in mg:
# (1000, 0, -1000) and (-2, 3, 1024).
POLAR_RAW = bytes.fromhex("0200ca9a3b0000000001e803000018fcfeff03000004")
WIT_PACKET = bytes([0x55, 0x61]) + np.array([2048, -2048, 0, 0, 0, 0, 0, 0, 0], "<i2").tobytes()


def test_polar_raw_frame_gives_milli_g_and_times_back_from_the_last_sample() -> None:
    """Two raw samples at 100 Hz end at t = 1 s, so the first sample is at 0.99 s."""
    f = polar.decode(POLAR_RAW, 100.0)
    np.testing.assert_allclose(f.acc_g, [[1.0, 0.0, -1.0], [-0.002, 0.003, 1.024]], atol=1e-6)
    assert f.first_t_s == pytest.approx(0.99)


def test_polar_compressed_frame_adds_deltas_to_the_reference() -> None:
    """Bits are packed LSB first; 3-bit deltas 1,-1,0 then -4,3,2."""
    deltas = [1, -1, 0, -4, 3, 2]
    bits = "".join(format(d & 0b111, "03b")[::-1] for d in deltas)  # LSB first per value
    packed = bytes(int(bits[i : i + 8][::-1], 2) for i in range(0, len(bits), 8))
    frame = bytes([2]) + (0).to_bytes(8, "little") + bytes([0x80])
    frame += np.array([10, -20, 30], "<i2").tobytes() + bytes([3, 2]) + packed
    f = polar.decode(frame, 50.0)
    np.testing.assert_allclose(
        f.acc_g * 1000, [[10, -20, 30], [11, -21, 30], [7, -18, 32]], atol=1e-4
    )


@given(st.lists(st.tuples(*[st.integers(-30000, 30000)] * 3), min_size=1, max_size=300))
def test_polar_compressed_encoding_round_trips(rows: list[tuple[int, int, int]]) -> None:
    mg = np.array(rows, np.int64)
    f = polar.decode(polar.encode(123, mg, compressed=True), 200.0)
    np.testing.assert_array_equal(np.round(f.acc_g.astype(np.float64) * 1000), mg)


def test_witmotion_resynchronises_after_garbage_and_skips_a_cut_packet() -> None:
    """Garbage before, a whole packet, then a half packet: exactly one sample."""
    f = witmotion.decode(b"\x00\x55\x13" + WIT_PACKET + WIT_PACKET[:11], 50.0)
    np.testing.assert_allclose(f.acc_g, [[1.0, -1.0, 0.0]])


def test_witmotion_reads_several_packets_in_one_notification() -> None:
    acc = np.array([[0.5, 0.25, -1.0], [0.0, 1.0, 2.0], [-3.0, 0.0, 0.125]])
    np.testing.assert_allclose(witmotion.decode(witmotion.encode(acc), 50.0).acc_g, acc)


def test_thingy_raw_data_is_q6_10() -> None:
    payload = np.array([1024, -512, 2048, 1, 2, 3, 4, 5, 6], "<i2").tobytes()
    np.testing.assert_allclose(thingy.decode(payload, 50.0).acc_g, [[1.0, -0.5, 2.0]])


def test_open_profile_header_and_scale() -> None:
    """Range 8 g: 4096 counts = 1 g; counter and first-sample time in µs come through."""
    payload = bytes([1, 8]) + (65535).to_bytes(2, "little") + (2_500_000).to_bytes(8, "little")
    payload += np.array([4096, 0, -4096, 2048, 2048, 2048], "<i2").tobytes()
    f = open_profile.decode(payload, 50.0)
    assert f.seq == 65535 and f.first_t_s == pytest.approx(2.5)
    np.testing.assert_allclose(f.acc_g, [[1, 0, -1], [0.5, 0.5, 0.5]])


@pytest.mark.parametrize("name", list(base.PROFILE_MODULES))
@settings(max_examples=300, deadline=None)
@given(payload=st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_decode_error(name: str, payload: bytes) -> None:
    """Whatever arrives, a decoder returns a well-formed Frame or raises DecodeError."""
    profile = base.get(name)
    try:
        f = profile.decode(payload, profile.default_rate_hz, profile.default_range_g)
    except DecodeError as exc:
        assert exc.profile == name and exc.kind
        return
    assert f.acc_g.ndim == 2 and f.acc_g.shape[1] == 3 and len(f) >= 1
    assert f.acc_g.dtype == np.float32


@pytest.mark.parametrize("name", list(base.PROFILE_MODULES))
def test_profiles_are_detected_from_their_advertised_service(name: str) -> None:
    profile = base.get(name)
    assert (
        base.detect(["0000180f-0000-1000-8000-00805f9b34fb", profile.service_uuid.upper()])
        is profile
    )
    assert base.detect(["0000180f-0000-1000-8000-00805f9b34fb"]) is None


def test_unknown_profile_names_the_known_ones() -> None:
    with pytest.raises(
        base.UnknownProfile, match="open, polar, witmotion, thingy, movesense, metamotion"
    ):
        base.get("fitbit")


def test_a_polar_h10_advertising_only_heart_rate_is_found_by_name() -> None:
    hr = ["0000180d-0000-1000-8000-00805f9b34fb"]
    assert base.detect(hr, "Polar H10 8C4F2A21").name == "polar"
    assert base.detect(hr, "Mi Band") is None


def test_movesense_data_is_float_m_s2_with_a_millisecond_timestamp() -> None:
    payload = bytes([2, 0x42]) + (1500).to_bytes(4, "little")
    payload += np.array([9.80665, 0.0, -4.903325], "<f4").tobytes()
    f = movesense.decode(payload, 52.0)
    assert f.first_t_s == pytest.approx(1.5)
    np.testing.assert_allclose(f.acc_g, [[1.0, 0.0, -0.5]], rtol=1e-6)
    with pytest.raises(DecodeError, match="header"):
        movesense.decode(bytes([1, 0x42]) + payload[2:], 52.0)  # a command response


def test_metamotion_data_message_and_haptic_command() -> None:
    """At ±8 g, 4096 counts = 1 g; a 500 ms buzz is duty 248, width 0x01f4, motor 0."""
    payload = bytes([0x03, 0x04]) + np.array([4096, -2048, 0], "<i2").tobytes()
    np.testing.assert_allclose(metamotion.decode(payload, 50.0, 8.0).acc_g, [[1.0, -0.5, 0.0]])
    assert metamotion.buzz(0.5)[0].payload.hex() == "0801f8f40100"
    with pytest.raises(DecodeError, match="header"):
        metamotion.decode(bytes([0x03, 0x05]) + payload[2:], 50.0, 8.0)
