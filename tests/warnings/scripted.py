"""A scripted day of epochs and events with known episodes, and the warnings it must give.

Times are UTC on 2 March 2026; the engine under test uses tz "UTC", quiet hours 22:00-07:00 and a
10 min cooldown (the guidance defaults). Every expected warning is worked out by hand in the
comments of `SCRIPT`.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from backcoach.processing.types import POSTURE_CODE, Epochs, Event

DAY = dt.date(2026, 3, 2)
T0 = dt.datetime(2026, 3, 2, tzinfo=dt.UTC).timestamp()


def at(hhmmss: str) -> float:
    """Unix time of a clock time on DAY (UTC)."""
    parts = [int(x) for x in hhmmss.split(":")] + [0]
    return T0 + parts[0] * 3600 + parts[1] * 60 + parts[2]


# (start, end, posture, trunk_deg, activity_g). Anything not listed is a data gap.
SCRIPT: list[tuple[str, str, str, float, float]] = [
    ("00:00", "06:00", "lying", -85.0, 0.005),  # asleep: no rule applies
    # Sitting from 06:00: G1 would fire at 06:30/06:40/06:50 but those are quiet hours; 07:00 (60
    # min) and 07:10 (70 min) fire. G5 (inactive since 06:00) fires at 07:00.
    ("06:00", "07:15", "sitting", -5.0, 0.03),
    ("07:15", "07:20", "walking", 5.0, 0.20),
    # Standing still from 07:20: G2 at 08:05 (45 min in one posture without movement).
    ("07:20", "08:10", "standing", 0.0, 0.005),
    ("08:10", "08:12", "walking", 5.0, 0.20),
    ("08:12", "08:15", "standing", 0.0, 0.05),
    # Deep bend over 60° for 20 s: G4 at 08:15:15 (15 s reached).
    ("08:15", "08:15:20", "standing", 70.0, 0.05),
    ("08:15:20", "08:20", "standing", 0.0, 0.05),
    # Over 20° for 3 min: reaches 2 min at 08:22 but G4 is in its cooldown (since 08:15:15).
    ("08:20", "08:23", "standing", 30.0, 0.05),
    ("08:23", "08:40", "standing", 0.0, 0.05),
    # Over 20° again: G4 at 08:42 (value 2 min, as its text says), 26 min after the last G4.
    ("08:40", "08:43", "standing", 30.0, 0.05),
    ("08:43", "09:00", "standing", 0.0, 0.05),
    ("09:00", "09:05", "walking", 5.0, 0.20),
    ("09:05", "09:30", "standing", 0.0, 0.05),  # back-lifts at 09:10 and 09:25 fire (see LIFTS)
    ("09:30", "09:35", "walking", 5.0, 0.20),
    # Slumped sitting: G10 at 09:45. Sitting 09:35-10:10: G1 at 10:05 (30 min).
    ("09:35", "09:50", "sitting", 25.0, 0.03),
    ("09:50", "10:10", "sitting", -5.0, 0.03),
    ("10:10", "10:15", "walking", 5.0, 0.20),
    # A 30 s stand is no break (break_min_s = 60): the bout from 10:15 reaches 30 min at 10:45.
    ("10:15", "10:40", "sitting", -5.0, 0.03),
    ("10:40", "10:40:30", "standing", 0.0, 0.05),
    ("10:40:30", "10:50", "sitting", -5.0, 0.03),
    ("10:50", "11:00", "walking", 5.0, 0.20),
    # Sensor off 11:00-21:30. Evening sitting: every G1, G5 and G2 moment is in quiet hours.
    ("21:30", "23:30", "sitting", -5.0, 0.005),
]

# Lifts: back at 09:10 (fires), back at 09:15 (cooldown), legs at 09:16 (no rule), back at
# 09:25 (fires), and a back-lift at 22:30 (quiet hours).
LIFTS: list[tuple[str, str, float]] = [
    ("09:10", "back", 80.0),
    ("09:15", "back", 75.0),
    ("09:16", "legs", 35.0),
    ("09:25", "back", 85.0),
    ("22:30", "back", 82.0),
]

EXPECTED: list[tuple[str, str, float]] = [
    ("07:00", "G1", 60.0),
    ("07:00", "G5", 60.0),
    ("07:10", "G1", 70.0),
    ("08:05", "G2", 45.0),
    ("08:15:15", "G4", 15.0),
    ("08:42", "G4", 2.0),
    ("09:10", "G3", 80.0),
    ("09:25", "G3", 85.0),
    ("09:45", "G10", 10.0),
    ("10:05", "G1", 30.0),
    ("10:45", "G1", 30.0),
]


def scripted_epochs() -> Epochs:
    """The SCRIPT as 1 s epochs."""
    parts = []
    for start, end, posture, trunk, activity in SCRIPT:
        t = np.arange(at(start), at(end), 1.0)
        n = t.size
        parts.append(
            Epochs(
                t_s=t,
                posture=np.full(n, POSTURE_CODE[posture]),
                trunk_deg=np.full(n, trunk),
                side_deg=np.zeros(n),
                activity_g=np.full(n, activity),
                steps=np.full(n, 2 if posture == "walking" else 0),
            )
        )
    return Epochs.concat(parts)


def scripted_events() -> list[Event]:
    """The LIFTS as events that end at the listed time (a lift takes about 6 s)."""
    return [
        Event("lift", at(end) - 6.0, at(end), peak_deg=peak, style=style)
        for end, style, peak in LIFTS
    ]
