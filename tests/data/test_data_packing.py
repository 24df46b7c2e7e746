"""Packed data for a GPU machine: the JPEG archive (helpers.data.packed), gzipped IDX files, their
lookup by load_dataset, and the pack command (helpers.batch.pack_data) on the embedded samples and on
small hand-made sources; one test packs the real shared data when ../shared/data is there."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import subprocess
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from data_support import SHARED_DATA, make_mnist, npz_arrays, real_data, write_idx, write_npz
from data_support import isolated_lookup  # noqa: F401 - autouse: no test sees the real data folders
from helpers.data import constants, load_dataset, locate
from helpers.batch import pack_data as pack
from helpers.batch.device_import import DECODER_NOTE
from helpers.data.packed import decoded_digest, pixel_error, read_jpeg_archive, write_jpeg_archive
from helpers.data.readers import IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, Splits, read_idx, read_idx_dataset, read_npz
from helpers.errors import CorruptDataError

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "data" / "samples"
TRACKED_BYTES = 42 << 20  # stands in for `git ls-files`: the tests run no git


@pytest.fixture(scope="module")
def cifar_sample() -> Splits:
    return read_npz(SAMPLES / "cifar10.npz")


@pytest.fixture
def packing(monkeypatch, tmp_path):
    """The pack command with the embedded samples where it looks for them and a fixed tracked size."""
    samples = tmp_path / "project_data" / "samples"
    samples.mkdir(parents=True)
    for name in ("cifar10", "mnist"):
        shutil.copy(SAMPLES / f"{name}.npz", samples / f"{name}.npz")
    monkeypatch.setattr(pack, "tracked_tree_bytes", lambda root: TRACKED_BYTES)
    monkeypatch.setattr(pack, "PROJECT_ROOT", tmp_path.resolve())  # the repository whose paths a GPU call carries
    return tmp_path


def _grey_splits(train: int = 12, test: int = 6) -> Splits:
    """Smooth grey 16x16 images (gradients JPEG keeps well), two classes."""
    ramp = np.add.outer(np.arange(16), np.arange(16)) * 4
    images = torch.from_numpy(np.stack([(ramp + 7 * index) % 256 for index in range(train + test)]).astype(np.uint8))
    labels = torch.arange(train + test) % 2
    return Splits(images[:train, None], labels[:train], images[train:, None], labels[train:], classes=("a", "b"))


def _rewrite(path: Path, **changes) -> None:
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    arrays.update(changes)
    for key in [key for key, value in changes.items() if value is None]:
        del arrays[key]
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def test_cifar10_sample_round_trip_through_the_archive(cifar_sample, tmp_path):
    report = write_jpeg_archive(tmp_path / "c.jpeg.npz", cifar_sample, source="a test")
    splits, notes = read_jpeg_archive(tmp_path / "c.jpeg.npz")
    assert splits.classes == cifar_sample.classes
    assert torch.equal(splits.y_train, cifar_sample.y_train) and torch.equal(splits.y_test, cifar_sample.y_test)
    assert splits.x_train.shape == cifar_sample.x_train.shape and splits.x_train.dtype == torch.uint8
    psnr, _ = pixel_error([cifar_sample.x_train.numpy(), cifar_sample.x_test.numpy()],
                          [splits.x_train.numpy(), splits.x_test.numpy()])
    assert psnr > 40 and psnr == pytest.approx(report.psnr_db)
    assert report.archive_bytes < cifar_sample.x_train.numel() // 4  # JPEG is the point of it
    assert notes == (f"re-encoded as JPEG quality 75 (4:2:0) by the packing step from a test; "
                     f"PSNR {report.psnr_db:.1f} dB against the source pixels",)  # same decoder: no mismatch note


def test_header_plus_payload_is_pillows_own_encoding(cifar_sample, tmp_path):
    images = Splits(cifar_sample.x_train[:20], cifar_sample.y_train[:20], cifar_sample.x_test[:5],
                    cifar_sample.y_test[:5], cifar_sample.classes)
    path = tmp_path / "c.jpeg.npz"
    report = write_jpeg_archive(path, images, quality=75, subsampling="4:2:0", source="a test")
    archive = np.load(path, allow_pickle=False)
    header = archive["header"].tobytes()
    assert len(header) == report.header_bytes and header.startswith(b"\xff\xd8") and b"\xff\xda" in header
    for split, source in (("train", images.x_train), ("test", images.x_test)):
        payload, offsets = archive[f"{split}_payload"].tobytes(), archive[f"{split}_offsets"]
        for index, image in enumerate(source.numpy()):
            buffer = io.BytesIO()
            Image.fromarray(image.transpose(1, 2, 0)).save(buffer, format="JPEG", quality=75, subsampling=2)
            assert header + payload[offsets[index]:offsets[index + 1]] == buffer.getvalue()


def test_grey_archive_round_trip(tmp_path):
    grey = _grey_splits()
    write_jpeg_archive(tmp_path / "g.jpeg.npz", grey, source="a test", notes=["a note of the packer"])
    splits, notes = read_jpeg_archive(tmp_path / "g.jpeg.npz")
    assert splits.x_train.shape == (12, 1, 16, 16) and splits.x_test.shape == (6, 1, 16, 16)
    assert (splits.x_train.int() - grey.x_train.int()).abs().float().mean() < 3
    assert "JPEG quality 75 (grey)" in notes[0] and notes[1] == "a note of the packer"
    assert str(np.load(tmp_path / "g.jpeg.npz")["subsampling"]) == "grey"


def test_another_decoder_is_noted_not_refused(tmp_path):
    path = tmp_path / "g.jpeg.npz"
    write_jpeg_archive(path, _grey_splits(), source="a test")
    _rewrite(path, decoded_sha256=np.array(decoded_digest(np.zeros(1, np.uint8), np.zeros(1, np.uint8))))
    splits, notes = read_jpeg_archive(path)
    assert len(splits.y_train) == 12 and "differ from those decoded on the machine that packed" in notes[-1]
    assert DECODER_NOTE in notes[-1]  # what device_import looks for in a run's data notes


@pytest.mark.parametrize("change, message", [
    ({"train_offsets": None}, "missing key(s) train_offsets"),
    ({"test_offsets": np.array([0, 5, 3, 9, 9, 9, 9], dtype=np.int64)}, "bad 'test_offsets'"),
    ({"train_offsets": np.arange(5, dtype=np.int64)}, "'train_offsets' must be 13 integers"),
    ({"y_test": np.full(6, 7, dtype=np.int64)}, "'y_test' out of range"),
    ({"header": np.zeros(0, dtype=np.uint8)}, "image 0 does not decode as JPEG"),
    ({"image_shape": np.array([3, 16, 16])}, "image 0 decodes as L 16x16, expected RGB 16x16"),
])
def test_a_damaged_archive_names_the_file_and_the_problem(tmp_path, change, message):
    path = tmp_path / "g.jpeg.npz"
    write_jpeg_archive(path, _grey_splits(), source="a test")
    _rewrite(path, **change)
    with pytest.raises(CorruptDataError) as raised:
        read_jpeg_archive(path)
    assert str(path) in str(raised.value) and message in str(raised.value)


def test_gzipped_idx_reads_as_the_plain_file(tmp_path):
    plain = write_idx(tmp_path / "x-idx3-ubyte", np.arange(5 * 3 * 4).reshape(5, 3, 4) % 256, IDX_IMAGES_MAGIC)
    packed = tmp_path / "x-idx3-ubyte.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    loaded = read_idx(packed, expected_magic=IDX_IMAGES_MAGIC)
    np.testing.assert_array_equal(loaded, read_idx(plain, expected_magic=IDX_IMAGES_MAGIC))
    assert loaded.flags.writeable
    packed.write_bytes(packed.read_bytes()[:-12])
    with pytest.raises(CorruptDataError, match="not a readable gzip file") as raised:
        read_idx(packed, expected_magic=IDX_IMAGES_MAGIC)
    assert str(packed) in str(raised.value)
    packed.write_bytes(gzip.compress(plain.read_bytes()[:-3]))  # a complete gzip of a truncated IDX file
    with pytest.raises(CorruptDataError, match="IDX file truncated"):
        read_idx(packed, expected_magic=IDX_IMAGES_MAGIC)


def test_load_dataset_finds_gzipped_idx_files_plain_first(tmp_path):
    raw = make_mnist(tmp_path)
    expected = read_idx_dataset(raw, constants.MNIST_CLASSES)
    for index, plain in enumerate(sorted(raw.iterdir())):
        if index % 2 == 0:  # half gzipped, half plain: each file is found on its own
            (raw / f"{plain.name}.gz").write_bytes(gzip.compress(plain.read_bytes()))
            plain.unlink()
    data = load_dataset("mnist", data_dir=tmp_path)
    assert torch.equal(data.x_train, expected.x_train) and "IDX files" in data.source
    shifted = (np.arange(40) + 1) % 10
    write_idx(raw / "train-labels-idx1-ubyte", shifted, IDX_LABELS_MAGIC)  # a plain file beside its .gz wins
    assert locate.find_in(tmp_path, "mnist") == ("idx", raw)
    assert load_dataset("mnist", data_dir=tmp_path).y_train.tolist() == shifted.tolist()
    for path in raw.glob("t10k-images*"):
        path.unlink()
    with pytest.raises(CorruptDataError, match="incomplete mnist folder, missing t10k-images-idx3-ubyte"):
        locate.find_in(tmp_path, "mnist")


def test_load_dataset_reads_a_jpeg_archive_and_says_it_was_re_encoded(cifar_sample, tmp_path):
    write_jpeg_archive(tmp_path / "cifar10.jpeg.npz", cifar_sample, source="a test")
    data = load_dataset("cifar10", data_dir=tmp_path, test_per_class=5)
    assert data.origin["kind"] == "jpeg" and data.source == f"JPEG archive {tmp_path / 'cifar10.jpeg.npz'}"
    assert data.classes == constants.CIFAR10_CLASSES and len(data.y_test) == 50
    assert any("re-encoded as JPEG quality 75" in note for note in data.notes)
    write_npz(tmp_path / "cifar10.npz", **npz_arrays(classes=constants.CIFAR10_CLASSES))
    assert locate.find_in(tmp_path, "cifar10") == ("npz", tmp_path / "cifar10.npz")  # the npz comes first
    assert "cifar10.jpeg.npz" in locate.not_found_message("cifar10", tmp_path)


def test_pack_samples_writes_a_manifest_and_loads(packing, capsys):
    out = packing / "packed"
    assert pack.main(["--studies", "01", "2", "--samples", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["cifar10", "mnist", "total", "GPU machine"]
    assert "re-encoded (JPEG quality 75 4:2:0" in lines[0] and "lossless" in lines[1]
    assert "tracked files 42.0 MiB" in lines[3] and lines[3].endswith("it travels; carry packed/cifar10.jpeg.npz "
                                                                       "packed/MNIST")
    manifest = json.loads((out / "PACKED.json").read_text())
    for record in manifest["datasets"].values():
        for item in record["files"]:
            assert hashlib.sha256((out / item["path"]).read_bytes()).hexdigest() == item["sha256"]
        assert record["from_samples"] and record["command"].startswith("python -m helpers.batch.pack_data --studies 01")
    assert manifest["datasets"]["cifar10"]["encoding"]["psnr_db"] > 40
    assert manifest["datasets"]["mnist"]["lossless"] and manifest["datasets"]["mnist"]["encoding"] is None
    cifar = load_dataset("cifar10", data_dir=out)
    assert len(cifar.y_train) == 1600 and any("packed from the embedded samples" in note for note in cifar.notes)
    mnist = load_dataset("mnist", data_dir=out)
    assert torch.equal(mnist.x_train, read_npz(SAMPLES / "mnist.npz").x_train)  # IDX is lossless
    # gzipped IDX files carry no note of their own: the manifest says they are samples
    assert mnist.origin["samples"] and cifar.origin["samples"]
    assert any("packed from the embedded samples" in note for note in mnist.notes)
    assert sorted(path.name for path in packing.iterdir()) == ["packed", "project_data"]  # no staging left


def test_the_tracked_files_are_counted_in_a_real_git_checkout(tmp_path):
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(tmp_path)]
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "tracked.bin").write_bytes(b"x" * 1000)
    (tmp_path / "untracked.bin").write_bytes(b"y" * 500)
    subprocess.run([*git, "add", "tracked.bin"], check=True)
    assert pack.tracked_tree_bytes(tmp_path) == 1000
    assert pack.tracked_tree_bytes(tmp_path / "no_such_folder") is None


def test_pack_from_a_source_keeps_other_datasets_and_copies_idx_bytes(packing, capsys):
    source, out = packing / "source", packing / "packed"
    write_npz(source / "cifar10.npz", **npz_arrays(classes=constants.CIFAR10_CLASSES))
    raw = make_mnist(source, folder="FashionMNIST")
    assert pack.main(["--studies", "01", "--source", str(source), "--out", str(out)]) == 0
    stale = out / "FashionMNIST" / "raw" / "train-images-idx3-ubyte"  # a plain file would be read before the .gz
    write_idx(stale, np.zeros((1, 28, 28)), IDX_IMAGES_MAGIC)
    assert pack.main(["--studies", "03", "--source", str(source), "--out", str(out), "--quality", "90"]) == 0
    printed = capsys.readouterr().out
    assert "cifar100: skipped, not in" in printed
    assert f"warning: {stale} in {out} is read before the packed fashion_mnist" in printed
    manifest = json.loads((out / "PACKED.json").read_text())
    assert sorted(manifest["datasets"]) == ["cifar10", "fashion_mnist"]
    assert manifest["datasets"]["cifar10"]["encoding"]["quality"] == 90
    assert manifest["datasets"]["cifar10"]["source"]["path"] == "cifar10.npz"
    for plain in raw.iterdir():
        assert gzip.decompress((out / "FashionMNIST" / "raw" / f"{plain.name}.gz").read_bytes()) == plain.read_bytes()


def test_pack_copies_a_caltech_folder_file_by_file(packing):
    folder = packing / "source" / "caltech101" / "101_ObjectCategories"
    for category in constants.CALTECH101_CLASSES:
        (folder / category).mkdir(parents=True)
        Image.new("RGB", (8, 6), (len(category) * 9 % 256, 40, 90)).save(folder / category / "image_0001.jpg")
    (folder / "ant" / "link.jpg").symlink_to(folder / "bass" / "image_0001.jpg")
    out = packing / "packed"
    assert pack.main(["--studies", "04", "--source", str(packing / "source"), "--out", str(out)]) == 0
    copied = out / "caltech101" / "101_ObjectCategories"
    assert sorted(path.relative_to(copied) for path in copied.rglob("*.jpg")) == sorted(
        Path(category, "image_0001.jpg") for category in constants.CALTECH101_CLASSES)
    assert (copied / "ant" / "image_0001.jpg").read_bytes() == (folder / "ant" / "image_0001.jpg").read_bytes()
    record = json.loads((out / "PACKED.json").read_text())["datasets"]["caltech101"]
    assert record["lossless"] and record["files"][0]["files"] == 101


def test_over_budget_writes_nothing(packing, capsys):
    out = packing / "packed"
    assert pack.main(["--studies", "02", "--samples", "--out", str(out), "--budget-mib", "0.5"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "over --budget-mib 0.5" in error and "nothing written" in error
    assert sorted(path.name for path in packing.iterdir()) == ["project_data"]


@pytest.mark.parametrize("arguments, message", [
    (["--studies", "07"], "unknown study id '07'; valid choices: 01, 02, 03, 04, 05"),
    (["--studies", "01", "--quality", "101"], "invalid value '101': expected an integer from 1 to 95"),
    (["--studies", "01", "--samples", "--source", "x"], "not allowed with argument"),
])
def test_bad_arguments_are_one_line_and_exit_2(packing, capsys, arguments, message):
    assert pack.main([*arguments, "--out", str(packing / "packed")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and message in error


def test_the_device_line_says_when_the_pack_will_not_travel(packing, capsys, monkeypatch):
    monkeypatch.setattr(pack, "tracked_tree_bytes", lambda root: 63.5 * (1 << 20))  # + 0.6 MiB of CIFAR-10
    assert pack.main(["--studies", "01", "--samples", "--out", str(packing / "packed")]) == 0
    assert "it will not travel: carry fewer studies per call" in capsys.readouterr().out


@pytest.mark.real_data
@real_data
def test_real_studies_01_and_02_pack_under_60_mib(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(pack, "tracked_tree_bytes", lambda root: TRACKED_BYTES)
    out = tmp_path / "packed"
    assert pack.main(["--studies", "01", "02", "--source", str(SHARED_DATA), "--out", str(out)]) == 0
    manifest = json.loads((out / "PACKED.json").read_text())
    assert sorted(manifest["datasets"]) == ["cifar10", "mnist"] and manifest["total_bytes"] < 60 << 20
    assert manifest["datasets"]["cifar10"]["encoding"]["psnr_db"] > 48
    assert manifest["datasets"]["mnist"]["lossless"]
