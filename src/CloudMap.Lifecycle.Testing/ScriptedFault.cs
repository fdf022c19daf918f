// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Testing.Internal;

namespace CloudMap.Lifecycle.Testing;

/// <summary>A one-off fault for <see cref="EmulatorFaults.Script(string, ScriptedFault, int)"/>.</summary>
public sealed class ScriptedFault
{
    private ScriptedFault(FaultKind kind, string? code = null, string? message = null, int statusCode = 400, TimeSpan delay = default)
    {
        Kind = kind;
        Code = code;
        Message = message;
        StatusCode = statusCode;
        DelayValue = delay;
    }

    internal enum FaultKind
    {
        Error,
        Throttle,
        Drop,
        Delay,
        FailOperation,
    }

    internal FaultKind Kind { get; }

    internal string? Code { get; }

    internal string? Message { get; }

    internal int StatusCode { get; }

    internal TimeSpan DelayValue { get; }

    /// <summary>Answers with the given error code, as the service would (for example <c>InstanceNotFound</c>).</summary>
    /// <param name="code">The <c>__type</c> to answer.</param>
    /// <param name="message">The message; a generic one when <see langword="null"/>.</param>
    /// <param name="statusCode">The HTTP status code.</param>
    /// <returns>The fault.</returns>
    public static ScriptedFault Error(string code, string? message = null, int statusCode = 400)
    {
        ArgumentException.ThrowIfNullOrEmpty(code);
        return new(FaultKind.Error, code, message ?? $"{code} (injected by the emulator).", statusCode);
    }

    /// <summary>Answers with the operation's throttling error (<c>RequestLimitExceeded</c> for discovery, else <c>ThrottlingException</c>).</summary>
    /// <returns>The fault.</returns>
    public static ScriptedFault Throttling() => new(FaultKind.Throttle);

    /// <summary>Answers HTTP 500 <c>InternalFailure</c>.</summary>
    /// <returns>The fault.</returns>
    public static ScriptedFault InternalFailure() => new(FaultKind.Error, CloudMapRules.ErrorCodes.InternalFailure, AwsErrorException.InjectedInternalFailureMessage, 500);

    /// <summary>Answers HTTP 503 <c>ServiceUnavailable</c>.</summary>
    /// <returns>The fault.</returns>
    public static ScriptedFault ServiceUnavailable() => new(FaultKind.Error, CloudMapRules.ErrorCodes.ServiceUnavailable, AwsErrorException.InjectedServiceUnavailableMessage, 503);

    /// <summary>Closes the connection without an answer.</summary>
    /// <returns>The fault.</returns>
    public static ScriptedFault DropConnection() => new(FaultKind.Drop);

    /// <summary>Delays the (otherwise normal) answer by <paramref name="delay"/> on the emulator's clock.</summary>
    /// <param name="delay">The added latency.</param>
    /// <returns>The fault.</returns>
    public static ScriptedFault Delay(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return new(FaultKind.Delay, delay: delay);
    }

    /// <summary>Accepts the request, but the operation it starts ends in <c>FAIL</c> with <paramref name="errorCode"/>.</summary>
    /// <param name="errorCode">The operation's <c>ErrorCode</c>.</param>
    /// <returns>The fault.</returns>
    public static ScriptedFault FailOperation(string errorCode = EmulatorFaults.DefaultOperationErrorCode)
    {
        ArgumentException.ThrowIfNullOrEmpty(errorCode);
        return new(FaultKind.FailOperation, errorCode);
    }
}
