"""Print the forecast API's answers on the bundled sample as one JSON line.

Run by tests/test_exe.py with the development venv's Python and with the
exe venv's (numpy built without OpenBLAS): the two lines must be equal.
Standalone: ``python scripts/forecast_answers.py`` (uses a throwaway data dir).
"""

import io
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = (
    "",
    "?horizon_weeks=8",
    "?split=modality",
    "?modality=CT&horizon_weeks=12",
    "?period=week",
    "?priority=STAT",
)


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ["TATVIZ_DATA_DIR"] = tempfile.mkdtemp(prefix="tatviz-forecast-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tatviz.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    sample = ROOT / "sample_data" / "ris_export_sample.csv"
    call_command("load_exports", str(sample), verbosity=0, stdout=io.StringIO())
    client = Client(HTTP_HOST="127.0.0.1")
    answers = {}
    for query in QUERIES:
        response = client.get("/api/forecast" + query)
        answers[query] = [response.status_code, response.json()]
    print(json.dumps(answers, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
