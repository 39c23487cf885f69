"""Load an export through Django's test client and read the exams back."""

import io

import pandas as pd
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client


def load(client, content: bytes) -> Client:
    response = client.post(
        "/api/datasets", {"file": SimpleUploadedFile("tiny.csv", content)}
    )
    assert response.status_code == 201, response.content
    return client


def exams_csv(client) -> pd.DataFrame:
    """Return every exam of the current data set, as the CSV download has it."""
    response = client.get(
        "/api/exams", {"format": "csv", "sort": "accession", "raw": "1"}
    )
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
