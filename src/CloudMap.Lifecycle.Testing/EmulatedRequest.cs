// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Testing;

/// <summary>One entry of the emulator's request log.</summary>
public sealed class EmulatedRequest
{
    internal EmulatedRequest(DateTimeOffset time, string operation, int statusCode, string? errorCode, TimeSpan latency, bool injected)
    {
        Time = time;
        Operation = operation;
        StatusCode = statusCode;
        ErrorCode = errorCode;
        Latency = latency;
        Injected = injected;
    }

    /// <summary>Gets when the request arrived (emulator clock).</summary>
    public DateTimeOffset Time { get; }

    /// <summary>Gets the operation name (for example <c>RegisterInstance</c>), or the raw target when it was unknown.</summary>
    public string Operation { get; }

    /// <summary>Gets the HTTP status code answered, or 0 when the connection was dropped.</summary>
    public int StatusCode { get; }

    /// <summary>Gets the error code answered (the <c>__type</c>), or <see langword="null"/> on success.</summary>
    public string? ErrorCode { get; }

    /// <summary>Gets the time spent answering, measured with the emulator's clock (injected latency included).</summary>
    public TimeSpan Latency { get; }

    /// <summary>Gets a value indicating whether the answer came from an injected fault.</summary>
    public bool Injected { get; }
}
