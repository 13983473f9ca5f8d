# The tokenbench container image: a static binary (no cgo) on distroless's
# static base (CA certificates and time zones, no shell, no package manager),
# run as its non-root user 65532. make image builds it; the manifests of
# 'tokenbench k8s manifest' run it with a read-only root file system.
#
#   docker build --build-arg VERSION=$(git describe --tags --always --dirty) -t tokenbench:VERSION .

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN scripts/build-static.sh /out/tokenbench "$VERSION"

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/tokenbench /usr/local/bin/tokenbench
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/tokenbench"]
