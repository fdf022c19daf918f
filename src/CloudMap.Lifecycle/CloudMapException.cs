// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;

namespace CloudMap.Lifecycle;

/// <summary>
/// An error answered by AWS Cloud Map (or a response that could not be understood), with the details AWS
/// support asks for.
/// </summary>
/// <remarks>
/// Internal on purpose: no public API throws or returns it. The client throws it and the registration lifecycle
/// catches it (it never throws at the host); applications see a failure as
/// <see cref="ICloudMapRegistrationState.LastError"/>, the logs, the spans and the metrics. Making it public later is
/// an additive change; making a shipped type internal would not be.
/// </remarks>
internal sealed class CloudMapException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="CloudMapException"/> class.</summary>
    public CloudMapException()
        : this("Cloud Map request failed.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="CloudMapException"/> class.</summary>
    /// <param name="message">The error message.</param>
    public CloudMapException(string message)
        : this(message, innerException: null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="CloudMapException"/> class.</summary>
    /// <param name="message">The error message.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public CloudMapException(string message, Exception? innerException)
        : this(errorCode: "Unknown", message, statusCode: null, requestId: null, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="CloudMapException"/> class.</summary>
    /// <param name="errorCode">The Cloud Map error code, such as <c>InstanceNotFound</c>.</param>
    /// <param name="message">The error message.</param>
    /// <param name="statusCode">The HTTP status code of the response, if there was one.</param>
    /// <param name="requestId">The AWS request id of the response, if there was one.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public CloudMapException(string errorCode, string message, HttpStatusCode? statusCode, string? requestId, Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentNullException.ThrowIfNull(errorCode);
        ErrorCode = errorCode;
        StatusCode = statusCode;
        RequestId = requestId;
    }

    /// <summary>Gets the Cloud Map error code without namespace prefix, such as <c>InstanceNotFound</c> or <c>ThrottlingException</c>.</summary>
    public string ErrorCode { get; }

    /// <summary>Gets the HTTP status code of the response, or <see langword="null"/> when no response was received.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>Gets the AWS request id (<c>x-amzn-RequestId</c>), or <see langword="null"/> when none was returned.</summary>
    public string? RequestId { get; }

    /// <summary>
    /// Gets the id of the operation already in progress when <see cref="ErrorCode"/> is <c>DuplicateRequest</c>
    /// (from <c>DuplicateOperationId</c>); otherwise <see langword="null"/>.
    /// </summary>
    public string? DuplicateOperationId { get; init; }
}
