// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Testing.Tests;

/// <summary>A seed holds only what the API accepts; each refusal names the seed and the path of the bad value.</summary>
public sealed class SeedValidationTests
{
    public static TheoryData<string, string> Refused => new()
    {
        { """{"namespaces":[{"name":"arn:aws:nope"}]}""", "namespaces[0].name: 1 validation error detected: Value 'arn:aws:nope' at 'name'" },
        { """{"namespaces":[{"name":"has space"}]}""", "namespaces[0].name: 1 validation error detected: Value 'has space'" },
        { """{"namespaces":[{"name":"bad_name.com","type":"DNS_PUBLIC"}]}""", "namespaces[0].name: 1 validation error detected: Value 'bad_name.com'" },
        { """{"namespaces":[{"name":"ok","services":[{"name":"ok"},{"name":"bad name"}]}]}""", "namespaces[0].services[1].name: 1 validation error detected: Value 'bad name'" },
        { """{"namespaces":[{"name":"ok","services":[{"name":"s","instances":[{"id":"bad id"}]}]}]}""", "namespaces[0].services[0].instances[0].id: 1 validation error detected: Value 'bad id' at 'instanceId'" },
        { """{"namespaces":[{"name":"ok","services":[{"name":"s","instances":[{"id":"i","attributes":{"port":8080}}]}]}]}""", "namespaces[0].services[0].instances[0].attributes: Member 'Attributes' must be a map of strings." },
        { """{"namespaces":[{"name":"ok","services":[{"name":"s","instances":[{"id":"i","attributes":{"AWS_INSTANCE_PORT":"x"}}]}]}]}""", "namespaces[0].services[0].instances[0]: AWS_INSTANCE_PORT 'x' is not a valid port (1-65535)." },
        { """{"namespaces":[{"name":"ok","services":[{"name":"s","healtCheck":"none"}]}]}""", "namespaces[0].services[0].healtCheck: Unknown member 'healtCheck'" },
        { """{"namespaces":[{"name":"ok","services":{"name":"s"}}]}""", "namespaces[0].services: Must be a JSON array." },
        { """{"namespaces":[null]}""", "namespaces[0]: Must be a JSON object." },
        { """{"namespaces":[{"name":5}]}""", "namespaces[0].name: Must be a string." },
        { """{"namespaces":[{"name":"a"},{"name":"A"}]}""", "namespaces[1]: A namespace named 'A' already exists." },
        { """{"namespace":[]}""", "namespace: Unknown member 'namespace'" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Seed_ValueTheApiRefuses_FailsStartNamingThePath(string seed, string expected)
    {
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { SeedJson = seed }, TestContext.Current.CancellationToken));

        Assert.StartsWith("The seed JSON is invalid at ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SeedFile_Invalid_ErrorNamesTheFileAndPath()
    {
        var file = Path.Combine(Path.GetTempPath(), "cloudmap-seed-" + Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(file, """{"namespaces":[{"name":"ok","services":[{"name":"bad name"}]}]}""", TestContext.Current.CancellationToken);
        try
        {
            var error = await Assert.ThrowsAsync<InvalidDataException>(() => CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { SeedFile = file }, TestContext.Current.CancellationToken));

            Assert.StartsWith($"The seed file '{file}' is invalid at namespaces[0].services[0].name:", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Seed_EveryKindAccepted_CreatesIt()
    {
        await using var emulator = await CloudMapEmulator.StartAsync(
            new CloudMapEmulatorOptions
            {
                SeedJson = """
                    {"namespaces":[
                      {"name":"shop","services":[{"name":"orders","instances":[{"id":"orders-1","attributes":{"AWS_INSTANCE_IPV4":"10.0.0.1","AWS_INSTANCE_PORT":"80"}}]}]},
                      {"name":"corp.local","type":"DNS_PRIVATE","services":[{"name":"db","healthCheck":"custom"}]},
                      {"name":"example.com","type":"DNS_PUBLIC","services":[{"name":"www","healthCheck":"route53"}]}]}
                    """,
            },
            TestContext.Current.CancellationToken);

        Assert.NotNull(emulator);
    }
}
