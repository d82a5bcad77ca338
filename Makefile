# Set-up and everyday commands.  `make key` and `make test` are all a new user needs.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PROFILE ?= fast
OUT    ?= out

.PHONY: key test deps tex coq formal clean

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

# Coq 8.16 and its standard library (Debian/Ubuntu, as root) for the machine-checked proofs of
# formal/; without it their evidence is reported as not run.
coq:
	@command -v coqc >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends coq >/dev/null; \
	  else echo "coqc not found: the formal proofs will be reported as not run"; fi; }

# Compile every Coq file of formal/, in the order proofs.formal.FILES gives.
formal: deps coq
	@if command -v coqc >/dev/null 2>&1; then \
	  cd formal && for f in $$(../$(PY) -c "from proofs.formal import FILES; print(*FILES)"); do \
	    echo "coqc formal/$$f.v"; coqc -q -Q . Companion $$f.v || exit 1; done; \
	fi

key: deps tex coq
	$(VENV)/bin/companion key --profile $(PROFILE) --out $(OUT)

test: deps tex formal
	$(VENV)/bin/python -m pytest -q

clean:
	rm -rf $(OUT) .pytest_cache .hypothesis
	rm -f formal/*.vo formal/*.vok formal/*.vos formal/*.glob formal/.*.aux
