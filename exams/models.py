"""What TATviz keeps in its SQLite database (in the data dir).

Exam rows are never stored here: they live in the saved export and its
Parquet cache on disk. The database holds the catalogue of data sets,
remembered column mappings and the user's preferences.
"""

import uuid

from django.db import models


class Dataset(models.Model):
    """One loaded data set: one or more exports combined, cached as Parquet."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    # Relative to the data dir; generated names, never a client's path.
    cache_name = models.CharField(max_length=100, blank=True)
    # The contract's summary of the loaded data (rows, columns, quality, files).
    summary = models.JSONField(default=dict)
    # Set while a file awaits its column mapping (422 needs_mapping).
    pending_mapping = models.BooleanField(default=False)
    # When it was last made current (Data page: "last used").
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.name


class DatasetFile(models.Model):
    """One export file saved in the data dir as part of a data set."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="files")
    filename = models.CharField(max_length=255)
    stored_name = models.CharField(max_length=100)
    added_at = models.DateTimeField(auto_now_add=True)
    position = models.PositiveIntegerField(default=0)
    # Column mapping and date order used for this file (canonical -> header).
    mapping = models.JSONField(default=dict)
    date_order = models.CharField(max_length=4, default="auto")
    # SHA-256 of the saved export, computed when first needed: the same file
    # loaded again opens this data set instead of making a twin.
    sha256 = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["position", "added_at"]

    def __str__(self):
        return self.filename


class HeaderMapping(models.Model):
    """A column mapping the user confirmed, remembered for that header set."""

    signature = models.CharField(max_length=64, unique=True)
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.signature[:12]


class Preference(models.Model):
    """A named, JSON-valued user setting (shifts, targets, current data set…)."""

    key = models.CharField(max_length=64, unique=True)
    value = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.key


class SavedView(models.Model):
    """A named dashboard query string the user can reopen."""

    name = models.CharField(max_length=120, unique=True)
    query = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name
