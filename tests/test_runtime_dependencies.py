"""Every third-party module the installed code imports comes from a declared runtime dependency.

`pip install .` (no extras) is the path `pulumi up` runs on; a module reachable only through the
test extra would make the program fail at import there.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
INSTALLED = ("components", "checks", "mailstack")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return {_canonical(re.split(r"[\s\[<>=!~;]", spec, maxsplit=1)[0])
            for spec in project["dependencies"]}


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_every_runtime_import_is_a_declared_dependency() -> None:
    files = [REPO / "__main__.py"] + [f for top in INSTALLED for f in (REPO / top).rglob("*.py")]
    third_party = {
        module: path
        for path in files
        for module in _imported_modules(path)
        if module not in sys.stdlib_module_names and module not in INSTALLED
    }
    assert "publicsuffixlist" in third_party  # the scan sees imports at all
    declared = _declared()
    providers = packages_distributions()
    undeclared = {
        module: str(path.relative_to(REPO))
        for module, path in third_party.items()
        if not {_canonical(d) for d in providers.get(module, [module])} & declared
    }
    assert undeclared == {}, f"imported but not in [project].dependencies: {undeclared}"
