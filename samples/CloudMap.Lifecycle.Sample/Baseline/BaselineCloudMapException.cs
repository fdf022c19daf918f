// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;

namespace CloudMap.Lifecycle.Sample.Baseline;

/// <summary>A Cloud Map call of the baseline failed (an AWS error answer, or no answer after the retries).</summary>
public sealed class BaselineCloudMapException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="BaselineCloudMapException"/> class.</summary>
    public BaselineCloudMapException()
        : this("Unknown", "Cloud Map call failed.", null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BaselineCloudMapException"/> class.</summary>
    /// <param name="message">The message.</param>
    public BaselineCloudMapException(string message)
        : this("Unknown", message, null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BaselineCloudMapException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public BaselineCloudMapException(string message, Exception? innerException)
        : this("Unknown", message, null, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BaselineCloudMapException"/> class.</summary>
    /// <param name="errorCode">The AWS error code (<c>__type</c>), or <c>RequestFailed</c> when no answer came.</param>
    /// <param name="message">The message.</param>
    /// <param name="statusCode">The HTTP status, when there was an answer.</param>
    /// <param name="innerException">The cause.</param>
    public BaselineCloudMapException(string errorCode, string message, HttpStatusCode? statusCode, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
        StatusCode = statusCode;
    }

    /// <summary>Gets the AWS error code, such as <c>ThrottlingException</c> or <c>DuplicateRequest</c>.</summary>
    public string ErrorCode { get; }

    /// <summary>Gets the HTTP status of the answer, or <see langword="null"/> when none came.</summary>
    public HttpStatusCode? StatusCode { get; }
}
