"""The shape every app keeps (docs/architecture.md): checked on the source, so a newcomer's
shortcut fails the suite, not a review. The layer order itself is import-linter's contract
(.importlinter, run by scripts/test.sh); these checks cover what it cannot see."""

import ast
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]  # the openkreis package
APPS = sorted(p.name for p in ROOT.iterdir() if (p / "apps.py").exists())


def _sources(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts or "tests" in path.parts:
            continue
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def _imported(node) -> list[str]:
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        return [node.module]
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    return []


@pytest.mark.parametrize("app", APPS)
def test_no_function_level_imports_of_other_apps(app):
    """An import of another app hidden in a function is how the old cycles hid; imports of
    other apps stand at the top of the module, where import-linter and the reader see them.
    (AppConfig.ready() is the one place meant for it: that is where ports are filled.)"""
    found = []
    for path, tree in _sources(app):
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if path.name == "apps.py" and func.name == "ready":
                continue
            for node in ast.walk(func):
                for module in _imported(node):
                    parts = module.split(".")
                    if parts[0] == "openkreis" and len(parts) > 1 and parts[1] != app:
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno} {module}")
    assert found == []


@pytest.mark.parametrize("app", APPS)
def test_no_importerror_guard_around_installed_apps(app):
    """Installed apps are not optional: an `except ImportError` around one hid a missing
    feature (forms without intake) instead of failing loudly."""
    installed = {config.name for config in apps.get_app_configs()}
    found = []
    for path, tree in _sources(app):
        for node in ast.walk(tree):
            if not isinstance(node, ast.Try):
                continue
            catches = {getattr(h.type, "id", "") for h in node.handlers if h.type is not None} | {
                getattr(e, "id", "")
                for h in node.handlers
                if isinstance(h.type, ast.Tuple)
                for e in h.type.elts
            }
            if not catches & {"ImportError", "ModuleNotFoundError"}:
                continue
            for inner in node.body:
                for stmt in ast.walk(inner):
                    for module in _imported(stmt):
                        if any(module == n or module.startswith(n + ".") for n in installed):
                            found.append(f"{path.relative_to(ROOT)}:{stmt.lineno} {module}")
    assert found == []


def test_every_app_has_the_same_inner_shape():
    """services.py (or services/) and tests/factories.py in every app with models."""
    missing = []
    for app in APPS:
        folder = ROOT / app
        if not (folder / "models.py").exists() and not (folder / "models").is_dir():
            continue
        if not (folder / "services.py").exists() and not (folder / "services").is_dir():
            missing.append(f"{app}: services")
        if not (folder / "tests" / "factories.py").exists():
            missing.append(f"{app}: tests/factories.py")
    assert missing == []
