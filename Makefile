# Two commands set everything up on a fresh machine (Python 3.11+ and make):
#   make book   build the HTML book into _build/html
#   make test   run the whole test suite
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: book test lab execute clean

$(INSTALLED): requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

book: $(INSTALLED)
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "The book is at $(CURDIR)/_build/html/index.html"

test: $(INSTALLED)
	$(BIN)/pytest

# Jupyter refuses to run as root unless told to (containers, CI machines).
lab: $(INSTALLED)
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) chapters/

# Re-run chapters from a fresh kernel, storing their outputs in place and their figures in figures/
# (all of them, or e.g. `make execute CHAPTERS=chapters/sigmoid.ipynb`).
CHAPTERS ?= chapters/*.ipynb
execute: $(INSTALLED)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.store_widget_state=False --ExecutePreprocessor.record_timing=False \
	  $(CHAPTERS)

clean:
	rm -rf _build
