"""In-memory frames of the data sets in use, so filters never re-read disk."""

import threading
from collections import OrderedDict


class FrameCache:
    """A small thread-safe LRU of frames (waitress serves from threads).

    Keys are a data set id or a tuple starting with one.
    """

    def __init__(self, size: int):
        self._size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

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

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def _key_dataset(key):
    return key[0] if isinstance(key, tuple) else key


# The frames of the data sets in use (canonical, and prepared per shifts).
frames = FrameCache(2)
prepared = FrameCache(2)
# Data sets found unreadable while running (their cache was there but bad).
damaged: set = set()
