"""Expected exams per day (or week) for the next weeks, with an interval.

The model, written out with numpy (no statsmodels/scipy in the desktop exe):
exams per day = level + trend × t + a day-of-week effect, fitted by least
squares on the last 26 weeks of daily counts (days without exams count as 0).
Its 80% prediction interval uses the residual spread of each weekday (weekends
are smaller and steadier than weekdays) plus the uncertainty of the fitted
trend, assuming normal errors; forecasts and bounds are clipped at 0.

The backtest refits the model on the data before the last 4 weeks, forecasts
those 4 weeks, and reports the mean absolute error in exams per day beside a
seasonal-naive baseline from the same origin: each day gets the count of the
same weekday in the last observed week.
"""

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from exams import fields
from exams.analysis.errors import AnalysisError
from exams.analysis.frame.groups import group_codes, largest_first
from exams.analysis.frame.periods import daily_counts, week_starts
from exams.analysis.stats import clean

FORECAST_SPLITS = ("none", "modality")
FORECAST_PERIODS = ("day", "week")
MAX_HORIZON_WEEKS = 12
DEFAULT_HORIZON_WEEKS = 4
BACKTEST_WEEKS = 4
MIN_HISTORY_DAYS = 2 * BACKTEST_WEEKS * 7
# Below one exam a day on average, or with exams on fewer than half the days,
# a day-of-week model fits noise: its errors and interval would mean nothing.
MIN_EXAMS_PER_DAY = 1.0
MIN_DAYS_WITH_EXAMS = 0.5
FIT_DAYS = 26 * 7
HISTORY_SHOWN_DAYS = 12 * 7
INTERVAL = 0.8
_Z = 1.2816  # two-sided 80% normal quantile
_DAY = dt.timedelta(days=1)
MEASURE = (
    f"Mean absolute error, exams per day, over the last {BACKTEST_WEEKS} weeks "
    "of the data (forecast from the day before them)"
)


@dataclass(frozen=True)
class Fit:
    """A fitted trend + day-of-week model over days 0 … n-1 of its window."""

    coef: np.ndarray
    unscaled_cov: np.ndarray
    sigma_weekday: np.ndarray
    sigma: float
    first_weekday: int
    days: int


def design(t: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """Return the model's columns: 1, weeks since the window start, Tue … Sun."""
    columns = [np.ones_like(t, dtype="float64"), t / 7.0]
    columns += [(weekday == d).astype("float64") for d in range(1, 7)]
    return np.column_stack(columns)


def fit_model(counts: np.ndarray, *, first_weekday: int) -> Fit:
    """Fit the model to daily ``counts`` whose first day has ``first_weekday``."""
    t = np.arange(counts.size)
    weekday = (first_weekday + t) % 7
    x = design(t, weekday)
    coef, *_ = np.linalg.lstsq(x, counts.astype("float64"), rcond=None)
    residuals = counts - x @ coef
    dof_scale = counts.size / max(counts.size - x.shape[1], 1)
    per_day = np.array([np.mean(residuals[weekday == d] ** 2) for d in range(7)])
    return Fit(
        coef=coef,
        unscaled_cov=np.linalg.pinv(x.T @ x),
        sigma_weekday=np.sqrt(per_day * dof_scale),
        sigma=float(np.sqrt(np.mean(residuals**2) * dof_scale)),
        first_weekday=first_weekday,
        days=counts.size,
    )


def predict(fit: Fit, *, ahead: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the next ``ahead`` days' mean, noise variance and design rows."""
    t = fit.days + np.arange(ahead)
    weekday = (fit.first_weekday + t) % 7
    x = design(t, weekday)
    return x @ fit.coef, fit.sigma_weekday[weekday] ** 2, x


def interval(fit: Fit, mean: float, noise: float, x: np.ndarray) -> tuple:
    """Return the clipped (mean, lower, upper) of one forecast (day or week)."""
    spread = _Z * np.sqrt(noise + fit.sigma**2 * (x @ fit.unscaled_cov @ x))
    return max(mean, 0.0), max(mean - spread, 0.0), max(mean + spread, 0.0)


def seasonal_naive(history: np.ndarray, *, ahead: int) -> np.ndarray:
    """Return the last observed week repeated ``ahead`` days forward."""
    last_week = history[-7:]
    return last_week[np.arange(ahead) % 7]


def _fit_window(counts: pd.Series) -> Fit:
    window = counts.iloc[-FIT_DAYS:]
    return fit_model(window.to_numpy(), first_weekday=window.index[0].day_of_week)


def backtest(counts: pd.Series) -> dict:
    """Return the model's and the baseline's error on the last weeks."""
    held = BACKTEST_WEEKS * 7
    train, actual = counts.iloc[:-held], counts.to_numpy()[-held:]
    fit = _fit_window(train)
    mean, noise, x = predict(fit, ahead=held)
    bounds = [
        interval(fit, m, v, row) for m, v, row in zip(mean, noise, x, strict=True)
    ]
    model = np.array([b[0] for b in bounds])
    lower = np.array([b[1] for b in bounds])
    upper = np.array([b[2] for b in bounds])
    baseline = seasonal_naive(train.to_numpy(), ahead=held)
    return {
        "model_error": float(np.mean(np.abs(model - actual))),
        "baseline_error": float(np.mean(np.abs(baseline - actual))),
        "coverage": float(np.mean((actual >= lower) & (actual <= upper))),
    }


def forecast_series(counts: pd.Series, *, horizon_weeks: int, period: str) -> dict:
    """Return the forecast of one daily series (index: consecutive days)."""
    fit = _fit_window(counts)
    last = counts.index[-1]
    ahead = horizon_weeks * 7
    if period == "week":
        # Whole Monday–Sunday weeks: skip the rest of the current week.
        ahead += (7 - (last.day_of_week + 1)) % 7
    mean, noise, x = predict(fit, ahead=ahead)
    days = pd.date_range(last + _DAY, periods=ahead, freq="D")
    if period == "day":
        points = [interval(fit, *row) for row in zip(mean, noise, x, strict=True)]
        labels = days
    else:
        skip = ahead - horizon_weeks * 7
        points, labels = [], days[skip::7]
        for w in range(horizon_weeks):
            part = slice(skip + 7 * w, skip + 7 * w + 7)
            points.append(
                interval(fit, mean[part].sum(), noise[part].sum(), x[part].sum(0))
            )
    return {
        "x": [d.strftime("%Y-%m-%d") for d in labels],
        "y": [clean(p[0], 1) for p in points],
        "lower": [clean(p[1], 1) for p in points],
        "upper": [clean(p[2], 1) for p in points],
        "trend_per_week": clean(fit.coef[1], 2),
    }


def history_counts(
    frame: pd.DataFrame, *, last_day: dt.date, split: str
) -> dict[str, pd.Series]:
    """Return daily exam counts per series, from the first exam to ``last_day``."""
    days = frame[fields.COMPLETED_AT].dt.normalize()
    known = days.notna() & (days <= pd.Timestamp(last_day))
    if not known.any():
        return {}
    first = days[known].min().date()
    if split == "none":
        return {
            fields.ALL_GROUP: daily_counts(frame[known], first=first, last=last_day)
        }
    exams = frame[known]
    groups = group_codes(exams, column=fields.MODALITY)
    return {
        groups.names[code]: daily_counts(
            exams[groups.codes == code], first=first, last=last_day
        )
        for code in largest_first(groups)
    }


def forecast(
    frame: pd.DataFrame,
    *,
    last_day: dt.date,
    horizon_weeks: int = DEFAULT_HORIZON_WEEKS,
    split: str = "none",
    period: str = "day",
) -> dict:
    """Return expected exams per day or week for ``horizon_weeks`` after
    ``last_day``; raise ``AnalysisError`` (422) when history is too short."""
    history = history_counts(frame, last_day=last_day, split=split)
    have = len(next(iter(history.values()))) if history else 0
    if have < MIN_HISTORY_DAYS:
        raise AnalysisError(
            f"A forecast needs at least {MIN_HISTORY_DAYS} days "
            f"({MIN_HISTORY_DAYS // 7} weeks) of completed exams: "
            f"{BACKTEST_WEEKS} weeks to fit and {BACKTEST_WEEKS} to check the "
            f"forecast against. The filtered data covers {have} day(s) up to "
            f"{last_day.isoformat()}; widen the date range or remove filters."
        )
    _refuse_thin(sum(history.values()), last_day=last_day)
    series, checks, shown = [], [], []
    for name, counts in history.items():
        result = forecast_series(counts, horizon_weeks=horizon_weeks, period=period)
        check = backtest(counts)
        checks.append(check)
        series.append({"name": name, **result, "backtest": _rounded(check)})
        shown.append({"name": name, **_history(counts, period=period)})
    return {
        "period": period,
        "horizon_weeks": horizon_weeks,
        "split": split,
        "history_days": have,
        "last_day": last_day.isoformat(),
        "interval": INTERVAL,
        "x": series[0]["x"],
        "series": series,
        "history": shown,
        "backtest": {
            **_rounded(
                {key: float(np.mean([c[key] for c in checks])) for key in checks[0]}
            ),
            "measure": MEASURE,
            "weeks": BACKTEST_WEEKS,
            "baseline": "seasonal naive (same weekday of the last observed week)",
        },
    }


def _refuse_thin(total: pd.Series, *, last_day: dt.date) -> None:
    """Raise ``AnalysisError`` (422) when there are too few exams to fit."""
    days = len(total)
    per_day = float(total.sum()) / days
    busy = int((total > 0).sum())
    if per_day >= MIN_EXAMS_PER_DAY and busy >= MIN_DAYS_WITH_EXAMS * days:
        return
    raise AnalysisError(
        f"Too few exams to forecast: {int(total.sum()):,} exams over {days} days "
        f"up to {last_day.isoformat()} ({per_day:.1f} a day, exams on {busy} of "
        f"the days). A forecast needs at least {MIN_EXAMS_PER_DAY:.0f} exam a day "
        f"on average and exams on at least half the days; widen the date range "
        "or remove filters."
    )


def _rounded(check: dict) -> dict:
    return {key: clean(value, 3) for key, value in check.items()}


def _history(counts: pd.Series, *, period: str) -> dict:
    """Return the recent actual counts drawn before the forecast."""
    recent = counts.iloc[-HISTORY_SHOWN_DAYS:]
    if period == "week":
        # Whole weeks only, labelled by their Monday.
        weeks = recent.groupby(week_starts(recent.index)).agg(["sum", "size"])
        recent = weeks.loc[weeks["size"] == 7, "sum"]
    return {
        "x": [d.strftime("%Y-%m-%d") for d in recent.index],
        "y": recent.astype("int64").tolist(),
    }
