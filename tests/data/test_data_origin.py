"""The embedded samples are read only when asked for; every dataset says where it came from; an
incomplete Caltech-101 folder is refused; the batch runner's data state notices changed data."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from helpers.batch.data_state import data_origins, data_state
from helpers.data import load_dataset, locate
from helpers.data.constants import CALTECH101_CLASSES
from helpers.errors import CorruptDataError, DataNotFoundError, InvalidConfigError

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def isolated_project(monkeypatch, tmp_path):
    """A project data folder of our own holding only a copy of the MNIST sample."""
    project = tmp_path / "project_data"
    (project / "samples").mkdir(parents=True)
    shutil.copy(REPO / "data" / "samples" / "mnist.npz", project / "samples" / "mnist.npz")
    monkeypatch.setattr(locate, "PROJECT_DATA_DIR", project)
    monkeypatch.delenv("HELPERS_DATA_DIR", raising=False)
    return project


def test_full_data_is_never_the_sample_in_disguise(isolated_project):
    with pytest.raises(DataNotFoundError) as raised:
        load_dataset("mnist")
    message = str(raised.value)
    assert "'mnist' not found" in message and str(isolated_project) in message
    assert "python -m helpers.data.download mnist" in message and "\n" not in message


def test_samples_are_read_when_asked_and_say_so(isolated_project):
    data = load_dataset("mnist", samples=True, train_per_class=5, test_per_class=2)
    assert data.origin == {"dataset": "mnist", "kind": "npz", "samples": True,
                           "path": str(isolated_project / "samples" / "mnist.npz")}
    assert any("embedded sample" in note for note in data.notes)
    with pytest.raises(DataNotFoundError, match="cifar100 has no embedded sample"):
        load_dataset("cifar100", samples=True)


def test_a_full_copy_records_its_origin(isolated_project):
    sample = np.load(isolated_project / "samples" / "mnist.npz", allow_pickle=False)
    np.savez(isolated_project / "mnist.npz", **{key: sample[key] for key in sample.files})
    data = load_dataset("mnist")
    assert data.origin == {"dataset": "mnist", "kind": "npz", "samples": False,
                           "path": str(isolated_project / "mnist.npz")}
    assert not any("embedded sample" in note for note in data.notes)


@pytest.mark.parametrize("option, value, message", [
    ("download", "False", "invalid download 'False': expected True or False"),
    ("samples", 1, "invalid samples 1: expected True or False"),
    ("val_fraction", 1.5, "invalid val_fraction 1.5"),
    ("image_size", -1, "invalid image_size -1"),
])
def test_dataset_options_are_checked_before_any_file_is_read(option, value, message):
    with pytest.raises(InvalidConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_dataset("mnist", **{option: value})


def _caltech(root: Path, categories) -> Path:
    folder = root / "caltech101" / "101_ObjectCategories"
    for name in categories:
        (folder / name).mkdir(parents=True)
        (folder / name / "image_0001.jpg").write_bytes(b"not decoded here")
    return folder


def test_an_incomplete_caltech_folder_names_what_is_missing(tmp_path):
    _caltech(tmp_path, [name for name in CALTECH101_CLASSES if name not in ("ant", "wrench")])
    with pytest.raises(CorruptDataError, match="missing \\(or empty\\) 2 of the 101 categories: ant, wrench"):
        locate.find_in(tmp_path, "caltech101")
    shutil.rmtree(tmp_path / "caltech101")
    _caltech(tmp_path, [*CALTECH101_CLASSES, "holiday_photos"])
    with pytest.raises(CorruptDataError, match="not Caltech-101 categories: holiday_photos"):
        locate.find_in(tmp_path, "caltech101")
    shutil.rmtree(tmp_path / "caltech101")
    _caltech(tmp_path, [*CALTECH101_CLASSES, "BACKGROUND_Google"])
    assert locate.find_in(tmp_path, "caltech101")[0] == "caltech"


def test_data_state_changes_when_full_data_replaces_a_sample_or_a_file_changes(isolated_project, tmp_path):
    metrics = {"runs": {"a": {"data_origin": {"dataset": "mnist", "kind": "npz", "samples": False, "path": "x"}},
                        "b": {"data_origin": {"dataset": "mnist", "kind": "npz", "samples": False, "path": "x"}}}}
    origins = data_origins(metrics)
    assert len(origins) == 1
    missing = data_state(origins, None)
    assert missing == [{"dataset": "mnist", "samples": False, "found": False}]
    full = tmp_path / "full"
    full.mkdir()
    shutil.copy(isolated_project / "samples" / "mnist.npz", full / "mnist.npz")
    present = data_state(origins, full)
    assert present[0]["path"] == str(full / "mnist.npz") and present[0]["files"] == 1
    assert data_state(origins, full) == present
    with open(full / "mnist.npz", "ab") as handle:
        handle.write(b"\0")
    assert data_state(origins, full)[0]["digest"] != present[0]["digest"]
