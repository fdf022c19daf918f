// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Janitor;

/// <summary>The exit codes of <c>cloudmap-janitor</c>, for schedulers; a failure outranks a hold.</summary>
internal static class JanitorExitCodes
{
    /// <summary>The sweep finished: it removed what the evidence allowed, or there was nothing to remove (dry runs too); a worker stopped by a signal.</summary>
    public const int Ok = 0;

    /// <summary>Some calls failed (Cloud Map, ECS or EC2), or the sweep was stopped before it finished: look at the log, run again.</summary>
    public const int CallsFailed = 1;

    /// <summary>Bad arguments or configuration (the message names the option or setting and its value); running again will not help.</summary>
    public const int BadArguments = 2;

    /// <summary>A safety limit held back removals the evidence allowed: never empty a service, not more than half at once, the cap per sweep.</summary>
    public const int HeldBack = 3;
}
