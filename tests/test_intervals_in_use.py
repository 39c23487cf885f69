"""The user's named intervals join the declared ones inside a request only."""

import threading

from exams import fields
from exams.analysis.chain.custom_intervals import validate_custom_intervals
from exams.ingest import read_export
from tests.test_chain_api import TINY

BUILT_IN = (
    "order_to_complete",
    "complete_to_final",
    "order_to_final",
    "complete_to_preliminary",
    "preliminary_to_final",
)
(OWN,) = validate_custom_intervals(
    [{"name": "order_to_prelim", "start": "ordered_at", "end": "preliminary_at"}]
)


def test_outside_a_request_only_the_built_in_intervals():
    assert tuple(fields.INTERVALS) == BUILT_IN
    assert tuple(fields.METRICS) == ("volume", "ordered", "complete_ratio", *BUILT_IN)


def test_inside_every_list_and_label_has_them_then_not():
    with fields.custom_intervals_in_use([OWN.declared()]):
        assert tuple(fields.INTERVALS) == (*BUILT_IN, "order_to_prelim")
        assert fields.INTERVALS["order_to_prelim"] == ("ordered_at", "preliminary_at")
        assert fields.METRIC_LABELS["order_to_prelim"] == "Ordered → preliminary"
        assert fields.INTERVAL_SHORT_LABELS["order_to_prelim"] == (
            "ordered → preliminary"
        )
        assert "order_to_prelim" in fields.METRICS
        assert "order_to_prelim" in fields.SORT_FIELDS
        assert fields.INTERVAL_LIST[-1].optional
        # Another thread (another request) has its own context: none of them.
        seen = []
        thread = threading.Thread(target=lambda: seen.append(tuple(fields.INTERVALS)))
        thread.start()
        thread.join()
        assert seen == [BUILT_IN]
    assert "order_to_prelim" not in fields.INTERVALS


def test_ingest_keeps_the_built_in_intervals():
    outside = read_export(TINY, filename="tiny.csv")
    with fields.custom_intervals_in_use([OWN.declared()]):
        inside = read_export(TINY, filename="tiny.csv")
    assert inside.quality == outside.quality
    assert list(inside.frame.columns) == list(outside.frame.columns)
    assert "order_to_prelim" not in inside.frame.columns


def test_a_loader_is_read_once_and_only_when_asked():
    calls = []

    def load():
        calls.append(1)
        return [OWN.declared()]

    with fields.custom_intervals_in_use(load):
        assert calls == []  # nothing asked yet (/healthz reads no interval)
        assert "order_to_prelim" in fields.INTERVALS
        assert "order_to_prelim" in fields.METRICS
        assert calls == [1]
    assert "order_to_prelim" not in fields.INTERVALS


FIRST_REQUEST = """
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
print(*(client.get(u).status_code for u in ("/api/settings", "/insights/compare")))
"""


def test_a_first_request_that_imports_the_views_reads_no_interval_at_import(
    tmp_path,
):
    # The views are imported inside the first request, while its intervals are
    # in use: a module that read them at import loaded the settings halfway
    # through importing them (a circular import, a 500).
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "TATVIZ_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "tatviz.settings",
    }
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    migrate = [sys.executable, "manage.py", "migrate", "-v0"]
    subprocess.run(migrate, cwd=root, env=env, check=True, timeout=120)
    done = subprocess.run(
        [sys.executable, "-c", FIRST_REQUEST],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["200", "302"]
