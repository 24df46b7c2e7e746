"""The studies: per study, the runs each profile trains, the paper's numbers, tables and figures.

- :mod:`helpers.studies.parameters`: profiles and a notebook's checked parameters (no torch).
- :mod:`helpers.studies.summaries`: pure summaries of a study's runs (means over seeds, tables).
- :mod:`helpers.studies.recording`: the data banner, and saving tables, figures and metrics.
- :mod:`helpers.studies.studyN`: study N, every one of the same shape.
- :mod:`helpers.studies.estimate`: FLOP-based GPU time estimates of each profile.

A study builds on the experiment layer (:mod:`helpers.runs`); the batch tooling builds on it.
"""
