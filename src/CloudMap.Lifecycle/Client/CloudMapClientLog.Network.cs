// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Client;

/// <summary>The client's events about hostile or broken answers (2003–2009).</summary>
internal static partial class CloudMapClientLog
{
    [LoggerMessage(EventId = 2003, EventName = "CloudMapErrorMessageRedacted", Level = LogLevel.Warning,
        Message = "Cloud Map call '{Operation}' answered HTTP {StatusCode} with an error message holding {Count} credential-like value(s) (does a server or proxy echo request headers?); they were redacted before logging.")]
    public static partial void ErrorMessageRedacted(ILogger logger, string operation, int statusCode, int count);
}
