"""``python -m experiments.demo``: serve the classroom page on this machine, offline.

    python -m experiments.demo                 # http://127.0.0.1:8521/
    python -m experiments.demo --port 9000 --host 0.0.0.0   # reachable from the classroom's LAN
"""

from __future__ import annotations

import argparse
import os
import sys

from commsim.experiments.demo import serve

DEFAULT_PORT = 8521


def main(argv: list[str] | None = None) -> int:
    from commsim.experiments.demo.app import LANGUAGE_ENV
    from commsim.experiments.reports.kit import LANGUAGES

    parser = argparse.ArgumentParser(prog="commsim demo", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: this machine only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--language", choices=LANGUAGES, default=os.environ.get(LANGUAGE_ENV) or "en",
                        help="the page's first language: en or zh (简体中文); a switch on the page changes it")
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536:
        parser.error(f"--port must be in 1..65535, got {args.port}")
    os.environ[LANGUAGE_ENV] = args.language

    return serve.serve_offline(serve.APP, "demo", args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
