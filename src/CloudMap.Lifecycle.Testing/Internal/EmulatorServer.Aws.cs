// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using static CloudMap.Lifecycle.Testing.Internal.CloudMapRules;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>An AWS JSON 1.1 error body: <c>{"__type": ..., "Message": ...}</c> and the error's extra members.</summary>
internal sealed class AwsErrorBody
{
    [JsonPropertyName("__type")]
    public required string Type { get; init; }

    public required string Message { get; init; }

    /// <summary>Modeled members of the error (for example <c>DuplicateOperationId</c>), written after the message.</summary>
    [JsonExtensionData]
    public IDictionary<string, object>? Extra { get; init; }
}

/// <summary>
/// The AWS JSON 1.1 dispatcher: finds the operation in the tables by <c>X-Amz-Target</c>, then checks the signature,
/// applies injected faults, reads the body and lets the operation's entry answer. Every request is counted and logged
/// before it is answered.
/// </summary>
internal sealed partial class EmulatorServer
{
    private async Task HandleAwsAsync(HttpContext context)
    {
        if (platform is not null && IsQueryRequest(context.Request))
        {
            await HandleQueryAsync(context, platform).ConfigureAwait(false);
            return;
        }

        var started = _time.GetTimestamp();
        var arrived = _time.GetUtcNow();
        var target = context.Request.Headers["X-Amz-Target"].ToString();
        var (service, operation) = Find(target);
        var name = operation?.Name ?? (string.IsNullOrEmpty(target) ? "(none)" : "(unknown)");
        recorder.Count(name);

        byte[]? result = null;
        AwsErrorException? error = null;
        var injected = false;
        var throttled = false;
        try
        {
            var body = await ReadBodyAsync(context).ConfigureAwait(false)
                ?? throw new AwsErrorException(ErrorCodes.SerializationException, "The request body is too large.", 413);
            if (operation is null)
            {
                throw new AwsErrorException(ErrorCodes.UnknownOperationException, string.IsNullOrEmpty(target) ? "Missing X-Amz-Target header." : $"Unknown operation '{target}'.");
            }

            verifier?.Verify(context.Request, body, service!.SigningName);

            if (await ApplyFaultsAsync(context, name, ThrottleCode(operation.Plane), arrived, started).ConfigureAwait(false) is not { } decision)
            {
                return;
            }

            if (decision.Error is { } fault)
            {
                (injected, throttled) = (true, decision.Throttled);
                throw fault;
            }

            var input = ParseBody(body);
            injected = operation.IsAsync && decision.FailCode is not null;
            result = operation.Invoke(input, decision.FailCode);
        }
        catch (AwsErrorException e)
        {
            error = e;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            error = new AwsErrorException(ErrorCodes.InternalFailure, "The emulator failed: " + e.Message, 500);
        }

        // Record before answering, so a caller that reads counters or the log after its answer sees its own request.
        recorder.Record(new EmulatedRequest(arrived, name, error?.StatusCode ?? 200, error?.Code, _time.GetElapsedTime(started), injected), throttled);
        if (error is not null)
        {
            context.Response.Headers["X-Amzn-ErrorType"] = error.Code;
            var extra = error.Extra?.ToDictionary(p => p.Key, p => (object)p.Value, StringComparer.Ordinal);
            var bytes = service is { ErrorMessageMember: not "Message" }
                ? JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["__type"] = error.Code, [service.ErrorMessageMember] = error.Message }, EmulatorJson.Wire)
                : JsonSerializer.SerializeToUtf8Bytes(new AwsErrorBody { Type = error.Code, Message = error.Message, Extra = extra }, EmulatorJson.Wire);
            await WriteAsync(context, error.StatusCode, bytes, JsonContentType).ConfigureAwait(false);
        }
        else
        {
            await WriteAsync(context, 200, result!, JsonContentType).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Applies the faults injected for one request, alike on both fronts: waits the latency on the emulator's clock, and
    /// for a drop records the request and resets the connection (returns <see langword="null"/>: nothing is answered).
    /// Otherwise returns the decision: its error, if any, is the caller's to answer with.
    /// </summary>
    private async Task<FaultDecision?> ApplyFaultsAsync(HttpContext context, string name, string throttleCode, DateTimeOffset arrived, long started)
    {
        var decision = faults.Evaluate(name, throttleCode);
        if (decision.Latency > TimeSpan.Zero)
        {
            await Task.Delay(decision.Latency, _time, context.RequestAborted).ConfigureAwait(false);
        }

        if (decision.Drop)
        {
            // Record before aborting: the client sees the reset at once and may read the log right away.
            recorder.Record(new EmulatedRequest(arrived, name, 0, null, _time.GetElapsedTime(started), injected: true), throttled: false);
            context.Abort();
            return null;
        }

        return decision;
    }

    private static JsonObject ParseBody(byte[] body)
    {
        try
        {
            return body.Length == 0 ? [] : JsonNode.Parse(body) as JsonObject ?? throw new JsonException("The body is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new AwsErrorException(ErrorCodes.SerializationException, "The request body is not valid JSON: " + e.Message);
        }
    }

    private (AwsJsonService? Service, AwsOperation? Operation) Find(string target)
    {
        foreach (var service in services)
        {
            if (service.Find(target) is { } operation)
            {
                return (service, operation);
            }
        }

        return (null, null);
    }
}
