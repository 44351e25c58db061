"""The style of a lift from its continuous figures: a small logistic model, fitted offline.

Why: a threshold on one figure (the lowering, else the peak angle) did not carry over to people
it was not tuned on (issue 18: 0.88 on the tuned subjects, 0.785 on held-back ones). The style
is a pattern the sensor can see, not a verdict on the lift (it cannot feel a load): `back` =
bent from the hips with the body barely lowered (a stoop), `legs` = the body lowered with the
trunk more upright (a squat), `unsure` = the figures point both ways and the model's p(back)
lies within `UNSURE_P` of one half: no coin is tossed.

p(back) = 1 / (1 + exp(-(intercept + Σ coef_i · (clip(x_i) - mean_i) / scale_i))); a figure
that was not measured (NaN) counts as its mean (no evidence either way). The coefficients are
fitted by `bench/accuracy_lifts.py` (`bench/lift_model.py`: L2 logistic regression, features
and penalty chosen by nested leave-one-subject-out) and copied here as printed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from backcoach.processing.lift_figures import LiftFigures
from backcoach.processing.placement import TRUNK_SHARE

UNSURE_P = 0.1
DEEP_FROM_DEG = 60.0  # `deep_deg` counts from here at the waist (the guidance's deep-bend line)


@dataclass(frozen=True)
class StyleModel:
    """Per feature: name, clip range, mean, scale, coefficient; and the intercept."""

    features: tuple[str, ...]
    clip_lo: tuple[float, ...]
    clip_hi: tuple[float, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float

    def p_back(self, fig: LiftFigures) -> float:
        x = np.array([float(getattr(fig, f)) for f in self.features])
        x = np.clip(x, self.clip_lo, self.clip_hi)
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        z = np.where(np.isnan(z), 0.0, z)
        return float(1.0 / (1.0 + np.exp(-(self.intercept + z @ np.asarray(self.coef)))))


#: Fitted on the SisFall development subjects (bench/split.py: SA01, SA03, SA05, SA07, SA09,
#: SA11, SE02, SE04, SE06; a waist belt; 88 D15 squats and D16 stoops found, nothing lifted) by
#: `bench/accuracy_lifts.py` on the integrated issue-18 pipeline (sitting, lifts and steps
#: together); nested leave-one-subject-out on those subjects: 0.864 of the lifts found (76 of
#: 88). Angles are the waist sensor's degrees.
WAIST = StyleModel(
    features=("rel_peak_deg", "deep_deg", "lowering_m", "vert_ms"),
    clip_lo=(0, 0, -0.2, 0),
    clip_hi=(120, 60, 0.8, 1.5),
    mean=(53.72, 11.25, 0.1221, 0.4237),
    scale=(32.86, 17.67, 0.1818, 0.2778),
    coef=(0.181, 0.8997, -1.312, -0.8833),
    intercept=-0.0184,
)
_ANGLES = ("rel_peak_deg", "deep_deg", "tilt_back_deg")


def _moved_to(model: StyleModel, placement: str) -> StyleModel:
    """The waist model for a sensor elsewhere: its angle figures read `TRUNK_SHARE` times the
    trunk's inclination, so the angles' clip, mean and scale move with that ratio (lowering and
    vertical speed are the body's, wherever the sensor sits)."""
    k = TRUNK_SHARE[placement] / TRUNK_SHARE["waist"]
    f = [k if name in _ANGLES else 1.0 for name in model.features]
    return replace(
        model,
        clip_lo=tuple(v * x for v, x in zip(model.clip_lo, f, strict=True)),
        clip_hi=tuple(v * x for v, x in zip(model.clip_hi, f, strict=True)),
        mean=tuple(v * x for v, x in zip(model.mean, f, strict=True)),
        scale=tuple(v * x for v, x in zip(model.scale, f, strict=True)),
    )


MODELS: Mapping[str, StyleModel] = {p: _moved_to(WAIST, p) for p in TRUNK_SHARE}


def deep_from_deg(placement: str) -> float:
    """Where `deep_deg` starts counting on a sensor at `placement` (its degrees)."""
    return DEEP_FROM_DEG * TRUNK_SHARE[placement] / TRUNK_SHARE["waist"]


def classify(fig: LiftFigures, placement: str) -> tuple[str, float]:
    """(style, p(back)) of a lift: 'back', 'legs' or 'unsure'."""
    p = MODELS[placement].p_back(fig)
    if abs(p - 0.5) < UNSURE_P:
        return "unsure", p
    return ("back" if p >= 0.5 else "legs"), p
