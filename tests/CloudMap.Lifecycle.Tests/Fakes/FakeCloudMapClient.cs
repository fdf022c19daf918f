// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Tests.Fakes;

/// <summary>
/// An in-memory Cloud Map for unit tests: services of each health-check kind, instances, custom health, operations,
/// the errors the lifecycle reacts to, scripted failures, call records, and gates that hold a call in flight.
/// </summary>
internal sealed class FakeCloudMapClient : ICloudMapClient
{
    public const string CustomServiceId = "srv-custom0000000001";
    public const string NoHealthServiceId = "srv-nohealth00000001";
    public const string Route53ServiceId = "srv-route530000000001";
    public const string NamespaceId = "ns-0000000000000001";
    public const string NamespaceName = "example.local";

    private readonly Lock _lock = new();
    private readonly Dictionary<string, CloudMapService> _services = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Service, string Instance), CloudMapInstance> _instances = [];
    private readonly Dictionary<(string Service, string Instance), CloudMapHealthStatus> _health = [];
    private readonly Dictionary<string, (CloudMapOperation Operation, int PollsLeft)> _operations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<Exception>> _failures = new(StringComparer.Ordinal);
    private readonly List<string> _calls = [];
    private readonly List<(string Operation, int Count, TaskCompletionSource Completion)> _waiters = [];
    private int _operationCounter;

    public FakeCloudMapClient()
    {
        AddService(new CloudMapService(CustomServiceId, "arn:aws:servicediscovery:us-east-1:111122223333:service/" + CustomServiceId, "api", NamespaceId, "HTTP", ServiceHealthCheckKind.Custom));
        AddService(new CloudMapService(NoHealthServiceId, null, "connect", NamespaceId, "HTTP", ServiceHealthCheckKind.None));
        AddService(new CloudMapService(Route53ServiceId, null, "web", NamespaceId, "DNS_HTTP", ServiceHealthCheckKind.Route53));
    }

    /// <summary>Gets or sets how many GetOperation polls an operation stays PENDING before it succeeds.</summary>
    public int PendingPolls { get; set; }

    /// <summary>Gets or sets a gate every RegisterInstance waits on (after recording the call) before it takes effect.</summary>
    public TaskCompletionSource? RegisterGate { get; set; }

    /// <summary>Gets or sets a value indicating whether every call hangs until cancelled (Cloud Map not answering).</summary>
    public bool Hang { get; set; }

    /// <summary>Gets the operation names called so far, in order.</summary>
    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (_lock)
            {
                return _calls.ToArray();
            }
        }
    }

    /// <summary>Gets the last RegisterInstance request received.</summary>
    public CloudMapInstanceRegistration? LastRegisterRequest { get; private set; }

    /// <summary>Gets the custom health status pushes received, in order.</summary>
    public List<CloudMapHealthStatus> HealthPushes { get; } = [];

    public void AddService(CloudMapService service)
    {
        lock (_lock)
        {
            _services[service.Id] = service;
        }
    }

    public int CallCount(string operation)
    {
        lock (_lock)
        {
            return _calls.Count(c => c == operation);
        }
    }

    /// <summary>Makes the next <paramref name="times"/> calls of <paramref name="operation"/> throw <paramref name="error"/>.</summary>
    public void FailNext(string operation, Exception error, int times = 1)
    {
        lock (_lock)
        {
            if (!_failures.TryGetValue(operation, out var queue))
            {
                _failures[operation] = queue = new Queue<Exception>();
            }

            for (var i = 0; i < times; i++)
            {
                queue.Enqueue(error);
            }
        }
    }

    public static CloudMapException Error(string code, string? duplicateOperationId = null) =>
        new(code, code + " (fake)", System.Net.HttpStatusCode.BadRequest, "req-fake") { DuplicateOperationId = duplicateOperationId };

    /// <summary>Completes when <paramref name="operation"/> has been called at least <paramref name="count"/> times.</summary>
    public Task WaitForCallAsync(string operation, int count = 1)
    {
        lock (_lock)
        {
            if (_calls.Count(c => c == operation) >= count)
            {
                return Task.CompletedTask;
            }

            var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((operation, count, completion));
            return completion.Task;
        }
    }

    public CloudMapInstance? GetStoredInstance(string serviceId, string instanceId)
    {
        lock (_lock)
        {
            return _instances.GetValueOrDefault((serviceId, instanceId));
        }
    }

    public CloudMapHealthStatus? GetStoredHealth(string serviceId, string instanceId)
    {
        lock (_lock)
        {
            return _health.TryGetValue((serviceId, instanceId), out var status) ? status : null;
        }
    }

    /// <summary>Puts an instance in place directly (another owner, or a predecessor), as if registered by someone else.</summary>
    public void PutInstance(string serviceId, string instanceId, IReadOnlyDictionary<string, string> attributes)
    {
        lock (_lock)
        {
            _instances[(serviceId, instanceId)] = new CloudMapInstance(instanceId, attributes);
        }
    }

    /// <summary>Removes an instance behind the lifecycle's back (by hand, by a cleaner).</summary>
    public void RemoveInstance(string serviceId, string instanceId)
    {
        lock (_lock)
        {
            _instances.Remove((serviceId, instanceId));
            _health.Remove((serviceId, instanceId));
        }
    }

    /// <summary>Adds a finished or pending operation (e.g. the one a DuplicateRequest points to).</summary>
    public void AddOperation(string id, CloudMapOperationStatus status)
    {
        lock (_lock)
        {
            _operations[id] = (new CloudMapOperation(id, "REGISTER_INSTANCE", status, null, null, null, null, new Dictionary<string, string>()), 0);
        }
    }

    public async Task<string> RegisterInstanceAsync(CloudMapInstanceRegistration request, CancellationToken cancellationToken)
    {
        await EnterAsync("RegisterInstance", cancellationToken).ConfigureAwait(false);
        LastRegisterRequest = request;
        if (RegisterGate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        lock (_lock)
        {
            RequireService(request.ServiceId);
            _instances[(request.ServiceId, request.InstanceId)] = new CloudMapInstance(request.InstanceId, request.Attributes, request.CreatorRequestId);
            if (_services[request.ServiceId].HealthCheckKind == ServiceHealthCheckKind.Custom)
            {
                var init = request.Attributes.GetValueOrDefault("AWS_INIT_HEALTH_STATUS", "HEALTHY");
                _health[(request.ServiceId, request.InstanceId)] = init == "UNHEALTHY" ? CloudMapHealthStatus.Unhealthy : CloudMapHealthStatus.Healthy;
            }

            return NewOperation("REGISTER_INSTANCE");
        }
    }

    public async Task<string> DeregisterInstanceAsync(string serviceId, string instanceId, CancellationToken cancellationToken)
    {
        await EnterAsync("DeregisterInstance", cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            RequireService(serviceId);
            if (!_instances.Remove((serviceId, instanceId)))
            {
                throw Error(CloudMapErrorCodes.InstanceNotFound);
            }

            _health.Remove((serviceId, instanceId));
            return NewOperation("DEREGISTER_INSTANCE");
        }
    }

    public async Task UpdateInstanceCustomHealthStatusAsync(string serviceId, string instanceId, CloudMapHealthStatus status, CancellationToken cancellationToken)
    {
        await EnterAsync("UpdateInstanceCustomHealthStatus", cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            var service = RequireService(serviceId);
            if (!_instances.ContainsKey((serviceId, instanceId)))
            {
                throw Error(CloudMapErrorCodes.InstanceNotFound);
            }

            if (service.HealthCheckKind != ServiceHealthCheckKind.Custom)
            {
                throw Error(CloudMapErrorCodes.CustomHealthNotFound);
            }

            _health[(serviceId, instanceId)] = status;
            HealthPushes.Add(status);
        }
    }

    public async Task<CloudMapOperation> GetOperationAsync(string operationId, CancellationToken cancellationToken)
    {
        await EnterAsync("GetOperation", cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            if (!_operations.TryGetValue(operationId, out var entry))
            {
                throw Error(CloudMapErrorCodes.OperationNotFound);
            }

            if (entry.PollsLeft > 0)
            {
                _operations[operationId] = (entry.Operation, entry.PollsLeft - 1);
                return entry.Operation with { Status = CloudMapOperationStatus.Pending };
            }

            return entry.Operation;
        }
    }

    public async Task<CloudMapService> GetServiceAsync(string serviceIdOrArn, CancellationToken cancellationToken)
    {
        await EnterAsync("GetService", cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            return _services.Values.FirstOrDefault(s => s.Id == serviceIdOrArn || s.Arn == serviceIdOrArn)
                ?? throw Error(CloudMapErrorCodes.ServiceNotFound);
        }
    }

    public async Task<CloudMapInstance> GetInstanceAsync(string serviceId, string instanceId, CancellationToken cancellationToken)
    {
        await EnterAsync("GetInstance", cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            RequireService(serviceId);
            return _instances.GetValueOrDefault((serviceId, instanceId)) ?? throw Error(CloudMapErrorCodes.InstanceNotFound);
        }
    }

    /// <summary>Lists the stored instances of a service, recorded as a ListInstances call (not part of <see cref="ICloudMapClient"/>: the lifecycle never lists).</summary>
    public async Task<IReadOnlyList<CloudMapInstance>> ListInstancesAsync(string serviceId, CancellationToken cancellationToken)
    {
        await EnterAsync("ListInstances", cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            return _instances.Where(i => i.Key.Service == serviceId).Select(i => i.Value).ToList();
        }
    }

    public async Task<IReadOnlyList<CloudMapNamespaceSummary>> ListNamespacesAsync(CancellationToken cancellationToken)
    {
        await EnterAsync("ListNamespaces", cancellationToken).ConfigureAwait(false);
        return [new CloudMapNamespaceSummary(NamespaceId, null, NamespaceName, "HTTP", NamespaceName)];
    }

    /// <summary>Gets a value indicating whether the fake was throttled: never (its faults are scripted errors, not pacing).</summary>
    public bool HasBeenThrottled => false;

    public bool ThrottledWithin(TimeSpan window) => false;

    public async Task<IReadOnlyList<CloudMapServiceSummary>> ListServicesAsync(string? namespaceId, CancellationToken cancellationToken)
    {
        await EnterAsync("ListServices", cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            return _services.Values.Where(s => namespaceId is null || s.NamespaceId == namespaceId)
                .Select(s => new CloudMapServiceSummary(s.Id, s.Arn, s.Name, s.NamespaceId)).ToList();
        }
    }

    private async Task EnterAsync(string operation, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Exception? failure = null;
        List<TaskCompletionSource>? ready = null;
        lock (_lock)
        {
            _calls.Add(operation);
            var count = _calls.Count(c => c == operation);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Operation == operation && _waiters[i].Count <= count)
                {
                    (ready ??= []).Add(_waiters[i].Completion);
                    _waiters.RemoveAt(i);
                }
            }

            if (_failures.TryGetValue(operation, out var queue) && queue.Count > 0)
            {
                failure = queue.Dequeue();
            }
        }

        ready?.ForEach(c => c.TrySetResult());
        if (Hang)
        {
            // Never answers: only the caller's cancellation ends the call.
            await new TaskCompletionSource().Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (failure is not null)
        {
            throw failure;
        }
    }

    private CloudMapService RequireService(string serviceId) =>
        _services.GetValueOrDefault(serviceId) ?? throw Error(CloudMapErrorCodes.ServiceNotFound);

    private string NewOperation(string type)
    {
        var id = "op-" + (++_operationCounter).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _operations[id] = (new CloudMapOperation(id, type, CloudMapOperationStatus.Success, null, null, null, null, new Dictionary<string, string>()), PendingPolls);
        return id;
    }
}
