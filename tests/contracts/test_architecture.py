"""DESIGN §3: dependencies point one way. A lower app never imports a higher one."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Lower index = lower layer. Apps not yet written are listed so the rule holds when they arrive.
LAYERS = ["core", "regions", "accounts", "households", "loans", "approvals", "postloan", "compensation", "reports"]
# approvals and postloan are siblings: neither may import the other.
SIBLINGS = {("approvals", "postloan"), ("postloan", "approvals")}


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names)


def _app_files():
    for app in LAYERS:
        base = ROOT / "apps" / app
        if base.exists():
            for path in base.rglob("*.py"):
                if "migrations" not in path.parts:
                    yield app, path


@pytest.mark.parametrize(("app", "path"), list(_app_files()), ids=lambda v: str(v).replace(str(ROOT) + "/", ""))
def test_no_upward_imports(app, path):
    rank = LAYERS.index(app)
    for module in _imports(path):
        parts = module.split(".")
        if len(parts) >= 2 and parts[0] == "apps" and parts[1] in LAYERS:
            target = parts[1]
            assert LAYERS.index(target) <= rank or False, f"{path.relative_to(ROOT)} imports higher layer {module}"
            assert (app, target) not in SIBLINGS, f"{path.relative_to(ROOT)} imports sibling {module}"
