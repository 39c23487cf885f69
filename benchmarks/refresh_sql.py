"""The refresh benchmark's reference: the app's questions as DuckDB SQL.

The prepared frame is loaded into DuckDB as table ``exams``; each builder
returns SQL equivalent to one endpoint (filter, group by bucket,
quantile_cont / avg / count).
"""

NULL_DAY = -(2**31)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _where(spec, *, axis: str) -> str:
    """Return the SQL filter for a spec on one time axis (completed/ordered)."""
    from exams import fields

    parts = [f"{axis}_at IS NOT NULL"]
    for param, column in fields.FILTER_FIELDS.items():
        wanted = getattr(spec, param)
        if param == "shift":
            column = "shift" if axis == "completed" else "ordered_shift"
        if wanted:
            parts.append(f"{column} IN ({', '.join(map(_quote, wanted))})")
    if spec.start:
        parts.append(f"{axis}_at >= DATE '{spec.start.isoformat()}'")
    if spec.end:
        parts.append(f"{axis}_at < DATE '{spec.end.isoformat()}' + INTERVAL 1 DAY")
    if spec.days != "all":
        weekend = f"isodow({axis}_at) >= 6"
        parts.append(weekend if spec.days == "weekend" else f"NOT ({weekend})")
    return " AND ".join(parts)


def _bucket(period: str, axis: str) -> str:
    day, month = f"{axis}_day", f"{axis}_month"
    return {
        "day": day,
        "week": f"({day} + 3) // 7",
        "month": month,
        "quarter": f"{month} // 3",
        "year": f"{month} // 12",
    }[period]


def target_sql(frame, metric: str = "complete_to_final") -> str:
    """Return the per-exam default target of ``metric`` as a SQL CASE.

    Rule values are matched to the frame's categories here, once, as the app
    does, so DuckDB compares ENUM codes instead of lower-casing text per row.
    A rule naming its intervals applies to those only.
    """
    from exams.analysis.frame.targets import DEFAULT_TARGETS as rules

    cases = []
    for rule in rules["rules"]:
        if metric not in rule.get("metric", [metric]):
            continue
        tests = []
        for key in ("patient_class", "priority"):
            if rule.get(key):
                wanted = {v.casefold() for v in rule[key]}
                present = [
                    c for c in frame[key].cat.categories if c.casefold() in wanted
                ]
                values = ", ".join(map(_quote, present)) or "NULL"
                tests.append(f"{key} IN ({values})")
        cases.append(f"WHEN {' AND '.join(tests)} THEN {rule['minutes']}")
    if not cases:
        return str(rules["default"])
    return f"CASE {' '.join(cases)} ELSE {rules['default']} END"


def _statistic(stat: str, value: str, target, targets: str) -> str:
    limit = target if target is not None else targets
    return {
        "median": f"quantile_cont({value}, 0.5)",
        "p75": f"quantile_cont({value}, 0.75)",
        "p90": f"quantile_cont({value}, 0.9)",
        "mean": f"avg({value})",
        "within": f"100.0 * avg(CASE WHEN {value} <= {limit} THEN 1.0 ELSE 0 END)",
    }[stat]


def _group(split: str, axis: str) -> str:
    from exams import fields

    if split == "none":
        return "'All'"
    if split == "shift":
        column = "shift" if axis == "completed" else "ordered_shift"
    else:
        column = fields.SPLIT_FIELDS[split]
    return f"coalesce(CAST({column} AS VARCHAR), '(blank)')"


def series_sql(spec, targets: str) -> str:
    """Return SQL giving (group, bucket, value) rows of the series."""
    where = _where(spec, axis="completed")
    bucket, group = _bucket(spec.period, "completed"), _group(spec.split, "completed")
    if spec.metric == "volume":
        return (
            f"SELECT {group} AS g, {bucket} AS b, count(*) AS v "
            f"FROM exams WHERE {where} GROUP BY ALL"
        )
    if spec.metric == "complete_ratio":
        o_bucket, o_group = (
            _bucket(spec.period, "ordered"),
            _group(spec.split, "ordered"),
        )
        o_where = _where(spec, axis="ordered")
        return (
            f"WITH c AS (SELECT {group} AS g, {bucket} AS b, count(*) AS n "
            f"FROM exams WHERE {where} GROUP BY ALL), "
            f"o AS (SELECT {o_group} AS g, {o_bucket} AS b, count(*) AS n "
            f"FROM exams WHERE {o_where} GROUP BY ALL) "
            "SELECT o.g, o.b, coalesce(c.n, 0) / o.n AS v FROM o LEFT JOIN c "
            "USING (g, b)"
        )
    value = spec.metric
    return (
        f"SELECT {group} AS g, {bucket} AS b, "
        f"{_statistic(spec.stat, value, spec.target, targets)} "
        f"FILTER (WHERE {value} >= 0) AS v FROM exams WHERE {where} GROUP BY ALL"
    )


def summary_sql(spec, by: str, targets: str) -> str:
    """Return SQL for the summary table: per group and in total (GROUPING SETS)."""
    from exams import fields

    group = _group(by, "completed")
    target = spec.target if spec.target is not None else targets
    columns = ["count(*) AS exams"]
    for m in fields.INTERVALS:
        valid = f"FILTER (WHERE {m} >= 0)"
        columns += [
            f"count({m}) {valid}",
            f"quantile_cont({m}, [0.5, 0.75, 0.9]) {valid}",
            f"avg({m}) {valid}",
            f"100.0 * avg(CASE WHEN {m} <= {target} THEN 1.0 ELSE 0 END) {valid}",
            f"count(*) FILTER (WHERE {m} < 0)",
            f"count(*) FILTER (WHERE {m} IS NULL)",
        ]
    return (
        f"SELECT {group} AS g, {', '.join(columns)} FROM exams "
        f"WHERE {_where(spec, axis='completed')} GROUP BY GROUPING SETS ((g), ())"
    )


def exams_sql(spec) -> tuple[str, str]:
    """Return SQL for the total and for the first page, sorted as the app sorts."""
    from exams.analysis.dashboard.listing import ROW_FIELDS

    where = _where(spec, axis="completed").replace("completed_at IS NOT NULL", "true")
    columns = ", ".join(ROW_FIELDS)
    return (
        f"SELECT count(*) FROM exams WHERE {where}",
        f"SELECT {columns} FROM exams WHERE {where} "
        f"ORDER BY completed_at NULLS LAST, file_row LIMIT {spec.page_size}",
    )


def duckdb_table(frame):
    """Return a DuckDB connection holding the prepared frame as table ``exams``."""
    import duckdb
    import numpy as np
    import pyarrow as pa

    connection = duckdb.connect()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.append_column("file_row", pa.array(np.arange(len(frame))))
    connection.register("prepared", table)
    connection.execute("CREATE TABLE exams AS SELECT * FROM prepared")
    connection.unregister("prepared")
    return connection
