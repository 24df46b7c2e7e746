# The two commands a fresh machine needs:  `make reports`  (every study, rendered HTML reports)
# and  `make test`.  Both create .venv on first use from requirements.txt.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PROFILE ?= smoke
DATA_DIR ?=
OUT ?= outputs
ONLY ?=
JOBS ?=
FORCE ?=
PYTEST_ARGS ?=

.PHONY: test reports lab benchmark venv clean-venv samples

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip "setuptools>=61" wheel
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

test: venv
	MPLBACKEND=Agg $(PY) -m pytest $(PYTEST_ARGS)

reports: venv
	$(PY) -m helpers.batch --profile $(PROFILE) --out $(OUT) $(if $(DATA_DIR),--data-dir $(DATA_DIR)) $(if $(ONLY),--only $(ONLY)) \
		$(if $(JOBS),--jobs $(JOBS)) $(if $(FORCE),--force)

lab: venv
	$(VENV)/bin/jupyter lab notebooks/

benchmark: venv
	$(PY) benchmarks/train_throughput.py $(if $(DATA_DIR),--data-dir $(DATA_DIR))

samples: venv
	$(PY) scripts/make_samples.py --source $(or $(DATA_DIR),../shared/data) --out data/samples

clean-venv:
	rm -rf $(VENV)
