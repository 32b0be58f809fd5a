#!/usr/bin/env bash
# Write the HTML report of the Chifeng plan over three years, broken down by region,
# and photograph it in headless Chromium: a PNG of the screen and a PDF of the print
# layout, to check by eye that it reads well (docs/report.md shows the PNG).
#
# Usage: scripts/report_screenshot.sh [OUTDIR]
#   OUTDIR  where to write report.html, report.png and report.pdf (default: docs/images)
#
# Needs Chromium at /usr/bin/chromium (Debian/Ubuntu: apt-get install -y chromium) and a
# CJK font for the Chinese text (apt-get install -y fonts-wqy-microhei). Set CHROMIUM to
# use another browser binary, POLICYDSL to run another policydsl command.
set -euo pipefail
cd "$(dirname "$0")/.."

outdir="${1:-docs/images}"
chromium="${CHROMIUM:-/usr/bin/chromium}"
policydsl="${POLICYDSL:-policydsl}"
mkdir -p "$outdir"
out="$(cd "$outdir" && pwd)"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT

# Exit 1 means findings (the sample data have them); 2 would be a failure.
$policydsl eval policies/chifeng_2023.pol --facts examples/chifeng_communities.csv --years 2023-2025 \
  --by region --format html --output "$out/report.html" -q || [ $? -eq 1 ]

flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update
       --disable-sync --no-first-run --hide-scrollbars "--user-data-dir=$profile")
"$chromium" "${flags[@]}" --window-size=1000,1800 --screenshot="$out/report.png" "file://$out/report.html" 2>/dev/null
"$chromium" "${flags[@]}" --no-pdf-header-footer --print-to-pdf="$out/report.pdf" "file://$out/report.html" 2>/dev/null
rm -f "$out/report.html"
echo "screenshot: $out/report.png"
echo "print layout: $out/report.pdf"
