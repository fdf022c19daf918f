// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Internal;

/// <summary>The lifecycle's credential events (1016–1019). They name credential sources, never a key.</summary>
internal sealed partial class CloudMapRegistrationService
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1016, EventName = "CredentialsUnavailable", Level = LogLevel.Error,
            Message = "Cloud Map registration '{Registration}' cannot resolve its service (attempt {Attempt}): {Problem} The phase is Failed; the next attempt is in {NextAttemptIn}.")]
        public static partial void CredentialsUnavailable(ILogger logger, string registration, int attempt, string problem, TimeSpan nextAttemptIn);

        [LoggerMessage(EventId = 1017, EventName = "CredentialsRecovered", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}' has usable AWS credentials after {FailedAttempts} failed attempt(s); continuing.")]
        public static partial void CredentialsRecovered(ILogger logger, string registration, int failedAttempts);
    }
}
