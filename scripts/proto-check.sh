#!/usr/bin/env bash
# Checks the event contracts (proto/leads/v1) with the buf pinned in package.json:
#   1. buf lint (STANDARD + COMMENTS, see buf.yaml) and buf format;
#   2. the checked-in generated code (libs/contracts/src/gen) is what `buf generate` produces;
#   3. buf breaking (FILE rules) against the proto/ of HEAD, when HEAD has one.
# A breaking change is a new package (leads.v2) and new topics, never an edit of leads.v1.
# Usage: bash scripts/proto-check.sh   (from anywhere in the repository)
# PROTO_BREAKING_AGAINST overrides the breaking-change baseline, e.g. in CI:
#   PROTO_BREAKING_AGAINST='.git#branch=main,subdir=proto' bash scripts/proto-check.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

GEN_DIR=libs/contracts/src/gen
buf() { npx --no -- buf "$@"; }

echo "proto-check: buf $(buf --version)"

echo "proto-check: lint"
buf lint

echo "proto-check: format"
if ! buf format --diff --exit-code; then
  echo "proto-check: FAILED: proto/ is not formatted; run 'npx buf format -w'." >&2
  exit 1
fi

echo "proto-check: generated code is up to date"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# --output prefixes the `out` paths of buf.gen.yaml, so nothing in the repository is touched.
buf generate --output "$tmp"
if ! diff -ru "$tmp/$GEN_DIR" "$GEN_DIR" >"$tmp/gen.diff"; then
  echo "proto-check: FAILED: $GEN_DIR is stale; it differs from what proto/ generates." >&2
  echo "proto-check: run 'npx buf generate' and commit the result. Differences (generated vs checked in):" >&2
  head -n 60 "$tmp/gen.diff" >&2
  exit 1
fi

if [[ -n "${PROTO_BREAKING_AGAINST:-}" ]]; then
  echo "proto-check: breaking changes against $PROTO_BREAKING_AGAINST"
  buf breaking --against "$PROTO_BREAKING_AGAINST"
elif git rev-parse --verify --quiet HEAD >/dev/null 2>&1 && git cat-file -e HEAD:proto 2>/dev/null; then
  echo "proto-check: breaking changes against HEAD"
  buf breaking --against '.git#ref=HEAD,subdir=proto'
else
  echo "proto-check: breaking-change check skipped: HEAD has no proto/ yet (the first commit of the contracts sets the baseline)"
fi

echo "proto-check: OK"
