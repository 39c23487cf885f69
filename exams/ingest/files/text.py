"""An export's UTF-8 text, in memory or left on disk, and where its rows are."""

import io
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from exams import progress


class TextBody:
    """UTF-8 text: bytes in memory, or a file from ``offset`` (after a BOM) on."""

    def __init__(
        self,
        *,
        data: memoryview | None = None,
        path: Path | None = None,
        offset: int = 0,
    ) -> None:
        self._data, self._path, self._offset = data, path, offset
        self._size = len(data) if data is not None else path.stat().st_size - offset

    def __len__(self) -> int:
        return self._size

    def read(self, start: int, end: int) -> bytes:
        """Return the text's bytes from ``start`` to ``end``."""
        end = min(end, self._size)
        if end <= start:
            return b""
        if self._data is not None:
            return bytes(self._data[start:end])
        with self._path.open("rb") as file:
            file.seek(self._offset + start)
            return file.read(end - start)

    def open(self, start: int, end: int) -> pa.NativeFile:
        """Return a pyarrow stream of the bytes from ``start`` to ``end``."""
        if self._data is not None:
            return pa.BufferReader(pa.py_buffer(self._data[start:end]))
        file = self._path.open("rb")
        file.seek(self._offset + start)
        window = _Window(file, end - start, report=progress.current())
        return pa.PythonFile(window, mode="r")


class _Window(io.RawIOBase):
    """The next ``size`` bytes of an open file (a body without its footer)."""

    def __init__(self, file: io.BufferedReader, size: int, *, report=None) -> None:
        super().__init__()
        self._file, self._left, self._size = file, size, size
        # The upload page's progress (`exams.progress`), taken here: pyarrow
        # may read from its own threads.
        self._report = report

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        wanted = min(len(buffer), self._left)
        if wanted <= 0:
            return 0
        got = self._file.readinto(memoryview(buffer)[:wanted])
        self._left -= got
        if self._report is not None:
            self._report.read(self._size - self._left, self._size)
        return got

    def close(self) -> None:
        self._file.close()
        super().close()


@dataclass(frozen=True)
class TextExport:
    """A CSV/TSV export as found: its rows are ``body`` from ``start`` to ``end``."""

    body: TextBody
    start: int
    end: int
    headers: list[str]
    delimiter: str
    notes: list[str]
    # Bytes that were not UTF-8 in a UTF-8 file, read as Windows-1252.
    undecodable: int = 0
