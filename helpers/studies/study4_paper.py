"""Study 4's paper (Lee 2024, ResNet-50 tweaks and training refinements on Caltech-101,
``../shared/papers/study4_caltech101_resnet50_tweaks.txt``): the refinement combinations it
tests and the names it gives them, its settings, and the numbers it reports."""

REFINEMENTS = ("c", "l", "m", "c+l", "c+m", "l+m", "c+l+m")  # Tables 2-3, in their order
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


def run_name(model: str, refinements: str) -> str:
    """'B' for a plain model, 'A+c+l' for a refined one (the paper's names)."""
    return model if refinements == "none" else f"{model}+{refinements}"
