// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;

namespace CloudMap.Lifecycle.Scenarios.Infrastructure;

/// <summary>One sample app process (library or baseline mode) on its own loopback port.</summary>
internal sealed class SampleInstance : IAsyncDisposable
{
    // The tail of a sample's output is kept for failure messages; a run starts dozens of them.
    private const int MaxOutputLines = 400;

    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(10) }) { Timeout = TimeSpan.FromSeconds(2) };

    private SampleInstance(string instanceId, int port, RegistrationMode mode, ChildProcess process)
    {
        InstanceId = instanceId;
        Port = port;
        Mode = mode;
        Process = process;
    }

    public string InstanceId { get; }

    public int Port { get; }

    public RegistrationMode Mode { get; }

    public ChildProcess Process { get; }

    /// <summary>Gets the loopback address the sample listens on (127.0.0.1 unless <see cref="SampleSettings.ListenAddress"/> says otherwise).</summary>
    public string ListenAddress { get; private init; } = "127.0.0.1";

    public Uri BaseUri => new($"http://{ListenAddress}:{Port.ToString(CultureInfo.InvariantCulture)}/");

    public static SampleInstance Start(RegistrationMode mode, string instanceId, Uri emulator, SampleSettings settings)
    {
        var port = FreePorts.Next();
        var portText = port.ToString(CultureInfo.InvariantCulture);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Sample__WarmupSeconds"] = settings.WarmupSeconds.ToString(CultureInfo.InvariantCulture),
            ["Sample__RegistrationMode"] = mode.ToString(),
            ["Sample__EmbeddedEmulator"] = "false",
            ["AWS__ServiceURL"] = emulator.ToString().TrimEnd('/'),
            ["AWS__Region"] = ClientFactory.Region,
            ["AWS_ACCESS_KEY_ID"] = "AKIDSCENARIOS",
            ["AWS_SECRET_ACCESS_KEY"] = "scenarios-secret",
            ["AWS_REGION"] = ClientFactory.Region,
            ["CloudMap__NamespaceName"] = Lane.NamespaceName,
            ["CloudMap__ServiceName"] = Lane.ServiceName,
            ["CloudMap__InstanceId"] = instanceId,
            ["CloudMap__Port"] = portText,
            ["CloudMap__Shutdown__DrainDelay"] = settings.DrainDelay.ToString("c", CultureInfo.InvariantCulture),
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in settings.Extra)
        {
            environment[key] = value;
        }

        var process = ChildProcess.StartDotnet(
            $"{mode}:{instanceId}",
            RepositoryLayout.SampleDll,
            ["--urls", $"http://{settings.ListenAddress}:{portText}"],
            env =>
            {
                env["DOTNET_gcServer"] = "0";
                foreach (var (key, value) in environment)
                {
                    env[key] = value;
                }
            },
            MaxOutputLines);
        return new SampleInstance(instanceId, port, mode, process) { ListenAddress = settings.ListenAddress };
    }

    public async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Http.GetAsync(new Uri(BaseUri, "health/ready"), cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public async Task SetHealthyAsync(bool healthy, CancellationToken cancellationToken)
    {
        using var response = await Http.PostAsync(new Uri(BaseUri, healthy ? "admin/healthy" : "admin/unhealthy"), null, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    // Names kept short where they are used in the environment block.
    private static class Lane
    {
        public const string NamespaceName = EmulatorLane.NamespaceName;
        public const string ServiceName = EmulatorLane.ServiceName;
    }
}

/// <summary>Settings every sample of a scenario run shares.</summary>
internal sealed record SampleSettings(double WarmupSeconds, TimeSpan DrainDelay)
{
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();

    /// <summary>Gets the loopback address to listen on (scenario 11 gives each emulated task or instance its own 127.0.0.x).</summary>
    public string ListenAddress { get; init; } = "127.0.0.1";
}
