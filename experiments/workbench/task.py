"""One workbench job: ``python -m commsim.experiments.workbench.task <folder> <command> [words...]``.

Runs ``commsim <command> <words> hydra.run.dir=<folder>`` in this process (the server starts it
as its own process group, with its output going to ``<folder>/workbench.log``) and, whatever
happens short of being killed, writes ``<folder>/workbench-exit.json`` with the exit status. A
job whose process is gone without that file was stopped (killed, or the machine went down):
:mod:`experiments.workbench.tasks` says so and can run it again.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from pathlib import Path

EXIT = "workbench-exit.json"


def main(argv: list[str]) -> int:
    folder, command, *words = argv
    started = time.time()
    try:
        from commsim.cli import main as commsim
        from commsim.experiments.cli import hydra_quoted

        code = commsim([command, *words, f"hydra.run.dir={hydra_quoted(folder)}"])
    except BaseException:  # noqa: BLE001 - whatever it was, the job failed and the log says why
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    out = Path(folder) / EXIT
    tmp = out.with_name(f".{EXIT}.tmp")
    tmp.write_text(json.dumps({"returncode": int(code or 0), "started": started, "ended": time.time()}) + "\n")
    tmp.replace(out)
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
