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

# A random SECRET_KEY made once in instance/ (never committed), used by `make run` and `make worker`
# unless SECRET_KEY is set: with a PostgreSQL DATABASE_URL the app refuses to start without one.
SECRET_FILE := instance/secret_key
$(SECRET_FILE):
	mkdir -p instance
	umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $(SECRET_FILE)
WITH_KEY := SECRET_KEY="$${SECRET_KEY:-$$(cat $(SECRET_FILE))}"

run: $(STAMP) translations $(SECRET_FILE)
	mkdir -p instance
	$(WITH_KEY) $(BIN)/flask db upgrade
	$(WITH_KEY) $(BIN)/flask seed --demo-if-empty
	$(WITH_KEY) $(BIN)/flask jobs sweep
	$(WITH_KEY) $(BIN)/flask --app "wsgi:serve_demo()" run --host 127.0.0.1 --port 5000

worker: $(STAMP) $(SECRET_FILE)
	$(WITH_KEY) $(BIN)/flask worker

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
