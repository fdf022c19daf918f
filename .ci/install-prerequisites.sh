#!/usr/bin/env bash
# Installs what the test suite needs beyond the .NET SDK. Idempotent; quiet when everything is present.
set -euo pipefail
need=()
command -v python3 >/dev/null || need+=(python3)
command -v chromium >/dev/null || need+=(chromium)
command -v ip >/dev/null || need+=(iproute2)   # the tests run in a loopback-only network namespace
command -v dig >/dev/null || need+=(bind9-dnsutils)   # emulator DNS conformance (dig)
command -v haproxy >/dev/null || need+=(haproxy)       # HAProxy over the emulator's SRV records
command -v unbound >/dev/null || need+=(unbound)       # the caching resolver between HAProxy and the emulator (scenario 9 smoke)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "Missing prerequisites: ${need[*]} (install them with apt-get)." >&2
    exit 1
  fi
fi
# awscli and boto3 come with the machine image (pip, in the image's Python); the registry for Python packages is not
# reachable here, so say clearly what is missing instead of installing a second, different copy.
python3 -c "import boto3" 2>/dev/null || { echo "boto3 is missing for $(command -v python3): install it with pip (pip install boto3)." >&2; exit 1; }
command -v aws >/dev/null || { echo "The AWS CLI (aws) is missing: install it with pip (pip install awscli)." >&2; exit 1; }
