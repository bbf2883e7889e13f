"""The import direction of the analysis package (ARCHITECTURE.md, `postprocess/__init__.py`), read from every
module's source with `ast`: each import statement, wherever it stands (inside functions too), relative ones
resolved.

    io, stats    import nothing from compare, plots, report or commands
    stats        imports only numpy, scipy, statsmodels, pandas, sacrebleu (self-BLEU), the standard library and
                 stats itself
    compare      imports only stats and io (and summ_pref_common.errors / lm_eval_tasks.data.rows)
    plots        import only the result types of stats (stats.result, stats.preference_model) and matplotlib,
                 numpy, pandas, scipy (`expit` for the unit-slope curve)
    report       imports stats, compare, io and plots
    commands     may import anything
    lm_eval_tasks imports nothing from postprocess
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from tests.helpers.paths import REPO

LAYERS = ("io", "stats", "compare", "plots", "report", "commands")
# The other layers each layer may import (its own modules always).
MAY_IMPORT = {"io": set(), "stats": set(), "compare": {"stats", "io"}, "plots": set(),
              "report": {"stats", "compare", "io", "plots"}, "commands": set(LAYERS)}
PLOTS_MAY_IMPORT = ("postprocess.stats.result", "postprocess.stats.preference_model")
# Third-party packages a layer may import, where the layer is restricted (the standard library always).
THIRD_PARTY = {"stats": {"numpy", "scipy", "statsmodels", "pandas", "sacrebleu"},
               "plots": {"matplotlib", "numpy", "pandas", "scipy"}}
# Modules of lm_eval_tasks and summ_pref_common a layer may import, where the layer is restricted.
TASK_MODULES = {"stats": set(), "plots": set(), "compare": {"summ_pref_common.errors", "lm_eval_tasks.data.rows"}}
SHARED = ("lm_eval_tasks", "summ_pref_common")
# The folders of lm_eval_tasks that are not a task family: the data layer and the model backends.
TASK_SUPPORT = ("data", "models")
# lm-evaluation-harness keeps a task kind in one folder; the package root holds only what every family shares.
MAX_ROOT_MODULES = 8
# The only modules outside the layers: the package root (__version__) and `python -m postprocess`.
TOP_LEVEL = {"postprocess", "postprocess.__main__"}


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(dotted: str) -> bool:
    """Whether `dotted` names a module or package of this repository (not an attribute of one)."""
    path = REPO.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports(name: str, source: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, module) of every import in `source`, the source of module `name`; `from A import b` counts as
    importing A.b when that is a module, else A."""
    package = name if is_package else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                parts = package.split(".")
                module = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                found.append((node.lineno, sub if is_module(sub) else module))
    return found


def layer_of(name: str) -> str:
    """The layer of a postprocess module; `python -m postprocess` counts as a command."""
    if name == "postprocess.__main__":
        return "commands"
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else "root"


def violations(name: str, source: str, is_package: bool = False) -> list[str]:
    """Every import of module `name` that breaks the direction, as 'module:line imports X: why'."""
    layer = layer_of(name)
    bad = []
    for line, target in imports(name, source, is_package):
        top = target.split(".")[0]
        where = f"{name}:{line} imports {target}"
        if top == "postprocess":
            other = target.split(".")[1] if target.count(".") else None
            if other is None or other == layer or layer == "commands":
                continue  # the package root holds only __version__
            if layer == "root":
                bad.append(f"{where}: the package root imports none of its sub-packages")
            elif layer == "plots" and target.startswith(PLOTS_MAY_IMPORT):
                continue
            elif other not in MAY_IMPORT[layer]:
                bad.append(f"{where}: {layer} may not import {other}")
        elif top in SHARED:
            if layer in TASK_MODULES and target not in TASK_MODULES[layer]:
                bad.append(f"{where}: {layer} may import only {sorted(TASK_MODULES[layer]) or 'nothing'} of "
                           "lm_eval_tasks and summ_pref_common")
        elif layer in THIRD_PARTY and top not in THIRD_PARTY[layer] and top not in sys.stdlib_module_names \
                and top != "__future__":
            bad.append(f"{where}: {layer} may import only {sorted(THIRD_PARTY[layer])} and the standard library")
    return bad


def sources(package: str) -> list[Path]:
    return sorted(p for p in (REPO / package).rglob("*.py") if "__pycache__" not in p.parts)


def test_every_module_of_postprocess_lives_in_a_layer():
    names = [module_name(path) for path in sources("postprocess")]
    assert [n for n in names if n not in TOP_LEVEL and layer_of(n) == "root"] == []
    assert {layer_of(n) for n in names} == {*LAYERS, "root"}


def test_postprocess_imports_follow_the_direction():
    bad = [v for path in sources("postprocess")
           for v in violations(module_name(path), path.read_text(encoding="utf-8"), path.name == "__init__.py")]
    assert bad == []


def family_of(name: str) -> str | None:
    """The task family folder of an lm_eval_tasks module (summ_pref, pref, ...), None for data/, models/ and the
    package root."""
    parts = name.split(".")
    return parts[1] if len(parts) > 2 and parts[1] not in TASK_SUPPORT else None


def task_violations(name: str, source: str, is_package: bool = False) -> list[str]:
    """Every import of lm_eval_tasks module `name` that breaks the plugin's direction."""
    bad = []
    for line, target in imports(name, source, is_package):
        where = f"{name}:{line} imports {target}"
        if target.split(".")[0] == "postprocess":
            bad.append(f"{where}: lm_eval_tasks imports nothing from postprocess")
        elif target.startswith("lm_eval_tasks.") and (family := family_of(target)) not in (None, family_of(name)):
            bad.append(f"{where}: " + (f"the {family_of(name)} family may not import the {family} family"
                                       if family_of(name) else f"a shared module may not import the {family} family"))
    return bad


def test_lm_eval_tasks_imports_follow_the_direction():
    bad = [v for path in sources("lm_eval_tasks")
           for v in task_violations(module_name(path), path.read_text(encoding="utf-8"), path.name == "__init__.py")]
    assert bad == []


def test_summ_pref_common_imports_neither_package():
    bad = [f"{module_name(path)}:{line} imports {target}" for path in sources("summ_pref_common")
           for line, target in imports(module_name(path), path.read_text(encoding="utf-8"), path.name == "__init__.py")
           if target.split(".")[0] in ("lm_eval_tasks", "postprocess")]
    assert bad == []


def test_the_plugin_keeps_its_task_families_in_folders():
    root_modules = sorted(p.name for p in (REPO / "lm_eval_tasks").glob("*.py"))
    assert len(root_modules) <= MAX_ROOT_MODULES, root_modules


@pytest.mark.parametrize(("name", "source"), [
    ("lm_eval_tasks.data.posts", "from lm_eval_tasks.summ_pref.docs import build_docs"),
    ("lm_eval_tasks.records", "from lm_eval_tasks.pref.task import PrefTask"),
    ("lm_eval_tasks.pref.docs", "from lm_eval_tasks.summ_pref.docs import FEATURES"),
    ("lm_eval_tasks.harness", "from postprocess.io.runs import discover_runs"),
])
def test_a_wrong_plugin_import_is_caught(name, source):
    assert task_violations(name, source) != []


@pytest.mark.parametrize(("name", "source"), [
    ("lm_eval_tasks.pref.docs", "from lm_eval_tasks.data.loading import shared_load\nfrom .fields import Where"),
    ("lm_eval_tasks.summ_pref.task", "from lm_eval_tasks.task_base import ContinuationsTask"),
    ("lm_eval_tasks.summ_pref_samples.docs", "from lm_eval_tasks.data.posts import POST_FIELDS"),
])
def test_an_allowed_plugin_import_passes(name, source):
    assert task_violations(name, source) == []


@pytest.mark.parametrize(("name", "source"), [
    ("postprocess.stats.correlation", "from postprocess.io.runs import Run"),
    ("postprocess.stats.correlation", "from ..compare import paired"),
    ("postprocess.stats.measures", "from lm_eval_tasks.data.rows import RATING_AXES"),
    ("postprocess.stats.bootstrap", "def f():\n    import matplotlib.pyplot"),
    ("postprocess.io.load", "from postprocess.report.findings import findings"),
    ("postprocess.compare.paired", "from postprocess.report.run_statistics import draws"),
    ("postprocess.compare.align", "from lm_eval_tasks.summ_pref.docs import build_docs"),
    ("postprocess.stats.bootstrap", "from summ_pref_common.errors import DataError"),
    ("postprocess.plots.run_figures", "from postprocess.stats import Stat"),
    ("postprocess.plots.run_figures", "from postprocess.io.provenance import display_name_map"),
    ("postprocess.report.figures", "from postprocess.commands.cli import main"),
    ("postprocess", "from postprocess.commands import cli"),
])
def test_a_wrong_import_is_caught(name, source):
    assert violations(name, source) != []


@pytest.mark.parametrize(("name", "source"), [
    ("postprocess.stats.correlation", "import warnings\nfrom scipy import stats\nfrom .bootstrap import resampled"),
    ("postprocess.compare.statistics",
     "from lm_eval_tasks.data.rows import RATING_AXES\nfrom postprocess.io import load"),
    ("postprocess.plots.run_figures", "from postprocess.stats.preference_model import Calibration"),
    ("postprocess.report.build", "from postprocess import __version__\nimport lm_eval"),
    ("postprocess.__main__", "from postprocess.commands.cli import main"),
])
def test_an_allowed_import_passes(name, source):
    assert violations(name, source) == []


# A function longer than this (its docstring not counted) is split into named steps.
MAX_FUNCTION_LINES = 60
FUNCTION_PACKAGES = ("postprocess", "lm_eval_tasks", "summ_pref_common", "benchmarks")


def long_functions(source: str, where: str = "<source>") -> list[str]:
    """'where:line name (N lines)' for every function (nested ones too) of `source` over MAX_FUNCTION_LINES
    lines, counted from its `def` to its last line without its docstring."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        length = node.end_lineno - node.lineno + 1
        if ast.get_docstring(node, clean=False) is not None:
            length -= node.body[0].end_lineno - node.body[0].lineno + 1
        if length > MAX_FUNCTION_LINES:
            found.append(f"{where}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_function_is_over_sixty_lines_without_its_docstring():
    found = [hit for package in FUNCTION_PACKAGES for path in sources(package)
             for hit in long_functions(path.read_text(encoding="utf-8"), str(path.relative_to(REPO)))]
    assert found == []


def test_a_long_function_is_caught_and_its_docstring_not_counted():
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES - 1))
    docstring = '    """Why.\n\n' + "    more\n" * 20 + '    """\n'
    assert long_functions(f"def fits():\n{docstring}{body}") == []
    assert long_functions(f"def fits():\n{body}") == []
    assert long_functions(f"def f():\n{docstring}{body}    x = 0\n") == ["<source>:1 f (61 lines)"]
    method = "class C:\n    async def g(self):\n" + "".join(f"        x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES))
    assert long_functions(method) == ["<source>:2 g (61 lines)"]


# Tests mirror modules: `pkg/folder/module.py` is tested in `tests/pkg/folder/test_module.py`. A module with no
# behaviour of its own (only data or wiring) may go here, {dotted name: why it needs no test file}; none does now.
UNMIRRORED: dict[str, str] = {}
# Modules whose mirrored test file another change brings (the report producers move to a computing layer with their
# tests); each entry goes when its file lands.
PENDING = {
    **{f"postprocess.report.{name}": "the computing-layer change mirrors the report producers' tests"
       for name in ("build", "cells", "facts", "generation_statistics", "markdown", "run_statistics",
                    "statistic_sections", "tables")},
    **{f"postprocess.compare.{name}": "tested in tests/postprocess/compare/test_compare.py, which the computing-"
                                      "layer change owns; its tests of the module move to the mirrored file"
       for name in ("align", "concentration", "statistics")},
}
MIRRORED_PACKAGES = ("postprocess", "lm_eval_tasks", "summ_pref_common")


def mirrored_test(path: Path) -> Path:
    """tests/<package>/<folder>/test_<module>.py of the module at `path`."""
    relative = path.relative_to(REPO)
    return REPO / "tests" / relative.parent / f"test_{relative.name}"


def modules_with_behaviour() -> dict[str, Path]:
    """Every module of the three packages but package markers and `python -m` entries, by dotted name."""
    return {module_name(path): path for package in MIRRORED_PACKAGES for path in sources(package)
            if path.name not in ("__init__.py", "__main__.py")}


def test_mirrored_test_path():
    assert mirrored_test(REPO / "postprocess" / "stats" / "agreement.py") == \
        REPO / "tests" / "postprocess" / "stats" / "test_agreement.py"
    assert mirrored_test(REPO / "lm_eval_tasks" / "data" / "sample" / "content.py") == \
        REPO / "tests" / "lm_eval_tasks" / "data" / "sample" / "test_content.py"


def test_every_module_has_a_test_file_of_its_own():
    missing = [f"{name}: expected {mirrored_test(path).relative_to(REPO)}"
               for name, path in sorted(modules_with_behaviour().items())
               if not mirrored_test(path).is_file() and name not in UNMIRRORED and name not in PENDING]
    assert missing == []


def test_every_exemption_names_a_module_still_without_a_test_file():
    modules = modules_with_behaviour()
    stale = [f"{name}: no such module" if name not in modules else
             f"{name}: {mirrored_test(modules[name]).relative_to(REPO)} exists, drop the exemption"
             for name in (*UNMIRRORED, *PENDING)
             if name not in modules or mirrored_test(modules[name]).is_file()]
    assert stale == []
