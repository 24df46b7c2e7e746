"""helpers.data.locate: where load_dataset looks (explicit folder, $HELPERS_DATA_DIR, the project's
data folder), what it says when nothing is found, and where a download goes."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_support import make_mnist, npz_arrays, write_npz
from data_support import isolated_lookup  # noqa: F401 - autouse: no test sees the real data folders
from helpers.data import load_dataset, locate
from helpers.errors import InvalidConfigError, DataNotFoundError


def test_lookup_order_explicit_then_env_then_project(tmp_path, monkeypatch):
    dirs = {place: tmp_path / place for place in ("explicit", "env", "project")}
    for place, directory in dirs.items():
        write_npz(directory / "mnist.npz", **npz_arrays(classes=(place, *"123456789")))  # MNIST's 10 classes
    monkeypatch.setattr(locate, "PROJECT_DATA_DIR", dirs["project"])
    monkeypatch.setenv("HELPERS_DATA_DIR", str(dirs["env"]))
    assert load_dataset("mnist", data_dir=dirs["explicit"]).classes[0] == "explicit"
    assert load_dataset("mnist").classes[0] == "env"
    (tmp_path / "empty").mkdir()
    assert load_dataset("mnist", data_dir=tmp_path / "empty").classes[0] == "env"  # explicit is first, not alone
    with pytest.raises(InvalidConfigError, match="invalid data_dir .*: no such folder"):
        load_dataset("mnist", data_dir=tmp_path / "missing")  # a typo is an error, not a reason to look elsewhere
    monkeypatch.delenv("HELPERS_DATA_DIR")
    assert load_dataset("mnist").classes[0] == "project"


def test_native_layout_wins_over_npz_in_the_same_folder(tmp_path):
    make_mnist(tmp_path)
    write_npz(tmp_path / "mnist.npz", **npz_arrays())
    data = load_dataset("mnist", data_dir=tmp_path)
    assert data.x_train.shape == (40, 1, 28, 28) and "IDX" in data.source


def test_not_found_message_names_dataset_places_and_fixes(tmp_path, monkeypatch):
    monkeypatch.setenv("HELPERS_DATA_DIR", str(tmp_path / "from_env"))
    (tmp_path / "from_env").mkdir()
    (tmp_path / "given").mkdir()
    with pytest.raises(DataNotFoundError) as error:
        load_dataset("fashion_mnist", data_dir=tmp_path / "given")
    message = str(error.value)
    for expected in (
        "'fashion_mnist'", str(tmp_path / "given"), str(tmp_path / "from_env"), str(locate.PROJECT_DATA_DIR),
        "FashionMNIST/raw", "fashion_mnist.npz", "HELPERS_DATA_DIR", "download=True",
        f"python -m helpers.data.download fashion_mnist --data-dir {tmp_path / 'given'}",
    ):  # fmt: skip
        assert expected in message
    assert "\n" not in message and "samples" not in message  # one line; the samples are not a fallback


def test_download_goes_to_first_writable_place(tmp_path, monkeypatch):
    import torchvision.datasets as tv_datasets

    class FakeMNIST:  # stands in for torchvision's downloader: no network in tests
        def __init__(self, root, download):
            make_mnist(Path(root))

    monkeypatch.setattr(tv_datasets, "MNIST", FakeMNIST)
    (tmp_path / "target").mkdir()
    data = load_dataset("mnist", data_dir=tmp_path / "target", download=True)
    assert len(data.y_train) == 40 and (tmp_path / "target" / "MNIST" / "raw").is_dir()


def test_failed_download_is_data_not_found(tmp_path, monkeypatch):
    import torchvision.datasets as tv_datasets

    def offline(root, download):
        raise RuntimeError("no network")

    monkeypatch.setattr(tv_datasets, "CIFAR10", offline)
    with pytest.raises(DataNotFoundError, match="The download failed: .*no network"):
        load_dataset("cifar10", data_dir=tmp_path, download=True)
