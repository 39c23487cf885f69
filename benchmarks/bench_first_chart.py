"""Where a first visit's first chart spends its time, in Chromium, at 1M exams.

Run from the project root: ``.venv/bin/python benchmarks/bench_first_chart.py``
(``--rows N``, ``--visits N``, ``--exports DIR`` to reuse generated exports:
``make bench`` shares one folder of ``seed_<rows>_0.csv`` files).

The real app (launcher.py) gets a generated export uploaded; then, in one
run, interleaved so every variant sees the same machine load:

- cold: /dashboard in a new browser context (nothing cached), time from
  navigation to the first chart trace drawn; with the page's own timeline
  (HTML first byte and last byte, DOM parsed, Plotly's bundle loaded and
  run, the chart's Plotly call) and the CPU time (server + renderer).
- blank (reference): a blank page at the same origin with only the Plotly
  bundle, drawing a one-trace chart, also in a new context: the floor any
  page with Plotly pays on a first visit.
- defer (reference): /dashboard as before this change, the Plotly bundle
  ``defer`` rather than ``async`` (the page's HTML rewritten on the way).
- warm (reference): /dashboard again in the last context, Plotly cached.

Besides, the server's own time for /dashboard and /dashboard/data (best of
the repeats, over HTTP) and the HTML's bytes.
"""

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

TARGET_MS = 1000
# ms since navigation start once Plotly has drawn a trace into #chart.
CHART_DRAWN = """() => {
  const trace = document.querySelector('#chart .plot-container .trace');
  return trace ? performance.now() : null;
}"""
# Notes when the Plotly bundle has run (it assigns window.Plotly) and how
# long the page's first Plotly call takes, without changing what runs.
PROBE = """(() => {
  let plotly;
  window.__bench = {};
  Object.defineProperty(window, 'Plotly', {
    configurable: true,
    get() { return plotly; },
    set(value) {
      plotly = value;
      window.__bench.plotly_ran = performance.now();
      for (const name of ['react', 'newPlot']) {
        const original = value[name];
        if (typeof original !== 'function') continue;
        value[name] = function () {
          if (window.__bench.plot_start === undefined) {
            window.__bench.plot_start = performance.now();
          }
          return original.apply(this, arguments);
        };
      }
    },
  });
})();"""
TIMELINE = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const plotly = performance.getEntriesByType('resource')
    .find((entry) => /plotly[^/]*\\.js$/.test(entry.name));
  const paint = performance.getEntriesByType('paint')
    .find((entry) => entry.name === 'first-contentful-paint');
  return {
    request_start: nav.requestStart,
    html_first_byte: nav.responseStart,
    html_last_byte: nav.responseEnd,
    dom_interactive: nav.domInteractive,
    dom_content_loaded: nav.domContentLoadedEventStart,
    first_contentful_paint: paint ? paint.startTime : null,
    plotly_fetched: plotly ? plotly.responseEnd : null,
    plotly_ran: window.__bench.plotly_ran ?? null,
    plot_start: window.__bench.plot_start ?? null,
  };
}"""
BLANK_PATH = "/__bench_blank"
BLANK_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<script src="{plotly}" defer></script>
<script src="data:text/javascript,{draw}" defer></script></head>
<body><div id="chart"></div></body></html>"""
BLANK_DRAW = (
    "Plotly.newPlot('chart',[{type:'bar',x:['a','b','c'],y:[1,3,2]}],{},"
    "{responsive:true})"
)


def _renderer_cpu_ms(page) -> float:
    """Return the CPU time the page's renderer process has used so far."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    metrics = cdp.send("Performance.getMetrics")["metrics"]
    cdp.detach()
    return next(m["value"] for m in metrics if m["name"] == "ProcessTime") * 1000


def _as_deferred(route) -> None:
    """Answer the page with its Plotly bundle ``defer`` again (the old page)."""
    response = route.fetch()
    body = response.text().replace('id="plotly-js" async', 'id="plotly-js" defer')
    route.fulfill(response=response, body=body)


def _visit(
    browser,
    url: str,
    *,
    pid: int | None,
    blank: str | None = None,
    deferred: bool = False,
):
    """Load ``url`` in a new context; return (page, ms to chart, CPU ms)."""
    context = browser.new_context()
    if deferred:
        context.route("**/dashboard", _as_deferred)
    if blank is not None:
        context.route(
            f"**{BLANK_PATH}",
            lambda route: route.fulfill(body=blank, content_type="text/html"),
        )
    else:
        context.add_init_script(PROBE)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: message.type == "error" and errors.append(message.text),
    )
    server_cpu = common.cpu_seconds(pid) if pid else 0.0
    page.goto(url, wait_until="commit")
    drawn = page.wait_for_function(CHART_DRAWN, polling="raf", timeout=60_000)
    ms = drawn.json_value()
    server_ms = (common.cpu_seconds(pid) - server_cpu) * 1000 if pid else 0.0
    cpu_ms = server_ms + _renderer_cpu_ms(page)
    page.wait_for_load_state("networkidle")
    if errors:
        raise RuntimeError(f"{url}: console errors {errors}")
    return page, ms, cpu_ms


def measure_browser(port: int, pid: int, visits: int, plotly_url: str) -> dict:
    """Cold, blank and warm visits, interleaved; medians and timelines."""
    from playwright.sync_api import sync_playwright

    base = f"http://127.0.0.1:{port}"
    blank = BLANK_PAGE.format(plotly=plotly_url, draw=BLANK_DRAW.replace(" ", "%20"))
    out = {"cold": [], "cold_cpu": [], "blank": [], "blank_cpu": [], "warm": []}
    out.update(defer=[], defer_cpu=[])
    out["timelines"] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=common.CHROMIUM, args=common.CHROMIUM_ARGS
        )
        for _ in range(visits):
            page, ms, cpu = _visit(browser, base + BLANK_PATH, pid=pid, blank=blank)
            out["blank"].append(ms)
            out["blank_cpu"].append(cpu)
            page.context.close()
            page, ms, cpu = _visit(browser, base + "/dashboard", pid=pid, deferred=True)
            out["defer"].append(ms)
            out["defer_cpu"].append(cpu)
            page.context.close()
            page, ms, cpu = _visit(browser, base + "/dashboard", pid=pid)
            out["cold"].append(ms)
            out["cold_cpu"].append(cpu)
            timeline = page.evaluate(TIMELINE)
            timeline["chart_drawn"] = ms
            out["timelines"].append(timeline)
            # The same context again: Plotly's JS now in its cache.
            page.goto(base + "/dashboard", wait_until="commit")
            drawn = page.wait_for_function(CHART_DRAWN, polling="raf", timeout=60_000)
            out["warm"].append(drawn.json_value())
            page.context.close()
        browser.close()
    return out


def measure_server(client: common.Client, repeat: int) -> dict:
    """Best-of time and bytes of /dashboard and /dashboard/data over HTTP."""
    out = {}
    for path in ("/dashboard", "/dashboard/data"):
        times, size = [], 0
        for _ in range(repeat):
            response = client.get(path)
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}")
            times.append(response.seconds * 1000)
            size = len(response.body)
        out[path] = {"best_ms": min(times), "bytes": size}
    # A first visit has no cookies: its own session, as a new browser's.
    times = []
    for _ in range(repeat):
        response = common.Client(client.port).get("/dashboard")
        times.append(response.seconds * 1000)
    out["/dashboard, no cookies"] = {"best_ms": min(times), "bytes": len(response.body)}
    html = client.get("/dashboard").body.decode()
    start = html.find('<script id="figure-data"')
    out["figure_json_bytes"] = (
        len(html[start : html.find("</script>", start)]) if start >= 0 else 0
    )
    marker = "static/vendor/plotly-"
    at = html.find(marker)
    out["plotly_url"] = "/" + html[at : html.find('"', at)] if at >= 0 else ""
    plotly = client.get(out["plotly_url"])
    out["plotly_bytes"] = len(plotly.body)
    return out


def report(server: dict, browser: dict, visits: int) -> None:
    print(
        f"\nserver (best of 3 over HTTP): /dashboard "
        f"{server['/dashboard']['best_ms']:.0f} ms, "
        f"{server['/dashboard']['bytes'] / 1024:.0f} KB HTML "
        f"(figure JSON {server['figure_json_bytes'] / 1024:.0f} KB); "
        f"without cookies (a first visit) "
        f"{server['/dashboard, no cookies']['best_ms']:.0f} ms; "
        f"/dashboard/data {server['/dashboard/data']['best_ms']:.0f} ms, "
        f"{server['/dashboard/data']['bytes'] / 1024:.0f} KB; "
        f"Plotly bundle {server['plotly_bytes'] / 1024:.0f} KB"
    )
    print(f"\nfirst visit timeline, ms after navigation ({visits} visits):")
    keys = list(browser["timelines"][0])
    for key in keys:
        values = [t[key] for t in browser["timelines"]]
        shown = ", ".join("-" if v is None else f"{v:.0f}" for v in values)
        print(f"  {key:<24} {shown}")

    def med(key: str) -> float:
        return statistics.median(browser[key])

    cold = med("cold")
    verdict = "met" if cold <= TARGET_MS else "NOT met"
    print(
        f"\nfirst chart, first visit, Chromium: {cold:.0f} ms wall "
        f"(median of {', '.join(f'{v:.0f}' for v in browser['cold'])}), "
        f"{med('cold_cpu'):.0f} ms CPU (server + renderer); target "
        f"<= {TARGET_MS} ms: {verdict}"
        f"\n  reference, same run: blank page + Plotly bundle, one-trace chart "
        f"{med('blank'):.0f} ms wall, {med('blank_cpu'):.0f} ms CPU; "
        f"dashboard with Plotly cached {med('warm'):.0f} ms; "
        f"dashboard with Plotly deferred (before) {med('defer'):.0f} ms wall "
        f"({', '.join(f'{v:.0f}' for v in browser['defer'])}), "
        f"{med('defer_cpu'):.0f} ms CPU"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--visits", type=int, default=5)
    parser.add_argument("--exports", type=Path, help="folder of generated exports")
    args = parser.parse_args()
    print(f"load average at start: {common.load_average()}")
    with common.temp_dir() as folder:
        export, _ = common.make_export(args.exports or folder, rows=args.rows)
        with common.launch_app(folder / "data") as app:
            client = app.client()
            common.upload(client, export)
            server = measure_server(client, 3)
            browser = measure_browser(
                app.port, app.pid, args.visits, server["plotly_url"]
            )
    report(server, browser, args.visits)
    print(f"load average at end: {common.load_average()}")
    common.save_results(
        f"first_chart_{args.rows}", {"server": server, "browser": browser}
    )


if __name__ == "__main__":
    main()
