"""Every rule name a ``RuleViolation`` is raised with in ledger/ and api/, read from the source
(ast): a string literal; a module constant (``ORDER = "lecture.order"``, also in tuple
assignments), its own or imported from another module of ledger/, verify/ or api/; or, for
a function that raises ``RuleViolation(rule, ...)`` with its parameter ``rule``, every
value its callers pass (``parse_enum(Source, value, "carefund.source")``) and its default.

``rule_names()`` returns the names and the places it could not resolve (a test fails on
those, so that a new way of naming a rule can't slip past the catalog)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RAISING = ("ledger", "api")
CONSTANTS = ("ledger", "verify", "api")


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _constants(tree: ast.Module) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            pairs = (
                zip(target.elts, value.elts, strict=False)
                if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple)
                else [(target, value)]
            )
            for name, text in pairs:
                named = isinstance(name, ast.Name) and isinstance(text, ast.Constant)
                if named and isinstance(text.value, str):
                    found[name.id] = text.value  # type: ignore[union-attr]
    return found


def _trees() -> dict[str, ast.Module]:
    return {
        _module(path): ast.parse(path.read_text(encoding="utf-8"))
        for base in CONSTANTS
        for path in sorted((ROOT / base).rglob("*.py"))
    }


def rule_names() -> tuple[set[str], list[str]]:
    """(every rule name raised, the places whose name could not be resolved)."""
    trees = _trees()
    constants = {module: _constants(tree) for module, tree in trees.items()}

    def literal(module: str, node: ast.expr) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if not isinstance(node, ast.Name):
            return None
        if node.id in constants[module]:
            return constants[module][node.id]
        for item in ast.walk(trees[module]):
            if isinstance(item, ast.ImportFrom) and item.module in constants:
                for alias in item.names:
                    if (alias.asname or alias.name) == node.id:
                        return constants[item.module].get(alias.name)
        return None

    raising = {m: t for m, t in trees.items() if m.split(".")[0] in RAISING}
    passing: dict[str, int] = {}  # function -> position of its ``rule`` parameter
    names: set[str] = set()
    for module, tree in raising.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name != "__init__":
                params = [a.arg for a in node.args.args]
                if "rule" in params:
                    passing[node.name] = params.index("rule")
                    for default in node.args.defaults:
                        if (value := literal(module, default)) is not None and "." in value:
                            names.add(value)
    unresolved: list[str] = []
    for module, tree in raising.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if called == "RuleViolation" and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Name) and arg.id == "rule":
                    continue  # a parameter: its callers' values are collected below
                args = [arg]
            elif called in passing:
                keyword = [k.value for k in node.keywords if k.arg == "rule"]
                position = passing[called] - (1 if isinstance(func, ast.Attribute) else 0)
                args = keyword or ([node.args[position]] if position < len(node.args) else [])
            else:
                continue
            for arg in args:
                value = literal(module, arg)
                if value is None:
                    unresolved.append(f"{module}:{node.lineno}: {ast.unparse(arg)}")
                else:
                    names.add(value)
    return names, unresolved
