"""The package's shape, held by a test: layers, no cycles, a stdlib-only hot path.

The import graph is read from the source (every ``import``, inside functions too), so a
lazy import cannot hide a dependency. Imports under ``if TYPE_CHECKING:`` are left out:
they name a type for mypy and never load.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "gatekeep"

# The stdlib-only parts of the boundary: the fast path plans and starts the box with them,
# so they sit with runtime, below everything. The rest of gatekeep.sandbox (what a policy's
# sandbox settings mean for a decision, describing a plan) needs the engine and sits higher.
SANDBOX_RUNTIME = tuple(f"gatekeep.sandbox.{name}"
                        for name in ("records", "spec", "boundary", "bwrap", "plan", "wire",
                                     "gitdirs", "gitindex", "plainrepo", "created", "names",
                                     "system", "credentials", "settings", "places", "values",
                                     "seccomp", "gitobjects", "gitinodes", "gitrefs",
                                     "movedrefs"))

# Low to high: a module may import its own unit, and units of its own layer or lower ones.
LAYERS: tuple[tuple[str, ...], ...] = (
    # the ground: the hot path, and leaf modules every layer uses
    ("gatekeep.runtime", *SANDBOX_RUNTIME, "gatekeep.errors", "gatekeep.exitcodes",
     "gatekeep.text", "gatekeep.validate"),
    ("gatekeep.shell",),  # parsing and analysis; program knowledge as values
    ("gatekeep.policy",),  # loading and selecting policies; program knowledge from YAML
    ("gatekeep.core",),  # decide(), paths and protections, approvals as values, explanations
    ("gatekeep.offline", "gatekeep.lint", "gatekeep.sandbox", "gatekeep.hooks",
     "gatekeep.completion"),
    ("gatekeep.ui",),  # rich renderings of decisions, explanations and reports
    ("gatekeep.approval",),  # the operator: store, terminal prompt (rendered by ui), queue
    ("gatekeep.commands",),  # one module per subcommand
    ("gatekeep.cli", "gatekeep.cli_values", "gatekeep.shim"),
    ("gatekeep.__main__",),
)
UNITS = {unit: level for level, units in enumerate(LAYERS) for unit in units}
ROOT = "gatekeep"  # __init__: the version, imported by anything

# Outside the standard library, the only import a runtime module may make: platformdirs
# names the user's directories off Linux and the BSDs, where the fast path never runs it.
RUNTIME_THIRD_PARTY = {"gatekeep.runtime.sysfs": {"platformdirs"}}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    base = PACKAGE.parent.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _type_only(tree: ast.Module) -> set[int]:
    """Line numbers of the imports inside ``if TYPE_CHECKING:`` blocks."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) \
                and node.test.id == "TYPE_CHECKING":
            lines.update(child.lineno for stmt in node.body for child in ast.walk(stmt)
                         if isinstance(child, (ast.Import, ast.ImportFrom)))
    return lines


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> set[str]:
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    base = node.module or ""
    if node.level:
        parts = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
        base = ".".join([*parts, *([node.module] if node.module else [])])
    found = {f"{base}.{alias.name}" for alias in node.names if is_module(f"{base}.{alias.name}")}
    return found or {base}


@cache
def graph() -> dict[str, frozenset[str]]:
    """Every module of gatekeep and every module (gatekeep's or not) it imports at run time."""
    edges: dict[str, frozenset[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_only(tree)
        imported: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and node.lineno not in skip:
                imported |= _targets(node, module, path.name == "__init__.py")
        edges[module] = frozenset(imported)
    return edges


def unit(module: str) -> str | None:
    """The longest unit that ``module`` is or lies in."""
    matches = [u for u in UNITS if module == u or module.startswith(u + ".")]
    return max(matches, key=len) if matches else None


def unit_edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {u: set() for u in UNITS}
    for module, imported in graph().items():
        source = unit(module)
        for target in imported:
            target_unit = unit(target)
            if source is not None and target_unit is not None and target_unit != source:
                edges[source].add(target_unit)
    return edges


def test_the_graph_sees_lazy_imports_and_skips_type_only_ones() -> None:
    edges = graph()
    assert "gatekeep.runtime.allowed" in edges["gatekeep.runtime.fastpath"]  # inside run()
    assert "gatekeep.core.engine" not in edges["gatekeep.runtime.audit"]  # TYPE_CHECKING


def test_every_module_has_a_layer() -> None:
    placed = [m for m in graph() if m != ROOT and unit(m) is None]
    assert placed == [], "add these to LAYERS in tests/test_architecture.py"


def test_no_module_imports_a_higher_layer() -> None:
    upward = sorted(
        f"{module} -> {target}"
        for module, imported in graph().items() if unit(module) is not None
        for target in imported
        if unit(target) is not None and UNITS[unit(target)] > UNITS[unit(module)])  # type: ignore[index]
    assert upward == []


def reaches(edges: dict[str, set[str]], start: str) -> set[str]:
    """Every node a path from ``start`` leads to."""
    seen: set[str] = set()
    stack = list(edges[start])
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(edges[node])
    return seen


def test_no_cycle_between_units() -> None:
    edges = unit_edges()
    assert sorted(u for u in edges if u in reaches(edges, u)) == []


def test_no_cycle_between_modules() -> None:
    """Not even inside a package, and not through a lazy import."""
    edges = {m: {t for t in imported if t in graph()} for m, imported in graph().items()}
    assert sorted(m for m in edges if m in reaches(edges, m)) == []


def test_runtime_imports_only_the_standard_library() -> None:
    """Statically, lazy imports included: what the hot path may load, whatever branch runs."""
    ground = [u for u in LAYERS[0]]
    outside = sorted(
        f"{module} -> {target}"
        for module, imported in graph().items() if unit(module) in ground
        for target in imported
        if target.split(".")[0] not in sys.stdlib_module_names
        and unit(target) not in ground and target != ROOT
        and target not in RUNTIME_THIRD_PARTY.get(module, ()))
    assert outside == []


# -- the hot path, loaded for real -----------------------------------------------------------

# gatekeep.sandbox itself: a package docstring, loaded on the way to its runtime modules
HOT = ("gatekeep", "gatekeep.__main__", "gatekeep.runtime", "gatekeep.sandbox", *SANDBOX_RUNTIME)


def _foreign(modules: list[str]) -> list[str]:
    """The modules that are neither the hot path's own nor standard library other than
    typing (whose import alone costs more than the fast path's work)."""
    return sorted(m for m in modules
                  if not (m in HOT or m.startswith("gatekeep.runtime.")
                          or (m.split(".")[0] in sys.stdlib_module_names
                              and m.split(".")[0] != "typing")))


def test_importing_the_fast_path_loads_only_the_standard_library_and_runtime() -> None:
    probe = ("import sys\nbefore = set(sys.modules)\nimport gatekeep.runtime.fastpath\n"
             "print('\\n'.join(sorted(set(sys.modules) - before)))\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)
    loaded = result.stdout.split()
    assert "gatekeep.runtime.fastpath" in loaded
    assert _foreign(loaded) == []


def imported(args: list[str], env: dict[str, str], cwd: Path) -> list[str]:
    """The modules ``python ARGS`` imports (it must succeed) beyond what the interpreter
    imports on its own before running anything (site hooks, the editable install's finder)."""
    def run(args: list[str]) -> list[str]:
        result = subprocess.run([sys.executable, "-X", "importtime", *args], env=env, cwd=cwd,
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        return [line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines()
                if line.startswith("import time:") and "|" in line]

    at_start = set(run(["-c", "pass"]))
    return [name for name in run(args) if name not in at_start]


@pytest.fixture
def scratch_env(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("home")  # beside tmp_path, where the commands run: a
    # working tree that holds the home is asked about, never boxed unattended
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_STATE_HOME": str(tmp_path / "state")}


def test_run_with_a_stored_decision_loads_only_the_standard_library_and_runtime(
        tmp_path: Path, scratch_env: dict[str, str]) -> None:
    """``gatekeep run -- true`` the second time: the stored decision runs it, and nothing
    outside the stdlib and the runtime is imported (``-X importtime`` lists every import)."""
    command = ["-m", "gatekeep", "run", "--", "true"]
    subprocess.run([sys.executable, *command], env=scratch_env, cwd=tmp_path, check=True)
    loaded = imported(command, scratch_env, tmp_path)
    assert "gatekeep.runtime.fastpath" in loaded
    assert _foreign(loaded) == []


def test_run_with_a_stated_purpose_takes_the_same_path(
        tmp_path: Path, scratch_env: dict[str, str]) -> None:
    """``run --why TEXT`` (every command a hook rewrites) reuses the stored decision too."""
    subprocess.run([sys.executable, "-m", "gatekeep", "run", "--", "true"], env=scratch_env,
                   cwd=tmp_path, check=True)
    loaded = imported(["-m", "gatekeep", "run", "--why", "a check", "--", "true"], scratch_env,
                      tmp_path)
    assert "gatekeep.runtime.fastpath" in loaded
    assert _foreign(loaded) == []


def test_the_full_path_is_what_the_check_would_catch(
        tmp_path: Path, scratch_env: dict[str, str]) -> None:
    """Without a stored decision the same command loads the parser: the check above can fail."""
    loaded = imported(["-m", "gatekeep", "run", "--", "true"], scratch_env, tmp_path)
    assert "gatekeep.core.engine" in _foreign(loaded)


# -- where the package is, seen from runtime/ ------------------------------------------------

def test_the_runtime_finds_the_same_builtin_policies_as_the_loader() -> None:
    from gatekeep.policy.refs import builtin_dir
    from gatekeep.runtime.decision_cache import builtin_dir as runtime_builtin_dir

    assert Path(runtime_builtin_dir()) == builtin_dir()
    assert (builtin_dir() / "default.yaml").is_file()


def test_the_code_a_cached_result_depends_on_is_the_whole_package() -> None:
    from gatekeep.runtime.sysfs import code_files

    assert code_files() == sorted(str(p) for p in PACKAGE.rglob("*.py"))
