"""Tests of helpers.data on small hand-made files: readers, lookup, splits, options, synthetic data,
Caltech decoding and caching, and batch augmentation. Tests marked ``real_data`` also load the
shared datasets and are skipped when ``../shared/data`` is absent."""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from helpers.config import AUGMENTATIONS
from helpers.data import (
    ImageDataset,
    augment_batch,
    available_datasets,
    balanced_subset,
    load_dataset,
    mixup,
    normalize,
    resize_images,
    stratified_split,
)
from helpers.data import augment, caltech, constants, locate
from helpers.data.readers import IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, read_cifar, read_idx, read_npz
from helpers.errors import CorruptDataError, DataNotFoundError, UnknownNameError

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


# ---------------------------------------------------------------- fixture builders


@pytest.fixture(autouse=True)
def isolated_lookup(monkeypatch, tmp_path):
    """No test sees the real project data folder, $HELPERS_DATA_DIR or the user's cache."""
    empty = tmp_path / "project_data"
    empty.mkdir()
    monkeypatch.setattr(locate, "PROJECT_DATA_DIR", empty)
    monkeypatch.delenv("HELPERS_DATA_DIR", raising=False)
    monkeypatch.setenv("HELPERS_CACHE_DIR", str(tmp_path / "default_cache"))


def write_idx(path: Path, array: np.ndarray, magic: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    header = magic.to_bytes(4, "big") + b"".join(int(dim).to_bytes(4, "big") for dim in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())
    return path


def make_mnist(root: Path, folder: str = "MNIST", train: int = 40, test: int = 20, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    raw = root / folder / "raw"
    for prefix, count in (("train", train), ("t10k", test)):
        write_idx(raw / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (count, 28, 28)), IDX_IMAGES_MAGIC)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", np.arange(count) % 10, IDX_LABELS_MAGIC)
    return raw


def npz_arrays(train: int = 30, test: int = 10, classes=("a", "b", "c"), size: int = 8, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, (train, size, size, 3), dtype=np.uint8),
        "y_train": np.arange(train, dtype=np.int64) % len(classes),
        "x_test": rng.integers(0, 256, (test, size, size, 3), dtype=np.uint8),
        "y_test": np.arange(test, dtype=np.int64) % len(classes),
        "classes": np.array(classes),
    }


def write_npz(path: Path, **arrays) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)
    return path


def make_cifar(root: Path, name: str, per_batch: int = 6) -> None:
    """The official pickle layout (written with pickle here; the library reads it via torchvision)."""
    rng = np.random.default_rng(0)
    if name == "cifar10":
        folder, label_key = root / "cifar-10-batches-py", "labels"
        batches = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
        meta_name, meta = "batches.meta", {"label_names": list(constants.CIFAR10_CLASSES)}
    else:
        folder, batches, label_key = root / "cifar-100-python", ["train", "test"], "fine_labels"
        meta_name, meta = "meta", {"fine_label_names": list(constants.CIFAR100_CLASSES)}
    folder.mkdir(parents=True)
    num_classes = len(next(iter(meta.values())))
    for batch in batches:
        entry = {
            "data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
            label_key: [i % num_classes for i in range(per_batch)],
        }
        (folder / batch).write_bytes(pickle.dumps(entry))
    (folder / meta_name).write_bytes(pickle.dumps(meta))


def make_caltech(root: Path) -> Path:
    """Three small categories of distinct colours, a background folder, a stray file, one corrupt JPEG."""
    folder = root / "caltech101" / "101_ObjectCategories"
    colours = {
        "Faces": (200, 30, 30), "ant": (30, 200, 30), "bass": (30, 30, 200), "BACKGROUND_Google": (128, 128, 128),
    }  # fmt: skip
    for index, (category, colour) in enumerate(colours.items()):
        (folder / category).mkdir(parents=True)
        for number in range(1, 6 + index):
            size = (24 + 4 * number, 20) if number % 2 else (20, 30)  # landscape and portrait
            Image.new("RGB", size, colour).save(folder / category / f"image_{number:04d}.jpg", quality=95)
    Image.new("L", (20, 20), 90).save(folder / "ant" / "image_0100.jpg")  # a grey image
    (folder / "ant" / "image_0099.jpg").write_bytes(b"not a jpeg at all")
    (folder / "BACKGROUND_Google" / "tmp").write_bytes(b"stray file without an image suffix")
    return folder


def enable_fake_cifar(monkeypatch) -> None:
    # torchvision checks the MD5 of each official file; fixtures cannot match those sums.
    import torchvision.datasets.cifar as tv_cifar

    monkeypatch.setattr(tv_cifar, "check_integrity", lambda *args, **kwargs: True)


# ---------------------------------------------------------------- readers


def test_read_idx_round_trip(tmp_path):
    array = np.arange(2 * 3 * 4).reshape(2, 3, 4) % 256
    path = write_idx(tmp_path / "x-idx3-ubyte", array, IDX_IMAGES_MAGIC)
    loaded = read_idx(path, expected_magic=IDX_IMAGES_MAGIC)
    assert loaded.shape == (2, 3, 4) and loaded.dtype == np.uint8 and loaded.flags.writeable
    np.testing.assert_array_equal(loaded, array)


def test_read_idx_truncated_names_file(tmp_path):
    path = write_idx(tmp_path / "images-idx3-ubyte", np.zeros((5, 4, 4)), IDX_IMAGES_MAGIC)
    path.write_bytes(path.read_bytes()[:-7])
    with pytest.raises(CorruptDataError, match="truncated") as error:
        read_idx(path, expected_magic=IDX_IMAGES_MAGIC)
    assert str(path) in str(error.value) and "80 data bytes, found 73" in str(error.value)


def test_read_idx_bad_magic_and_short_header(tmp_path):
    path = write_idx(tmp_path / "labels-idx1-ubyte", np.zeros(5), IDX_LABELS_MAGIC)
    with pytest.raises(CorruptDataError, match="bad IDX magic number 2049"):
        read_idx(path, expected_magic=IDX_IMAGES_MAGIC)
    (tmp_path / "tiny").write_bytes(b"\x00\x00")
    with pytest.raises(CorruptDataError, match="too short"):
        read_idx(tmp_path / "tiny", expected_magic=IDX_LABELS_MAGIC)


def test_idx_dataset_label_out_of_range(tmp_path):
    raw = make_mnist(tmp_path)
    write_idx(raw / "t10k-labels-idx1-ubyte", np.full(20, 12), IDX_LABELS_MAGIC)
    with pytest.raises(CorruptDataError, match="out of range") as error:
        load_dataset("mnist", data_dir=tmp_path)
    assert "t10k-labels-idx1-ubyte" in str(error.value)


def test_read_npz_converts_hwc_to_chw(tmp_path):
    arrays = npz_arrays()
    splits = read_npz(write_npz(tmp_path / "d.npz", **arrays))
    assert splits.x_train.shape == (30, 3, 8, 8) and splits.x_train.dtype == torch.uint8
    assert torch.equal(splits.x_train[4, :, 2, 5], torch.from_numpy(arrays["x_train"][4, 2, 5]))
    assert splits.y_test.dtype == torch.int64 and splits.classes == ("a", "b", "c")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"y_test": None}, "missing key"),
        ({"x_train": np.zeros((30, 8, 8, 3), dtype=np.float32)}, "must be uint8"),
        ({"y_train": np.full(30, 3)}, "out of range"),
        ({"y_train": np.zeros(29, dtype=np.int64)}, "29 labels for 30 images"),
        ({"x_test": np.zeros((10, 8), dtype=np.uint8)}, "has shape"),
    ],
)
def test_read_npz_rejects_bad_content(tmp_path, change, message):
    arrays = {**npz_arrays(), **change}
    path = write_npz(tmp_path / "bad.npz", **{key: value for key, value in arrays.items() if value is not None})
    with pytest.raises(CorruptDataError, match=message) as error:
        read_npz(path)
    assert str(path) in str(error.value)


def test_read_npz_truncated_zip(tmp_path):
    path = write_npz(tmp_path / "cut.npz", **npz_arrays(train=200))
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CorruptDataError, match="not a readable .npz") as error:
        read_npz(path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize("name", ["cifar10", "cifar100"])
def test_cifar_pickles_read_through_torchvision(tmp_path, monkeypatch, name):
    make_cifar(tmp_path, name)
    enable_fake_cifar(monkeypatch)
    data = load_dataset(name, data_dir=tmp_path)
    per_batch_train = 30 if name == "cifar10" else 6
    assert data.x_train.shape == (per_batch_train, 3, 32, 32) and data.x_test.shape == (6, 3, 32, 32)
    assert data.classes == constants.CLASS_NAMES[name] and "pickle" in data.source


def test_incomplete_cifar_folder_names_the_missing_file(tmp_path):
    make_cifar(tmp_path, "cifar10")
    (tmp_path / "cifar-10-batches-py" / "data_batch_3").unlink()
    with pytest.raises(CorruptDataError, match="incomplete cifar10 folder, missing data_batch_3$"):
        load_dataset("cifar10", data_dir=tmp_path)


def test_incomplete_mnist_folder_names_the_missing_file(tmp_path):
    raw = make_mnist(tmp_path)
    (raw / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(CorruptDataError, match="incomplete mnist folder, missing t10k-labels-idx1-ubyte$"):
        load_dataset("mnist", data_dir=tmp_path)


def test_cifar_folder_failing_integrity_is_corrupt(tmp_path):
    make_cifar(tmp_path, "cifar10")  # MD5 sums do not match the official ones
    with pytest.raises(CorruptDataError, match="cifar-10-batches-py"):
        read_cifar(tmp_path, "cifar10")


# ---------------------------------------------------------------- lookup


def test_lookup_order_explicit_then_env_then_project(tmp_path, monkeypatch):
    dirs = {place: tmp_path / place for place in ("explicit", "env", "project")}
    for place, directory in dirs.items():
        write_npz(directory / "mnist.npz", **npz_arrays(classes=(place, "x")))
    monkeypatch.setattr(locate, "PROJECT_DATA_DIR", dirs["project"])
    monkeypatch.setenv("HELPERS_DATA_DIR", str(dirs["env"]))
    assert load_dataset("mnist", data_dir=dirs["explicit"]).classes[0] == "explicit"
    assert load_dataset("mnist").classes[0] == "env"
    assert load_dataset("mnist", data_dir=tmp_path / "empty").classes[0] == "env"  # explicit is first, not alone
    monkeypatch.delenv("HELPERS_DATA_DIR")
    assert load_dataset("mnist").classes[0] == "project"


def test_native_layout_wins_over_npz_in_the_same_folder(tmp_path):
    make_mnist(tmp_path)
    write_npz(tmp_path / "mnist.npz", **npz_arrays())
    data = load_dataset("mnist", data_dir=tmp_path)
    assert data.x_train.shape == (40, 1, 28, 28) and "IDX" in data.source


def test_not_found_message_names_dataset_places_and_fixes(tmp_path, monkeypatch):
    monkeypatch.setenv("HELPERS_DATA_DIR", str(tmp_path / "from_env"))
    with pytest.raises(DataNotFoundError) as error:
        load_dataset("fashion_mnist", data_dir=tmp_path / "given")
    message = str(error.value)
    for expected in (
        "'fashion_mnist'", str(tmp_path / "given"), str(tmp_path / "from_env"), str(locate.PROJECT_DATA_DIR),
        "FashionMNIST/raw", "fashion_mnist.npz", "HELPERS_DATA_DIR", "download=True", "make samples",
    ):  # fmt: skip
        assert expected in message


def test_download_goes_to_first_writable_place(tmp_path, monkeypatch):
    import torchvision.datasets as tv_datasets

    class FakeMNIST:  # stands in for torchvision's downloader: no network in tests
        def __init__(self, root, download):
            make_mnist(Path(root))

    monkeypatch.setattr(tv_datasets, "MNIST", FakeMNIST)
    data = load_dataset("mnist", data_dir=tmp_path / "target", download=True)
    assert len(data.y_train) == 40 and (tmp_path / "target" / "MNIST" / "raw").is_dir()


def test_failed_download_is_data_not_found(tmp_path, monkeypatch):
    import torchvision.datasets as tv_datasets

    def offline(root, download):
        raise RuntimeError("no network")

    monkeypatch.setattr(tv_datasets, "CIFAR10", offline)
    with pytest.raises(DataNotFoundError, match="Download failed(.|\n)*no network"):
        load_dataset("cifar10", data_dir=tmp_path, download=True)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"name": "imagenet"}, UnknownNameError, "unknown dataset 'imagenet'; valid choices: caltech101"),
        ({"normalization": "imagenet"}, UnknownNameError, "unknown normalization"),
        ({"val_fraction": 1.0}, ValueError, "val_fraction=1.0"),
        ({"val_fraction": -0.1}, ValueError, "val_fraction=-0.1"),
        ({"train_per_class": 0}, ValueError, "train_per_class=0"),
        ({"test_per_class": -5}, ValueError, "test_per_class=-5"),
        ({"image_size": 0}, ValueError, "image_size=0"),
        ({"synthetic_options": {"num_classes": 3}}, ValueError, "synthetic_options apply only"),
    ],
)
def test_arguments_checked_before_any_file_is_read(tmp_path, kwargs, error, message):
    kwargs = {"name": "cifar100", **kwargs}  # cifar100 is absent: reading would raise DataNotFoundError
    with pytest.raises(error, match=message):
        load_dataset(kwargs.pop("name"), data_dir=tmp_path, **kwargs)


def test_available_datasets():
    assert available_datasets() == ["cifar10", "cifar100", "mnist", "fashion_mnist", "caltech101", "synthetic"]


# ---------------------------------------------------------------- splits and subsets


def test_stratified_split_properties():
    labels = torch.tensor([0] * 50 + [1] * 20 + [2] * 2 + [3] * 1)
    rest, held = stratified_split(labels, 0.2, seed=3)
    assert len(set(rest.tolist()) & set(held.tolist())) == 0
    assert sorted(rest.tolist() + held.tolist()) == list(range(len(labels)))
    assert torch.equal(rest, rest.sort().values)
    held_counts = torch.bincount(labels[held], minlength=4).tolist()
    assert held_counts == [10, 4, 1, 0]  # 20 % of each class; a 2-sample class splits 1/1; a singleton stays
    again = stratified_split(labels, 0.2, seed=3)
    assert torch.equal(again[1], held)
    assert not torch.equal(stratified_split(labels, 0.2, seed=4)[1], held)
    assert len(stratified_split(labels, 0.0, seed=0)[1]) == 0


def test_stratified_split_small_fraction_keeps_one_per_class():
    labels = torch.arange(30) % 3
    _, held = stratified_split(labels, 0.01, seed=0)
    assert torch.bincount(labels[held]).tolist() == [1, 1, 1]
    with pytest.raises(ValueError, match="fraction"):
        stratified_split(labels, 1.0, seed=0)


def test_balanced_subset_properties():
    labels = torch.tensor([0] * 30 + [1] * 5 + [2] * 12)
    chosen = balanced_subset(labels, 10, seed=1)
    assert torch.bincount(labels[chosen]).tolist() == [10, 5, 10]
    assert len(set(chosen.tolist())) == len(chosen)
    assert torch.equal(chosen, balanced_subset(labels, 10, seed=1))
    assert not torch.equal(chosen, balanced_subset(labels, 10, seed=2))
    with pytest.raises(ValueError, match="per_class=0"):
        balanced_subset(labels, 0, seed=0)


# ---------------------------------------------------------------- load_dataset options


def test_resize_and_to_rgb(tmp_path):
    make_mnist(tmp_path)
    data = load_dataset("mnist", data_dir=tmp_path, image_size=32, to_rgb=True, val_fraction=0.25)
    assert isinstance(data, ImageDataset)
    assert data.x_train.shape[1:] == (3, 32, 32) and data.x_val.shape[1:] == (3, 32, 32)
    assert data.x_test.dtype == torch.uint8 and data.x_test.shape == (20, 3, 32, 32)
    assert torch.equal(data.x_train[:, 0], data.x_train[:, 2])
    assert data.mean == (0.1307,) * 3 and data.std == (0.3081,) * 3
    assert any("resized from 28x28 to 32x32" in note for note in data.notes)
    assert any("3 channels" in note for note in data.notes)


def test_resize_images_keeps_flat_images_flat():
    images = torch.full((3, 2, 10, 10), 77, dtype=torch.uint8)
    resized = resize_images(images, 17)
    assert resized.shape == (3, 2, 17, 17) and resized.dtype == torch.uint8 and bool((resized == 77).all())


def test_validation_split_and_class_balanced_subsets(tmp_path):
    write_npz(tmp_path / "cifar10.npz", **npz_arrays(train=300, test=60, classes=constants.CIFAR10_CLASSES))
    data = load_dataset("cifar10", data_dir=tmp_path, val_fraction=0.2, train_per_class=8, test_per_class=3, seed=5)
    assert data.sizes() == {"train": 80, "val": 20, "test": 30}  # val shrinks in proportion: 8 * 0.2 / 0.8 = 2
    assert torch.bincount(data.y_train).tolist() == [8] * 10 and torch.bincount(data.y_val).tolist() == [2] * 10
    assert any("class-balanced subset: 8 train / 3 test images per class" in note for note in data.notes)
    assert any("validation split: 20%" in note for note in data.notes)
    assert any("official split has 50,000 / 10,000" in note for note in data.notes)
    again = load_dataset("cifar10", data_dir=tmp_path, val_fraction=0.2, train_per_class=8, test_per_class=3, seed=5)
    assert torch.equal(again.x_train, data.x_train) and torch.equal(again.x_val, data.x_val)


def test_normalization_constants(tmp_path):
    write_npz(tmp_path / "cifar10.npz", **npz_arrays(classes=constants.CIFAR10_CLASSES))
    assert load_dataset("cifar10", data_dir=tmp_path).mean == (0.4914, 0.4822, 0.4465)
    half = load_dataset("cifar10", data_dir=tmp_path, normalization="half")
    assert half.mean == (0.5, 0.5, 0.5) and half.std == (0.5, 0.5, 0.5)
    assert constants.DATASET_STATS["cifar100"].std == (0.2673, 0.2564, 0.2762)
    assert constants.DATASET_STATS["fashion_mnist"].mean == (0.2860,)
    assert all(stats.source for stats in constants.DATASET_STATS.values())
    cifar100 = list(constants.CIFAR100_CLASSES)
    assert len(set(cifar100)) == 100 and cifar100 == sorted(cifar100)
    assert len(set(constants.CALTECH101_CLASSES)) == 101


# ---------------------------------------------------------------- synthetic


def test_synthetic_is_deterministic_and_sized():
    options = {"num_classes": 7, "image_size": 12, "channels": 1, "train_size": 70, "test_size": 21}
    first = load_dataset("synthetic", synthetic_options=options, seed=3)
    second = load_dataset("synthetic", synthetic_options=options, seed=3)
    assert first.x_train.shape == (70, 1, 12, 12) and first.x_test.shape == (21, 1, 12, 12) and first.num_classes == 7
    assert torch.equal(first.x_train, second.x_train) and torch.equal(first.y_test, second.y_test)
    assert not torch.equal(first.x_train, load_dataset("synthetic", synthetic_options=options, seed=4).x_train)
    assert torch.bincount(first.y_train).tolist() == [10] * 7
    assert any("synthetic" in note for note in first.notes)
    images = first.x_train.double() / 255  # 'dataset' normalisation is measured on the training images
    assert first.mean[0] == pytest.approx(images.mean().item(), abs=1e-4)
    assert first.std[0] == pytest.approx(images.std().item(), abs=1e-3)


def test_synthetic_classes_are_learnable():
    data = load_dataset("synthetic", synthetic_options={"num_classes": 10, "train_size": 500, "test_size": 200})
    x_train, x_test = data.x_train.float().flatten(1), data.x_test.float().flatten(1)
    centroids = torch.stack([x_train[data.y_train == label].mean(0) for label in range(10)])
    assert torch.cdist(centroids, centroids).fill_diagonal_(float("inf")).min() > 50  # class means differ
    predictions = torch.cdist(x_test, centroids).argmin(1)  # nearest class mean: a learnability floor
    assert (predictions == data.y_test).float().mean() > 0.5


def test_synthetic_rejects_unknown_option():
    with pytest.raises(UnknownNameError, match="synthetic option 'classes'"):
        load_dataset("synthetic", synthetic_options={"classes": 3})


# ---------------------------------------------------------------- Caltech-101 folder


def load_fixture_caltech(tmp_path, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = load_dataset("caltech101", data_dir=tmp_path, image_size=16, cache_dir=tmp_path / "cache", **kwargs)
    return data, [str(warning.message) for warning in caught]


def test_caltech_folder_decoding_split_and_warning(tmp_path):
    make_caltech(tmp_path)
    data, messages = load_fixture_caltech(tmp_path)
    assert data.classes == ("Faces", "ant", "bass")  # sorted case-sensitively, background excluded
    assert sum(data.sizes().values()) == 5 + 7 + 7  # ant: 6 colour + 1 grey; the corrupt file skipped
    assert data.x_train.shape[1:] == (3, 16, 16) and data.x_train.dtype == torch.uint8
    assert torch.bincount(data.y_test, minlength=3).tolist() == [1, 1, 1]  # 20 % of each class
    assert len(messages) == 1 and "skipped 1 file(s)" in messages[0] and "image_0099.jpg" in messages[0]
    assert any("1 file(s) skipped" in note for note in data.notes)
    assert any("hold-out" in note for note in data.notes)
    faces = torch.cat([data.x_train[data.y_train == 0], data.x_test[data.y_test == 0]]).float()
    assert (faces[:, 0].mean() - 200).abs() < 8 and (faces[:, 1].mean() - 30).abs() < 8  # colour kept, RGB order


def test_caltech_background_option(tmp_path):
    make_caltech(tmp_path)
    data, _ = load_fixture_caltech(tmp_path, include_background=True)
    assert data.classes == ("BACKGROUND_Google", "Faces", "ant", "bass")
    assert int((torch.cat([data.y_train, data.y_test]) == 0).sum()) == 8  # the stray 'tmp' is not an image


def test_caltech_decode_crops_the_centre(tmp_path):
    image = Image.new("RGB", (60, 20), (255, 0, 0))
    image.paste((0, 255, 0), (20, 0, 40, 20))  # green centre square, red ends
    image.save(tmp_path / "wide.png")
    pixels = caltech.decode_image(tmp_path / "wide.png", 10)
    assert pixels.shape == (10, 10, 3)
    assert pixels[:, 1:-1, 1].min() > 200 and pixels[:, 1:-1, 0].max() < 60  # only the centre survives


def test_caltech_cache_is_written_reused_and_invalidated(tmp_path, monkeypatch):
    folder = make_caltech(tmp_path)
    first, _ = load_fixture_caltech(tmp_path)
    cache_files = list((tmp_path / "cache").glob("caltech101_16px_nobg_*.npz"))
    assert len(cache_files) == 1 and not list((tmp_path / "cache").glob("*.tmp"))

    real_decode = caltech.decode_image

    def must_not_decode(path, size):
        raise AssertionError("decoded although the cache is valid")

    monkeypatch.setattr(caltech, "decode_image", must_not_decode)
    second, _ = load_fixture_caltech(tmp_path)
    assert torch.equal(first.x_train, second.x_train) and torch.equal(first.y_test, second.y_test)
    assert second.notes == first.notes  # the skipped file is remembered by the cache

    calls = []
    monkeypatch.setattr(caltech, "decode_image", lambda path, size: calls.append(path) or real_decode(path, size))
    Image.new("RGB", (20, 20), (9, 9, 9)).save(folder / "bass" / "image_0050.jpg")
    third, _ = load_fixture_caltech(tmp_path)
    assert calls and sum(third.sizes().values()) == sum(first.sizes().values()) + 1
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 2


def test_caltech_unwritable_cache_only_warns_and_empty_folder_is_corrupt(tmp_path):
    folder = make_caltech(tmp_path)
    (tmp_path / "not_a_dir").write_text("a file where the cache folder should be")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = load_dataset("caltech101", data_dir=tmp_path, image_size=8, cache_dir=tmp_path / "not_a_dir")
    assert any("could not write the Caltech-101 cache" in str(warning.message) for warning in caught)
    assert all(warning.filename == __file__ for warning in caught)  # they point at the caller
    assert len(data.y_train) > 0 and "cached" not in data.source
    for category in folder.iterdir():
        for path in category.iterdir():
            path.write_bytes(b"broken")
    with pytest.raises(CorruptDataError, match="no decodable image"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        load_dataset("caltech101", data_dir=tmp_path, image_size=8, cache_dir=tmp_path / "cache")


def test_caltech_cache_dir_from_environment(tmp_path, monkeypatch):
    make_caltech(tmp_path)
    monkeypatch.setenv("HELPERS_CACHE_DIR", str(tmp_path / "env_cache"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        load_dataset("caltech101", data_dir=tmp_path, image_size=8)
    assert len(list((tmp_path / "env_cache").glob("caltech101_8px_nobg_*.npz"))) == 1


# ---------------------------------------------------------------- augmentation


def random_batch(batch=32, channels=3, size=16, seed=0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (batch, channels, size, size), generator=generator, dtype=torch.uint8)


@pytest.mark.parametrize("policy", AUGMENTATIONS)
@pytest.mark.parametrize("channels", [1, 3])
def test_augment_output_contract(policy, channels):
    images = random_batch(channels=channels)
    output = augment_batch(images, policy, generator=torch.Generator().manual_seed(0))
    assert output.dtype == torch.float32 and output.shape == images.shape
    assert output.min() >= 0 and output.max() <= 1
    again = augment_batch(images, policy, generator=torch.Generator().manual_seed(0))
    assert torch.equal(output, again)
    if policy != "none":
        other = augment_batch(images, policy, generator=torch.Generator().manual_seed(1))
        assert not torch.equal(output, other)


def test_augment_none_is_division_by_255_and_global_rng_works():
    images = random_batch()
    assert torch.equal(augment_batch(images, "none"), images.float() / 255)
    assert augment_batch(images, "crop_flip").shape == images.shape  # generator=None: torch's global RNG


def test_flip_mirrors_exactly():
    images = random_batch(batch=64)
    output = augment_batch(images, "flip", generator=torch.Generator().manual_seed(0))
    same = (output == images.float() / 255).flatten(1).all(1)
    mirrored = (output == images.flip(3).float() / 255).flatten(1).all(1)
    assert bool((same | mirrored).all()) and 10 < int(mirrored.sum()) < 54


def test_crop_moves_a_bright_pixel_by_at_most_the_padding():
    images = torch.zeros(200, 1, 16, 16, dtype=torch.uint8)
    images[:, 0, 8, 8] = 255
    output = augment_batch(images, "crop_flip", crop_padding=3, generator=torch.Generator().manual_seed(0))
    positions = torch.nonzero(output[:, 0] == 1.0)  # [image, row, col]; the pixel is never cropped away
    assert len(positions) == 200
    rows, cols = positions[:, 1], positions[:, 2]
    unflipped, flipped = (cols - 8).abs(), (15 - cols - 8).abs()  # a flip sends column 8 to column 7
    assert bool(((rows - 8).abs() <= 3).all()) and bool((torch.minimum(unflipped, flipped) <= 3).all())
    assert len(set(zip(rows.tolist(), cols.tolist()))) > 20  # it really moves


def test_crop_flip_output_is_a_shifted_copy_with_zero_fill():
    images = random_batch(batch=12, size=8)
    output = augment_batch(images, "crop_flip", crop_padding=2, generator=torch.Generator().manual_seed(2))
    output = (output * 255).round()
    padded = torch.nn.functional.pad(images, (2, 2, 2, 2)).float()
    for image, result in zip(padded, output):
        candidates = [window for dy in range(5) for dx in range(5) for window in (image[:, dy : dy + 8, dx : dx + 8],)]
        candidates += [window.flip(2) for window in candidates]
        assert any(torch.equal(result, window) for window in candidates)


def test_study5_changes_images_and_reduces_to_crop_flip_without_its_extras(monkeypatch):
    images = random_batch(batch=16)
    output = augment_batch(images, "study5", generator=torch.Generator().manual_seed(0))
    assert (output - images.float() / 255).abs().mean() > 0.05
    for strength in ("ROTATION_DEGREES", "TRANSLATE", "BRIGHTNESS", "CONTRAST", "SATURATION", "HUE"):
        monkeypatch.setattr(augment, f"STUDY5_{strength}", 0.0)
    # With rotation, translation and jitter off, the one affine warp must equal the integer crop+flip.
    plain = augment_batch(images, "study5", generator=torch.Generator().manual_seed(0))
    reference = augment_batch(images, "crop_flip", generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(plain, reference, atol=2e-5, rtol=0)


def test_augment_rejects_bad_input():
    with pytest.raises(UnknownNameError, match="unknown augmentation 'cutout'"):
        augment_batch(random_batch(), "cutout")
    with pytest.raises(ValueError, match="uint8"):
        augment_batch(random_batch().float(), "flip")
    with pytest.raises(ValueError, match="crop_padding"):
        augment_batch(random_batch(), "crop_flip", crop_padding=-1)


def test_normalize_broadcasts_over_channels():
    images = torch.rand(4, 3, 5, 5)
    result = normalize(images, (0.1, 0.2, 0.3), (0.5, 0.25, 2.0))
    torch.testing.assert_close(result[:, 1], (images[:, 1] - 0.2) / 0.25)
    grey = torch.rand(4, 1, 5, 5)
    torch.testing.assert_close(normalize(grey, (0.5,), (0.5,)), grey * 2 - 1)
    torch.testing.assert_close(normalize(images, (0.5,), (0.5,)), images * 2 - 1)
    channels_last = normalize(images, (0.1, 0.2, 0.3), (0.5, 0.25, 2.0), memory_format=torch.channels_last)
    assert channels_last.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(channels_last, result)
    with pytest.raises(ValueError, match="do not fit 3 channel"):
        normalize(images, (0.1, 0.2), (1.0, 1.0))
    with pytest.raises(TypeError, match="float"):
        normalize(random_batch(), (0.5,), (0.5,))


def test_mixup_mixes_with_one_lambda_and_permutation():
    images = torch.rand(10, 3, 4, 4)
    labels = torch.arange(10)  # unique labels reveal the permutation
    mixed, labels_a, labels_b, lam = mixup(images, labels, 0.4, torch.Generator().manual_seed(0))
    assert 0 <= float(lam) <= 1 and lam.ndim == 0
    assert torch.equal(labels_a, labels) and sorted(labels_b.tolist()) == list(range(10))
    torch.testing.assert_close(mixed, lam * images + (1 - lam) * images[labels_b])
    again = mixup(images, labels, 0.4, torch.Generator().manual_seed(0))
    assert torch.equal(again[0], mixed) and float(again[3]) == float(lam)
    with pytest.raises(ValueError, match="alpha"):
        mixup(images, labels, 0.0)


@pytest.mark.parametrize("alpha", [0.2, 1.0, 4.0])
def test_mixup_lambda_follows_beta(alpha):
    samples = augment._sample_beta(alpha, 20_000, torch.Generator().manual_seed(0), torch.device("cpu"))
    assert bool(((samples >= 0) & (samples <= 1)).all()) and torch.isfinite(samples).all()
    assert samples.mean().item() == pytest.approx(0.5, abs=0.01)
    assert samples.var().item() == pytest.approx(1 / (4 * (2 * alpha + 1)), rel=0.05)  # Beta(a, a) variance


# ---------------------------------------------------------------- the real shared datasets


real_data = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="needs ../shared/data")


@pytest.mark.real_data
@real_data
@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_real_idx_datasets(name):
    data = load_dataset(name, data_dir=SHARED_DATA)
    assert data.sizes() == {"train": 60_000, "val": 0, "test": 10_000}
    assert data.x_train.shape[1:] == (1, 28, 28)
    assert data.x_train.float().mean().item() / 255 == pytest.approx(constants.DATASET_STATS[name].mean[0], abs=5e-4)


@pytest.mark.real_data
@real_data
def test_real_cifar10_npz():
    data = load_dataset("cifar10", data_dir=SHARED_DATA, test_per_class=100)
    assert data.x_train.shape[1:] == (3, 32, 32) and len(data.y_test) == 1000
    assert data.classes == constants.CIFAR10_CLASSES
    assert torch.bincount(data.y_train).tolist() == [len(data.y_train) // 10] * 10


@pytest.mark.real_data
@real_data
def test_real_caltech101(tmp_path):
    data = load_dataset("caltech101", data_dir=SHARED_DATA, cache_dir=tmp_path)
    assert sum(data.sizes().values()) == 8677 and data.classes == constants.CALTECH101_CLASSES
    assert data.x_train.shape[1:] == (3, 64, 64)
    measured = (torch.cat([data.x_train, data.x_test]).double() / 255).mean(dim=(0, 2, 3))
    assert measured.tolist() == pytest.approx(constants.DATASET_STATS["caltech101"].mean, abs=1e-3)
