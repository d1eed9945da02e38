"""Golden baseline: exact outputs of a few fixed scenarios.

``tests/test_baseline.py`` re-runs every scenario below and compares its time
series, summary, spend and retention with the files in ``tests/baseline/``:
counts, strings and every other non-float value exactly, floats to within
``FLOAT_RTOL`` (1e-12) of their stored value. On one kind of CPU the outputs are
bit for bit the same; across kinds, numpy's vectorised exp, log and power give
different last bits on CPUs with AVX-512 (numpy's own SIMD code) and without it
(the C library's), so a float computed from them -- the discounted lifetime value,
say -- can differ in its last digit (seen: 1.6190898426093545 on an AVX2-only
AMD EPYC against 1.6190898426093543 stored from an AVX-512 machine). A change of
the model moves numbers by far more than 1e-12: one draw that goes the other way
changes a count. Any change to a simulated number beyond 1e-12 relative fails it. When numbers move *on
purpose* (a behaviour change), regenerate them in a commit of their own that
says why, and bump ``sim.version.MODEL_VERSION`` so that finished runs of the
old engine are not reused::

    python tests/golden.py --regenerate "why the numbers moved"

The script refuses to write new numbers under an unchanged model version. A new
*output* (a frame the baseline does not hold yet) or a new *scenario* is added without
touching the stored ones, and only if every stored number is unchanged::

    python tests/golden.py --add "what the new output is"
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
DATA = HERE / "baseline"
ALL_STRATEGIES = ["content", "events", "incentive", "kol", "referral", "winback", "segmentation", "moderation"]

SCENARIOS: dict[str, dict] = {
    "baseline": {"seed": 1, "days": 150, "network": {"kind": "barabasi_albert", "n": 2000, "m": 4},
                 "population": {"initial_member_share": 0.1}},
    "all_strategies": {"seed": 2, "days": 150, "network": {"kind": "barabasi_albert", "n": 3000, "m": 5},
                       "plan": {"name": "all", "budget": 15000, "strategies": ALL_STRATEGIES}},
    "file_network": {"seed": 3, "days": 120, "network": {"kind": "file", "path": str(DATA / "edges.csv")},
                     "population": {"initial_members": 40},
                     "plan": {"name": "content_winback", "strategies": ["content", "winback"]}},
    "karate": {"seed": 4, "days": 365, "network": {"kind": "karate"}, "population": {"initial_members": 5},
               "plan": {"name": "kol_content", "strategies": ["content", "kol"]},
               "strategies": {"kol": {"k": 2}, "content": {"posts_per_week": 3}}},
}
# Every named plan of configs/plan/ on one small community (a crisis on day 30, so that
# crisis_response has something to answer).
PLAN_NAMES = sorted(p.stem for p in (HERE.parent / "configs" / "plan").glob("*.yaml"))
for _i, _plan in enumerate(PLAN_NAMES):
    SCENARIOS[f"plan_{_plan}"] = {"seed": 10 + _i, "days": 90,
                                  "network": {"kind": "barabasi_albert", "n": 1500, "m": 4},
                                  "population": {"initial_member_share": 0.1},
                                  "crisis": {"day": 30}, "plan": _plan}
FRAMES = ("timeseries", "spend", "retention")
# floats agree to this relative tolerance (last-bit differences between CPU kinds, see above);
# everything else exactly
FLOAT_RTOL = 1e-12


def same_values(x, y) -> np.ndarray:
    """Elementwise: equal, both missing, or (floats) within FLOAT_RTOL of each other."""
    x, y = np.asarray(x), np.asarray(y)
    same = x == y
    if x.dtype.kind == "f" and y.dtype.kind == "f":
        same |= np.isclose(x, y, rtol=FLOAT_RTOL, atol=0.0) | (np.isnan(x) & np.isnan(y))
    return same


def produce(name: str) -> dict:
    """Run scenario ``name``; its frames and summary."""
    from commsim.sim import simulate

    result = simulate(SCENARIOS[name], progress="never")
    out = {frame: getattr(result, frame) for frame in FRAMES}
    extra = getattr(result, "strategy_results", None)
    if extra is not None and len(extra.columns) > 1:
        out["strategy_results"] = extra
    out["summary"] = dict(result.summary)
    return out


def load_manifest() -> dict:
    return json.loads((DATA / "manifest.json").read_text())


def load(name: str) -> dict:
    """The stored golden outputs of scenario ``name``, with their original dtypes."""
    meta = load_manifest()["scenarios"][name]
    out = {}
    for frame, dtypes in meta["dtypes"].items():
        df = pd.read_csv(DATA / name / f"{frame}.csv", keep_default_na=False, na_values=["nan"])
        out[frame] = df.astype(dtypes)[list(dtypes)]
    out["summary"] = json.loads((DATA / name / "summary.json").read_text())
    return out


def write(name: str, produced: dict) -> dict:
    folder = DATA / name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.csv"):
        old.unlink()
    dtypes = {}
    for frame, df in produced.items():
        if frame == "summary":
            continue
        df.to_csv(folder / f"{frame}.csv", index=False, float_format="%.17g", na_rep="nan")
        dtypes[frame] = {c: str(t) for c, t in df.dtypes.items()}
    (folder / "summary.json").write_text(json.dumps(produced["summary"], indent=1, sort_keys=True) + "\n")
    return {"dtypes": dtypes}


def differences(name: str, stored_only: bool = False) -> list[str]:
    """What differs between a fresh run of ``name`` and its golden outputs (empty: identical).
    ``stored_only``: compare only what the baseline stores (new frames, columns and summary keys
    are not differences; a stored one that is gone is)."""
    got, want = produce(name), load(name)
    problems = []
    if set(got) != set(want) and not (stored_only and set(want) <= set(got)):
        problems.append(f"{name}: outputs {sorted(got)} but the baseline has {sorted(want)}")
    for frame in sorted(set(got) & set(want) - {"summary"}):
        a, b = got[frame], want[frame]
        if stored_only and set(b.columns) <= set(a.columns):
            a = a[list(b.columns)]
        if list(a.columns) != list(b.columns):
            problems.append(f"{name}/{frame}: columns {list(a.columns)} != baseline {list(b.columns)}")
            continue
        if len(a) != len(b):
            problems.append(f"{name}/{frame}: {len(a)} rows != baseline {len(b)}")
            continue
        for col in a.columns:
            x, y = a[col], b[col]
            if str(x.dtype) != str(y.dtype):
                problems.append(f"{name}/{frame}.{col}: dtype {x.dtype} != baseline {y.dtype}")
                continue
            same = same_values(x.to_numpy(), y.to_numpy()) | (x.isna().to_numpy() & y.isna().to_numpy())
            if not same.all():
                row = int((~same).argmax())
                problems.append(f"{name}/{frame}.{col}: first differs at row {row}: {x.iloc[row]!r} "
                                f"!= baseline {y.iloc[row]!r} ({int((~same).sum())} rows differ)")
    s, t = got.get("summary", {}), want.get("summary", {})
    for key in sorted(set(t) if stored_only else set(s) | set(t)):
        a, b = s.get(key, "<missing>"), t.get(key, "<missing>")
        floats = isinstance(a, float) and isinstance(b, float)
        if a != b and not (a != a and b != b) and not (floats and bool(same_values(a, b))):  # NaN == NaN here
            problems.append(f"{name}/summary.{key}: {a!r} != baseline {b!r}")
    return problems


def regenerate(reason: str) -> int:
    from commsim.sim.version import MODEL_VERSION

    manifest_path = DATA / "manifest.json"
    old = json.loads(manifest_path.read_text()) if manifest_path.is_file() else None
    if old is not None:
        moved = [p for name in SCENARIOS if name in old["scenarios"] for p in differences(name)]
        moved += [f"{name}: new scenario" for name in SCENARIOS if name not in old["scenarios"]]
        if not moved:
            print("golden baseline: nothing moved; no files written")
            return 0
        if old["model_version"] == MODEL_VERSION:
            print("golden baseline: numbers moved but sim/version.py MODEL_VERSION is still "
                  f"{MODEL_VERSION!r}; bump it (finished runs of the old engine must not be reused):",
                  file=sys.stderr)
            print("\n".join(f"  {p}" for p in moved[:20]), file=sys.stderr)
            return 1
    manifest = {"model_version": MODEL_VERSION, "reason": reason, "scenarios": {}}
    for name in SCENARIOS:
        manifest["scenarios"][name] = {"config": SCENARIOS[name], **write(name, produce(name))}
    # paths inside the repo are stored relative, so the manifest reads the same on every machine
    text = json.dumps(manifest, indent=1).replace(str(DATA), "tests/baseline")
    manifest_path.write_text(text + "\n")
    print(f"golden baseline regenerated for model version {MODEL_VERSION}: {', '.join(SCENARIOS)}")
    return 0


def add_outputs(reason: str) -> int:
    """Store outputs the baseline lacks -- new frames, new columns of a frame, new summary keys --
    only if every stored number is unchanged."""
    manifest = load_manifest()
    added = []
    for name in SCENARIOS:
        if name not in manifest["scenarios"]:  # a new scenario: stored as it is, nothing else moves
            manifest["scenarios"][name] = {"config": SCENARIOS[name], **write(name, produce(name))}
            added.append(f"{name} (new scenario)")
            continue
        got, want = produce(name), load(name)
        moved = differences(name, stored_only=True)
        if moved:
            print("golden baseline: stored numbers moved; regenerate instead:\n" + "\n".join(moved[:20]),
                  file=sys.stderr)
            return 1
        for frame in sorted(set(got) - {"summary"}):
            df = got[frame]
            new = [c for c in df.columns if frame not in want or c not in want[frame].columns]
            if not new:
                continue
            df.to_csv(DATA / name / f"{frame}.csv", index=False, float_format="%.17g", na_rep="nan")
            manifest["scenarios"][name]["dtypes"][frame] = {c: str(t) for c, t in df.dtypes.items()}
            added.append(f"{name}/{frame}" + (f" ({', '.join(new)})" if frame in want else ""))
        new_keys = sorted(set(got["summary"]) - set(want["summary"]))
        if new_keys:
            (DATA / name / "summary.json").write_text(json.dumps(got["summary"], indent=1, sort_keys=True) + "\n")
            added.append(f"{name}/summary ({', '.join(new_keys)})")
    manifest.setdefault("added", []).append({"outputs": added, "reason": reason})
    text = json.dumps(manifest, indent=1).replace(str(DATA), "tests/baseline")
    (DATA / "manifest.json").write_text(text + "\n")
    print(f"golden baseline: added {', '.join(added) or 'nothing'}")
    return 0


def main(argv=None) -> int:
    sys.path.insert(0, str(HERE.parent))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--regenerate", metavar="REASON", help="write new golden outputs, saying why")
    group.add_argument("--add", metavar="REASON", help="store new outputs only (stored numbers must not move)")
    args = ap.parse_args(argv)
    if args.regenerate:
        return regenerate(args.regenerate)
    if args.add:
        return add_outputs(args.add)
    problems = [p for name in SCENARIOS for p in differences(name)]
    print("\n".join(problems) if problems else "golden baseline: identical")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
