"""Choosing some of a study's planned runs by name, with shell-style patterns (``fnmatch``).

A run answers to several names (:func:`run_names`): its id (``model_b_c_l_seed0``), each of its
label values (``Model-B``, ``c+l``) and its label values joined the way the papers name runs
(``B+c+l``). Patterns are matched case-sensitively, since the papers' names are: study 4's ``C``
(Model-C) is not its ``c`` (cosine decay).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence

from helpers.errors import InvalidConfigError
from helpers.runs import RunSpec

SEED_LABEL = "seed"  # in the run id already; a name without it covers every seed
NO_VALUE = "none"  # a label saying a part is absent (study 4's refinements) is left out of the joined name
LISTED_RUNS = 6  # runs named in the error for a pattern that matches none


def run_names(spec: RunSpec) -> tuple[str, ...]:
    """The names of ``spec`` that a pattern may match, most specific first: the run id, its
    :func:`paper_name`, and each of its label values but the seed."""
    values = [str(value) for key, value in spec.labels.items() if key != SEED_LABEL]
    return tuple(dict.fromkeys(name for name in [spec.run_id, paper_name(spec), *values] if name))


def paper_name(spec: RunSpec) -> str:
    """The run's label values but the seed joined by ``+``, as the papers name runs (``B+c+l``);
    ``""`` for a run without labels.

    A value that repeats its label as a prefix is written without it (``model: Model-B`` gives
    ``B``), and ``none`` is left out (``Model-B`` without refinements is ``B``).
    """
    parts = [_without_label_prefix(key, str(value)) for key, value in spec.labels.items()
             if key != SEED_LABEL and str(value) != NO_VALUE]
    return "+".join(part for part in parts if part)


def select_runs(specs: Sequence[RunSpec], patterns: Sequence[str] | None) -> list[RunSpec]:
    """The runs of ``specs`` (in their order) with a name (:func:`run_names`) that matches one of
    ``patterns`` (shell-style: ``*``, ``?``, ``[ab]``; ``B+c+l``, ``A+*``, ``model_b_*``); every
    run when ``patterns`` is None or empty.

    A pattern that matches no run raises :class:`~helpers.errors.InvalidConfigError` naming it
    and some of the runs, so that a typo is not a silently empty selection.
    """
    check_patterns(specs, patterns)
    return matching_runs(specs, patterns)


def matching_runs(specs: Sequence[RunSpec], patterns: Sequence[str] | None) -> list[RunSpec]:
    """The runs of ``specs`` that match one of ``patterns`` (every run for None), without
    complaint about a pattern that matches none: for one phase of a study (study 5's grid or
    its final runs), whose patterns :func:`check_patterns` checked against the whole study."""
    if not patterns:
        return list(specs)
    return [spec for spec in specs if any(_matches(run_names(spec), pattern) for pattern in patterns)]


def check_patterns(specs: Sequence[RunSpec], patterns: Sequence[str] | None) -> None:
    """Raise :class:`~helpers.errors.InvalidConfigError` for the first of ``patterns`` that
    matches none of ``specs``, naming it and some of the runs."""
    for pattern in patterns or ():
        if not matching_runs(specs, [pattern]):
            listed = ", ".join(f"{spec.run_id} ({paper_name(spec)})" if paper_name(spec) else spec.run_id
                               for spec in specs[:LISTED_RUNS])
            more = f", ... ({len(specs)} runs in all)" if len(specs) > LISTED_RUNS else ""
            raise InvalidConfigError(f"no run matches the pattern {pattern!r}; runs (id, name): {listed}{more}")


def _matches(names: Sequence[str], pattern: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for name in names)


def _without_label_prefix(key: str, value: str) -> str:
    prefix = f"{key}-"
    return value[len(prefix):] if value.lower().startswith(prefix.lower()) else value
