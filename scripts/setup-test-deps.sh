#!/usr/bin/env bash
# Installs what the test suites need beyond npm packages. Idempotent: each tool is
# installed only when it is missing, so a second run takes a second.
#   Debian: prometheus-alertmanager (+ amtool), prometheus (+ promtool), chromium, wrk
#   Go:     nektos/act (runs the workflows locally), actionlint (lints every workflow),
#           helm (lints and renders deploy/helm/runbridge), kube-strict's modules
#   PostgreSQL: the server on 127.0.0.1:5432 (trust auth) the store's PostgreSQL tests create
#           and drop their own databases in; started here when it is installed but down
set -euo pipefail

ACT_VERSION=v0.2.89
ACTIONLINT_VERSION=v1.7.12
# helm v3.21.4: v3.22.0 is not yet approved for the project's machines.
HELM_VERSION=v3.21.4

need_apt=()
command -v prometheus-alertmanager >/dev/null || need_apt+=(prometheus-alertmanager)
command -v prometheus >/dev/null || need_apt+=(prometheus)
command -v chromium >/dev/null || need_apt+=(chromium)
command -v wrk >/dev/null || need_apt+=(wrk)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  # The Debian packages start system services; the tests start their own instances on free ports.
  for svc in prometheus prometheus-alertmanager prometheus-node-exporter; do
    $SUDO service "$svc" stop >/dev/null 2>&1 || true
  done
fi

GOBIN="$(go env GOPATH)/bin"
export PATH="$GOBIN:$PATH"
command -v act >/dev/null || { echo "setup: go install act@$ACT_VERSION"; go install "github.com/nektos/act@$ACT_VERSION"; }
command -v actionlint >/dev/null || {
  echo "setup: go install actionlint@$ACTIONLINT_VERSION"
  go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
}
command -v helm >/dev/null || { echo "setup: go install helm@$HELM_VERSION"; go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"; }
# The chart test builds test/packaging/kube-strict (the Kubernetes API types); building it here
# fetches its modules and warms Go's build cache, so the test itself takes seconds.
go -C "$(dirname "$0")/../test/packaging/kube-strict" build -o /dev/null .

# PostgreSQL: these machines have a cluster (Debian's postgresql-15) that may be stopped.
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ! command -v pg_ctlcluster >/dev/null; then
  echo "setup: installing Debian package postgresql"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  cluster="$(pg_lsclusters --no-header | awk '$3 == 5432 { print $1 " " $2; exit }')"
  [ -n "$cluster" ] || { echo "setup: no PostgreSQL cluster on port 5432 (pg_lsclusters)" >&2; exit 1; }
  echo "setup: starting PostgreSQL cluster $cluster"
  # shellcheck disable=SC2086 # "<version> <name>", two arguments
  $SUDO pg_ctlcluster --skip-systemctl-redirect $cluster start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  pg_isready -q -h 127.0.0.1 -p 5432 || { echo "setup: PostgreSQL did not come up on 127.0.0.1:5432" >&2; exit 1; }
fi

echo "setup: test dependencies present (alertmanager, prometheus, chromium, wrk, act, actionlint, helm, postgresql)"
