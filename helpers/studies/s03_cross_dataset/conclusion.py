"""Study 3's answer: a lead sentence computed from the claims ledger (the paper's central claim,
every ResNet above VGG19 and AlexNet, per dataset with its verdict and numbers), the verdict counts
of all its claims, and the scope it rests on (runs, datasets, seeds, epochs, what is absent).
:func:`conclusion` is the same text, kept under the name every study package shares."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from helpers.runs import RunOutcome
from helpers.studies.common import start_weights, summaries, verdicts
from helpers.studies.common.summaries import dataset_label
from helpers.studies.common.claims import CONTRADICTED, NOT_DECIDED, NOT_TESTABLE, SUPPORTED, answer_markdown
from helpers.studies.common.parameters import StudyParameters
from helpers.studies.s03_cross_dataset.data import unavailable_datasets
from helpers.studies.s03_cross_dataset.findings import claims_ledger
from helpers.studies.s03_cross_dataset.groups import NOT_RUN_HERE, absent_reason, dataset_runs
from helpers.studies.s03_cross_dataset.paper import CLAIMS, DATASETS, PAPER_EPOCHS, PLAIN_NETWORKS


def answer(outcomes: Sequence[RunOutcome], parameters: StudyParameters) -> str:
    """Markdown, at most about 120 words: the lead (the central claim per dataset, computed), the
    verdict counts of every claim, and the scope."""
    unavailable = unavailable_datasets(parameters)
    rows = claims_ledger(outcomes, unavailable=unavailable)
    return answer_markdown(lead(rows), rows, scope=scope(outcomes, parameters, unavailable))


def conclusion(outcomes: Sequence[RunOutcome], parameters: StudyParameters) -> str:
    """The report's conclusion: :func:`answer` (the answer now opens the report; this name is the
    one every study package shares, and ``metrics.json`` records it)."""
    return answer(outcomes, parameters)


def lead(rows: Sequence[Mapping[str, str]]) -> str:
    """One sentence on the paper's central claim from the ledger ``rows`` (in :data:`CLAIMS` order):
    per plain network, each verdict with the datasets it holds on and this run's numbers."""
    by_key = {claim.key: row for claim, row in zip(CLAIMS, rows)}
    parts = []
    for plain in reversed(PLAIN_NETWORKS):  # VGG19 first: it shares the ResNets' recipe
        tested = {d: by_key[f"resnets_above_{plain.lower()}_{name}"] for d, name in DATASETS.items()}
        tested = {d: row for d, row in tested.items()
                  if row["verdict"] != NOT_TESTABLE and not row["this run"].endswith(NOT_RUN_HERE)}
        if tested:
            parts.append(f"every ResNet above {plain}: {_verdict_phrase(tested)}")
    if not parts:
        return "This run could test none of the paper's ranking claims on real data."
    return "The paper's central claim, " + "; ".join(parts) + "."


def _verdict_phrase(rows: Mapping[str, Mapping[str, str]]) -> str:
    """'contradicted on Fashion-MNIST (ResNet-50 minus VGG19: -3.51 ± 0.55 points) and CIFAR-10 (...)'."""
    by_verdict: dict[str, list[str]] = {}
    for dataset, row in rows.items():
        numbers = row["verdict"] in (SUPPORTED, CONTRADICTED, NOT_DECIDED) and " minus " in row["this run"]
        gap = row["this run"].split(" (")[0]
        by_verdict.setdefault(row["verdict"], []).append(dataset + (f" ({gap})" if numbers else ""))
    return ", ".join(f"{verdict} on {' and '.join(places)}" for verdict, places in by_verdict.items())


def scope(outcomes: Sequence[RunOutcome], parameters: StudyParameters, unavailable: Mapping[str, str]) -> str:
    """What the answer rests on: the runs counted from ``outcomes`` (models, datasets, seeds), the
    epochs beside the paper's, the data, and what is absent or not the paper's setting."""
    datasets = [d for d in DATASETS if dataset_runs(outcomes, d)]
    models = {o.spec.labels["model"] for o in outcomes}
    epochs = sorted({o.spec.config.epochs for o in outcomes})
    parts = [f"{_count(len(outcomes), 'run')}: {_count(len(models), 'model')}, {_count(len(datasets), 'dataset')} "
             f"({', '.join(dataset_label(d, outcomes) for d in datasets) or 'none'}), {verdicts.seeds_per_run(outcomes)}, "
             f"{'-'.join(map(str, [epochs[0], epochs[-1]] if len(epochs) > 1 else epochs)) or 0} epochs (paper: "
             f"{PAPER_EPOCHS}); test top-1 at the best validation epoch, as the paper"]
    if parameters.profile == "smoke":
        parts.append("smoke profile: it proves the pipeline, not the claims")
    elif summaries.is_reduced_data(summaries.data_notes(outcomes)):
        parts.append("reduced data, so the ranking is this budget's")
    parts += [f"{d} {'only a synthetic stand-in' if d in datasets else 'not available here'}"
              for d in DATASETS if absent_reason(d, outcomes, unavailable)]
    text = "; ".join(parts) + "."
    fine_tuned = start_weights.caveat(outcomes, from_scratch=PLAIN_NETWORKS)
    return text + (f" **Not the paper's setting**: {fine_tuned}." if fine_tuned else "")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' * (number != 1)}"
