"""The app as a user meets it: upload, memory, dashboard page, refresh over HTTP.

Run from the project root: ``.venv/bin/python benchmarks/bench_server.py``
(``--rows N``, ``--repeat N``, ``--no-browser`` to skip Chromium).

- ingest: a generated export (seed layout) POSTed to ``/api/datasets`` of the
  real app (launcher.py, fresh data dir, as a user starts it) until the 201,
  against the floor measured in the same run: the same bytes POSTed to a
  do-nothing Django + waitress view (benchmarks/sink_server.py) plus pyarrow
  reading the file with its timestamps parsed.
- memory: the server's peak resident memory (VmHWM) after the upload and the
  refresh sequence.
- page: bytes of the dashboard's HTML and of every request it makes except
  Plotly's JS (whose Cache-Control is checked), and the time from navigation
  to the first chart trace drawn in Chromium, with Plotly's JS not yet cached
  (first visit: median of three, each in a new browser context) and cached.
  Reference in the same run, interleaved: the same first visits with the
  plotly package's full plotly.min.js answered for the page's partial bundle.
- report: bytes of the single-file HTML report (/report) of the data set.
- refresh: the bench_refresh steps as HTTP round trips, plus the dashboard's
  own refresh request (``/dashboard/data``: series, summary, tables, figure).
"""

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import plotly
from bench_refresh import STEPS, step_urls

# Resolves with ms since navigation start once Plotly has drawn a trace.
CHART_DRAWN = """() => {
  const trace = document.querySelector('#chart .plot-container .trace');
  return trace ? performance.now() : null;
}"""


def measure_ingest(export: Path, folder: Path, repeat: int) -> dict:
    """Time uploads against the floor, interleaved so both see the same load.

    Each round: the file POSTed to the sink, read by pyarrow, then uploaded to
    a freshly started app. Wall and CPU seconds are both kept: on a shared
    machine CPU time moves less with other work.
    """
    rounds = []
    with common.launch_sink() as sink:
        sink_client = sink.client()
        for run in range(repeat):
            cpu = common.cpu_seconds(sink.pid)
            transport = sink_client.post_file("/api/datasets", export)
            transport_cpu = common.cpu_seconds(sink.pid) - cpu
            cpu = common.cpu_seconds()
            parse = common.read_csv_floor(export)
            parse_cpu = common.cpu_seconds() - cpu
            rounds.append(
                {
                    "transport_s": transport.seconds,
                    "transport_cpu_s": transport_cpu,
                    "pyarrow_s": parse,
                    "pyarrow_cpu_s": parse_cpu,
                    **measure_upload(export, folder, run),
                }
            )

    def best(key: str) -> float:
        return min(r[key] for r in rounds)

    floor = best("transport_s") + best("pyarrow_s")
    floor_cpu = best("transport_cpu_s") + best("pyarrow_cpu_s")
    return {
        "rounds": rounds,
        "transport_s": best("transport_s"),
        "pyarrow_s": best("pyarrow_s"),
        "floor_s": floor,
        "upload_s": best("seconds"),
        "upload_median_s": statistics.median(r["seconds"] for r in rounds),
        "ratio": best("seconds") / floor,
        "floor_cpu_s": floor_cpu,
        "upload_cpu_s": best("cpu_s"),
        "cpu_ratio": best("cpu_s") / floor_cpu,
        "first_dashboard_s": best("first_dashboard_s"),
        "rows_loaded": rounds[0]["rows_loaded"],
        "idle_mb": statistics.median(r["idle_mb"] for r in rounds),
        "peak_after_upload_mb": max(r["peak_after_upload_mb"] for r in rounds),
    }


def measure_upload(export: Path, folder: Path, run: int) -> dict:
    """Upload to a freshly started app; return time, memory and the summary."""
    with common.launch_app(folder / f"data-{run}") as app:
        client = app.client()
        client.get("/")
        idle_mb, _ = common.peak_rss_mb(app.pid)
        cpu = common.cpu_seconds(app.pid)
        response = common.upload(client, export)
        cpu = common.cpu_seconds(app.pid) - cpu
        after_upload_mb, _ = common.peak_rss_mb(app.pid)
        first = client.get("/dashboard")
        return {
            "seconds": response.seconds,
            "cpu_s": cpu,
            "rows_loaded": response.json()["rows_loaded"],
            "idle_mb": idle_mb,
            "peak_after_upload_mb": after_upload_mb,
            "first_dashboard_s": first.seconds,
        }


def print_ingest(ingest: dict, repeat: int) -> None:
    print(
        f"\n{'ingest, best of ' + str(repeat):<44} {'wall s':>8} {'floor':>8} "
        f"{'ratio':>6} {'CPU s':>8} {'floor':>8} {'ratio':>6}"
    )
    rows = [
        ("  transport to do-nothing Django+waitress", "", "transport_s"),
        ("  pyarrow read_csv + timestamps", "", "pyarrow_s"),
    ]
    for label, _, key in rows:
        print(f"{label:<44} {'':>8} {ingest[key]:8.2f}")
    label = f"upload → 201 ({ingest['rows_loaded']:,} exams)"
    print(
        f"{label:<44} {ingest['upload_s']:8.2f} {ingest['floor_s']:8.2f} "
        f"{ingest['ratio']:6.2f} {ingest['upload_cpu_s']:8.2f} "
        f"{ingest['floor_cpu_s']:8.2f} {ingest['cpu_ratio']:6.2f}"
    )
    print(f"{'first /dashboard after upload':<44} {ingest['first_dashboard_s']:8.2f}")


def measure_refresh(client: common.Client, repeat: int = 3) -> list[dict]:
    """Return the round trip of each step's requests (best of ``repeat``)."""
    rows = []
    for label, query in STEPS:
        urls = step_urls(query)
        row = {"step": label}
        for name, url in urls.items():
            timing, response = common.timed(lambda url=url: client.get(url), repeat)
            if response.status != 200:
                raise RuntimeError(f"{url} answered {response.status}")
            row[f"{name}_ms"] = timing.best * 1000
            row[f"{name}_bytes"] = len(response.body)
        rows.append(row)
    return rows


COLD_VISITS = 3
# What every page loaded before the partial bundle (BENCHMARKS.md, issue 17).
FULL_PLOTLY = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _new_page(browser, *, full_plotly: bool):
    """Return a page in a new context (nothing cached)."""
    context = browser.new_context()
    if full_plotly:
        body = FULL_PLOTLY.read_bytes()
        context.route(
            "**/static/vendor/plotly-*.js",
            lambda route: route.fulfill(
                body=body,
                content_type="text/javascript",
                headers={"Cache-Control": "max-age=315360000, public, immutable"},
            ),
        )
    return context.new_page()


def _renderer_cpu_ms(page) -> float:
    """Return the CPU time the page's renderer process has used so far."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    metrics = cdp.send("Performance.getMetrics")["metrics"]
    cdp.detach()
    return next(m["value"] for m in metrics if m["name"] == "ProcessTime") * 1000


def measure_page(port: int, pid: int | None = None) -> dict:
    """Load /dashboard in Chromium: first visits, then with Plotly cached.

    First visits alternate between the page as served and the reference
    (full plotly.min.js), so both see the same load on a shared machine.
    Besides the wall time, each first visit's CPU time: the server's (pid)
    plus the page's renderer process (new for each context), which is what
    an otherwise idle PC would wait for.
    """
    from playwright.sync_api import sync_playwright

    url = f"http://127.0.0.1:{port}/dashboard"
    result = {}
    times = {"cold": [], "full": []}
    cpu = {"cold": [], "full": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=common.CHROMIUM, args=common.CHROMIUM_ARGS
        )
        for _ in range(COLD_VISITS):
            for variant in ("full", "cold"):
                page = _new_page(browser, full_plotly=variant == "full")
                seen = []
                page.on(
                    "requestfinished", lambda request, seen=seen: seen.append(request)
                )
                server_cpu = common.cpu_seconds(pid) if pid else 0.0
                page.goto(url, wait_until="commit")
                drawn = page.wait_for_function(
                    CHART_DRAWN, polling="raf", timeout=60_000
                )
                times[variant].append(drawn.json_value())
                server_ms = (
                    (common.cpu_seconds(pid) - server_cpu) * 1000 if pid else 0.0
                )
                cpu[variant].append(server_ms + _renderer_cpu_ms(page))
                page.wait_for_load_state("networkidle")
                if variant == "cold" and "html_bytes" not in result:
                    result.update(_page_bytes(seen))
        # The last page again, Plotly's JS now in its cache.
        page.goto(url, wait_until="commit")
        drawn = page.wait_for_function(CHART_DRAWN, polling="raf", timeout=60_000)
        result["first_chart_warm_ms"] = drawn.json_value()
        browser.close()
    result["first_chart_cold_ms"] = statistics.median(times["cold"])
    result["first_chart_cold_all_ms"] = times["cold"]
    result["first_chart_full_plotly_ms"] = statistics.median(times["full"])
    result["first_chart_full_plotly_all_ms"] = times["full"]
    result["first_chart_cold_cpu_ms"] = statistics.median(cpu["cold"])
    result["first_chart_full_plotly_cpu_ms"] = statistics.median(cpu["full"])
    return result


def _page_bytes(requests) -> dict:
    """Sum the bytes of a page's requests, Plotly's JS apart."""
    out = {"html_bytes": 0, "other_bytes": 0, "other_transfer_bytes": 0}
    out["requests"] = []
    for request in requests:
        response = request.response()
        if response is None:
            continue
        body = len(response.body())
        transfer = request.sizes()["responseBodySize"]
        url = request.url.split("://", 1)[1].split("/", 1)[1]
        if "plotly" in url and url.endswith(".js"):
            out["plotly_bytes"] = body
            out["plotly_transfer_bytes"] = transfer
            out["plotly_cache_control"] = response.header_value("cache-control")
            continue
        if request.resource_type == "document":
            out["html_bytes"] += body
        out["other_bytes"] += body
        out["other_transfer_bytes"] += transfer
        out["requests"].append({"url": "/" + url, "bytes": body, "transfer": transfer})
    return out


def run(*, export: Path, folder: Path, repeat: int, browser: bool) -> dict:
    results = {"export_mb": export.stat().st_size / 1e6}
    print(f"\nexport: {export.name}, {results['export_mb']:.0f} MB")
    ingest = measure_ingest(export, folder, repeat)
    results["ingest"] = ingest
    print_ingest(ingest, repeat)
    with common.launch_app(folder / "data-page") as app:
        client = app.client()
        common.upload(client, export)
        refresh = measure_refresh(client)
        results["refresh_http"] = refresh
        report = client.get("/report")
        if report.status != 200:
            raise RuntimeError(f"/report answered {report.status}")
        results["report_bytes"] = len(report.body)
        if browser and Path(common.CHROMIUM).exists():
            results["page"] = measure_page(app.port, app.pid)
        elif browser:
            print(f"page: skipped, no Chromium at {common.CHROMIUM}")
            browser = False
        peak, now = common.peak_rss_mb(app.pid)
        results["memory"] = {
            "idle_mb": ingest["idle_mb"],
            "peak_mb": peak,
            "rss_mb": now,
        }
    _print_refresh(refresh)
    memory = results["memory"]
    print(
        f"\nmemory: server idle {memory['idle_mb']:.0f} MB; peak (VmHWM) after "
        f"upload, refresh sequence and page {memory['peak_mb']:.0f} MB; "
        f"resident now {memory['rss_mb']:.0f} MB"
    )
    print(f"\nreport: /report is {results['report_bytes'] / 1e6:.2f} MB")
    if browser:
        _print_page(results["page"])
    return results


def _print_refresh(rows: list[dict]) -> None:
    print(
        f"\n{'HTTP round trip, ms (best of 3)':<48} {'series':>8} {'summary':>8} "
        f"{'exams':>8} {'dashboard':>10} {'KB':>6}"
    )
    for row in rows:
        print(
            f"{row['step']:<48} {common.ms(row['series_ms'] / 1000)} "
            f"{common.ms(row['summary_ms'] / 1000)} "
            f"{common.ms(row['exams_ms'] / 1000)} "
            f"{common.ms(row['dashboard_ms'] / 1000):>10} "
            f"{row['dashboard_bytes'] / 1024:6.0f}"
        )


def _print_page(page: dict) -> None:
    print(
        f"\npage: dashboard HTML {page['html_bytes'] / 1024:.0f} KB; HTML + its "
        f"other requests {page['other_bytes'] / 1024:.0f} KB "
        f"({page['other_transfer_bytes'] / 1024:.0f} KB on the wire), Plotly's JS "
        f"apart ({page.get('plotly_bytes', 0) / 1024:.0f} KB, "
        f"{page.get('plotly_transfer_bytes', 0) / 1024:.0f} KB on the wire, "
        f"Cache-Control: {page.get('plotly_cache_control')})"
    )
    for request in page["requests"]:
        print(f"  {request['url'][:70]:<70} {request['bytes'] / 1024:8.1f} KB")
    print(
        f"first chart drawn: {page['first_chart_cold_ms']:.0f} ms after navigation "
        f"(first visit, median of {COLD_VISITS}: "
        f"{', '.join(f'{ms:.0f}' for ms in page['first_chart_cold_all_ms'])}), "
        f"{page['first_chart_warm_ms']:.0f} ms (Plotly cached); with the full "
        f"plotly.min.js instead (reference) "
        f"{page['first_chart_full_plotly_ms']:.0f} ms (first visit, median of "
        f"{', '.join(f'{ms:.0f}' for ms in page['first_chart_full_plotly_all_ms'])})"
        f"\nfirst visit, CPU until the first chart (server + page's renderer, "
        f"median): {page['first_chart_cold_cpu_ms']:.0f} ms; with the full "
        f"plotly.min.js {page['first_chart_full_plotly_cpu_ms']:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--exports", type=Path, help="folder of generated exports")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    common.print_machine(common.machine())
    print(f"load average at start: {common.load_average()}")
    with common.temp_dir() as folder:
        exports = args.exports or folder
        export, _ = common.make_export(exports, rows=args.rows)
        results = run(
            export=export,
            folder=folder,
            repeat=args.repeat,
            browser=not args.no_browser,
        )
    print(f"load average at end: {common.load_average()}")
    common.save_results(f"server_{args.rows}", results)


if __name__ == "__main__":
    main()
