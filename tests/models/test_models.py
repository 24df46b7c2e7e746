"""Tests of helpers.models: a sweep over every registered model, published parameter counts,
structural checks of each ResNet tweak, the registry's errors and study 5's layer tables."""

from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

from helpers.errors import InvalidConfigError, UnknownNameError
from helpers.models import (
    ResNet,
    UnknownOptionError,
    available_models,
    count_parameters,
    create_model,
    format_summary,
    register_model,
    summary,
    summary_totals,
)

RESNETS = ["resnet101", "resnet152", "resnet18", "resnet18_narrow", "resnet34", "resnet50", "resnet_large"]
NATURAL_INPUT = {"lenet5": (1, 28, 28)}  # (C, H, W); every other model: 3x32x32 (CIFAR)


def natural_input(name: str, channels: int | None = None) -> torch.Tensor:
    """A batch of 2 random images at the model's natural size."""
    c, h, w = NATURAL_INPUT.get(name, (3, 32, 32))
    return torch.randn(2, channels or c, h, w, generator=torch.Generator().manual_seed(0))


# --- sweep over every registered model -------------------------------------------------------------

def test_registry_holds_every_family() -> None:
    names = available_models()
    assert names == sorted(names)
    assert set(names) == {"alexnet", "lenet5", "vgg19", *RESNETS}


@pytest.mark.parametrize("name", available_models())
def test_forward_backward_gives_finite_gradients(name: str) -> None:
    images = natural_input(name)
    model = create_model(name, in_channels=images.shape[1])
    logits = model(images)
    assert logits.shape == (2, 10)
    nn.functional.cross_entropy(logits, torch.tensor([0, 1])).backward()
    for param_name, param in model.named_parameters():
        assert param.grad is not None, param_name
        assert torch.isfinite(param.grad).all(), param_name


@pytest.mark.parametrize("name", available_models())
def test_grey_input_and_101_classes(name: str) -> None:
    model = create_model(name, num_classes=101, in_channels=1).eval()
    with torch.no_grad():
        assert model(natural_input(name, channels=1)).shape == (2, 101)


@pytest.mark.parametrize("name", ["lenet5", "alexnet", "vgg19", "resnet18"])
@pytest.mark.parametrize("size", [28, 32, 64])
def test_small_image_sizes(name: str, size: int) -> None:
    model = create_model(name, num_classes=101).eval()
    with torch.no_grad():
        assert model(torch.randn(2, 3, size, size)).shape == (2, 101)


def test_alexnet_takes_imagenet_size_and_no_dropout() -> None:
    model = create_model("alexnet", dropout=0.0).eval()
    assert all(m.p == 0.0 for m in model.modules() if isinstance(m, nn.Dropout))
    with torch.no_grad():
        assert model(torch.randn(1, 3, 224, 224)).shape == (1, 10)


def test_alexnet_classifier_width_changes_only_the_two_hidden_layers() -> None:
    narrow = create_model("alexnet", classifier_width=512)
    linear = [module for module in narrow.modules() if isinstance(module, nn.Linear)]
    assert [(layer.in_features, layer.out_features) for layer in linear] == [(9216, 512), (512, 512), (512, 10)]
    convs = sum(p.numel() for p in narrow.features.parameters())
    assert count_parameters(narrow) == convs + 9216 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10
    for bad in (0, 2.5, True):
        with pytest.raises(InvalidConfigError, match="classifier_width must be a positive integer"):
            create_model("alexnet", classifier_width=bad)


# --- parameter counts -----------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "options", "expected"), [
    ("resnet18_narrow", {}, 4_815_940),  # study 5, Figure 2
    ("resnet_large", {}, 4_903_242),  # study 5, Figure 3
    ("resnet18", {}, 11_173_962),  # pytorch-cifar's ResNet18 (study 3: "11M")
    ("vgg19", {}, 20_040_522),  # pytorch-cifar's VGG19 (study 3: "20M")
    ("alexnet", {}, 57_023_306),  # torchvision's classifier (study 3: "56M")
    ("lenet5", {"in_channels": 1}, 61_706),
])
def test_parameter_counts(name: str, options: dict, expected: int) -> None:
    assert count_parameters(create_model(name, **options)) == expected


def test_resnet50_imagenet_matches_torchvision() -> None:
    model = create_model("resnet50", num_classes=1000, stem="imagenet")
    reference = torchvision.models.resnet50(weights=None)
    assert count_parameters(model) == count_parameters(reference) == 25_557_032


@pytest.mark.parametrize("name", ["resnet18", "resnet34", "resnet101"])
def test_imagenet_resnets_match_torchvision(name: str) -> None:
    model = create_model(name, num_classes=1000, stem="imagenet")
    assert count_parameters(model) == count_parameters(getattr(torchvision.models, name)(weights=None))


def test_count_parameters_trainable_only() -> None:
    model = create_model("lenet5")
    model.classifier[-1].requires_grad_(False)
    assert count_parameters(model, trainable_only=True) == count_parameters(model) - (84 * 10 + 10)


def test_dropout_option_of_study5_models() -> None:
    narrow = create_model("resnet18_narrow")
    assert [m.p for m in narrow.modules() if isinstance(m, nn.Dropout)] == [0.15] * 8
    assert not any(isinstance(m, nn.Dropout) for m in create_model("resnet18_narrow", dropout=0.0).modules())
    assert not any(isinstance(m, nn.Dropout) for m in create_model("resnet_large").modules())


# --- ResNet tweaks (study 4) -----------------------------------------------------------------------

def first_blocks(model: ResNet) -> list[nn.Module]:
    return [stage[0] for stage in model.stages]


def test_model_a_strides_first_1x1() -> None:
    for block in first_blocks(create_model("resnet50", stem="imagenet"))[1:]:
        assert block.conv1.stride == (2, 2) and block.conv2.stride == (1, 1)
        assert block.downsample[0].stride == (2, 2)


def test_tweak_b_strides_the_3x3() -> None:
    model = create_model("resnet50", stem="imagenet", stride_in_3x3=True)
    for block in first_blocks(model)[1:]:
        assert block.conv1.stride == (1, 1) and block.conv2.stride == (2, 2)
    strided = [name for name, m in model.stages.named_modules() if isinstance(m, nn.Conv2d) and m.stride != (1, 1)]
    assert strided == ["1.0.conv2", "1.0.downsample.0", "2.0.conv2", "2.0.downsample.0", "3.0.conv2", "3.0.downsample.0"]


def test_tweak_c_deep_stem() -> None:
    model = create_model("resnet50", stem="deep")
    convs = [m for m in model.stem if isinstance(m, nn.Conv2d)]
    assert [c.out_channels for c in convs] == [32, 32, 64]
    assert [c.kernel_size for c in convs] == [(3, 3)] * 3
    assert [c.stride for c in convs] == [(2, 2), (1, 1), (1, 1)]
    assert isinstance(model.stem_pool, nn.MaxPool2d) and model.stem_pool.stride == 2


def test_tweak_d_average_pool_shortcut() -> None:
    blocks = first_blocks(create_model("resnet50", avg_down=True))
    assert [type(m) for m in blocks[0].downsample] == [nn.Conv2d, nn.BatchNorm2d]  # stride 1: no pool
    for block in blocks[1:]:
        pool, conv = block.downsample[0], block.downsample[1]
        assert isinstance(pool, nn.AvgPool2d)
        assert (pool.kernel_size, pool.stride, pool.ceil_mode, pool.count_include_pad) == (2, 2, True, False)
        assert conv.kernel_size == (1, 1) and conv.stride == (1, 1)


def test_tweaks_combine() -> None:
    model = create_model("resnet50", num_classes=101, stem="deep", stride_in_3x3=True, avg_down=True)
    block = first_blocks(model)[1]
    assert block.conv2.stride == (2, 2) and isinstance(block.downsample[0], nn.AvgPool2d)
    assert len([m for m in model.stem if isinstance(m, nn.Conv2d)]) == 3
    model.eval()
    with torch.no_grad():
        assert model(torch.randn(2, 3, 64, 64)).shape == (2, 101)


@pytest.mark.parametrize(("stem", "expected"), [("imagenet", 16), ("deep", 16), ("cifar", 64)])
def test_stem_reduction_before_stage_1(stem: str, expected: int) -> None:
    model = create_model("resnet18", stem=stem).eval()
    seen = []
    handle = model.stages[0].register_forward_pre_hook(lambda module, inputs: seen.append(inputs[0].shape))
    with torch.no_grad():
        model(torch.randn(2, 3, 64, 64))
    handle.remove()
    assert seen == [(2, 64, expected, expected)]


def test_zero_init_residual() -> None:
    model = create_model("resnet18", zero_init_residual=True)
    assert all((stage_block.bn2.weight == 0).all() for stage in model.stages for stage_block in stage)


# --- registry errors -------------------------------------------------------------------------------

def test_unknown_model_lists_valid_names() -> None:
    with pytest.raises(UnknownNameError, match="resnet18_narrow") as info:
        create_model("resnet19")
    assert "'resnet19'" in str(info.value) and "lenet5" in str(info.value)


def test_names_are_case_insensitive() -> None:
    assert count_parameters(create_model("ResNet_Large")) == 4_903_242


def test_unknown_stem_lists_choices() -> None:
    with pytest.raises(UnknownNameError, match="stem 'foo'.*cifar, deep, imagenet"):
        create_model("resnet18", stem="foo")


@pytest.mark.parametrize("name", ["resnet50", "lenet5", "alexnet"])
def test_unknown_option_is_named(name: str) -> None:
    with pytest.raises(TypeError, match="'strid_in_3x3'") as info:
        create_model(name, strid_in_3x3=True)
    assert isinstance(info.value, (UnknownOptionError, InvalidConfigError))


@pytest.mark.parametrize("options", [{"block": "wide"}, {"dropout": 1.5}, {"widths": (64, 128)}, {"num_classes": 0},
                                     {"avg_down": "yes"}])
def test_invalid_option_values(options: dict) -> None:
    with pytest.raises(ValueError):
        create_model("resnet18", **options)


def test_register_model_rejects_duplicates_and_upper_case() -> None:
    with pytest.raises(ValueError, match="already registered"):
        register_model("resnet18")(lambda num_classes=10, in_channels=3: nn.Identity())
    with pytest.raises(ValueError, match="lower-case"):
        register_model("MyNet")
    assert len(available_models()) == 10


def test_available_models_wildcards() -> None:
    assert available_models("resnet*") == RESNETS
    assert available_models("RESNET1*") == ["resnet101", "resnet152", "resnet18", "resnet18_narrow"]
    assert available_models("*net5") == ["lenet5"]
    assert available_models("nothing*") == []


# --- summary (study 5, Figures 2 and 3) ------------------------------------------------------------

@pytest.fixture(scope="module")
def narrow_summary():
    return summary(create_model("resnet18_narrow"), (3, 32, 32))


@pytest.mark.parametrize("row", [
    ("Conv2d-1", "[-1, 42, 32, 32]", 1_134),
    ("BatchNorm2d-2", "[-1, 42, 32, 32]", 84),
    ("Dropout-5", "[-1, 42, 32, 32]", 0),
    ("BasicBlock-8", "[-1, 42, 32, 32]", 0),
    ("Conv2d-15", "[-1, 84, 16, 16]", 31_752),
    ("Conv2d-20", "[-1, 84, 16, 16]", 3_528),  # first projection shortcut, after the branch
    ("BasicBlock-22", "[-1, 84, 16, 16]", 0),
    ("Conv2d-48", "[-1, 336, 4, 4]", 56_448),
    ("BasicBlock-56", "[-1, 336, 4, 4]", 0),
    ("Linear-57", "[-1, 10]", 3_370),
])
def test_summary_reproduces_figure_2_rows(narrow_summary, row: tuple) -> None:
    index = int(row[0].rsplit("-", 1)[1]) - 1
    assert tuple(narrow_summary.iloc[index]) == row


def test_summary_figure_2_totals(narrow_summary) -> None:
    assert list(narrow_summary.columns) == ["layer", "output_shape", "params"]
    assert len(narrow_summary) == 57 and narrow_summary["layer"].iloc[-1] == "Linear-57"
    counts = narrow_summary["layer"].str.rsplit("-", n=1).str[0].value_counts().to_dict()
    assert counts == {"Conv2d": 20, "BatchNorm2d": 20, "Dropout": 8, "BasicBlock": 8, "Linear": 1}
    assert narrow_summary["params"].sum() == narrow_summary.attrs["total_params"] == 4_815_940
    assert narrow_summary.attrs["trainable_params"] == 4_815_940
    assert narrow_summary.attrs["non_trainable_params"] == 0
    # torchsummary's estimate sums every row's output size: it checks all 57 shapes at once.
    assert round(narrow_summary.attrs["forward_backward_mb"], 2) == 8.61
    assert summary_totals(narrow_summary).loc["Total params", "formatted"] == "4,815,940"
    assert "Total params: 4,815,940" in format_summary(narrow_summary)


def test_summary_reproduces_figure_3_tail() -> None:
    table = summary(create_model("resnet_large"), (3, 32, 32))
    assert len(table) == 30
    assert tuple(table.iloc[0]) == ("Conv2d-1", "[-1, 64, 32, 32]", 1_728)
    assert tuple(table.iloc[11]) == ("Conv2d-12", "[-1, 128, 16, 16]", 8_192)
    assert tuple(table.iloc[-2]) == ("AdaptiveAvgPool2d-29", "[-1, 512, 1, 1]", 0)
    assert tuple(table.iloc[-1]) == ("Linear-30", "[-1, 10]", 5_130)
    assert summary_totals(table)["count"].tolist() == [4_903_242, 4_903_242, 0]


def test_summary_restores_modes_and_removes_hooks_even_on_error() -> None:
    model = create_model("lenet5")
    model.features.eval()  # a mixed state must come back exactly
    modes = {name: m.training for name, m in model.named_modules()}
    rng_state = torch.get_rng_state()
    summary(model, (3, 32, 32))
    assert torch.equal(torch.get_rng_state(), rng_state)
    with pytest.raises(RuntimeError):
        summary(model, (5, 32, 32))  # wrong channel count fails inside the forward
    assert {name: m.training for name, m in model.named_modules()} == modes
    assert not any(m._forward_hooks for m in model.modules())
