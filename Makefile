.PHONY: test build serve benchmark

# Runs the entire test suite, on SQLite and on a throwaway PostgreSQL.
test:
	scripts/test.sh

build:
	swift build

serve:
	swift run -c release junction serve

# Job queue throughput, API client overhead, webhook delivery, inbox commits and ingest, data mapping, sync (see README, Performance).
benchmark:
	Benchmarks/run-queue-benchmark.sh
	Benchmarks/run-api-client-benchmark.sh
	Benchmarks/run-webhook-delivery-benchmark.sh
	Benchmarks/run-inbox-benchmark.sh
	Benchmarks/run-webhook-ingest-benchmark.sh
	JOB_CONCURRENCY=0 Benchmarks/run-webhook-ingest-benchmark.sh
	Benchmarks/run-data-mapping-benchmark.sh
	Benchmarks/run-sync-benchmark.sh
	Benchmarks/run-dashboard-benchmark.sh
	Benchmarks/run-two-way-sync-benchmark.sh
