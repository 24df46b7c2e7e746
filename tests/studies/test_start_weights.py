"""The ``pretrained`` switch of studies 1 and 3 (off by default): which runs it fine-tunes from
what, the bad values it refuses before any work, and what the settings and conclusions say.
Weights files are torchvision ResNets with random weights, made here: nothing is downloaded."""

import dataclasses

import pytest
import torch
import torchvision

from helpers.errors import InvalidConfigError
from helpers.models import create_model
from helpers.runs import RunOutcome
from helpers.studies import s01_depth as study1
from helpers.studies import s03_cross_dataset as study3
from helpers.studies.s04_caltech_tweaks import pretrained as study4_pretrained
from helpers.studies.common.parameters import PAPER

from study_support import parameters


@pytest.fixture(scope="module")
def weights_folder(tmp_path_factory):
    """A folder holding resnet18.pth and resnet50.pth: torchvision's layout, random weights."""
    folder = tmp_path_factory.mktemp("weights")
    for name, build in (("resnet18", torchvision.models.resnet18), ("resnet50", torchvision.models.resnet50)):
        torch.manual_seed(1)
        torch.save(build().state_dict(), folder / f"{name}.pth")
    return folder


def _starting_row(settings):
    return settings.set_index("setting").loc["starting weights"]


@pytest.mark.parametrize("study", [study1, study3])
@pytest.mark.parametrize("profile", ["smoke", "cpu", "quick", "paper"])
def test_off_by_default_every_run_trains_from_scratch(study, profile, tmp_path):
    chosen = parameters(tmp_path, profile, data_dir=str(tmp_path))
    assert chosen.pretrained is None
    specs = study.plan(chosen)
    assert specs and all("weights" not in spec.model_options and "pretrained" not in spec.run_id for spec in specs)
    row = _starting_row(study.settings(chosen))
    assert row["value"] == "random initialisation: every network trains from scratch"
    assert row["source"].startswith(PAPER) and "off, the default" in row["source"]


def test_imagenet_fine_tunes_every_study1_run_with_imagenet_statistics(tmp_path):
    chosen = parameters(tmp_path, "smoke", pretrained="IMAGENET")
    specs = study1.plan(chosen)
    assert [spec.run_id for spec in specs] == ["resnet18_imagenet_pretrained_seed0", "resnet18_cifar_pretrained_seed0",
                                               "resnet50_imagenet_pretrained_seed0", "resnet50_cifar_pretrained_seed0"]
    assert {spec.model_options["weights"] for spec in specs} == {"imagenet"}
    assert {spec.data_options.normalization for spec in specs} == {"imagenet"}
    assert {spec.labels["start"] for spec in specs} == {"pretrained"}
    settings = study1.settings(chosen).set_index("setting")
    assert "IMAGENET1K_V1" in settings.loc["starting weights", "value"]
    assert "not the paper" in settings.loc["starting weights", "source"]
    assert settings.loc["normalisation", "value"] == "ImageNet mean/std per channel"


def test_study3_fine_tunes_the_resnets_only(tmp_path):
    specs = study3.plan(parameters(tmp_path, "smoke", pretrained="imagenet"))
    tuned = {spec.labels["model"] for spec in specs if spec.model_options.get("weights") == "imagenet"}
    assert tuned == {"ResNet-18", "ResNet-34", "ResNet-50"}
    plain = [spec for spec in specs if spec.labels["model"] in ("AlexNet", "VGG19")]
    assert plain and all("weights" not in spec.model_options and "start" not in spec.labels for spec in plain)
    row = _starting_row(study3.settings(parameters(tmp_path, "smoke", pretrained="imagenet")))
    assert row["value"].endswith("AlexNet, VGG19 from scratch")


def test_a_folder_gives_each_depth_its_file_and_the_model_receives_it(tmp_path, weights_folder):
    specs = study1.plan(parameters(tmp_path, "smoke", pretrained=str(weights_folder)))
    by_id = {spec.run_id: spec for spec in specs}
    assert by_id["resnet50_cifar_pretrained_seed0"].model_options["weights"] == str(weights_folder / "resnet50.pth")
    spec = by_id["resnet18_imagenet_pretrained_seed0"]
    model = create_model(spec.model, 10, seed=0, **spec.model_options)
    source = torch.load(weights_folder / "resnet18.pth", weights_only=True)
    assert torch.equal(model.state_dict()["stages.2.1.conv2.weight"], source["layer3.1.conv2.weight"])
    assert torch.equal(model.state_dict()["stem.0.weight"], source["conv1.weight"])  # the ImageNet stem fits


@pytest.mark.parametrize("pretrained, message", [
    ("IMAGENET1K_V2", "torchvision has no IMAGENET1K_V2 weights for 'resnet18'"),
    ("resnet18.pth", "this study trains resnet18 and resnet50, and one file fits one of them; give a folder holding "
                     "resnet18.pth, resnet50.pth"),
])
def test_weights_that_cannot_fit_both_depths_are_refused_before_any_work(pretrained, message, tmp_path,
                                                                          weights_folder):
    value = str(weights_folder / pretrained) if pretrained.endswith(".pth") else pretrained
    with pytest.raises(InvalidConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        study1.plan(parameters(tmp_path, "smoke", pretrained=value))


def test_a_folder_missing_a_network_file_names_it(tmp_path, weights_folder):
    with pytest.raises(InvalidConfigError, match=r"the folder has no resnet34\.pth; it needs .*resnet18\.pth, "
                                                 r"resnet34\.pth, resnet50\.pth"):
        study3.plan(parameters(tmp_path, "smoke", pretrained=str(weights_folder)))


def test_study4_takes_resnet50_from_a_folder(tmp_path, weights_folder):
    chosen = parameters(tmp_path, "smoke", pretrained=str(weights_folder))
    assert study4_pretrained.weights_for(chosen) == str(weights_folder / "resnet50.pth")
    assert study4_pretrained.weights_for(dataclasses.replace(chosen, pretrained=False)) is None


def _fine_tuned(outcomes):
    return [RunOutcome(spec=dataclasses.replace(o.spec, model_options={**o.spec.model_options, "weights": "imagenet"}),
                       history=o.history, metrics=o.metrics) for o in outcomes]


def test_conclusions_say_when_the_resnets_were_fine_tuned(tmp_path):
    from test_s01_depth import pair

    scratch = pair([0.83], [0.76], num_test=10_000)
    assert "fine-tuned" not in study1.conclusion(scratch, parameters(tmp_path, "paper"))
    text = study1.conclusion(_fine_tuned(scratch), parameters(tmp_path, "paper", pretrained="imagenet"))
    assert ("the ResNets were fine-tuned from torchvision's ImageNet weights (IMAGENET1K_V1) (notebook parameter "
            "`pretrained`), not trained from scratch as in the paper") in text
    from test_s03_cross_dataset import fake_outcomes

    outcomes = [o for o in fake_outcomes() if o.spec.labels["model"] in ("AlexNet", "VGG19")]
    resnets = _fine_tuned([o for o in fake_outcomes() if o.spec.labels["model"] not in ("AlexNet", "VGG19")])
    assert "Not the paper's setting" not in study3.conclusion(fake_outcomes(), parameters(tmp_path, "paper"))
    text = study3.conclusion(outcomes + resnets, parameters(tmp_path, "paper", pretrained="imagenet"))
    assert ("**Not the paper's setting**: the ResNets were fine-tuned from torchvision's ImageNet weights") in text
    assert text.endswith("AlexNet, VGG19 trained from scratch, so a ranking mixes fine-tuned and from-scratch networks.")
