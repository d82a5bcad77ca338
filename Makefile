# Set-up and everyday commands.  `make key` and `make test` are all a new user needs.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PROFILE ?= fast
OUT    ?= out

.PHONY: key test deps tex clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# The CPU build of torch where it lies on this machine's disk; elsewhere any torch that
	# satisfies pyproject.toml (installed by the next line) is used.
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install -q torch==2.13.0 || true
	$(PY) -m pip install -q -e '.[test]'
	touch $@

deps: $(VENV)/.installed

# A TeX engine for answer_key.pdf (Debian/Ubuntu, as root); without one the key is written
# without its PDF.
tex:
	@command -v pdflatex >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      texlive-latex-base texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended lmodern >/dev/null; \
	  else echo "pdflatex not found: answer_key.pdf will be skipped"; fi; }

key: deps tex
	$(VENV)/bin/companion key --profile $(PROFILE) --out $(OUT)

test: deps tex
	$(VENV)/bin/python -m pytest -q

clean:
	rm -rf $(OUT) .pytest_cache .hypothesis
