"""Every study has one shape: a sweep over the registry (as test_models.py sweeps the model
registry), then the pieces they share: run ids, the recipe resolver, running a plan, showing a table."""

from __future__ import annotations

import ast
import inspect
import json
import re
from dataclasses import replace
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from helpers.studies.ledger import LEDGER_COLUMNS, VERDICTS
from matplotlib.figure import Figure

from helpers.config import TrainConfig
from helpers.data.constants import CLASS_NAMES
from helpers.errors import InvalidConfigError, UnknownNameError
from helpers.runs import RunOutcome
from helpers.studies import RUN_ID_PATTERN, registry, run_id, seedless_run_id
from helpers.studies.common import recipes, running
from helpers.studies.common.display import show_table
from helpers.studies.common.parameters import CHOSEN, PAPER, PROFILES
from helpers.studies.common.selection import matching_runs

from study_support import parameters

matplotlib.use("Agg")

STUDIES = {study.id: study.module() for study in registry.STUDIES}
STUDY_MODULES = ("paper", "recipe", "tables", "figures", "findings", "conclusion")  # every package has these
STUDIES_DIR = Path(registry.__file__).parent
REPO = STUDIES_DIR.parents[1]
SHAPE = {"plan": ["parameters"], "settings": ["parameters"], "tables": ["outcomes"], "figures": ["outcomes"],
         "headlines": ["outcomes"], "conclusion": ["outcomes", "parameters"], "claims_ledger": ["outcomes"],
         "answer": ["outcomes", "parameters"]}
TUNING_PHASE = {"tuning_plan": ["parameters"], "tuned_values": ["outcomes"]}
HEADLINE_KEYS = {"label", "paper", "this_run", "unit", "difference"}
FILE_NAME = re.compile(r"^[a-z0-9_]+$")  # tables/<name>.csv, figures/<name>.png

study_ids = pytest.mark.parametrize("study_id", list(STUDIES))


def fake_outcome(spec, *, top1: float = 0.5) -> RunOutcome:
    """A finished run of ``spec`` with a short, plausible history and metrics."""
    classes = list(CLASS_NAMES[spec.dataset])
    epochs = spec.config.epochs
    rising = np.linspace(0.2, top1, epochs)
    validated = spec.dataset_options.get("val_fraction", 0) > 0  # a validation split adds val_* columns
    history = pd.DataFrame({"epoch": np.arange(1, epochs + 1), "train_loss": np.linspace(2.0, 1.0, epochs),
                            "train_top1": rising + 0.05, "test_loss": 1.5, "test_top1": rising, "test_top5": 0.9,
                            **({"val_loss": 1.5, "val_top1": rising} if validated else {}),
                            "lr": np.linspace(0.1, 0.0, epochs)})
    metrics = {"params": 1000, "epochs": epochs, "num_train": 10 * len(classes), "num_test": len(classes),
               "final_train_top1": top1 + 0.05, "best_val_top1": top1 if validated else None, "test_top1": top1,
               "test_top5": 0.9, "wall_seconds": 1.0, "train_images_per_second": 10.0, "device": "cpu",
               "precision": "fp32", "classes": classes, "confusion": np.eye(len(classes), dtype=int).tolist(),
               "data_notes": ["class-balanced subset: 2 train / 1 test images per class (seed 0)"],
               "config": spec.config.to_dict(), "labels": spec.labels}
    return RunOutcome(spec=spec, history=history, metrics=metrics)


def every_spec(module, study_parameters):
    """A study's runs in the order its notebook trains them: the tuning phase (with hand-made
    outcomes choosing its values), then the plan."""
    if not hasattr(module, "tuning_plan"):
        return [], module.plan(study_parameters)
    tuning = module.tuning_plan(study_parameters)
    chosen = module.tuned_values([fake_outcome(spec, top1=0.1 + 0.01 * index) for index, spec in enumerate(tuning)])
    return tuning, module.plan(study_parameters.with_tuned(chosen))


# --- the same shape -----------------------------------------------------------------------------------

@study_ids
def test_every_study_has_the_same_functions_and_constants(study_id):
    module = STUDIES[study_id]
    assert module.STUDY_ID == study_id and isinstance(module.TITLE, str) and module.TITLE
    assert hasattr(module, "tuning_plan") == hasattr(module, "tuned_values")  # a tuning phase has both
    functions = {**SHAPE, **(TUNING_PHASE if hasattr(module, "tuning_plan") else {})}
    for name, arguments in functions.items():
        function = getattr(module, name)
        # the shared arguments, in order; a study may add keyword-only ones with defaults (study 3's
        # datasets that are not available)
        parameters = inspect.signature(function).parameters.values()
        assert [p.name for p in parameters if p.kind is not p.KEYWORD_ONLY] == arguments, name
        assert all(p.default is not p.empty for p in parameters if p.kind is p.KEYWORD_ONLY), name
        assert function.__doc__, name


@study_ids
def test_every_study_package_has_the_six_modules_and_imports_no_other_study(study_id):
    study = registry.find_study(study_id)
    folder = STUDIES_DIR / study.package
    assert {f"{name}.py" for name in STUDY_MODULES} <= {path.name for path in folder.glob("*.py")}
    others = {other.module_name for other in registry.STUDIES if other.id != study_id}
    for path in folder.glob("*.py"):
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
            elif isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
        assert not {name for name in imported for other in others if name == other or name.startswith(f"{other}.")}, \
            path.name
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 300, path.name


@study_ids
def test_the_registry_names_each_studys_notebook_title_and_datasets(study_id):
    study = registry.find_study(study_id)
    notebook = REPO / "notebooks" / study.notebook
    assert notebook.is_file() and notebook.name.startswith(f"{study_id}_")
    assert f"from helpers.studies import {study.package}" in notebook.read_text(encoding="utf-8")
    assert study.title.startswith(f"Study {int(study_id)}: ")
    planned = {spec.dataset for spec in STUDIES[study_id].plan(parameters(Path("."), "quick"))}
    assert planned <= set(study.datasets)


def test_the_registry_finds_ids_and_refuses_unknown_ones():
    assert registry.find_study("4").id == "04" and registry.study_ids() == tuple(STUDIES)
    with pytest.raises(UnknownNameError, match="unknown study id '07'; valid choices: 01, 02, 03, 04, 05"):
        registry.find_study("07")


@study_ids
def test_smoke_plan_has_unique_readable_run_ids_one_per_seed(study_id, tmp_path):
    tuning, final = every_spec(STUDIES[study_id], parameters(tmp_path, seeds=[0, 1]))
    specs = [*tuning, *final]
    run_ids = [spec.run_id for spec in specs]
    assert len(set(run_ids)) == len(run_ids)
    for spec in specs:
        assert RUN_ID_PATTERN.match(spec.run_id), spec.run_id
        assert spec.run_id.endswith(f"_seed{spec.config.seed}") and spec.labels["seed"] == spec.config.seed
    assert {spec.config.seed for spec in specs} == {0, 1}
    assert len(final) % 2 == 0 and sum(spec.config.seed == 0 for spec in final) == len(final) // 2


@study_ids
def test_run_ids_do_not_depend_on_the_profile(study_id, tmp_path):
    module = STUDIES[study_id]
    # The same runs at quick and paper, and smoke checks every one of them (study 4's pretrained
    # comparison is planned where weights are given). Smoke may plan more: study 2's equal-recipe runs
    # exist where the networks' own recipes differ, at smoke and cpu but not at quick and paper.
    run_ids = {profile: [spec.run_id for spec in module.plan(parameters(tmp_path, profile, pretrained="imagenet"))]
               for profile in PROFILES}
    assert run_ids["quick"] == run_ids["paper"]
    assert set(run_ids["quick"]) <= set(run_ids["smoke"])


@study_ids
def test_the_notebooks_parameters_reach_every_run(study_id, tmp_path):
    study_parameters = parameters(tmp_path, "paper", epochs=1, batch_size=8, device="cpu", progress="none")
    tuning, final = every_spec(STUDIES[study_id], study_parameters)
    for spec in [*tuning, *final]:
        config = spec.config
        assert (config.epochs, config.batch_size, config.device, config.progress) == (1, 8, "cpu", "none"), spec.run_id


@study_ids
def test_progress_defaults_to_auto(study_id, tmp_path):
    assert {spec.config.progress for spec in STUDIES[study_id].plan(parameters(tmp_path))} == {"auto"}


@study_ids
@pytest.mark.parametrize("profile", PROFILES)
def test_settings_tables_give_every_value_a_source(study_id, profile, tmp_path):
    table = STUDIES[study_id].settings(parameters(tmp_path, profile))
    assert list(table.columns) == ["setting", "value", "source"]
    assert table["setting"].is_unique and len(table) >= 10
    origins = (PAPER, CHOSEN, "this machine", "notebook parameter", f"{profile} profile", "beyond the paper")
    for setting, source in zip(table["setting"], table["source"]):
        assert source.startswith(origins), (setting, source)
    if profile == "paper":  # the paper profile is the paper's recipe: no source says it departs from it
        assert not table["source"].str.contains(r"\(paper profile: ").any()


@study_ids
def test_settings_name_the_notebook_parameter_that_changed_a_stated_value(study_id, tmp_path):
    table = STUDIES[study_id].settings(parameters(tmp_path, "paper", epochs=1))
    epochs = table[table["setting"].str.fullmatch(r"(\w+ )?epochs")]  # 'epochs', 'ResNet18 epochs', ...
    assert len(epochs) >= 1 and (epochs["value"] == "1").all()
    stated = epochs[~epochs["source"].str.startswith(CHOSEN)]  # study 2 states no epochs
    assert stated["source"].str.startswith("notebook parameter (paper profile: ").all()


@study_ids
def test_tables_figures_headlines_and_conclusion_from_hand_made_outcomes(study_id, tmp_path):
    module = STUDIES[study_id]
    study_parameters = parameters(tmp_path)
    tuning, final = every_spec(module, study_parameters)
    outcomes = [fake_outcome(spec) for spec in [*tuning, *final]]
    tables = module.tables(outcomes)
    assert all(FILE_NAME.match(name) and isinstance(table, pd.DataFrame) for name, table in tables.items())
    assert len(tables["runs"]) == len(outcomes)
    figures = module.figures(outcomes)
    assert figures and all(FILE_NAME.match(name) and isinstance(figure, Figure) for name, figure in figures.items())
    headlines = module.headlines(outcomes)
    # A headline may carry the notes about the data it rests on (results.csv shows those).
    assert headlines and all(HEADLINE_KEYS <= set(item) <= HEADLINE_KEYS | {"uncertainty", "verdict", "data_notes", "seeds"}
                             for item in headlines)
    # Every compared number carries its uncertainty (issue 12): in the headline's unit, with kind and n.
    assert all({"value", "kind", "n"} <= set(item["uncertainty"]) for item in headlines), headlines
    # ... and names the seeds it rests on, a part of the study's (the index shows those, not the study's).
    seeds_run = {outcome.spec.config.seed for outcome in outcomes}
    assert all(item["seeds"] and set(item["seeds"]) <= seeds_run for item in headlines if item["this_run"] is not None)
    json.dumps(headlines)
    text = module.conclusion(outcomes, study_parameters)
    assert isinstance(text, str) and ("pipeline" in text or "reduced data" in text)  # smoke: what it proves
    # The claims ledger (issue 29): one row per claim of the paper, each with a verdict of the common
    # vocabulary and what would decide it; the answer that opens the report stays short.
    ledger = module.claims_ledger(outcomes)
    assert [row["claim"] for row in ledger] == [claim.statement for claim in module.CLAIMS]
    assert all(set(row) == set(LEDGER_COLUMNS) and row["verdict"] in VERDICTS and row["what would decide it"]
               for row in ledger), ledger
    assert len({claim.key for claim in module.CLAIMS}) == len(module.CLAIMS)
    json.dumps(ledger)
    answer = module.answer(outcomes, study_parameters)
    assert answer.startswith("**Answer.**") and len(answer.split()) <= 140, answer


# --- run ids ------------------------------------------------------------------------------------------

def test_run_ids_are_lower_case_labels_joined_by_underscores():
    assert run_id("resnet18", "imagenet", seed=0) == "resnet18_imagenet_seed0"
    assert run_id("model", "A+c+l", seed=2) == "model_a_c_l_seed2"
    assert run_id("grid", "lr0.01", "momentum0.9", seed=1) == "grid_lr0.01_momentum0.9_seed1"
    with pytest.raises(ValueError, match="run id"):
        run_id(seed=0)  # no label at all


def test_a_seedless_run_id_is_what_the_seeds_of_one_run_share():
    assert seedless_run_id(run_id("model", "A+c+l", seed=2)) == seedless_run_id(run_id("model", "A+c+l", seed=0))
    assert seedless_run_id("grid_lr0.01_momentum0.9_seed1") == "grid_lr0.01_momentum0.9"
    assert seedless_run_id("seed_study_seed12") == "seed_study" and seedless_run_id("cli") == "cli"


# --- the recipe resolver ------------------------------------------------------------------------------

RECIPE = recipes.Recipe(
    paper=dict(epochs=100, batch_size=128, optimizer="sgd", lr=0.1, weight_decay=5e-4, augmentation="crop_flip",
               crop_padding=4, warmup_epochs=2.0),
    stated=("epochs", "augmentation"),
    profiles={"smoke": dict(epochs=2, batch_size=50)},
    data={"smoke": dict(train_per_class=20, test_per_class=10)},
    notes={"lr": "the usual value"},
)


def test_a_run_config_is_the_profile_then_the_notebook_then_the_runs_changes(tmp_path):
    smoke = parameters(tmp_path, device="cpu", progress="epoch")
    config = recipes.train_config(RECIPE, smoke, seed=3)
    assert (config.epochs, config.batch_size, config.lr, config.seed, config.device, config.progress) == (
        2, 50, 0.1, 3, "cpu", "epoch")
    assert config.warmup_epochs == 2.0
    overridden = parameters(tmp_path, epochs=1, batch_size=8)
    config = recipes.train_config(RECIPE, overridden, seed=0, changes={"lr": 0.5})
    assert (config.epochs, config.batch_size, config.lr) == (1, 8, 0.5)
    assert config.warmup_epochs == 1.0  # a run shorter than its warm-up warms up over all of it
    assert recipes.train_config(RECIPE, overridden, seed=0, changes={"epochs": 4}).epochs == 4  # a run's own length
    assert RECIPE.dataset_options("smoke") == {"train_per_class": 20, "test_per_class": 10}
    assert RECIPE.dataset_options("paper") == {}


def test_sources_follow_the_declaration(tmp_path):
    paper, smoke = parameters(tmp_path, "paper"), parameters(tmp_path)
    assert recipes.source(RECIPE, paper, "epochs") == PAPER
    assert recipes.source(RECIPE, smoke, "epochs") == "smoke profile (paper profile: 100)"
    assert recipes.source(RECIPE, parameters(tmp_path, "paper", epochs=3), "epochs") == (
        "notebook parameter (paper profile: 100)")
    assert recipes.source(RECIPE, paper, "batch_size") == CHOSEN
    assert recipes.source(RECIPE, smoke, "batch_size") == f"{CHOSEN} (smoke profile)"
    assert recipes.source(RECIPE, paper, "lr") == f"{CHOSEN} (the usual value)"
    assert recipes.source(RECIPE, paper, "augmentation", "crop_padding") == f"{PAPER} (crop padding: {CHOSEN})"
    assert recipes.source(RECIPE, smoke, "augmentation", "epochs") == "smoke profile (paper profile: epochs 100)"


def test_variants_and_images_row(tmp_path):
    quick_only = RECIPE.variant("quick", lr=0.01)
    assert quick_only.fields("quick")["lr"] == 0.01 and quick_only.fields("paper")["lr"] == 0.1
    everywhere = RECIPE.variant(augmentation="none")
    assert {everywhere.fields(profile)["augmentation"] for profile in PROFILES} == {"none"}
    assert recipes.images_row(RECIPE, parameters(tmp_path), everything="all") == (
        "images used", "the embedded samples (data/samples), not the full dataset: 20 train / 10 test images per class",
        "smoke profile (paper profile: all images)")
    assert recipes.images_row(RECIPE, parameters(tmp_path, "paper"), everything="all") == ("images used", "all", PAPER)


def test_a_recipe_with_an_unknown_field_profile_or_value_raises_at_once():
    with pytest.raises(InvalidConfigError, match="epoch"):
        recipes.Recipe(paper=dict(epoch=10))
    with pytest.raises(InvalidConfigError, match="huge"):
        recipes.Recipe(paper=dict(epochs=10), profiles={"huge": {}})
    with pytest.raises(InvalidConfigError, match="stated"):
        recipes.Recipe(paper=dict(epochs=10), stated=("lr",))
    with pytest.raises(InvalidConfigError, match="paper lacks 'weight_decay'"):
        recipes.Recipe(paper=dict(epochs=10, batch_size=8, optimizer="sgd", lr=0.1, augmentation="none"))
    with pytest.raises(UnknownNameError, match="optimizer"):
        recipes.Recipe(paper={**RECIPE.paper, "optimizer": "adagrad"})


def test_progress_is_a_checked_study_parameter(tmp_path):
    assert parameters(tmp_path).progress == "auto"
    with pytest.raises(UnknownNameError, match="progress"):
        parameters(tmp_path, progress="bars")
    assert TrainConfig().progress == "auto"


# --- running a plan, showing a table ------------------------------------------------------------------

def test_run_plan_passes_every_notebook_parameter(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(running, "run_all", lambda specs, output_dir, **options: calls.append((output_dir, options)))
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    for profile, stand_in in (("smoke", True), ("paper", False)):
        study_parameters = parameters(tmp_path, profile, data_dir=str(data_dir), download=True)
        running.run_plan([], replace(study_parameters, torchrun_processes=2))
        assert calls[-1] == (tmp_path, {"data_dir": str(data_dir), "download": True, "samples": stand_in,
                                        "synthetic_stand_in": stand_in})
    for profile, fetches in (("smoke", False), ("quick", True), ("paper", True)):  # download=None: the profile's
        assert parameters(tmp_path, profile, download=None).download is fetches


def test_show_table_formats_every_table_alike():
    frame = pd.DataFrame({"model": ["A", "B"], "top-1": [0.123456, np.nan], "loss": [0.123456, 1.0]})
    html = show_table(frame).to_html()
    assert "12.35 %" in html and "0.1235" in html and "n/a" in html  # accuracies in percent, losses as numbers
    assert "<th class=\"blank level0\"" not in html and ">0<" not in html  # no row numbers
    named = show_table(frame.set_index("model")).to_html()
    assert ">A<" in named and "model" in named  # a named index stays visible, as columns
    assert "0.1<" in show_table(frame, precision=1).to_html()
    gaps = pd.DataFrame({"difference (points)": [2.5, -1.25], "± 1 SE (points)": [2.3, 0.5],
                         "seed sd (points)": [0.04, 1.0]})
    cells = re.findall(r">([^<>]+)</td>", show_table(gaps).to_html())
    assert cells == ["+2.50", "2.30", "0.04", "-1.25", "0.50", "1.00"]  # gaps signed, uncertainties not


# --- a study run in part (the runs parameter) ---------------------------------------------------------

@study_ids
def test_a_study_run_in_part_gives_every_table_figure_and_conclusion_with_the_rest_not_run(study_id, tmp_path):
    module = STUDIES[study_id]
    tuning, final = every_spec(module, parameters(tmp_path))
    chosen = final[-1]  # the plan's last run: for study 5 a final run without its tuning phase
    study_parameters = parameters(tmp_path, runs=chosen.run_id)
    if hasattr(module, "tuned_values"):  # no tuning run matches: the study's fallback values
        study_parameters = study_parameters.with_tuned(module.tuned_values([]))
        chosen = next(spec for spec in module.plan(study_parameters) if spec.run_id == chosen.run_id)
    selected = matching_runs([*tuning, *module.plan(study_parameters)], study_parameters.runs)
    assert [spec.run_id for spec in selected] == [chosen.run_id]
    outcomes = [fake_outcome(chosen)]
    tables = module.tables(outcomes)
    assert len(tables["runs"]) == 1
    shown = pd.concat([table.astype(str) for table in tables.values()], ignore_index=True)
    assert shown.apply(lambda column: column.str.contains("not run")).any().any()  # the paper's other rows
    assert module.figures(outcomes)
    json.dumps(module.headlines(outcomes))
    assert isinstance(module.conclusion(outcomes, study_parameters), str)


def test_runs_is_a_checked_parameter_that_takes_one_pattern_or_a_list(tmp_path):
    assert parameters(tmp_path).runs is None and not parameters(tmp_path).in_part
    assert parameters(tmp_path, runs="B+c+l").runs == ("B+c+l",)
    assert parameters(tmp_path, runs='["B+c+l", "A+*"]').runs == ("B+c+l", "A+*")  # papermill -p passes text
    assert parameters(tmp_path, runs=["resnet18_*"]).in_part
    for bad in ([], "", [1], 3, "[unclosed"):
        with pytest.raises(InvalidConfigError, match=r"invalid runs .*expected a pattern"):
            parameters(tmp_path, runs=bad)


def test_the_plan_banner_says_the_study_ran_in_part_and_refuses_a_pattern_that_matches_nothing(tmp_path):
    from helpers.studies.common.recording import plan_banner

    specs = STUDIES["04"].plan(parameters(tmp_path))
    banner = plan_banner(specs, parameters(tmp_path, runs="B+c+l"))
    assert "Run in part" in banner and f"1 of the study's {len(specs)} runs" in banner
    assert "Run in part" not in plan_banner(specs, parameters(tmp_path))
    assert "Samples: these numbers do not test the paper's claim" in plan_banner(specs, parameters(tmp_path))
    with pytest.raises(InvalidConfigError, match=re.escape("no run matches the pattern 'B+c+x'")):
        plan_banner(specs, parameters(tmp_path, runs=["B+c+l", "B+c+x"]))


def test_the_plan_banner_of_a_real_data_subset_asks_for_care_not_dismissal(tmp_path):
    from helpers.studies.common.recording import plan_banner

    cpu = parameters(tmp_path, "cpu", data_dir=str(tmp_path))
    specs = STUDIES["03"].plan(cpu)  # cpu v2 trains on every image; v1 took 800 per class
    subset = [replace(spec, dataset_options={**spec.dataset_options, "train_per_class": 800}) for spec in specs]
    banner = plan_banner(subset, cpu)
    assert "Less data than the paper used: compare these numbers with the paper's with that in mind" in banner
    assert "do not test" not in banner and "<b>subset</b> of cifar10, fashion_mnist" in banner
    whole = plan_banner(specs, cpu)
    assert "subset" not in whole and "the full datasets on disk (cifar10, fashion_mnist)" in whole


def test_a_figure_that_did_not_run_is_a_placeholder_that_says_so():
    from helpers.studies.common.display import with_profile

    figure = Figure()
    figure.add_subplot().set_title("curves")
    figures = with_profile({"curves": figure}, "smoke")
    assert figures["curves"] is figure and figure.axes[0].get_title() == "curves (smoke profile)"
    placeholder = figures["fig4_model_b_curves"]  # not made: its runs did not train
    assert "fig4_model_b_curves: not run" in placeholder.texts[0].get_text()
    assert list(figures) == ["curves"]  # only real figures are saved


def test_the_runs_table_names_a_cpu_runs_thread_count():
    from helpers.studies.common.summaries import device_text

    assert device_text({"device": "cpu", "cpu_threads": 1}) == "cpu, 1 thread"
    assert device_text({"device": "cpu", "cpu_threads": 2}) == "cpu, 2 threads"
    assert device_text({"device": "cuda:0", "cpu_threads": None}) == "cuda:0"
    assert device_text({"device": "cpu"}) == "cpu"  # a run saved before threads were recorded


def test_a_registered_title_belongs_to_the_registered_notebook_only():
    study = registry.find_study("02")
    assert registry.registered_title("02", study.notebook) == study.title
    assert registry.registered_title("02", "02_b.ipynb") is None and registry.registered_title("09", "x") is None
