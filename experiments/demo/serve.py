"""The classroom page's web server: Solara's app behind a small guard, run by uvicorn.

Solara's own CDN proxy (``/_solara/cdn/...``) fetches what it lacks from the internet and
deletes any cached folder a request names (one anonymous GET of
``/_solara/cdn/@widgetti/solara-vuetify-app@10.1.1/dist`` broke the page until a reinstall).
The guard answers every ``/_solara/cdn/`` request itself, read-only, from the installed cache
(:mod:`experiments.demo.offline`): a file is served, anything else is a 404. It also turns two
requests that made Solara answer 500 with a traceback into 4xx: a NUL byte in a path, and
``POST /_solara/api/close/<id>`` for a session that does not exist.
"""

from __future__ import annotations

import os

from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse
from starlette.staticfiles import StaticFiles

from commsim.experiments.demo import offline

CDN_PREFIX = "/_solara/cdn/"
CLOSE_PREFIX = "/_solara/api/close/"
APP = "commsim.experiments.demo.app"


def configure_environment(app: str = APP) -> None:
    """Settings Solara reads when its server modules are imported: call before importing them.
    ``app``: the module whose ``Page`` is served (the classroom page, or the workbench)."""
    os.environ.update(offline.ENV)
    os.environ["SOLARA_APP"] = app


class Guard:
    """ASGI app: the checks above, then Solara's app for everything else."""

    def __init__(self, solara_app, cache_dir):
        self.solara_app = solara_app
        self.assets = StaticFiles(directory=str(cache_dir), follow_symlink=False)

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            path = scope.get("path", "")
            raw = scope.get("raw_path") or b""
            if "\x00" in path or b"%00" in raw.lower():
                return await self._refuse(scope, receive, send, 400, "bad request: NUL byte in the path")
            if scope["type"] == "http" and path.startswith(CDN_PREFIX):
                if scope["method"] not in ("GET", "HEAD"):
                    return await self._refuse(scope, receive, send, 405, "method not allowed")
                inner = {**scope, "path": "/" + path[len(CDN_PREFIX):], "root_path": ""}
                try:
                    response = await self.assets.get_response(self.assets.get_path(inner), inner)
                except HTTPException as err:  # a folder, a missing file, a path outside the cache
                    response = PlainTextResponse(err.detail, status_code=err.status_code)
                return await response(inner, receive, send)
            if scope["type"] == "http" and path.startswith(CLOSE_PREFIX) and not self._known_session(scope, path):
                return await self._refuse(scope, receive, send, 404, "no such session")
        return await self.solara_app(scope, receive, send)

    @staticmethod
    def _known_session(scope, path: str) -> bool:
        from urllib.parse import parse_qs

        from solara.server import kernel_context

        kernel_id = path[len(CLOSE_PREFIX):]
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        return kernel_id in kernel_context.contexts and bool(query.get("session_id"))

    @staticmethod
    async def _refuse(scope, receive, send, status: int, text: str):
        if scope["type"] == "websocket":
            return await send({"type": "websocket.close", "code": 1008})
        return await PlainTextResponse(text, status_code=status)(scope, receive, send)


def application(app: str = APP):
    """The guarded app (imports Solara's server: :func:`configure_environment` first)."""
    configure_environment(app)
    from solara.server.starlette import app as solara_app

    return Guard(solara_app, offline.cache_dir())


def run(host: str, port: int, app: str = APP) -> None:
    """Serve until interrupted (SIGINT / SIGTERM stop uvicorn, which exits cleanly)."""
    import uvicorn

    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = host, str(port)  # as `solara run` sets them
    # a busy server answers websocket pings late: uvicorn's default 20 s timeout would drop tabs that
    # are still there (the classroom load test lost some); a closed tab is noticed by its socket closing
    uvicorn.run(application(app), host=host, port=port, log_level="warning", ws_ping_interval=30,
                ws_ping_timeout=300)


def network_addresses() -> list[str]:
    """This machine's IPv4 addresses other machines can reach (loopback left out), found offline: the
    address a UDP socket would send from (no packet is sent), and those the host name resolves to."""
    import socket

    found = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET: only picks the outgoing interface
            found.append(probe.getsockname()[0])
    except OSError:
        pass
    try:
        found += socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        pass
    return [a for a in dict.fromkeys(found) if not a.startswith("127.") and a != "0.0.0.0"]


def serve_offline(app: str, name: str, host: str, port: int, note: str = "") -> int:
    """Check the offline assets, say where the page is, and serve ``app`` until interrupted; the
    exit status (2: an asset is missing, and what to do is printed)."""
    import sys
    import warnings

    from commsim.experiments.demo import offline

    configure_environment(app)  # before anything imports Solara's server settings
    found = offline.problems()
    if found:
        for problem in found:
            print(f"commsim {name}: {problem}", file=sys.stderr)
        return 2
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    print(f"commsim {name}: open http://{shown}:{port}/ in a browser{note} (Ctrl-C stops the server)", flush=True)
    if host == "0.0.0.0":
        found = network_addresses()
        where = (" or ".join(f"http://{a}:{port}/" for a in found) if found
                 else "this machine's network address instead of localhost")
        print(f"commsim {name}: other machines on the network open {where}", flush=True)
    # Solara warns on every start that plain-http cookies fall back to SameSite=lax: expected here
    warnings.filterwarnings("ignore", "Cookies with samesite=none require https", UserWarning)
    # the server runs in this process (no child that could outlive it): Ctrl-C and SIGTERM stop uvicorn
    run(host, port, app)
    return 0
