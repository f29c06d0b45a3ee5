# Everyday commands. The README's two commands are all a newcomer needs.
.PHONY: run demo test test-all lint bench build

build:
	go build -o callsheet ./cmd/callsheet

run:
	go run ./cmd/callsheet serve

demo:
	go run ./cmd/callsheet demo

test:
	go test ./...

# The whole suite as CI runs it: PostgreSQL and Chromium required.
test-all:
	bash .ci/run

lint:
	go vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)

bench:
	bash bench/run.sh
