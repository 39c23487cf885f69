"""The flaws real exports have, injected in exactly known numbers.

Each function takes the exam arrays (a dict of equal-length numpy arrays,
times in int64 minutes), changes them in place or returns new ones, and
records what it did in boolean masks, so expected counts come from the truth
and never from parsing the written file back.
"""

import numpy as np

from sample_data.timing import DAY

CANCELLED_SHARE = 0.01
UNPARSEABLE_SHARE = 0.0004  # at least two per file
NEGATIVE_REPORT_SHARE = 0.005  # final signed a few minutes before completion
NEGATIVE_ORDER_SHARE = 0.0006  # order entered after the exam (retro orders)
MISSING_ORDER_SHARE = 0.001
MISSING_PHYSICIAN_SHARE = 0.002
IDENTICAL_SHARE = 0.01  # of the rows: exact copies of an earlier row
ADDENDUM_SHARE = 0.003  # of the rows: re-exports with a later (addendum) final
UNPARSEABLE_TOKENS = ("N/A", "pending")  # written instead of a final time
DUPLICATE_REACH = 300  # a copy lands at most this many rows after its original


def pick(
    rng: np.random.Generator,
    *,
    eligible: np.ndarray,
    k: int,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Return ``k`` sorted indices drawn without replacement from ``eligible``."""
    # Weighted reservoir keys (Efraimidis–Spirakis): vectorised and one draw
    # per row whatever k is, so the random stream stays aligned.
    keys = rng.random(eligible.size)
    if weights is not None:
        keys = keys ** (1.0 / weights)
    keys = np.where(eligible, keys, -1.0)
    k = min(k, int(eligible.sum()))
    if k == 0:
        return np.empty(0, dtype=np.int64)
    return np.sort(np.argpartition(-keys, k - 1)[:k])


def add_cancellations(rng: np.random.Generator, exams: dict) -> None:
    """Cancel ~1% of exams, no-show prone outpatients three times as often."""
    n = exams["completed"].size
    weights = np.where(exams["patient_class"] == 2, 3.0, 1.0)
    chosen = pick(
        rng, eligible=np.ones(n, bool), k=round(n * CANCELLED_SHARE), weights=weights
    )
    exams["cancelled"] = np.zeros(n, bool)
    exams["cancelled"][chosen] = True


def add_pending(rng: np.random.Generator, exams: dict, *, end: int) -> None:
    """Leave ~3% unsigned: reads after the export, backlog of the last weeks."""
    age_days = (end - exams["completed"]) / DAY
    chance = 0.006 + 1.2 * np.exp(-age_days / 10)
    chance *= np.where(exams["priority"] == 0, 0.25, 1.0)  # STAT reads rarely wait
    late = exams["final"] > end
    pending = (late | (rng.random(age_days.size) < chance)) & ~exams["cancelled"]
    exams["pending"] = pending
    exams["prelim_valid"] &= exams["prelim"] <= end
    tokens = pick(
        rng,
        eligible=pending,
        k=max(2, round(pending.size * UNPARSEABLE_SHARE)),
    )
    exams["final_token"] = np.full(pending.size, -1)
    exams["final_token"][tokens] = np.arange(tokens.size) % len(UNPARSEABLE_TOKENS)


def add_bad_times(rng: np.random.Generator, exams: dict) -> None:
    """Add negative intervals and missing order times and ordering physicians."""
    n = exams["completed"].size
    regular = ~exams["cancelled"]
    # The dictation system signs before the technologist completes the exam
    # in the RIS, mostly in the busy ED.
    weights = np.where(exams["patient_class"] == 0, 3.0, 1.0)
    early = pick(
        rng,
        eligible=regular & ~exams["pending"],
        k=round(n * NEGATIVE_REPORT_SHARE),
        weights=weights,
    )
    exams["final"][early] = exams["completed"][early] - rng.integers(1, 16, early.size)
    exams["prelim_valid"][early] = False
    taken = np.zeros(n, bool)
    taken[early] = True
    retro = pick(rng, eligible=regular & ~taken, k=round(n * NEGATIVE_ORDER_SHARE))
    exams["ordered"][retro] = exams["completed"][retro] + rng.integers(
        5, 91, retro.size
    )
    taken[retro] = True
    exams["order_missing"] = np.zeros(n, bool)
    blank = pick(rng, eligible=regular & ~taken, k=round(n * MISSING_ORDER_SHARE))
    exams["order_missing"][blank] = True
    exams["physician_missing"] = np.zeros(n, bool)
    nobody = pick(rng, eligible=regular, k=round(n * MISSING_PHYSICIAN_SHARE))
    exams["physician_missing"][nobody] = True


def duplicate_rows(
    rng: np.random.Generator, exams: dict, *, identical: int, addenda: int, end: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (source row, kind, final) for every output row, in file order.

    ``exams`` is already in file order. Kind 0 is an original, 1 an exact
    copy, 2 a re-export whose final is later (an addendum re-signed it). A
    copy always comes after its original and is never more complete, so an
    ingest that keeps the most complete row, first on ties, keeps the original.
    """
    n = exams["completed"].size
    regular = ~exams["cancelled"]
    signed = regular & ~exams["pending"] & (exams["final"] <= end - 60)
    copies = pick(rng, eligible=regular, k=identical)
    readdended = pick(rng, eligible=signed, k=addenda)
    sources = np.concatenate([np.arange(n), copies, readdended])
    kind = np.repeat(np.array([0, 1, 2]), [n, copies.size, readdended.size])
    offsets = rng.integers(0, DUPLICATE_REACH, size=sources.size) + 0.5
    keys = np.where(kind == 0, sources, sources + offsets)
    order = np.argsort(keys, kind="stable")
    final = exams["final"][sources]
    later = rng.integers(30, 3 * DAY, size=sources.size)
    addendum = kind == 2
    final[addendum] += np.clip(later, 1, end - final)[addendum]
    return sources[order], kind[order], final[order]
