// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.TestInfrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CloudMap.Lifecycle.Tests.Checks;

/// <summary>The tests that read or write the process-wide <see cref="Environment.ExitCode"/> run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessExitCodeCollection
{
    public const string Name = "Process exit code";
}

/// <summary>Issue 9 item 8: the exit code tells an orchestrator that the library stopped an application that never became ready.</summary>
[Collection(ProcessExitCodeCollection.Name)]
public sealed class ExitCodeTests : IDisposable
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(1);

    public ExitCodeTests()
    {
        // Other tests of the readiness timeout run in parallel collections and may have left a code behind.
        Environment.ExitCode = 0;
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void LifecycleExitCodes_AreTheDocumentedValues()
    {
        Assert.Equal(3, LifecycleExitCodes.NeverReady);
        Assert.Equal(4, LifecycleExitCodes.DeregistrationFailed);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G1)]
    public async Task WaitForReadinessAsync_HungCheckStopApplication_ExitCodeIsNeverReady()
    {
        using var h = StoppingHarness(ReadinessTimeoutBehavior.StopApplication);

        var waiting = h.Service.WaitForReadinessAsync(Ct);
        await h.Fakes.DriveUntilAsync(waiting, Step);

        Assert.False(await waiting);
        Assert.Equal(1, h.Fakes.Lifetime.StopApplicationCalls);
        Assert.Equal(LifecycleExitCodes.NeverReady, Environment.ExitCode);
    }

    [Fact]
    public async Task WaitForReadinessAsync_StopApplicationWithExitCodeAlreadySet_KeepsIt()
    {
        using var h = StoppingHarness(ReadinessTimeoutBehavior.StopApplication);
        Environment.ExitCode = 5;

        var waiting = h.Service.WaitForReadinessAsync(Ct);
        await h.Fakes.DriveUntilAsync(waiting, Step);

        Assert.False(await waiting);
        Assert.Equal(5, Environment.ExitCode);
    }

    [Fact]
    public async Task WaitForReadinessAsync_TimeoutKeepWaiting_LeavesTheExitCodeAlone()
    {
        using var h = StoppingHarness(ReadinessTimeoutBehavior.KeepWaiting);

        var waiting = h.Service.WaitForReadinessAsync(Ct);
        await h.Fakes.Time.AdvanceUntilAsync(h.Fakes.Logs.WaitForEventAsync("ReadinessTimedOutWaiting", cancellationToken: Ct), Step, cancellationToken: Ct);

        Assert.False(waiting.IsCompleted);
        Assert.Equal(0, Environment.ExitCode);
    }

    public void Dispose() => Environment.ExitCode = 0;

    private static CheckHarness StoppingHarness(ReadinessTimeoutBehavior behavior) =>
        new(c => c.AddCheck("db", new ScriptedCheck { Next = ScriptedCheck.Behaviour.Hang }, tags: ["ready"]), o =>
        {
            o.Readiness.Timeout = TimeSpan.FromSeconds(10);
            o.Readiness.TimeoutBehavior = behavior;
        });
}
