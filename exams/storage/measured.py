"""The current frame measured as the query asks: clock or working time.

Working-minute columns cost a pass over every exam, so they are computed
once per data set, shifts, working-time and custom-interval settings and
kept beside the prepared frames (``exams.analysis.chain.measure``).
"""

from exams.analysis.chain.measure import measured_frame
from exams.query.views import read_time
from exams.storage import preferences, store
from exams.storage.framecache import FrameCache

_measured = FrameCache(2)


def frame_in_time(request):
    """Return the session's prepared frame in the query's ``time`` (clock default).

    Raise FilterError for a ``time`` other than clock or working.
    """
    time = read_time(request.GET)
    frame = store.current_frame(request)
    custom = preferences.get_custom_intervals()
    working = preferences.get_working_time() if time == "working" else None
    if working is None and not custom:
        return frame
    dataset = store.current_dataset(request)
    # id(frame): the prepared frame is rebuilt when the shifts or the data
    # set's cache change; a new one must not meet the old measurements.
    key = (dataset.pk, id(frame), working, custom)
    found = _measured.get(key)
    if found is None or found[0] is not frame:
        found = (frame, measured_frame(frame, working=working, custom=custom))
        _measured.put(key, found)
    return found[1]
