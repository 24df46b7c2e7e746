"""Tests of the embedded samples: scripts/make_samples.py on tiny hand-made sources (balance, counts,
schema, manifest, determinism, Caltech hold-out), the lookup of data/samples, and the committed
files themselves (they load, are balanced, carry the "sample" note and fit the size budget)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from helpers.data import constants, load_dataset, locate
from helpers.data.readers import IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC
from helpers.errors import DataNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = PROJECT_ROOT / "scripts" / "make_samples.py"
COMMITTED = PROJECT_ROOT / "data" / "samples"
SAMPLE_FILES = ("cifar10.npz", "mnist.npz", "fashion_mnist.npz", "caltech101.npz")
CALTECH_FIXTURE = {"alpha": 10, "beta": 10, "gamma": 4}  # images per category; gamma is the small class


def _load_script():
    spec = importlib.util.spec_from_file_location("make_samples", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_samples = _load_script()


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch, tmp_path):
    """No test reads $HELPERS_DATA_DIR or writes the user's cache."""
    monkeypatch.delenv("HELPERS_DATA_DIR", raising=False)
    monkeypatch.setenv("HELPERS_CACHE_DIR", str(tmp_path / "default_cache"))


# ---------------------------------------------------------------- fixture builders


def write_idx(path: Path, array: np.ndarray, magic: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    header = magic.to_bytes(4, "big") + b"".join(int(dim).to_bytes(4, "big") for dim in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def make_source(root: Path, *, train_per_class: int = 6, test_per_class: int = 4) -> Path:
    """A tiny full-data folder: CIFAR-10 as npz, MNIST and Fashion-MNIST as IDX, a Caltech folder."""
    root.mkdir(parents=True)
    rng = np.random.default_rng(0)
    train, test = 10 * train_per_class, 10 * test_per_class
    np.savez_compressed(
        root / "cifar10.npz",
        x_train=rng.integers(0, 256, (train, 32, 32, 3), dtype=np.uint8),
        y_train=np.arange(train, dtype=np.int64) % 10,
        x_test=rng.integers(0, 256, (test, 32, 32, 3), dtype=np.uint8),
        y_test=np.arange(test, dtype=np.int64) % 10,
        classes=np.array(constants.CIFAR10_CLASSES),
    )
    for folder in ("MNIST", "FashionMNIST"):
        raw = root / folder / "raw"
        for prefix, count in (("train", train), ("t10k", test)):
            write_idx(raw / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (count, 28, 28)), IDX_IMAGES_MAGIC)
            write_idx(raw / f"{prefix}-labels-idx1-ubyte", rng.permutation(np.arange(count) % 10), IDX_LABELS_MAGIC)
    categories = root / "caltech101" / "101_ObjectCategories"
    for name, count in {**CALTECH_FIXTURE, constants.CALTECH101_BACKGROUND: 3}.items():
        (categories / name).mkdir(parents=True)
        for index in range(count):
            mode = "L" if index == 0 else "RGB"  # a grey image must come out RGB
            pixels = rng.integers(0, 256, (30, 40) if mode == "L" else (30, 40, 3), dtype=np.uint8)
            Image.fromarray(pixels, mode=mode).save(categories / name / f"image_{index + 1:04d}.jpg", quality=90)
    (categories / constants.CALTECH101_BACKGROUND / "tmp").write_bytes(b"stray file of the original distribution")
    return root


@pytest.fixture(autouse=True)
def fixture_caltech_categories(monkeypatch):
    """The fixture's Caltech-101 holds its own three categories: the completeness check expects those."""
    monkeypatch.setattr(locate, "CALTECH101_CLASSES", tuple(CALTECH_FIXTURE))


@pytest.fixture
def source(tmp_path) -> Path:
    return make_source(tmp_path / "source")


def run_script(source: Path, out: Path, cache: Path, *extra: str) -> int:
    return make_samples.main(
        ["--source", str(source), "--out", str(out), "--train-per-class", "5", "--test-per-class", "2",
         "--caltech-size", "16", "--cache-dir", str(cache), *extra]
    )  # fmt: skip


def per_class(labels: torch.Tensor, num_classes: int) -> list[int]:
    return torch.bincount(labels, minlength=num_classes).tolist()


# ---------------------------------------------------------------- the script


def test_script_writes_balanced_samples_that_load(source, tmp_path, capsys):
    out = tmp_path / "samples"
    assert run_script(source, out, tmp_path / "cache") == 0
    assert sorted(path.name for path in out.iterdir()) == sorted([*SAMPLE_FILES, "MANIFEST.json"])
    printed = capsys.readouterr().out
    assert all(file_name in printed for file_name in SAMPLE_FILES) and "total" in printed

    expected_shapes = {"cifar10": (3, 32, 32), "mnist": (1, 28, 28), "fashion_mnist": (1, 28, 28)}
    for name, shape in expected_shapes.items():
        data = load_dataset(name, data_dir=out)
        assert data.classes == constants.CLASS_NAMES[name]
        assert data.x_train.shape == (50, *shape) and data.x_test.shape == (20, *shape)
        assert per_class(data.y_train, 10) == [5] * 10 and per_class(data.y_test, 10) == [2] * 10
        assert not any("embedded sample" in note for note in data.notes)  # only data/samples gets that note

    caltech = load_dataset("caltech101", data_dir=out)
    assert caltech.classes == tuple(CALTECH_FIXTURE)  # BACKGROUND_Google excluded
    assert caltech.x_train.shape[1:] == (3, 16, 16) and caltech.x_train.dtype == torch.uint8
    # gamma has 4 images: the 20 % hold-out takes 1, leaving 3 for training; it keeps what it has.
    assert per_class(caltech.y_train, 3) == [5, 5, 3] and per_class(caltech.y_test, 3) == [2, 2, 1]


def test_script_files_follow_the_schema(source, tmp_path):
    out = tmp_path / "samples"
    run_script(source, out, tmp_path / "cache")
    for file_name in SAMPLE_FILES:
        with np.load(out / file_name, allow_pickle=False) as archive:
            assert archive.files == ["x_train", "y_train", "x_test", "y_test", "classes"]
            assert archive["x_train"].dtype == np.uint8 and archive["y_train"].dtype == np.int64
            assert archive["classes"].dtype.kind == "U"
            assert archive["x_train"].ndim == (3 if "mnist" in file_name else 4)
            if archive["x_train"].ndim == 4:
                assert archive["x_train"].shape[-1] == 3  # NHWC


def test_samples_are_source_images_from_the_right_split(source, tmp_path):
    out = tmp_path / "samples"
    run_script(source, out, tmp_path / "cache")
    for name, size in (("cifar10", None), ("mnist", None), ("caltech101", 16)):
        full = load_dataset(name, data_dir=source, image_size=size, cache_dir=tmp_path / "cache")
        sample = load_dataset(name, data_dir=out)
        for split in ("train", "test"):
            known = {(image.numpy().tobytes(), int(label)) for image, label in
                     zip(getattr(full, f"x_{split}"), getattr(full, f"y_{split}"))}  # fmt: skip
            for image, label in zip(getattr(sample, f"x_{split}"), getattr(sample, f"y_{split}")):
                assert (image.numpy().tobytes(), int(label)) in known  # Caltech: helpers' own hold-out


def test_manifest_matches_the_files(source, tmp_path):
    out = tmp_path / "samples"
    run_script(source, out, tmp_path / "cache")
    manifest = json.loads((out / "MANIFEST.json").read_text())
    assert manifest["command"].startswith("python scripts/make_samples.py --source ")
    assert "--train-per-class 5" in manifest["command"]
    assert sorted(manifest["files"]) == sorted(SAMPLE_FILES)
    assert manifest["total_bytes"] == sum((out / file_name).stat().st_size for file_name in SAMPLE_FILES)
    for file_name, entry in manifest["files"].items():
        content = (out / file_name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(content).hexdigest() and entry["bytes"] == len(content)
        with np.load(out / file_name, allow_pickle=False) as archive:
            assert {key: list(archive[key].shape) for key in archive.files} == entry["shapes"]
            for split in ("train", "test"):
                counts = np.bincount(archive[f"y_{split}"], minlength=len(archive["classes"])).tolist()
                assert list(entry["per_class"][split].values()) == counts
                assert list(entry["per_class"][split]) == archive["classes"].tolist()
    assert manifest["files"]["cifar10.npz"]["source"] == {"layout": "npz", "path": "cifar10.npz"}
    assert manifest["files"]["mnist.npz"]["source"] == {"layout": "idx", "path": "MNIST/raw"}


def test_script_is_deterministic(source, tmp_path):
    out = tmp_path / "samples"
    run_script(source, out, tmp_path / "cache")
    first = {path.name: path.read_bytes() for path in out.iterdir()}
    run_script(source, out, tmp_path / "cache")  # second Caltech read comes from the cache: same pixels
    assert {path.name: path.read_bytes() for path in out.iterdir()} == first


def test_script_refuses_an_incomplete_source(tmp_path, capsys):
    (tmp_path / "source").mkdir()
    np.savez_compressed(tmp_path / "source" / "cifar10.npz", x_train=np.zeros(1))  # the others are missing
    assert run_script(tmp_path / "source", tmp_path / "samples", tmp_path / "cache") == 2
    assert "mnist, fashion_mnist, caltech101" in capsys.readouterr().err
    assert not (tmp_path / "samples").exists()


def test_script_runs_from_the_command_line(tmp_path):
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--source", str(tmp_path), "--out", str(tmp_path / "samples")],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2 and "not in" in result.stderr


# ---------------------------------------------------------------- lookup of data/samples


def test_samples_are_read_only_when_asked_for_and_noted(tmp_path, monkeypatch):
    project = tmp_path / "project_data"
    monkeypatch.setattr(locate, "PROJECT_DATA_DIR", project)
    make_source(tmp_path / "source")
    run_script(tmp_path / "source", project / "samples", tmp_path / "cache")
    assert all(origin != "embedded samples" for _, origin in locate.search_dirs())
    with pytest.raises(DataNotFoundError):
        load_dataset("mnist")  # the full data was asked for: the sample is no stand-in for it

    data = load_dataset("mnist", samples=True)
    assert str(project / "samples" / "mnist.npz") in data.source
    notes = [note for note in data.notes if "sample" in note]
    assert notes == ["embedded sample subset (data/samples): 50 train / 20 test images, a few per class; "
                     "the full dataset gives the paper's numbers"]  # fmt: skip
    assert any("sample" in note for note in load_dataset("mnist", data_dir=project / "samples").notes)

    with np.load(project / "samples" / "mnist.npz") as archive:
        np.savez_compressed(project / "mnist.npz", **dict(archive))
    data = load_dataset("mnist")  # a full copy in data/ itself
    assert str(project / "mnist.npz") in data.source and not any("embedded sample" in n for n in data.notes)
    assert "embedded sample" in " ".join(load_dataset("mnist", samples=True).notes)  # still the sample when asked


def test_a_missing_sample_says_how_to_rebuild_it(tmp_path, monkeypatch):
    monkeypatch.setattr(locate, "PROJECT_DATA_DIR", tmp_path / "project_data")
    with pytest.raises(DataNotFoundError) as error:
        load_dataset("cifar10", samples=True)
    assert "embedded sample" in str(error.value) and "make samples" in str(error.value)
    with pytest.raises(DataNotFoundError, match="cifar100 has no embedded sample"):
        load_dataset("cifar100", samples=True)


def test_download_never_writes_into_the_samples(tmp_path, monkeypatch):
    import torchvision.datasets as tv_datasets

    tried = []

    class FailingMNIST:  # records where a download was attempted, then fails like an offline machine
        def __init__(self, root, download):
            tried.append(Path(root))
            raise OSError("offline")

    monkeypatch.setattr(tv_datasets, "MNIST", FailingMNIST)
    monkeypatch.setattr(locate, "PROJECT_DATA_DIR", tmp_path / "project_data")
    with pytest.raises(DataNotFoundError):
        load_dataset("mnist", download=True)
    assert tried == [tmp_path / "project_data"]


# ---------------------------------------------------------------- the committed samples


def test_committed_samples_load_balanced_with_a_sample_note(monkeypatch):
    monkeypatch.setattr(locate, "CALTECH101_CLASSES", constants.CALTECH101_CLASSES)  # the real list, not the fixture's
    manifest = json.loads((COMMITTED / "MANIFEST.json").read_text())
    assert sorted(manifest["files"]) == sorted(SAMPLE_FILES)
    shapes = {"cifar10": (3, 32, 32), "mnist": (1, 28, 28), "fashion_mnist": (1, 28, 28), "caltech101": (3, 64, 64)}
    for name, shape in shapes.items():
        entry = manifest["files"][f"{name}.npz"]
        data = load_dataset(name, data_dir=locate.samples_dir())
        assert data.classes == constants.CLASS_NAMES[name]
        assert data.x_train.shape[1:] == shape and data.x_test.shape[1:] == shape
        for split in ("train", "test"):
            counts = per_class(getattr(data, f"y_{split}"), data.num_classes)
            assert counts == list(entry["per_class"][split].values())
            assert set(counts) == {entry["per_class_requested"][split]}  # every class has the full count
        assert any("sample" in note for note in data.notes)
        if name == "caltech101":  # the npz cannot show the folder's decoding and hold-out: the note says it
            assert any("20% hold-out" in note for note in data.notes)
        assert hashlib.sha256((COMMITTED / f"{name}.npz").read_bytes()).hexdigest() == entry["sha256"]


def test_committed_samples_fit_the_size_budget():
    total = sum(path.stat().st_size for path in COMMITTED.iterdir())
    assert total <= 20_000_000


def test_committed_samples_are_found_when_asked_for():
    for name in ("cifar10", "mnist", "fashion_mnist", "caltech101"):
        kind, path = locate.locate_dataset(name, samples=True)  # raises when the sample is not there
        assert kind == "npz" and path == locate.samples_dir() / f"{name}.npz" and path.exists()
