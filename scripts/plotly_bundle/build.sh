#!/bin/sh
# Rebuild static/vendor/plotly-tatviz-<version>.min.js from npm's plotly.js
# (pinned in package-lock.json), e.g. after upgrading the plotly Python
# package: set "plotly.js" in package.json to the version its plotly.min.js
# names, run `npm install --package-lock-only` here, then this script.
# Build-time only: the app never fetches anything.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../../static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/package-lock.json" "$here/build.mjs" "$work/"
cd "$work"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
rm -f "$out"/plotly-tatviz-*.min.js
node build.mjs "$out"
