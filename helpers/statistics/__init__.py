"""Statistics of accuracies, pure functions with no torch: :mod:`.uncertainty` (binomial and
seed standard errors, the standard error of a difference, the verdict rule and its sentences,
how many test images or seeds would decide a gap) and :mod:`.paired` (two models on the same test
images from their discordant pairs, per-seed differences with the test set's sampling, a run
against a paper's number with the paper's own test-set error, and "not decided at this budget").
"""
