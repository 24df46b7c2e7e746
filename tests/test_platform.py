"""The project off Linux and off pip: every module imports where ``fcntl`` does not exist (Windows),
the conda environment pins what the pip path pins, and notebook outputs never reach git."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

# Imports every module of helpers/ as on Windows, where importing fcntl (or another of the POSIX-only
# modules of the standard library) raises ImportError. The __main__ modules are left out: importing
# one runs its command (what it imports is imported anyway).
POSIX_ONLY = ("fcntl", "resource", "termios", "pwd", "grp")
IMPORT_ALL_WITHOUT_FCNTL = """
import importlib, sys
from pathlib import Path
sys.modules.update(dict.fromkeys(sys.argv[2:]))
root = Path(sys.argv[1])
names = sorted(".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
               for path in (root / "helpers").rglob("*.py") if path.name != "__main__.py")
failed = []
for name in names:
    try:
        importlib.import_module(name)
    except ImportError as error:
        failed.append(f"{name}: {error}")
print(len(names), "modules; failed:", failed)
sys.exit(1 if failed else 0)
"""


def test_every_module_imports_without_fcntl():
    result = subprocess.run([sys.executable, "-W", "ignore", "-c", IMPORT_ALL_WITHOUT_FCNTL, str(ROOT), *POSIX_ONLY],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert int(result.stdout.split()[0]) > 100  # it found the modules


def _requirements() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")  # every line is pinned
            pins[name.lower()] = version
    return pins


def _environment() -> dict[str, str | None]:
    """environment.yml's packages, conda's and pip's, with their pinned version (None: unpinned)."""
    dependencies = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))["dependencies"]
    pip = next(item["pip"] for item in dependencies if isinstance(item, dict))
    packages = {}
    for spec in [*(item for item in dependencies if isinstance(item, str)), *pip]:
        if not spec.startswith("-"):  # "-e ." is the project itself
            name, version = re.fullmatch(r"([\w.\-]+)\s*(?:==?\s*(\S+))?", spec.strip()).groups()
            packages[name.lower()] = version
    return packages


def test_environment_yml_pins_what_requirements_txt_pins():
    requirements, environment = _requirements(), _environment()
    assert {name: environment.get(name, "missing") for name in requirements} == requirements
    unpinned = sorted(name for name, version in environment.items() if version is None and name != "pip")
    assert not unpinned, f"environment.yml leaves {unpinned} unpinned"


def test_environment_yml_and_readme_say_how_to_register_the_notebook_kernel():
    command = "python -m ipykernel install --sys-prefix --name resnet-studies"  # the name the notebooks use
    assert command in (ROOT / "environment.yml").read_text(encoding="utf-8")
    assert command in (ROOT / "README.md").read_text(encoding="utf-8")


def _git(folder: Path, *arguments: str) -> str:
    return subprocess.run(["git", "-c", "init.defaultBranch=main", *arguments], cwd=folder, check=True,
                          capture_output=True, text=True).stdout


def _executed(notebook: Path) -> str:
    """``notebook`` as JupyterLab saves it after running it: every code cell counted, with output."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))
    for count, cell in enumerate((cell for cell in cells["cells"] if cell["cell_type"] == "code"), start=1):
        cell["execution_count"] = count
        cell["outputs"] = [{"name": "stdout", "output_type": "stream", "text": ["epoch 1: loss 2.30\n"]}]
    return json.dumps(cells, indent=1, ensure_ascii=False) + "\n"


@pytest.mark.skipif(shutil.which("git") is None or shutil.which("make") is None, reason="needs git and make")
def test_make_venv_installs_a_filter_that_keeps_notebook_outputs_out_of_git(tmp_path):
    clone = tmp_path / "clone"
    (clone / "notebooks").mkdir(parents=True)
    (clone / "reports").mkdir()
    for name in ("Makefile", ".gitattributes", "requirements.txt", "pyproject.toml"):
        shutil.copy(ROOT / name, clone / name)
    _git(clone, "init", "-q")
    venv = Path(sys.executable).parents[1]  # the environment running the tests, with nbstripout in it
    # `make venv` on a venv already made and with its kernel: only the steps after those run.
    subprocess.run(["make", "-s", "venv", f"VENV={venv}", "-o", f"{venv}/.installed",
                    "-o", f"{venv}/share/jupyter/kernels/resnet-studies/kernel.json"],
                   cwd=clone, check=True, capture_output=True, text=True)
    for notebook in NOTEBOOKS:
        (clone / "notebooks" / notebook.name).write_text(_executed(notebook), encoding="utf-8")
    (clone / "reports" / "01.ipynb").write_text(_executed(NOTEBOOKS[0]), encoding="utf-8")  # a published report
    _git(clone, "add", "notebooks", "reports")

    for notebook in NOTEBOOKS:  # outputs and counts stripped, all else (cell ids too) as committed
        assert _git(clone, "show", f":notebooks/{notebook.name}") == notebook.read_text(encoding="utf-8")
    assert _git(clone, "show", ":reports/01.ipynb") == _executed(NOTEBOOKS[0])  # executed reports keep theirs
