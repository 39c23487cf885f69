"""Where the time goes: the median of each link of the exam's chain of events.

The chain is ordered → started → completed → preliminary → finalized; a data
set has the times it has, and a link joins two consecutive times it has
(without a start time, ordered → completed is one link). Each link's
statistics use the exams with both of its ends; a negative link (an end
before its start) is excluded and counted, as every interval is.

Medians do not add up: the median of a total is not the sum of the
medians of its parts. A link's ``share`` is therefore its median ÷ the sum
of the medians of the links drawn (those with at least ``MIN_EXAMS``
exams), which is what a waterfall of medians shows; it is not a share of
the median total TAT. A link with fewer exams has ``median`` and ``share``
null and ``too_few`` true, so it is said, never drawn as zero.

An exam without some time of the chain (read without a preliminary report,
say) goes from each time it has to its next one: completed → finalized
for an exam with no preliminary time. Those ``skips`` are listed beside the
links, each with the times it skips, its own n and median, so every
exam's time is in some link (the links plus the skips of one exam add up
to its first time → its last). A skip has no share: it is another path,
not a part of the waterfall.
"""

import csv
import io

import numpy as np
import pandas as pd

from exams import fields
from exams.analysis import parallel, stats
from exams.analysis.export import BOM, neutralize
from exams.analysis.frame.groups import display_order, group_codes, group_column
from exams.analysis.frame.prepare import rank_column
from exams.analysis.frame.working_time import WorkingTime, working_minutes
from exams.analysis.quantiles import grouped_quantiles

MIN_EXAMS = 5
SHARE_OF = "sum of the link medians drawn"


def chain_of(frame: pd.DataFrame) -> list[str]:
    """Return the times of the chain that a frame has (a column with any value)."""
    return [c for c in fields.CHAIN if c in frame and frame[c].notna().any()]


def link_minutes(
    frame: pd.DataFrame, *, start: str, end: str, working: WorkingTime | None = None
) -> np.ndarray:
    """Return minutes from ``start`` to ``end`` per exam (NaN when one is missing).

    Clock minutes, or working minutes when ``working`` is given.
    """
    if working is not None:
        return working_minutes(frame[start], frame[end], working=working)
    fast = _tick_minutes(frame[start], frame[end])
    if fast is not None:
        return fast
    delta = pd.to_datetime(frame[end]) - pd.to_datetime(frame[start])
    return delta.dt.total_seconds().to_numpy(dtype=np.float64, na_value=np.nan) / 60


_NAT = np.iinfo(np.int64).min
_CHUNK = 1 << 20


def _tick_minutes(start: pd.Series, end: pd.Series) -> np.ndarray | None:
    """Return what ``(end - start).dt.total_seconds() / 60`` gives, 14× faster.

    From the clock ticks directly (a link at 10M exams took ~0.7 s in
    pandas). Exact where the difference is whole minutes (the quotient of
    two exact integers is exact); other rows take pandas' own arithmetic
    (``TimedeltaArray.total_seconds``: whole seconds plus the remainder).
    None (use pandas) unless both are plain datetime64 of one unit.
    """
    if start.dtype != end.dtype or start.dtype.kind != "M":
        return None
    unit, count = np.datetime_data(start.dtype)
    per_second = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}.get(unit)
    if per_second is None or count != 1:
        return None
    begin = start.to_numpy().view(np.int64)
    finish = end.to_numpy().view(np.int64)
    missing = begin == _NAT
    missing |= finish == _NAT
    ticks = finish - begin
    ticks[missing] = 0
    per_minute = 60 * per_second
    minutes = ticks / per_minute
    odd = _not_whole(minutes, ticks, per_minute)
    if len(odd):
        seconds, rest = np.divmod(ticks[odd], per_second)
        minutes[odd] = (seconds + rest / per_second) / 60
    # Beyond 2**53 ticks (104 days in ns) pandas nudges the seconds: ask it.
    big = np.empty(0, dtype=np.intp)
    if len(ticks) and (ticks.max() > 2**53 or ticks.min() < -(2**53)):
        big = np.flatnonzero(np.abs(ticks) > 2**53)
    if len(big):
        spans = pd.TimedeltaIndex(ticks[big].view(f"timedelta64[{unit}]"))
        minutes[big] = spans.total_seconds().to_numpy() / 60
    minutes[missing] = np.nan
    return minutes


def _not_whole(minutes: np.ndarray, ticks: np.ndarray, per_minute: int) -> np.ndarray:
    """Return the rows whose ticks are not a whole number of minutes.

    No whole number of minutes gives back their ticks: an exact integer
    test, cheaper than the remainder of each; a million rows at a time, so
    it needs no third array as long as the link (links are measured two
    at a time at 10M exams).
    """
    found = []
    for begin in range(0, len(ticks), _CHUNK):
        whole = minutes[begin : begin + _CHUNK].astype(np.int64)
        whole *= np.int64(per_minute)
        found.append(np.flatnonzero(whole != ticks[begin : begin + _CHUNK]) + begin)
    return np.concatenate(found) if found else np.empty(0, dtype=np.intp)


def segments(
    frame: pd.DataFrame,
    *,
    chain: list[str],
    by: str = "none",
    working: WorkingTime | None = None,
) -> dict:
    """Return each link's median, n and share, overall and per ``by`` group.

    ``frame`` holds the selected exams; ``chain`` the times to link (see
    ``chain_of``, taken from the whole data set so the links do not change
    with the filters).
    """
    pairs = list(zip(chain, chain[1:], strict=False))
    column = group_column(by)
    groups = group_codes(frame, column=column)
    size = len(groups.names)
    skips = _skips(frame, chain=chain)
    skip_pairs = [pair for pair, _ in skips]

    def measure(item) -> dict:
        (start, end), takes = item
        if takes is None:
            values = link_minutes(frame, start=start, end=end, working=working)
        else:
            values = _skip_minutes(frame, takes, start, end, working)
        ranks = _ranks(frame, (start, end), values)
        return _link_stats(values, groups.codes, size=size, ranks=ranks)

    # Each link and skip is its own pass over every exam: two at a time in
    # clock time (numpy; working minutes stay on this thread).
    worked = parallel.each(
        measure,
        [*((pair, None) for pair in pairs), *skips],
        rows=len(frame) if working is None else 0,
    )
    per_link, per_skip = worked[: len(pairs)], worked[len(pairs) :]
    result = {
        "chain": list(chain),
        "by": None if column is None else by,
        "time": "clock" if working is None else "working",
        "min_exams": MIN_EXAMS,
        "share_of": SHARE_OF,
        "exams": len(frame),
        "links": _links(pairs, per_link, index=size),
        "skips": _skip_links(skip_pairs, per_skip, chain=chain, index=size),
        "groups": [],
    }
    if column is None:
        return result
    present = stats.counts(groups.codes, size=size) > 0
    exams = stats.counts(groups.codes, size=size)
    for code in display_order(groups.names, present, column=column):
        result["groups"].append(
            {
                "group": groups.names[code],
                "exams": int(exams[code]),
                "links": _links(pairs, per_link, index=int(code)),
                "skips": _skip_links(
                    skip_pairs, per_skip, chain=chain, index=int(code)
                ),
            }
        )
    return result


def _skips(
    frame: pd.DataFrame, *, chain: list[str]
) -> list[tuple[tuple[str, str], np.ndarray]]:
    """Return each skip some exam takes and which exams take it.

    An exam takes the skip a → c when it has a and c and none of the times
    between them; the skips no exam takes are left out.
    """
    present = np.column_stack(
        [frame[c].notna().to_numpy() for c in chain] or [np.empty((len(frame), 0))]
    )
    found = []
    for i, start in enumerate(chain):
        # ``clear``: the exams with start and none of the times after it so far.
        clear = present[:, i].copy()
        for j in range(i + 1, len(chain)):
            takes = clear & present[:, j]
            if j > i + 1 and takes.any():
                found.append(((start, chain[j]), takes))
            clear &= ~present[:, j]
    return found


def _skip_minutes(frame, takes, start: str, end: str, working) -> np.ndarray:
    """Return the minutes of a skip for the exams taking it, NaN for the others."""
    if working is None:
        # Clock minutes cost little: measure every exam, keep the takers.
        values = link_minutes(frame, start=start, end=end)
        values[~takes] = np.nan
        return values
    # Only its two columns: no copy of the exams' other columns.
    ends = frame[[start, end]][takes]
    values = np.full(len(frame), np.nan)
    values[takes] = link_minutes(ends, start=start, end=end, working=working)
    return values


def _skip_links(
    pairs: list[tuple[str, str]], per_skip: list[dict], *, chain: list, index: int
) -> list[dict]:
    """Return the skips of one group: links that name the times they skip."""
    skips = []
    for link in _links(pairs, per_skip, index=index):
        between = chain[chain.index(link["from"]) + 1 : chain.index(link["to"])]
        # Every exam not taking it is "missing": not a count worth showing.
        link.pop("missing")
        link.pop("share")
        skips.append({**link, "skipped": between})
    return skips


def _ranks(frame: pd.DataFrame, pair: tuple[str, str], values: np.ndarray):
    """Return the prepared ranks of a link that is an interval, or None.

    A link measured as its interval is (clock time, same minutes) is
    ordered by the interval's ranks instead of a sort; an exam without the
    link's value (a skip it does not take) ranks nowhere (-1).
    """
    for name, ends in fields.BUILT_IN.items():
        if ends == pair and name in frame and rank_column(name) in frame:
            minutes = frame[name].to_numpy(dtype=np.float64, na_value=np.nan)
            ranks = frame[rank_column(name)].to_numpy()
            # The same bits are the same minutes (NaN included), 4× cheaper
            # than comparing as floats; anything else is compared as floats.
            if np.array_equal(minutes.view(np.int64), values.view(np.int64)):
                return ranks
            if np.array_equal(minutes, values, equal_nan=True):
                return ranks
            known = ~np.isnan(values)
            if ((minutes == values) | ~known).all():
                return np.where(known, ranks, np.int32(-1))
    return None


def _link_stats(
    values: np.ndarray, codes: np.ndarray, *, size: int, ranks=None
) -> dict:
    """Return median, n, negative and missing per group, then over all exams."""
    missing = np.isnan(values)
    negative = values < 0
    if size == 1:
        # One group (no split): counts, no pass per group.
        missing = np.array([np.count_nonzero(missing)])
        negative = np.array([np.count_nonzero(negative)])
        n = len(values) - missing - negative
    else:
        # Each exam's kind, 0 valid, 1 missing, 2 negative, counted per
        # group in one pass.
        kind = missing.view(np.uint8) + negative.view(np.uint8) * np.uint8(2)
        tally = np.bincount(codes * 3 + kind, minlength=3 * size)[: 3 * size]
        n, missing, negative = (np.asarray(a) for a in tally.reshape(size, 3).T)
        del kind
    # Invalid minutes count in no quantile, whatever their group.
    median = grouped_quantiles(
        keys=codes,
        values=values,
        size=size,
        qs=[0.5],
        ranks=ranks,
        counts=n,
        total=True,
    )[:, 0]
    n = np.append(n, n.sum())
    median[n == 0] = np.nan
    return {
        "median": median,
        "n": n,
        "negative": np.append(negative, negative.sum()),
        "missing": np.append(missing, missing.sum()),
    }


def _links(pairs: list[tuple[str, str]], per_link: list[dict], *, index: int) -> list:
    """Return the links of one group (``index``), shares over the links drawn."""
    links = []
    for (start, end), link in zip(pairs, per_link, strict=True):
        n = int(link["n"][index])
        too_few = n < MIN_EXAMS
        links.append(
            {
                "from": start,
                "to": end,
                "median": None if too_few else float(link["median"][index]),
                "n": n,
                "share": None,
                "too_few": too_few,
                "negative": int(link["negative"][index]),
                "missing": int(link["missing"][index]),
            }
        )
    total = sum(link["median"] for link in links if link["median"] is not None)
    for link in links:
        if link["median"] is not None and total > 0:
            link["share"] = link["median"] / total
    return links


SEGMENT_HEADS = ("group", "from", "to", "median_minutes", "n", "share", "skipped")
# The same columns for people (the default download).
SEGMENT_HUMAN_HEADS = ("Group", "From", "To", "Median (min)", "n", "Share", "Skipped")


def segments_csv(result: dict, *, raw: bool = True) -> str:
    """Return the links as CSV: one row per group (``All`` first) and link."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(SEGMENT_HEADS if raw else SEGMENT_HUMAN_HEADS)
    rows = [{"group": fields.ALL_GROUP, **result}, *result["groups"]]
    for row in rows:
        for link in [*row["links"], *row.get("skips", ())]:
            writer.writerow(
                [
                    neutralize(row["group"]),
                    link["from"],
                    link["to"],
                    "" if link["median"] is None else link["median"],
                    link["n"],
                    "" if link.get("share") is None else link["share"],
                    " ".join(link.get("skipped", ())),
                ]
            )
    return out.getvalue()
