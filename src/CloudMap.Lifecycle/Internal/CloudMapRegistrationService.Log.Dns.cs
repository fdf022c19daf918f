// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Internal;

/// <summary>Log messages about DNS clients of the service (1131; 1130 is the discovery-staleness warning of the startup check).</summary>
internal sealed partial class CloudMapRegistrationService
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1131, EventName = "DrainShorterThanDnsTtl", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': {Problem}")]
        public static partial void DrainShorterThanDnsTtl(ILogger logger, string registration, string problem);
    }
}
