"""The training command line covers the whole config: a flag for every TrainConfig field (its help
the field's documentation), every ResNet option and every dataset option; the older flag names
still work, and a spec from the command line holds exactly what was given."""

from __future__ import annotations

import dataclasses
import inspect

import pytest
import torch

import helpers
from helpers.config import TrainConfig
from helpers.data import DataOptions
from helpers.io import write_json
from helpers.models import ResNet, available_models
from helpers.models.registry import model_builder
from helpers.models.resnet import RESNET_OPTIONS
from helpers.runs import RunSpec, cli
from helpers.runs.cli_options import DATASET_OPTIONS_SET_ELSEWHERE, docstring_arguments

BASE = ["--model", "resnet50", "--dataset", "synthetic", "--out", "unused"]
# Every field away from its default (checked below), so that a flag that sets nothing is caught;
# only the optimizer stays SGD, which nesterov=True needs (another is tried separately).
OTHER_CONFIG = TrainConfig(
    epochs=3, batch_size=32, optimizer="sgd", lr=0.2, momentum=0.8, nesterov=True, weight_decay=1e-4,
    scheduler="step", warmup_epochs=0.5, step_epochs=2, step_gamma=0.5, label_smoothing=0.05, mixup_alpha=0.2,
    grad_clip_norm=1.0, augmentation="crop", crop_padding=2, concat_original=True, seed=7, device="cpu",
    precision="fp32", channels_last=False, compile=True, small_map_convs=False, sync_batchnorm=True,
    eval_batch_size=256, checkpoint_seconds=5.0, restore_best=True, tta_flip=True, progress="none",
)


def _actions() -> dict[str, object]:
    """The parser's actions by flag."""
    return {flag: action for action in cli.build_parser()._actions for flag in action.option_strings}


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _command_line(config: TrainConfig) -> list[str]:
    words = []
    for name, value in config.to_dict().items():
        if isinstance(value, bool):
            words.append(_flag(name) if value else f"--no-{_flag(name)[2:]}")
        else:
            words += [_flag(name), str(value)]
    return words


def test_every_config_field_has_a_flag_whose_help_is_its_documentation():
    actions = _actions()
    for field in dataclasses.fields(TrainConfig):
        action = actions[_flag(field.name)]
        assert action.dest == f"config.{field.name}"
        assert field.metadata["help"], f"{field.name} has no documentation"
        assert action.help.startswith(field.metadata["help"].rstrip(".")), field.name


def test_every_config_field_round_trips_through_the_command_line():
    unchanged = [name for name, value in TrainConfig().to_dict().items() if getattr(OTHER_CONFIG, name) == value]
    assert unchanged == ["optimizer", "processes"]  # processes other than 1 need torchrun: tests/runs/test_processes.py
    for config in (OTHER_CONFIG, OTHER_CONFIG.replace(optimizer="adamw", nesterov=False)):
        assert cli.spec_from_command_line([*BASE, *_command_line(config)]).config == config


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(TrainConfig) if f.type in (bool, "bool")])
def test_booleans_take_yes_and_no(name):
    for flag, value in ((_flag(name), True), (f"--no-{_flag(name)[2:]}", False)):
        assert getattr(cli.spec_from_command_line([*BASE, flag]).config, name) is value


def test_the_older_flag_names_still_work():
    spec = cli.spec_from_command_line([*BASE, "--no-channels-last", "--native-convs", "--compile", "--sync-batchnorm",
                                       "--stem", "imagenet"])
    assert not spec.config.channels_last and not spec.config.small_map_convs
    assert spec.config.compile and spec.config.sync_batchnorm
    assert spec.model_options == {"stem": "imagenet"}


def test_a_spec_without_model_or_dataset_flags_is_the_one_of_before():
    spec = cli.spec_from_command_line(["--model", "lenet5", "--dataset", "mnist", "--out", "unused",
                                       "--limit-train", "1000", "--seed", "3"])
    assert spec.config == TrainConfig(seed=3) and spec.model_options == {}
    assert spec.dataset_options == {"train_per_class": 100, "test_per_class": None, "val_fraction": 0.0,
                                    "image_size": None, "seed": 3}


def test_model_options_given_reach_the_spec():
    spec = cli.spec_from_command_line([*BASE, "--stride-in-3x3", "--avg-down", "--stem", "deep", "--no-pool-module",
                                       "--widths", "8", "16", "32", "64", "--dropout", "0.1"])
    assert spec.model_options == {"stride_in_3x3": True, "avg_down": True, "stem": "deep", "pool_module": False,
                                  "widths": [8, 16, 32, 64], "dropout": 0.1}
    assert RunSpec.from_dict(spec.to_dict()) == spec


def test_every_resnet_option_has_a_flag_documented_by_the_class():
    actions, documentation = _actions(), docstring_arguments(ResNet)
    for name in RESNET_OPTIONS:
        assert actions[_flag(name)].dest == f"model.{name}"
        assert actions[_flag(name)].help.startswith(documentation[name].rstrip(".")), name
    assert "stem" in documentation and "``" not in documentation["stem"]


def test_every_option_of_every_registered_model_has_a_flag():
    actions = _actions()
    for name in available_models():
        builder_options = [parameter for parameter in inspect.signature(model_builder(name)).parameters.values()
                           if parameter.kind is inspect.Parameter.KEYWORD_ONLY]
        for option in builder_options:
            assert actions[_flag(option.name)].dest == f"model.{option.name}", (name, option.name)
    spec = cli.spec_from_command_line(["--model", "alexnet", "--dataset", "mnist", "--out", "unused",
                                       "--classifier-width", "256", "--dropout", "0.0"])
    assert spec.model_options == {"classifier_width": 256, "dropout": 0.0}


def test_every_dataset_option_has_a_flag_documented_by_its_field():
    actions = _actions()
    for field in dataclasses.fields(DataOptions):
        if field.name not in DATASET_OPTIONS_SET_ELSEWHERE:
            assert actions[_flag(field.name)].dest == f"dataset.{field.name}", field.name
            assert actions[_flag(field.name)].help.startswith(field.metadata["help"]), field.name
    assert DATASET_OPTIONS_SET_ELSEWHERE == ("seed",) and "--seed" in actions  # the config's seed draws the data
    spec = cli.spec_from_command_line([*BASE, "--to-rgb", "--normalization", "half", "--image-size", "40",
                                       "--val-fraction", "0.2", "--test-per-class", "3",
                                       "--synthetic-options", '{"image_size": 16}'])
    assert spec.dataset_options == {"train_per_class": None, "test_per_class": 3, "val_fraction": 0.2,
                                    "image_size": 40, "seed": 0, "to_rgb": True, "normalization": "half",
                                    "synthetic_options": {"image_size": 16}}


@pytest.mark.parametrize("arguments, expected", [
    (["--limit-train", "100", "--train-per-class", "5"], "give --limit-train or --train-per-class, not both"),
    (["--normalization", "zscore"], "unknown normalization 'zscore'"),
    (["--widths", "8", "16"], "blocks and widths must be equally long"),
    (["--synthetic-options", "[1]"], "invalid json_object value"),
    (["--avg-down", "--model", "lenet5"], "avg_down"),
])
def test_bad_options_are_refused_in_one_line(arguments, expected, tmp_path, capsys):
    out = tmp_path / "run"
    code = cli.main([*BASE[:-1], str(out), *arguments])
    error = capsys.readouterr().err
    assert code == 2 and len(error.strip().splitlines()) == 1 and expected in error
    assert not out.exists()


def test_options_given_with_spec_override_its_values(tmp_path):
    planned = RunSpec(run_id="planned", model="resnet18", dataset="synthetic", config=TrainConfig(epochs=4),
                      model_options={"stem": "imagenet"}, dataset_options={"train_per_class": 5})
    write_json(tmp_path / "spec.json", planned.to_dict())
    spec = cli.spec_from_command_line(["--spec", str(tmp_path / "spec.json"), "--out", "unused"])
    assert spec == planned
    spec = cli.spec_from_command_line(["--spec", str(tmp_path / "spec.json"), "--out", "unused", "--lr", "0.2",
                                       "--avg-down", "--limit-test", "30"])
    assert spec.config == planned.config.replace(lr=0.2)
    assert spec.model_options == {"stem": "imagenet", "avg_down": True}
    assert spec.dataset_options == {"train_per_class": 5, "test_per_class": 3}


@pytest.mark.parametrize("dataset, options, expected", [
    ("synthetic", {"train_per_clas": 5}, "unknown dataset option(s) train_per_clas; valid options: cache_dir, "
                                         "image_size, include_background, normalization, seed"),
    ("mnist", {"synthetic_options": {"image_size": 8}}, "synthetic_options apply only to the 'synthetic' dataset"),
    ("mnist", {"normalization": "imagenet"}, "normalization 'imagenet' needs RGB images, but mnist is grey"),
])
def test_a_spec_with_bad_dataset_options_is_refused_in_one_line(dataset, options, expected, tmp_path, capsys):
    planned = RunSpec(run_id="planned", model="lenet5", dataset=dataset, config=TrainConfig(epochs=1),
                      dataset_options=options)
    write_json(tmp_path / "spec.json", planned.to_dict())
    out = tmp_path / "run"
    code = cli.main(["--spec", str(tmp_path / "spec.json"), "--out", str(out)])
    error = capsys.readouterr().err
    assert code == 2 and len(error.strip().splitlines()) == 1 and expected in error, error
    assert not out.exists()


def test_version_names_the_library_and_torch(capsys):
    with pytest.raises(SystemExit) as exit_status:
        cli.main(["--version"])
    assert exit_status.value.code == 0
    printed = capsys.readouterr().out
    assert helpers.__version__ in printed and torch.__version__ in printed
