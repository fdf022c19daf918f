#!/usr/bin/env bash
# Installs what the test suite needs beyond the .NET SDK. Idempotent; quiet when everything is present.
set -euo pipefail
need=()
command -v python3 >/dev/null || need+=(python3)
command -v chromium >/dev/null || need+=(chromium)
python3 -c "import boto3" 2>/dev/null || need+=(python3-boto3)
command -v aws >/dev/null || need+=(awscli)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "Missing prerequisites: ${need[*]} (install them with apt-get)." >&2
    exit 1
  fi
fi
