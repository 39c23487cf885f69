"""In-memory frames of the data set in use, so filters never re-read disk.

Only the current data set's frames stay in memory: when another becomes
current, or an upload starts, the others are released (`release_others`)
and read again from their Parquet cache if they are opened later. At 1M
exams a data set's frames are ~130 MB; three uploads in a row used to keep
two of them.
"""

import gc
import threading
from collections import OrderedDict

from exams.analysis.frame import memo

_caches: list["FrameCache"] = []


class FrameCache:
    """A small thread-safe LRU of frames (waitress serves from threads).

    Keys are a data set id or a tuple starting with one.
    """

    def __init__(self, size: int):
        self._size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        _caches.append(self)

    def get(self, key):
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def drop(self, dataset_id) -> None:
        with self._lock:
            stale = [k for k in self._items if _key_dataset(k) == dataset_id]
            for key in stale:
                del self._items[key]

    def keep_only(self, dataset_id) -> int:
        """Drop every entry of another data set; return how many went."""
        with self._lock:
            stale = [k for k in self._items if _key_dataset(k) != dataset_id]
            for key in stale:
                del self._items[key]
        return len(stale)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def _key_dataset(key):
    return key[0] if isinstance(key, tuple) else key


def release_others(dataset_id=None) -> None:
    """Release the frames of every data set but ``dataset_id`` (None: all)."""
    released = sum(cache.keep_only(dataset_id) for cache in _caches)
    if released:
        # pandas frames can sit in reference cycles: free them now, before
        # the next upload's peak, not at some later collection.
        gc.collect()
        # And the work kept beside them (exams.analysis.frame.memo).
        memo.drop_dead()


# Bounds (README "Speed"): one data set's canonical frame, its prepared
# frame for up to two shift settings (a settings change and back).
frames = FrameCache(1)
prepared = FrameCache(2)
# Data sets found unreadable while running (their cache was there but bad).
damaged: set = set()
