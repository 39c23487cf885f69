"""``manage.py load_exports FILE [FILE ...]``: load exports and print the report."""

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from exams import ingest
from exams.presentation.quality_text import describe_quality
from exams.storage import store


class Command(BaseCommand):
    help = (
        "Load one or more RIS exports (CSV or .xlsx) as one data set into the "
        "data dir, make it current, and print the data-quality report."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, help="export files")

    def handle(self, *args, files, **options):
        missing = [str(f) for f in files if not f.is_file()]
        if missing:
            raise CommandError(f"No such file: {', '.join(missing)}")
        # A new, empty data dir works too: prepare the catalogue first, as
        # the launcher does at every start.
        call_command("migrate", interactive=False, verbosity=0)
        try:
            dataset = store.load_paths(files)
        except ingest.NeedsMapping as exc:
            raise CommandError(
                f"{exc.message}\nColumns found: {', '.join(exc.headers)}\n"
                "Map them once in the app (upload the file); the mapping is "
                "remembered for the next load."
            ) from None
        except ingest.IngestError as exc:
            raise CommandError(exc.message) from None
        for line in describe_quality(dataset.summary):
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Data set {dataset.pk} is now current."))
