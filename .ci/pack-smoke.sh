#!/usr/bin/env bash
# Packs the shipped libraries and proves a fresh project outside the solution can consume them from a
# local folder (restoring everything else from the machine's 'nuget.org' source).
set -euo pipefail
artifacts="${1:-$PWD/artifacts}"
packages="$artifacts/packages"
rm -rf "$packages"
dotnet pack src/CloudMap.Lifecycle/CloudMap.Lifecycle.csproj -c Release --no-build -o "$packages"
dotnet pack src/CloudMap.Lifecycle.Testing/CloudMap.Lifecycle.Testing.csproj -c Release --no-build -o "$packages"
ls "$packages"

# A package version is immutable in the global cache: drop our own so the fresh build is restored.
rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}/cloudmap.lifecycle" "${NUGET_PACKAGES:-$HOME/.nuget/packages}/cloudmap.lifecycle.testing"
consumer=$(mktemp -d)
trap 'rm -rf "$consumer"' EXIT
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
