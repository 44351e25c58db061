"""Health data is readable by its owner only: folders 0700, files 0600, old loose modes tightened.

And the Settings page's file write is durable: the new file is synced before the rename, and the
folder after it.
"""

from __future__ import annotations

import os
import stat

from backcoach.dashboard import settings_file
from backcoach.storage.outbox import Outbox
from backcoach.storage.sqlite import SQLiteStore


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_embedded_store_and_outbox_are_owner_only(tmp_path):
    data = tmp_path / "data"
    store = SQLiteStore(data / "backcoach.sqlite")
    store.write_status("collector.state", "running")  # the WAL exists now
    box = Outbox(data / "outbox.sqlite")
    box.put("epoch", [("epoch posture=1i 1", 1)])
    try:
        assert _mode(data) == 0o700
        files = sorted(p.name for p in data.iterdir())
        assert "backcoach.sqlite-wal" in files and "outbox.sqlite-wal" in files
        assert {p.name: _mode(p) for p in data.iterdir()} == dict.fromkeys(files, 0o600)
    finally:
        store.close()
        box.close()


def test_a_data_folder_an_older_version_left_readable_is_tightened_on_open(tmp_path):
    data = tmp_path / "data"
    store = SQLiteStore(data / "backcoach.sqlite")
    store.close()
    data.chmod(0o755)
    (data / "backcoach.sqlite").chmod(0o644)
    store = SQLiteStore(data / "backcoach.sqlite")
    store.close()
    assert _mode(data) == 0o700 and _mode(data / "backcoach.sqlite") == 0o600


def test_the_settings_file_is_owner_only_and_synced_before_and_after_its_rename(
    tmp_path, monkeypatch
):
    """fsync(new file) → rename → fsync(folder): a power cut never leaves an empty file."""
    seen: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        seen.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src, dst) -> None:
        seen.append(("replace", str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    cfg = tmp_path / "conf" / "config.toml"
    settings_file.save_settings(cfg, {"sensor.placement": "waist"})
    monkeypatch.undo()
    folder = str(cfg.parent)
    kinds = [(k, "folder" if p == folder else "tmp" if ".config-" in p else p) for k, p in seen]
    assert kinds == [("fsync", "tmp"), ("replace", str(cfg)), ("fsync", "folder")]
    assert _mode(cfg) == 0o600 and _mode(cfg.parent) == 0o700
