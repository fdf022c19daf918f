// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text.Json;
using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>The write side of the admin API: faults and settings from JSON.</summary>
internal sealed partial class EmulatorServer
{
    private JsonObject AddFault(JsonObject body)
    {
        var type = Text(body, "type") ?? throw new AdminException(400, "'type' is required: throttle, errorRate, latency, dropConnections, failOperations or script.");
        var operation = Text(body, "operation");
        try
        {
            switch (type)
            {
                case "throttle":
                    faults.Throttle((int)Number(body, "burst", 0), Number(body, "ratePerSecond", 0), operation);
                    break;
                case "errorRate":
                    faults.ErrorRate(Number(body, "rate", 1), (int)Number(body, "statusCode", 500), operation);
                    break;
                case "latency":
                    faults.Latency(TimeSpan.FromMilliseconds(Number(body, "milliseconds", 0)), operation);
                    break;
                case "dropConnections":
                    faults.DropConnections(Number(body, "rate", 1), operation);
                    break;
                case "failOperations":
                    faults.FailOperations(Number(body, "rate", 1), Text(body, "errorCode") ?? EmulatorFaults.DefaultOperationErrorCode, operation);
                    break;
                case "script":
                    var fault = (Text(body, "fault") ?? "error") switch
                    {
                        "throttle" => ScriptedFault.Throttling(),
                        "internalFailure" => ScriptedFault.InternalFailure(),
                        "serviceUnavailable" => ScriptedFault.ServiceUnavailable(),
                        "drop" => ScriptedFault.DropConnection(),
                        "delay" => ScriptedFault.Delay(TimeSpan.FromMilliseconds(Number(body, "milliseconds", 0))),
                        "failOperation" => ScriptedFault.FailOperation(Text(body, "errorCode") ?? EmulatorFaults.DefaultOperationErrorCode),
                        "error" => ScriptedFault.Error(
                            Text(body, "errorCode") ?? throw new AdminException(400, "'errorCode' is required for an error fault."),
                            Text(body, "message"),
                            (int)Number(body, "statusCode", 400)),
                        var other => throw new AdminException(400, $"Unknown scripted fault '{other}'."),
                    };
                    faults.Script(operation ?? "*", fault, (int)Number(body, "count", 1));
                    break;
                default:
                    throw new AdminException(400, $"Unknown fault type '{type}'.");
            }
        }
        catch (ArgumentException e)
        {
            throw new AdminException(400, e.Message);
        }

        return faults.ToJson();
    }

    private JsonObject ApplySettings(JsonObject body)
    {
        try
        {
            if (Seconds(body, "healthChangeDelaySeconds") is { } health)
            {
                state.HealthChangeDelay = health;
            }

            if (Seconds(body, "operationSubmittedSeconds") is { } submitted)
            {
                state.OperationSubmittedDuration = submitted;
            }

            if (Seconds(body, "operationPendingSeconds") is { } pending)
            {
                state.OperationPendingDuration = pending;
            }

            if (Seconds(body, "propagationDelaySeconds") is { } propagation)
            {
                state.PropagationDelay = propagation;
            }
        }
        catch (ArgumentException e)
        {
            throw new AdminException(400, e.Message);
        }

        return (JsonObject)state.ToStateJson(0)["settings"]!.DeepClone();
    }

    private static string? Text(JsonObject body, string name) =>
        body[name] is { } node ? node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : throw new AdminException(400, $"'{name}' must be a string.") : null;

    private static double Number(JsonObject body, string name, double fallback) =>
        body[name] is { } node ? node.GetValueKind() == JsonValueKind.Number ? node.GetValue<double>() : throw new AdminException(400, $"'{name}' must be a number.") : fallback;

    private static TimeSpan? Seconds(JsonObject body, string name) =>
        body[name] is null ? null : TimeSpan.FromSeconds(Number(body, name, 0));
}
