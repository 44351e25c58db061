"""How much of the trunk's forward inclination a sensor reads where it is worn.

Why: the guidance's bend bands (G4: 20°, 45°, 60°) are ActiPASS's norms for an accelerometer on
the upper back, which tilts with the whole trunk. Lower down, the sensor tilts only with the
segments below it: a belt at the waist with the pelvis, a patch on the lower back with the
pelvis and the lowest lumbar segments. When a person bends forward, the lumbar spine flexes
first and the pelvis (the hips) takes over later; at full flexion the pelvis gives roughly 60-70%
of the trunk's inclination and the lumbar spine the rest (lumbopelvic rhythm: Esola et al.,
Spine 1996; Tafazzol et al., Clin Biomech 2014; review: Vazirian et al., Int Musculoskelet Med
2016). So the same stoop reads less at the waist than on the upper back, and a band edge in the
guidance's (upper-back) degrees is `TRUNK_SHARE[placement]` times as many degrees on the sensor.

The shares (one number per placement; the rhythm's early lumbar lead is not modelled):
- `upper_back`, `chest`: 1.0 (the norms' own placement; the sternum tilts with the thorax).
- `waist`: 0.65, the pelvis's share at full flexion (60-70% in the sources above), checked on the
  SisFall development subjects (bench/split.py): their belt reads a median 76° at the bottom of
  a straight-legged stoop (D16, `bench/accuracy_lifts.py`), 0.65-0.7 of the 110-120° of trunk
  inclination of a full standing stoop.
- `lower_back` (L3-L5): 0.75, between the pelvis and the thorax: the pelvis plus the lumbar
  segments below the sensor. A judgement, not a measurement: no recording here has a lumbar and
  an upper-back sensor together.
"""

from __future__ import annotations

from collections.abc import Mapping

TRUNK_SHARE: Mapping[str, float] = {
    "upper_back": 1.0,
    "chest": 1.0,
    "lower_back": 0.75,
    "waist": 0.65,
}


def sensor_deg(trunk_deg: float, placement: str) -> float:
    """The sensor's reading (degrees forward of upright) for a trunk inclination in the
    guidance's upper-back degrees."""
    return float(trunk_deg) * TRUNK_SHARE[placement]
