#!/usr/bin/env bash
# The README's test examples cannot drift: every fenced code block marked with an HTML comment
#   <!-- docs-check: file=NAME.cs -->
# on the line right before its opening fence is copied VERBATIM into a fresh test project outside the solution,
# next to a small app (the one of the README's "A short example"), which references the packed CloudMap.Lifecycle
# and CloudMap.Lifecycle.Testing packages; then `dotnet test` runs them. Fails if a required block is missing, a
# file is marked twice, the project does not build, or a test fails.
#
# Usage (from anywhere; needs a Release build of the solution first, as .ci/run makes):
#   bash .ci/docs-check.sh
#   README_FILE=/tmp/readme-test.md bash .ci/docs-check.sh
# DOCS_CHECK_FILES overrides the list of required blocks (space-separated file names).
#
# Offline: packages are restored into a per-run NUGET_PACKAGES from the packed folder (ours) and from this machine's
# global packages folder used as a local source (everything else, already restored by the solution). Only if that
# restore fails is the machine's 'nuget.org' source (the repository's nuget.config mapping) added as a fallback.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
readme="${README_FILE:-$repo/README.md}"
[ -f "$readme" ] || { echo "docs-check FAILED: README file '$readme' does not exist." >&2; exit 1; }
readme=$(cd "$(dirname "$readme")" && pwd)/$(basename "$readme")
required="${DOCS_CHECK_FILES:-RegistrationTests.cs FakeClockRegistrationTests.cs FaultInjectionTests.cs}"
start=$(date +%s)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
packages="$work/packages"
mkdir -p "$work/App" "$work/Tests"

# 1. The marked blocks, verbatim.
python3 - "$readme" "$work/Tests" $required <<'PY'
import os, re, sys
readme, out, required = sys.argv[1], sys.argv[2], sys.argv[3:]
lines = open(readme, encoding="utf-8").read().split("\n")
marker = re.compile(r"^\s*<!--\s*docs-check:\s*file=([A-Za-z0-9_.-]+)\s*-->\s*$")
found = {}
i = 0
while i < len(lines):
    m = marker.match(lines[i])
    if not m:
        i += 1
        continue
    name = m.group(1)
    if i + 1 >= len(lines) or not lines[i + 1].startswith("```"):
        sys.exit(f"docs-check FAILED: {readme}:{i + 1}: the marker for '{name}' is not right before a fenced code block.")
    if name in found:
        sys.exit(f"docs-check FAILED: {readme}:{i + 1}: '{name}' is marked twice (first at line {found[name][0]}).")
    fence = re.match(r"^(`{3,})", lines[i + 1]).group(1)
    j = i + 2
    while j < len(lines) and not lines[j].startswith(fence):
        j += 1
    if j >= len(lines):
        sys.exit(f"docs-check FAILED: {readme}:{i + 2}: the code block for '{name}' is never closed.")
    found[name] = (i + 1, "\n".join(lines[i + 2:j]) + "\n")
    i = j + 1
missing = [r for r in required if r not in found]
if missing:
    sys.exit(f"docs-check FAILED: {readme} has no block marked <!-- docs-check: file=... --> for: {', '.join(missing)} (found: {', '.join(found) or 'none'}).")
for name, (line, text) in found.items():
    with open(os.path.join(out, name), "w", encoding="utf-8") as f:
        f.write(text)
    print(f"docs-check: {name} from {os.path.basename(readme)} line {line} ({text.count(chr(10))} lines)")
PY

# 2. The packages, as a user gets them.
dotnet pack src/CloudMap.Lifecycle/CloudMap.Lifecycle.csproj -c Release --no-build -o "$packages" -v quiet -nologo
dotnet pack src/CloudMap.Lifecycle.Testing/CloudMap.Lifecycle.Testing.csproj -c Release --no-build -o "$packages" -v quiet -nologo
version=$(ls "$packages" | sed -n 's/^CloudMap\.Lifecycle\.\([0-9][^a-z]*[0-9a-z.-]*\)\.nupkg$/\1/p' | head -1)
[ -n "$version" ] || { echo "docs-check FAILED: no CloudMap.Lifecycle package was packed (build the solution in Release first)." >&2; exit 1; }
machine_cache=$(dotnet nuget locals global-packages -l | sed -n 's/^global-packages: //p')
version_of() {
  python3 - "$repo/Directory.Packages.props" "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
for e in ET.parse(sys.argv[1]).getroot().iter("PackageVersion"):
    if e.get("Include") == sys.argv[2]:
        print(e.get("Version")); break
else:
    sys.exit(f"docs-check FAILED: {sys.argv[2]} has no version in Directory.Packages.props.")
PY
}

write_nuget_config() {
  # $1: extra mapping lines (the machine's 'nuget.org' source as a fallback), or nothing for offline.
  cat > "$work/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="cloudmap-local" value="$packages" />
    <add key="machine-cache" value="$machine_cache" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="cloudmap-local"><package pattern="CloudMap.Lifecycle*" /></packageSource>
    <packageSource key="machine-cache"><package pattern="*" /></packageSource>
$1
  </packageSourceMapping>
</configuration>
XML
}
write_nuget_config ""
# Outside the repository, so neither its Directory.Build.props nor its central package versions apply.
# No vulnerability audit: it would ask a remote source, and offline there is none.
cat > "$work/Directory.Build.props" <<'XML'
<Project>
  <PropertyGroup>
    <NuGetAudit>false</NuGetAudit>
  </PropertyGroup>
</Project>
XML

# 3. The app under test: the README's "A short example", with a cache check that is ready at once.
cat > "$work/App/App.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk.Web">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="CloudMap.Lifecycle" Version="$version" />
  </ItemGroup>
</Project>
XML
cat > "$work/App/Program.cs" <<'CS'
using Microsoft.Extensions.Diagnostics.HealthChecks;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddHealthChecks()
    .AddCheck<CacheHealthCheck>("cache", tags: ["ready"]);   // readiness: what must be true before traffic comes

builder.AddCloudMapRegistration();                           // binds the "CloudMap" section, validated on start

var app = builder.Build();
app.MapHealthChecks("/health/ready", new() { Predicate = c => c.Tags.Contains("ready") });
app.Run();

internal sealed class CacheHealthCheck : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(HealthCheckResult.Healthy("The cache is filled."));
}
CS
cat > "$work/App/appsettings.json" <<'JSON'
{
  "AWS": { "Region": "eu-west-1" },
  "CloudMap": { "NamespaceName": "shop.local", "ServiceName": "orders" }
}
JSON

# 4. The test project: the blocks and nothing else.
cat > "$work/Tests/Tests.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <OutputType>Exe</OutputType>
    <IsTestProject>true</IsTestProject>
  </PropertyGroup>
  <ItemGroup>
    <!-- As a test project of a web app has it; the framework's own packages are then not restored. -->
    <FrameworkReference Include="Microsoft.AspNetCore.App" />
    <PackageReference Include="CloudMap.Lifecycle.Testing" Version="$version" />
    <PackageReference Include="Microsoft.AspNetCore.Mvc.Testing" Version="$(version_of Microsoft.AspNetCore.Mvc.Testing)" />
    <PackageReference Include="Microsoft.NET.Test.Sdk" Version="$(version_of Microsoft.NET.Test.Sdk)" />
    <PackageReference Include="xunit.v3" Version="$(version_of xunit.v3)" />
    <PackageReference Include="xunit.runner.visualstudio" Version="$(version_of xunit.runner.visualstudio)" />
  </ItemGroup>
  <ItemGroup>
    <ProjectReference Include="../App/App.csproj" />
  </ItemGroup>
</Project>
XML

# A per-run package cache: our packages' version is immutable in a cache, and the machine's own is shared.
export NUGET_PACKAGES="$work/nuget-packages"
export DOTNET_CLI_HOME="$work/dotnet-home" DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
cd "$work"
# Offline first (everything the solution restored is in the machine's cache); the machine's 'nuget.org' source only
# when something is missing there.
if ! dotnet restore Tests/Tests.csproj; then
  echo "docs-check: not everything is in the machine's package cache; restoring again with its 'nuget.org' source."
  write_nuget_config '    <packageSource key="nuget.org"><package pattern="*" /></packageSource>'
  dotnet restore Tests/Tests.csproj
fi
rc=0
dotnet test Tests/Tests.csproj -c Release --no-restore --logger "console;verbosity=normal" || rc=$?
echo "docs-check took $(( $(date +%s) - start )) s (README $readme, packages $version, dotnet test exit $rc)."
[ "$rc" -eq 0 ] || { echo "docs-check FAILED: the README's test examples do not pass." >&2; exit 1; }
echo "docs-check OK: the README's test examples ($required) pass against the packed packages."
