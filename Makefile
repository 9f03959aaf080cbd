# Two commands set everything up on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9

.PHONY: run test install lock openapi messages bench-data bench-applications bench-lookups bench-review bench-issuance bench-statistics bench-api stop clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/python scripts/devstack.py run

test: install
	$(BIN)/python scripts/devstack.py test $(PYTEST_ARGS)

stop:
	$(BIN)/python scripts/devstack.py stop

# Regenerate the lock after editing pyproject.toml dependencies.
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

# The committed OpenAPI document of the Part 5 API (a test fails when the code drifts from it).
openapi: install
	ESB_ENV=test $(BIN)/python manage.py spectacular --validate --fail-on-warn --file docs/api/openapi-v1.yaml

# Recompile translations after editing a .po (polib: no gettext tools needed), then check them: every Khmer
# entry translated, placeholders kept, compiled catalogs up to date, upstream msgids all present.
messages: install
	$(BIN)/python scripts/messages.py compile
	$(BIN)/python scripts/messages.py check

# Synthetic businesses for the scale benchmarks (idempotent; BUSINESSES=N to choose how many).
BUSINESSES ?= 1000000
bench-data: install
	$(BIN)/python -m bench.synthetic $(BUSINESSES)

# Synthetic submitted applications with their review history, for the review-queue benchmark (idempotent;
# prepare with make run's demo data first, and make bench-data for synthetic businesses).
APPLICATIONS ?= 1000000
bench-applications: install
	$(BIN)/python -m bench.synthetic.applications $(APPLICATIONS)

# Licences issued per minute end to end with real workers and the verify.gov.kh simulator over HTTP (prepare:
# make run's demo data; LICENCES=N, WORKERS=N).
bench-issuance: install
	$(BIN)/python bench/issuance.py --licences $(or $(LICENCES),200) --workers $(or $(WORKERS),4)

# The review queue and screen over HTTP through gunicorn (prepare: make bench-data, make bench-applications).
bench-review: install
	$(BIN)/python bench/review_queue.py --repeat 40

# The Part 5 API (list, detail, statistic) over HTTP through gunicorn, side by side with a bare Django JSON view
# on the same server (prepare: a database with a million applications, migrated; bench/README.md).
bench-api: install
	$(BIN)/python bench/part5_api.py --clients 1 8 --rounds 3 --seconds 4

# Part 5 application statistics at a million applications (prepare: make bench-applications, then
# manage.py rebuild_application_statistics).
bench-statistics: install
	$(BIN)/python -m bench.application_statistics --samples $(or $(SAMPLES),200)

# Registry lookups at scale (prepare first: make run, then make bench-data).
bench-lookups: install
	$(BIN)/python bench/registry_lookups.py --samples 1000

clean:
	rm -rf $(VENV)
