"""Work over every exam of a prepared frame, kept while that frame lives.

At 10M exams a pass over the whole data set costs a second; an unfiltered
dashboard, its JSON refresh and the summary API all ask for the same
tables. Entries are keyed by the frame's identity and what the work
depends on (the interval, the grouping column, the targets — a changed
setting is another key), and hold the frame only weakly: a frame released
or rebuilt (new data set, shifts, working time, custom intervals) makes
its entries unreachable, and the least recently used go first.

Bounds (README "Speed"): ``MAX_ENTRIES`` answers (per-group tables, a few
KB each) and ``MAX_ARRAYS`` per-exam arrays (one byte per exam: 10 MB at
10M exams).
"""

import copy
import threading
import weakref
from collections import OrderedDict

import pandas as pd

MAX_ENTRIES = 64
MAX_ARRAYS = 8


class FrameMemo:
    """A small thread-safe LRU of values computed from one frame each."""

    def __init__(self, size: int):
        self._size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, frame: pd.DataFrame, key, compute):
        """Return ``compute()`` for (frame, key), computed once while both stay."""
        found = self.peek(frame, key)
        if found is not None:
            return found
        value = compute()
        self.put(frame, key, value)
        return value

    def peek(self, frame: pd.DataFrame, key):
        """Return the value kept for (frame, key), or None."""
        ident = _ident(frame, key)
        if ident is None:
            return None
        with self._lock:
            found = self._items.get(ident)
            if found is not None and found[0]() is frame:
                self._items.move_to_end(ident)
                return found[1]
        return None

    def put(self, frame: pd.DataFrame, key, value) -> None:
        """Keep ``value`` for (frame, key) (an unhashable key keeps nothing)."""
        ident = _ident(frame, key)
        if ident is None:
            return
        with self._lock:
            self._items[ident] = (weakref.ref(frame), value)
            self._items.move_to_end(ident)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def drop_dead(self) -> int:
        """Drop the entries whose frame is gone; return how many went."""
        with self._lock:
            dead = [k for k, (ref, _) in self._items.items() if ref() is None]
            for key in dead:
                del self._items[key]
        return len(dead)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def _ident(frame: pd.DataFrame, key):
    try:
        ident = (id(frame), key)
        hash(ident)
    except TypeError:
        return None
    return ident


def drop_dead() -> None:
    """Forget the work of every frame released (``framecache.release_others``)."""
    answers.drop_dead()
    arrays.drop_dead()


answers = FrameMemo(MAX_ENTRIES)
arrays = FrameMemo(MAX_ARRAYS)


def over_all(frame: pd.DataFrame, selected: pd.DataFrame, key, compute):
    """Return ``compute(selected)``, kept in ``answers`` when it is every exam.

    ``selected`` holds rows of ``frame`` in order (``apply_filters``); as
    many rows means all of them, whose answer is the whole frame's. The
    caller gets its own copy of a kept answer.
    """
    if len(selected) != len(frame):
        return compute(selected)
    return copy.deepcopy(answers.get(frame, key, lambda: compute(frame)))
