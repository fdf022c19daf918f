// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Tests.Fakes;

/// <summary>
/// Metadata timeouts for tests that expect an answer from a loopback fake. The resolver's real-time budgets (1 s per
/// request, 3 s in all) are product defaults for a metadata endpoint that may be absent; a test whose fake always
/// answers must not fail because a loaded CI machine took longer than that, so it waits as long as the test may run.
/// Tests about the budgets themselves set their own values.
/// </summary>
internal static class TestPatience
{
    public static TimeSpan Request { get; } = TimeSpan.FromSeconds(30);

    public static TimeSpan Total { get; } = TimeSpan.FromSeconds(60);
}
