"""Study 4's answer and discussion: :func:`answer` opens the report (a lead sentence computed from
the claims ledger and the runs, the verdict counts and the scope), :func:`conclusion` is the short
discussion after the evidence (the pretrained question, the top-5 floor, the caveats)."""

from __future__ import annotations

from collections.abc import Sequence

from helpers.runs import RunOutcome
from helpers.studies.common import claims, summaries, verdicts
from helpers.studies.common.parameters import StudyParameters
from helpers.studies.s04_caltech_tweaks import pretrained
from helpers.studies.s04_caltech_tweaks.findings import COMPARED, caveat_lines, claims_ledger, floor_line
from helpers.studies.s04_caltech_tweaks.paper import CLAIMS, PAPER_BEST_TOP1, PAPER_EPOCHS, display_name
from helpers.studies.s04_caltech_tweaks.tables import best_run, groups_by_run


def lead_sentence(outcomes: Sequence[RunOutcome], rows: Sequence[dict[str, str]]) -> str:
    """The answer's first sentences, from the ledger ``rows`` and the runs: how many of the
    comparison claims held, how many were contradicted, the best run here against the paper's 0.93,
    and the paper against its reference when its own numbers contradict it."""
    groups = groups_by_run(outcomes)
    if not groups:
        return "None of the paper's runs finished here, so no claim is decided."
    compared = [row for row, claim in zip(rows, CLAIMS) if claim.key in COMPARED]
    held = sum(row["verdict"] == claims.SUPPORTED for row in compared)
    against = sum(row["verdict"] == claims.CONTRADICTED for row in compared)
    best = best_run(outcomes)
    value = verdicts.measured(groups[best])
    lead = (f"Trained alike, {held} of the paper's {len(compared)} tweak, refinement and ranking claims held here "
            f"and {against} {'was' if against == 1 else 'were'} contradicted; the rest are undecided at this budget. "
            f"The best run here, {display_name(best)}, reached {100 * value.value:.1f} % validation top-1 at its final "
            f"epoch, against the paper's {100 * PAPER_BEST_TOP1:.0f} %.")
    baseline = next(row for row, claim in zip(rows, CLAIMS) if claim.key == "same_baseline")
    if baseline["verdict"] == claims.CONTRADICTED:
        lead += (" The paper's own single-refinement gains (16-24 points on Model-A) are far beyond the under 1 "
                 "point He et al. 2019 measured.")
    return lead


def scope(outcomes: Sequence[RunOutcome], parameters: StudyParameters) -> str:
    """What the answer rests on: the data, image size, epochs, seeds, how the number is chosen and
    where the runs started from."""
    papers, comparison = pretrained.split(outcomes)
    if not papers:
        return f"profile {parameters.profile}; no run of the paper's tables"
    first = papers[0]
    kind = summaries.data_kind(papers)
    samples = any("sample" in note for note in summaries.data_notes(papers))
    data = ("the full data on disk" if kind == "full" else "the embedded samples, not the full data" if samples
            else f"{kind} data, see the banner")
    epochs = max(outcome.metrics["epochs"] for outcome in papers)
    text = (f"Caltech-101 ({data}: {first.metrics['num_train']:,} train / {first.metrics['num_test']:,} validation "
            f"images at {first.spec.dataset_options['image_size']} px), {epochs} epoch(s) (paper {PAPER_EPOCHS}), "
            f"{verdicts.seeds_per_run(papers)}, validation top-1 at the final epoch, every run of Tables 1-3 from scratch")
    if comparison:
        text += "; Model-B and B+c+l also fine-tuned beside from-scratch twins"
    return text + "."


def answer(outcomes: Sequence[RunOutcome], parameters: StudyParameters) -> str:
    """The report's opening answer (markdown, about 120 words), computed from the claims ledger."""
    rows = claims_ledger(outcomes)
    return claims.answer_markdown(lead_sentence(outcomes, rows), rows, scope=scope(outcomes, parameters))


def conclusion(outcomes: Sequence[RunOutcome], parameters: StudyParameters) -> str:
    """The discussion after the evidence, as markdown: the pretrained question and the top-5 floor
    (what the ledger does not carry), then the caveats."""
    papers, _ = pretrained.split(outcomes)
    lines = [pretrained.conclusion_line(outcomes, parameters)]
    lines += [line for line in (floor_line(papers),) if line]
    return summaries.conclusion_markdown(lines, caveat_lines(papers), outcomes=outcomes, profile=parameters.profile,
                                         claim="the paper's claims")
