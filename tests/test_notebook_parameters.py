"""A mistyped papermill parameter stops a study notebook before any work (papermill only warns)."""

from pathlib import Path

import pytest

from helpers.errors import InvalidConfigError
from helpers.studies.common import assigned_names, reject_unknown_parameters

REPO = Path(__file__).resolve().parents[1]
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
