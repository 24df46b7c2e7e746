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
RUNS ?=
REUSE_ONLY ?=
IN_PART ?=
STUDIES ?=
PYTEST_ARGS ?=
DEVICE ?= cuda
LAB_ARGS ?=
# The venv's Jupyter kernel, installed into the venv itself (--sys-prefix), so that notebooks run
# with this project's packages whichever Jupyter opens them.
KERNEL_NAME := resnet-studies
KERNEL_DISPLAY_NAME := Python (resnet-studies .venv)
KERNEL_SPEC := $(VENV)/share/jupyter/kernels/$(KERNEL_NAME)/kernel.json

.PHONY: test reports publish lab benchmark gpu-check venv notebook-filter clean-venv samples pack-data

venv: $(VENV)/.installed $(KERNEL_SPEC) notebook-filter

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip "setuptools>=61" wheel
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Its own target, so that a venv made before the kernel existed gets it from `make venv` too.
$(KERNEL_SPEC): $(VENV)/.installed
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL_NAME) --display-name "$(KERNEL_DISPLAY_NAME)"

# Notebooks are committed without outputs (executed copies live in outputs/ and reports/): in a git
# clone, `git add` stores notebooks/*.ipynb through nbstripout, which drops outputs and execution
# counts, and `git diff` compares notebooks so; .gitattributes names the filter for notebooks/ only.
# --keep-id keeps the committed cell ids (nbstripout would renumber them). With conda instead of the
# venv:  make notebook-filter VENV="$$CONDA_PREFIX"
STRIP_OUTPUTS = "$(abspath $(PY))" -m nbstripout --keep-id
notebook-filter:
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git config filter.nbstripout.clean '$(STRIP_OUTPUTS)' && \
		git config filter.nbstripout.smudge cat && \
		git config filter.nbstripout.required true && \
		git config diff.ipynb.textconv '$(STRIP_OUTPUTS) -t'; \
	fi

test: venv
	MPLBACKEND=Agg $(PY) -m pytest $(PYTEST_ARGS)

# REUSE_ONLY=1: train nothing, render from finished runs (e.g. those a GPU machine trained; README)
reports: venv
	$(PY) -m helpers.batch --profile $(PROFILE) --out $(OUT) $(if $(DATA_DIR),--data-dir $(DATA_DIR)) $(if $(ONLY),--only $(ONLY)) \
		$(if $(JOBS),--jobs $(JOBS)) $(if $(FORCE),--force) $(if $(RUNS),--runs $(RUNS)) $(if $(REUSE_ONLY),--reuse-only)

# Copy the finished reports of outputs/$(PROFILE) into reports/$(PROFILE) (no weights, no machine paths)
# and regenerate the README's results table:  make publish PROFILE=cpu  [ONLY="02 05"]  [IN_PART=1: the studies
# rendered in part, with RUNS]
publish: venv
	$(PY) -m helpers.batch.publish --profile $(PROFILE) --outputs $(OUT) $(if $(ONLY),--only $(ONLY)) $(if $(IN_PART),--in-part)

# JupyterLab at the project root (notebooks/, outputs/ and data/ all in its file browser), with the
# venv's kernel; e.g.  make lab LAB_ARGS="--no-browser --ip=0.0.0.0"
lab: venv
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=$(CURDIR) $(LAB_ARGS)

benchmark: venv
	$(PY) benchmarks/train_throughput.py $(if $(DATA_DIR),--data-dir $(DATA_DIR))

# Does the CUDA path work on this GPU, and how fast is it (a few minutes)? DEVICE=cpu: a dry run.
gpu-check: venv
	$(PY) benchmarks/gpu_check.py --device $(DEVICE) $(if $(DATA_DIR),--data-dir $(DATA_DIR))

samples: venv
	$(PY) scripts/make_samples.py --source $(or $(DATA_DIR),../shared/data) --out data/samples

# The data of some studies, packed into data/packed for a GPU machine (data/README.md):  make pack-data STUDIES="01 02"
pack-data: venv
	$(PY) -m helpers.batch.pack_data --studies $(or $(STUDIES),$(ONLY)) $(if $(DATA_DIR),--source $(DATA_DIR))

# The notebook filter goes too: it runs the venv's Python, and git refuses to add a notebook without it.
clean-venv:
	rm -rf $(VENV)
	@git config --remove-section filter.nbstripout 2>/dev/null || true
	@git config --remove-section diff.ipynb 2>/dev/null || true
