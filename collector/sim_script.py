"""What the simulated wearer does: the script of segments, and a plausible day of them.

Why apart from the rendering (`simulator`): what a day holds (how long people sit, how they walk,
which movements come when) is a question of its own, and the script is what tests and benches
reason about (`Segment.kind`, `ACTIVITIES`), while the signal is built elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backcoach.collector import sim_moves
from backcoach.collector.sim_gait import GAITS

DAY_S = 86400.0  # a day without a DST change

#: Lift style → (peak trunk angle range, deg; pelvis drop range, m): a stoop bends deep and
#: barely lowers, a squat lowers 30-50 cm with a moderate lean (data README's D15/D16 ranges).
LIFT_RANGES = {"back": (70.0, 95.0, 0.0, 0.08), "legs": (25.0, 45.0, 0.30, 0.50)}
SEGMENT_KINDS = ("lying", "sit", "stand", "walk", "run", "bend", "lift", "squat", "stairs", "jump")
#: What the wearer does, per second of the truth: the segment kinds, with standing at work
#: (a stand with weight shifts) and the direction of stairs told apart.
ACTIVITIES: tuple[str, ...] = (
    "lying",
    "sit",
    "stand",
    "work_stand",
    "walk",
    "stairs_up",
    "stairs_down",
    "run",
    "bend",
    "lift",
    "squat",
    "jump",
)


@dataclass(frozen=True)
class Segment:
    """One scripted activity. `kind` is one of `SEGMENT_KINDS`.

    Parameters by kind: sit `lean` (upright|slumped|back); lying `side` (-1 left, 0 back, 1 right);
    stand `shifts` (weight shifts per minute: standing at work, with sway, a step on the spot now
    and then and the arms busy; 0 = standing quietly); walk/run `cadence_hz` (steps per
    second), `gait` (`sim_gait.GAITS`: normal, slow, shuffle, carry) and `turns`; stairs `climb`
    (1 up, -1 down) and `cadence_hz`; bend `peak_deg`, `hold_s`; lift `style` (back|legs),
    `peak_deg`, `drop_m`, `hold_s`; squat `peak_deg` (trunk), `drop_m` (pelvis), `hold_s`.
    `duration_s` for bends, lifts, squats and jumps is derived.
    """

    kind: str
    duration_s: float = 0.0
    lean: str = "upright"
    side: int = 0
    cadence_hz: float = 1.85
    peak_deg: float = 70.0
    hold_s: float = 2.0
    style: str = "back"
    drop_m: float = 0.0
    gait: str = "normal"
    turns: int = 0
    shifts: float = 0.0
    climb: int = 1

    def __post_init__(self) -> None:
        if self.kind not in SEGMENT_KINDS:
            raise ValueError(f"unknown segment kind {self.kind!r}; use one of {SEGMENT_KINDS}")
        if self.gait not in GAITS:
            raise ValueError(f"unknown gait {self.gait!r}; use one of {', '.join(GAITS)}")
        if self.climb not in (1, -1):
            raise ValueError(f"climb={self.climb}: stairs go up (1) or down (-1)")
        if self.kind in ("bend", "lift"):
            move_s = 1.5 + self.peak_deg / 60.0  # down and up take longer for deeper bends
            object.__setattr__(self, "duration_s", 2 * move_s + self.hold_s)
        elif self.kind == "squat":
            object.__setattr__(self, "duration_s", 2 * sim_moves.SQUAT_MOVE_S + self.hold_s)
        elif self.kind == "jump":
            object.__setattr__(self, "duration_s", sim_moves.JUMP_S)
        if self.duration_s <= 0:
            raise ValueError(f"segment {self.kind} needs a positive duration")


def activity_of(seg: Segment) -> str:
    """The segment's entry of `ACTIVITIES`."""
    if seg.kind == "stand" and seg.shifts > 0:
        return "work_stand"
    if seg.kind == "stairs":
        return "stairs_up" if seg.climb > 0 else "stairs_down"
    return seg.kind


def day_script(seed: int = 0, day_s: float = DAY_S) -> list[Segment]:
    """A plausible office worker's day of `day_s` seconds (24 hours), varied by `seed`.

    A day of 23 or 25 hours (a DST change, at night) has a night one hour shorter or longer, so
    the rest of the day keeps its times on the wall clock.

    Walking comes as it does in daily life: indoors in bouts of a few steps to half a minute,
    slow or shuffling now and then, with turns and short pauses; outdoors in longer walks with
    stops. Bends are quick reaches or work in a bent posture held for tens of seconds; lifts
    (pick-ups from the floor, with the back or the legs) come with carrying between them. The
    wearer also takes stairs (home and office), squats at low cupboards, jumps to reach a high
    shelf and works standing part of the desk time and at the sink (issue 18); those come from
    a second generator, so the rest of a seed's day is planned as before.
    """
    rng = np.random.default_rng(seed)
    more = np.random.default_rng([seed, 18])
    s: list[Segment] = []

    def stand(minutes: float) -> None:
        s.append(Segment("stand", minutes * 60))

    def bout(seconds: float, gait: str = "normal", turns: int = 0) -> None:
        lo, hi = GAITS[gait][0]
        cad = float(rng.uniform(lo, hi))
        s.append(Segment("walk", seconds, cadence_hz=cad, gait=gait, turns=turns))

    def outdoors(minutes: float) -> None:
        """A walk outside: minutes at a time, a turn now and then, stops at crossings."""
        left = minutes * 60
        while left > 0:
            part = min(left, float(rng.uniform(60, 300)))
            bout(part, turns=int(part // 120))
            left -= part
            if left > 0:
                s.append(Segment("stand", float(rng.uniform(5, 40))))

    def indoors(minutes: float) -> None:
        """Moving about a room: short bouts, mostly under 30 s, pauses between them."""
        left = minutes * 60
        while left > 0:
            gait = str(rng.choice(["normal", "slow", "shuffle"], p=[0.6, 0.2, 0.2]))
            part = float(rng.uniform(4, 30))
            bout(part, gait, turns=int(rng.random() < 0.4 and part > 6))
            s.append(Segment("stand", float(rng.uniform(1.5, 20))))
            left -= part + s[-1].duration_s

    def reaches(n: int) -> None:
        for _ in range(n):
            stand(float(rng.uniform(0.3, 1.0)))
            s.append(
                Segment("bend", peak_deg=float(rng.uniform(20, 35)), hold_s=rng.uniform(0.5, 2))
            )

    def work_bends(n: int) -> None:
        """Working bent over (a low table, the garden, a drawer): held tens of seconds."""
        for _ in range(n):
            stand(float(rng.uniform(0.5, 2.0)))
            s.append(
                Segment("bend", peak_deg=float(rng.uniform(25, 95)), hold_s=rng.uniform(8, 40))
            )

    def lifts(n_back: int, n_legs: int) -> None:
        """Picking things up from the floor and carrying them a few steps."""
        styles = ["back"] * n_back + ["legs"] * n_legs
        rng.shuffle(styles)
        for style in styles:
            stand(float(rng.uniform(0.2, 0.8)))
            peak_lo, peak_hi, drop_lo, drop_hi = LIFT_RANGES[style]
            s.append(
                Segment(
                    "lift",
                    style=style,
                    peak_deg=float(rng.uniform(peak_lo, peak_hi)),
                    drop_m=float(-rng.uniform(drop_lo, drop_hi)),
                    hold_s=float(rng.uniform(0.8, 2.0)),
                )
            )
            stand(float(rng.uniform(0.1, 0.3)))
            bout(float(rng.uniform(5, 15)), "carry")

    def desk(minutes: float) -> None:
        left = minutes
        while left > 0:
            part = min(left, float(rng.uniform(5, 20)))
            lean = str(rng.choice(["upright", "slumped", "back"], p=[0.5, 0.35, 0.15]))
            s.append(Segment("sit", part * 60, lean=lean))
            left -= part

    def stairs(climb: int, flights: int = 1) -> None:
        """Flights of 12-16 steps, a few steps across the landing between them."""
        lo, hi = GAITS["stairs_up" if climb > 0 else "stairs_down"][0]
        for i in range(flights):
            cad = float(more.uniform(lo, hi))
            s.append(
                Segment("stairs", int(more.integers(12, 17)) / cad, cadence_hz=cad, climb=climb)
            )
            if i < flights - 1:
                s.append(Segment("walk", float(more.uniform(1.5, 3.0)), cadence_hz=1.6))
        # ... and on along the corridor or the room at the top or the bottom.
        s.append(
            Segment(
                "walk", float(more.uniform(4.0, 15.0)), cadence_hz=float(more.uniform(1.6, 2.0))
            )
        )

    def squats(n: int) -> None:
        """Crouching at a low cupboard or to tie a shoe: knees bent, trunk fairly upright."""
        for _ in range(n):
            stand(float(more.uniform(0.2, 0.6)))
            s.append(
                Segment(
                    "squat",
                    peak_deg=float(more.uniform(10, 30)),
                    drop_m=float(-more.uniform(0.3, 0.5)),
                    hold_s=float(more.uniform(3, 20)),
                )
            )
        stand(float(more.uniform(0.1, 0.4)))

    def jumps(n: int) -> None:
        """Reaching for something high with a little jump."""
        for _ in range(n):
            stand(float(more.uniform(0.1, 0.4)))
            s.append(Segment("jump"))
        stand(float(more.uniform(0.1, 0.3)))

    def work_stand(minutes: float) -> None:
        s.append(Segment("stand", minutes * 60, shifts=float(more.uniform(1.0, 4.0))))

    def standing_desk() -> None:
        """Now and then the end of a desk block is worked standing."""
        last = s[-1]
        if more.random() < 0.5 and last.kind == "sit" and last.duration_s > 8 * 60:
            stood = float(more.uniform(4, last.duration_s / 60 - 3))
            s[-1] = Segment("sit", last.duration_s - stood * 60, lean=last.lean)
            work_stand(stood)

    # Night: lying, turning now and then.
    night_left = 7 * 60.0 + (day_s - DAY_S) / 60.0
    while night_left > 0:
        part = min(night_left, float(rng.uniform(60, 120)))
        s.append(Segment("lying", part * 60, side=int(rng.choice([-1, 0, 1]))))
        night_left -= part
    s.append(Segment("sit", 90, lean="upright"))  # edge of the bed
    indoors(3)
    reaches(2)
    work_bends(int(rng.integers(1, 3)))  # making the bed, shoes
    stairs(-1)  # down to the kitchen
    indoors(4)
    s.append(Segment("sit", 20 * 60, lean="upright"))  # breakfast
    outdoors(float(rng.uniform(10, 20)))  # commute
    office_flights = int(more.integers(1, 4))
    stairs(1, office_flights)
    # Morning at the desk: bouts of varying length, some far over 30 min.
    for b in rng.permutation([45.0, 25.0, 55.0, 30.0, 40.0, 50.0, 35.0]):
        desk(float(b) + float(rng.uniform(-5, 5)))
        standing_desk()
        indoors(float(rng.uniform(1.5, 4)))
        if rng.random() < 0.6:
            reaches(1)
    stairs(-1, office_flights)
    outdoors(10)  # lunch
    s.append(Segment("sit", 20 * 60, lean="upright"))
    outdoors(10)
    stairs(1, office_flights)
    lifts(int(rng.integers(1, 4)), int(rng.integers(2, 6)))  # carrying boxes
    squats(int(more.integers(1, 3)))  # a low shelf in the storeroom
    for b in rng.permutation([35.0, 20.0, 50.0, 40.0, 25.0, 45.0, 30.0]):
        desk(float(b) + float(rng.uniform(-5, 5)))
        standing_desk()
        indoors(float(rng.uniform(1.5, 3)))
    stairs(-1, office_flights)
    outdoors(float(rng.uniform(15, 30)))  # home
    work_bends(int(rng.integers(2, 6)))  # chores
    squats(int(more.integers(1, 4)))
    jumps(int(more.integers(1, 4)))
    lifts(int(rng.integers(0, 3)), int(rng.integers(1, 4)))
    if rng.random() < 0.3:
        s.append(Segment("run", float(rng.uniform(10, 20)) * 60, cadence_hz=2.7))
    s.append(Segment("sit", 30 * 60, lean="upright"))  # dinner
    indoors(5)
    work_stand(float(more.uniform(5, 15)))  # dishes at the sink
    indoors(float(rng.uniform(20, 40)))  # tidying up
    reaches(int(rng.integers(1, 4)))
    outdoors(float(rng.uniform(10, 25)))  # evening stroll
    s.append(Segment("sit", float(rng.uniform(70, 110)) * 60, lean="back"))  # sofa
    indoors(2)
    s.append(Segment("sit", float(rng.uniform(60, 90)) * 60, lean="back"))
    stand(3)
    stairs(1)  # up to bed
    used = sum(seg.duration_s for seg in s)
    excess = used - (day_s - 1800.0)  # keep at least half an hour in bed before midnight
    for i in range(len(s) - 1, -1, -1):  # taken from the evening's sitting, latest first
        if excess <= 0:
            break
        if s[i].kind == "sit" and s[i].lean == "back":
            cut = min(excess, s[i].duration_s - 10 * 60)
            if cut > 0:
                s[i] = Segment("sit", s[i].duration_s - cut, lean=s[i].lean)
                excess -= cut
                used -= cut
    s.append(Segment("lying", day_s - used))
    return s
