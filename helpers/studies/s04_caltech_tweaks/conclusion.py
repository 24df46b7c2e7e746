"""Study 4's conclusion: the findings' sentences (:mod:`helpers.studies.s04_caltech_tweaks.findings`),
the paper against its own numbers, and the pretrained question, with the caveats, as markdown."""

from __future__ import annotations

from collections.abc import Sequence

from helpers.runs import RunOutcome
from helpers.studies.common import summaries
from helpers.studies.common.parameters import StudyParameters
from helpers.studies.s04_caltech_tweaks import pretrained
from helpers.studies.s04_caltech_tweaks.findings import (best_run_line, caveat_lines, contradiction_sentence,
                                                         floor_line, gain_lines, refinement_lines, tweak_lines)


def conclusion(outcomes: Sequence[RunOutcome], parameters: StudyParameters) -> str:
    """What this run says about the paper's findings, as markdown, computed from the numbers and
    their uncertainty: a verdict only where a difference is larger than the noise."""
    papers, _ = pretrained.split(outcomes)
    lines = [*tweak_lines(papers), *refinement_lines(papers), *gain_lines(papers),
             f"- **The paper against itself**: {contradiction_sentence()}"]
    lines += [line for line in (best_run_line(papers), floor_line(papers)) if line]
    lines.append(pretrained.conclusion_line(outcomes, parameters))
    return summaries.conclusion_markdown(lines, caveat_lines(papers), outcomes=outcomes, profile=parameters.profile,
                                         claim="the paper's claims")
