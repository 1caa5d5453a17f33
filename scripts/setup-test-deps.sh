#!/usr/bin/env bash
# Installs what the test suites need beyond npm packages. Idempotent: each tool is
# installed only when it is missing, so a second run takes a second.
#   Debian: prometheus-alertmanager (+ amtool), prometheus (+ promtool), chromium, wrk
#   Go:     nektos/act (runs the workflows locally), actionlint (lints every workflow),
#           helm (lints and renders deploy/helm/runbridge), kube-strict's modules
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
echo "setup: test dependencies present (alertmanager, prometheus, chromium, wrk, act, actionlint, helm)"
