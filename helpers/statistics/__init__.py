"""Statistics of accuracies, pure functions with no torch: :mod:`.uncertainty` (binomial and
seed standard errors, the standard error of a difference, the verdict rule and its sentences,
how many test images or seeds would decide a gap). Paired comparisons of two models on the same
test images belong here too.
"""
