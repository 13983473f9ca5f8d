#!/usr/bin/env sh
# The static build of tokenbench the container image holds (the Dockerfile
# runs it), runnable outside a container too: no cgo, so the binary needs no
# C library and runs on a distroless static or scratch base.
#
#   scripts/build-static.sh OUT [VERSION]
set -eu
out=${1:?usage: build-static.sh OUT [VERSION]}
version=${2:-dev}
CGO_ENABLED=0 GOOS=${GOOS:-linux} go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$out" ./cmd/tokenbench
