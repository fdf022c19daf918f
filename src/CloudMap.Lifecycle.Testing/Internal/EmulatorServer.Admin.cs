// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>The admin API under <c>/_emulator/</c>: state, counters, request log, faults, settings, reset.</summary>
internal sealed partial class EmulatorServer
{
    /// <summary>The longest duration an admin document may set (latency, operation schedule, health delay).</summary>
    private static readonly TimeSpan MaxAdminDuration = TimeSpan.FromDays(365);

    private async Task HandleAdminAsync(HttpContext context, string path)
    {
        var method = context.Request.Method;
        var route = path["/_emulator".Length..].TrimEnd('/');
        object? response;
        try
        {
            response = (method, route) switch
            {
                ("GET", "/state") => state.ToStateDocument(50),
                ("GET", "/calls") => recorder.CallsDocument(),
                ("GET", "/requests") => new RequestLogDocument(recorder.LogDocument(Limit(context))),
                ("GET", "/faults") => faults.ToDocument(),
                ("POST", "/faults") => AddFault(await ReadAdminBodyAsync(context).ConfigureAwait(false)),
                ("DELETE", "/faults") => ClearFaults(),
                ("POST", "/settings") => ApplySettings(await ReadAdminBodyAsync(context).ConfigureAwait(false)),
                ("POST", "/reset") => Reset(context.Request),
                ("GET", "/dashboard") => null,
                (_, var r) when r.StartsWith("/ecs/", StringComparison.Ordinal) || r.StartsWith("/ec2/", StringComparison.Ordinal) =>
                    await HandlePlatformAdminAsync(context, method, r).ConfigureAwait(false),
                _ => throw new AdminException(404, $"No admin route for {method} {path}."),
            };
        }
        catch (AdminException e)
        {
            await WriteAsync(context, e.StatusCode, EmulatorJson.AdminBytes(new AdminErrorDocument(e.Message)), AdminContentType).ConfigureAwait(false);
            return;
        }

        if (response is null)
        {
            await WriteDashboardAsync(context).ConfigureAwait(false);
            return;
        }

        context.Response.Headers.CacheControl = "no-store";
        await WriteAsync(context, 200, EmulatorJson.AdminBytes(response), AdminContentType).ConfigureAwait(false);
    }

    private static int Limit(HttpContext context) =>
        int.TryParse(context.Request.Query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit > 0 ? limit : 100;

    private static async Task<JsonObject> ReadAdminBodyAsync(HttpContext context)
    {
        RequireJsonBody(context.Request);
        var body = await ReadBodyAsync(context).ConfigureAwait(false) ?? throw new AdminException(413, "The body is too large.");
        try
        {
            return body.Length == 0 ? [] : JsonNode.Parse(body) as JsonObject ?? throw new AdminException(400, "The body must be a JSON object.");
        }
        catch (JsonException e)
        {
            throw new AdminException(400, "The body is not valid JSON: " + e.Message);
        }
    }

    private FaultsDocument ClearFaults()
    {
        faults.Clear();
        return faults.ToDocument();
    }

    private ResetDocument Reset(HttpRequest request)
    {
        RequireJsonBody(request);
        recorder.Reset();
        return new ResetDocument(true);
    }

    private FaultsDocument AddFault(JsonObject body)
    {
        var type = Text(body, "type") ?? throw new AdminException(400, "'type' is required: throttle, errorRate, latency, dropConnections, failOperations or script.");
        var operation = Text(body, "operation");
        try
        {
            switch (type)
            {
                case "throttle":
                    faults.Throttle(Integer(body, "burst", 0), Number(body, "ratePerSecond", 0), operation);
                    break;
                case "errorRate":
                    faults.ErrorRate(Number(body, "rate", 1), Integer(body, "statusCode", 500), operation);
                    break;
                case "latency":
                    faults.Latency(Milliseconds(body, "milliseconds"), operation);
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
                        "delay" => ScriptedFault.Delay(Milliseconds(body, "milliseconds")),
                        "failOperation" => ScriptedFault.FailOperation(Text(body, "errorCode") ?? EmulatorFaults.DefaultOperationErrorCode),
                        "error" => ScriptedFault.Error(
                            Text(body, "errorCode") ?? throw new AdminException(400, "'errorCode' is required for an error fault."),
                            Text(body, "message"),
                            Integer(body, "statusCode", 400)),
                        var other => throw new AdminException(400, $"Unknown scripted fault '{other}'."),
                    };
                    faults.Script(operation ?? "*", fault, Integer(body, "count", 1));
                    break;
                default:
                    throw new AdminException(400, $"Unknown fault type '{type}'.");
            }
        }
        catch (ArgumentException e)
        {
            throw new AdminException(400, e.Message);
        }

        return faults.ToDocument();
    }

    private SettingsDocument ApplySettings(JsonObject body)
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

        return state.Settings();
    }

    private static string? Text(JsonObject body, string name) =>
        body[name] is { } node ? node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : throw new AdminException(400, $"'{name}' must be a string.") : null;

    /// <summary>A finite JSON number. Every number of an admin document goes through here, so none can overflow a conversion (a 500).</summary>
    private static double Number(JsonObject body, string name, double fallback)
    {
        if (body[name] is not { } node)
        {
            return fallback;
        }

        return node.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue<double>(out var value) && double.IsFinite(value)
            ? value
            : throw new AdminException(400, $"'{name}' must be a finite number, not {node.ToJsonString()}.");
    }

    private static int Integer(JsonObject body, string name, int fallback)
    {
        var value = Number(body, name, fallback);
        return value == Math.Floor(value) && value is >= int.MinValue and <= int.MaxValue
            ? (int)value
            : throw new AdminException(400, string.Create(CultureInfo.InvariantCulture, $"'{name}' must be a whole number from {int.MinValue} to {int.MaxValue}, not {value:R}."));
    }

    private static TimeSpan Milliseconds(JsonObject body, string name) => Duration(name, Number(body, name, 0), 1);

    private static TimeSpan? Seconds(JsonObject body, string name) =>
        body[name] is null ? null : Duration(name, Number(body, name, 0), 1000);

    /// <summary>A duration from 0 to <see cref="MaxAdminDuration"/> (a negative one is left to the setting's own check).</summary>
    private static TimeSpan Duration(string name, double value, double millisecondsPerUnit)
    {
        var max = MaxAdminDuration.TotalMilliseconds / millisecondsPerUnit;
        return value <= max
            ? TimeSpan.FromMilliseconds(Math.Max(value, -max) * millisecondsPerUnit)
            : throw new AdminException(400, string.Create(CultureInfo.InvariantCulture, $"'{name}' must be at most {max:R} ({MaxAdminDuration.TotalDays:R} days), not {value:R}."));
    }
}
