"""Study 1: ResNet-18 vs ResNet-50 on CIFAR-10 (``../shared/papers/study1_resnet18_vs_resnet50_cifar10.txt``).

The paper trains both networks for 100 epochs (cross-entropy; mean 0.5 / std 0.5 normalisation;
random crop and horizontal flip) and finds ResNet-18 better than ResNet-50 on the test set (0.8294
vs 0.7604), which it blames on overfitting. It describes the ImageNet stem (7x7 conv, stride 2);
32-px CIFAR images then reach the first stage at 8x8, the last at 1x1. Every profile here trains
both models with that stem *and* with the usual CIFAR stem (3x3 conv, stride 1, no max pool), so
the report can say whether the stem, rather than the depth, explains ResNet-50's result.

The report answers the paper claim by claim (:data:`CLAIMS`, :func:`claims_ledger`, :func:`answer`).
Two networks are compared on the same test images, paired image by image where the runs stored
their predictions and over seeds; a verdict is given only beyond twice the difference's standard
error, from runs that trained stably and alike (:mod:`helpers.studies.common.claims`). At the cpu,
quick and paper profiles the ImageNet-stem pair warms up and clips its gradients (a choice of ours:
without them ResNet-50 nearly diverged at 32 px).

- :mod:`~helpers.studies.s01_depth.paper`: the paper's numbers, quotes, claims, tables and figures.
- :mod:`~helpers.studies.s01_depth.recipe`: the recipe per profile, :func:`plan` and :func:`settings`.
- :mod:`~helpers.studies.s01_depth.groups`: the runs by (model, stem) and each pair's display name.
- :mod:`~helpers.studies.s01_depth.tables`: every table (:func:`tables`), :func:`headlines`, the model table.
- :mod:`~helpers.studies.s01_depth.figures`: every figure (:func:`figures`).
- :mod:`~helpers.studies.s01_depth.findings`: the paper's explanations against its own numbers, and
  the claims ledger (:func:`claims_ledger`).
- :mod:`~helpers.studies.s01_depth.conclusion`: the report's opening :func:`answer`, and :func:`conclusion`.
"""

from helpers.studies.common.verdicts import headline_table
from helpers.studies.registry import study_of_package
from helpers.studies.s01_depth.conclusion import answer, conclusion
from helpers.studies.s01_depth.figures import figures
from helpers.studies.s01_depth.findings import claims_ledger, contradictions_markdown, findings_markdown
from helpers.studies.s01_depth.paper import CLAIMS
from helpers.studies.s01_depth.recipe import RECIPE, plan, settings
from helpers.studies.s01_depth.tables import (accuracy_table, epoch_table, headlines, model_table, runs_table,
                                              stem_table, tables)

STUDY = study_of_package(__name__)
STUDY_ID, TITLE = STUDY.id, STUDY.title

__all__ = ["CLAIMS", "RECIPE", "STUDY", "STUDY_ID", "TITLE", "accuracy_table", "answer", "claims_ledger", "conclusion",
           "contradictions_markdown", "epoch_table", "figures", "findings_markdown", "headline_table", "headlines",
           "model_table", "plan", "runs_table", "settings", "stem_table", "tables"]
