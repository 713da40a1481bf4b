"""No import circles inside kiosk_app/flow: the table names the step handlers, the steps name states, and each
step module imports alone in a fresh interpreter."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLOW = ROOT / "kiosk_app" / "flow"
STEP_MODULES = ("steps_identity", "steps_forms", "steps_bundle", "states", "table", "screen_builder", "session")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(path: Path, modules: set[str]) -> set[str]:
    """The flow modules `path` imports when it runs (imports under `if TYPE_CHECKING:` are for the checker)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.orelse)
                continue
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name in modules)
            elif isinstance(node, ast.ImportFrom) and node.module:
                if node.module in modules:
                    found.add(node.module)
                found.update(f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in modules)
            for field in ("body", "orelse", "handlers", "finalbody"):
                if isinstance(node, ast.If | ast.Try) and hasattr(node, field):
                    visit(getattr(node, field))

    visit(tree.body)
    return found


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (found := walk(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := walk(node)):
            return found
    return None


def test_no_import_circle_inside_the_flow() -> None:
    files = sorted(FLOW.rglob("*.py"))
    modules = {_module_name(f) for f in files}
    graph = {_module_name(f): _runtime_imports(f, modules) - {_module_name(f)} for f in files}
    assert graph["kiosk_app.flow.table"] >= {"kiosk_app.flow.steps_identity", "kiosk_app.flow.states"}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


@pytest.mark.parametrize("module", STEP_MODULES)
def test_each_step_module_imports_alone(module: str) -> None:
    out = subprocess.run([sys.executable, "-c", f"import kiosk_app.flow.{module}"], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]


def test_the_table_names_functions_not_strings() -> None:
    from kiosk_app.flow.table import TABLE

    handlers = [edge.handler for edges in TABLE.values() for edge in edges.values()]
    assert handlers and all(callable(h) and h.__name__.startswith("on_") for h in handlers)


def test_the_screens_do_not_know_the_engine() -> None:
    """screen_builder reads a ScreenSource; it imports the session module not even for the type checker."""
    text = (FLOW / "screen_builder.py").read_text(encoding="utf-8")
    assert "kiosk_app.flow.session" not in text and "._" not in text.replace("__", "")
