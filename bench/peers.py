"""The field's peers, run on the same recordings as backcoach: mobgap and scikit-digital-health.

Install them with `pip install -e '.[bench]'`. Both are called the way their documentation
shows; where our data lacks what they expect, that is said next to the figure:

- mobgap (Mobilise-D, Apache-2.0): `MobilisedPipelineHealthy` and `MobilisedPipelineImpaired`,
  the consortium's validated gait pipelines for a lower-back sensor. They need the body frame
  (we give the recording's documented axes; backcoach finds them itself) and a gyroscope, which
  our sensors do not have: it is zero here, which leaves turns and left/right undetected but
  not the walking bouts and initial contacts, which come from the accelerometer.
- scikit-digital-health (Pfizer, MIT): `skdh.sit2stand.Sit2Stand`, for a lumbar sensor, in g.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np

G_MS2 = 9.81


def missing() -> list[str]:
    """The peers that cannot be imported here."""
    out = []
    try:
        import mobgap  # noqa: F401
    except ImportError:
        out.append("mobgap")
    try:
        import skdh  # noqa: F401
    except ImportError:
        out.append("scikit-digital-health")
    return out


@dataclass
class _Datapoint:
    """The few attributes of a tpcp dataset row that mobgap's pipelines read."""

    data_ss: object
    sampling_rate_hz: float
    participant_metadata: dict
    recording_metadata: dict
    group_label: tuple = ("backcoach-bench",)


def _axis(spec: str) -> np.ndarray:
    v = np.zeros(3)
    v["xyz".index(spec[-1])] = -1.0 if spec.startswith("-") else 1.0
    return v


def mobgap_walking(
    acc_g: np.ndarray, fs_hz: float, axis_up: str, axis_forward: str, *, impaired: bool
) -> tuple[list[tuple[float, float]], np.ndarray]:
    """mobgap's final walking bouts (start, end in s) and the times (s) of the initial contacts
    inside them (its raw initial contacts, as its per-bout `n_raw_initial_contacts` counts)."""
    import pandas as pd
    from mobgap.pipeline import MobilisedPipelineHealthy, MobilisedPipelineImpaired

    up, fwd = _axis(axis_up), _axis(axis_forward)
    ml = np.cross(fwd, up)  # right-handed (is, ml, pa), as mobgap defines it
    a = acc_g.astype(np.float64) * G_MS2
    # mobgap's sensor frame for a lower-back sensor: x up, y left-right, z forward.
    df = pd.DataFrame(
        {
            "acc_x": a @ up,
            "acc_y": a @ ml,
            "acc_z": a @ fwd,
            "gyr_x": 0.0,
            "gyr_y": 0.0,
            "gyr_z": 0.0,
        }
    )
    pipe = MobilisedPipelineImpaired() if impaired else MobilisedPipelineHealthy()
    dp = _Datapoint(
        df,
        float(fs_hz),
        {"cohort": "MS" if impaired else "HA", "height_m": 1.7, "sensor_height_m": 0.95},
        {"measurement_condition": "laboratory"},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe.run(dp)
    wbs = pipe.per_wb_parameters_
    if wbs is None or len(wbs) == 0:
        return [], np.empty(0)
    starts, ends = wbs["start"].to_numpy(float), wbs["end"].to_numpy(float)
    ic = np.unique(pipe.raw_ic_list_["ic"].to_numpy(float))
    inside = np.any((ic[:, None] >= starts) & (ic[:, None] <= ends), axis=1)
    bouts = [(s / fs_hz, e / fs_hz) for s, e in zip(starts, ends, strict=True)]
    return bouts, ic[inside] / fs_hz


def skdh_stand_ups(t_s: np.ndarray, acc_g: np.ndarray) -> np.ndarray:
    """Start times (s, in the input's time base) of scikit-digital-health's sit-to-stands."""
    from skdh.sit2stand import Sit2Stand

    base = 1_700_000_000.0  # Sit2Stand wants Unix time; any one day works
    logging.disable(logging.INFO)  # two INFO lines per call otherwise (skdh sets its own level)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = Sit2Stand().predict(time=t_s + base, accel=acc_g.astype(np.float64))
    finally:
        logging.disable(logging.NOTSET)
    return np.asarray(res.get("STS Start", []), dtype=np.float64) - base
