"""GPU-time estimates: FLOP counts against hand computations, run-cost scaling, the study table."""

from __future__ import annotations

import pytest

from helpers.config import TrainConfig
from helpers.runs import RunSpec
from helpers.studies import estimate
from helpers.studies.registry import STUDIES


def conv_macs(c_in: int, c_out: int, kernel: int, side: int) -> int:
    """Multiply-adds of a square convolution producing a ``side x side`` map."""
    return c_in * c_out * kernel * kernel * side * side


def test_lenet5_forward_flops_match_the_hand_count():
    # 28 px grey: conv 5x5 pad 2 -> 6x28x28, pool -> 14, conv 5x5 -> 16x10x10, pool -> 5, 400-120-84-10.
    macs = conv_macs(1, 6, 5, 28) + conv_macs(6, 16, 5, 10) + 400 * 120 + 120 * 84 + 84 * 10
    flops = estimate.training_flops_per_image("lenet5", {}, num_classes=10, in_channels=1, image_size=28)
    assert flops / 3 == pytest.approx(2 * macs, rel=0.05)  # 833,040 forward FLOPs


def test_resnet18_cifar_stem_is_about_1_11_forward_gflops():
    # 3x3 stem at 32 px; stages of 2 BasicBlocks at 32/16/8/4 px with 1x1 projection shortcuts.
    macs = conv_macs(3, 64, 3, 32) + 4 * conv_macs(64, 64, 3, 32) + 512 * 10
    for c_in, c_out, side in ((64, 128, 16), (128, 256, 8), (256, 512, 4)):
        macs += conv_macs(c_in, c_out, 3, side) + 3 * conv_macs(c_out, c_out, 3, side) + conv_macs(c_in, c_out, 1, side)
    assert 2 * macs == pytest.approx(1.11e9, rel=0.01)  # ~0.556 GMACs
    flops = estimate.training_flops_per_image("resnet18", {"stem": "cifar"}, num_classes=10, in_channels=3,
                                              image_size=32)
    assert flops / 3 == pytest.approx(2 * macs, rel=0.05)


def spec(**config) -> RunSpec:
    return RunSpec(run_id="r", model="lenet5", dataset="cifar10", config=TrainConfig(**config),
                   dataset_options={"val_fraction": 0.1})


def test_run_cost_scales_with_epochs_and_concat_original():
    base = estimate.run_cost(spec(epochs=2))
    assert base["train_images"] == 2 * 45_000 and base["eval_images"] == 2 * (5_000 + 10_000)
    assert estimate.run_cost(spec(epochs=4))["flops"] == pytest.approx(2 * base["flops"])
    assert estimate.run_cost(spec(epochs=2, concat_original=True))["train_images"] == 2 * base["train_images"]


def test_estimates_table_has_a_row_per_study_and_profile_with_positive_hours():
    table = estimate.estimates_table()
    assert len(table) == 2 * len(STUDIES)
    assert set(zip(table["study"], table["profile"])) == {(s.id, p) for s in STUDIES for p in ("quick", "paper")}
    hours = table[[column for column in table.columns if column.startswith("est. hours")]]
    assert hours.shape[1] == len(estimate.GPU_ASSUMPTIONS) and (hours > 0).all().all()
    assert (table["PFLOP"] > 0).all()
    markdown = estimate.to_markdown(table)
    assert markdown.count("\n") == len(table) + 1 and markdown.startswith("| study |")
