"""Study 3: AlexNet, VGG19 and ResNet-18/34/50 trained from scratch on Fashion-MNIST, CIFAR-10 and
CIFAR-100 (Kittipipatthanapong 2023, ``../shared/papers/study3_cross_dataset.txt``).

The paper's only result is its Table 1 (test accuracy of five models on three datasets, with
layer and parameter counts); its five figures are illustrations from other papers. The package
plans the 15 runs (x seeds) of a profile and builds Table 1 beside the paper's with this run's
uncertainty, the ranking of the five models with the pairs it separates, the paper's unchecked and
self-contradictory claims computed, the figures and the conclusion:

- :mod:`~helpers.studies.s03_cross_dataset.paper`: the models and datasets compared, Table 1, the
  abstract's and the text's numbers and quotes, each with where in the paper it comes from;
- :mod:`~helpers.studies.s03_cross_dataset.data`: the data of each profile (image size, split,
  images per class) and the optional dataset the ``cpu`` profile may lack;
- :mod:`~helpers.studies.s03_cross_dataset.recipe`: the training recipe per profile and model,
  ``plan`` and ``settings``;
- :mod:`~helpers.studies.s03_cross_dataset.tables`: Table 1, the accuracy, ranking, model, runs and
  plan tables, and the headlines;
- :mod:`~helpers.studies.s03_cross_dataset.figures`: the figures, and the best run's confusion
  matrix per dataset;
- :mod:`~helpers.studies.s03_cross_dataset.findings`: the central claim and the widening advantage
  computed, and where the paper's text disagrees with its own Table 1;
- :mod:`~helpers.studies.s03_cross_dataset.conclusion`: the conclusion.
"""

from helpers.studies.common.verdicts import headline_table
from helpers.studies.registry import study_of_package
from helpers.studies.s03_cross_dataset.conclusion import conclusion
from helpers.studies.s03_cross_dataset.data import unavailable_datasets
from helpers.studies.s03_cross_dataset.figures import best_confusions, figures
from helpers.studies.s03_cross_dataset.findings import advantage_markdown, findings_markdown
from helpers.studies.s03_cross_dataset.recipe import plan, settings
from helpers.studies.s03_cross_dataset.tables import headlines, model_summary, plan_table, tables

STUDY = study_of_package(__name__)
STUDY_ID, TITLE = STUDY.id, STUDY.title

__all__ = ["STUDY", "STUDY_ID", "TITLE", "advantage_markdown", "best_confusions", "conclusion", "figures",
           "findings_markdown", "headline_table", "headlines", "model_summary", "plan", "plan_table", "settings",
           "tables", "unavailable_datasets"]
