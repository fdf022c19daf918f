// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Tests.Cleanup;

/// <summary>
/// G7 as a test trait value (<c>--filter Guarantee=G7</c>). <c>Guarantees</c> in TestInfrastructure has no G7 constant
/// yet (another branch edits that project); this constant moves there when the branches meet.
/// </summary>
internal static class CleanupGuarantee
{
    /// <summary>G7 Crash cleanup, on verified evidence, never on timeouts alone; never empties a service; capped; self-preserving.</summary>
    public const string G7 = "G7";
}
