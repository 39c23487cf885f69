"""The first minute: `make run` twice, and `python launcher.py` from a checkout.

`make run` is `launcher.py --sample`: on a data dir that holds data sets it
opens the one used last and adds no second sample; from a source checkout
the static files the pages need are collected when missing or stale.
"""

import os
import time
from pathlib import Path

import pytest

import launcher
from tests.app_sessions import RunningApp

TINY = (
    b"Exam Complete Date/Tm,Order Procedure Accession,Exam Order Date/Time,"
    b"Final Date/Tm,Exam Order Name\n"
    b"01/20/2025 09:30,OWN1,01/20/2025 08:00,01/20/2025 10:00,CT HEAD\n"
    b"01/21/2025 10:30,OWN2,01/21/2025 09:00,01/21/2025 11:45,XR CHEST\n"
)


def _names(app: RunningApp) -> list[str]:
    answer = app.session().get("/api/datasets")
    assert answer.status == 200
    return [d["name"] for d in answer.json()["datasets"]]


def test_sample_started_twice_opens_the_users_data_not_a_second_sample(tmp_path):
    first = RunningApp(tmp_path, "--sample")
    try:
        assert _names(first) == ["ris_export_sample.csv"]
        session = first.session()
        answer = session.upload([("own.csv", TINY)])
        assert answer.status == 201, answer.body
    finally:
        assert first.stop() == 0
    second = RunningApp(tmp_path, "--sample")
    try:
        # Still one sample, and a new browser session opens the user's export.
        assert sorted(_names(second)) == ["own.csv", "ris_export_sample.csv"]
        current = second.session().get("/api/datasets/current").json()
        assert current["filename"] == "own.csv"
        assert current["rows_loaded"] == 2
    finally:
        assert second.stop() == 0


def test_static_files_are_collected_when_missing_and_kept_when_current(
    settings, tmp_path
):
    settings.STATIC_ROOT = str(tmp_path / "staticfiles")
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    launcher.prepare_static_files()
    assert manifest.is_file()
    collected = manifest.stat().st_mtime
    time.sleep(0.05)
    launcher.prepare_static_files()
    assert manifest.stat().st_mtime == collected  # current: not collected again


def test_static_files_older_than_a_source_file_are_collected_again(settings, tmp_path):
    settings.STATIC_ROOT = str(tmp_path / "staticfiles")
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    launcher.prepare_static_files()
    # The manifest predates the checkout's files (e.g. after a `git pull`).
    os.utime(manifest, (1, 1))
    launcher.prepare_static_files()
    assert manifest.stat().st_mtime > 1


def test_unwritable_static_folder_stops_with_what_to_run(settings, tmp_path):
    if os.geteuid() == 0:
        # root writes anywhere: point STATIC_ROOT below a file instead.
        (tmp_path / "a-file").write_text("x")
        settings.STATIC_ROOT = str(tmp_path / "a-file" / "staticfiles")
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        settings.STATIC_ROOT = str(locked / "staticfiles")
    from tatviz.catalogue import StartError

    with pytest.raises(StartError) as raised:
        launcher.prepare_static_files()
    assert "make static" in str(raised.value)
    assert "\n" not in str(raised.value)
