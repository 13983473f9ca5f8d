#!/usr/bin/env bash
# Stop what e2e/node-oidc-provider/up.sh started, by the PID it recorded.
# Idempotent: nothing running is not an error.
#
#   bash e2e/node-oidc-provider/down.sh   # E2E_WORK as for up.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=e2e/lib.sh
source "$here/../lib.sh"
e2e_stop_pids "$E2E_WORK/node-oidc-provider"
