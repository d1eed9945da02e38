"""Every command's front door: the command line is checked before Hydra starts.

``python -m experiments.run|compare|calibrate`` call :func:`preflight` before their Hydra main.
It composes the configuration the command would run with Hydra's compose API and validates it
(every sweep point of a ``-m`` multirun, every scenario of a comparison), so that a mistake

* stops with commsim's own message -- the key, what is allowed, a *did you mean* for a misspelt
  key, the options of a config group (never Hydra's internal ``schema_*`` entries), how to quote
  a path Hydra's grammar cannot read -- and exit status 2, never a traceback;
* leaves nothing behind: Hydra creates its output directory only after the preflight passed,
  so a refused command adds no ``results/runs/<time>_...`` folder;
* is found before any work: a sweep with one bad point runs none of the good ones.

``--help`` prints every key of the command with its default, meaning and allowed range.
"""

from __future__ import annotations

import difflib
import itertools
import os
import re
import sys
from pathlib import Path
from typing import Callable

from commsim.sim.errors import ConfigError, UserError

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
HYDRA_OWN_FLAGS = ("--cfg", "-c", "--info", "-i", "--hydra-help", "--resolve", "--package", "-p", "--shell-completion",
                   "-sc", "--config-path", "-cp", "--config-dir", "-cd", "--config-name", "-cn", "--version")
FULL_PRODUCT_LIMIT = 256  # sweeps up to this many points are validated point by point

COMMANDS = {
    "config": ("experiments.run", "one run of one plan"),
    "compare": ("experiments.compare", "paired comparison of scenarios, with a report"),
    "calibrate": ("experiments.calibrate", "fit the model to a community's activity log"),
    "sensitivity": ("experiments.sensitivity", "which parameters drive a KPI or a plan's effect (Morris / Sobol)"),
    "optimize": ("experiments.optimize", "search plans for the cost / effect Pareto front under a budget"),
    "observe": ("experiments.observe", "a community's own numbers from its export (DAU, new, retention), no model"),
}


def preflight(config_name: str, argv: list[str] | None = None, check: Callable | None = None) -> None:
    """Check the command line of the command whose primary config is ``config_name``; on a problem
    print it and exit 2. ``check(cfg, overrides)`` adds the command's own checks (may raise
    :class:`ConfigError`)."""
    if argv is None and "--dry-run" in sys.argv:  # the flag is runner.dry_run=true (experiments/runner/dry_run.py)
        sys.argv = [("runner.dry_run=true" if a == "--dry-run" else a) for a in sys.argv]
    if argv is None:
        sys.argv = [sys.argv[0], *map(autoquote, sys.argv[1:])]
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--help" in argv or "-h" in argv:
        print(help_text(config_name))
        sys.exit(0)
    from commsim.experiments.runner.threads import one_blas_thread_here

    one_blas_thread_here()  # the command and the worker processes it starts (experiments/runner/threads.py)
    if any(a.split("=", 1)[0] in HYDRA_OWN_FLAGS for a in argv):
        return  # Hydra's own inspection flags: let Hydra answer
    multirun = "-m" in argv or "--multirun" in argv
    overrides = [a for a in argv if a not in ("-m", "--multirun")]
    try:
        problems = check_command_line(config_name, overrides, multirun, check)
    except UserError as err:
        problems = err.problems if isinstance(err, ConfigError) else [str(err)]
    if problems:
        print("commsim: invalid command line:\n" + "\n".join(f"  - {p}" for p in problems), file=sys.stderr)
        sys.exit(2)


def check_command_line(config_name: str, overrides: list[str], multirun: bool = False,
                       check: Callable | None = None) -> list[str]:
    """Every problem of the command line (empty when it would run)."""
    parsed, problems = parse_each(overrides)
    if problems:
        return problems
    sweeps = [o for o in parsed if o.is_sweep_override()]
    if sweeps and not multirun:
        return [f"{o.input_line}: several values make a sweep; add -m to run one job per value "
                f"(python -m {COMMANDS.get(config_name, ('experiments.run',))[0]} -m ...)" for o in sweeps]
    points = sweep_points(parsed) if multirun else [list(overrides)]
    if multirun and not points:
        return ["the sweep has no points (an empty range?)"]
    with hydra_context():
        return _check_points(config_name, points, multirun, check)


def _check_points(config_name, points, multirun, check) -> list[str]:
    from omegaconf import open_dict

    from commsim.experiments.settings import load, load_observe
    from commsim.sim import memory

    compose_point = PointComposer(config_name)
    for point in points:
        label = f"sweep point {' '.join(point)}: " if multirun and len(points) > 1 else ""
        try:
            cfg = compose_point(point)
            output_dir_problem(cfg, multirun)
            missing = missing_log(cfg)
            if missing:
                return [label + missing]
            if check is not None:
                check(cfg.copy(), point)
            with open_dict(cfg):
                del cfg["hydra"]
            if config_name == "observe":
                load_observe(cfg)
                continue
            config, _ = load(cfg, point)
            memory.check(config)
        except ConfigError as err:
            return [label + p for p in err.problems]
        except UserError as err:
            return [label + str(err)]
    return []


def missing_log(cfg) -> str | None:
    """An activity log named (``log``, ``calibrate.log``) that is not there, in words -- said before
    Hydra makes the command's folder (a refused command adds none, nor rewrites a finished one's)."""
    from omegaconf import OmegaConf

    for key in ("log", "calibrate.log"):
        value = OmegaConf.select(cfg, key, default=None, throw_on_missing=False)
        if value and not Path(str(value)).is_file():
            where = "" if Path(str(value)).is_absolute() else f" (relative to the folder you run in, {os.getcwd()})"
            return f"{key}: no such file: {value}{where}"
    return None


class PointComposer:
    """Composes the points of a sweep as Hydra would, each with its ``hydra`` node, faster.

    Hydra's compose builds the defaults list from a point's config-group choices, merges the
    configs it names, then applies the plain ``key=value`` overrides (Hydra's own
    ``ConfigLoaderImpl._apply_overrides_to_config``). Points of a sweep mostly differ in plain
    values, so the first two steps are done once per distinct set of group choices and ``hydra.*``
    overrides, and each point gets its values applied to a copy and its command line recorded in
    the ``hydra`` node as compose records it: ~25 ms a point instead of ~150.
    A point whose values do not apply cleanly, and every point of a command line that adds config
    folders (``hydra.searchpath``), is composed in full, so its errors read exactly as before
    (tests/test_cli.py checks both paths give the same configs)."""

    def __init__(self, config_name: str, with_hydra: bool = True):
        # with_hydra=False: the configs without their ``hydra`` node, as hydra.compose gives them by
        # default (a command's scenarios and plans, composed inside its running app)
        self.config_name, self.with_hydra, self._bases = config_name, with_hydra, {}

    def __call__(self, point: list[str]):
        import copy

        from hydra.core.global_hydra import GlobalHydra
        from hydra.core.override_parser.overrides_parser import OverridesParser

        parsed = OverridesParser.create().parse_overrides(point)
        repo = GlobalHydra.instance().config_loader().repository
        if any(o.get_key_element().lstrip("+~").startswith("hydra.searchpath") for o in parsed):
            return compose_checked(self.config_name, point, with_hydra=self.with_hydra)
        shape = [o for o in parsed if o.is_hydra_override() or o.package is not None
                 or (repo.group_exists(o.key_or_group) and not isinstance(o.value(), dict))]
        values = [o for o in parsed if o not in shape]
        key = tuple(o.input_line for o in shape)
        if key not in self._bases:
            self._bases[key] = compose_checked(self.config_name, list(key), with_hydra=self.with_hydra)
        cfg = copy.deepcopy(self._bases[key])
        try:
            _apply_values(values, cfg)
        except Exception:  # noqa: BLE001 - Hydra's full compose says what is wrong, in its words
            return compose_checked(self.config_name, point, with_hydra=self.with_hydra)
        if self.with_hydra:
            _record_command_line(cfg, parsed)
        return cfg


def _apply_values(values, cfg) -> None:
    """What Hydra's compose does with plain overrides once the defaults are merged."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl

    ConfigLoaderImpl._apply_overrides_to_config(values, cfg)


def _record_command_line(cfg, parsed) -> None:
    """The point's whole command line in its ``hydra`` node, as Hydra's compose records it
    (``hydra.overrides.task``, ``hydra.job.override_dirname``, which ``hydra.sweep.subdir`` names)."""
    from hydra._internal.config_loader_impl import get_overrides_dirname
    from omegaconf import open_dict

    app = [o for o in parsed if not o.is_hydra_override()]
    with open_dict(cfg.hydra):
        cfg.hydra.overrides.task = [o.input_line for o in app]
        job = cfg.hydra.job
        cfg.hydra.job.override_dirname = get_overrides_dirname(
            overrides=app, kv_sep=job.config.override_dirname.kv_sep, item_sep=job.config.override_dirname.item_sep,
            exclude_keys=job.config.override_dirname.exclude_keys)


def parse_each(overrides: list[str]):
    """Hydra's parse of each override; an unreadable one is explained (quoting, paths)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import OverrideParseException

    parser = OverridesParser.create()
    parsed, problems = [], []
    for text in overrides:
        try:
            parsed.extend(parser.parse_overrides([text]))
        except OverrideParseException:
            problems.append(quoting_hint(text))
    return parsed, problems


def hydra_quoted(value) -> str:
    """``value`` (a path) as a quoted Hydra override value that reads back as exactly the same string,
    whatever it holds: spaces, brackets, commas, '=', '~', quotes (a folder named "wb (copy)", "OneDrive -
    Acme, Inc." or "com~apple~CloudDocs" broke the bare form; a comma made it a sweep). Inside quotes a
    backslash is literal except before a quote or at the end, where it is doubled."""
    text = re.sub(r"(\\*)'", lambda m: m.group(1) * 2 + "\\'", str(value))
    text = re.sub(r"(\\+)$", lambda m: m.group(1) * 2, text)
    return f"'{text}'"


def shell_override(key: str, value) -> str:
    """``key=value`` as one argument to paste into a shell: bare where the value is plain
    (``calibrate.seed=2``), else Hydra-quoted (:func:`hydra_quoted`) inside shell quotes, so that a
    report's next command for ``社群 导出(1).csv`` runs as shown (bare, bash stops at the bracket)."""
    text = str(value)
    meant = value if isinstance(value, (bool, int, float)) else text  # a column's position stays a number
    if re.fullmatch(r"[A-Za-z0-9_./:@%+-]+", text) and _reads_back(key, text, meant):
        return f"{key}={text}"
    arg = f"{key}={hydra_quoted(text)}"
    return f'"{arg}"' if not any(c in arg for c in '"$`\\!') else "'" + arg.replace("'", "'\\''") + "'"


def _reads_back(key: str, text: str, meant) -> bool:
    """Whether Hydra reads ``key=text`` bare as ``meant`` (a name 'null', 'true' or '1e3' it would not)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        got = OverridesParser.create().parse_override(f"{key}={text}").value()
        return got == meant and type(got) is type(meant)
    except Exception:
        return False


def autoquote(text: str) -> str:
    """``key=value`` whose value holds non-ASCII letters (a path such as ``log=/data/社群 导出(1).csv``)
    -> the value quoted, which Hydra reads as the same string, spaces and brackets included.
    Lists and mappings, sweeps (commas), interpolations and values with quotes or backslashes are
    left as they are."""
    key, eq, value = text.partition("=")
    if not eq or not value or value.isascii() or value[0] in "[{" or any(c in value for c in "'\",\\") \
            or "${" in value or not key.lstrip("+~").replace(".", "").replace("_", "").replace("/", "").isalnum():
        return text
    return f"{key}='{value}'"


def quoting_hint(text: str) -> str:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    key, eq, value = text.partition("=")
    if not eq:
        return f"{text!r} is not key=value"
    if value[:1] in "[{":  # a list or mapping: quote the elements that hold '=' or spaces
        fixed = re.sub(r"(?<=[\[,:])\s*([^\[\]{},:'\"]*[= ][^\[\]{},:'\"]*)(?=[\],}])", r"'\1'", value)
        try:
            OverridesParser.create().parse_overrides([f"{key}={fixed}"])
            return (f"{key}: Hydra cannot read {value!r}: elements holding '=' or spaces need quotes; write "
                    f"\"{key}={fixed}\" (double quotes for the shell)")
        except Exception:  # noqa: BLE001 - fall through to the general advice
            pass
    if value.startswith("~/"):  # nothing expands a quoted ~: the shell's $HOME does, inside double quotes
        return (f"{key}: Hydra cannot read the value {value!r} as written, and a '~' is not expanded here; write "
                f"\"{key}=$HOME/{value[2:]}\" (the shell puts your home folder in)")
    return (f"{key}: Hydra cannot read the value {value!r} as written (characters such as ~, spaces, non-ASCII "
            f"letters, brackets, commas or '=' need quotes); quote the value inside shell quotes: "
            f"\"{key}='{value}'\"")


def sweep_points(parsed) -> list[list[str]]:
    """The override lists of a multirun's jobs to validate: all of them for a small sweep; else each
    value of each swept key with the first value of the others (a bad value fails on its own)."""
    choices = []
    for o in parsed:
        key = o.get_key_element()
        values = list(o.sweep_string_iterator()) if o.is_sweep_override() else [o.get_value_element_as_str()]
        choices.append([f"{key}={v}" for v in values])
    total = 1
    for c in choices:
        total *= len(c)
    if total <= FULL_PRODUCT_LIMIT:
        return [list(p) for p in itertools.product(*choices)]
    points, first = [], [c[0] for c in choices]
    for i, c in enumerate(choices):
        for value in c[1:]:
            points.append(first[:i] + [value] + first[i + 1:])
    return [first] + points


class hydra_context:
    """Hydra's compose API over configs/ (a no-op inside a running Hydra app, which has its own)."""

    def __enter__(self):
        from hydra import initialize_config_dir
        from hydra.core.global_hydra import GlobalHydra

        from commsim.experiments.settings import register_configs

        register_configs()
        self._own = None
        if not GlobalHydra.instance().is_initialized():
            self._own = initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3")
            self._own.__enter__()
        return self

    def __exit__(self, *exc):
        if self._own is not None:
            self._own.__exit__(*exc)


def compose_checked(config_name: str, overrides: list[str], with_hydra: bool = False):
    """Hydra's compose of ``configs/<config_name>`` with ``overrides`` (and the ``hydra`` node if
    ``with_hydra``); composition errors become :class:`ConfigError` in commsim's words."""
    from hydra import compose

    with hydra_context():
        return _compose_translated(lambda o: compose(config_name=config_name, overrides=o,
                                                     return_hydra_config=with_hydra), overrides)


def _compose_translated(compose, overrides: list[str]):
    from hydra.errors import ConfigCompositionException, MissingConfigException

    try:
        return compose(overrides)
    except MissingConfigException as err:
        raise ConfigError([missing_option(err)]) from None
    except ConfigCompositionException as err:
        raise ConfigError([composition_problem(err, compose, overrides)]) from None


def missing_option(err) -> str:
    match = re.search(r"Could not find '([^']+)'", str(err))
    wanted = match.group(1) if match else str(err).splitlines()[0]
    group, _, name = wanted.rpartition("/")
    options = sorted(o for o in (getattr(err, "options", None) or group_options(group)) if not o.startswith("schema"))
    if not group:
        return f"{wanted}: no such config"
    close = difflib.get_close_matches(name, options, n=1)
    hint = f"; did you mean {group}={close[0]}?" if close else ""
    return f"{group}={name}: no such option{hint}. Available: {', '.join(options)} (configs/{group}/)"


def group_options(group: str) -> list[str]:
    folder = CONFIGS / group
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def composition_problem(err, compose, overrides: list[str]) -> str:
    text = str(err)
    cause = err.__cause__
    unknown = re.match(r"Could not override '([^']+)'", text)
    if unknown:
        key = unknown.group(1)
        return unknown_key(key, compose, [o for o in overrides if o.split("=", 1)[0].lstrip("+~") != key])
    appended = re.search(r"An item is already at '([^']+)'", text)
    if appended:
        return f"+{appended.group(1)}: the key exists already; set it without the +: {appended.group(1)}=..."
    merging = re.match(r"Error merging override (.+)", text)
    if merging and cause is not None:
        key = getattr(cause, "full_key", None) or merging.group(1).split("=", 1)[0]
        value = merging.group(1).split("=", 1)[-1]
        kind = re.search(r"converted to (\w+)", str(cause))
        if kind:
            return f"{key}: {value!r} is not {_article(kind.group(1).lower())}"
        return f"{key}: {str(cause).splitlines()[0]}"
    return text.splitlines()[0]


def _article(kind: str) -> str:
    names = {"integer": "an integer", "float": "a number", "boolean": "true or false", "str": "a string"}
    return names.get(kind, f"a valid {kind}")


def unknown_key(key: str, compose, others: list[str]) -> str:
    from omegaconf import OmegaConf

    from commsim.sim.calibrated import flatten

    try:
        known = list(flatten(OmegaConf.to_container(compose(others), resolve=False)))
    except Exception:  # noqa: BLE001 - the suggestion is a courtesy
        known = []
    known = [k for k in known if not k.startswith("hydra.")]
    if key in known or any(k.startswith(key + ".") for k in known):
        return (f"{key}: the value adds keys to a mapping whose keys are fixed; write ++{key}=... to replace it "
                f"whole")
    parent = key.rpartition(".")[0]
    close = difflib.get_close_matches(key, known, n=3, cutoff=0.75)
    siblings = sorted({k[len(parent) + 1:].split(".")[0] for k in known if parent and k.startswith(parent + ".")})
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    keys = f" Keys under {parent}: {', '.join(siblings)}." if siblings else ""
    return f"{key}: unknown key{hint}{keys} (commsim run --help lists every key)"


def output_dir_problem(cfg, multirun: bool) -> None:
    """Refuse an output directory that cannot be made or written, before Hydra tries."""
    from omegaconf import OmegaConf

    key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    try:
        value = OmegaConf.select(cfg, key, throw_on_resolution_failure=True)
    except Exception:  # noqa: BLE001 - interpolations Hydra fills in only at run time
        return
    if not value:
        return
    path = Path(str(value)).expanduser()
    where = f"{key}={value}"
    for parent in [path, *path.parents]:
        if parent.exists():
            if not parent.is_dir():
                raise ConfigError([f"{where}: {parent} is a file, not a directory; choose another {key}"])
            if not os.access(parent, os.W_OK | os.X_OK):
                raise ConfigError([f"{where}: {parent} is not writable; choose another {key}"])
            return


def help_text(config_name: str) -> str:
    """Every key of the command, with default, meaning and allowed range."""
    import dataclasses

    from commsim.experiments.settings import CalibrateSettings, CompareSettings, LogColumns, OptimizeSettings, \
        OutputSettings, ReportSettings, SensitivitySettings, Settings, TargetWeights
    from commsim.sim.calendar import CalendarConfig
    from commsim.sim.config import NETWORK_KINDS, Config, PlanConfig, PopulationConfig
    from commsim.sim.day import DAY_PLAN, strategy_names, strategy_params
    from commsim.sim.params import declared

    module, what = COMMANDS.get(config_name, COMMANDS["config"])
    if config_name == "observe":
        from commsim.experiments.settings import ObserveSettings

        lines = [f"python -m {module} log=<export> [key=value ...]: {what}.", "", "keys:"]
        lines += [f"  {i.key} = {i.default!r}: {i.doc}{i.bounds_text()}" for i in declared(ObserveSettings, "")
                  if not dataclasses.is_dataclass(i.type)]
        lines += [f"  {i.key}: {i.doc}" for i in declared(LogColumns, "columns")]
        lines += [f"  {i.key} = {i.default!r}: {i.doc}{i.bounds_text()}" for i in declared(ReportSettings, "report")]
        return "\n".join(lines + ["", "Docs: docs/observe.md."])
    lines = [f"python -m {module} [-m] [key=value ...]: {what}.", "",
             "Every key below can be set as key=value (lists as key=[a,b]; -m with key=a,b,c runs one job per value).",
             "Config groups pick a whole section: " + "; ".join(
                 f"{g}=<{'|'.join(o for o in group_options(g) if not o.startswith('schema'))}>"
                 for g in ("network", "plan", "calendar", "experiment")) + ".", ""]

    def section(title: str, infos) -> None:
        lines.append(f"{title}:")
        for info in infos:
            if dataclasses.is_dataclass(info.type) or info.key in ("network", "strategies"):
                continue
            default = "" if info.default is dataclasses.MISSING else f" = {info.default!r}"
            lines.append(f"  {info.key}{default}: {info.doc}{info.bounds_text()}")
        lines.append("")

    section("run", declared(Config, ""))
    for kind, cls in NETWORK_KINDS.items():
        section(f"network={kind}", declared(cls, "network"))
    section("population", declared(PopulationConfig, "population"))
    section("calendar", declared(CalendarConfig, "calendar"))
    for stage in DAY_PLAN:
        if stage.group:
            section(f"behaviour.{stage.group}", declared(stage.params, f"behaviour.{stage.group}"))
    section("plan", declared(PlanConfig, "plan"))
    for name in strategy_names():
        section(f"strategies.{name}", declared(strategy_params(name), f"strategies.{name}"))
    section("command settings (never change a run's numbers)", declared(Settings, "") + declared(OutputSettings, "outputs")
            + declared(ReportSettings, "report"))
    if config_name == "compare":
        section("compare", declared(CompareSettings, "compare"))
    if config_name == "calibrate":
        section("calibrate", declared(CalibrateSettings, "calibrate") + declared(LogColumns, "calibrate.columns")
                + declared(TargetWeights, "calibrate.weights"))
    if config_name == "sensitivity":
        section("sensitivity", declared(SensitivitySettings, "sensitivity"))
    if config_name == "optimize":
        section("optimize", declared(OptimizeSettings, "optimize"))
    lines.append("Hydra's own flags (--cfg job, --info, --hydra-help) work as usual. Docs: README.md, docs/.")
    return "\n".join(lines)
