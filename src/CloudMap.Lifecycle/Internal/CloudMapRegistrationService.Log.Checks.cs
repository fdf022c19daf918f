// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Internal;

/// <summary>Log messages of the bounded checks (readiness polls and running health): event ids 1060–1069.</summary>
internal sealed partial class CloudMapRegistrationService
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1060, EventName = "CheckTimedOut", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': the {Purpose} check(s) {Checks} did not complete within {Seconds:0.###} s; counted as failing. A check that ignores cancellation is abandoned, not awaited, and not started again until it completes.")]
        public static partial void CheckTimedOut(ILogger logger, string registration, string purpose, string checks, double seconds);

        [LoggerMessage(EventId = 1061, EventName = "CheckStillTimedOut", Level = LogLevel.Debug,
            Message = "Cloud Map registration '{Registration}': the {Purpose} check(s) {Checks} still do not complete within {Seconds:0.###} s; counted as failing.")]
        public static partial void CheckStillTimedOut(ILogger logger, string registration, string purpose, string checks, double seconds);

        [LoggerMessage(EventId = 1062, EventName = "ChecksCompleteAgain", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}': the {Purpose} check(s) {Checks} complete within their timeout again.")]
        public static partial void ChecksCompleteAgain(ILogger logger, string registration, string purpose, string checks);

        [LoggerMessage(EventId = 1063, EventName = "NotReadyYet", Level = LogLevel.Debug,
            Message = "Cloud Map registration '{Registration}': not ready yet; failing readiness check(s): {Checks}.")]
        public static partial void NotReadyYet(ILogger logger, string registration, string checks);
    }
}
