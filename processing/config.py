"""The pipeline's settings: one frozen, validated object with placement-dependent defaults.

Why: thresholds differ with where the sensor sits (a sternum sensor sees more trunk flexion than a
belt at the pelvis). Each field left as None takes the value of `PLACEMENT_DEFAULTS[placement]`;
explicit values win. Angles are against the wearer's own upright, accelerations in g.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from backcoach.errors import ConfigError
from backcoach.processing.placement import sensor_deg
from backcoach.processing.steps import StepParams
from backcoach.processing.types import PLACEMENTS, Calibration


class PipelineConfigError(ConfigError, ValueError):
    """A pipeline setting has a value that cannot work (also a ValueError for callers' sake)."""


#: Defaults per placement: the lift finder's thresholds (`lifts.py`; the lift style comes from
#: `lift_style.py`'s model) and the sitting state's angles (`sitstate.py`). At the "waist"
#: (SisFall's belt sensor) `lift_drop_m` 99 switches the windowed lowering off as a lift cue:
#: on that sensor it is noise of ±1 m. The others follow from the anatomy and the simulator.
_TRUNK: dict[str, float] = {  # what every placement on the trunk itself shares
    "lift_seated_guard_s": 3.0,
    "lift_back_tilt_deg": 99.0,
    "lift_dip_deg": 10.0,
    "lift_min_deg": 30.0,
    "lift_drop_m": 0.22,
}
PLACEMENT_DEFAULTS: dict[str, dict[str, float]] = {
    "lower_back": {
        **_TRUNK,
        "sit_forward_deg": 30.0,
        "walk_lean_deg": 6.0,
        "sit_back_deg": -25.0,
        "sensor_above_hip_m": 0.15,
    },
    "waist": {
        "sit_forward_deg": 10.0,
        "lift_seated_guard_s": 0.0,
        "lift_back_tilt_deg": 15.0,
        "lift_dip_deg": 15.0,
        "lift_min_deg": 15.0,
        "walk_lean_deg": 4.0,
        "sit_back_deg": -25.0,
        "lift_drop_m": 99.0,
        "sensor_above_hip_m": 0.05,
    },
    "upper_back": {
        **_TRUNK,
        "sit_forward_deg": 40.0,
        "walk_lean_deg": 4.0,
        "sit_back_deg": -15.0,
        "sensor_above_hip_m": 0.35,
    },
    "chest": {
        **_TRUNK,
        "sit_forward_deg": 40.0,
        "walk_lean_deg": 3.0,
        "sit_back_deg": -15.0,
        "sensor_above_hip_m": 0.4,
    },
}


@dataclass(frozen=True)
class PipelineConfig:
    """Everything the pipeline can be told. `calibration` (from `backcoach calibrate`) overrides
    the up/forward found from the data.
    """

    placement: str = "lower_back"
    calibration: Calibration | None = None
    fs_hz: int = 25  # internal rate; input 12.5-200 Hz is binned onto it
    gap_s: float = 5.0  # longer holes in the input are gaps: no epochs, a gap event
    # Walking and running: trains of step candidates (see gait.py)
    step_thr_g: float = 0.04  # band-passed magnitude peak that is a step candidate (`steps`)
    step_weak_g: float = 0.04  # ... or, in a regular epoch, a peak this far above its troughs
    step_min_reg: float = 0.5  # autocorrelation that makes an epoch regular
    step_max_gap_s: float = 1.5  # candidates further apart end a chain (cadence ≥ 40 steps/min)
    step_max_tilt_deg: float = 10.0  # the trunk turned more between two candidates: not walking
    train_min_steps: int = 4  # a chain this long is walking ("bouts from about three steps")
    bout_bridge_s: float = 3.0  # trains closer than this are one bout (Mobilise-D: 3 s)
    join_min_steps: int = 1  # a shorter chain joins a bout it is that close to
    step_chain_min: int = 2  # ... and its candidates are steps from this many on
    run_activity_g: float = 0.42
    run_cadence_spm: float = 140.0  # ... or this cadence with at least run_min_activity_g
    run_min_activity_g: float = 0.25
    walk_max_incl_deg: float = 45.0
    remount_deg: float = 35.0  # walking this far from the reference's up: sensor re-mounted
    remount_epochs: int = 10
    ref_walk_epochs: int = 20  # walking epochs that fix the upright and forward reference
    walk_lean_deg: float | None = None
    # Forward direction: short excursions away from upright
    fwd_min_deg: float = 20.0
    fwd_max_deg: float = 80.0
    fwd_max_run_s: float = 15.0
    fwd_min_runs: int = 6
    # Postures
    lying_deg: float = 60.0  # total inclination from upright
    lying_max_fwd_deg: float = 50.0  # deeper forward is a bend, not lying prone
    # a still lean back beyond this is evidence of sitting (nobody stands still leaning back;
    # beyond SisFall's standing spread at the belt, -21° at the 10th percentile)
    sit_back_deg: float | None = None
    # a sit-down may end this far forward of the standing before it (slumped; beyond it the
    # end counts against a seat: a crouch, a bend); see sitstate.sit_down_features
    sit_forward_deg: float | None = None
    sit_flat_ms: float = 0.15  # a movement never faster than this kept the body's height
    still_activity_g: float = 0.035
    still_turn_deg: float = 3.0  # trunk angle change from the previous epoch that is movement
    transition_max_s: float = 15.0  # a lift, then sitting down at once
    other_activity_g: float = 0.15  # active but not walking
    static_activity_g: float = 0.02
    static_min_s: float = 60.0
    # Bends and lifts (G3, G4)
    bend_deg: float | None = None  # G4's 20° (upper-back degrees) on this sensor (placement.py)
    lift_max_s: float = 20.0
    seated_bend_deg: float = 45.0  # while seated, only deeper forward flexion counts as a bend
    lift_dip_deg: float | None = None  # forward of the still posture before: a lift candidate
    lift_hold_s: float = 3.0  # held still this long, a turned posture is the new lift base
    # the pelvis tilted back this far and back again: a squat (a belt sensor's view); 99 = off
    lift_back_tilt_deg: float | None = None
    lift_move_activity_g: float = 0.03  # the movement that leads into a held stoop
    lift_min_deg: float | None = None  # a candidate's peak (relative) that makes it a lift
    # The lift style comes from lift_style.py's model (issue 18), not from thresholds here.
    lift_drop_m: float | None = None  # windowed lowering at or over this makes a dip a lift
    sensor_above_hip_m: float | None = None  # trunk flexion alone lowers the sensor this × (1-cos)
    # seated this long before a movement's start or after its end: a lean from a chair, a
    # sit-down or a stand-up, not a lift; 0 = no check (waist: a belt sensor often reads
    # standing as sitting, so its posture cannot veto lifts)
    lift_seated_guard_s: float | None = None

    @property
    def step_params(self) -> StepParams:
        """The step candidates' thresholds, for `features`."""
        return StepParams(self.step_thr_g, self.step_weak_g, self.step_min_reg)

    def __post_init__(self) -> None:
        if self.placement not in PLACEMENTS:
            raise PipelineConfigError(
                f"placement {self.placement!r} is unknown; use one of {', '.join(PLACEMENTS)}"
            )
        if int(self.fs_hz) != self.fs_hz or not 10 <= self.fs_hz <= 200 or self.fs_hz % 5:
            raise PipelineConfigError(f"fs_hz={self.fs_hz}: use a multiple of 5 between 10 and 200")
        if self.train_min_steps < 2 or self.step_max_gap_s <= 0 or self.bout_bridge_s < 0:
            raise PipelineConfigError(
                "train_min_steps must be at least 2, step_max_gap_s positive, bout_bridge_s ≥ 0"
            )
        if self.gap_s <= 0:
            raise PipelineConfigError(f"gap_s={self.gap_s} must be positive")
        if self.calibration is not None and not isinstance(self.calibration, Calibration):
            raise PipelineConfigError("calibration must be a processing.types.Calibration")
        for name, value in PLACEMENT_DEFAULTS[self.placement].items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)
        if self.bend_deg is None:
            object.__setattr__(self, "bend_deg", sensor_deg(20.0, self.placement))
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, float) and v != v:
                raise PipelineConfigError(f"{f.name} is NaN")
