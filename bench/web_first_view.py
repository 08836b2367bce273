"""`python -m bench.web_first_view`: how soon the demo city's first map view is interactive.

Signs in to a running server with a token, opens the map at its default view of the demo
city in Debian's Chromium (fresh browser context each run: cold caches), and reads the page's
own clock: `load` (the map takes input) and the first `idle` (every tile of the view fetched
and drawn), both from navigation start. Prints each run, p50 and max, and a TARGET line.
"""

from __future__ import annotations

import argparse
import statistics
import time

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TARGET_MS = 2000


def one_run(browser, url: str, token: str) -> tuple[int, int]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{url}/login")
    page.fill("#token", token)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    page.goto(f"{url}/login")  # leave the map, so the next load is a fresh navigation
    page.goto(f"{url}/")
    page.locator("body[data-first-idle-ms]").wait_for(state="attached", timeout=60_000)
    body = page.locator("body")
    load, idle = (
        int(body.get_attribute("data-map-load-ms")),
        int(body.get_attribute("data-first-idle-ms")),
    )
    context.close()
    return load, idle


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.web_first_view", description=__doc__)
    p.add_argument("--url", default="http://127.0.0.1:5000")
    p.add_argument("--token", required=True, help="any role's token (demo-tokens prints them)")
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args(argv)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        loads, idles = [], []
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for i in range(args.runs):
            load, idle = one_run(browser, args.url, args.token)
            loads.append(load)
            idles.append(idle)
            print(f"run {i + 1}: interactive {load} ms, first view complete {idle} ms", flush=True)
        browser.close()
    print(
        f"interactive p50 {statistics.median(loads):.0f} ms max {max(loads)} ms; "
        f"complete p50 {statistics.median(idles):.0f} ms max {max(idles)} ms; "
        f"driver wall {time.perf_counter() - wall0:.1f} s, driver CPU "
        f"{time.process_time() - cpu0:.1f} s (browser and server CPU not included)"
    )
    for name, values in (("web_first_view_interactive", loads), ("web_first_view_complete", idles)):
        p50 = statistics.median(values)
        verdict = "PASS" if p50 <= TARGET_MS else "MISS"
        print(f"TARGET {name} {p50:.0f} ms <= {TARGET_MS} ms {verdict}")


if __name__ == "__main__":
    main()
