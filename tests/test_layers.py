"""The architecture as rules on imports: layers import only down, the engine never Tk, TensorFlow only to make models.

Every import counts, at module level or inside a function or class, `import x` or `from x import y`, absolute
or relative. The rules are checked on the package and, to show that they can fail, on small synthetic modules.
(tests/gui/test_startup.py checks the other side at run time: importing the window loads no TensorFlow.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "digitpad"

# Lowest first. A module may import from its own layer and from the layers before it, never from one after.
LAYERS = (
    ("package", ("digitpad",)),  # digitpad/__init__.py: APP_NAME and __version__, imported by all
    ("storage", ("digitpad.storage",)),
    ("imaging", ("digitpad.imaging",)),
    ("reading", ("digitpad.reading",)),
    ("inference", ("digitpad.inference",)),
    ("folders", ("digitpad.folders",)),
    ("userdata", ("digitpad.userdata",)),
    ("training", ("digitpad.training",)),  # retraining reads the user's samples and keeps models in their store
    ("bundle", ("digitpad.bundle",)),
    ("gui", ("digitpad.gui",)),
    ("cli", ("digitpad.cli",)),  # with no command it opens the window
    ("entries", ("digitpad.__main__", "digitpad.frozen_entry")),
)
RANK = {name: rank for rank, (name, _) in enumerate(LAYERS)}
# The engine: every layer below the window.
ENGINE = frozenset(name for name, _ in LAYERS[:RANK["gui"]])
TK = ("tkinter", "_tkinter", "PIL.ImageTk")
TENSORFLOW = ("tensorflow", "keras", "tf_keras")
# TensorFlow is imported only to train and retrain, and to convert a model for LiteRT (or run it where LiteRT cannot).
MAY_IMPORT_TENSORFLOW = ("digitpad.training", "digitpad.inference.keras_model")


def _within(module: str, prefixes) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def layer_of(module: str) -> str | None:
    """The layer a digitpad module belongs to (None for a module outside every layer)."""
    if module == "digitpad":
        return "package"
    for name, prefixes in LAYERS[1:]:
        if _within(module, prefixes):
            return name
    return None


def imports_of(module: str, source: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, imported module) for every import anywhere in `source`, relative ones resolved.

    `from x import y` counts as importing both x and x.y (y may be a module or a name in x).
    """
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[:len(parts) - (node.level - 1)]
                base = ".".join(parts + ([base] if base else []))
            found.append((node.lineno, base))
            found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names if alias.name != "*")
    return found


def check_module(module: str, source: str, is_package: bool = False) -> list[str]:
    """Every rule `module` (with this source) breaks, in words."""
    layer = layer_of(module)
    if layer is None:
        return [f"{module} belongs to no layer: place it in one (tests/test_layers.py LAYERS)"]
    problems: dict[tuple[int, str], str] = {}  # one per import statement and rule
    for line, imported in imports_of(module, source, is_package):
        broken = []
        if _within(imported, TK) and layer != "gui":
            broken.append("only the GUI imports Tk")
        if _within(imported, TENSORFLOW) and not _within(module, MAY_IMPORT_TENSORFLOW):
            broken.append("TensorFlow is imported only to train, retrain or convert a model")
        target = layer_of(imported) if _within(imported, ("digitpad",)) else None
        # (None within digitpad: a name imported from the package itself, `from digitpad import APP_NAME`.)
        if target is not None and layer in ENGINE and target == "gui":
            broken.append("the engine never imports the GUI")
        elif target is not None and RANK[target] > RANK[layer]:
            broken.append(f"{layer} is below {target}; imports only go down")
        for rule in broken:
            problems.setdefault((line, rule), f"{module}:{line} imports {imported}: {rule}")
    return list(problems.values())


def package_modules() -> list[tuple[str, Path, bool]]:
    """(module name, file, is a package) for every module of digitpad."""
    modules = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        modules.append((".".join(parts[:-1] if is_package else parts), path, is_package))
    return modules


def test_every_module_imports_only_down_and_the_engine_never_tk_nor_the_gui():
    problems = [problem for module, path, is_package in package_modules()
                for problem in check_module(module, path.read_text(encoding="utf-8"), is_package)]
    assert not problems, "\n".join(problems)


def test_the_walk_sees_imports_inside_functions_and_relative_ones():
    """The real package's own lazy imports are found: the check above looks where imports hide."""
    source = (PACKAGE / "cli" / "main.py").read_text(encoding="utf-8")
    assert "digitpad.gui.app" in {imported for _, imported in imports_of("digitpad.cli.main", source)}
    source = (PACKAGE / "inference" / "keras_model.py").read_text(encoding="utf-8")
    assert {"keras", "tensorflow"} <= {imported for _, imported in imports_of("digitpad.inference.keras_model", source)}
    assert imports_of("digitpad.reading", "from .segment import plan_segmentation\n", is_package=True) == [
        (1, "digitpad.reading.segment"), (1, "digitpad.reading.segment.plan_segmentation")]
    assert imports_of("digitpad.reading.number", "from ..imaging import ink\n") == [
        (1, "digitpad.imaging"), (1, "digitpad.imaging.ink")]


@pytest.mark.parametrize("module, source, broken", [
    ("digitpad.imaging.ink", "def f():\n    from digitpad.gui.app import run_app\n", "never imports the GUI"),
    ("digitpad.reading.number", "from ..gui import theme\n", "never imports the GUI"),
    ("digitpad.storage.paths", "import digitpad.imaging.ink\n", "imports only go down"),
    ("digitpad.imaging.ink", "class A:\n    def f(self):\n        from digitpad.reading import segment\n",
     "imports only go down"),
    ("digitpad.inference.predictor", "from digitpad.folders.batch import Row\n", "imports only go down"),
    ("digitpad.gui.app", "from digitpad.cli.main import main\n", "imports only go down"),
    ("digitpad.folders.batch", "from PIL import ImageTk\n", "only the GUI imports Tk"),
    ("digitpad.cli.main", "import tkinter as tk\n", "only the GUI imports Tk"),
    ("digitpad.bundle.icon", "from tkinter import ttk\n", "only the GUI imports Tk"),
    ("digitpad.inference.predictor", "def f():\n    import tensorflow as tf\n", "only to train, retrain or convert"),
    ("digitpad.userdata.samples", "from keras import layers\n", "only to train, retrain or convert"),
    ("digitpad.gui.app", "def f():\n    import keras\n", "only to train, retrain or convert"),
    ("digitpad.helpers", "", "belongs to no layer"),
])
def test_a_forbidden_edge_is_caught(module, source, broken):
    problems = check_module(module, source)
    assert len(problems) == 1 and broken in problems[0], problems


def test_allowed_edges_pass():
    assert not check_module("digitpad.gui.app",
                            "import tkinter\nfrom PIL import ImageTk\nfrom digitpad.reading import strokes\n")
    assert not check_module("digitpad.training.train", "def f():\n    import tensorflow as tf\n    import keras\n")
    assert not check_module("digitpad.inference.keras_model", "def f():\n    import keras\n")
    assert not check_module("digitpad.reading.number",
                            "from .segment import find_components\nfrom ..imaging import ink\n")
    assert not check_module("digitpad.cli.main", "def f():\n    from digitpad.gui.app import run_app\n")
    assert not check_module("digitpad.frozen_entry",
                            "from digitpad.cli.main import main\nfrom digitpad import APP_NAME\n")


def test_every_module_starts_with_a_one_line_docstring_saying_what_it_is_for():
    """Packages too: each room's __init__ says what the room is for."""
    missing = []
    for module, path, _ in package_modules():
        body = ast.parse(path.read_text(encoding="utf-8")).body
        first = body[0] if body else None
        docstring = first.value.value if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) else None
        lines = docstring.split("\n") if isinstance(docstring, str) else [""]
        if not lines[0].strip().endswith(".") or (len(lines) > 1 and lines[1].strip()):
            missing.append(module)
    assert not missing, f"no one-line summary docstring first: {missing}"
