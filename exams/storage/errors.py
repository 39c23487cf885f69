"""What can keep a data set from being used: none current, gone, damaged."""

from exams.models import Dataset
from exams.storage.uploads import upload_path


class NoDataset(Exception):
    """No data set is current (or the one named no longer exists)."""

    message = "No data set is loaded yet: upload a RIS export first."

    def __init__(self, message: str | None = None):
        if message:
            self.message = message
        super().__init__(self.message)


class Damaged(NoDataset):
    """A data set whose cache and saved exports cannot be read (files gone)."""

    def __init__(self, dataset: Dataset):
        self.dataset_id = str(dataset.pk)
        missing = missing_exports(dataset)
        lost = (
            f"its saved export{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} {'are' if len(missing) > 1 else 'is'} missing"
            if missing
            else "its saved exports cannot be read"
        )
        super().__init__(
            f"The data set '{dataset.name}' cannot be opened: {lost} (deleted or "
            "moved outside TATviz) and its cache cannot stand in for it. On the "
            "Data page, reload it from the exports still there, or delete it "
            "and load the export again."
        )


def missing_exports(dataset: Dataset) -> list[str]:
    """Return the names of a data set's saved exports that are not on disk."""
    return [
        f.filename
        for f in dataset.files.all()
        if not upload_path(f.stored_name).is_file()
    ]


class DatasetGone(Exception):
    """The data set was deleted while a change to it was being made (409)."""

    status = 409

    def __init__(self, name: str):
        self.message = (
            f"The data set '{name}' was deleted while this change was being made, "
            "so nothing was changed. Load the export again or choose another "
            "data set on the Data page."
        )
        super().__init__(self.message)
