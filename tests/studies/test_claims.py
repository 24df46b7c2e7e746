"""The claims ledger's common rules: paired comparisons of runs on the same test images, no verdict
from an unstable run or from two recipes, the 2-standard-error rule, and what would decide."""

import numpy as np
import pandas as pd
import pytest

from helpers.config import TrainConfig
from helpers.runs import RunOutcome, RunSpec
from helpers.studies.common import claims
from helpers.studies.ledger import VERDICTS

CLAIM = claims.Claim("a_beats_b", "A beats B", "Table 1", "A 90 %, B 80 %", reference="elsewhere: A 95 %")
LABELS = np.tile(np.arange(10), 100).astype(np.int16)  # 1,000 test images, 10 classes


def outcome(name, right, *, seed=0, test_loss=1.0, rise=0.001, **config):
    """A finished run whose first ``right`` test images are predicted right, the rest wrong, after
    rising ``rise`` in its second and last epoch."""
    predicted = LABELS.copy()
    predicted[right:] = (predicted[right:] + 1) % 10
    history = pd.DataFrame({"epoch": [1, 2], "train_loss": [2.0, 1.0], "test_loss": [test_loss, 1.0],
                            "test_top1": [right / len(LABELS) - rise, right / len(LABELS)]})
    metrics = {"test_top1": right / len(LABELS), "num_test": len(LABELS), "classes": [str(i) for i in range(10)]}
    spec = RunSpec(run_id=f"{name}_seed{seed}", model="lenet5", dataset="cifar10",
                   config=TrainConfig(epochs=2, seed=seed, **config))
    return RunOutcome(spec, history, metrics, {"test_labels": LABELS, "test_predicted": predicted,
                                               "test_top5": predicted[:, None]})


def test_a_paired_comparison_counts_the_discordant_images():
    # A right on the first 900, B on the first 800: 100 discordant images, all A's.
    result = claims.compare_groups([outcome("a", 900)], [outcome("b", 800)])
    assert result.difference == pytest.approx(0.1)
    assert result.standard_error == pytest.approx(np.sqrt(100 - 100 ** 2 / 1000) / 1000)  # sqrt(b+c-(c-b)^2/n)/n
    assert result.kind.startswith("paired") and result.seeds == 1


def test_without_predictions_the_comparison_is_unpaired_and_says_so():
    a, b = outcome("a", 900), outcome("b", 800)
    a.predictions = None
    result = claims.compare_groups([a], [b])
    assert result.kind.startswith("unpaired")
    assert result.standard_error == pytest.approx(np.hypot(np.sqrt(0.9 * 0.1 / 1000), np.sqrt(0.8 * 0.2 / 1000)))


def test_seeds_combine_their_spread_with_the_test_sets_noise():
    first = [outcome("a", 900, seed=0), outcome("a", 860, seed=1)]
    second = [outcome("b", 800, seed=0), outcome("b", 800, seed=1)]
    result = claims.compare_groups(first, second)
    assert result.seeds == 2 and result.difference == pytest.approx(0.08)
    paired_se = [np.sqrt(n - n ** 2 / 1000) / 1000 for n in (100, 60)]
    seed_variance = np.var([0.1, 0.06], ddof=1) / 2
    assert result.standard_error == pytest.approx(np.sqrt(seed_variance + np.mean(np.square(paired_se))))


@pytest.mark.parametrize("a_right, expected, verdict", [
    (900, "positive", claims.SUPPORTED),
    (900, "negative", claims.CONTRADICTED),
    (805, "positive", claims.SUPPORTED),  # 5 images, all A's: +0.50 ± 0.22 points, just over 2 SE when paired
    (803, "positive", claims.NOT_DECIDED),  # 3 images: +0.30 ± 0.17, under 2 SE
])
def test_the_verdict_needs_twice_the_standard_error(a_right, expected, verdict):
    row = claims.comparison_row(CLAIM, "A", [outcome("a", a_right)], "B", [outcome("b", 800)], expected=expected)
    comparison = claims.compare_groups([outcome("a", a_right)], [outcome("b", 800)])
    assert (abs(comparison.difference) > 2 * comparison.standard_error) == (verdict != claims.NOT_DECIDED)
    assert row["verdict"] == verdict and row["verdict"] in VERDICTS
    assert row["what would decide it"] and row["seeds"] == "1" and row["reference"] == "elsewhere: A 95 %"
    assert "paired over 1,000 test images" in row["this run"]


def test_an_unstable_run_gets_no_verdict_whatever_the_difference():
    row = claims.comparison_row(CLAIM, "A", [outcome("a", 900, test_loss=487.0)], "B", [outcome("b", 800)],
                                expected="positive")
    assert row["verdict"] == claims.UNSTABLE
    assert "a_seed0 (its test loss after epoch 1 is 487" in row["this run"]
    assert "trains stably" in row["what would decide it"]


def test_two_recipes_get_no_verdict_unless_the_claim_is_about_the_difference():
    a, b = outcome("a", 900, optimizer="adam"), outcome("b", 800)
    row = claims.comparison_row(CLAIM, "A", [a], "B", [b], expected="positive")
    assert row["verdict"] == claims.CONFOUNDED and "optimizer 'adam' vs 'sgd'" in row["this run"]
    allowed = claims.comparison_row(CLAIM, "A", [a], "B", [b], expected="positive", allowed_differences=("optimizer",))
    assert allowed["verdict"] == claims.SUPPORTED


def test_no_verdict_while_the_side_behind_gains_more_than_the_gap_in_its_last_epoch():
    # A ahead by 10 points; B rose 12 points in its last epoch, A 1: one more such epoch could close the gap.
    row = claims.comparison_row(CLAIM, "A", [outcome("a", 900, rise=0.01)], "B", [outcome("b", 800, rise=0.12)],
                                expected="positive", paper_epochs=20)
    assert row["verdict"] == claims.STILL_LEARNING and row["verdict"] in VERDICTS
    assert ("B was catching up: it rose +12.00 points in its last epoch (2), 11.00 more than A, more than the "
            "10.00-point gap") in row["this run"]
    assert row["what would decide it"].startswith("longer training") and "the paper's 20 epochs" in row["what would decide it"]
    # Both rising alike (a schedule's final anneal), or the side ahead rising faster: the ordering holds.
    for a_rise, b_rise in ((0.15, 0.14), (0.3, 0.08)):
        settled = claims.comparison_row(CLAIM, "A", [outcome("a", 900, rise=a_rise)], "B",
                                        [outcome("b", 800, rise=b_rise)], expected="positive")
        assert settled["verdict"] == claims.SUPPORTED and "catching up" not in settled["this run"]


def test_a_run_as_long_as_the_papers_is_the_ordering_the_paper_claims_however_it_still_rises():
    row = claims.comparison_row(CLAIM, "A", [outcome("a", 900)], "B", [outcome("b", 800, rise=0.12)],
                                expected="positive", paper_epochs=2)
    assert row["verdict"] == claims.SUPPORTED and "still learning" not in row["this run"]


def test_a_one_epoch_run_rises_from_chance_so_it_never_settles_an_ordering():
    one_epoch = outcome("b", 800)
    one_epoch.history = one_epoch.history.iloc[1:]
    assert claims.last_epoch_rise([one_epoch]) == pytest.approx(0.7)  # 80 % from chance (10 classes)
    row = claims.comparison_row(CLAIM, "A", [outcome("a", 900)], "B", [one_epoch], expected="positive")
    assert row["verdict"] == claims.STILL_LEARNING
    assert "one epoch: no curve shows the 10.00-point gap settled (B rose +70.00 points from chance" in row["this run"]
    without = outcome("b", 800)
    without.history = without.history.drop(columns="test_top1")
    assert claims.last_epoch_rise([without]) is None


def test_what_would_decide_sizes_the_test_set_seeds_and_epochs():
    comparison = claims.compare_groups([outcome("a", 803)], [outcome("b", 800)])
    text = claims.what_would_decide(comparison, claims.NOT_DECIDED, target=0.02, epochs=2, paper_epochs=100)
    assert "telling 2.00 points from noise needs a standard error under 1.00" in text
    assert "at least two seeds" in text and "the paper's 100 epochs (this run: 2)" in text


def test_ledger_frame_and_answer():
    rows = [claims.comparison_row(CLAIM, "A", [outcome("a", 900)], "B", [outcome("b", 800)], expected="positive"),
            claims.untestable_row(CLAIM, "CIFAR-100 is not here"),
            claims.paper_only_row(CLAIM, "its tables disagree", claims.CONTRADICTED)]
    frame = claims.ledger_frame(rows)
    assert list(frame.columns) == list(claims.LEDGER_COLUMNS) and len(frame) == 3
    answer = claims.answer_markdown("A beats B here.", rows, scope="1 seed, 2 epochs")
    assert "1 supported, 1 contradicted, 1 not testable with this data" in answer
    assert len(answer.split()) < 120
    with pytest.raises(ValueError, match="verdict"):
        claims.paper_only_row(CLAIM, "x", "probably true")


def test_runs_on_embedded_samples_or_synthetic_data_decide_no_claim():
    a, b = outcome("a", 900), outcome("b", 800)
    a.metrics["data_origin"] = {"dataset": "cifar10", "kind": "npz", "samples": True}
    row = claims.comparison_row(CLAIM, "A", [a], "B", [b], expected="positive")
    assert row["verdict"] == claims.NOT_TESTABLE and "embedded samples: a pipeline check" in row["this run"]
    assert "+10.00 ±" in row["this run"] and "real dataset" in row["what would decide it"]
    b.metrics["data_origin"] = {"dataset": "cifar100", "kind": "synthetic stand-in"}
    assert claims.stand_in_data([b]) == "synthetic data" and claims.stand_in_data([outcome("c", 1)]) == ""
