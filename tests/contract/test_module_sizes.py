"""Issue 21's shape, kept: no product module over 300 lines, no route-building closure over 60 (routers with
`Depends` instead), so a newcomer reads one reason per module everywhere."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("services", "contracts", "kontakt")


def product_modules() -> list[Path]:
    return sorted(p for root in PRODUCT for p in (ROOT / root).rglob("*.py") if "migrations" not in p.parts)


def test_no_product_module_is_over_300_lines() -> None:
    long = {str(p.relative_to(ROOT)): n for p in product_modules() if (n := len(p.read_text().splitlines())) > 300}
    assert not long, f"modules over 300 lines: {long}"


def test_no_function_that_builds_functions_is_over_60_lines() -> None:
    found = {}
    for p in product_modules():
        for node in ast.walk(ast.parse(p.read_text())):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            inner = any(isinstance(c, (ast.FunctionDef, ast.AsyncFunctionDef)) for c in ast.walk(node) if c is not node)
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if inner and length > 60:
                found[f"{p.relative_to(ROOT)}:{node.name}"] = length
    assert not found, f"closures over 60 lines: {found}"
