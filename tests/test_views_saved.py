"""Saved views round-trip through the HTTP API and survive in the database."""

import json

import pytest
from django.test import Client

from exams.models import SavedView


@pytest.fixture
def client(db):
    return Client()


def post(client, body):
    return client.post("/api/views", json.dumps(body), content_type="application/json")


def test_save_list_replace_and_delete(client):
    created = post(
        client, {"name": "STAT CT nights", "query": "?modality=CT&shift=night&page=3"}
    )
    assert created.status_code == 201
    body = created.json()
    # Paging is not part of a view; the leading '?' is dropped.
    assert body["query"] == "modality=CT&shift=night"
    assert body["url"] == "/dashboard?modality=CT&shift=night"

    replaced = post(client, {"name": "STAT CT nights", "query": "modality=MR"})
    assert replaced.status_code == 200
    assert SavedView.objects.get(name="STAT CT nights").query == "modality=MR"

    listing = client.get("/api/views").json()["views"]
    assert [v["name"] for v in listing] == ["STAT CT nights"]

    assert client.delete(f"/api/views/{body['id']}").status_code == 200
    assert client.get("/api/views").json()["views"] == []
    assert client.delete(f"/api/views/{body['id']}").status_code == 404


@pytest.mark.parametrize(
    "payload",
    [{"query": "modality=CT"}, {"name": "", "query": ""}, {"name": "x" * 121}, []],
)
def test_bad_saved_view_is_400_with_reason(client, payload):
    response = post(client, payload)
    assert response.status_code == 400
    assert response.json()["error"]
