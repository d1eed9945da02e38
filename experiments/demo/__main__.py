"""``python -m experiments.demo``: serve the classroom page on this machine, offline.

    python -m experiments.demo                 # http://127.0.0.1:8521/
    python -m experiments.demo --port 9000 --host 0.0.0.0   # reachable from the classroom's LAN
"""

from __future__ import annotations

import argparse
import sys
import warnings

from commsim.experiments.demo import offline, serve

DEFAULT_PORT = 8521


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m experiments.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: this machine only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536:
        parser.error(f"--port must be in 1..65535, got {args.port}")

    serve.configure_environment()  # before anything imports Solara's server settings
    found = offline.problems()
    if found:
        for problem in found:
            print(f"commsim demo: {problem}", file=sys.stderr)
        return 2

    shown = "localhost" if args.host in ("127.0.0.1", "0.0.0.0") else args.host
    print(f"commsim demo: open http://{shown}:{args.port}/ in a browser (Ctrl-C stops the server)", flush=True)
    if args.host == "0.0.0.0":
        print("commsim demo: other machines use this machine's network address instead of localhost", flush=True)
    # Solara warns on every start that plain-http cookies fall back to SameSite=lax: expected here
    warnings.filterwarnings("ignore", "Cookies with samesite=none require https", UserWarning)
    # the server runs in this process (no child that could outlive it): Ctrl-C and SIGTERM stop uvicorn
    serve.run(args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
