// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>A client error of the admin API.</summary>
internal sealed class AdminException : Exception
{
    public AdminException(int statusCode, string message)
        : base(message)
    {
        StatusCode = statusCode;
    }

    public AdminException()
    {
    }

    public AdminException(string message)
        : base(message)
    {
    }

    public AdminException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int StatusCode { get; } = 400;
}
