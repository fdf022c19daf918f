// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Client;

/// <summary>The client's credential events (2010–2019). They name sources, variables and profiles, never a key.</summary>
internal static partial class CloudMapClientLog
{
    [LoggerMessage(EventId = 2010, EventName = "CloudMapCredentialsResolved", Level = LogLevel.Information,
        Message = "Cloud Map client signs with AWS credentials from {Source}, {Detail} (after {FailedLooks} failed look(s)).")]
    public static partial void CredentialsResolved(ILogger logger, string source, string detail, int failedLooks);

    [LoggerMessage(EventId = 2011, EventName = "CloudMapCredentialsUnavailable", Level = LogLevel.Warning,
        Message = "No AWS credentials for Cloud Map (look {FailedLooks}); looked at: {Looked}. Looking again in {NextLookIn}.")]
    public static partial void CredentialsUnavailable(ILogger logger, int failedLooks, string looked, TimeSpan nextLookIn);

    [LoggerMessage(EventId = 2012, EventName = "CloudMapCredentialSourceErrors", Level = LogLevel.Debug,
        Message = "The credential sources' errors of look {FailedLooks}.")]
    public static partial void CredentialSourceErrors(ILogger logger, int failedLooks, Exception exception);

    [LoggerMessage(EventId = 2013, EventName = "CloudMapCredentialsRefreshFailed", Level = LogLevel.Warning,
        Message = "AWS credentials could not be refreshed for Cloud Map: {Detail}")]
    public static partial void CredentialsRefreshFailed(ILogger logger, string detail);

    [LoggerMessage(EventId = 2014, EventName = "CloudMapCredentialsRefreshFailedDetail", Level = LogLevel.Debug,
        Message = "The error of the failed credentials refresh.")]
    public static partial void CredentialsRefreshFailedDetail(ILogger logger, Exception exception);
}
