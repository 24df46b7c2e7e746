"""Study 2: a ResNet vs LeNet-5 vs AlexNet on MNIST and CIFAR-10
(``../shared/papers/study2_resnet_vs_lenet_alexnet.txt``).

The paper trains the three networks on both datasets and reports, per network and dataset, the
highest train and test accuracy reached during training (Table 1): the ResNet's best test accuracy
beats LeNet's by 0.555 / 23.13 points and AlexNet's by 0.225 / 2.46 points (MNIST / CIFAR-10).
It states no depth, optimiser, learning rate, batch size, epochs or augmentation: every one of
them is chosen here and labelled so. The ResNet is ResNet-18 with the CIFAR stem (3x3, stride 1),
which suits 28- and 32-px images.

The report answers the paper claim by claim (:func:`claims_ledger`, :func:`answer`): each
comparison of Table 1 is judged at the final epoch on the ResNet and the rival trained with the
same recipe, paired over the test images, and decided only when the difference exceeds twice its
uncertainty; the pair trained with each network's own recipe and the paper's metric (the best
epoch chosen on the test set) are shown beside it, labelled.

- :mod:`~helpers.studies.s02_plain_nets.paper`: Table 1, the abstract's differences, the quotes,
  the figures and the claims (:data:`CLAIMS`).
- :mod:`~helpers.studies.s02_plain_nets.recipe`: the recipe per profile and network, the
  equal-recipe runs, :func:`plan` and :func:`settings`.
- :mod:`~helpers.studies.s02_plain_nets.metric`: the runs by (dataset, network, recipe), the final
  epoch's and the paper's metric, and which runs each comparison sets side by side.
- :mod:`~helpers.studies.s02_plain_nets.networks`: the networks' parameter counts (the model table).
- :mod:`~helpers.studies.s02_plain_nets.tables`: every table (:func:`tables`) and :func:`headlines`.
- :mod:`~helpers.studies.s02_plain_nets.figures`: every figure (:func:`figures`), loss curves included.
- :mod:`~helpers.studies.s02_plain_nets.findings`: the claims ledger, the comparisons it rests on,
  the paper's text against its own Table 1, and which of its figures are illustrations.
- :mod:`~helpers.studies.s02_plain_nets.conclusion`: the report's answer (:func:`answer`).
"""

from helpers.studies.common.verdicts import headline_table
from helpers.studies.registry import study_of_package
from helpers.studies.s02_plain_nets.conclusion import answer, conclusion
from helpers.studies.s02_plain_nets.figures import figures
from helpers.studies.s02_plain_nets.findings import claims_ledger, comparisons, comparisons_table
from helpers.studies.s02_plain_nets.networks import model_table
from helpers.studies.s02_plain_nets.paper import CLAIMS
from helpers.studies.s02_plain_nets.recipe import RECIPE, plan, settings
from helpers.studies.s02_plain_nets.tables import headlines, runs_table, table1, tables, this_run_table1

STUDY = study_of_package(__name__)
STUDY_ID, TITLE = STUDY.id, STUDY.title

__all__ = ["CLAIMS", "RECIPE", "STUDY", "STUDY_ID", "TITLE", "answer", "claims_ledger", "comparisons",
           "comparisons_table", "conclusion", "figures", "headline_table", "headlines", "model_table", "plan",
           "runs_table", "settings", "table1", "tables", "this_run_table1"]
