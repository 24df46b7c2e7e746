"""TrainConfig: defaults, validation, unknown keys, and learning-rate schedules."""

import math
import re
import subprocess
import sys

import pytest

from helpers.config import OPTIMIZERS, SCHEDULERS, TrainConfig, config_differences, field_names
from helpers.errors import InvalidConfigError, UnknownNameError
from helpers.train.optim import lr_factor


def test_round_trips_through_plain_data():
    config = TrainConfig(epochs=3, lr=0.05, optimizer="adamw", scheduler="cosine")
    assert TrainConfig.from_dict(config.to_dict()) == config
    assert set(config.to_dict()) == set(field_names())


def test_is_frozen():
    with pytest.raises(Exception):
        TrainConfig().epochs = 5  # type: ignore[misc]


def test_integer_learning_rate_is_accepted_as_float():
    assert TrainConfig(lr=1).lr == 1.0
    assert isinstance(TrainConfig(lr=1).lr, float)


@pytest.mark.parametrize(
    "field_name, value",
    [("epochs", 0), ("epochs", -2), ("batch_size", 0), ("batch_size", -1), ("lr", 0.0), ("lr", -0.1),
     ("lr", math.inf), ("momentum", 1.5), ("label_smoothing", -0.1), ("weight_decay", -1e-4), ("eval_batch_size", -1)],
)
def test_rejects_out_of_range_numbers_naming_field_and_value(field_name, value):
    with pytest.raises(InvalidConfigError) as error:
        TrainConfig(**{field_name: value})
    assert field_name in str(error.value)
    integers = ("epochs", "batch_size", "eval_batch_size")
    assert repr(float(value) if field_name not in integers else value) in str(error.value)


def test_eval_batch_size_zero_means_the_devices_default():
    assert TrainConfig().eval_batch_size == 0 and TrainConfig(eval_batch_size=256).eval_batch_size == 256


@pytest.mark.parametrize("field_name, value", [("epochs", "3"), ("epochs", 2.5), ("epochs", True), ("nesterov", "yes")])
def test_rejects_wrong_types(field_name, value):
    with pytest.raises(InvalidConfigError, match=field_name):
        TrainConfig(**{field_name: value})


@pytest.mark.parametrize(
    "field_name, value, choices",
    [("optimizer", "sgdd", OPTIMIZERS), ("scheduler", "linear", SCHEDULERS), ("device", "tpu", ("cpu", "cuda"))],
)
def test_unknown_names_list_the_valid_ones(field_name, value, choices):
    with pytest.raises(UnknownNameError) as error:
        TrainConfig(**{field_name: value})
    message = str(error.value)
    assert repr(value) in message
    for choice in choices:
        assert choice in message


def test_augmentations_are_checked_against_the_table_and_the_old_name_still_loads():
    with pytest.raises(UnknownNameError) as error:
        TrainConfig(augmentation="cutout")
    for name in ("none", "flip", "crop_flip", "crop_flip_affine_jitter", "study5"):
        assert name in str(error.value)
    saved = {**TrainConfig().to_dict(), "augmentation": "study5"}  # as in specs and checkpoints written before
    assert TrainConfig.from_dict(saved).augmentation == "study5"  # kept as written: identities still match
    assert TrainConfig.from_dict(saved).to_dict() == saved


def test_the_config_module_imports_no_torch():
    # The batch tooling reads DEVICES from helpers.config and must not load torch.
    code = "import sys, helpers.config; print('torch' in sys.modules)"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "False"


def test_unknown_key_is_rejected_with_a_suggestion():
    with pytest.raises(InvalidConfigError) as error:
        TrainConfig.from_dict({"epohcs": 3})
    assert "'epohcs'" in str(error.value)
    assert "did you mean 'epochs'" in str(error.value)


def test_nesterov_only_with_sgd():
    with pytest.raises(InvalidConfigError, match="nesterov"):
        TrainConfig(optimizer="adam", nesterov=True)


def test_replace_validates():
    with pytest.raises(InvalidConfigError):
        TrainConfig().replace(batch_size=0)
    assert TrainConfig().replace(batch_size=64).batch_size == 64


def test_config_differences_names_changed_fields():
    old, new = TrainConfig().to_dict(), TrainConfig(lr=0.2, seed=3).to_dict()
    assert config_differences(old, new) == {"lr": (TrainConfig().lr, 0.2), "seed": (0, 3)}


def _factors(config, steps_per_epoch=10):
    return [lr_factor(step, steps_per_epoch=steps_per_epoch, config=config) for step in range(config.epochs * steps_per_epoch)]


def test_constant_schedule():
    assert set(_factors(TrainConfig(epochs=2, scheduler="none"))) == {1.0}


def test_cosine_decays_from_one_to_near_zero():
    factors = _factors(TrainConfig(epochs=4, scheduler="cosine"))
    assert factors[0] == 1.0
    assert factors[-1] < 0.01
    assert all(later <= earlier for earlier, later in zip(factors, factors[1:]))
    assert factors[20] == pytest.approx(0.5)  # halfway through training


def test_warmup_ramps_linearly_then_cosine():
    factors = _factors(TrainConfig(epochs=4, scheduler="cosine", warmup_epochs=1.0))
    assert factors[:10] == pytest.approx([(step + 1) / 10 for step in range(10)])
    assert factors[10] == 1.0
    assert factors[-1] < 0.01


def test_step_schedule_decays_every_step_epochs():
    factors = _factors(TrainConfig(epochs=6, scheduler="step", step_epochs=2, step_gamma=0.1))
    assert factors[19] == 1.0
    assert factors[20] == pytest.approx(0.1)
    assert factors[59] == pytest.approx(0.01)


def test_onecycle_rises_then_falls_to_zero():
    factors = _factors(TrainConfig(epochs=4, scheduler="onecycle"))
    peak = factors.index(max(factors))
    assert max(factors) == pytest.approx(1.0)
    assert factors[0] < 0.1
    assert peak == 10  # the peak ends the first quarter of 40 steps
    assert factors[0] == pytest.approx(0.04)
    assert factors[-1] < 0.05


def test_a_notebook_override_is_checked_by_the_configs_own_rule():
    from helpers.config import check_override

    check_override("epochs", 3)
    for value, expected in ((0, "invalid epochs 0: expected a positive integer"),
                            (2.5, "invalid epochs 2.5: a float, expected int")):
        with pytest.raises(InvalidConfigError, match=re.escape(expected)):
            check_override("epochs", value)
    with pytest.raises(InvalidConfigError, match="'image_size' is not a TrainConfig field"):
        check_override("image_size", 16)
