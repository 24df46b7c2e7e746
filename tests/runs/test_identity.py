"""Run identity: what a finished run pins beside its spec, and reuse of an earlier attempt's run
when (and only when) its spec, data digest and training semantics match."""

import math

import pandas as pd
import pytest

from helpers.config import TrainConfig
from helpers.data import load_dataset
from helpers.io import read_json, write_json
from helpers.provenance import machine_description
from helpers.runs import RunSpec, run_all
from helpers.batch.state import gather_finished_runs
from helpers.runs.execute import EARLIER_RUNS, earlier_candidates
from helpers.runs.identity import PINNED_KEY, TRAINING_SEMANTICS, data_digest, describe_pins, identity_mismatch
from helpers.runs.stability import instability

SYNTHETIC = {"num_classes": 4, "image_size": 12, "channels": 3, "train_size": 64, "test_size": 32}


def spec(run_id="r", seed=0, epochs=1):
    return RunSpec(run_id=run_id, model="lenet5", dataset="synthetic", dataset_options={"synthetic_options": SYNTHETIC},
                   config=TrainConfig(epochs=epochs, batch_size=32, lr=0.05, progress="none", device="cpu", seed=seed))


def test_the_data_digest_follows_the_images_labels_and_classes():
    data = load_dataset("synthetic", synthetic_options=SYNTHETIC, seed=0)
    same = load_dataset("synthetic", synthetic_options=SYNTHETIC, seed=0)
    assert data_digest(data) == data_digest(same)
    changed = data.x_test.clone()
    changed[0, 0, 0, 0] ^= 1
    assert data_digest(data.with_changes(x_test=changed)) != data_digest(data)
    assert data_digest(data.with_changes(classes=tuple(reversed(data.classes)))) != data_digest(data)


def test_a_finished_run_pins_commit_precision_threads_versions_and_digest(tmp_path):
    [outcome] = run_all([spec()], tmp_path)
    recorded = read_json(tmp_path / "runs" / "r" / "spec.json")
    pinned = recorded[PINNED_KEY]
    assert pinned["training_semantics"] == TRAINING_SEMANTICS and len(pinned["data_digest"]) == 64
    assert pinned["precision"] == outcome.metrics["precision"] and pinned["threads"] == outcome.metrics["cpu_threads"]
    assert pinned["torch"] and pinned["python"] and "commit" in pinned
    assert RunSpec.from_dict(recorded) == spec()  # the spec file still trains the run on its own
    assert outcome.pinned == pinned
    assert "data digest " + pinned["data_digest"][:12] in describe_pins(pinned)
    assert "before" in describe_pins(None)


def test_a_run_names_the_hardware_it_trained_on(tmp_path):
    [outcome] = run_all([spec()], tmp_path)
    cpu_model = machine_description()["cpu"]
    assert outcome.metrics["device_name"] == outcome.pinned["device_name"] == cpu_model
    assert f"on cpu ({cpu_model})" in describe_pins(outcome.pinned)


def test_identity_mismatch_names_semantics_and_data():
    pinned = {"training_semantics": TRAINING_SEMANTICS, "data_digest": "abc"}
    assert identity_mismatch(pinned, "abc") is None and identity_mismatch(None, "xyz") is None
    assert "data digest" in identity_mismatch(pinned, "xyz")
    assert "training semantics" in identity_mismatch({**pinned, "training_semantics": TRAINING_SEMANTICS + 1}, "abc")


def test_an_earlier_attempts_run_is_reused_only_when_its_identity_matches(tmp_path, capsys):
    first = tmp_path / "first"
    [trained] = run_all([spec("a"), spec("b", seed=1)], first)[:1]
    later = tmp_path / "later"
    (later / EARLIER_RUNS).mkdir(parents=True)
    for run in ("a", "b"):
        (first / "runs" / run).rename(later / EARLIER_RUNS / run)
    # "b" changed semantics since: retrained; "a" is the same run: copied, not retrained.
    recorded = read_json(later / EARLIER_RUNS / "b" / "spec.json")
    recorded[PINNED_KEY]["training_semantics"] = TRAINING_SEMANTICS + 1
    write_json(later / EARLIER_RUNS / "b" / "spec.json", recorded)
    outcomes = run_all([spec("a"), spec("b", seed=1), spec("c", epochs=2)], later)
    output = capsys.readouterr().out
    assert "reused 1 finished run(s) of an earlier attempt (same spec, data and training semantics): a\n" in output
    assert "b: an earlier finished run is not reused (it was trained under training semantics" in output
    assert outcomes[0].metrics["wall_seconds"] == trained.metrics["wall_seconds"]  # the same run, not a new one
    assert (later / "runs" / "a" / "metrics.json").is_file() and (later / EARLIER_RUNS / "a").is_dir()
    assert read_json(later / "runs" / "b" / "spec.json")[PINNED_KEY]["training_semantics"] == TRAINING_SEMANTICS


def test_an_earlier_run_with_another_spec_is_trained_afresh_not_refused(tmp_path, capsys):
    run_all([spec("a")], tmp_path / "first")
    (tmp_path / "later" / EARLIER_RUNS).mkdir(parents=True)
    (tmp_path / "first" / "runs" / "a").rename(tmp_path / "later" / EARLIER_RUNS / "a")
    [outcome] = run_all([spec("a", epochs=2)], tmp_path / "later")
    assert outcome.metrics["epochs"] == 2
    assert "an earlier finished run is not reused" in capsys.readouterr().out


def test_of_two_finished_runs_of_one_id_the_one_whose_identity_matches_is_reused(tmp_path, capsys):
    """A published report's run and a newer run of the same id (new-runs/) are both gathered, the
    second as an alternate (gather_finished_runs); the one asked for is reused, whichever comes first."""
    older, newer = tmp_path / "older", tmp_path / "newer"
    run_all([spec("a", epochs=1)], older)
    [wanted] = run_all([spec("a", epochs=2)], newer)
    later = tmp_path / "later"
    gather_finished_runs(older / "runs", later / EARLIER_RUNS, move=False)
    gather_finished_runs(newer / "runs", later / EARLIER_RUNS, move=False)
    gather_finished_runs(newer / "runs", later / EARLIER_RUNS, move=False)  # the same run twice: kept once
    assert sorted(path.name for path in (later / EARLIER_RUNS).iterdir()) == ["a", "a~2"]
    [outcome] = run_all([spec("a", epochs=2)], later)
    assert outcome.metrics["wall_seconds"] == wanted.metrics["wall_seconds"]  # reused, not retrained
    assert "reused 1 finished run(s)" in capsys.readouterr().out


def test_alternates_survive_being_gathered_again(tmp_path):
    source = tmp_path / "earlier"
    for name, value in (("a", "1"), ("a~2", "2"), ("b", "3")):
        (source / name).mkdir(parents=True)
        (source / name / "metrics.json").write_text(value)
    target = tmp_path / "kept"
    gather_finished_runs(source, target, move=True)
    assert {path.name: (path / "metrics.json").read_text() for path in target.iterdir()} == {
        "a": "1", "a~2": "2", "b": "3"}
    assert earlier_candidates(target, "a") == [target / "a", target / "a~2"]
    assert earlier_candidates(target, "b") == [target / "b"]


def history(**columns):
    return pd.DataFrame({"epoch": range(1, len(next(iter(columns.values()))) + 1), **columns})


@pytest.mark.parametrize("frame, expected", [
    (history(train_loss=[2.0, 1.0], test_loss=[2.1, 1.2], test_top1=[0.3, 0.6]), None),
    (history(train_loss=[2.0, math.nan], test_loss=[2.1, 1.2], test_top1=[0.3, 0.6]), "train loss is not finite at epoch 2"),
    (history(train_loss=[2.0, 1.0], test_loss=[487.0, 1.2], test_top1=[0.1, 0.6]), "test loss after epoch 1 is 487"),
    (history(train_loss=[2.0, 1.0], test_loss=[2.0, 2.3], test_top1=[0.6, 0.1]), "fell back to 10.0 %"),
    (history(train_loss=[2.3, 2.3], test_loss=[2.3, 2.3], test_top1=[0.1, 0.11]), None),  # never learned: not unstable
])
def test_instability_flags_divergence_non_finite_loss_and_collapse(frame, expected):
    reason = instability(frame, 10)
    assert (reason is None) if expected is None else (expected in reason)
    # The loss limit is ten times ln(classes): 23.0 for 10 classes, so 22 is within it.
    assert instability(history(train_loss=[1.0], test_loss=[22.0], test_top1=[0.5]), 10) is None


def test_a_run_asked_for_on_auto_is_the_run_made_on_the_device_auto_resolves_to(tmp_path):
    import dataclasses

    run_all([spec("a")], tmp_path)  # device "cpu"
    on_auto = dataclasses.replace(spec("a"), config=spec("a").config.replace(device="auto"))
    [outcome] = run_all([on_auto], tmp_path)  # loaded, not refused: auto is the CPU here
    assert outcome.metrics["device"] == "cpu"
