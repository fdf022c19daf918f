// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>
/// The emulated account: namespaces, services, instances and operations as typed records, behind one lock. Every
/// time-dependent value is computed from the clock and stored timestamps when read, so a fake clock drives it
/// deterministically, no timers run, and a read never changes the state.
/// </summary>
/// <remarks>
/// One partial per resource: <c>.Api</c> (the operation table), <c>.Namespaces</c>, <c>.Services</c>, <c>.Instances</c>,
/// <c>.Health</c>, <c>.Discovery</c>, <c>.Operations</c>, <c>.Inspection</c> (code API reads and the admin state document).
/// The rules they check are in <see cref="CloudMapRules"/>. Something new that reads the same records (a DNS server answering
/// from <see cref="ServiceRecord.DnsConfig"/>, instance attributes and <see cref="InstanceRecord.HealthAt"/>) is one more
/// partial under the same lock; another AWS service on the same port is another <see cref="AwsJsonService"/> given to
/// <see cref="EmulatorServer"/> with its own table and state.
/// </remarks>
internal sealed partial class EmulatorState
{
    public const string AccountId = CloudMapRules.AccountId;

    /// <summary>How many deregistrations the state document and the dashboard keep.</summary>
    public const int RecentDeregistrations = 20;

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly SharedRandom _random;
    private readonly Dictionary<string, NamespaceRecord> _namespaces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ServiceRecord> _services = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OperationRecord> _operations = new(StringComparer.Ordinal);
    private readonly List<OperationRecord> _operationOrder = [];

    /// <summary>The last successful deregistrations, oldest first (at most <see cref="RecentDeregistrations"/>).</summary>
    private readonly List<DeregistrationDocument> _deregistrations = [];
    private readonly Dictionary<(string ServiceId, string InstanceId), OperationRecord> _instanceOperations = [];

    private TimeSpan _healthChangeDelay;
    private TimeSpan _submitted;
    private TimeSpan _pending;
    private TimeSpan _propagation;
    private readonly bool _probeRoute53;

    public EmulatorState(TimeProvider time, SharedRandom random, string region, CloudMapEmulatorOptions options)
    {
        _time = time;
        _random = random;
        Region = region;
        _healthChangeDelay = options.HealthChangeDelay;
        var immediate = options.OperationsCompleteImmediately;
        _submitted = immediate ? TimeSpan.Zero : options.OperationSubmittedDuration;
        _pending = immediate ? TimeSpan.Zero : options.OperationPendingDuration;
        _propagation = options.PropagationDelay;
        _probeRoute53 = options.ProbeRoute53HealthChecks;
        Api = CreateApi();
    }

    public string Region { get; }

    public TimeProvider Time => _time;

    /// <summary>Gets the Cloud Map API over this state: the operation table.</summary>
    public AwsJsonService Api { get; }

    public TimeSpan HealthChangeDelay
    {
        get => Locked(() => _healthChangeDelay);
        set => Locked(() => SetHealthChangeDelayLocked(NonNegative(value)));
    }

    public TimeSpan OperationSubmittedDuration
    {
        get => Locked(() => _submitted);
        set => Locked(() => _submitted = NonNegative(value));
    }

    public TimeSpan OperationPendingDuration
    {
        get => Locked(() => _pending);
        set => Locked(() => _pending = NonNegative(value));
    }

    public TimeSpan PropagationDelay
    {
        get => Locked(() => _propagation);
        set => Locked(() => _propagation = NonNegative(value));
    }

    /// <summary>A wire timestamp: epoch seconds with a fraction.</summary>
    public static double Epoch(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 1000.0;

    private static TimeSpan NonNegative(TimeSpan value) =>
        value < TimeSpan.Zero ? throw new ArgumentOutOfRangeException(nameof(value), value, "Must not be negative.") : value;

    private static string IdOf(string idOrArn) =>
        idOrArn.StartsWith("arn:", StringComparison.Ordinal) ? idOrArn[(idOrArn.LastIndexOf('/') + 1)..] : idOrArn;

    private static InstanceRecord VisibleInstance(ServiceRecord service, string instanceId, DateTimeOffset now) =>
        service.Instances.TryGetValue(instanceId, out var instance) && instance.IsVisible(now)
            ? instance
            : throw new AwsErrorException(CloudMapRules.ErrorCodes.InstanceNotFound, $"Instance not found: '{instanceId}' in service '{service.Id}'.");

    /// <summary>Runs <paramref name="action"/> under the state's lock (every read and write of the records holds it).</summary>
    private T Locked<T>(Func<T> action)
    {
        lock (_lock)
        {
            return action();
        }
    }

    private void Locked(Action action)
    {
        lock (_lock)
        {
            action();
        }
    }

    private string NewId(string prefix, int length, Func<string, bool> taken)
    {
        while (true)
        {
            var id = prefix + _random.Chars(length);
            if (!taken(id))
            {
                return id;
            }
        }
    }

    private ServiceRecord ServiceById(string idOrArn) =>
        _services.GetValueOrDefault(IdOf(idOrArn)) ?? throw new AwsErrorException(CloudMapRules.ErrorCodes.ServiceNotFound, $"Service not found: '{idOrArn}'.");

    private NamespaceRecord NamespaceById(string idOrArn) =>
        _namespaces.GetValueOrDefault(IdOf(idOrArn)) ?? throw new AwsErrorException(CloudMapRules.ErrorCodes.NamespaceNotFound, $"Namespace not found: '{idOrArn}'.");

    private IEnumerable<ServiceRecord> ServicesIn(NamespaceRecord ns) => _services.Values.Where(s => s.NamespaceId == ns.Id);

    private ServiceRecord? ServiceNamed(NamespaceRecord ns, string name) =>
        ServicesIn(ns).FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
}
