"""helpers.data.caltech: decoding the Caltech-101 folder, its split, the background option, and
the decoded-image cache."""

from __future__ import annotations

import warnings

import pytest
import torch
from PIL import Image

from data_support import make_caltech
from data_support import isolated_lookup  # noqa: F401 - autouse: no test sees the real data folders
from helpers.data import caltech, load_dataset, locate
from helpers.errors import CorruptDataError


@pytest.fixture(autouse=True)
def three_category_caltech(monkeypatch):
    """The fixture folder holds 3 of the 101 categories: let the completeness check expect those
    (tests/test_data_origin.py checks it against the real list)."""
    monkeypatch.setattr(locate, "CALTECH101_CLASSES", ("Faces", "ant", "bass"))


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
