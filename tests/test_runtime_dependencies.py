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


def _names(specs: list[str]) -> set[str]:
    return {_canonical(re.split(r"[\s\[<>=!~;]", spec, maxsplit=1)[0]) for spec in specs}


def _declared() -> set[str]:
    return _names(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"])


def _imports(path: Path) -> set[str]:
    """Dotted names `path` imports: modules, and `module.name` for each `from module import`."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _imported_modules(path: Path) -> set[str]:
    return {name.split(".")[0] for name in _imports(path)}


def _undeclared(third_party: dict[str, Path], declared: set[str]) -> dict[str, str]:
    providers = packages_distributions()
    return {
        module: str(path.relative_to(REPO))
        for module, path in third_party.items()
        if not {_canonical(d) for d in providers.get(module, [module])} & declared
    }


def test_every_runtime_import_is_a_declared_dependency() -> None:
    files = [REPO / "__main__.py"] + [f for top in INSTALLED for f in (REPO / top).rglob("*.py")]
    third_party = {
        module: path
        for path in files
        for module in _imported_modules(path)
        if module not in sys.stdlib_module_names and module not in INSTALLED
    }
    assert "publicsuffixlist" in third_party  # the scan sees imports at all
    undeclared = _undeclared(third_party, _declared())
    assert undeclared == {}, f"imported but not in [project].dependencies: {undeclared}"


def _local_module(name: str) -> Path | None:
    if name.split(".")[0] == "mailstack_policies":
        return REPO / "policy/mailstack_policies.py"
    base = REPO.joinpath(*name.split("."))
    return next((p for p in (base.with_suffix(".py"), base / "__init__.py") if p.is_file()), None)


def test_the_policy_pack_needs_only_its_own_requirements() -> None:
    # The policy host installs policy/requirements.txt into its own venv and imports the pack,
    # which loads repository modules from source: every module it reaches counts.
    pending, seen = [REPO / "policy/__main__.py"], set[Path]()
    third_party: dict[str, Path] = {}
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] in (*INSTALLED, "mailstack_policies"):
                prefixes = (".".join(parts[:i]) for i in range(1, len(parts) + 1))
                pending += [p for p in map(_local_module, prefixes) if p is not None]
            elif parts[0] not in sys.stdlib_module_names and parts[0] != "__future__":
                third_party.setdefault(parts[0], path)
    assert REPO / "components/policy/rules.py" in seen  # the walk follows repository imports
    assert "pulumi_policy" in third_party
    lines = (REPO / "policy/requirements.txt").read_text().splitlines()
    required = _names([line for line in (ln.split("#")[0].strip() for ln in lines) if line])
    undeclared = _undeclared(third_party, required)
    assert undeclared == {}, f"imported but not in policy/requirements.txt: {undeclared}"
