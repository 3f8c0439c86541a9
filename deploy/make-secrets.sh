#!/usr/bin/env bash
# Writes the secrets a deployment needs into a new env file (mode 600), never into the repository:
#   bash deploy/make-secrets.sh deploy/secrets.env        # for deploy/compose.yaml
#   bash deploy/make-secrets.sh deploy/k8s/secrets.env    # for deploy/k8s (then add the database
#                                                         # URL and the S3 keys of your services)
# Each value is random: the token secret and the restream secret (48 characters each, the same on
# every node) and the first admin's password, which it prints once. It refuses to overwrite a file.
set -euo pipefail
out=${1:?usage: make-secrets.sh FILE}
if [[ -e "$out" ]]; then
  echo "$out exists; remove it first to make new secrets (the restream secret must stay the same)" >&2
  exit 1
fi
random() { head -c "$1" /dev/urandom | base64 | tr -d '/+=\n' | head -c "$2"; }
admin_password="$(random 32 28)"
umask 077
cat >"$out" <<SECRETS
LIVESTREAM_AUTH__JWT_SECRET=$(random 64 48)
LIVESTREAM_RESTREAM__SECRET=$(random 64 48)
LIVESTREAM_AUTH__ADMIN_USERNAME=admin
LIVESTREAM_AUTH__ADMIN_PASSWORD=$admin_password
SECRETS
echo "wrote $out; the admin account is 'admin' with the password $admin_password"
