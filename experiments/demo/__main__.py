"""``python -m experiments.demo``: serve the classroom page on this machine, offline.

    python -m experiments.demo                 # http://127.0.0.1:8521/
    python -m experiments.demo --port 9000 --host 0.0.0.0   # reachable from the classroom's LAN
"""

from __future__ import annotations

import argparse
import sys

from commsim.experiments.demo import serve

DEFAULT_PORT = 8521


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="commsim demo", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: this machine only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536:
        parser.error(f"--port must be in 1..65535, got {args.port}")

    return serve.serve_offline(serve.APP, "demo", args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
