// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;

namespace CloudMap.Lifecycle.Testing;

/// <summary>Options for <see cref="CloudMapEmulator.StartAsync(CloudMapEmulatorOptions?, CancellationToken)"/>.</summary>
public sealed class CloudMapEmulatorOptions
{
    private TimeSpan? _operationSubmittedDuration;
    private TimeSpan? _operationPendingDuration;

    /// <summary>The default region the emulator claims to be: <c>us-east-1</c>.</summary>
    public const string DefaultRegion = "us-east-1";

    /// <summary>The default delay before a pushed custom health status takes effect: 30 seconds, as in Cloud Map.</summary>
    public static readonly TimeSpan DefaultHealthChangeDelay = TimeSpan.FromSeconds(30);

    /// <summary>The default time an asynchronous operation spends in <c>SUBMITTED</c>: 250 milliseconds.</summary>
    public static readonly TimeSpan DefaultOperationSubmittedDuration = TimeSpan.FromMilliseconds(250);

    /// <summary>The default time an asynchronous operation spends in <c>PENDING</c>: 750 milliseconds.</summary>
    public static readonly TimeSpan DefaultOperationPendingDuration = TimeSpan.FromMilliseconds(750);

    /// <summary>The default interval of probed Route 53 health checks: 30 seconds, Route 53's standard interval.</summary>
    public static readonly TimeSpan DefaultRoute53CheckInterval = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the TCP port to listen on; 0 picks a free one.</summary>
    /// <value>The default value is 0.</value>
    public int Port { get; set; }

    /// <summary>
    /// Gets or sets the address to bind. Anything but a loopback address exposes the emulator to the network, so it must
    /// be chosen explicitly.
    /// </summary>
    /// <value>The default value is <see cref="IPAddress.Loopback"/> (127.0.0.1).</value>
    public IPAddress BindAddress { get; set; } = IPAddress.Loopback;

    /// <summary>
    /// Gets the host names, besides <c>localhost</c> and IP addresses, under which browsers and the admin API may reach
    /// the emulator (any port), for example a container name or <c>host.docker.internal</c> when it is bound elsewhere;
    /// <c>*</c> accepts any name. Another name in the <c>Host</c> header of an admin or dashboard request (or of any
    /// request from a browser) is refused with 403, against DNS rebinding; AWS API calls from SDKs and scripts are
    /// answered under any name.
    /// </summary>
    /// <remarks>Entries are host names without scheme, port or path; anything else fails <see cref="CloudMapEmulator.StartAsync(CloudMapEmulatorOptions?, CancellationToken)"/>.</remarks>
    /// <value>The default value is empty: <c>localhost</c> and IP addresses only.</value>
    public IList<string> AllowedHosts { get; } = [];

    /// <summary>Gets or sets the region the emulator claims (ARNs and SigV4 scope).</summary>
    /// <value>The default value is <see cref="DefaultRegion"/>.</value>
    public string Region { get; set; } = DefaultRegion;

    /// <summary>
    /// Gets or sets the clock every state transition is computed from (operations, propagation, health changes,
    /// throttling, injected latency). Pass a <c>FakeTimeProvider</c> (Microsoft.Extensions.TimeProvider.Testing) or a
    /// <see cref="TimerCountingFakeTimeProvider"/> to drive the emulator from a test; under such a clock operations
    /// complete at once unless told otherwise (<see cref="CompleteOperationsImmediately"/>).
    /// </summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets how long a new operation stays <c>SUBMITTED</c>.</summary>
    /// <value>The default value is <see cref="DefaultOperationSubmittedDuration"/>.</value>
    public TimeSpan OperationSubmittedDuration
    {
        get => _operationSubmittedDuration ?? DefaultOperationSubmittedDuration;
        set => _operationSubmittedDuration = value;
    }

    /// <summary>Gets or sets how long an operation then stays <c>PENDING</c> before it ends in <c>SUCCESS</c> or <c>FAIL</c>.</summary>
    /// <value>The default value is <see cref="DefaultOperationPendingDuration"/>.</value>
    public TimeSpan OperationPendingDuration
    {
        get => _operationPendingDuration ?? DefaultOperationPendingDuration;
        set => _operationPendingDuration = value;
    }

    /// <summary>
    /// Gets or sets whether asynchronous operations (register, deregister, namespace and service creation) are
    /// <c>SUCCESS</c> (or <c>FAIL</c>) from the first <c>GetOperation</c> on, ignoring
    /// <see cref="OperationSubmittedDuration"/> and <see cref="OperationPendingDuration"/>.
    /// </summary>
    /// <remarks>
    /// With a fake clock nobody moves time while the code under test waits for an operation, so a test that awaits
    /// "registered" before advancing, or stops the app without pumping the clock, would wait forever. Left
    /// <see langword="null"/>, operations therefore complete at once under any <see cref="TimeProvider"/> other than
    /// <see cref="TimeProvider.System"/>, unless one of the two durations is set explicitly. Set <see langword="false"/>
    /// to test the <c>SUBMITTED</c> → <c>PENDING</c> → <c>SUCCESS</c> schedule under a fake clock.
    /// </remarks>
    /// <value>The default value is <see langword="null"/>: at once under a fake clock, the durations under the system clock.</value>
    public bool? CompleteOperationsImmediately { get; set; }

    /// <summary>Gets whether operations complete at once, after <see cref="CompleteOperationsImmediately"/>'s default.</summary>
    internal bool OperationsCompleteImmediately =>
        CompleteOperationsImmediately ?? (TimeProvider != TimeProvider.System && _operationSubmittedDuration is null && _operationPendingDuration is null);

    /// <summary>
    /// Gets or sets how long after its registration operation completes a new instance still answers
    /// <c>InstanceNotFound</c> and stays out of discovery (eventual consistency).
    /// </summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/>.</value>
    public TimeSpan PropagationDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Gets or sets how long a changed custom health status takes to become effective.</summary>
    /// <value>The default value is <see cref="DefaultHealthChangeDelay"/>.</value>
    public TimeSpan HealthChangeDelay { get; set; } = DefaultHealthChangeDelay;

    /// <summary>
    /// Gets the SigV4 credentials the emulator accepts (access key id → secret access key). When empty, signatures are
    /// not checked at all; when set, unsigned, badly signed, unknown-key and clock-skewed requests are rejected.
    /// </summary>
    public IDictionary<string, string> SigV4Credentials { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets the seed of the random source (ids, discovery order, fault rates), for reproducible runs.</summary>
    /// <value>The default value is <see langword="null"/>: a random seed.</value>
    public int? RandomSeed { get; set; }

    /// <summary>Gets or sets the path of a JSON seed file with namespaces, services and instances to create at start.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? SeedFile { get; set; }

    /// <summary>Gets or sets seed JSON content (same format as <see cref="SeedFile"/>), applied after the file.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? SeedJson { get; set; }

    /// <summary>
    /// Gets or sets the port of the emulator's DNS server (UDP and TCP, on <see cref="BindAddress"/>), which answers for
    /// every DNS namespace as Route 53 does for Cloud Map: A, AAAA, SRV and CNAME records per service's <c>DnsConfig</c>,
    /// by routing policy and effective health; 0 picks a free port (see <see cref="CloudMapEmulator.DnsEndpoint"/>).
    /// </summary>
    /// <value>The default value is <see langword="null"/>: no DNS server.</value>
    public int? DnsPort { get; set; }

    /// <summary>
    /// Gets or sets whether the emulator probes the Route 53 health checks of services that have one (HTTP, HTTPS or
    /// TCP against each instance's registered address and <c>AWS_INSTANCE_PORT</c>, every
    /// <see cref="Route53CheckInterval"/>): an instance is <c>UNKNOWN</c> (routable) until its first result, then
    /// <c>FailureThreshold</c> consecutive results flip it. When <see langword="false"/>, such instances stay
    /// <c>HEALTHY</c> unless set with <see cref="CloudMapEmulator.SetHealthStatus"/>.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool ProbeRoute53HealthChecks { get; set; }

    /// <summary>
    /// Gets or sets how often probed Route 53 health checks run, on <see cref="TimeProvider"/>. Route 53 offers 30 s
    /// (standard) and 10 s (fast); the emulator takes any positive interval, so a test can be quick in real time.
    /// </summary>
    /// <value>The default value is <see cref="DefaultRoute53CheckInterval"/>.</value>
    public TimeSpan Route53CheckInterval { get; set; } = DefaultRoute53CheckInterval;

    /// <summary>Gets or sets how many requests the request log keeps (oldest dropped first).</summary>
    /// <value>The default value is 10,000.</value>
    public int RequestLogCapacity { get; set; } = 10_000;
}
