"""The cpu profile's targets (issue 30), checked against the published reports.

Reads ``reports/cpu/NN/`` (each study's ``metrics.json`` for its claims ledger and unstable runs,
each ``runs/<run_id>/metrics.json`` for the run's labels and numbers) and prints one line per
target: what it asks, the measured number (mean over seeds, with the seeds count and, for more
than one seed, the sample standard deviation over seeds), and ``pass``, ``MISSED`` or ``no runs
yet``. Accuracy is the run's ``test_top1``, the number each study's headline uses: the final
epoch in studies 1, 2, 4 and 5; in study 3 the epoch chosen on validation (its recipe sets
``restore_best``). Results go to ``benchmarks/results/cpu_targets.json``. It reports, it does
not gate: the exit status is 0 unless the reports cannot be read (then 2).

    python benchmarks/cpu_targets.py [--reports reports/cpu] [--out benchmarks/results/cpu_targets.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))
from helpers.batch.records import runs_core_seconds  # noqa: E402
from helpers.batch.state import ALTERNATE_MARK  # noqa: E402
from helpers.io import write_json  # noqa: E402
from helpers.runs.spec import recorded_config  # noqa: E402
from helpers.studies.ledger import CONTRADICTED, SUPPORTED  # noqa: E402

REPORTS = PROJECT_ROOT / "reports" / "cpu"
OUTPUT = PROJECT_ROOT / "benchmarks" / "results" / "cpu_targets.json"
PASS, MISSED, NO_RUNS = "pass", "MISSED", "no runs yet"
DECIDED = (SUPPORTED, CONTRADICTED)  # the ledger's verdicts that decide a claim; the others leave it open
METRIC = "test_top1"
# Budgets (issue 30): a study's and the profile's in core-hours (each run's wall time x its threads x its
# processes, summed over the runs), one run's in hours of wall time (a sitting); any study not named: DEFAULT.
STUDY_BUDGET_HOURS, DEFAULT_BUDGET_HOURS, TOTAL_BUDGET_HOURS, RUN_BUDGET_HOURS = {"01": 10.0}, 5.0, 30.0, 3.0
CIFAR10_TRAIN_IMAGES = 25_000  # the CIFAR-10 training images on disk (the official split has 50,000)
# Study 4's rows of the paper's Tables 1-3 (helpers/studies/s04_caltech_tweaks/recipe.py: plan):
# Models A-D plain, then A and B with each of the seven refinement combinations.
STUDY4_ROWS = tuple([(f"Model-{m}", "none") for m in "ABCD"] + [
    (f"Model-{m}", r) for m in "AB" for r in ("c", "l", "m", "c+l", "c+m", "l+m", "c+l+m")])


class UnreadableReports(Exception):
    """The reports folder or one of its JSON files cannot be read."""


@dataclasses.dataclass(frozen=True)
class Run:
    """One run folder: its id, labels (model, dataset, seed, ...) and metrics."""
    run_id: str
    labels: Mapping[str, Any]
    metrics: Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class Study:
    """One study's published report: its runs, claims ledger rows and unstable runs (id -> why);
    ``set_aside``: finished runs kept under an alternate name (``<run id>~2``: a run of that id trained
    another way, replaced by a newer one), which count for CPU time but for no accuracy."""
    number: str
    runs: tuple[Run, ...]
    claims: tuple[Mapping[str, Any], ...] = ()
    unstable_runs: Mapping[str, str] = dataclasses.field(default_factory=dict)
    grid_choice: Mapping[str, float] | None = None
    set_aside: tuple[Run, ...] = ()
    headline: tuple[Mapping[str, Any], ...] = ()


@dataclasses.dataclass(frozen=True)
class Target:
    """One target's outcome: the measured text, its number and seeds where it has them, the status."""
    study: str
    target: str
    status: str
    measured: str = ""
    value: float | None = None
    seeds: int | None = None
    spread: float | None = None
    detail: str = ""


# Reading --------------------------------------------------------------------------------------

def read_json_file(path: Path) -> Any:
    """A JSON file's content; :class:`UnreadableReports` naming the file when it cannot be read."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UnreadableReports(f"cannot read {path}: {error}") from error


def read_run(path: Path) -> Run:
    """The run whose ``metrics.json`` is ``path``; :class:`UnreadableReports` when it lacks a number
    the targets read (top-1 and wall time; a grid run's lr and momentum labels and validation top-1)."""
    metrics = read_json_file(path)
    labels = metrics.get("labels") if isinstance(metrics, dict) else None
    if not isinstance(labels, dict):
        raise UnreadableReports(f"{path}: not a run's metrics (no labels)")
    needed = [(metrics, "test_top1"), (metrics, "wall_seconds")]
    if labels.get("phase") == "grid":
        needed += [(metrics, "best_val_top1"), (labels, "lr"), (labels, "momentum")]
    missing = [name for source, name in needed if not isinstance(source.get(name), (int, float))]
    if missing:
        raise UnreadableReports(f"{path}: no number for {', '.join(missing)}")
    return Run(str(metrics.get("run_id", path.parent.name)), labels, metrics)


def read_study(folder: Path, *, with_new_runs: bool = False) -> Study:
    """The study in ``folder``: runs from ``runs/*/metrics.json``, the rest from ``metrics.json``
    (claims, unstable runs, grid choice, headline), which may be absent while runs are being made. With
    ``with_new_runs`` the runs finished for the study's next report (``new-runs/``) replace those of
    the same id: their accuracy, before any report shows them (the claims stay the report's); runs
    kept there under an alternate name are set aside (:class:`Study`)."""
    by_id = {path.parent.name: path for path in sorted(folder.glob("runs/*/metrics.json"))}
    if with_new_runs:
        by_id.update({path.parent.name: path for path in sorted(folder.glob("new-runs/*/metrics.json"))})
    runs = [read_run(path) for _, path in sorted(by_id.items()) if ALTERNATE_MARK not in path.parent.name]
    set_aside = [read_run(path) for _, path in sorted(by_id.items()) if ALTERNATE_MARK in path.parent.name]
    summary = read_json_file(folder / "metrics.json") if (folder / "metrics.json").exists() else {}
    if not isinstance(summary, dict):
        raise UnreadableReports(f"{folder / 'metrics.json'}: not a study's metrics")
    return Study(folder.name, tuple(runs), tuple(summary.get("claims") or ()), dict(summary.get("unstable_runs") or {}),
                 summary.get("grid_choice"), tuple(set_aside), tuple(summary.get("headline") or ()))


def read_reports(root: Path, *, with_new_runs: bool = False) -> dict[str, Study]:
    """Every study folder (a name of digits, e.g. ``01``) under ``root``, by number (see
    :func:`read_study` for ``with_new_runs``); :class:`UnreadableReports` when ``root`` is not a folder."""
    if not root.is_dir():
        raise UnreadableReports(f"no reports folder at {root}")
    return {folder.name: read_study(folder, with_new_runs=with_new_runs) for folder in sorted(root.iterdir())
            if folder.is_dir() and folder.name.isdigit()}


# Grouping and measuring ---------------------------------------------------------------------------

def is_pretrained(run: Run) -> bool:
    """Whether ``run`` started from pretrained weights (label ``start: pretrained``)."""
    return run.labels.get("start") == "pretrained"


def select(runs: Sequence[Run], **labels: Any) -> list[Run]:
    """The from-scratch runs whose labels equal every given value; ``None`` asks for the label's absence."""
    return [run for run in runs if not is_pretrained(run)
            and all(run.labels.get(name) == value for name, value in labels.items())]


def group_by(runs: Sequence[Run], key: Callable[[Run], Any]) -> dict[Any, list[Run]]:
    """``runs`` by ``key(run)``, seeds together, in the order first seen."""
    groups: dict[Any, list[Run]] = {}
    for run in runs:
        groups.setdefault(key(run), []).append(run)
    return groups


def over_seeds(runs: Sequence[Run], key: str = METRIC) -> tuple[float, float | None, int]:
    """Mean of ``key`` over ``runs`` (seeds), its sample standard deviation (None for one seed), seeds."""
    values = [float(run.metrics[key]) for run in runs]
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else None, len(values)


def percent_text(mean: float, spread: float | None, seeds: int) -> str:
    """'78.60 % (1 seed)' or '78.60 ± 0.31 % (2 seeds)': numbers in percent, spread over seeds."""
    plural = "seed" if seeds == 1 else "seeds"
    return (f"{100 * mean:.2f} % ({seeds} {plural})" if spread is None
            else f"{100 * mean:.2f} ± {100 * spread:.2f} % ({seeds} {plural})")


def is_decided(verdict: str) -> bool:
    """Whether a ledger verdict decides its claim (supported or contradicted)."""
    return str(verdict).startswith(DECIDED)


def find_claim(claims: Sequence[Mapping[str, Any]], *fragments: str) -> Mapping[str, Any] | None:
    """The first ledger row whose claim text contains every fragment, or None."""
    return next((row for row in claims if all(part in str(row.get("claim", "")) for part in fragments)), None)


# Checks ---------------------------------------------------------------------------------------

def accuracy_target(study: str, target: str, runs: Sequence[Run], threshold: float) -> Target:
    """Mean top-1 over the seeds of ``runs`` against ``threshold`` (a fraction)."""
    if not runs:
        return Target(study, target, NO_RUNS)
    mean, spread, seeds = over_seeds(runs)
    return Target(study, target, PASS if mean >= threshold else MISSED, percent_text(mean, spread, seeds),
                  mean, seeds, spread)


def verdict_target(study: str, target: str, claim: Mapping[str, Any] | None, has_runs: bool, *,
                   measured: str = "") -> Target:
    """A claim that must have a decided verdict: pass when it does, the verdict printed either way."""
    if not has_runs:
        return Target(study, target, NO_RUNS)
    if claim is None:
        return Target(study, target, MISSED, measured or "no ledger row", detail="no ledger row for the claim")
    verdict = str(claim.get("verdict", ""))
    text = f"{measured}; verdict: {verdict}" if measured else f"verdict: {verdict}"
    return Target(study, target, PASS if is_decided(verdict) else MISSED, text, seeds=seed_count(claim))


def headline_gap(study: Study, label: str) -> str:
    """The report's headline difference of that label in points with its uncertainty ('+1.85 ± 0.28
    points'; headline values are fractions), or '' where the report has none."""
    item = next((row for row in study.headline if row.get("label") == label and row.get("this_run") is not None), None)
    if item is None:
        return ""
    spread = (item.get("uncertainty") or {}).get("value")
    return f"{100 * item['this_run']:+.2f}" + (f" ± {100 * spread:.2f}" if spread is not None else "") + " points"


def seed_count(claim: Mapping[str, Any]) -> int | None:
    """A ledger row's seeds as a number; None where it rests on no runs ('-')."""
    try:
        return int(str(claim.get("seeds", "")).strip())
    except ValueError:
        return None


def grid_optimum(runs: Sequence[Run], unstable: Mapping[str, str]
                 ) -> tuple[tuple[float, float], list[float], list[float]]:
    """The grid point (lr, momentum) with the highest mean best validation top-1 over seeds (among
    points with no unstable run, when there are any), and the grid's learning rates and momenta."""
    points = group_by(runs, lambda run: (float(run.labels["lr"]), float(run.labels["momentum"])))
    stable = {point: point_runs for point, point_runs in points.items()
              if not any(run.run_id in unstable for run in point_runs)} or points
    best = max(stable, key=lambda point: over_seeds(stable[point], "best_val_top1")[0])
    return best, sorted({lr for lr, _ in points}), sorted({momentum for _, momentum in points})


def is_inside_grid(point: tuple[float, float], lrs: Sequence[float], momenta: Sequence[float]) -> bool:
    """Whether ``point`` lies on no edge of the grid: neither its lowest nor highest lr or momentum."""
    lr, momentum = point
    return min(lrs) < lr < max(lrs) and min(momenta) < momentum < max(momenta)


# Targets, study by study --------------------------------------------------------------------------

def study1_targets(study: Study) -> list[Target]:
    """Study 1: both CIFAR-stem top-1 targets, stable ImageNet-stem runs, a verdict on ResNet-18
    minus ResNet-50 per stem (runs labelled model 'ResNet-18'/'ResNet-50', stem 'imagenet'/'cifar')."""
    runs = study.runs
    targets = [accuracy_target("01", f"{model} (CIFAR stem) top-1 >= {100 * threshold:.0f} %",
                               select(runs, model=model, stem="cifar"), threshold)
               for model, threshold in (("ResNet-18", 0.89), ("ResNet-50", 0.87))]
    imagenet = select(runs, stem="imagenet")
    unstable = [run.run_id for run in imagenet if run.run_id in study.unstable_runs]
    targets.append(Target("01", "ImageNet-stem runs all stable",
                          NO_RUNS if not imagenet else MISSED if unstable else PASS,
                          f"{len(imagenet) - len(unstable)} of {len(imagenet)} runs stable" if imagenet else "",
                          detail="unstable: " + ", ".join(unstable) if unstable else ""))
    for stem, words in (("imagenet", "ImageNet stem"), ("cifar", "CIFAR stem")):
        resnet18, resnet50 = select(runs, model="ResNet-18", stem=stem), select(runs, model="ResNet-50", stem=stem)
        # The report's own difference (paired over the seeds both networks trained) where it has one,
        # so that this line and the report agree; else the means' difference.
        difference = (headline_gap(study, f"ResNet-18 minus ResNet-50 test top-1 ({words})")
                      or f"{100 * (over_seeds(resnet18)[0] - over_seeds(resnet50)[0]):+.2f} points"
                      if resnet18 and resnet50 else "")
        targets.append(verdict_target("01", f"ResNet-18 minus ResNet-50 ({words}) has a verdict",
                                      find_claim(study.claims, "ResNet-18 beats ResNet-50", words),
                                      bool(resnet18 and resnet50), measured=difference))
    return targets


def study2_targets(study: Study) -> list[Target]:
    """Study 2: each network's own-recipe top-1 (runs with no 'recipe' label) on MNIST and the
    ResNet's on CIFAR-10; whether LeNet and AlexNet have CIFAR-10 runs at the ResNet's recipe: runs
    labelled so, or their own runs where their recipe is the ResNet's (the cpu v2 profile trains the
    three networks with one recipe)."""
    runs = study.runs
    targets = [accuracy_target("02", f"MNIST {model} top-1 >= {100 * threshold:.1f} %",
                               select(runs, dataset="MNIST", model=model, recipe=None), threshold)
               for model, threshold in (("ResNet", 0.995), ("LeNet", 0.991), ("AlexNet", 0.994))]
    targets.append(accuracy_target("02", "CIFAR-10 ResNet top-1 >= 89 %",
                                   select(runs, dataset="CIFAR-10", model="ResNet", recipe=None), 0.89))
    resnet = {run.labels.get("seed"): _recipe(run) for run in select(runs, dataset="CIFAR-10", model="ResNet",
                                                                        recipe=None)}
    seeds = {model: len(select(runs, dataset="CIFAR-10", model=model, recipe="ResNet's recipe"))
             + sum(1 for run in select(runs, dataset="CIFAR-10", model=model, recipe=None)
                   if _recipe(run) is not None and _recipe(run) == resnet.get(run.labels.get("seed")))
             for model in ("LeNet", "AlexNet")}
    has_cifar = bool(select(runs, dataset="CIFAR-10"))
    targets.append(Target("02", "CIFAR-10: LeNet, AlexNet also run with the ResNet's recipe",
                          NO_RUNS if not has_cifar else PASS if all(seeds.values()) else MISSED,
                          "; ".join(f"{model}: " + (f"yes ({count} seed{'s' * (count > 1)})" if count else "no")
                                    for model, count in seeds.items()) if has_cifar else ""))
    return targets


def _recipe(run: Run) -> dict | None:
    """A run's training config without its seed (None where metrics.json has no config); a run
    recorded before configs named their processes trained on one."""
    config = run.metrics.get("config")
    if not isinstance(config, dict):
        return None
    return {name: value for name, value in recorded_config(config).items() if name != "seed"}


def study3_targets(study: Study) -> list[Target]:
    """Study 3: ResNet-18 on Fashion-MNIST; ResNet-18 on CIFAR-10 trained on all its training
    images (num_train + num_val); the verdict of the claim that the gap widens on harder data."""
    runs = study.runs
    targets = [accuracy_target("03", "Fashion-MNIST ResNet-18 top-1 >= 93.4 %",
                               select(runs, dataset="Fashion-MNIST", model="ResNet-18"), 0.934)]
    cifar = select(runs, dataset="CIFAR-10", model="ResNet-18")
    target = accuracy_target("03", f"CIFAR-10 ResNet-18 on all {CIFAR10_TRAIN_IMAGES:,} images, top-1 >= 89 %",
                             cifar, 0.89)
    if cifar:
        images = min(int(run.metrics.get("num_train") or 0) + int(run.metrics.get("num_val") or 0) for run in cifar)
        status = target.status if images >= CIFAR10_TRAIN_IMAGES else MISSED
        target = dataclasses.replace(target, status=status, measured=f"{target.measured}, {images:,} images "
                                     "(num_train + num_val)")
    targets.append(target)
    targets.append(verdict_target("03", "gap widening on the harder dataset has a verdict",
                                  find_claim(study.claims, "fall further behind the ResNets"), bool(runs)))
    return targets


def study4_targets(study: Study) -> list[Target]:
    """Study 4: two seeds for every row of Tables 1-3 (runs labelled model 'Model-A'..'Model-D' and
    refinements, without the pretrained comparison's 'start' label); the best from-scratch top-1."""
    rows = group_by(select(study.runs, start=None),
                    lambda run: (run.labels.get("model"), run.labels.get("refinements")))
    seeds = {row: len(rows.get(row, [])) for row in STUDY4_ROWS}
    short = [f"{model.removeprefix('Model-')}{'' if refinements == 'none' else '+' + refinements}" for
             (model, refinements), count in seeds.items() if count < 2]
    targets = [Target("04", "every A-D variant and refinement row with >= 2 seeds",
                      NO_RUNS if not rows else MISSED if short else PASS,
                      f"{len(STUDY4_ROWS) - len(short)} of {len(STUDY4_ROWS)} rows; fewest seeds {min(seeds.values())}"
                      if rows else "", detail="short of 2 seeds: " + ", ".join(short) if short else "")]
    scratch = group_by(select(study.runs), lambda run: (run.labels.get("model"), run.labels.get("refinements"),
                                                        run.labels.get("start")))
    if not scratch:
        return targets + [Target("04", "best from-scratch top-1 >= 65 %", NO_RUNS)]
    best = max(scratch, key=lambda key: over_seeds(scratch[key])[0])
    target = accuracy_target("04", "best from-scratch top-1 >= 65 %", scratch[best], 0.65)
    name = f"{best[0]} {best[1]}" + (f" ({best[2]})" if best[2] else "")
    return targets + [dataclasses.replace(target, measured=f"{target.measured}, {name}")]


def study5_targets(study: Study) -> list[Target]:
    """Study 5: the final runs' top-1 (labels model 'ResNet18'/'ResNetLarge', phase 'final') and
    whether the grid's optimum (phase 'grid', labels lr and momentum) lies inside the grid."""
    final = [run for run in study.runs if run.labels.get("phase") not in ("grid", "ablation")]
    targets = [accuracy_target("05", "ResNet18 top-1 >= 89 %", select(final, model="ResNet18"), 0.89),
               accuracy_target("05", "ResNetLarge top-1 >= 88 %", select(final, model="ResNetLarge"), 0.88)]
    grid = select(study.runs, phase="grid")
    if not grid:
        return targets + [Target("05", "grid optimum inside the grid", NO_RUNS)]
    (lr, momentum), lrs, momenta = grid_optimum(grid, study.unstable_runs)
    measured = (f"optimum lr {lr:g}, momentum {momentum:g}; grid lr {', '.join(f'{v:g}' for v in lrs)}, "
                f"momentum {', '.join(f'{v:g}' for v in momenta)}")
    choice = study.grid_choice or {}
    detail = (f"metrics.json grid_choice differs: lr {choice.get('lr')}, momentum {choice.get('momentum')}"
              if choice and (choice.get("lr"), choice.get("momentum")) != (lr, momentum) else "")
    return targets + [Target("05", "grid optimum inside the grid (no edge lr or momentum)",
                             PASS if is_inside_grid((lr, momentum), lrs, momenta) else MISSED, measured, detail=detail)]


STUDY_TARGETS = {"01": study1_targets, "02": study2_targets, "03": study3_targets, "04": study4_targets,
                 "05": study5_targets}


# Profile-wide ---------------------------------------------------------------------------------

def claims_on_unstable_runs(study: Study) -> list[str]:
    """The decided claims of ``study`` that rest on an unstable run. ``metrics.json`` does not link
    a ledger row to its runs, so a row counts when its claim or 'this run' text names an unstable
    run's id or model label (conservative: it may count a row that used other runs of that model)."""
    names = {name for run in study.runs if run.run_id in study.unstable_runs
             for name in (run.run_id, str(run.labels.get("model", run.run_id)))} | set(study.unstable_runs)
    return [str(row.get("claim", "")) for row in study.claims if is_decided(str(row.get("verdict", "")))
            and any(name in f"{row.get('claim', '')} {row.get('this run', '')}" for name in names)]


def study_core_seconds(study: Study) -> tuple[float, int]:
    """The CPU time of ``study``'s runs in core-seconds (wall x threads x processes, as the index counts
    it: :func:`helpers.batch.records.runs_core_seconds`; every run of the cpu profile trained on a CPU)
    and how many runs recorded no thread count (each counted at one thread); runs set aside count too."""
    runs = study.runs + study.set_aside
    counted = runs_core_seconds({"runs": {str(index): {**run.metrics, "device": "cpu"} for index, run in enumerate(runs)}})
    return counted or (0.0, 0)


def lower_bound(unknown: int) -> str:
    """'>= ' where ``unknown`` runs recorded no thread count, so the core-hours are a lower bound."""
    return ">= " if unknown else ""


def without_threads(unknown: int) -> str:
    """The note for runs without a recorded thread count ('' when there are none)."""
    return f"{unknown} run(s) recorded no thread count, counted at one thread" if unknown else ""


def profile_targets(studies: Mapping[str, Study]) -> list[Target]:
    """Across the profile: no decided verdict on an unstable run; every decided ledger row that
    rests on runs has >= 2 seeds; core-hours per study and in all, and wall hours per run, against the
    budgets (runs that recorded no thread count count as one thread: a lower bound, said so)."""
    present = {number: study for number, study in studies.items() if study.runs}
    if not present:
        return [Target("all", name, NO_RUNS) for name in ("no verdict rests on an unstable run",
                                                          "decided claims with >= 2 seeds", "total CPU time")]
    on_unstable = {number: claims_on_unstable_runs(study) for number, study in present.items()}
    flagged = [f"{number}: {claim[:60]}" for number, claims in on_unstable.items() for claim in claims]
    unstable_count = sum(len(study.unstable_runs) for study in present.values())
    targets = [Target("all", "no verdict rests on an unstable run", MISSED if flagged else PASS,
                      f"{len(flagged)} decided claims on {unstable_count} unstable runs", detail="; ".join(flagged))]
    decided = [(number, row) for number, study in present.items() for row in study.claims
               if is_decided(str(row.get("verdict", "")))]
    on_runs = [(number, row) for number, row in decided if seed_count(row) is not None]
    short = group_by([number for number, row in on_runs if seed_count(row) < 2], lambda number: number)
    targets.append(Target("all", "decided claims with >= 2 seeds", MISSED if short else PASS,
                          f"{len(on_runs) - sum(map(len, short.values()))} of {len(on_runs)} rows "
                          f"({len(decided) - len(on_runs)} decided rows rest on no runs)",
                          detail="short of 2 seeds: " + ", ".join(f"study {n}: {len(r)}" for n, r in short.items())))
    hours, unknown = {}, {}
    for number, study in present.items():
        seconds, unknown[number] = study_core_seconds(study)
        hours[number] = seconds / 3600
    for number in sorted(set(STUDY_TARGETS) | set(studies)):
        budget = STUDY_BUDGET_HOURS.get(number, DEFAULT_BUDGET_HOURS)
        name = f"study {int(number)} CPU time <= {budget:g} core-h"
        targets.append(Target("all", name, NO_RUNS) if number not in hours else
                       Target("all", name, PASS if hours[number] <= budget else MISSED,
                              f"{lower_bound(unknown[number])}{hours[number]:.2f} core-h", hours[number],
                              detail=without_threads(unknown[number])))
    missing = sorted(set(STUDY_TARGETS) - set(present))
    total = sum(hours.values())
    details = [without_threads(sum(unknown.values())), "studies without runs: " + ", ".join(missing) if missing else ""]
    targets.append(Target("all", f"total CPU time <= {TOTAL_BUDGET_HOURS:g} core-h",
                          PASS if total <= TOTAL_BUDGET_HOURS else MISSED,
                          f"{lower_bound(sum(unknown.values()))}{total:.2f} core-h", total,
                          detail="; ".join(detail for detail in details if detail)))
    longest = max((run for study in present.values() for run in study.runs),
                  key=lambda run: float(run.metrics["wall_seconds"]))
    over = [run.run_id for study in present.values() for run in study.runs
            if float(run.metrics["wall_seconds"]) / 3600 > RUN_BUDGET_HOURS]
    longest_hours = float(longest.metrics["wall_seconds"]) / 3600
    targets.append(Target("all", f"each run <= {RUN_BUDGET_HOURS:g} h", MISSED if over else PASS,
                          f"longest {longest_hours:.2f} h ({longest.run_id})", longest_hours,
                          detail="over: " + ", ".join(over) if over else ""))
    return targets


def all_targets(studies: Mapping[str, Study]) -> list[Target]:
    """Every target: each study's (a study with no folder: its targets with no runs), then the profile's."""
    targets = []
    for number, check in STUDY_TARGETS.items():
        targets += check(studies.get(number) or Study(number, ()))
    return targets + profile_targets(studies)


def format_line(target: Target) -> str:
    """One printed line: study, target, measured, status, and any detail after it."""
    line = f"{target.study:>3}  {target.target:<58} {target.measured or '-':<48} {target.status}"
    return f"{line}   [{target.detail}]" if target.detail else line


def shown_path(path: Path) -> str:
    """``path`` relative to the project when it lies inside it (no machine paths in results)."""
    resolved = path.resolve()
    return str(resolved.relative_to(PROJECT_ROOT)) if resolved.is_relative_to(PROJECT_ROOT) else str(path)


def main() -> int:
    """Read the reports, print one line per target, write the JSON; 2 when the reports cannot be read."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=Path, default=REPORTS, help="folder of study reports (default reports/cpu)")
    parser.add_argument("--out", type=Path, default=OUTPUT,
                        help="JSON result (default benchmarks/results/cpu_targets.json)")
    parser.add_argument("--with-new-runs", action="store_true",
                        help="also count the runs finished for the next reports (new-runs/), replacing those of the "
                             "same id: progress before a study is re-rendered")
    arguments = parser.parse_args()
    try:
        studies = read_reports(arguments.reports, with_new_runs=arguments.with_new_runs)
    except UnreadableReports as error:
        print(f"cpu_targets: {error}", file=sys.stderr)
        return 2
    targets = all_targets(studies)
    for target in targets:
        print(format_line(target))
    counts = {status: sum(target.status == status for target in targets) for status in (PASS, MISSED, NO_RUNS)}
    print(", ".join(f"{count} {status}" for status, count in counts.items()))
    write_json(arguments.out, {"reports": shown_path(arguments.reports), "with_new_runs": arguments.with_new_runs,
                               "metric": METRIC, "counts": counts,
                               "targets": [dataclasses.asdict(target) for target in targets]})
    print(f"wrote {shown_path(arguments.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
