# Two commands set everything up on a fresh machine (Python 3.11+ and make):
#   make book   build the HTML book into _build/html
#   make test   run the whole test suite
#   make pdf    print the book to one PDF (needs Chromium at /usr/bin/chromium)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: book test lab execute clean bench pdf

# Kernels started by `make lab` and `make execute` compute in the book's reference floating-point
# environment (src/gradflow/fpenv.py), so they print the stored numbers; the tests apply it themselves.
IN_REFERENCE_ENV := $(BIN)/python -m gradflow.fpenv reference

# uv installs the same pinned packages as pip in about half the time (the set-up is part of every clean
# clone's `make test`); README gives the pip commands for a set-up without make. Unlike pip, uv compiles
# no bytecode unless asked, and where PYTHONDONTWRITEBYTECODE is set (CI machines) every one of the test
# suite's processes would then recompile each imported module: about a fifth more CPU time in all.
$(INSTALLED): requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==0.13.9
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python --upgrade-package pip pip -r requirements.txt
	touch $@

book: $(INSTALLED)
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "The book is at $(CURDIR)/_build/html/index.html"

# The whole book as one printable PDF, printed from the HTML by the Chromium the tests use.
PDF := _build/pdf/activation-functions-and-gradient-flow.pdf
pdf: book
	$(BIN)/python _ext/book_pdf.py _build/html $(PDF)

test: $(INSTALLED)
	$(BIN)/pytest

# Jupyter refuses to run as root unless told to (containers, CI machines). lab-settings/ holds the
# book's JupyterLab defaults (no prompt about fetching news from the web).
lab: $(INSTALLED)
	$(IN_REFERENCE_ENV) $(BIN)/jupyter lab --LabApp.app_settings_dir=lab-settings $(if $(filter 0,$(shell id -u)),--allow-root) chapters/

# Re-run chapters from a fresh kernel, storing their outputs in place and their figures in figures/
# (all of them, or e.g. `make execute CHAPTERS=chapters/sigmoid.ipynb`).
CHAPTERS ?= chapters/*.ipynb
execute: $(INSTALLED)
	$(IN_REFERENCE_ENV) $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.store_widget_state=False --ExecutePreprocessor.record_timing=False \
	  $(CHAPTERS)

clean:
	rm -rf _build

# Benchmarks (not part of `make test`): writes benchmarks/results.md. PyTorch, the training-step
# benchmark's reference, is installed only into benchmarks/.venv; it is not a book dependency.
BENCH_VENV := benchmarks/.venv
BENCH_INSTALLED := $(BENCH_VENV)/.installed
$(BENCH_INSTALLED): requirements.txt pyproject.toml
	python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet torch==2.13.0 \
	  $$(grep -E '^(numpy|scipy|matplotlib|pillow|scikit-learn|ipywidgets)==' requirements.txt) -e .
	touch $@

bench: $(INSTALLED) $(BENCH_INSTALLED)
	$(BENCH_VENV)/bin/python benchmarks/training_step.py
	$(BIN)/python benchmarks/book_execution.py
	$(BIN)/python benchmarks/book_build.py
	@echo "Results in $(CURDIR)/benchmarks/results.md"
