"""Study 4's findings: what the runs say about each of the paper's claims, as the conclusion's
sentences, computed with their uncertainty: the ranking of the tweaks and of the refinement
combinations (naming which differences are within the noise), each single refinement's gain
beside the paper's, the top-5 floor above chance, the best run beside the paper's best, and the
caveats. A sentence says "agrees" or "disagrees" only when the difference is larger than
:data:`helpers.statistics.uncertainty.CLEAR_MULTIPLE` standard errors (:data:`helpers.statistics.uncertainty.RULE`);
otherwise it says this run cannot tell, and what would. Also the paper against its own numbers
(:func:`contradiction_sentence`); the pretrained question's sentence is
:func:`helpers.studies.s04_caltech_tweaks.pretrained.conclusion_line`."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

from helpers.runs import RunOutcome
from helpers.studies.common import summaries, verdicts
from helpers.studies.s04_caltech_tweaks.paper import (BAG_OF_TRICKS_GAINS, BAG_OF_TRICKS_SOURCE, PAPER_BEST_TOP1,
                                                      PAPER_EPOCHS, PAPER_REFINED, PAPER_TWEAKS, REFINED_MODELS,
                                                      REFINEMENTS, SINGLE_REFINEMENTS, paper_single_gains, run_name)
from helpers.studies.s04_caltech_tweaks.tables import groups_by_run, measured_by_run, refinement_gains
from helpers.statistics.uncertainty import (CLEAR_MULTIPLE, RULE, Measured, binomial_se, compare_sentence, difference_se,
                                 format_measured, images_needed, is_clear)

TOP5 = 5  # top-5 chance is 5 / classes


def contradiction_sentence() -> str:
    """The paper's own numbers against Bag of Tricks: single refinements that add 16-24 points to
    Model-A, where He et al. 2019 measured under one point each (computed from the tables)."""
    gains_a, gains_b = paper_single_gains("A"), paper_single_gains("B")
    singles_a = [PAPER_REFINED["A"][refinement][0] for refinement in SINGLE_REFINEMENTS]
    listed = ", ".join(f"{name} {value:+.0f}" for name, value in gains_a.items())
    reference = ", ".join(f"{name} {value:+.2f}" for name, value in BAG_OF_TRICKS_GAINS.items())
    return (f"Model-A alone scores {100 * PAPER_TWEAKS['A'][0]:.0f} % top-1 in the paper's Table 1 but "
            f"{100 * min(singles_a):.0f}-{100 * max(singles_a):.0f} % with any single refinement in Table 2 "
            f"({listed} points), and Model-B gains {min(gains_b.values()):+.0f} to {max(gains_b.values()):+.0f} "
            f"(Table 3); He et al. 2019 measured the same refinements at under 1 point each on ImageNet "
            f"({BAG_OF_TRICKS_SOURCE}: {reference}). A cosine schedule, label smoothing or mixup alone cannot "
            f"plausibly add {min(gains_a.values()):.0f}-{max(gains_a.values()):.0f} points: gains this size point "
            "to a different baseline (Table 1's runs trained differently from Table 2's: other epochs, optimiser "
            "or data) or to pretrained weights, not to the refinements themselves.")


def within_noise_of_best(measured: Mapping[str, Measured]) -> tuple[str, list[str]]:
    """The name with the highest value, and the others whose gap to it is not clear (highest first)."""
    best = max(measured, key=lambda name: measured[name].value)
    ties = [name for name, value in measured.items() if name != best
            and not is_clear(measured[best].value - value.value, difference_se(measured[best], value))]
    return best, sorted(ties, key=lambda name: -measured[name].value)


def _ranking(measured: Mapping[str, Measured], label: Callable[[str], str]) -> str:
    ordered = sorted(measured, key=lambda name: -measured[name].value)
    return "; ".join(f"{label(name)} {format_measured(measured[name])}" for name in ordered)


def leader_sentence(claimed: str, measured: Mapping[str, Measured], label: Callable[[str], str]) -> str:
    """Who leads here, which others are within the noise of the leader, and whether that agrees
    with the paper's winner ``claimed``, disagrees, or cannot be told (and what would tell)."""
    best, ties = within_noise_of_best(measured)
    named = ", ".join(map(label, ties))
    if not ties:
        lead = f"{label(best)} leads, clearly ahead of every other"
        if claimed == best:
            return f"{lead}, which agrees with the paper."
        return f"{lead}, which disagrees with the paper ({label(claimed)} best there)."
    lead = f"{label(best)} leads, but {named} {'is' if len(ties) == 1 else 'are'} within the noise of it ({RULE})"
    if claimed != best and claimed not in ties:
        return (f"{lead}; {label(best)} is clearly ahead of {label(claimed)}, which disagrees with the paper "
                f"({label(claimed)} best there).")
    rivals = [name for name in [best, *ties] if name != claimed]
    # The gap that would settle it: to the leader when the paper's winner trails, else to its closest rival.
    closest = best if claimed != best else min(rivals, key=lambda name: measured[best].value - measured[name].value)
    gap = measured[closest].value - measured[claimed].value
    reference = measured[claimed]
    needed = images_needed(reference.value, gap, current=reference.test_images or reference.n)
    more = (f"; a gap of {100 * abs(gap):.1f} points ({label(claimed)} vs {label(closest)}) would be clear with "
            f"about {needed:,} validation images per run, or more seeds") if needed else ""
    return f"{lead}, so this run can neither confirm nor contradict that {label(claimed)} is best{more}."


def tweak_lines(outcomes: Sequence[RunOutcome]) -> list[str]:
    """The ranking of Models A-D, which gaps are within the noise, and Model-B vs Model-A."""
    groups, measured = groups_by_run(outcomes), measured_by_run(outcomes)
    tweaks = {name: measured[name] for name in PAPER_TWEAKS if name in measured}
    if not tweaks:
        return []
    label = "Model-{}".format
    verdict = leader_sentence("B", tweaks, label) if "B" in tweaks else ""
    lines = [f"- **Tweaks (Table 1)**, validation top-1 %: {_ranking(tweaks, label)}. {verdict} "
             f"(The paper: Model-B best at {100 * PAPER_TWEAKS['B'][0]:.0f} %.)"]
    if "A" in groups and "B" in groups:
        paper_gap = 100 * (PAPER_TWEAKS["B"][0] - PAPER_TWEAKS["A"][0])
        lines.append(f"- Model-B vs Model-A (paper: {paper_gap:+.0f} points): " + verdicts.versus_sentence(
            "Model-B", groups["B"], "Model-A", groups["A"], claim_winner="Model-B"))
    return lines


def refinement_lines(outcomes: Sequence[RunOutcome]) -> list[str]:
    """Per model: the best refinement combination, the combinations within the noise of it, and
    the paper's claim (c+l best)."""
    measured = measured_by_run(outcomes)
    lines = []
    for model in REFINED_MODELS:
        refined = {r: measured[run_name(model, r)] for r in REFINEMENTS if run_name(model, r) in measured}
        if not refined:
            continue

        def label(name: str, model: str = model) -> str:
            return run_name(model, name)

        best = max(refined, key=lambda name: refined[name].value)
        verdict = leader_sentence("c+l", refined, label) if "c+l" in refined else ""
        lines.append(f"- **Refinements on Model-{model}** (Table {2 if model == 'A' else 3}): best here {label(best)} "
                     f"at {format_measured(refined[best])} %. {verdict} (The paper: {label('c+l')} best at "
                     f"{100 * PAPER_REFINED[model]['c+l'][0]:.0f} %.)")
    return lines


def gain_lines(outcomes: Sequence[RunOutcome]) -> list[str]:
    """Each single refinement's top-1 gain over the plain model here, beside the paper's and He et
    al. 2019's, and whether this run's gain is clear (the rows of :func:`refinement_gains`)."""
    parts = []
    for row in refinement_gains(outcomes).to_dict("records"):
        gain, error = row["this run gain (points)"], row["± 1 SE (points)"]
        if math.isnan(gain):  # the plain or the refined run did not run
            continue
        sign = "clear" if is_clear(gain, error) else "within the noise"
        parts.append(f"{row['model'].removeprefix('Model-')}+{row['refinement']} {gain:+.1f} ± {error:.1f} ({sign}; "
                     f"paper {row['paper gain (points)']:+.0f}, ImageNet "
                     f"{row['Bag of Tricks gain on ImageNet (points)']:+.2f})")
    if not parts:
        return []
    return ["- **Single refinements, top-1 gain over the plain model in points** (this run ± 1 SE): "
            + "; ".join(parts) + "."]


def floor_line(outcomes: Sequence[RunOutcome]) -> str | None:
    """How many run names have a validation top-5 clearly above chance (5 / classes)."""
    if not outcomes:
        return None
    classes = len(outcomes[0].metrics["classes"])
    chance = min(1.0, TOP5 / classes)
    top5 = measured_by_run(outcomes, "test_top5")
    clear = [name for name, value in top5.items()
             if value.value > chance and is_clear(value.value - chance, value.standard_error)]
    best = max(top5, key=lambda name: top5[name].value)
    verdict = (f"clearly above chance in {len(clear)} of {len(top5)} runs" if clear
               else "not clearly above chance in any run: these runs learned nothing this report could compare")
    return (f"- **Top-5 against chance** ({TOP5}/{classes} = {100 * chance:.1f} %): {verdict}; best {best} at "
            f"{format_measured(top5[best])} %.")


def best_run_line(outcomes: Sequence[RunOutcome]) -> str | None:
    """The best run here beside the paper's best (93 %), and why from-scratch runs cannot match it."""
    measured = measured_by_run(outcomes)
    if not measured:
        return None
    best = max(measured, key=lambda name: measured[name].value)
    _, sentence = compare_sentence(f"{best} here", measured[best], "the paper's best", PAPER_BEST_TOP1,
                                   evaluated_on="validation")  # the paper's validation split is our 'test' split
    return (f"- **Best run here**: {best} at {format_measured(measured[best])} % top-1, against the paper's best "
            f"(c+l) at {100 * PAPER_BEST_TOP1:.0f} %. {sentence} The runs of Tables 1-3 train from scratch; the paper "
            "does not say whether it did, and 93 % after 10 epochs is typical of ImageNet-pretrained ResNet-50s "
            "fine-tuned on Caltech-101, so from-scratch runs cannot be compared with it (the pretrained comparison "
            "below sets it between fine-tuned and from-scratch runs).")


def noise_points(outcomes: Sequence[RunOutcome]) -> float:
    """The smallest top-1 gap between two single runs that counts (2 standard errors of the
    difference at the runs' mean accuracy and validation-set size), in points."""
    accuracy = summaries.mean_metric(outcomes, "test_top1")
    images = int(outcomes[0].metrics.get("num_test") or 1)
    return 100 * CLEAR_MULTIPLE * 2 ** 0.5 * binomial_se(accuracy, images)


def caveat_lines(outcomes: Sequence[RunOutcome]) -> list[str]:
    """What limits this run's verdicts: its seeds and their noise, zero gamma (Models A and B
    start as one network), and epochs other than the paper's."""
    seeds = max((len(runs) for runs in groups_by_run(outcomes).values()), default=0)
    caveats = [f"{seeds} seed(s) per run, so each number's uncertainty is "
               + ("the binomial noise of its validation images" if seeds == 1 else "the sd over seeds")
               + (f": top-1 gaps under about {noise_points(outcomes):.1f} points between two runs are within the "
                  f"noise (2 standard errors of a difference on {outcomes[0].metrics.get('num_test')} images)"
                  if outcomes and seeds == 1 else "")]
    if any(outcome.spec.model_options.get("zero_init_residual") for outcome in outcomes):
        caveats.append("zero gamma: Models A and B start as the same network (their tweak acts inside the residual "
                       "branches, which start at zero, and the same seed gives the same weights), so after a few "
                       "steps they barely differ and this run hardly tests B against A")
    epochs = max((outcome.metrics["epochs"] for outcome in outcomes), default=PAPER_EPOCHS)
    if epochs != PAPER_EPOCHS:
        caveats.append(f"{epochs} epoch(s), not the paper's {PAPER_EPOCHS}")
    return caveats
