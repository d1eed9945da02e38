"""Write one run's outputs into its directory, atomically, with a DONE marker last.

Layout of a finished run directory::

    config.yaml          the validated config, every key with its value
    timeseries.parquet   one row per day (columns in docs/metrics.md)
    timeseries.csv       the same, rounded to 6 decimals, for spreadsheets
    spend.parquet        money spent per strategy per day
    retention.parquet    rolling retention by days since joining
    strategy_results.parquet  each strategy's declared daily results (<strategy>.<result>)
    activity_log.parquet, interactions.parquet   with outputs.activity_log=true: who was active on
                         which day, and at whom their actions were aimed (sim/activity_log.py)
    summary.json         one flat record of KPIs
    measure.json         for a run with a post-run measure (a calibration's): what it measured;
                         such a run writes config.yaml, timeseries.parquet, measure.json and
                         summary.json only
    figures/*.png        members, DAU/WAU/MAU, joins vs churn, retention, spend by strategy
    DONE                 written last: the run finished and everything above is complete

Every file is written to a temporary name and renamed into place, so a run
interrupted at any point never leaves a file that looks complete, and never a
DONE marker. DONE holds the SHA-256 of every file and is the one file synced to disk
(after its directory): a rerun checks the hashes, so a crash that loses a file's data
redoes the run.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import json
import math
import os
import secrets
from pathlib import Path

import yaml

from commsim.sim.config import to_dict
from commsim.sim.errors import UserError
from commsim.sim.version import MODEL_VERSION

DONE = "DONE"


# the model config's keys that name a file whose content, not its name, makes a run's numbers
CONTENT_FILES = (("network", "path"), ("calendar", "file"), ("population", "arrivals_file"),
                 ("population", "state_file"))


def config_hash(config) -> str:
    """A fingerprint of the model config and the model version (:mod:`sim.version`).

    It covers exactly what determines a run's numbers: every key of the model
    config (never the command settings of ``experiments.settings``), the content
    of every file the config names (network, calendar, arrivals, a start state), and the engine's
    ``MODEL_VERSION``, so runs of an older engine are never reused."""
    data = to_dict(config)
    # a file is its content (and its kind, by suffix), not its name or place: the network, the
    # calendar, the arrivals series, the start state -- so a moved or copied directory of runs is still
    # reused, and an edited file is not
    for group, key in CONTENT_FILES:
        name = data[group].get(key)
        if name and (group != "network" or data["network"]["kind"] == "file"):
            digest = file_sha256(name)
            data[group][key] = f"{''.join(Path(name).suffixes)}:sha256:{digest}" if digest else name
    data["model_version"] = MODEL_VERSION
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def file_sha256(name) -> str | None:
    """The SHA-256 of a file's content (cached by path, size and modification time)."""
    path = Path(name)
    try:
        stat = path.stat()
    except OSError:
        return None
    return _sha256(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _sha256(path: str, _size: int, _mtime: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def finished_hash(out_dir: Path) -> str | None:
    """The config hash of the finished run in ``out_dir``, or None if there is none."""
    marker = Path(out_dir) / DONE
    if not marker.is_file():
        return None
    try:
        return json.loads(marker.read_text()).get("config_hash", "")
    except FileNotFoundError:  # removed since: a worker is writing the run again
        return None
    except (json.JSONDecodeError, AttributeError):
        return ""


def finished_outputs(out_dir: Path) -> frozenset:
    """The optional outputs (e.g. ``activity_log``) a finished run in ``out_dir`` holds."""
    try:
        return frozenset(json.loads((Path(out_dir) / DONE).read_text()).get("outputs", []))
    except (OSError, json.JSONDecodeError, AttributeError):
        return frozenset()


def holds_what_is_asked(out_dir: Path, outputs, measure, figures: bool) -> bool:
    """Whether a finished run in ``out_dir`` holds the optional ``outputs`` and the figures asked for
    (figures unless the run has a ``measure`` or was asked for none): the last clause of the runner's
    done rule (``jobs.status``), which a retried batch's worker applies too."""
    if figures and not measure and not (Path(out_dir) / "figures").is_dir():
        return False  # finished without its figures (compare.run_figures=first before, =all now)
    return frozenset(outputs) <= finished_outputs(out_dir)


def atomic_write(path: Path, write, sync: bool = True) -> None:
    """``write(tmp)`` to a hidden temporary beside ``path``, fsync it, then rename it into place.

    The temporary's name is unique to this process and call, so two writers of one path never
    share it (the last rename wins, and each file is whole); a failed write removes it.
    ``sync=False`` skips the fsync: for files whose SHA-256 a marker written after them records and
    a reader checks (a run's outputs, :func:`write_run`), where a file the OS lost in a crash is
    found changed and redone rather than trusted."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        write(tmp)
        if sync:
            with open(tmp, "rb") as handle:  # on disk before it gets its real name
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _clean(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN: "not defined for this run"
    return value


class OutputError(UserError, OSError):
    """A run's outputs could not be written (disk full, read-only, a file in the way)."""


def disk_problem(path, err: OSError) -> str:
    """An OSError while writing, in words: what, where, and what to do."""
    reason = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
              errno.EACCES: "it is not writable", errno.EPERM: "it is not writable",
              errno.EROFS: "the file system is read-only", errno.ENOTDIR: "a file is in the way",
              errno.EEXIST: "a file is in the way"}.get(err.errno, err.strerror or str(err))
    return f"cannot write {path}: {reason}"


def write_run(result, out_dir: Path, seconds: float, figures: bool = True, measured: dict | None = None) -> None:
    """Write a run's outputs (the module docstring), ``DONE`` last, holding the SHA-256 of every
    output (:func:`damage` checks them). ``measured`` (the targets a calibration compares,
    experiments/analyses/calibration/targets.py) goes to ``measure.json``; runs of a calibration skip the
    figures. If writing fails (a full disk, a read-only folder), what this call wrote is removed
    and :class:`OutputError` says why: nothing is left that could pass for results."""
    out_dir = Path(out_dir)
    written: list[Path] = []

    def put(path: Path, write) -> None:
        # no fsync per file: DONE holds every file's SHA-256 and a rerun checks them (jobs.status ->
        # damage), so after a crash a file the disk never got is redone; DONE itself is synced after
        # the directory (11 fsyncs a run were 15% of a small calibration run's time)
        atomic_write(path, write, sync=False)
        written.append(path)

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / DONE).unlink(missing_ok=True)
        optional = _write_outputs(result, out_dir, put, figures, measured)
        _fsync_dir(out_dir)
        marker = {"status": "finished", "config_hash": config_hash(result.config), "model_version": MODEL_VERSION,
                  "outputs": optional, "wall_seconds": round(seconds, 3),
                  "files": {str(p.relative_to(out_dir)): _sha256(str(p), p.stat().st_size, p.stat().st_mtime_ns)
                            for p in written}}
        atomic_write(out_dir / DONE, lambda p: p.write_text(json.dumps(marker) + "\n"))
        _fsync_dir(out_dir)
    except OSError as err:
        for path in written:
            path.unlink(missing_ok=True)
        raise OutputError(disk_problem(getattr(err, "filename", None) or out_dir, err)
                          + "; the partial outputs of this run were removed") from None


_YAML_GROUPS: dict = {}  # (top-level key, repr of its value) -> that group's YAML text, in this process


def config_yaml(cfg: dict) -> str:
    """``yaml.dump(cfg, sort_keys=False)`` (libyaml's emitter when there: 10x faster, same text), one
    top-level group at a time, each group's text reused while its value is the same: the runs of one
    command differ in a few groups (a calibration's in ``behaviour``, ``population`` and ``seed``),
    and dumping the strategies' parameters alone was 1 ms of 2.6. The same text as one dump of the
    whole: a top-level mapping's entries are written one after another, and a config, built fresh
    from dataclasses, shares no object between groups (which YAML would write as an alias)."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    if len(_YAML_GROUPS) > 512:
        _YAML_GROUPS.clear()
    parts = []
    for key, value in cfg.items():
        seen = (key, repr(value))  # plain dicts, lists, numbers, text: repr tells 1, 1.0, '1' and True apart
        text = _YAML_GROUPS.get(seen)
        if text is None:
            text = _YAML_GROUPS[seen] = yaml.dump({key: value}, Dumper=dumper, sort_keys=False)
        parts.append(text)
    return "".join(parts) if parts else yaml.dump(cfg, Dumper=dumper, sort_keys=False)


def write_parquet(frame, path, arrays: dict | None = None) -> None:
    """``frame.to_parquet(path, index=False)``, straight through pyarrow when every column is a plain
    number or bool (a run's tables): the file reads back as the same frame (``pd.read_parquet``), in
    about half the time -- pandas' conversion was 2-3 ms of a calibration run's 90. Other columns go
    through pandas. ``arrays``: the frame's columns as NumPy arrays, if the caller has them (a run's
    ``SimResult.columns``; taking 42 columns out of a frame was another 1.8 ms)."""
    import numpy as np

    plain = (frame.shape[1] > 0 and frame.columns.is_unique and all(isinstance(c, str) for c in frame.columns)
             and all(isinstance(dtype, np.dtype) and dtype.kind in "biuf" for dtype in frame.dtypes))
    if not plain:
        frame.to_parquet(path, index=False)
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    # from_pandas: NaN stored as null, as pandas' own file has it (other readers than pandas tell them apart)
    if arrays is None or list(arrays) != list(frame.columns) or any(len(a) != len(frame) for a in arrays.values()):
        arrays = {c: frame[c].to_numpy() for c in frame.columns}
    columns = [pa.array(np.ascontiguousarray(arrays[c]), from_pandas=True) for c in frame.columns]
    pq.write_table(pa.Table.from_arrays(columns, names=list(frame.columns)), path)


def _write_outputs(result, out_dir: Path, put, figures: bool, measured: dict | None) -> list[str]:
    """Every output but DONE; returns the optional outputs written."""
    cfg = to_dict(result.config)
    put(out_dir / "config.yaml", lambda p: p.write_text(config_yaml(cfg)))
    put(out_dir / "timeseries.parquet", lambda p: write_parquet(result.timeseries, p, result.columns))
    if measured is None:  # a calibration's run is read for its measure: the daily series is enough to inspect it
        put(out_dir / "timeseries.csv", lambda p: result.timeseries.round(6).to_csv(p, index=False))  # spreadsheets
        put(out_dir / "spend.parquet", lambda p: write_parquet(result.spend, p))
        if result.retention is not None:  # simulate(tables=False) made none
            put(out_dir / "retention.parquet", lambda p: write_parquet(result.retention, p))
        put(out_dir / "strategy_results.parquet", lambda p: write_parquet(result.strategy_results, p))
    optional = []
    if result.activity_log is not None and measured is None:
        result.activity_log.save(out_dir, put)
        optional.append("activity_log")
    if measured is not None:
        put(out_dir / "measure.json", lambda p: p.write_text(json.dumps(measured) + "\n"))
        optional.append("measure")
    summary = {k: _clean(v) for k, v in result.summary.items()}
    summary.update(plan=result.config.plan.name, seed=result.config.seed, network=result.config.network.kind)
    put(out_dir / "summary.json", lambda p: p.write_text(json.dumps(summary, indent=2) + "\n"))
    if figures:
        from commsim.experiments.runner.figures import run_figures

        fig_dir = out_dir / "figures"
        fig_dir.mkdir(exist_ok=True)
        for name, fig in run_figures(result).items():
            put(fig_dir / f"{name}.png", lambda p, fig=fig: fig.savefig(p, dpi=110, format="png"))
        _fsync_dir(fig_dir)
    return optional


def damage(out_dir: Path) -> list[str]:
    """What is wrong with the outputs a finished run's ``DONE`` lists (missing, or changed since
    they were written); empty when they are intact, or when ``DONE`` lists none (older runs)."""
    out_dir = Path(out_dir)
    try:
        files = json.loads((out_dir / DONE).read_text()).get("files") or {}
    except (OSError, json.JSONDecodeError, AttributeError):
        return ["DONE is unreadable"]
    problems = []
    for name, digest in files.items():
        path = out_dir / name
        try:
            stat = path.stat()
        except OSError:
            problems.append(f"{name} is missing")
            continue
        if _sha256(str(path.resolve()), stat.st_size, stat.st_mtime_ns) != digest:
            problems.append(f"{name} changed since it was written")
    return problems
