// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// A definitive Cloud Map answer (see <see cref="DefinitiveErrors"/>) turned into a configuration problem: the message
/// names the key, its value and what exists instead. The Cloud Map answer is the inner exception.
/// </summary>
internal sealed class CloudMapConfigurationException : Exception
{
    public CloudMapConfigurationException()
    {
        ErrorCode = string.Empty;
    }

    public CloudMapConfigurationException(string message)
        : base(message)
    {
        ErrorCode = string.Empty;
    }

    public CloudMapConfigurationException(string message, Exception? innerException)
        : base(message, innerException)
    {
        ErrorCode = innerException is CloudMapException answer ? answer.ErrorCode : string.Empty;
    }

    /// <summary>Gets the Cloud Map error code behind the problem.</summary>
    public string ErrorCode { get; }
}
