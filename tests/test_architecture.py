"""The import rules of docs/architecture.md, read from the source, so the picture cannot drift.

Every `import` and `from ... import` in `src/itbcheck`, including the ones inside functions
(the command line imports lazily), is mapped to the layer of the importing module and the
layer of the imported one; an arrow the table does not allow fails with the module, line and
rule it breaks.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent.parent / "src"

# The most specific prefix wins; anything in `itbcheck` not named here is the core.
LAYER_OF_PREFIX = {
    "itbcheck": "foundation",
    "itbcheck.exceptions": "foundation",
    "itbcheck.settings": "foundation",
    "itbcheck.audit": "audit",
    "itbcheck.history": "history",
    "itbcheck.history.model": "core",
    "itbcheck.assessment": "assessment",
    "itbcheck.lab": "lab",
    "itbcheck.web": "web",
    "itbcheck.cli": "cli",
    "itbcheck.__main__": "cli",
}
PACKAGE_MODULE = "itbcheck"

MAY_IMPORT = {
    "foundation": {"foundation"},
    "audit": {"foundation", "audit"},
    "core": {"foundation", "core"},
    "assessment": {"foundation", "core", "audit", "assessment"},
    "history": {"foundation", "core", "audit", "history"},
    "lab": {"foundation", "core", "lab"},
    "web": {"foundation", "core", "audit", "history", "assessment", "lab", "web"},
    "cli": {"foundation", "core", "audit", "history", "assessment", "lab", "web", "cli"},
}

# Third-party packages that only one layer may touch: the terminal, the browser, one registry.
ONLY_IN = {
    "typer": {"cli"},
    "click": {"cli"},
    "rich": {"cli"},
    "matplotlib": {"cli"},
    "uvicorn": {"cli"},
    "fastapi": {"web"},
    "starlette": {"web"},
    "jinja2": {"web"},
}
PINT_MODULE = "itbcheck.units"


@dataclass(frozen=True)
class Arrow:
    importer: str
    imported: str
    line: int


def layer_of(module: str) -> str:
    if module == PACKAGE_MODULE:
        return LAYER_OF_PREFIX[PACKAGE_MODULE]
    parts = module.split(".")
    for end in range(len(parts), 1, -1):
        prefix = ".".join(parts[:end])
        if prefix in LAYER_OF_PREFIX:
            return LAYER_OF_PREFIX[prefix]
    return "core"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def arrows_in(path: Path) -> list[Arrow]:
    importer = module_name(path)
    arrows: list[Arrow] = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            arrows += [Arrow(importer, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            arrows.append(Arrow(importer, node.module, node.lineno))
            # `from itbcheck import audit` names a module, not a symbol: judge the module.
            arrows += [
                Arrow(importer, f"{node.module}.{alias.name}", node.lineno)
                for alias in node.names
                if node.module == PACKAGE_MODULE
            ]
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{importer}:{node.lineno}: relative import; write it absolute")
    return arrows


def all_arrows() -> list[Arrow]:
    return [arrow for path in sorted(SOURCE.rglob("*.py")) for arrow in arrows_in(path)]


def broken_rules(arrows: list[Arrow]) -> list[str]:
    broken = []
    for arrow in arrows:
        top = arrow.imported.split(".")[0]
        source_layer = layer_of(arrow.importer)
        if top == PACKAGE_MODULE:
            target_layer = layer_of(arrow.imported)
            if target_layer not in MAY_IMPORT[source_layer]:
                broken.append(
                    f"{arrow.importer}:{arrow.line}: {source_layer} imports "
                    f"{arrow.imported} ({target_layer})"
                )
        elif top in ONLY_IN and source_layer not in ONLY_IN[top]:
            broken.append(f"{arrow.importer}:{arrow.line}: {source_layer} imports {top}")
        elif top == "pint" and arrow.importer != PINT_MODULE:
            broken.append(f"{arrow.importer}:{arrow.line}: pint outside {PINT_MODULE}")
    return broken


def test_no_module_imports_a_layer_above_its_own() -> None:
    """Every import between itbcheck's modules follows the table in docs/architecture.md."""
    assert [] == broken_rules(all_arrows())


@pytest.mark.parametrize(
    ("importer", "imported", "expected"),
    [
        ("itbcheck.dosing", "itbcheck.cli", ["itbcheck.dosing:1: core imports itbcheck.cli (cli)"]),
        (
            "itbcheck.checks.dose",
            "itbcheck.audit.entry",
            ["itbcheck.checks.dose:1: core imports itbcheck.audit.entry (audit)"],
        ),
        (
            "itbcheck.audit.chain",
            "itbcheck.records",
            ["itbcheck.audit.chain:1: audit imports itbcheck.records (core)"],
        ),
        (
            "itbcheck.lab.sweep",
            "itbcheck.history.store",
            ["itbcheck.lab.sweep:1: lab imports itbcheck.history.store (history)"],
        ),
        ("itbcheck.web.form", "typer", ["itbcheck.web.form:1: web imports typer"]),
        ("itbcheck.checks.dose", "pint", ["itbcheck.checks.dose:1: pint outside itbcheck.units"]),
        ("itbcheck.checks.history", "itbcheck.history.model", []),
        ("itbcheck.history.lookup", "itbcheck.audit", []),
        ("itbcheck.cli.web", "itbcheck.web.app", []),
    ],
)
def test_the_rule_reads_each_arrow_as_documented(
    importer: str, imported: str, expected: list[str]
) -> None:
    """Upward arrows are reported with module, line and layers; allowed ones are not."""
    assert expected == broken_rules([Arrow(importer, imported, 1)])


def test_every_layer_in_the_table_is_described_in_the_architecture_doc() -> None:
    """docs/architecture.md names each layer the test enforces."""
    doc = (SOURCE.parent / "docs" / "architecture.md").read_text("utf-8")
    assert [] == [layer for layer in MAY_IMPORT if f"**{layer}**" not in doc]
