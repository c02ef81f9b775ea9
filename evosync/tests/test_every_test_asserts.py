"""Every test asserts something: an `assert`, `pytest.raises` / `warns`, an assert_* helper or context manager,
directly or through a helper of its module. A test that only runs code shows nothing when it passes."""

import ast
import tomllib
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR).resolve()
TEST_TREES = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["testpaths"]


def checks_something(node: ast.AST) -> bool:
    for inner in ast.walk(node):
        if isinstance(inner, ast.Assert):
            return True
        if isinstance(inner, ast.Call):
            name = ast.unparse(inner.func).rsplit(".", 1)[-1]
            if name in ("raises", "warns", "fail") or name.startswith("assert") or "_assert_" in f"_{name}":
                return True
    return False


def silent_tests(path: Path) -> list[str]:
    """The names of the module's tests that check nothing."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    checking = {name for name, function in functions.items() if checks_something(function)}
    silent = []
    for name, function in functions.items():
        if not name.startswith("test_") or name in checking:
            continue
        called = {ast.unparse(c.func) for c in ast.walk(function) if isinstance(c, ast.Call)}
        if not called & checking:
            silent.append(name)
    return silent


def test_every_test_in_the_suite_asserts_something():
    paths = [path for tree in TEST_TREES for path in sorted((ROOT / tree).glob("tests/**/test_*.py"))]
    assert len(paths) > 40
    assert [f"{path.relative_to(ROOT)}::{name}" for path in paths for name in silent_tests(path)] == []


def test_the_check_catches_a_test_that_only_runs_code(tmp_path):
    sample = tmp_path / "test_sample.py"
    sample.write_text(
        "def helper(x):\n    assert x\n\n"
        "def test_runs_only():\n    print(1)\n\n"
        "def test_via_helper():\n    helper(1)\n\n"
        "def test_raises():\n    with pytest.raises(ValueError):\n        int('x')\n",
        encoding="utf-8",
    )
    assert silent_tests(sample) == ["test_runs_only"]
