"""A program that keeps a store open and writes when told: the collector's side of a shared store.

Run as `python -m tests.storage.shared_writer store|outbox PATH`. Each line on stdin, `N`, writes
N rows (one transaction each: epochs of one second for the store, one batch for the outbox) and
answers `wrote TOTAL` once they are committed; the process holds its connection open until
stdin closes (or it is killed), as a running collector does.
"""

from __future__ import annotations

import sys

import numpy as np

from backcoach.processing.types import Epochs
from backcoach.storage.outbox import Outbox
from backcoach.storage.sqlite import SQLiteStore

T0_S = 1_700_000_000.0  # the first epoch's time; row i is at T0_S + i


def epoch(i: int) -> Epochs:
    """One epoch at T0_S + i."""
    return Epochs(
        t_s=np.array([T0_S + i]),
        posture=np.array([1], np.int8),
        trunk_deg=np.array([5.0]),
        side_deg=np.array([0.0]),
        activity_g=np.array([0.01]),
        steps=np.array([0], np.int16),
    )


def main(kind: str, path: str) -> None:
    store = SQLiteStore(path) if kind == "store" else None
    box = Outbox(path) if kind == "outbox" else None
    total = 0
    for line in sys.stdin:
        for _ in range(int(line)):
            if store is not None:
                store.write_epochs(epoch(total))
            elif box is not None:
                box.put("epoch", [(f"epoch,wearer=me posture=1i {total}", 1)])
            total += 1
        print(f"wrote {total}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
