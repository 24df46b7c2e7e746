"""Study 4's paper (Lee 2024, ResNet-50 tweaks and training refinements on Caltech-101,
``../shared/papers/study4_caltech101_resnet50_tweaks.txt``): the refinement combinations it
tests and the names it gives them, its settings, the numbers it reports, its figures, and He et
al. 2019's ("Bag of Tricks") gains for the refinements it copies. What its own tables imply beside
those is :func:`helpers.studies.s04_caltech_tweaks.findings.contradiction_sentence`."""

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
