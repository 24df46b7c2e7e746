"""Study 4: ResNet-50 tweaks and training refinements on Caltech-101
(``../shared/papers/study4_caltech101_resnet50_tweaks.txt``).

After "Bag of Tricks" (He et al. 2019) the paper trains ResNet-50 Model-A (original), Model-B
(stride on the 3x3 conv), Model-C (deep 3x3 stem) and Model-D (average-pool shortcut) for 10
epochs at batch 64 on a random 0.8 / 0.2 split of Caltech-101 (Table 1), then every combination
of cosine decay from lr 0.001 (c), label smoothing 0.1 (l) and mixup (m) on Model-A and Model-B
(Tables 2 and 3). Its best, A+c+l and B+c+l, reach 0.93 top-1 on validation. Our "test" split of
Caltech-101 is the loader's seeded stratified 20 % hold-out: the paper's validation set.

The paper does not say whether its ResNet-50 started from ImageNet weights; 0.93 after 10 epochs
is what fine-tuned models reach on Caltech-101, far above from-scratch training. The runs of
Tables 1-3 start from scratch (random initialisation), and the report says so; with pretrained
weights (the notebook's ``pretrained``, the quick profile's choice) Model-B and B+c+l are also
fine-tuned beside from-scratch twins, and the paper's values are placed between the two. The
paper's own tables also contradict the work it follows: single refinements add 16-24 points to
Model-A, where He et al. measured under one point each.

The report answers the paper claim by claim (:data:`CLAIMS`, :func:`claims_ledger`,
:func:`answer`): each tweak or refinement gain is decided on two groups of runs trained alike,
paired on the same validation images (final epoch), and only when the difference exceeds twice
its uncertainty; an unstable run or a recipe difference beyond the claim's own gives no verdict.

- :mod:`~helpers.studies.s04_caltech_tweaks.paper`: the paper's numbers, settings, figures and
  claims, and He et al. 2019's gains.
- :mod:`~helpers.studies.s04_caltech_tweaks.pretrained`: the pretrained question (fine-tuned
  runs beside from-scratch twins: their plan, table, sentence, headlines and record).
- :mod:`~helpers.studies.s04_caltech_tweaks.recipe`: Models A-D, the refinements, the recipe per
  profile, :func:`plan` and :func:`settings`.
- :mod:`~helpers.studies.s04_caltech_tweaks.tables`: Tables 1-3, the refinements' effects and
  gains, the models, runs and figure tables, and :func:`headlines`.
- :mod:`~helpers.studies.s04_caltech_tweaks.figures`: loss and accuracy curves of every run,
  Figures 4-6, bars and confusion matrices.
- :mod:`~helpers.studies.s04_caltech_tweaks.findings`: the claims ledger and the paper against
  its own numbers (:func:`contradiction_sentence`).
- :mod:`~helpers.studies.s04_caltech_tweaks.conclusion`: :func:`answer` (the report's opening)
  and :func:`conclusion` (the short discussion and caveats).
"""

from helpers.studies.common.verdicts import headline_table
from helpers.studies.registry import study_of_package
from helpers.studies.s04_caltech_tweaks import pretrained  # the notebook's study4.pretrained.notes and .record
from helpers.studies.s04_caltech_tweaks.conclusion import answer, conclusion
from helpers.studies.s04_caltech_tweaks.figures import figures
from helpers.studies.s04_caltech_tweaks.findings import claims_ledger, contradiction_sentence
from helpers.studies.s04_caltech_tweaks.paper import CLAIMS
from helpers.studies.s04_caltech_tweaks.recipe import image_size_for, plan, settings
from helpers.studies.s04_caltech_tweaks.tables import best_run, headlines, model_table, tables

STUDY = study_of_package(__name__)
STUDY_ID, TITLE = STUDY.id, STUDY.title

__all__ = ["CLAIMS", "STUDY", "STUDY_ID", "TITLE", "answer", "best_run", "claims_ledger", "conclusion",
           "contradiction_sentence", "figures", "headline_table", "headlines", "image_size_for", "model_table", "plan",
           "pretrained", "settings", "tables"]
