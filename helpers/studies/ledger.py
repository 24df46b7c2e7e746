"""The claims ledger's vocabulary, without torch (the batch layer reads it too): its columns and
its verdicts. :mod:`helpers.studies.common.claims` computes the rows."""

from helpers.statistics.paired import NOT_DECIDED  # numpy only: no torch

SUPPORTED, CONTRADICTED, NOT_TESTABLE = "supported", "contradicted", "not testable with this data"
UNSTABLE, CONFOUNDED = "not decided: run unstable", "not decided: recipes differ"
STILL_LEARNING = "not decided: still learning"
VERDICTS = (SUPPORTED, CONTRADICTED, NOT_DECIDED, UNSTABLE, CONFOUNDED, STILL_LEARNING, NOT_TESTABLE)
LEDGER_COLUMNS = ("claim", "where", "paper", "this run", "seeds", "reference", "verdict", "what would decide it")
