#!/usr/bin/env bash
# Render a policy as HTML and photograph it in headless Chromium, to check by eye
# (and by machine) that every clause id shows on the page.
#
# Usage: scripts/render_screenshot.sh [POLICY] [OUTDIR]
#   POLICY  the policy to render (default: policies/chifeng_2023.pol)
#   OUTDIR  where to write NAME.html and NAME.png (default: build/render)
#
# Needs Chromium at /usr/bin/chromium (Debian/Ubuntu: apt-get install -y chromium) and,
# for the Chinese text to show as characters rather than boxes, a CJK font
# (apt-get install -y fonts-wqy-microhei, or fonts-noto-cjk). Set CHROMIUM to use another browser binary.
# Exits 1 if a clause id of the policy is missing from the text Chromium lays out.
set -euo pipefail

policy="${1:-policies/chifeng_2023.pol}"
outdir="${2:-build/render}"
chromium="${CHROMIUM:-/usr/bin/chromium}"
name="$(basename "$policy" .pol)"
mkdir -p "$outdir"
html="$(cd "$outdir" && pwd)/$name.html"
png="$(cd "$outdir" && pwd)/$name.png"

policydsl render "$policy" --format html -o "$html"

flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --hide-scrollbars)
# A tall window, so the whole clause index and the first clauses are in the picture.
"$chromium" "${flags[@]}" --window-size=1280,4000 --screenshot="$png" "file://$html" 2>/dev/null
echo "screenshot: $png"

# The text of the page as Chromium built it; every clause id of the policy must be in it.
dom="$("$chromium" "${flags[@]}" --dump-dom "file://$html" 2>/dev/null)"
missing=0
for id in $(python3 -c "
import sys, policydsl
p = policydsl.load(sys.argv[1])
ids = {c for r in p.ir.all_rules for c in r.clauses} | {c for n in p.ir.notes for c in n.clauses}
print(' '.join(sorted(ids)))" "$policy"); do
  if ! grep -q "id=\"clause-$id\"" <<<"$dom" || ! grep -q ">$id<" <<<"$dom"; then
    echo "missing clause id: $id" >&2
    missing=1
  fi
done
[ "$missing" -eq 0 ] && echo "every clause id of $policy is on the page"
exit "$missing"
