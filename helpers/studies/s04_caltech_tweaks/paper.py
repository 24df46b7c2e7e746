"""Study 4's paper (Lee 2024, ResNet-50 tweaks and training refinements on Caltech-101,
``../shared/papers/study4_caltech101_resnet50_tweaks.txt``): the refinement combinations it
tests and the names it gives them, its settings, the numbers it reports, its figures, He et
al. 2019's ("Bag of Tricks") gains for the tweaks and refinements it copies, and its claims
(:data:`CLAIMS`, each with where it stands and the paper's numbers for it). What its own tables
imply beside those is :func:`helpers.studies.s04_caltech_tweaks.findings.contradiction_sentence`;
the ledger row of each claim is :func:`helpers.studies.s04_caltech_tweaks.findings.claims_ledger`."""

from helpers.studies.common.claims import Claim

REFINEMENTS = ("c", "l", "m", "c+l", "c+m", "l+m", "c+l+m")  # Tables 2-3, in their order
SINGLE_REFINEMENTS = ("c", "l", "m")
REFINED_MODELS = ("A", "B")

PAPER_EPOCHS = 10  # "The batch size for each model and combination is unified to 64 and epochs to 10"
PAPER_BATCH_SIZE = 64
PAPER_LR = 0.001  # "we set the cosine decay learning rate to 0.001"
PAPER_LABEL_SMOOTHING = 0.1  # "We set the label smoothing to 0.1"

# Table 1 and Tables 2-3 (top-1, top-5 on the validation split).
PAPER_TWEAKS = {"A": (0.66, 0.88), "B": (0.79, 0.95), "C": (0.63, 0.83), "D": (0.63, 0.84)}
PAPER_REFINED = {
    "A": {"c": (0.90, 0.98), "l": (0.82, 0.95), "m": (0.83, 0.95), "c+l": (0.93, 0.99),
          "c+m": (0.92, 0.98), "l+m": (0.81, 0.94), "c+l+m": (0.91, 0.98)},
    "B": {"c": (0.90, 0.98), "l": (0.84, 0.97), "m": (0.78, 0.91), "c+l": (0.93, 0.99),
          "c+m": (0.91, 0.98), "l+m": (0.79, 0.94), "c+l+m": (0.92, 0.99)},
}
PAPER_BEST_TOP1 = 0.93  # A+c+l and B+c+l

# He et al. 2019, Table 6: ResNet-50-D top-1 on ImageNet, each refinement added to the previous
# ones: 77.16 (efficient baseline), + cosine decay 77.91, + label smoothing 78.31, + mixup (without
# distillation) 79.15. The gain of each, in points, is what the Caltech-101 paper's refinements
# would be expected to add (far less than the paper's Table 2 shows).
BAG_OF_TRICKS_GAINS = {"c": 0.75, "l": 0.40, "m": 0.84}
BAG_OF_TRICKS_SOURCE = "Table 6, ResNet-50-D, each added to the previous"
# He et al. 2019, Table 5: ImageNet top-1 of ResNet-50 76.21, ResNet-50-B 76.66, -C 76.87, -D 77.16,
# each tweak added to the previous one (there C and D include B's stride move; here each is one
# switch on Model-A). Their whole bag raises ResNet-50 from 75.3 to 79.29 (their Table 1).
BAG_OF_TRICKS_TWEAKS = {"B": 0.45, "C": 0.21, "D": 0.29}

# The paper's figures: (figure, what it shows, how this report treats it).
PAPER_FIGURES = (
    ("Figure 1", "sample training images (accordion category)",
     "not reproduced: an illustration of the data, no result to compare"),
    ("Figure 2", "architecture diagram of ResNet-50",
     "not reproduced: an illustration; the models table gives each variant's flags and parameter count"),
    ("Figure 3", "diagrams of the three ResNet tweaks (B, C, D)",
     "not reproduced: an illustration; the models table describes each tweak as one switch on Model-A"),
    ("Figure 4", "train and validation accuracy per epoch of Model-B", "reproduced: fig4_model_b_curves"),
    ("Figure 5", "train and validation accuracy per epoch of Model-A+c+l", "reproduced: fig5_a_c_l_curves"),
    ("Figure 6", "train and validation accuracy per epoch of Model-B+c+l", "reproduced: fig6_b_c_l_curves"),
)


def run_name(model: str, refinements: str) -> str:
    """'B' for a plain model, 'A+c+l' for a refined one (the paper's names)."""
    return model if refinements == "none" else f"{model}+{refinements}"


def paper_single_gains(model: str) -> dict[str, float]:
    """The top-1 points each single refinement (c, l, m) adds to the plain ``model`` in the
    paper: Table 2 or 3 minus Table 1 (Model-A: c +24, l +16, m +17)."""
    plain = PAPER_TWEAKS[model][0]
    return {refinement: round(100 * (PAPER_REFINED[model][refinement][0] - plain), 2)
            for refinement in SINGLE_REFINEMENTS}


def paper_top1(name: str) -> float:
    """The paper's validation top-1 of a run name: 'B' (Table 1) or 'A+c+l' (Tables 2-3)."""
    model, _, refinements = name.partition("+")
    return PAPER_TWEAKS[model][0] if not refinements else PAPER_REFINED[model][refinements][0]


def display_name(name: str) -> str:
    """'Model-B' for a plain model, 'A+c+l' for a refined run (the paper's names in its tables)."""
    return name if "+" in name else f"Model-{name}"


def _versus(first: str, second: str) -> str:
    """'Table 2: A+c 0.90 vs Model-A 0.66 (+24 points)', from the paper's tables."""
    gap = round(100 * (paper_top1(first) - paper_top1(second)))
    return (f"{display_name(first)} {paper_top1(first):.2f} vs {display_name(second)} {paper_top1(second):.2f} "
            f"({gap:+d} point{'s' if abs(gap) != 1 else ''})")


REFINEMENT_WORDS = {"c": "Cosine decay", "l": "Label smoothing", "m": "Mixup"}
_STACKED = {"c": "cosine decay +0.75 (77.16 to 77.91)", "l": "label smoothing +0.40 after cosine (77.91 to 78.31)",
            "m": "mixup +0.84 after cosine and label smoothing (78.31 to 79.15, without distillation)"}
_BOT = "He et al. 2019, Table 6 (ImageNet, ResNet-50-D, refinements stacked): "


def _single_claim(model: str, refinement: str) -> Claim:
    gain = paper_single_gains(model)[refinement]
    verb = "raises" if gain > 0 else "lowers"
    table = 2 if model == "A" else 3
    where = f"Table {table} ({run_name(model, refinement)}) minus Table 1 (Model-{model})"
    if refinement == "c":
        where += ("; Section 5.4: 'looking at the cases where refines were applied only one by one, the "
                  "performance of the model with cosine decay applied seems to be good'")
    alone = "" if refinement == "c" else " (not measured alone there)"
    return Claim(f"single_{model}_{refinement}", f"{REFINEMENT_WORDS[refinement]} alone {verb} Model-{model}'s "
                 f"validation top-1", where, _versus(run_name(model, refinement), model),
                 _BOT + _STACKED[refinement] + alone)


def _stacked_claim(model: str, refinement: str) -> Claim:
    before = "c" if refinement == "l" else "c+l"
    after = f"{before}+{refinement}"
    gain = paper_top1(run_name(model, after)) - paper_top1(run_name(model, before))
    verb = "raises" if gain > 0 else "lowers"
    return Claim(f"stacked_{model}_{refinement}",
                 f"{REFINEMENT_WORDS[refinement]} added to {before} {verb} Model-{model}'s validation top-1",
                 f"Table {2 if model == 'A' else 3}: {run_name(model, after)} minus {run_name(model, before)}",
                 _versus(run_name(model, after), run_name(model, before)), _BOT + _STACKED[refinement])


def _best_claim(model: str) -> Claim:
    table = 2 if model == "A" else 3
    quote = ("'the performance of model-A+c+l is the highest'" if model == "A" else
             "'like model-A, the accuracy of the model with cosine decay and label smoothing applied was the "
             "highest at 0.93'")
    runner_up = max((r for r in REFINEMENTS if r != "c+l"), key=lambda r: PAPER_REFINED[model][r][0])
    return Claim(f"best_{model}", f"c+l is the best of the seven refinement combinations on Model-{model}",
                 f"Table {table}; Section 5.4: {quote}",
                 f"{_versus(run_name(model, 'c+l'), run_name(model, runner_up))}, the runner-up",
                 "He et al. 2019, Table 6: c+l+m (79.15) above c+l (78.31) on ImageNet")


CLAIMS = (
    Claim("tweak_b_best", "Model-B (stride 2 on the 3x3 conv) is the best of the four ResNet-50 variants",
          "Table 1; Section 4.2: 'the Top-1 accuracy and Top-5 accuracy of Model-B are the highest'",
          f"{_versus('B', 'A')}; A is the runner-up, C and D {PAPER_TWEAKS['C'][0]:.2f}",
          "He et al. 2019, Table 5 (ImageNet): ResNet-50-B 76.66 vs ResNet-50 76.21 (+0.45), but -D best there "
          "(77.16)"),
    Claim("tweak_a_second", "Model-A (the original) is second, ahead of Model-C (deep stem) and Model-D "
          "(average-pool shortcut)",
          "Table 1; Section 4.2: 'the basic model, Model-A, appears to show the second highest accuracy'",
          f"{_versus('A', 'C')}; Model-D {PAPER_TWEAKS['D'][0]:.2f}",
          "He et al. 2019, Table 5 (ImageNet, tweaks stacked): C +0.21 over B and D +0.29 over C, both above the "
          "original"),
    *(_single_claim(model, refinement) for model in REFINED_MODELS for refinement in SINGLE_REFINEMENTS),
    *(_stacked_claim(model, refinement) for model in REFINED_MODELS for refinement in ("l", "m")),
    *(_best_claim(model) for model in REFINED_MODELS),
    Claim("level", "A+c+l and B+c+l reach 0.93 validation top-1 (top-5 0.99) after 10 epochs at batch 64",
          "Tables 2-3; Section 5.4: 'the highest at 0.93 and Top-5 accuracy at 0.99'",
          "A+c+l 0.93 / 0.99, B+c+l 0.93 / 0.99; initialisation, image size and optimiser not stated"),
    Claim("same_baseline", "Tables 1-3 were trained alike (batch 64, 10 epochs), so a refined run minus its "
          "Table 1 model is the refinement's gain",
          "Table 1 caption 'BS=64, epochs=10'; Section 3: 'the batch size for each model and combination is "
          "unified to 64 and epochs to 10'",
          "Model-A 0.66 in Table 1; A+c 0.90, A+l 0.82, A+m 0.83 in Table 2 (+24, +16, +17 points)",
          "He et al. 2019, Table 6 (the paper's reference [2]): c +0.75, l +0.40, m +0.84 on ImageNet"),
)
