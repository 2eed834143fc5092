# The two commands: `make run` (set up and serve the demo) and `make test`.
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
export FLASK_APP := wsgi:app
# pip on this kind of machine prints a warning per missing mirror folder; keep output readable.
PIP     := $(BIN)/pip install --quiet --disable-pip-version-check

.PHONY: run test worker translations system-deps services lint bench-claim bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(PIP) -e '.[test]' 2>&1 | grep -v "is ignored: it is neither" || true
	$(BIN)/python -c "import flask, rq, vonage, playwright"
	touch $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel compile -d app/translations 2>&1 | grep -v "^compiling catalog" || true

run: $(STAMP) translations
	mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask seed --demo-if-empty
	$(BIN)/flask jobs sweep
	$(BIN)/flask --app "wsgi:serve_demo()" run --host 127.0.0.1 --port 5000

worker: $(STAMP)
	$(BIN)/flask worker

system-deps:
	bash scripts/ensure-system.sh

services:
	bash scripts/ensure-services.sh

# Two xdist workers (tests/conftest.py: a database and a Redis db each); see README, Development.
test: $(STAMP) translations system-deps services
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest -q -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .

bench-claim: $(STAMP) services
	$(BIN)/python bench/claim.py

# Every benchmark at full scale (BENCH_ARGS=--quick: a small smoke run), one summary table in
# bench/out/summary.md; see bench/README.md.
bench: $(STAMP) translations services
	$(BIN)/python bench/run_all $(BENCH_ARGS)
