"""The study notebooks' shared contract: a thin notebook with one parameters cell and the same
sections in the same order, and a mistyped papermill parameter that stops it before any work
(papermill itself only warns)."""

import re
from pathlib import Path

import nbformat
import pytest

from helpers.errors import InvalidConfigError
from helpers.studies.common.parameters import assigned_names, reject_unknown_parameters
from helpers.studies.registry import STUDIES

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = [REPO / "notebooks" / study.notebook for study in STUDIES]
COMMON_PARAMETERS = ("profile", "data_dir", "device", "seeds", "epochs", "batch_size", "runs", "output_dir",
                     "torchrun_processes", "progress")
# Every notebook's sections, in this order (tables and figures between Training and Recorded results).
# The answer first (issue 29): its answer and claims ledger right after the training, then the
# evidence, then how it was made.
SECTIONS = ("## Imports", "## Parameters", "## Training", "## Answer", "## Claims", "## Method and settings",
            "## Recorded results")
PARAMETERS_CELL = 'profile = "smoke"  # smoke | quick | paper\nepochs = None\nseeds: list = [0]\n'


def test_assigned_names_reads_plain_and_annotated_assignments():
    assert assigned_names(PARAMETERS_CELL) == ["profile", "epochs", "seeds"]
    assert assigned_names("this is not python") == []


def test_a_mistyped_injected_name_is_rejected_with_a_suggestion():
    history = ["", "import x", PARAMETERS_CELL, '# Parameters\nprofile = "quick"\nepoch = 3\n']
    with pytest.raises(InvalidConfigError) as raised:
        reject_unknown_parameters(history)
    assert str(raised.value) == ("unknown parameter(s) 'epoch' (did you mean 'epochs'?); "
                                 "valid parameters: epochs, profile, seeds")


def test_known_names_and_interactive_sessions_pass():
    reject_unknown_parameters(["", PARAMETERS_CELL, '# Parameters\nprofile = "quick"\nepochs = 3\n'])
    reject_unknown_parameters(["", PARAMETERS_CELL, "epoch = 3"])  # no papermill cell: nothing to check


@pytest.mark.slow
def test_papermill_with_a_typo_fails_at_the_check_cell(tmp_path):
    import papermill
    from papermill.exceptions import PapermillExecutionError

    notebook = REPO / "notebooks" / "05_sub5m_resnet.ipynb"
    with pytest.raises(PapermillExecutionError) as raised:
        papermill.execute_notebook(str(notebook), str(tmp_path / "out.ipynb"), kernel_name="python3",
                                   parameters={"epoch": 1, "output_dir": str(tmp_path / "study")},
                                   cwd=str(notebook.parent), progress_bar=False)
    assert raised.value.ename == "InvalidConfigError"
    assert "unknown parameter(s) 'epoch' (did you mean 'epochs'?)" in raised.value.evalue
    assert not (tmp_path / "study").exists()  # stopped before any run was written


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name[:2])
def test_notebook_follows_the_contract(path):
    notebook = nbformat.read(path, as_version=4)
    assert notebook.metadata["kernelspec"]["name"] == "resnet-studies"  # the kernel `make venv` registers
    assert notebook.cells[0].cell_type == "markdown"
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    tagged = [cell for cell in code if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1
    for name in COMMON_PARAMETERS:
        assert any(line.startswith(f"{name} = ") for line in tagged[0].source.splitlines()), name
    for line in tagged[0].source.splitlines():  # papermill --help-notebook shows the type and the help
        assert re.match(r"^\w+ = .+  # type: \S+ \S", line), line
    after = code[code.index(tagged[0]) + 1]
    assert after.source.startswith("study_parameters.reject_unknown_parameters(In)")
    for cell in code:
        assert not cell.get("outputs") and cell.get("execution_count") is None
        statements = [line.lstrip() for line in cell.source.splitlines()]
        assert not any(line.startswith(("def ", "for ", "while ", "class ")) for line in statements)
        assert ".style" not in cell.source, cell.source  # every table goes through show_table
    assert sum("running.run_plan(" in cell.source for cell in code) >= 1  # the notebook's parameters, not six
    assert sum("show_table(" in cell.source for cell in code) >= 5


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name[:2])
def test_notebook_sections_come_in_the_common_order(path):
    notebook = nbformat.read(path, as_version=4)
    headings = [cell.source.splitlines()[0] for cell in notebook.cells if cell.cell_type == "markdown"]
    assert headings[0].startswith("# ") and notebook.cells[0].cell_type == "markdown"  # the claim first
    positions = [next(index for index, heading in enumerate(headings) if heading.startswith(section))
                 for section in SECTIONS]
    assert positions == sorted(positions) and positions[0] == 1, headings
    assert positions[3] == positions[2] + 1 and positions[4] == positions[3] + 1, headings  # nothing before the answer
    assert positions[5] - positions[4] >= 3, headings  # the evidence (tables and figures) after the claims


def test_every_notebook_in_the_folder_is_a_registered_study():
    assert sorted((REPO / "notebooks").glob("*.ipynb")) == sorted(NOTEBOOKS)
    assert all(path.is_file() for path in NOTEBOOKS)
