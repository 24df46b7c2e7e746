"""helpers.data.augment: the table of augmentation policies, each policy's effect, normalisation
and mixup, on hand-made batches."""

from __future__ import annotations

import pytest
import torch

from helpers import config
from helpers.data import augment, augment_batch, mixup, normalize
from helpers.errors import UnknownNameError


def random_batch(batch=32, channels=3, size=16, seed=0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (batch, channels, size, size), generator=generator, dtype=torch.uint8)


# ---------------------------------------------------------------- the table of policies


def test_the_table_names_one_function_per_policy_and_the_aliases_name_policies():
    assert list(augment.AUGMENTATIONS) == ["none", "flip", "crop", "crop_flip", "crop_flip_affine_jitter"]
    assert all(callable(policy) for policy in augment.AUGMENTATIONS.values())
    assert len(set(augment.AUGMENTATIONS.values())) == len(augment.AUGMENTATIONS)  # one function per policy
    assert augment.AUGMENTATION_ALIASES == {"study5": "crop_flip_affine_jitter"}
    assert augment.augmentation_names() == ("auto", *augment.AUGMENTATIONS, "study5")
    # The config is checked against the table itself, not a copy of its names.
    assert config.augmentation_names() == augment.augmentation_names()


@pytest.mark.parametrize("name", augment.AUGMENTATIONS)
def test_augment_batch_applies_the_table_entry_of_that_name(name):
    images = random_batch()
    direct = augment.AUGMENTATIONS[name](images, crop_padding=4, generator=torch.Generator().manual_seed(0))
    assert torch.equal(augment_batch(images, name, generator=torch.Generator().manual_seed(0)), direct)


@pytest.mark.parametrize("channels", [1, 3])
def test_the_study5_alias_augments_exactly_as_crop_flip_affine_jitter(channels):
    images = random_batch(channels=channels)
    old = augment_batch(images, "study5", generator=torch.Generator().manual_seed(0))
    new = augment_batch(images, "crop_flip_affine_jitter", generator=torch.Generator().manual_seed(0))
    assert torch.equal(old, new)


# ---------------------------------------------------------------- each policy


def test_auto_is_chosen_by_dataset_and_must_be_resolved_before_augmenting():
    assert augment.resolve_augmentation("auto", "mnist") == "none"  # no mirrored digits
    assert augment.resolve_augmentation("auto", "fashion_mnist") == "crop"  # crops, never flips
    assert augment.resolve_augmentation("auto", "cifar10") == "crop_flip"
    assert augment.resolve_augmentation("auto", "caltech101") == "crop_flip"
    assert augment.resolve_augmentation("study5", "mnist") == "study5"  # a named policy stays
    with pytest.raises(UnknownNameError):
        augment_batch(random_batch(), "auto")


def test_crop_moves_but_never_mirrors():
    images = torch.zeros(64, 1, 8, 8, dtype=torch.uint8)
    images[:, :, 3:5, 0] = 255  # a bar on the left edge: a mirror would put it on the right
    cropped = augment_batch(images, "crop", crop_padding=1, generator=torch.Generator().manual_seed(0))
    assert cropped[:, :, :, 5:].sum() == 0 and cropped.sum() > 0


@pytest.mark.parametrize("policy", augment.augmentation_names()[1:])
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


def test_crop_flip_affine_jitter_changes_images_and_reduces_to_crop_flip_without_its_extras(monkeypatch):
    images = random_batch(batch=16)
    output = augment_batch(images, "crop_flip_affine_jitter", generator=torch.Generator().manual_seed(0))
    assert (output - images.float() / 255).abs().mean() > 0.05
    for strength in ("AFFINE_ROTATION_DEGREES", "AFFINE_TRANSLATE", "JITTER_BRIGHTNESS", "JITTER_CONTRAST",
                     "JITTER_SATURATION", "JITTER_HUE"):
        monkeypatch.setattr(augment, strength, 0.0)
    # With rotation, translation and jitter off, the one affine warp must equal the integer crop+flip.
    plain = augment_batch(images, "crop_flip_affine_jitter", generator=torch.Generator().manual_seed(0))
    reference = augment_batch(images, "crop_flip", generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(plain, reference, atol=2e-5, rtol=0)


def test_augment_rejects_bad_input():
    with pytest.raises(UnknownNameError, match="unknown augmentation 'cutout'"):
        augment_batch(random_batch(), "cutout")
    with pytest.raises(ValueError, match="uint8"):
        augment_batch(random_batch().float(), "flip")
    with pytest.raises(ValueError, match="crop_padding"):
        augment_batch(random_batch(), "crop_flip", crop_padding=-1)


# ---------------------------------------------------------------- normalisation and mixup


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
