"""What every study uses: a notebook's checked parameters and profiles (:mod:`.parameters`), a
recipe per profile (:mod:`.recipes`), running a plan (:mod:`.running`), choosing runs by name
(:mod:`.selection`), pure summaries of runs (:mod:`.summaries`), verdicts and headline tables
(:mod:`.verdicts`), the claims ledger (:mod:`.claims`), rankings with their gaps (:mod:`.ranking`), a paper's table beside a run's
(:mod:`.paper_tables`), pretrained starting weights
(:mod:`.start_weights`), recording tables, figures and metrics (:mod:`.recording`) and showing a
table in a notebook (:mod:`.display`). Nothing here imports a study package.
"""
