"""The ``commsim`` console command: one front door for every command, from any folder.

    commsim run days=90 plan=content          # = python -m experiments.run days=90 plan=content
    commsim sweep strategies.content.posts_per_week=0,7,14 seed='range(5)' plan=content
    commsim compare experiment=kol_vs_random
    commsim --help                             # the commands; commsim <command> --help: its keys

Each command is the Hydra app (or program) of the same name under ``commsim.experiments``, run
as ``python -m`` would run it: same keys, same checks, same outputs (relative paths such as
``results/`` are under the folder you run it from). A folder of your own configs is added with
Hydra's search path: ``commsim run hydra.searchpath=[file:///path/to/my_configs] plan=my_plan``.
"""

from __future__ import annotations

import difflib
import runpy
import sys

# command -> (module run as __main__, words put before the user's, what it does)
COMMANDS: dict[str, tuple[str, list[str], str]] = {
    "run": ("commsim.experiments.run", [], "one run of one plan (Hydra app over configs/config.yaml)"),
    "sweep": ("commsim.experiments.run", ["-m"], "a parameter sweep: every combination, one run each (run -m)"),
    "collect": ("commsim.experiments.sweeps", [], "(re)collect a sweep's folder into sweep.parquet and figures"),
    "compare": ("commsim.experiments.compare", [], "paired comparison of plans, with a report"),
    "observe": ("commsim.experiments.observe", [], "a community's own numbers from its export: DAU, new, retention"),
    "calibrate": ("commsim.experiments.calibrate", [], "fit a twin of a community to its activity export"),
    "sensitivity": ("commsim.experiments.sensitivity", [], "Morris / Sobol sensitivity of a KPI or an effect"),
    "optimize": ("commsim.experiments.optimize", [], "search strategy mixes under a budget"),
    "facts": ("commsim.experiments.stylized_facts", [], "stylized facts of CollegeMsg next to the model's"),
    "demo": ("commsim.experiments.demo", [], "serve the classroom page (offline)"),
    "workbench": ("commsim.experiments.workbench", [], "serve the strategist's workbench: export in, decision out (offline)"),
    "benchmarks": ("commsim.experiments.benchmarks", [], "speed and memory benchmarks"),
}


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = ["usage: commsim <command> [overrides or options]", "", "commands:"]
    lines += [f"  {name:<{width}}  {what}" for name, (_, _, what) in COMMANDS.items()]
    lines += ["", "`commsim <command> --help` lists the command's keys; docs: README.md"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    if argv[0] in ("-V", "--version"):
        from commsim import __version__

        print(f"commsim {__version__}")
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        close = difflib.get_close_matches(name, COMMANDS, n=1)
        hint = f"; did you mean `commsim {close[0]}`?" if close else ""
        print(f"commsim: no command {name!r}{hint}\n\n{usage()}", file=sys.stderr)
        return 2
    module, before, _ = COMMANDS[name]
    sys.argv = [f"commsim {name}", *before, *rest]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except KeyboardInterrupt:
        print(f"\ncommsim {name}: interrupted. Finished runs are kept: the same command again resumes where it "
              f"stopped.", file=sys.stderr)
        return 130
    except SystemExit as stop:
        code = stop.code
        if isinstance(code, str):
            print(code, file=sys.stderr)
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0
