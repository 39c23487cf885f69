"""Data-set views: upload, mapping, current summary, switch, delete (docs/API.md)."""

import contextlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect

from exams import ingest, progress
from exams.storage import inventory, store, uploads
from exams.storage.answers import Answer
from exams.views._common import json_error
from exams.views.errors import require_GET, require_http_methods, require_POST

DATE_ORDERS = ("auto", "mdy", "dmy")


@dataclass(frozen=True)
class Received:
    """What an upload came to: the JSON body and its HTTP status."""

    body: dict
    status: int

    def response(self) -> JsonResponse:
        """Return the answer as the API sends it."""
        return JsonResponse(self.body, status=self.status)


class _Refused(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


def _uploads(request) -> list:
    """Return the uploaded files; raise _Refused saying what is wrong."""
    files = request.FILES.getlist("file")
    if not files:
        raise _Refused(
            "No file received: send the export as a multipart form field "
            "named 'file' (CSV or .xlsx)."
        )
    limit = settings.TATVIZ_MAX_UPLOAD_MB * 1024 * 1024
    for upload in files:
        if upload.size > limit:
            raise _Refused(
                f"'{uploads.clean_filename(upload.name)}' is "
                f"{upload.size / 1048576:.1f} MB; the limit is "
                f"{settings.TATVIZ_MAX_UPLOAD_MB} MB (setting TATVIZ_MAX_UPLOAD_MB).",
                status=413,
            )
    total = sum(upload.size for upload in files)
    if total > limit:
        # The server refuses requests over the limit too: say it plainly here.
        raise _Refused(
            f"These {len(files)} files are {total / 1048576:.1f} MB together; one "
            f"upload may hold at most {settings.TATVIZ_MAX_UPLOAD_MB} MB (setting "
            "TATVIZ_MAX_UPLOAD_MB). Upload them in several goes: add the rest "
            "to the current data set.",
            status=413,
        )
    return files


def _pending_body(pending: ingest.IngestError) -> dict:
    """Return the 422's body that asks for a column mapping or a date order."""
    body = {
        "id": getattr(pending, "dataset_id", None),
        "filename": getattr(pending, "filename", ""),
    }
    if isinstance(pending, ingest.NeedsMapping):
        body.update(
            needs_mapping=True,
            headers=pending.headers,
            guesses=pending.guesses,
            # A few values of each column (patient data: for this browser only).
            samples=getattr(pending, "samples", {}),
            evidence=getattr(pending, "evidence", {}),
        )
    else:
        body.update(
            needs_date_order=True, columns=pending.columns, choices=["mdy", "dmy"]
        )
    return {"error": pending.message, **body}


def _pending_response(pending: ingest.IngestError) -> JsonResponse:
    """Return the 422 that asks for a column mapping or a date order."""
    return JsonResponse(_pending_body(pending), status=pending.status)


def _loaded(request, dataset, *, status: int) -> JsonResponse:
    store.set_current(request, dataset)
    return JsonResponse(dataset.summary, status=status)


@require_http_methods(["GET", "POST"])
def datasets_collection(request):
    """``GET`` lists the loaded data sets; ``POST`` uploads a new one."""
    if request.method == "POST":
        return create_dataset(request)
    return list_datasets(request)


def receive_upload(request, *, adding: bool) -> Received:
    """Load the uploaded export(s): a new current data set, or added files.

    The answer is the data set's summary (201 new, 200 added) or the error;
    the upload page without JavaScript words the same answer. An upload
    named by ``X-Upload-Id`` reports its progress (`upload_progress`).
    """
    with progress.tracking(request.headers.get("X-Upload-Id")):
        return _receive_upload(request, adding=adding)


@require_GET
def upload_progress(request, upload_id: str):
    """Return how far the server is with an upload: ``{"stage", "percent"}``.

    An id not seen (yet) is "waiting": the page may ask while the server is
    still receiving the body, before the upload's view has started.
    """
    if not progress.valid_id(upload_id):
        return json_error(
            "An upload id is the X-Upload-Id header sent with the upload: 16 "
            "to 64 lower-case hex digits.",
            status=400,
        )
    return JsonResponse(progress.find(upload_id) or progress.WAITING)


def _receive_upload(request, *, adding: bool) -> Received:
    try:
        files = _uploads(request)
        answer = _form_answer(request)
        existing = None if adding or answer else inventory.find_existing(files)
        if existing is not None:
            # The same files again: open the data set that holds them.
            store.set_current(request, existing)
            return Received(
                {**existing.summary, "existing": True, "name": existing.name}, 201
            )
        if adding:
            named = request.session.get(store.SESSION_ID_KEY)
            if named and store.get_dataset(named) is None:
                # Deleted (in another tab): never add to whatever is the default.
                raise store.DatasetGone("you were adding to")
            dataset = store.current_dataset(request)
            dataset = store.add_files(dataset, files, answer=answer)
        else:
            dataset = store.create_dataset(files, answer=answer)
    except (_Refused, store.DatasetGone) as exc:
        return Received({"error": exc.message}, exc.status)
    except store.NoDataset as exc:
        return Received({"error": exc.message}, 404)
    except (ingest.NeedsMapping, ingest.AmbiguousDates) as pending:
        # Adding keeps nothing ("id": null): send the files again with the answer.
        return Received(_pending_body(pending), pending.status)
    except ingest.IngestError as exc:
        return Received({"error": exc.message}, exc.status)
    store.set_current(request, dataset)
    return Received(dataset.summary, 200 if adding else 201)


def create_dataset(request):
    """Make the uploaded export(s) the session's current data set."""
    return receive_upload(request, adding=False).response()


@require_POST
def add_files(request):
    """Add export(s) to the current data set (monthly exports of one year)."""
    return receive_upload(request, adding=True).response()


def _form_answer(request) -> Answer | None:
    """Return the answer sent with an upload (form fields mapping, date_order)."""
    raw, date_order = request.POST.get("mapping"), request.POST.get("date_order")
    if not raw and not date_order:
        return None
    mapping, order = _parse_mapping(raw or "{}", date_order=date_order or None)
    return Answer(mapping=mapping, date_order=order)


def _mapping_body(request) -> tuple[dict, str | None]:
    """Parse the JSON body ``{canonical: header}`` (optionally with date_order)."""
    return _parse_mapping(request.body or b"{}")


def _parse_mapping(
    raw: bytes | str, *, date_order: str | None = None
) -> tuple[dict, str | None]:
    """Parse ``{canonical: header}`` (optionally with ``date_order``)."""
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ingest.IngestError(
            'The mapping must be a JSON object such as {"completed_at": "Exam End"}.'
        ) from None
    if not isinstance(body, dict):
        raise ingest.IngestError(
            "The mapping must be a JSON object {canonical: header}."
        )
    body = dict(body.get("mapping", body))
    date_order = body.pop("date_order", date_order)
    if date_order is not None and date_order not in DATE_ORDERS:
        raise ingest.IngestError(
            f"date_order '{date_order}' is not one of: {', '.join(DATE_ORDERS)}."
        )
    bad = [k for k, v in body.items() if not isinstance(v, str) or not v]
    if bad:
        raise ingest.IngestError(
            "Each mapping value must be a column header (text); check: "
            f"{', '.join(bad)}."
        )
    return body, date_order


@require_POST
def apply_mapping(request, dataset_id):
    """Complete a data set that waited for its column mapping."""
    dataset = store.get_dataset(dataset_id)
    if dataset is None:
        return json_error(f"No data set with id '{dataset_id}'.", status=404)
    try:
        mapping, date_order = _mapping_body(request)
        dataset = store.apply_mapping(dataset, mapping=mapping, date_order=date_order)
    except (ingest.NeedsMapping, ingest.AmbiguousDates) as pending:
        return _pending_response(pending)
    except ingest.IngestError as exc:
        # The upload stays held: the same form can be answered again.
        return json_error(exc.message, status=exc.status, id=str(dataset.pk), held=True)
    return _loaded(request, dataset, status=201)


@require_GET
def current_dataset(request):
    """Return the summary of the session's current data set."""
    try:
        return JsonResponse(store.current_dataset(request).summary)
    except store.NoDataset as exc:
        return json_error(exc.message, status=404)


def list_datasets(request):
    """List the loaded data sets, newest first, marking the current one."""
    try:
        current_id = store.current_dataset(request).pk
    except store.NoDataset:
        current_id = None
    rows = [
        {
            "id": str(d.pk),
            "name": d.name,
            "created_at": d.created_at.isoformat(timespec="seconds"),
            "last_used_at": d.last_used_at.isoformat(timespec="seconds")
            if d.last_used_at
            else None,
            "rows_loaded": d.summary.get("rows_loaded"),
            "files": d.files.count(),
            "current": d.pk == current_id,
        }
        for d in store.list_datasets()
    ]
    return JsonResponse({"datasets": rows})


@require_POST
def select_dataset(request, dataset_id):
    """Switch the session to another loaded data set."""
    dataset = store.get_dataset(dataset_id)
    if dataset is None or dataset.pending_mapping:
        return json_error(f"No loaded data set with id '{dataset_id}'.", status=404)
    return _loaded(request, dataset, status=200)


@require_http_methods(["DELETE", "POST"])
def delete_dataset(request, dataset_id):
    """Delete a data set and its files from the data dir."""
    dataset = store.get_dataset(dataset_id)
    if dataset is None:
        return json_error(f"No data set with id '{dataset_id}'.", status=404)
    store.delete_dataset(dataset)
    if request.session.get(store.SESSION_ID_KEY) == str(dataset_id):
        request.session.pop(store.SESSION_ID_KEY, None)
        request.session.pop(store.SESSION_PATH_KEY, None)
    return JsonResponse({"deleted": str(dataset_id)})


@require_POST
def reload_dataset(request, dataset_id):
    """Read a damaged data set again from its remaining exports (Data page form)."""
    dataset = store.get_dataset(dataset_id)
    # Still damaged: the Data page goes on marking it, with what to do.
    with contextlib.suppress(store.Damaged):
        if dataset is not None:
            store.set_current(request, store.reload_from_exports(dataset))
    return redirect("exams-data")


@require_http_methods(["PATCH", "POST"])
def rename_dataset(request, dataset_id):
    """Rename a data set: JSON ``{"name": …}`` (or a form field ``name``)."""
    dataset = store.get_dataset(dataset_id)
    if dataset is None or dataset.pending_mapping:
        return json_error(f"No loaded data set with id '{dataset_id}'.", status=404)
    name = request.POST.get("name")
    if name is None:
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("name"), str):
            return json_error(
                'Send the new name as JSON {"name": "…"} or a form field "name".'
            )
        name = body["name"]
    try:
        dataset = inventory.rename(dataset, name)
    except inventory.NameError_ as exc:
        return json_error(exc.message)
    return JsonResponse({"id": str(dataset.pk), "name": dataset.name})
