"""Study definitions: per study, the runs each profile trains, the paper's numbers and the tables.

``helpers.studies.common`` holds what every study shares (profiles, parameter checks, saving
tables/figures/metrics, the data banner); ``helpers.studies.studyN`` defines study N.
"""
