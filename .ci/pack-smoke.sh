#!/usr/bin/env bash
# Packs the shipped libraries and proves a fresh project outside the solution can consume them from a
# local folder (restoring everything else from the machine's 'nuget.org' source); then packs the standalone
# emulator as a .NET tool and proves a user outside the repository can install it from that folder and run it.
# Needs a Release build of the solution first (.ci/run builds it); run from the repository root.
set -euo pipefail
artifacts="${1:-$PWD/artifacts}"
mkdir -p "$artifacts"
artifacts=$(cd "$artifacts" && pwd)   # absolute: the steps below run in other folders
repo=$PWD
packages="$artifacts/packages"
rm -rf "$packages"
dotnet pack src/CloudMap.Lifecycle/CloudMap.Lifecycle.csproj -c Release --no-build -o "$packages"
dotnet pack src/CloudMap.Lifecycle.Testing/CloudMap.Lifecycle.Testing.csproj -c Release --no-build -o "$packages"
dotnet pack src/CloudMap.Lifecycle.ServiceDiscovery/CloudMap.Lifecycle.ServiceDiscovery.csproj -c Release --no-build -o "$packages"
dotnet pack src/CloudMap.Lifecycle.Emulator/CloudMap.Lifecycle.Emulator.csproj -c Release --no-build -o "$packages"
dotnet pack src/CloudMap.Lifecycle.Janitor/CloudMap.Lifecycle.Janitor.csproj -c Release --no-build -o "$packages"
ls "$packages"

# A package version is immutable in the global cache: drop our own so the fresh build is restored.
rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}/cloudmap.lifecycle" "${NUGET_PACKAGES:-$HOME/.nuget/packages}/cloudmap.lifecycle.testing" "${NUGET_PACKAGES:-$HOME/.nuget/packages}/cloudmap.lifecycle.servicediscovery"
consumer=$(mktemp -d)
tool=$(mktemp -d)
emulator_pid=
janitor_pid=
cleanup() {
  # The emulator runs in its own process group (setsid): stop the whole group, whatever the CLI started under it.
  if [ -n "$emulator_pid" ]; then kill -KILL -- "-$emulator_pid" 2>/dev/null || true; fi
  if [ -n "$janitor_pid" ]; then kill -KILL "$janitor_pid" 2>/dev/null || true; fi
  rm -rf "$consumer" "$tool"
}
trap cleanup EXIT
version=$(ls "$packages" | sed -n 's/^CloudMap\.Lifecycle\.\([0-9][^a-z]*[0-9a-z.-]*\)\.nupkg$/\1/p' | head -1)
cat > "$consumer/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="local" value="$packages" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="local"><package pattern="CloudMap.Lifecycle*" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
XML
cat > "$consumer/Consumer.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk.Web">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="CloudMap.Lifecycle" Version="$version" />
    <PackageReference Include="CloudMap.Lifecycle.Testing" Version="$version" />
  </ItemGroup>
</Project>
XML
cp .ci/consumer/Program.cs "$consumer/Program.cs"
(cd "$consumer" && dotnet run -c Release)

# The emulator as a .NET tool, the way a user outside this repository gets it: a tool manifest in an empty folder,
# `dotnet tool install --add-source <the packed folder>`, then `dotnet cloudmap-emulator` with a relative seed path.
# Its own nuget.config clears the machine's sources, so the tool comes from the packed folder and nothing else (and
# its own package cache, so no older build of the same version is reused).
tool_version=$(ls "$packages" | sed -n 's/^CloudMap\.Lifecycle\.Emulator\.\([0-9][0-9a-zA-Z.-]*\)\.nupkg$/\1/p' | head -1)
[ -n "$tool_version" ] || { echo "Tool smoke FAILED: no CloudMap.Lifecycle.Emulator package in $packages." >&2; exit 1; }
cat > "$tool/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources><clear /></packageSources>
</configuration>
XML
cp src/CloudMap.Lifecycle.Emulator/seed.example.json "$tool/seed.json"
cd "$tool"
export NUGET_PACKAGES="$tool/.nuget-packages"
# The local-tool resolver caches a command's package path under DOTNET_CLI_HOME (~/.dotnet/toolResolverCache); an
# earlier run's cache entry would point at that run's deleted package folder ("Run dotnet tool restore"). Keep it per run.
export DOTNET_CLI_HOME="$tool/.dotnet-home"
dotnet new tool-manifest
dotnet tool install CloudMap.Lifecycle.Emulator --version "$tool_version" --add-source "$packages"

# Started in its own session so the stop reaches the tool process that `dotnet cloudmap-emulator` starts.
coproc EMULATOR { exec setsid dotnet cloudmap-emulator --port 0 --seed ./seed.json 2>&1; }
emulator_pid=$EMULATOR_PID
line=
# Blocks on the emulator's output (no polling); 60 s is a hang guard, it prints within a second or two.
while IFS= read -r -t 60 line <&"${EMULATOR[0]}"; do
  echo "cloudmap-emulator: $line"
  case "$line" in *"listening on "*) break ;; esac
done
url=$(grep -o 'http://[0-9.]*:[0-9]*' <<<"$line" | head -1 || true)
[ -n "$url" ] || { echo "Tool smoke FAILED: cloudmap-emulator did not print its 'listening on' line." >&2; exit 1; }

# One call with the AWS CLI, as a user would: the seeded services are there.
services=$(AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_DISABLE_HOST_PREFIX_INJECTION=true \
  aws servicediscovery list-services --endpoint-url "$url" --region us-east-1 --query 'Services[].Name' --output text)
echo "list-services: $services"
for name in orders legacy payments; do
  grep -qw "$name" <<<"$services" || { echo "Tool smoke FAILED: service '$name' from ./seed.json is missing." >&2; exit 1; }
done

kill -TERM -- "-$emulator_pid"
rc=0
wait "$emulator_pid" || rc=$?
emulator_pid=
[ "$rc" -eq 0 ] || { echo "Tool smoke FAILED: cloudmap-emulator exited $rc on SIGTERM." >&2; exit 1; }

# The global form (`dotnet tool install --global`) installs the same package behind a `cloudmap-emulator` executable;
# --tool-path does exactly that in a folder of our own instead of the user's ~/.dotnet/tools.
dotnet tool install CloudMap.Lifecycle.Emulator --version "$tool_version" --add-source "$packages" --tool-path "$tool/bin"
"$tool/bin/cloudmap-emulator" --help | grep -q '^Usage: cloudmap-emulator' \
  || { echo "Tool smoke FAILED: the installed cloudmap-emulator command did not print its usage." >&2; exit 1; }

# The janitor as a .NET tool (--tool-path, as --global does), against the standalone emulator seeded with an ECS
# cluster and a Service Connect-style service (no health check) of three tasks registered by ECS (instance id = task
# id, ECS_CLUSTER_NAME), one of them STOPPED: a dry run says it would remove that one and removes nothing (exit 0),
# --once removes it and keeps the running two (exit 0), and the --interval worker ends with exit 0 on SIGTERM.
janitor_version=$(ls "$packages" | sed -n 's/^CloudMap\.Lifecycle\.Janitor\.\([0-9][0-9a-zA-Z.-]*\)\.nupkg$/\1/p' | head -1)
[ -n "$janitor_version" ] || { echo "Janitor smoke FAILED: no CloudMap.Lifecycle.Janitor package in $packages." >&2; exit 1; }
dotnet tool install CloudMap.Lifecycle.Janitor --version "$janitor_version" --add-source "$packages" --tool-path "$tool/bin"
cp "$repo/.ci/janitor-seed.json" "$tool/janitor-seed.json"
coproc JANITOR_EMULATOR { exec setsid "$tool/bin/cloudmap-emulator" --port 0 --seed ./janitor-seed.json 2>&1; }
emulator_pid=$JANITOR_EMULATOR_PID
line=
while IFS= read -r -t 60 line <&"${JANITOR_EMULATOR[0]}"; do
  case "$line" in *"listening on "*) break ;; esac
done
url=$(grep -o 'http://[0-9.]*:[0-9]*' <<<"$line" | head -1 || true)
[ -n "$url" ] || { echo "Janitor smoke FAILED: cloudmap-emulator did not print its 'listening on' line." >&2; exit 1; }
dead=0a1b2c3d4e5f60718293a4b5c6d7e8f3
janitor() { env AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_REGION=us-east-1 AWS_ENDPOINT_URL="$url" "$tool/bin/cloudmap-janitor" "$@"; }
instances() { AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x aws servicediscovery list-instances --endpoint-url "$url" --region us-east-1 \
  --service-id "$(AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x aws servicediscovery list-services --endpoint-url "$url" --region us-east-1 --query 'Services[0].Id' --output text)" \
  --query 'Instances[].Id' --output text; }
rc=0; out=$(janitor --once --dry-run --namespace smoke) || rc=$?
echo "$out"
[ "$rc" -eq 0 ] || { echo "Janitor smoke FAILED: --once --dry-run exited $rc (expected 0)." >&2; exit 1; }
grep -q "would remove instance '$dead'" <<<"$out" || { echo "Janitor smoke FAILED: the dry run did not name the stopped task." >&2; exit 1; }
grep -qw "$dead" <<<"$(instances)" || { echo "Janitor smoke FAILED: the dry run removed the stopped task." >&2; exit 1; }
rc=0; out=$(janitor --once --confirm-delay 1s --namespace smoke) || rc=$?
echo "$out"
[ "$rc" -eq 0 ] || { echo "Janitor smoke FAILED: --once exited $rc (expected 0)." >&2; exit 1; }
grep -q "Removed instance '$dead'" <<<"$out" || { echo "Janitor smoke FAILED: --once did not say it removed the stopped task." >&2; exit 1; }
left=$(instances)
if grep -qw "$dead" <<<"$left" || [ "$(wc -w <<<"$left")" -ne 2 ]; then
  echo "Janitor smoke FAILED: after --once the service holds '$left' (expected the two running tasks)." >&2; exit 1
fi
# A process substitution, not a second coproc (bash runs one at a time); its pid is $! and `wait` reaps it.
exec {worker_out}< <(exec env AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_REGION=us-east-1 AWS_ENDPOINT_URL="$url" "$tool/bin/cloudmap-janitor" --interval 1h --namespace smoke 2>&1)
janitor_pid=$!
while IFS= read -r -t 60 line <&"$worker_out"; do
  echo "cloudmap-janitor --interval: $line"
  case "$line" in *"Sweep done"*) break ;; esac
done
kill -TERM "$janitor_pid"
rc=0
wait "$janitor_pid" || rc=$?
janitor_pid=
exec {worker_out}<&-
[ "$rc" -eq 0 ] || { echo "Janitor smoke FAILED: cloudmap-janitor --interval exited $rc on SIGTERM (expected 0)." >&2; exit 1; }
kill -TERM -- "-$emulator_pid"
wait "$emulator_pid" || true
emulator_pid=
echo "Janitor smoke OK: cloudmap-janitor installed with --tool-path; --once --dry-run named the stopped task and removed nothing (exit 0), --once removed it and kept the two running tasks (exit 0), --interval stopped on SIGTERM with exit 0."

cd - >/dev/null
unset NUGET_PACKAGES
echo "Tool smoke OK: installed from $packages as a local tool (dotnet cloudmap-emulator --seed ./seed.json answered aws servicediscovery list-services, stopped on SIGTERM with exit 0) and with --tool-path (cloudmap-emulator --help)."
