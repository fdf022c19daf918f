// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>GetOperation request.</summary>
internal sealed record GetOperationInput(string OperationId)
{
    public static GetOperationInput Read(JsonObject body)
    {
        var id = AwsInput.String(body, "OperationId", required: true, max: 255)!;
        _ = AwsInput.String(body, "OwnerAccount", max: 12, min: 12);
        return new GetOperationInput(id);
    }
}

internal sealed record GetOperationResponse(OperationView Operation);

internal sealed record OperationView(
    string Id,
    string OwnerAccount,
    string Type,
    string Status,
    string? ErrorMessage,
    string? ErrorCode,
    double CreateDate,
    double UpdateDate,
    IReadOnlyDictionary<string, string> Targets);

internal sealed record ListOperationsResponse(IReadOnlyList<OperationSummaryView> Operations, string? NextToken);

internal sealed record OperationSummaryView(string Id, string Status);

/// <summary>
/// Asynchronous operations: SUBMITTED, then PENDING, then SUCCESS or FAIL, each phase a stored instant computed against
/// the clock when read. The change an operation makes is applied when it is accepted (and not at all when an injected
/// failure will end it in FAIL); propagation is modelled separately by the instance's visibility.
/// </summary>
internal sealed partial class EmulatorState
{
    private GetOperationResponse GetOperation(GetOperationInput input)
    {
        lock (_lock)
        {
            var op = _operations.GetValueOrDefault(input.OperationId)
                ?? throw new AwsErrorException(CloudMapRules.ErrorCodes.OperationNotFound, $"No operation found with ID '{input.OperationId}'.");
            var now = _time.GetUtcNow();
            var status = op.Status(now);
            var failed = status == OperationStatuses.Fail;
            return new GetOperationResponse(new OperationView(
                op.Id,
                AccountId,
                op.Type,
                status,
                failed ? op.FailMessage : null,
                failed ? op.FailCode : null,
                Epoch(op.CreateDate),
                Epoch(op.UpdateDate(now)),
                op.Targets));
        }
    }

    private ListOperationsResponse ListOperations(ListInput input)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var (items, next) = input.Apply(
                _operationOrder,
                (f, op) => f.Name switch
                {
                    "NAMESPACE_ID" => f.Values.Contains(op.Targets.GetValueOrDefault("NAMESPACE") ?? string.Empty),
                    "SERVICE_ID" => f.Values.Contains(op.Targets.GetValueOrDefault("SERVICE") ?? string.Empty),
                    "STATUS" => f.Values.Contains(op.Status(now)),
                    "TYPE" => f.Values.Contains(op.Type),
                    _ => true, // UPDATE_DATE (BETWEEN) is not emulated: the filter is accepted and ignored.
                },
                op => new OperationSummaryView(op.Id, op.Status(now)));
            return new ListOperationsResponse(items, next);
        }
    }

    /// <summary>The operation on an instance that has not completed yet, if any (one at a time per instance).</summary>
    private OperationRecord? InFlight(ServiceRecord service, string instanceId, DateTimeOffset now) =>
        _instanceOperations.TryGetValue((service.Id, instanceId), out var op) && !op.IsComplete(now) ? op : null;

    private static AwsErrorException Duplicate(OperationRecord inFlight, string instanceId) => new(
        CloudMapRules.ErrorCodes.DuplicateRequest,
        $"Another operation ({inFlight.Type}) on instance '{instanceId}' is in progress.",
        400,
        new Dictionary<string, string>(StringComparer.Ordinal) { ["DuplicateOperationId"] = inFlight.Id });

    private OperationRecord NewInstanceOperation(string type, ServiceRecord service, string instanceId, string? creatorRequestId, string? failCode, DateTimeOffset now)
    {
        var targets = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["NAMESPACE"] = service.NamespaceId,
            ["SERVICE"] = service.Id,
            ["INSTANCE"] = instanceId,
        };
        var op = NewOperation(type, targets, creatorRequestId, failCode, now, service.Id, instanceId);
        _instanceOperations[(service.Id, instanceId)] = op;
        return op;
    }

    private OperationRecord NewOperation(
        string type,
        Dictionary<string, string> targets,
        string? creatorRequestId,
        string? failCode,
        DateTimeOffset now,
        string? serviceId = null,
        string? instanceId = null)
    {
        var id = NewId(string.Empty, 32, _operations.ContainsKey) + "-" + _random.Chars(8);
        var op = new OperationRecord
        {
            Id = id,
            Type = type,
            CreateDate = now,
            PendingAt = now + _submitted,
            CompletesAt = now + _submitted + _pending,
            FailCode = failCode,
            FailMessage = failCode is null ? null : "The operation failed (injected by the emulator).",
            Targets = targets,
            CreatorRequestId = creatorRequestId,
            ServiceId = serviceId,
            InstanceId = instanceId,
        };
        _operations.Add(op.Id, op);
        _operationOrder.Add(op);
        return op;
    }
}
