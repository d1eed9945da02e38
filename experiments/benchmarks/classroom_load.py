"""Load test of the classroom page: N browser tabs playing at once against one local server.

    python -m experiments.benchmarks.classroom_load                     # 30 tabs, 300 people each
    python -m experiments.benchmarks.classroom_load --sessions 4 --people 0   # the default karate club

Starts ``python -m experiments.demo`` on 127.0.0.1, opens the tabs in one headless Chromium
(Debian's ``/usr/bin/chromium``), sets each tab's community (``--people N`` picks a
Barabasi-Albert network of N people; 0 keeps the default karate club), presses Play at the
fastest speed, and measures for ``--seconds``: simulated days per second per session, and
the server's CPU time per simulated day (user + system time of the server process and its
children, from psutil, over the days all tabs advanced). The goal of issue 13: at most
50 ms of server time per simulated day per tab for 300 people.

``--page mesa --checkout OLD --people 0`` drives the wave-1 page (Mesa's SolaraViz: "Time: N"
and a ▶ button) of a checkout of that version, for the before figure.
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-timer-throttling",
         "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows"]
PAGES = {  # how to read the day and press play on each version of the page
    "commsim": {"day": r"Day (\d+) of", "text": ".commsim-status", "play": "Play"},
    "mesa": {"day": r"Time: (\d+)", "text": "body", "play": "▶"},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_cpu(proc: psutil.Process) -> float:
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def _day(page, how) -> int | None:
    """The day a tab shows; None if it shows none (a tab that lost its connection)."""
    text = page.evaluate("sel => { const el = document.querySelector(sel); return el ? el.innerText : '' }",
                         how["text"])
    found = re.search(how["day"], text)
    return int(found.group(1)) if found else None


def _set_up(page, people: int) -> None:
    """Pick a Barabasi-Albert network of ``people``, the fastest speed, then Reset (commsim page)."""
    controls = page.locator(".commsim-controls")
    controls.get_by_role("button", name="Play speed (days per second)").click()
    page.locator(".v-menu__content:visible .v-list-item").last.click()
    if people:
        controls.get_by_role("button", name="Network").click()
        page.locator(".v-menu__content:visible .v-list-item", has_text="barabasi_albert").click()
        slider = page.locator(".v-input__slider", has_text="People (generated networks)").locator(".v-slider")
        slider.click()  # the middle of the track: then step by keys to the exact value
        thumb = page.locator(".v-input__slider", has_text="People (generated networks)").locator("[role=slider]")
        for _ in range(60):
            now = int(thumb.get_attribute("aria-valuenow"))
            if now == people:
                break
            thumb.press("ArrowRight" if now < people else "ArrowLeft")
        page.get_by_role("button", name="Reset", exact=True).click()
        page.locator(".commsim-legend").get_by_text(re.compile(r"prospect")).wait_for()
        page.get_by_text(f"The community: {people} people").wait_for(timeout=60_000)


def measure(sessions: int, people: int, seconds: float, page_kind: str, cwd: Path, contexts: bool = False) -> dict:
    """Open ``sessions`` tabs (with ``contexts``, each in its own browser context: its own cookies,
    as 30 students' browsers are), press Play in all of them, and measure for ``seconds``."""
    from playwright.sync_api import sync_playwright

    how = PAGES[page_kind]
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen([sys.executable, "-m", "commsim.experiments.demo", "--port", str(port)], cwd=cwd,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the demo server did not start")
                time.sleep(0.5)
        watched = psutil.Process(server.pid)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
            pages = []
            for i in range(sessions):
                size = {"viewport": {"width": 1400, "height": 1000}}
                page = browser.new_context(**size).new_page() if contexts else browser.new_page(**size)
                page.goto(url)
                page.get_by_role("button", name=how["play"], exact=True).wait_for(timeout=120_000)
                if page_kind == "commsim":
                    _set_up(page, people)
                pages.append(page)
                print(f"\r  {i + 1}/{sessions} tabs open", end="", file=sys.stderr, flush=True)
            print(file=sys.stderr)
            for page in pages:
                page.get_by_role("button", name=how["play"], exact=True).click()
            time.sleep(3)  # warm up: every tab is playing
            start_days = [_day(page, how) for page in pages]
            cpu0, t0 = _server_cpu(watched), time.monotonic()
            time.sleep(seconds)
            cpu1, t1 = _server_cpu(watched), time.monotonic()
            end_days = [_day(page, how) for page in pages]
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    lost = sum(a is None or b is None for a, b in zip(start_days, end_days))
    advanced = [b - a for a, b in zip(start_days, end_days) if a is not None and b is not None]
    wall = t1 - t0
    per_session = [d / wall for d in advanced]
    total = sum(advanced)
    return {
        "page": page_kind, "sessions": sessions, "sessions_without_a_day_shown": lost, "people": people or 34, "seconds": round(wall, 1),
        "days_per_second_per_session_mean": round(statistics.mean(per_session), 2) if per_session else 0.0,
        "days_per_second_per_session_min": round(min(per_session), 2) if per_session else 0.0,
        "days_per_second_all": round(total / wall, 1),
        "days_advanced_min": min(advanced) if advanced else 0,
        "days_advanced": advanced,
        "server_cpu_seconds": round(cpu1 - cpu0, 2),
        "server_cpu_ms_per_day": round(1000 * (cpu1 - cpu0) / total, 1) if total else None,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m experiments.benchmarks.classroom_load", description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=30, help="browser tabs playing at once (default 30)")
    ap.add_argument("--people", type=int, default=300,
                    help="people per community (a Barabasi-Albert network; 0 = the default karate club)")
    ap.add_argument("--seconds", type=float, default=30.0, help="how long to measure (default 30)")
    ap.add_argument("--page", choices=sorted(PAGES), default="commsim", help="which page version is served")
    ap.add_argument("--checkout", type=Path, default=Path.cwd(),
                    help="serve the page of this checkout of commsim (default: the current directory)")
    ap.add_argument("--contexts", action="store_true", help="each tab in its own browser context (own cookies)")
    ap.add_argument("--json", type=Path, help="also write the result here")
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"commsim: no Chromium at {CHROMIUM} (make browser-deps)", file=sys.stderr)
        return 2
    if args.sessions < 1 or args.seconds <= 0 or not 0 <= args.people <= 500:
        ap.error("--sessions ≥ 1, --seconds > 0 and --people in 0..500")
    result = measure(args.sessions, args.people, args.seconds, args.page, args.checkout, args.contexts)
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
