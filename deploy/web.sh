#!/bin/sh
# The production web server: granian, configured by deploy/granian.env. A GRANIAN_*
# variable already set in the environment (a ConfigMap, `docker run -e`) wins over the
# file. Serving choices and their measurements: docs/benchmarks.md, "Serving".
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
while IFS='=' read -r key value; do
  case "$key" in ''|\#*) continue ;; esac
  if ! env | grep -q "^$key="; then export "$key=$value"; fi
done < "$here/granian.env"
# granian's own access log is off: the application logs each request as JSON, with
# its request id, route and firm.
export OBSERVABILITY_ACCESS_LOG="${OBSERVABILITY_ACCESS_LOG:-true}"
exec granian advisoros.wsgi:application --host "${WEB_HOST:-0.0.0.0}" --port "${PORT:-8000}" "$@"
