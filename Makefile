# The few commands people run. Each is also spelled out in README.
.PHONY: install test test-fast test-domain lint run sandbox bench

install:  ## the package, its `baton` command and the test tools
	pip install -e ".[dev]"

test:  ## the whole suite, in parallel (set TEST_DATABASE_URL to add PostgreSQL)
	python -m pytest

test-fast:  ## everything but the slow tier (subprocesses, replicas, the browser)
	python -m pytest -m "not slow"

test-domain:  ## the pure domain tier, a few seconds
	python -m pytest tests/domain

lint:  ## what CI checks besides the tests
	ruff check .
	ruff format --check .
	mypy
	lint-imports

run:  ## Baton against real Slack (settings from the environment or .env)
	baton run

sandbox:  ## Baton with a local Slack-like workspace in a browser, no Slack and no key
	baton sandbox

bench:  ## by hand, never in CI: mentions end to end, numbers go in README
	python bench/bench_mentions.py --mentions 200 --concurrency 200
