"""Study 5: ResNets under 5 million parameters on CIFAR-10 (``../shared/papers/study5_sub5m_resnet_cifar10.txt``).

The paper trains two small ResNets with a strong augmentation whose output is concatenated with
the original images (batch 64): "ResNet18" (BasicBlocks [2,2,2,2], widths 42-84-168-336, dropout
0.15; 4,815,940 parameters) with AdamW for 80 epochs and a "dynamic" learning rate (Figure 5), and
"ResNetLarge" (BasicBlocks [1,1,1,1], widths 64-512; 4,903,242 parameters) with SGD for 120 epochs,
its learning rate and momentum chosen by a grid search on validation accuracy (Figure 7). Table 1:
test 93.02 % / 92.73 %, train 97.98 % / 98.22 %.

Two phases, because the second depends on the first: the tuning phase (:func:`tuning_plan`)
trains ResNetLarge on a train / validation split for every (learning rate, momentum) pair, and
:func:`tuned_values` picks the pair with the best validation top-1; :func:`plan` then trains both
models on the full training set, ResNetLarge with ``parameters.tuned``, and the ablations that put
the paper's comparisons on one recipe (ResNetLarge with ResNet18's recipe, without augmentation,
with the concatenation turned the other way). The report opens with :func:`answer` and the claims
ledger (:func:`claims_ledger`, one row per claim of :data:`CLAIMS`), then the evidence;
:func:`conclusion` gives each claim's verdict with the numbers and the caveats of this run's scale.

The modules:

- ``paper``: the paper's models, numbers, quotes, figures and claims, with where each comes from;
- ``phases``: which outcomes are grid runs, final runs and ablations, and their data per phase;
- ``grid``: the tuning phase (the grid over ResNetLarge's lr x momentum, Figure 7);
- ``layers``: Figures 2 and 3, each model's layer table beside the paper's;
- ``recipe``: profiles -> planned runs (:func:`tuning_plan`, :func:`tuned_values`, :func:`plan`),
  the plan banner and :func:`settings`;
- ``findings``: the claims ledger, one row per claim;
- ``contradictions``: the paper against its own numbers (two test accuracies per model; the
  plateau after epoch 40) and its items reproduced or not;
- ``tables``: the report's tables (:func:`tables`) and :func:`headlines`;
- ``figures``: :func:`figures`;
- ``conclusion``: :func:`answer`, the report's opening, and :func:`conclusion`, claim by claim.
"""

from helpers.studies.common.verdicts import headline_table
from helpers.studies.registry import study_of_package
from helpers.studies.s05_small_resnets.conclusion import answer, conclusion
from helpers.studies.s05_small_resnets.contradictions import contradictions_markdown
from helpers.studies.s05_small_resnets.figures import figures
from helpers.studies.s05_small_resnets.findings import claims_ledger
from helpers.studies.s05_small_resnets.grid import grid_table
from helpers.studies.s05_small_resnets.layers import layer_check, layer_tables, layer_text, layer_totals
from helpers.studies.s05_small_resnets.paper import CLAIMS, PAPER_PARAMS
from helpers.studies.s05_small_resnets.phases import ablations_of, data_banners, groups_of, tagged_data_notes
from helpers.studies.s05_small_resnets.recipe import (FALLBACK_GRID_POINT, plan, plan_banner, settings, tuned_values,
                                                      tuning_plan)
from helpers.studies.s05_small_resnets.tables import (accuracy_table, epoch_note, headlines, parameter_table, table1,
                                                      tables)

STUDY = study_of_package(__name__)
STUDY_ID, TITLE = STUDY.id, STUDY.title

__all__ = ["CLAIMS", "FALLBACK_GRID_POINT", "PAPER_PARAMS", "STUDY", "STUDY_ID", "TITLE", "ablations_of",
           "accuracy_table", "answer", "claims_ledger", "conclusion", "contradictions_markdown", "data_banners",
           "epoch_note", "figures", "grid_table", "groups_of", "headline_table", "headlines", "layer_check",
           "layer_tables", "layer_text", "layer_totals", "parameter_table", "plan", "plan_banner", "settings", "table1",
           "tables", "tagged_data_notes", "tuned_values", "tuning_plan"]
