"""Tests of helpers.models.pretrained, offline: torchvision's ResNets with random weights are saved
and loaded through ``weights=PATH``; the download of ``"imagenet"`` is replaced by a stub."""

from __future__ import annotations

import urllib.error
from pathlib import Path

import pytest
import torch
import torchvision
from torch import nn

from helpers.errors import CorruptDataError, InvalidConfigError, WeightsNotFoundError
from helpers.models import WeightsReport, create_model, load_weights
from helpers.models.pretrained import published_weights, torchvision_names

MODEL_B = {"stem": "imagenet", "stride_in_3x3": True}  # torchvision's ResNet-50 ("v1.5")


def random_torchvision(name: str) -> nn.Module:
    """torchvision's ``name`` with random weights and random BatchNorm statistics (so that a
    tensor loaded into the wrong place changes the logits)."""
    generator = torch.Generator().manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.weight.copy_(torch.rand(module.num_features, generator=generator) + 0.5)
                module.bias.copy_(torch.randn(module.num_features, generator=generator) * 0.1)
                module.running_mean.copy_(torch.randn(module.num_features, generator=generator) * 0.1)
                module.running_var.copy_(torch.rand(module.num_features, generator=generator) + 0.5)
    return model.eval()


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> dict[str, tuple[nn.Module, Path]]:
    """Random torchvision ResNet-18 and ResNet-50, each with the file holding its state dict."""
    folder = tmp_path_factory.mktemp("weights")
    models = {}
    for name in ("resnet18", "resnet50"):
        model = random_torchvision(name)
        torch.save(model.state_dict(), folder / f"{name}.pth")
        models[name] = (model, folder / f"{name}.pth")
    return models


def images(size: int = 64) -> torch.Tensor:
    return torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(1))


@pytest.mark.parametrize("name", ["resnet18", "resnet50"])
def test_torchvision_weights_give_identical_logits(saved, name):
    reference, path = saved[name]
    model = create_model(name, num_classes=1000, weights=path, **MODEL_B).eval()
    with torch.no_grad():
        torch.testing.assert_close(model(images()), reference(images()), rtol=0, atol=1e-5)


@pytest.mark.parametrize("name", ["resnet18", "resnet50"])
def test_the_report_says_every_tensor_was_loaded(saved, name):
    _, path = saved[name]
    model = create_model(name, num_classes=1000, **MODEL_B)
    report = load_weights(model, path, model_name=name)
    assert isinstance(report, WeightsReport)
    assert len(report.loaded) == len(model.state_dict()) and not report.initialised and not report.unused
    assert report.to_dict()["loaded"] == len(report.loaded) and report.to_dict()["weights"] == str(path)
    assert "0 newly initialised" in report.describe()


@pytest.mark.parametrize("flags", [{"stem": "imagenet"}, MODEL_B, {"stem": "imagenet", "avg_down": True}],
                         ids=["model-a", "model-b", "model-d"])
def test_models_a_b_and_d_receive_every_tensor_but_the_replaced_head(saved, flags):
    reference, path = saved["resnet50"]
    model = create_model("resnet50", num_classes=101, seed=0, **flags)
    head = model.fc.weight.detach().clone()
    report = load_weights(model, path, model_name="resnet50")
    assert report.initialised == ("fc.weight", "fc.bias") and report.unused == ("fc.weight", "fc.bias")
    assert model.fc.weight.shape == (101, 2048) and torch.equal(model.fc.weight, head)  # newly initialised
    ours, theirs = model.state_dict(), reference.state_dict()
    for name, source in torchvision_names(model).items():
        if not name.startswith("fc."):
            assert torch.equal(ours[name], theirs[source]), name
    downsample = "downsample.1.weight" if flags.get("avg_down") else "downsample.0.weight"
    assert torch.equal(ours[f"stages.1.0.{downsample}"], theirs["layer2.0.downsample.0.weight"])


@pytest.mark.parametrize("name, stem", [("resnet50", "deep"), ("resnet18", "cifar")])
def test_other_stems_are_newly_initialised_and_reported(saved, name, stem):
    _, path = saved[name]
    model = create_model(name, num_classes=10, stem=stem)
    stem_names = {key for key in model.state_dict() if key.startswith("stem.")}
    report = load_weights(model, path, model_name=name)
    assert set(report.initialised) == stem_names | {"fc.weight", "fc.bias"}
    assert {"conv1.weight", "bn1.running_var"} <= set(report.unused)
    assert all(key.startswith("stages.") for key in report.loaded)


def test_the_head_is_seeded_as_without_weights(saved):
    _, path = saved["resnet18"]
    fresh = create_model("resnet18", num_classes=7, seed=3, stem="imagenet")
    loaded = create_model("resnet18", num_classes=7, seed=3, stem="imagenet", weights=path)
    assert torch.equal(fresh.fc.weight, loaded.fc.weight)
    assert not torch.equal(fresh.stem[0].weight, loaded.stem[0].weight)


def one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message, message
    return message


def test_a_file_for_another_architecture_is_refused_in_one_line(saved):
    _, path = saved["resnet18"]
    with pytest.raises(InvalidConfigError) as error:
        create_model("resnet50", num_classes=1000, weights=path, **MODEL_B)
    message = one_line(error)
    assert "does not fit 'resnet50'" in message and "layer1.0.conv1.weight" in message and str(path) in message


def test_a_deeper_file_is_refused_for_its_left_over_stage_tensors(tmp_path, saved):
    reference, _ = saved["resnet18"]
    state = {**reference.state_dict(), "layer1.2.conv1.weight": torch.zeros(64, 64, 3, 3)}
    torch.save(state, tmp_path / "deeper.pth")
    with pytest.raises(InvalidConfigError, match=r"layer1\.2\.conv1\.weight \(not in the model\)"):
        create_model("resnet18", weights=tmp_path / "deeper.pth")


@pytest.mark.parametrize("content, error, expected", [
    (None, InvalidConfigError, "does not exist; weights is None, 'imagenet'"),
    (b"not a checkpoint", CorruptDataError, "cannot be read as a state dict"),
    (["a", "list"], InvalidConfigError, "holds no state dict of tensors"),
    (torch.nn.Linear(2, 2), CorruptDataError, "weights_only=True"),  # a pickled module: code, refused
], ids=["missing", "garbage", "list", "pickled-module"])
def test_unusable_files_are_refused_in_one_line(tmp_path, content, error, expected):
    path = tmp_path / "weights.pth"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        torch.save(content, path)
    with pytest.raises(error) as raised:
        create_model("resnet18", weights=path)
    assert expected in one_line(raised) and str(path) in str(raised.value)


@pytest.mark.parametrize("name, weights, expected", [
    ("vgg19", "imagenet", "weights apply to the ResNets, not to 'vgg19'"),
    ("resnet101", "imagenet", "torchvision has no IMAGENET1K_V1 weights for 'resnet101'"),
    ("resnet18", "IMAGENET1K_V2", "torchvision has no IMAGENET1K_V2 weights for 'resnet18'"),
    ("resnet18", 3, "invalid weights 3: expected None, 'imagenet'"),
])
def test_weights_that_cannot_apply_are_refused(name, weights, expected):
    with pytest.raises(InvalidConfigError) as error:
        create_model(name, weights=weights)
    assert expected in one_line(error)


@pytest.fixture
def empty_hub(tmp_path, monkeypatch) -> Path:
    """An empty torch hub cache (``$TORCH_HOME/hub/checkpoints``), restored afterwards."""
    monkeypatch.setattr(torch.hub, "_hub_dir", None)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    return tmp_path / "torch" / "hub" / "checkpoints"


def test_imagenet_offline_names_what_to_download_and_where(empty_hub, monkeypatch):
    def offline(url, destination, hash_prefix=None, progress=True):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    with pytest.raises(WeightsNotFoundError) as error:
        create_model("resnet50", num_classes=101, weights="imagenet", **MODEL_B)
    message = one_line(error)
    for text in ("ResNet50_Weights.IMAGENET1K_V1", "https://download.pytorch.org/models/resnet50-0676ba61.pth",
                 str(empty_hub / "resnet50-0676ba61.pth"), "Temporary failure in name resolution", "weights=PATH"):
        assert text in message


def test_imagenet_weights_come_from_torch_hubs_cache(empty_hub, monkeypatch, saved):
    reference, path = saved["resnet18"]
    downloads = []

    def download(url, destination, hash_prefix=None, progress=True):
        downloads.append((url, hash_prefix))
        Path(destination).write_bytes(path.read_bytes())

    monkeypatch.setattr(torch.hub, "download_url_to_file", download)
    model = create_model("resnet18", num_classes=10, stem="imagenet")
    report = load_weights(model, "imagenet", model_name="resnet18")
    assert downloads == [("https://download.pytorch.org/models/resnet18-f37072fd.pth", "f37072fd")]
    assert report.origin == "ResNet18_Weights.IMAGENET1K_V1" and report.initialised == ("fc.weight", "fc.bias")
    assert torch.equal(model.stem[0].weight, reference.conv1.weight)
    # The file now in the cache is not the real one: its SHA-256 prefix is checked before use.
    with pytest.raises(CorruptDataError, match="does not have the SHA-256 prefix f37072fd"):
        load_weights(model, "imagenet", model_name="resnet18")


def test_only_torchvision_files_are_recognised_as_its_published_weights():
    # torchvision names each file after its SHA-256 prefix: resnet50-0676ba61.pth (V1), resnet50-11ad3fa6.pth (V2).
    assert published_weights("0676ba61" + "0" * 56, "resnet50") == "ResNet50_Weights.IMAGENET1K_V1"
    assert published_weights("11ad3fa6" + "0" * 56, "resnet50") == "ResNet50_Weights.IMAGENET1K_V2"
    assert published_weights("ab" * 32, "resnet50") is None
    assert published_weights("0676ba61" + "0" * 56, "resnet18") is None  # another model's files
