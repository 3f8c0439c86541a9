#!/usr/bin/env bash
# Validates the deployment manifests without a cluster or a Docker engine: the Kustomize build
# of deploy/k8s against Kubernetes' own schemas (strict: unknown fields fail, and so does a kind
# or apiVersion with no schema, which kubernetes-validate only warns about), and
# deploy/compose.yaml against the Compose specification's schema. The secrets file both read
# (never committed) is made with throwaway values for the check.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$PWD/target/tools/bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r deploy/k8s "$work/k8s"
rm -f "$work/k8s/secrets.env"
bash deploy/make-secrets.sh "$work/k8s/secrets.env" >/dev/null
kubectl kustomize "$work/k8s" > "$work/built.yaml"
grep -q '^kind: Secret' "$work/built.yaml" || { echo "manifests: deploy/k8s makes no Secret" >&2; exit 1; }
said=$("$tools/kubernetes-validate" --kubernetes-version 1.31.0 --strict --quiet "$work/built.yaml" 2>&1) || {
  echo "$said" >&2
  exit 1
}
if [[ -n "$said" ]]; then
  echo "$said" >&2
  echo "manifests: kubernetes-validate warned (a kind or apiVersion it has no schema for)" >&2
  exit 1
fi
"$tools/check-jsonschema" --builtin-schema vendor.compose-spec deploy/compose.yaml
echo "manifests: deploy/k8s and deploy/compose.yaml are valid"
