#!/usr/bin/env bash
# make image: builds the container image from the Dockerfile with docker or
# podman, whichever is installed and answers. Without one, it says how to
# build it elsewhere, runs the image's build step (scripts/build-static.sh)
# here and checks that the binary is static, and exits 1: no image was made.
#
#   scripts/image.sh IMAGE VERSION
set -euo pipefail
image=${1:?usage: image.sh IMAGE VERSION}
version=${2:-dev}
cd "$(dirname "$0")/.."

for engine in docker podman; do
  command -v "$engine" >/dev/null || continue
  if ! "$engine" info >/dev/null 2>&1; then
    echo "image: $engine is installed but does not answer ($engine info failed: no daemon or no rights)" >&2
    continue
  fi
  "$engine" build --build-arg "VERSION=$version" -t "$image" .
  echo "image: built $image with $engine"
  echo "image: push it where the cluster pulls from, e.g."
  echo "         $engine tag $image registry.example/$image && $engine push registry.example/$image"
  echo "       and give it to tokenbench k8s manifest --image registry.example/$image"
  exit 0
done

cat >&2 <<MSG
image: no working container engine here, so no image was built.
  Build it where docker or podman runs, from this repository:
      docker build --build-arg VERSION=$version -t $image .
  (or podman build ...), or with a builder that needs no daemon (kaniko, buildah).
  Checking the image's build step here instead (scripts/build-static.sh):
MSG
out=.cache/image/tokenbench
mkdir -p "$(dirname "$out")"
scripts/build-static.sh "$out" "$version"
if command -v readelf >/dev/null && readelf -d "$out" 2>&1 | grep -q 'There is no dynamic section'; then
  echo "image: $out is a static binary ($(du -h "$out" | cut -f1)): it runs on the distroless static base" >&2
elif command -v readelf >/dev/null; then
  echo "image: $out is linked dynamically: it would not run on the distroless static base" >&2
  exit 2
fi
"$out" version >&2
exit 1
