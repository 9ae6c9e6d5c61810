#!/usr/bin/env bash
# Re-fetch the vendored front-end files (the product runs offline: no CDN).
#
# Usage: tools/vendor.sh            (from anywhere; needs node/npm and registry access)
#
# Fetches the pinned package tarballs with `npm pack` into a temporary directory, unpacks them and
# copies only the distribution files we serve, plus each package's licence, into
# src/citysteward/platform/http/static/vendor/. Bump a version by editing the PINS below, re-run, review the
# diff and commit; VERSIONS.txt is rewritten from the same pins.
set -euo pipefail

PINS=(
  "leaflet@1.9.4"
  "leaflet.markercluster@1.5.3"
  "echarts@5.6.0"
  "htmx.org@2.0.11"
  "swagger-ui-dist@5.35.0"
)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/src/citysteward/platform/http/static/vendor"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/citysteward-vendor.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
for pin in "${PINS[@]}"; do
  name="${pin%@*}"
  tarball="$(npm pack --silent "$pin" | tail -n 1)"
  mkdir -p "pkg/$name"
  tar -xzf "$tarball" -C "pkg/$name" --strip-components=1
done

licence() {  # copy the first licence file found in package $1 to $2/LICENSE
  local f
  for f in LICENSE LICENSE.md LICENSE.txt license license.md LICENCE MIT-LICENCE.txt; do
    if [[ -f "pkg/$1/$f" ]]; then cp "pkg/$1/$f" "$2/LICENSE"; return 0; fi
  done
  echo "no licence file in $1" >&2; return 1
}

rm -rf "$DEST/leaflet" "$DEST/markercluster" "$DEST/echarts" "$DEST/htmx" "$DEST/swagger-ui"
mkdir -p "$DEST/leaflet/images" "$DEST/markercluster" "$DEST/echarts" "$DEST/htmx" "$DEST/swagger-ui"

cp pkg/leaflet/dist/leaflet.js pkg/leaflet/dist/leaflet.css "$DEST/leaflet/"
cp pkg/leaflet/dist/images/* "$DEST/leaflet/images/"
licence leaflet "$DEST/leaflet"

cp pkg/leaflet.markercluster/dist/leaflet.markercluster.js \
   pkg/leaflet.markercluster/dist/MarkerCluster.css \
   pkg/leaflet.markercluster/dist/MarkerCluster.Default.css "$DEST/markercluster/"
licence leaflet.markercluster "$DEST/markercluster"

cp pkg/echarts/dist/echarts.min.js "$DEST/echarts/"
licence echarts "$DEST/echarts"
[[ -f pkg/echarts/NOTICE ]] && cp pkg/echarts/NOTICE "$DEST/echarts/NOTICE"

cp pkg/htmx.org/dist/htmx.min.js "$DEST/htmx/"
licence htmx.org "$DEST/htmx"

# Swagger UI for /docs (the API's interactive documentation), served from our own static files.
cp pkg/swagger-ui-dist/swagger-ui-bundle.js pkg/swagger-ui-dist/swagger-ui.css \
   pkg/swagger-ui-dist/favicon-32x32.png "$DEST/swagger-ui/"
licence swagger-ui-dist "$DEST/swagger-ui"
[[ -f pkg/swagger-ui-dist/NOTICE ]] && cp pkg/swagger-ui-dist/NOTICE "$DEST/swagger-ui/NOTICE"

{
  echo "# Vendored front-end packages (fetched from the npm registry by tools/vendor.sh)"
  for pin in "${PINS[@]}"; do echo "$pin"; done
} > "$DEST/VERSIONS.txt"

echo "vendored into $DEST:"
(cd "$DEST" && find . -type f | sort)
