"""Study 3: AlexNet, VGG19 and ResNet-18/34/50 trained from scratch on Fashion-MNIST, CIFAR-10 and
CIFAR-100 (Kittipipatthanapong 2023, ``../shared/papers/study3_cross_dataset.txt``).

The paper's only result is its Table 1 (test accuracy of five models on three datasets, with
layer and parameter counts); its five figures are illustrations from other papers. The package
plans five models x the profile's datasets x seeds, answers the paper claim by claim (the claims
ledger, and an answer computed from it), and builds Table 1 beside the paper's with this run's
uncertainty, the ranking of the five models with the pairs it separates, the widening advantage,
the paper's self-contradictions, the figures:

- :mod:`~helpers.studies.s03_cross_dataset.paper`: the models and datasets compared, Table 1, the
  abstract's and the text's numbers and quotes, each with where in the paper it comes from, and
  the claims (``CLAIMS``) with their outside references;
- :mod:`~helpers.studies.s03_cross_dataset.data`: the data of each profile (image size, split,
  the smoke profile's images per class) and the optional dataset the ``cpu`` profile may lack;
- :mod:`~helpers.studies.s03_cross_dataset.recipe`: the training recipe per profile and model,
  ``plan`` and ``settings``;
- :mod:`~helpers.studies.s03_cross_dataset.tables`: Table 1, the accuracy, ranking, model, runs and
  plan tables, and the headlines;
- :mod:`~helpers.studies.s03_cross_dataset.figures`: the figures (loss and accuracy curves per
  dataset among them), and the best model's confusion matrix per dataset;
- :mod:`~helpers.studies.s03_cross_dataset.groups`: the runs by dataset and model, and why a
  dataset gives no evidence;
- :mod:`~helpers.studies.s03_cross_dataset.advantage`: the widening advantage, computed;
- :mod:`~helpers.studies.s03_cross_dataset.findings`: the claims ledger, and where the paper's text
  disagrees with its own Table 1;
- :mod:`~helpers.studies.s03_cross_dataset.conclusion`: the answer, computed from the ledger.
"""

from helpers.studies.common.verdicts import headline_table
from helpers.studies.registry import study_of_package
from helpers.studies.s03_cross_dataset.advantage import advantage_markdown
from helpers.studies.s03_cross_dataset.conclusion import answer, conclusion
from helpers.studies.s03_cross_dataset.data import unavailable_datasets
from helpers.studies.s03_cross_dataset.figures import best_confusions, curve_figures, figures
from helpers.studies.s03_cross_dataset.findings import claims_ledger
from helpers.studies.s03_cross_dataset.paper import CLAIMS
from helpers.studies.s03_cross_dataset.recipe import plan, settings
from helpers.studies.s03_cross_dataset.tables import absent_note, headlines, model_summary, plan_table, tables

STUDY = study_of_package(__name__)
STUDY_ID, TITLE = STUDY.id, STUDY.title

__all__ = ["CLAIMS", "STUDY", "STUDY_ID", "TITLE", "absent_note", "advantage_markdown", "answer", "best_confusions",
           "claims_ledger", "conclusion", "curve_figures", "figures", "headline_table", "headlines", "model_summary",
           "plan", "plan_table", "settings", "tables", "unavailable_datasets"]
