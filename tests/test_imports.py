"""Layers point one way: no import cycles, leaves never import upward (every import counts,
including those inside functions and ``importlib.import_module`` of a constant name)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sim", "agents", "strategies", "experiments")

# sim's leaf modules: state, graph, streams, levers, ledger, parameter declarations, errors, metrics ...
SIM_ENGINE = {"sim.day", "sim.config", "sim.model", "sim.simulation", "sim.defaults", "sim.space"}
COMPOSITION_ROOT = "sim.day"  # the one module of the engine that imports agents and strategies


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _resolve(importer: str, is_package: bool, level: int, module: str | None) -> str:
    if level == 0:
        return module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def import_graph(root: Path, packages=PACKAGES) -> dict[str, set[str]]:
    """module -> project modules it imports (anywhere in the file), plus their parent packages
    (except the importer's own packages, which are initialised before it runs)."""
    files = {module_name(p, root): p for pkg in packages for p in (root / pkg).rglob("*.py")}
    known = set(files)

    def target(name: str) -> str | None:
        while name and name not in known:  # "sim.graph.CSRGraph" -> "sim.graph"
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, is_package, node.level, node.module)
                names = [f"{base}.{alias.name}" for alias in node.names] + [base]
            elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) ==
                  "import_module" and node.args and isinstance(node.args[0], ast.Constant)):
                names = [node.args[0].value]
            else:
                continue
            for full in names:
                found = target(full.removeprefix("commsim."))
                if found:
                    deps.add(found)
                    parent = found.rpartition(".")[0]
                    while parent:  # importing a.b.c runs a/__init__ and a/b/__init__ first ...
                        if parent in known and not name.startswith(parent + "."):  # ... unless it is ours
                            deps.add(parent)
                        parent = parent.rpartition(".")[0]
        deps.discard(name)
        graph[name] = deps
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    problems = []
    for module, deps in sorted(graph.items()):
        top = module.split(".")[0]
        for dep in sorted(deps):
            dep_top = dep.split(".")[0]
            if dep_top == "experiments" and top != "experiments":
                problems.append(f"{module} imports {dep}: nothing below experiments may import it")
            if top == "sim" and module not in SIM_ENGINE and (dep in SIM_ENGINE or dep_top in ("agents", "strategies")):
                problems.append(f"{module} (a sim leaf) imports {dep}: leaves import only other leaves")
            if top == "sim" and module in SIM_ENGINE and module != COMPOSITION_ROOT and dep_top in ("agents", "strategies"):
                problems.append(f"{module} imports {dep}: only the composition root {COMPOSITION_ROOT} "
                                f"imports agents and strategies")
            if top in ("agents", "strategies") and (dep in SIM_ENGINE or dep_top in {"agents", "strategies"} - {top}):
                problems.append(f"{module} imports {dep}: {top} may import only sim's leaves and {top} itself")
    return problems


def test_no_import_cycles():
    found = cycles(import_graph(ROOT))
    assert not found, "import cycles: " + "; ".join(" <-> ".join(c) for c in found)


def test_layers_point_one_way():
    problems = layer_violations(import_graph(ROOT))
    assert not problems, "\n".join(problems)


def test_every_sim_module_is_classified():
    sim_modules = {m for m in import_graph(ROOT) if m.startswith("sim")}
    assert SIM_ENGINE <= sim_modules, "the engine list names modules that do not exist"


def test_a_planted_cycle_and_an_upward_import_are_found(tmp_path):
    """The checks can fail: a tiny tree with a function-level cycle and a leaf importing a stage."""
    (tmp_path / "sim").mkdir()
    (tmp_path / "agents").mkdir()
    (tmp_path / "sim" / "__init__.py").write_text("")
    (tmp_path / "agents" / "__init__.py").write_text("")
    (tmp_path / "sim" / "graph.py").write_text("def f():\n    from sim import ledger\n")
    (tmp_path / "sim" / "ledger.py").write_text("import sim.graph\nfrom agents.activity import x\n")
    (tmp_path / "agents" / "activity.py").write_text("x = 1\n")
    graph = import_graph(tmp_path, packages=("sim", "agents"))
    assert ["sim.graph", "sim.ledger"] in cycles(graph)
    assert any("sim.ledger (a sim leaf) imports agents.activity" in p for p in layer_violations(graph))


def test_the_project_is_imported_as_one_package():
    """Every import of the project's own modules goes through ``commsim.`` (nothing is installed
    under the generic names sim, agents, strategies or experiments): a bare ``import sim`` would
    load a second copy of a module, or someone else's package of that name."""
    bare = []
    files = [p for pkg in (*PACKAGES, "tests", "commsim", "hydra_plugins") for p in (ROOT / pkg).rglob("*.py")]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            bare += [f"{path.relative_to(ROOT)}:{node.lineno}: {n}" for n in names if n.split(".")[0] in PACKAGES]
    assert not bare, "import these through commsim.:\n" + "\n".join(bare[:20])


def test_the_job_runner_knows_no_analysis():
    """The runner (jobs, worker, backends) imports no analysis: a calibration's post-run measure is
    named in its jobs (``Job.measure``) and imported by the worker from that name."""
    graph = import_graph(ROOT)
    runner = [m for m in graph if m.startswith("experiments.runner")]
    analyses = ("experiments.analyses", "experiments.reports", "experiments.calibrate", "experiments.sensitivity",
                "experiments.optimize", "experiments.compare", "experiments.sweeps", "experiments.demo")
    wrong = sorted(f"{m} -> {d}" for m in runner for d in graph[m] if d.startswith(analyses))
    assert len(runner) >= 4 and not wrong, wrong
