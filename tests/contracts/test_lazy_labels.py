"""Labels built when a module is imported must be lazy: `gettext` at import time translates once, into whatever
language is active then, so an English user saw "提出整改方案" on the rectification buttons. Only code that runs per
request (function bodies, lambdas) may call the non-lazy `gettext`."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EAGER = {"gettext", "ngettext", "pgettext", "npgettext"}


def _eager_aliases(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            names |= {a.asname or a.name for a in node.names if a.name in EAGER}
    return names


def _import_time_calls(node, aliases, out, path):
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue  # runs per call, under the request's language
        if isinstance(child, ast.Call) and isinstance(child.func, ast.Name) and child.func.id in aliases:
            out.append(f"{path.relative_to(ROOT)}:{child.lineno}")
        _import_time_calls(child, aliases, out, path)


def test_no_eager_gettext_at_import_time():
    found = []
    for path in sorted((ROOT / "apps").rglob("*.py")) + sorted((ROOT / "microcredit").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = _eager_aliases(tree)
        if aliases:
            _import_time_calls(tree, aliases, found, path)
    assert not found, f"gettext called at import time (use gettext_lazy): {found}"


def test_the_walker_finds_an_eager_label(tmp_path):
    source = "from django.utils.translation import gettext as _\nLABELS = {'a': _('A')}\ndef f():\n    return _('B')\n"
    path = ROOT / "apps" / "_probe.py"
    found = []
    _import_time_calls(ast.parse(source), _eager_aliases(ast.parse(source)), found, path)
    assert found == ["apps/_probe.py:2"]
