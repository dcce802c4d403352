#!/usr/bin/env bash
# The demo: a whole migration of samples/ into the built-in UPS sandbox
# (started in-process on a loopback port; nothing leaves the machine):
# convert, validate, submit, track every provision, report.
set -euo pipefail
bin=${1:-bin/upsmigrate}
out=${2:-out/demo}
rm -rf "$out"

inputs=(samples/concur/*.csv samples/legacy/*.xml samples/legacy/*.json)

echo "== migrate samples/ → the sandbox ($out)"
# Exit 1 means some records did not end in success: the samples include bad
# rows on purpose (rejected before sending, with their reasons). Anything
# else is a failure.
set +e
"$bin" migrate --sandbox --yes --poll-interval 200ms \
  --mapping samples/mapping --company-id 053c9338-bf2a-49cd-9035-c1f97be858b0 \
  --out "$out" "${inputs[@]}"
rc=$?
set -e
[ $rc -le 1 ] || exit $rc

echo
echo "== validate $out"
"$bin" validate "$out"

echo
echo "== status $out"
set +e
"$bin" status "$out"
set -e

echo
echo "bulk requests, plan, report.json, journal.db and report.html/report.md are in $out/"
