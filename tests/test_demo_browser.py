"""The classroom page in a real headless Chromium, with everything but localhost cut off.

Where it can (root, ``unshare`` and ``ip``), the test re-runs itself inside a new
network namespace that has nothing but a loopback interface, so server and
browser have no network at all. In every case the server runs as a teacher
starts it (``python -m experiments.demo``) with its outgoing HTTP pointed at a
dead proxy, and the browser aborts (and records) every request that is not for
localhost. The test clicks Step, Play and Reset and checks that the network view
and a chart drew and changed. The screenshot goes to results/test-artifacts/.

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
import urllib.request
from pathlib import Path

import pytest

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
def _server(log: Path):
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    offline_env = {key: DEAD_PROXY for key in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")}
    offline_env |= {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "experiments.demo", "--port", str(port)], cwd=ROOT,
                                env={**os.environ, **offline_env}, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_served(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _sources(page) -> dict[str, str]:
    return {name: page.locator(f".commsim-{name} img").get_attribute("src") for name in VIEWS}


def _wait_for_time(page, day: int) -> None:
    page.get_by_text(f"Time: {day}.0", exact=True).wait_for(timeout=30_000)


def _drawn(page, name: str) -> bool:
    return page.locator(f".commsim-{name} img").evaluate("img => img.complete && img.naturalWidth > 200")


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

            step = page.get_by_role("button", name="Step")
            step.wait_for(timeout=60_000)
            for name in VIEWS:
                page.locator(f".commsim-{name} img").wait_for(timeout=60_000)
            _wait_for_time(page, 0)
            page.wait_for_function("() => [...document.querySelectorAll('.vue-grid-item img')]"
                                   ".every(i => i.complete && i.naturalWidth > 200)", timeout=30_000)
            assert _drawn(page, "network") and _drawn(page, "members")
            first = _sources(page)

            for day in (1, 2, 3):
                step.click()
                _wait_for_time(page, day)
            page.wait_for_function(
                "old => document.querySelector('.commsim-network img').src !== old", arg=first["network"])
            stepped = _sources(page)
            assert stepped["network"] != first["network"], "the network view did not change"
            assert stepped["members"] != first["members"], "the members chart did not change"
            assert _drawn(page, "network") and _drawn(page, "members")
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "demo_ui.png"), full_page=True)

            page.get_by_role("button", name="▶").click()  # Play ...
            page.wait_for_function("() => /Time: (\\d+)/.test(document.body.innerText) && "
                                   "+document.body.innerText.match(/Time: (\\d+)/)[1] >= 6", timeout=60_000)
            page.get_by_role("button", name="❚❚").click()  # ... and pause
            page.get_by_role("button", name="Reset").click()
            _wait_for_time(page, 0)
        finally:
            browser.close()

    assert outside == [], f"the page asked for something beyond localhost: {outside}"
    assert failed == [], f"requests failed: {failed}"
    assert errors == [], f"errors in the page: {errors}"
    server_log = log.read_text()
    assert "Could not load URL" not in server_log, f"the server tried to fetch from outside:\n{server_log}"
    assert "Traceback" not in server_log, server_log
