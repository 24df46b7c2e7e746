"""The studies: per study, the runs each profile trains, the paper's numbers, tables and figures.

- :mod:`helpers.studies.common.parameters`: profiles and a notebook's checked parameters (no torch).
- :mod:`helpers.studies.common.recipes`: a study's training recipe per profile, resolved into the
  configs that train and the sources ("paper" or "chosen") its settings table shows.
- :mod:`helpers.studies.common.running`: a study's runs executed with the notebook's parameters.
- :mod:`helpers.studies.common.summaries`: pure summaries of a study's runs (means over seeds, tables).
- :mod:`helpers.studies.common.recording`: the data banner, and saving tables, figures and metrics.
- :mod:`helpers.studies.common.display`: how a notebook shows a table.
- :mod:`helpers.studies.studyN`: study N, every one of the same shape (below), with its paper's
  models and reported numbers in ``studyN_paper``; where a study outgrows one file, one more job
  has its own module: ``study3_figures``, ``study4_tables``, ``study5_grid`` (the tuning phase)
  and ``study5_layers`` (the paper's layer tables).
- :mod:`helpers.studies.estimate`: FLOP-based GPU time estimates of each profile.

Every study module has the constants ``STUDY_ID`` ("01") and ``TITLE`` and the functions

- ``plan(parameters) -> list[RunSpec]``: the runs of ``parameters.profile``, one per seed;
- ``settings(parameters) -> DataFrame``: every setting with its value and source;
- ``tables(outcomes) -> dict[str, DataFrame]`` and ``figures(outcomes) -> dict[str, Figure]``:
  everything the report shows, by the file name it is saved under;
- ``headlines(outcomes) -> list[dict]``: the key numbers beside the paper's;
- ``conclusion(outcomes, parameters) -> str``: what the runs say about the claim (markdown).

``outcomes`` are all of a study's finished runs. A study whose runs depend on earlier runs adds
a tuning phase: ``tuning_plan(parameters)`` (the earlier runs) and ``tuned_values(outcomes)``
(what they chose), passed on with ``parameters.with_tuned(...)`` to ``plan`` (study 5: a grid
search over ResNetLarge's learning rate and momentum).

Run ids (folder names under ``<output_dir>/runs``) are the run's labels, lower-case, joined by
``_``, then ``_seed<N>``: ``resnet18_imagenet_seed0``, ``model_a_c_l_seed1``. They depend on
what the run is, never on the profile, so they are stable; :func:`run_id` builds them.

A study builds on the experiment layer (:mod:`helpers.runs`); the batch tooling builds on it.
"""

from __future__ import annotations

import re

RUN_ID_PATTERN = re.compile(r"^[a-z0-9.]+(_[a-z0-9.]+)*_seed\d+$")


def run_id(*parts: object, seed: int) -> str:
    """A run's id: ``parts`` lower-cased, every other character than a-z, 0-9 and '.' as ``_``,
    joined by ``_``, then ``_seed<seed>`` (``run_id("A+c", seed=0) == "a_c_seed0"``)."""
    words = [re.sub(r"[^a-z0-9.]+", "_", str(part).lower()).strip("_") for part in parts]
    identifier = "_".join([*(word for word in words if word), f"seed{seed}"])
    if not RUN_ID_PATTERN.match(identifier):
        raise ValueError(f"run id {identifier!r} from {parts!r} does not match {RUN_ID_PATTERN.pattern}")
    return identifier
