"""``python -m experiments.workbench``: serve the strategist's workbench on this machine, offline.

    python -m experiments.workbench                     # http://127.0.0.1:8522/, projects in results/workbench/
    python -m experiments.workbench --root /data/wb --port 9000 --host 0.0.0.0
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from commsim.experiments.demo import serve

DEFAULT_PORT = 8522
APP = "commsim.experiments.workbench.app"


def main(argv: list[str] | None = None) -> int:
    from commsim.experiments.reports.kit import LANGUAGES
    from commsim.experiments.workbench.app import LANGUAGE_ENV, LIMIT_ENV, ROOT_ENV
    from commsim.experiments.workbench.projects import MAX_UPLOAD_MB, Store

    parser = argparse.ArgumentParser(prog="commsim workbench", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: this machine only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--root", default=os.environ.get(ROOT_ENV) or "results/workbench",
                        help="folder of the projects and their database (default results/workbench under this folder)")
    parser.add_argument("--max-upload-mb", type=float, default=float(os.environ.get(LIMIT_ENV) or MAX_UPLOAD_MB),
                        help=f"largest export accepted, in MB (default {MAX_UPLOAD_MB})")
    parser.add_argument("--language", choices=LANGUAGES, default=os.environ.get(LANGUAGE_ENV) or "en",
                        help="the page's language until a project's own is chosen: en or zh (简体中文); default en")
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536:
        parser.error(f"--port must be in 1..65535, got {args.port}")
    if args.max_upload_mb <= 0:
        parser.error("--max-upload-mb must be positive")
    root = Path(args.root).resolve()
    Store(root)  # creates it, or fails here with a clear error rather than on the first page
    os.environ[ROOT_ENV], os.environ[LIMIT_ENV] = str(root), f"{args.max_upload_mb:g}"
    os.environ[LANGUAGE_ENV] = args.language

    return serve.serve_offline(APP, "workbench", args.host, args.port,
                               f"; projects in {root} (running jobs go on when it stops, and show again on its next start)")


if __name__ == "__main__":
    sys.exit(main())
