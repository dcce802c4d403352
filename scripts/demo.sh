#!/usr/bin/env bash
# The demo: convert every sample input, validate what was written, show the
# summary. Runs against files only; nothing leaves the machine.
set -euo pipefail
bin=${1:-bin/upsmigrate}
out=${2:-out/demo}
rm -rf "$out"
mkdir -p "$out"

echo "== inspect samples/"
"$bin" inspect samples/concur/*.csv samples/legacy/*.xml samples/legacy/*.json

echo
echo "== convert samples/ → $out"
# Exit 1 means some records were rejected on purpose (the samples include bad
# rows to show the report); anything else is a failure.
set +e
"$bin" convert --mapping samples/mapping --company-id 053c9338-bf2a-49cd-9035-c1f97be858b0 --out "$out" \
  samples/concur/*.csv samples/legacy/*.xml samples/legacy/*.json
rc=$?
set -e
[ $rc -le 1 ] || exit $rc

echo
echo "== validate $out"
"$bin" validate "$out"
echo
echo "== report $out → $out/report.html, $out/report.xlsx"
"$bin" report --format html --out "$out/report.html" "$out"
"$bin" report --format xlsx --out "$out/report.xlsx" "$out"
echo
echo "bulk requests, plan, report.json and the dry-run reports are in $out/"
