"""The studies: per study, the runs each profile trains, the paper's numbers, tables and figures.

- :mod:`helpers.studies.registry`: the one list of studies (id, title, notebook, package,
  datasets); everything that needs the studies reads it.
- :mod:`helpers.studies.common`: what every study uses (parameters and profiles, recipes,
  running a plan, selection, summaries, verdicts, rankings, recording, display, start weights).
- one package per study (``s01_depth``, ``s02_plain_nets``, ``s03_cross_dataset``,
  ``s04_caltech_tweaks``, ``s05_small_resnets``), each with the same modules in the same roles:
  ``paper`` (the paper's numbers, settings and claims, with where each comes from), ``recipe``
  (profiles -> planned runs, and the settings table), ``tables``, ``figures``, ``findings``
  (what the data says about each claim) and ``conclusion``; what only one study needs sits
  beside them. A study package never imports another.
- :mod:`helpers.studies.plan_command` (``python -m helpers.studies plan``) and
  :mod:`helpers.studies.estimate` (FLOP-based GPU-time estimates of every study).

Every study package exports the constants ``STUDY_ID`` ("01") and ``TITLE`` (from the registry)
and the functions

- ``plan(parameters) -> list[RunSpec]``: the runs of ``parameters.profile``, one per seed;
- ``settings(parameters) -> DataFrame``: every setting with its value and source;
- ``tables(outcomes) -> dict[str, DataFrame]`` and ``figures(outcomes) -> dict[str, Figure]``:
  everything the report shows, by the file name it is saved under;
- ``headlines(outcomes) -> list[dict]``: the key numbers beside the paper's, shown by the
  shared ``headline_table``;
- ``conclusion(outcomes, parameters) -> str``: what the runs say about the claim (markdown).

``outcomes`` are all of a study's finished runs. A study whose runs depend on earlier runs adds
a tuning phase: ``tuning_plan(parameters)`` (the earlier runs) and ``tuned_values(outcomes)``
(what they chose), passed on with ``parameters.with_tuned(...)`` to ``plan`` (study 5: a grid
search over ResNetLarge's learning rate and momentum). ``tests/studies/test_studies.py`` sweeps
the registry and checks every package against this contract.

Run ids (folder names under ``<output_dir>/runs``) are the run's labels, lower-case, joined by
``_``, then ``_seed<N>``: ``resnet18_imagenet_seed0``, ``model_a_c_l_seed1``. They depend on
what the run is, never on the profile, so they are stable; :func:`run_id` builds them and
:func:`seedless_run_id` takes the seed off again.

A study builds on the experiment layer (:mod:`helpers.runs`); the batch tooling builds on it.
"""

from __future__ import annotations

import re

RUN_ID_PATTERN = re.compile(r"^[a-z0-9.]+(_[a-z0-9.]+)*_seed\d+$")
_SEED_SUFFIX = re.compile(r"_seed\d+$")


def run_id(*parts: object, seed: int) -> str:
    """A run's id: ``parts`` lower-cased, every other character than a-z, 0-9 and '.' as ``_``,
    joined by ``_``, then ``_seed<seed>`` (``run_id("A+c", seed=0) == "a_c_seed0"``)."""
    words = [re.sub(r"[^a-z0-9.]+", "_", str(part).lower()).strip("_") for part in parts]
    identifier = "_".join([*(word for word in words if word), f"seed{seed}"])
    if not RUN_ID_PATTERN.match(identifier):
        raise ValueError(f"run id {identifier!r} from {parts!r} does not match {RUN_ID_PATTERN.pattern}")
    return identifier


def seedless_run_id(identifier: str) -> str:
    """A run id without its ``_seed<N>`` suffix: what the seeds of one run share
    (``seedless_run_id("a_c_seed0") == "a_c"``; an id without the suffix is returned as it is)."""
    return _SEED_SUFFIX.sub("", identifier)
