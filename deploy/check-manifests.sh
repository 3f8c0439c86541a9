#!/usr/bin/env bash
# Validates the deployment manifests without a cluster or a Docker engine: the Kustomize build
# of deploy/k8s against Kubernetes' own schemas (strict: unknown fields fail), and
# deploy/compose.yaml against the Compose specification's schema.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=target/tools/bin
built=$(mktemp)
trap 'rm -f "$built"' EXIT
kubectl kustomize deploy/k8s > "$built"
"$tools/kubernetes-validate" --kubernetes-version 1.31.0 --strict --quiet "$built"
"$tools/check-jsonschema" --builtin-schema vendor.compose-spec deploy/compose.yaml
echo "manifests: deploy/k8s and deploy/compose.yaml are valid"
