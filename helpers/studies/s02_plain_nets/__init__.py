"""Study 2: a ResNet vs LeNet-5 vs AlexNet on MNIST and CIFAR-10
(``../shared/papers/study2_resnet_vs_lenet_alexnet.txt``).

The paper trains the three networks on both datasets and reports, per network and dataset, the
highest train and test accuracy reached during training (Table 1): the ResNet's best test accuracy
beats LeNet's by 0.555 / 23.13 points and AlexNet's by 0.225 / 2.46 points (MNIST / CIFAR-10).
It states no depth, optimiser, learning rate, batch size, epochs or augmentation: every one of
them is chosen here and labelled so. The ResNet is ResNet-18 with the CIFAR stem (3x3, stride 1),
which suits 28- and 32-px images. Every comparison carries its uncertainty (one seed: the binomial
standard error of the test set; several: the seed sd), and every verdict is computed
(:mod:`helpers.studies.common.verdicts`).

- :mod:`~helpers.studies.s02_plain_nets.paper`: Table 1, the abstract's differences, the quotes and figures.
- :mod:`~helpers.studies.s02_plain_nets.recipe`: the recipe per profile and network, :func:`plan`
  and :func:`settings`.
- :mod:`~helpers.studies.s02_plain_nets.metric`: the paper's metric (the highest top-1 over the
  epochs) and the runs by (dataset, network).
- :mod:`~helpers.studies.s02_plain_nets.networks`: the networks' parameter counts (the model table).
- :mod:`~helpers.studies.s02_plain_nets.tables`: every table (:func:`tables`) and :func:`headlines`.
- :mod:`~helpers.studies.s02_plain_nets.figures`: every figure (:func:`figures`).
- :mod:`~helpers.studies.s02_plain_nets.findings`: where the paper's text and its Table 1
  disagree, which of its figures are illustrations, and the claim's verdicts comparison by comparison.
- :mod:`~helpers.studies.s02_plain_nets.conclusion`: what the runs say about the claim (:func:`conclusion`).
"""

from helpers.studies.common.verdicts import headline_table
from helpers.studies.registry import study_of_package
from helpers.studies.s02_plain_nets.conclusion import conclusion
from helpers.studies.s02_plain_nets.figures import figures
from helpers.studies.s02_plain_nets.findings import claim_verdicts, contradictions_markdown, findings_markdown
from helpers.studies.s02_plain_nets.networks import model_table
from helpers.studies.s02_plain_nets.recipe import RECIPE, plan, settings
from helpers.studies.s02_plain_nets.tables import (differences_table, headlines, runs_table, table1, tables,
                                                   this_run_table1)

STUDY = study_of_package(__name__)
STUDY_ID, TITLE = STUDY.id, STUDY.title

__all__ = ["RECIPE", "STUDY", "STUDY_ID", "TITLE", "claim_verdicts", "conclusion", "contradictions_markdown",
           "differences_table", "figures", "findings_markdown", "headline_table", "headlines", "model_table", "plan",
           "runs_table", "settings", "table1", "tables", "this_run_table1"]
