"""The classroom page in a real headless Chromium, with everything but localhost cut off.

Where it can (root, ``unshare`` and ``ip``), the test re-runs itself inside a new
network namespace that has nothing but a loopback interface, so server and
browser have no network at all. In every case the server runs as a teacher
starts it (``python -m experiments.demo``) with its outgoing HTTP pointed at a
dead proxy, and the browser aborts (and records) every request that is not for
localhost. The test clicks Step, Play and Reset and checks that the network view
and a chart drew and changed, and that the server refuses requests that used to
delete its assets or answer 500. The screenshot goes to results/test-artifacts/.

Needs Debian's ``chromium`` (``make browser-deps``). Without it the test is
skipped, except where COMMSIM_REQUIRE_BROWSER=1 or CI is set (.ci/run), where a
missing browser fails it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from commsim.experiments.demo import offline

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - installed by make setup
    sync_playwright = None

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("COMMSIM_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "results" / "test-artifacts"
REQUIRED = os.environ.get("COMMSIM_REQUIRE_BROWSER") == "1" or bool(os.environ.get("CI"))
IN_NETNS = os.environ.get("COMMSIM_IN_NETNS") == "1"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DEAD_PROXY = "http://127.0.0.1:9"  # discard port: nothing listens, so any outside fetch fails fast
LOCAL = ("http://127.0.0.1", "http://localhost", "ws://127.0.0.1", "ws://localhost", "blob:", "data:")
VIEWS = ("network", "members", "flows", "cost")
ASSET_DIR = "@widgetti/solara-vuetify-app@10.1.1/dist"


def _need(ok: bool, why: str) -> None:
    if not ok:
        (pytest.fail if REQUIRED else pytest.skip)(why)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_served(url: str, proc: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"demo server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if direct.open(url, timeout=5).status == 200:
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"demo server did not answer within {timeout} s:\n{log.read_text()}")


@contextlib.contextmanager
def _server(log: Path, module: str = "experiments.demo", env: dict | None = None):
    """Serve ``module``'s page (as ``python -m <module> --port <free port>``) with outgoing HTTP
    pointed at a dead proxy; yields its URL, stops it on exit."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    offline_env = {key: DEAD_PROXY for key in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")}
    offline_env |= {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    with open(log, "a") as out:
        proc = subprocess.Popen([sys.executable, "-m", module, "--port", str(port)], cwd=ROOT,
                                env={**os.environ, **offline_env, **(env or {})}, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_served(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _views(page) -> dict[str, str]:
    """The markup of each view: the SVG of the charts, the people layer of the network."""
    return {name: page.locator(f".commsim-{name}").first.inner_html() for name in VIEWS}


def _wait_for_day(page, day: int) -> None:
    page.locator(".commsim-status").get_by_text(re.compile(rf"^Day {day} of \d+")).wait_for(timeout=30_000)


def _day_shown(page) -> int:
    return int(re.match(r"Day (\d+)", page.locator(".commsim-status").inner_text()).group(1))


def _isolation() -> list[str] | None:
    """The command prefix that runs a command with only a loopback network, if this machine allows it."""
    if IN_NETNS or os.geteuid() != 0 or not (shutil.which("unshare") and shutil.which("ip")):
        return None
    probe = subprocess.run(["unshare", "--net", "--", "ip", "link", "set", "lo", "up"], capture_output=True)
    if probe.returncode != 0:
        return None
    return ["unshare", "--net", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]


def test_page_works_offline_in_a_real_browser(tmp_path):
    _need(Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM}: run `make browser-deps` "
                                   "(apt-get install chromium) or set COMMSIM_CHROMIUM")
    _need(sync_playwright is not None, "playwright is not installed: make setup")
    isolate = _isolation()
    if isolate is None:
        _check_page(tmp_path / "server.log")
        return
    # the same test again, inside a network namespace with nothing but loopback
    inner = isolate + [sys.executable, "-m", "pytest", f"{__file__}::test_page_works_offline_in_a_real_browser",
                       "-q", "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "inner")]
    env = {**os.environ, "COMMSIM_IN_NETNS": "1", "COMMSIM_REQUIRE_BROWSER": "1"}
    done = subprocess.run(inner, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0 and re.search(r"(?m)^1 passed", done.stdout), done.stdout + done.stderr


def _check_page(log: Path) -> None:
    if IN_NETNS:  # no route anywhere but loopback
        with pytest.raises(OSError):
            socket.create_connection(("1.1.1.1", 443), timeout=3)
    outside, failed, errors = [], [], []

    def route(r):
        if r.request.url.startswith(LOCAL):
            return r.continue_()
        outside.append(r.request.url)
        return r.abort()

    with _server(log) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.route("**/*", route)
            page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.on("requestfailed", lambda r: failed.append(f"{r.failure} {r.url}"))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url)

            step = page.get_by_role("button", name="Step", exact=True)
            step.wait_for(timeout=60_000)
            _wait_for_day(page, 0)
            page.locator(".commsim-nodes circle").first.wait_for(timeout=30_000)
            assert page.locator(".commsim-nodes circle, .commsim-nodes polygon").count() == 34  # the karate club
            first = _views(page)

            for day in (1, 2, 3):  # Step is one day
                step.click()
                _wait_for_day(page, day)
            stepped = _views(page)
            assert stepped["members"] != first["members"], "the members chart did not change"
            for name in VIEWS:  # every view drew something a person can see
                box = page.locator(f".commsim-{name}").first.bounding_box()
                assert box and box["width"] > 250 and box["height"] > 150, (name, box)
            for slider in page.locator(".commsim-controls .v-slider").all():  # usable tracks
                assert slider.bounding_box()["width"] >= 150, slider.bounding_box()
            assert page.locator(".commsim-controls .v-slider__thumb-label").count() == 9  # values always shown
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "demo_ui.png"), full_page=True)

            page.get_by_role("button", name="Play", exact=True).click()
            page.wait_for_function("() => +document.querySelector('.commsim-status').innerText"
                                   ".match(/Day (\\d+)/)[1] >= 8", timeout=60_000)
            page.get_by_role("button", name="Pause", exact=True).click()
            page.get_by_role("button", name="Reset", exact=True).click()
            _wait_for_day(page, 0)

            # Solara's CDN proxy deleted this folder on one anonymous GET; the page must keep working
            direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            for path, status in ((f"_solara/cdn/{ASSET_DIR}", 404), ("static/a%00b", 400),
                                 ("_solara/cdn/nothing@1.0.0/missing.js", 404)):
                with pytest.raises(urllib.error.HTTPError) as refused:
                    direct.open(url + path, timeout=10)
                assert refused.value.code == status, path
            with pytest.raises(urllib.error.HTTPError) as refused:
                direct.open(urllib.request.Request(url + "_solara/api/close/bogus", method="POST"), timeout=10)
            assert refused.value.code == 404
            assert all((offline.cache_dir() / asset).is_file() for asset in offline.REQUIRED)
            again = browser.new_page()
            again.route("**/*", route)
            again.goto(url)
            again.get_by_role("button", name="Step", exact=True).wait_for(timeout=60_000)
            again.locator(".commsim-nodes circle").first.wait_for(timeout=30_000)
        finally:
            browser.close()

    assert outside == [], f"the page asked for something beyond localhost: {outside}"
    assert failed == [], f"requests failed: {failed}"
    assert errors == [], f"errors in the page: {errors}"
    server_log = log.read_text()
    assert "Could not load URL" not in server_log, f"the server tried to fetch from outside:\n{server_log}"
    assert "Traceback" not in server_log, server_log
