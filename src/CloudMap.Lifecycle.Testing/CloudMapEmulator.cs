// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CloudMap.Lifecycle.Testing.Internal;
using CloudMap.Lifecycle.Testing.Internal.Dns;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace CloudMap.Lifecycle.Testing;

/// <summary>
/// A local AWS Cloud Map that speaks the real wire protocol (AWS JSON 1.1 over HTTP) on a loopback port, with the
/// service's validation, asynchronous operations, custom-health delay and error codes, plus fault injection, call
/// counters and a controllable clock for tests.
/// </summary>
/// <remarks>
/// Point any Cloud Map client at <see cref="Endpoint"/> (with <see cref="Region"/>). The same port serves a live
/// dashboard at <c>/</c> and a JSON admin API under <c>/_emulator/</c>.
/// </remarks>
public sealed partial class CloudMapEmulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly EmulatorState _state;
    private readonly RequestRecorder _recorder;
    private readonly EmulatorDnsServer? _dns;
    private readonly Route53Prober? _prober;
    private readonly Internal.Platform.PlatformState _platform;
    private int _disposed;

    private CloudMapEmulator(WebApplication app, EmulatorState state, RequestRecorder recorder, EmulatorFaults faults, Uri endpoint, EmulatorDnsServer? dns, Route53Prober? prober, Internal.Platform.PlatformState platform)
    {
        _app = app;
        _platform = platform;
        _state = state;
        _recorder = recorder;
        _dns = dns;
        _prober = prober;
        Faults = faults;
        Endpoint = endpoint;
    }

    /// <summary>
    /// Gets the address and port of the DNS server (UDP and TCP), or <see langword="null"/> when
    /// <see cref="CloudMapEmulatorOptions.DnsPort"/> is not set. Point a resolver at it, for example
    /// <c>dig @127.0.0.1 -p PORT SRV orders.shop.local</c>.
    /// </summary>
    public IPEndPoint? DnsEndpoint => _dns?.Endpoint;

    /// <summary>Gets the DNS server (tests: its query count).</summary>
    internal EmulatorDnsServer? DnsServer => _dns;

    /// <summary>Gets the Route 53 health-check prober, when probing is on (tests: one round at a time).</summary>
    internal Route53Prober? Route53Prober => _prober;

    /// <summary>Gets the base address to configure clients with, for example <c>http://127.0.0.1:49152</c>.</summary>
    public Uri Endpoint { get; }

    /// <summary>Gets the URL of the live dashboard.</summary>
    public Uri DashboardUrl => new(Endpoint, "/");

    /// <summary>Gets the region the emulator claims (ARNs, SigV4 scope).</summary>
    public string Region => _state.Region;

    /// <summary>Gets the account id in every ARN: <c>123456789012</c>.</summary>
    public const string AccountId = EmulatorState.AccountId;

    /// <summary>Gets the fault injection rules.</summary>
    public EmulatorFaults Faults { get; }

    /// <summary>Gets the total number of AWS API calls received since start or the last <see cref="ResetCounters"/>.</summary>
    public long TotalCallCount => _recorder.Total;

    /// <summary>Gets or sets how long a changed custom health status takes to become effective.</summary>
    public TimeSpan HealthChangeDelay
    {
        get => _state.HealthChangeDelay;
        set => _state.HealthChangeDelay = value;
    }

    /// <summary>Gets or sets how long new operations stay <c>SUBMITTED</c>.</summary>
    public TimeSpan OperationSubmittedDuration
    {
        get => _state.OperationSubmittedDuration;
        set => _state.OperationSubmittedDuration = value;
    }

    /// <summary>Gets or sets how long new operations then stay <c>PENDING</c>.</summary>
    public TimeSpan OperationPendingDuration
    {
        get => _state.OperationPendingDuration;
        set => _state.OperationPendingDuration = value;
    }

    /// <summary>Gets or sets how long after its registration completes a new instance still answers <c>InstanceNotFound</c>.</summary>
    public TimeSpan PropagationDelay
    {
        get => _state.PropagationDelay;
        set => _state.PropagationDelay = value;
    }

    /// <summary>Starts an emulator and returns once it accepts connections.</summary>
    /// <param name="options">The options; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running emulator; dispose it to stop.</returns>
    /// <exception cref="IOException">The port is already in use, or the address cannot be bound.</exception>
    /// <exception cref="InvalidDataException">The seed file or seed JSON is invalid.</exception>
    public static async Task<CloudMapEmulator> StartAsync(CloudMapEmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new CloudMapEmulatorOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Port, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, IPEndPoint.MaxPort, nameof(options));
        ArgumentNullException.ThrowIfNull(options.BindAddress);
        ArgumentNullException.ThrowIfNull(options.TimeProvider);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Region);
        if (options.DnsPort is < 0 or > IPEndPoint.MaxPort)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.DnsPort, $"CloudMapEmulatorOptions.DnsPort must be 0-65535 (0 picks a free port), not {options.DnsPort}.");
        }

        if (options.Route53CheckInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Route53CheckInterval, $"CloudMapEmulatorOptions.Route53CheckInterval must be positive, not {options.Route53CheckInterval}.");
        }

        var time = options.TimeProvider;
        var random = new SharedRandom(options.RandomSeed);
        var state = new EmulatorState(time, random, options.Region, options);
        var platform = new Internal.Platform.PlatformState(time, random, options.Region);
        if (options.SeedFile is { } file)
        {
            string json;
            try
            {
                json = await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new InvalidDataException($"Cannot read the seed file '{file}': {e.Message}", e);
            }

            SeedLoader.Apply(state, json, $"file '{file}'", platform);
        }

        if (options.SeedJson is { } seed)
        {
            SeedLoader.Apply(state, seed, "JSON", platform);
        }

        var faults = new EmulatorFaults(time, random);
        var recorder = new RequestRecorder(options.RequestLogCapacity);
        var verifier = options.SigV4Credentials.Count > 0
            ? new SigV4Verifier(new Dictionary<string, string>(options.SigV4Credentials, StringComparer.Ordinal), options.Region, time)
            : null;
        var server = new EmulatorServer([state.Api, platform.EcsApi], state, faults, recorder, verifier, options.AllowedHosts, platform);

        // An empty builder: no configuration sources, so nothing in the host app's appsettings or environment can add
        // endpoints or middleware (such as host filtering) to the emulator.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(CloudMapEmulator).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 2 * 1024 * 1024;
            kestrel.Listen(options.BindAddress, options.Port);
        });
        var app = builder.Build();
        app.Run(server.HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            var inUse = e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } ||
                e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } ||
                e.GetType().Name == "AddressInUseException" || e.InnerException?.GetType().Name == "AddressInUseException";
            var where = FormatHost(options.BindAddress) + ":" + options.Port.ToString(CultureInfo.InvariantCulture);
            throw new IOException(
                inUse
                    ? $"The Cloud Map emulator cannot listen on {where}: the port is already in use. Stop the other process or choose another port (0 picks a free one)."
                    : $"The Cloud Map emulator cannot listen on {where}: {e.Message}",
                e);
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address).Port;
        var host = options.BindAddress.Equals(IPAddress.Any) ? "127.0.0.1"
            : options.BindAddress.Equals(IPAddress.IPv6Any) ? "[::1]"
            : FormatHost(options.BindAddress);

        EmulatorDnsServer? dns = null;
        if (options.DnsPort is { } dnsPort)
        {
            try
            {
                dns = EmulatorDnsServer.Start(options.BindAddress, dnsPort, state.AnswerDns);
            }
            catch (SocketException e)
            {
                await app.DisposeAsync().ConfigureAwait(false);
                var where = FormatHost(options.BindAddress) + ":" + dnsPort.ToString(CultureInfo.InvariantCulture);
                throw new IOException(
                    e.SocketErrorCode == SocketError.AddressAlreadyInUse
                        ? $"The Cloud Map emulator cannot serve DNS on {where} (DnsPort {dnsPort}): the port is already in use (UDP or TCP). Choose another port (0 picks a free one)."
                        : $"The Cloud Map emulator cannot serve DNS on {where} (DnsPort {dnsPort}): {e.Message}",
                    e);
            }
        }

        Route53Prober? prober = null;
        if (options.ProbeRoute53HealthChecks)
        {
            prober = new Route53Prober(state, time, options.Route53CheckInterval);
            prober.Start();
        }

        return new CloudMapEmulator(app, state, recorder, faults, new Uri($"http://{host}:{port.ToString(CultureInfo.InvariantCulture)}"), dns, prober, platform);
    }

    /// <summary>Creates an HTTP namespace (its <c>HttpName</c> is <paramref name="name"/>), at once and without an operation.</summary>
    /// <param name="name">The namespace name.</param>
    /// <returns>The namespace id (<c>ns-…</c>).</returns>
    public string CreateHttpNamespace(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return _state.AddNamespace(name, NamespaceTypes.Http);
    }

    /// <summary>Creates a DNS namespace, at once and without an operation.</summary>
    /// <param name="name">The domain name, for example <c>example.local</c>.</param>
    /// <param name="isPublic"><see langword="true"/> for a public DNS namespace; private otherwise.</param>
    /// <returns>The namespace id (<c>ns-…</c>).</returns>
    public string CreateDnsNamespace(string name, bool isPublic = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return _state.AddNamespace(name, isPublic ? NamespaceTypes.DnsPublic : NamespaceTypes.DnsPrivate);
    }

    /// <summary>
    /// Creates a service. In a DNS namespace it gets an SRV record (MULTIVALUE, TTL 60), so registrations need
    /// <c>AWS_INSTANCE_PORT</c> and an address.
    /// </summary>
    /// <param name="namespaceId">The namespace id.</param>
    /// <param name="name">The service name.</param>
    /// <param name="healthCheck">The kind of health check.</param>
    /// <returns>The service id (<c>srv-…</c>).</returns>
    public string CreateService(string namespaceId, string name, EmulatedHealthCheck healthCheck = EmulatedHealthCheck.Custom)
    {
        ArgumentException.ThrowIfNullOrEmpty(namespaceId);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return _state.AddService(namespaceId, name, healthCheck);
    }

    /// <summary>
    /// Registers (or replaces) an instance at once, visible immediately, with the same validation as
    /// <c>RegisterInstance</c> — for example to play another process that takes over an instance id.
    /// </summary>
    /// <param name="serviceId">The service id.</param>
    /// <param name="instanceId">The instance id.</param>
    /// <param name="attributes">The attributes.</param>
    /// <exception cref="ArgumentException">The service does not exist or the registration is invalid.</exception>
    public void RegisterInstance(string serviceId, string instanceId, IReadOnlyDictionary<string, string> attributes)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceId);
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        ArgumentNullException.ThrowIfNull(attributes);
        _state.PutInstance(serviceId, instanceId, attributes);
    }

    /// <summary>Removes an instance at once, as if someone deleted it by hand.</summary>
    /// <param name="serviceId">The service id.</param>
    /// <param name="instanceId">The instance id.</param>
    /// <returns><see langword="true"/> when the instance existed.</returns>
    public bool DeregisterInstance(string serviceId, string instanceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceId);
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        return _state.RemoveInstance(serviceId, instanceId);
    }

    /// <summary>Sets an instance's health status at once (no delay), for example to fail a Route 53 health check.</summary>
    /// <param name="serviceId">The service id.</param>
    /// <param name="instanceId">The instance id.</param>
    /// <param name="healthy">The new status.</param>
    /// <exception cref="ArgumentException">The service or instance does not exist.</exception>
    /// <exception cref="InvalidOperationException">The service has no health check.</exception>
    public void SetHealthStatus(string serviceId, string instanceId, bool healthy)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceId);
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        _state.SetHealth(serviceId, instanceId, healthy ? HealthStatuses.Healthy : HealthStatuses.Unhealthy);
    }

    /// <summary>Gets the instances of a service, including ones still propagating, ordered by id.</summary>
    /// <param name="serviceId">The service id.</param>
    /// <returns>Snapshots of the instances.</returns>
    /// <exception cref="ArgumentException">The service does not exist.</exception>
    public IReadOnlyList<EmulatedInstance> GetInstances(string serviceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceId);
        return _state.Snapshot(serviceId);
    }

    /// <summary>Gets one instance, or <see langword="null"/> when it is not registered.</summary>
    /// <param name="serviceId">The service id.</param>
    /// <param name="instanceId">The instance id.</param>
    /// <returns>A snapshot of the instance, or <see langword="null"/>.</returns>
    public EmulatedInstance? FindInstance(string serviceId, string instanceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        return GetInstances(serviceId).FirstOrDefault(i => i.InstanceId == instanceId);
    }

    /// <summary>Gets the kind of health check of a service, or <see langword="null"/> when it does not exist.</summary>
    /// <param name="serviceId">The service id.</param>
    /// <returns>The kind of health check.</returns>
    public EmulatedHealthCheck? GetHealthCheck(string serviceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceId);
        return _state.HealthCheckOf(serviceId);
    }

    /// <summary>Gets how many calls of <paramref name="operation"/> the emulator received (faulted ones included).</summary>
    /// <param name="operation">The operation name, for example <c>RegisterInstance</c>.</param>
    /// <returns>The count since start or the last <see cref="ResetCounters"/>.</returns>
    public long GetCallCount(string operation)
    {
        ArgumentException.ThrowIfNullOrEmpty(operation);
        return _recorder.Calls(operation);
    }

    /// <summary>Gets how many calls of <paramref name="operation"/> were throttled.</summary>
    /// <param name="operation">The operation name.</param>
    /// <returns>The count since start or the last <see cref="ResetCounters"/>.</returns>
    public long GetThrottledCount(string operation)
    {
        ArgumentException.ThrowIfNullOrEmpty(operation);
        return _recorder.Throttled(operation);
    }

    /// <summary>Gets the request log, oldest first.</summary>
    /// <returns>The logged requests.</returns>
    public IReadOnlyList<EmulatedRequest> GetRequestLog() => _recorder.Log();

    /// <summary>Clears the call counters and the request log (state and faults are kept).</summary>
    public void ResetCounters() => _recorder.Reset();

    /// <summary>The default of <see cref="WaitUntilAsync"/>'s timeout: 30 seconds of real time.</summary>
    public static readonly TimeSpan DefaultWaitTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Waits, on real time, until <paramref name="condition"/> holds: for example until the app under test has
    /// registered (<c>emulator.FindInstance(serviceId, "orders-1") is not null</c>) or its state says so. The condition
    /// is checked at once and then every 10 ms.
    /// </summary>
    /// <param name="condition">What to wait for; called on a thread-pool thread.</param>
    /// <param name="timeout">How long to wait at most; <see cref="DefaultWaitTimeout"/> when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes once the condition holds.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="condition"/> is <see langword="null"/>.</exception>
    /// <exception cref="TimeoutException">The condition did not hold within <paramref name="timeout"/>.</exception>
    /// <remarks>
    /// Under a fake clock nothing happens until the clock moves: use
    /// <see cref="TimerCountingFakeTimeProvider.AdvanceUntilAsync(Func{bool}, TimeSpan, int, CancellationToken)"/> there.
    /// </remarks>
    public async Task WaitUntilAsync(Func<bool> condition, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var limit = timeout ?? DefaultWaitTimeout;
        var started = TimeProvider.System.GetTimestamp();
        while (!condition())
        {
            if (TimeProvider.System.GetElapsedTime(started) >= limit)
            {
                throw new TimeoutException($"The condition did not hold within {limit} (emulator at {Endpoint}, {TotalCallCount} calls received).");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the emulator.</summary>
    /// <returns>A task that completes when the server has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using var timeout = new CancellationTokenSource();
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            if (_prober is not null)
            {
                await _prober.DisposeAsync().ConfigureAwait(false);
            }

            if (_dns is not null)
            {
                await _dns.DisposeAsync().ConfigureAwait(false);
            }

            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static string FormatHost(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + address + "]" : address.ToString();
}
