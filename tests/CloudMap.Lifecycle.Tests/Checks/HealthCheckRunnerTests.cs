// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Tests.Checks;

/// <summary>The lifecycle's own runner of the application's health checks: the framework's contract, bounded, silent.</summary>
public sealed class HealthCheckRunnerTests : IDisposable
{
    private readonly TimerCountingFakeTimeProvider _time = new();
    private ServiceProvider? _services;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RunAsync_SynchronousChecks_CompleteWithoutArmingATimer()
    {
        var runner = Runner(c => c
            .AddCheck("a", () => HealthCheckResult.Healthy(), tags: ["ready"])
            .AddCheck("b", () => HealthCheckResult.Degraded(), tags: ["ready"])
            .AddCheck("other", () => HealthCheckResult.Unhealthy()));

        var run = runner.RunAsync(r => r.Tags.Contains("ready"), TimeSpan.FromSeconds(5), Ct);

        // Completed on the caller's thread: fake-clock tests that wait for armed timers see nothing new.
        Assert.True(run.IsCompleted);
        Assert.Equal(0, _time.ArmedTimerCount);
        var result = await run;
        Assert.True(result.Passing);
        Assert.Equal(["a", "b"], result.Report.Entries.Keys.Order(StringComparer.Ordinal));
        Assert.Empty(result.TimedOut);
    }

    [Fact]
    public async Task RunAsync_RegistrationTimeoutIsShorter_ItApplies()
    {
        var slow = new ScriptedCheck { Next = ScriptedCheck.Behaviour.Hang };
        var runner = Runner(c => c.Add(new HealthCheckRegistration("slow", slow, failureStatus: null, tags: null, timeout: TimeSpan.FromSeconds(1))));

        var run = runner.RunAsync(_ => true, TimeSpan.FromSeconds(5), Ct);
        await _time.StepAsync(TimeSpan.FromSeconds(1), cancellationToken: Ct);
        var result = await run.WaitAsync(FakeClockDriver.DefaultGuard, Ct);

        Assert.False(result.Passing);
        Assert.Equal(["slow"], result.TimedOut);
        Assert.IsType<TimeoutException>(result.Report.Entries["slow"].Exception);
        Assert.Equal(TimeSpan.FromSeconds(1), result.Report.Entries["slow"].Duration);
    }

    [Fact]
    public async Task RunAsync_CheckOrFactoryThrows_EntryHasTheFailureStatusAndTheException()
    {
        var runner = Runner(c => c
            .Add(new HealthCheckRegistration("throws", _ => new ThrowingCheck(), HealthStatus.Degraded, null))
            .Add(new HealthCheckRegistration("factory", _ => throw new InvalidOperationException("no db"), null, null)));

        var result = await runner.RunAsync(_ => true, TimeSpan.FromSeconds(5), Ct);

        Assert.Equal(HealthStatus.Degraded, result.Report.Entries["throws"].Status);
        Assert.IsType<InvalidOperationException>(result.Report.Entries["throws"].Exception);
        Assert.Equal(HealthStatus.Unhealthy, result.Report.Entries["factory"].Status);
        Assert.Equal("no db", result.Report.Entries["factory"].Description);
        Assert.Equal(["factory"], result.Failing);
        Assert.Empty(result.TimedOut);
    }

    [Fact]
    public async Task RunAsync_HungCheckStillRunning_NotStartedAgainUntilItCompletes()
    {
        var db = new ScriptedCheck { Next = ScriptedCheck.Behaviour.Hang };
        var runner = Runner(c => c.AddCheck("db", db));
        var first = runner.RunAsync(_ => true, TimeSpan.FromSeconds(5), Ct);
        await _time.StepAsync(TimeSpan.FromSeconds(5), cancellationToken: Ct);
        Assert.Equal(["db"], (await first.WaitAsync(FakeClockDriver.DefaultGuard, Ct)).TimedOut);

        var second = await runner.RunAsync(_ => true, TimeSpan.FromSeconds(5), Ct);
        db.Next = ScriptedCheck.Behaviour.Pass;
        db.Release();
        var third = await runner.RunAsync(_ => true, TimeSpan.FromSeconds(5), Ct);

        Assert.Equal(["db"], second.TimedOut);
        Assert.StartsWith("Still running", second.Report.Entries["db"].Description, StringComparison.Ordinal);
        Assert.True(third.Passing);
        Assert.Equal(2, db.Invocations);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    public async Task RunAsync_CallerCancels_AbandonsTheHungCheckAtOnce()
    {
        var db = new ScriptedCheck { Next = ScriptedCheck.Behaviour.Hang };
        var runner = Runner(c => c.AddCheck("db", db));
        using var stopping = new CancellationTokenSource();
        var run = runner.RunAsync(_ => true, TimeSpan.FromSeconds(5), stopping.Token);

        await stopping.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(FakeClockDriver.DefaultGuard, Ct));
        Assert.Equal(1, db.Cancellations);
    }

    [Fact]
    public async Task RunBoundedAsync_AnotherServiceHangs_TimesOutNamingTheSelectedChecks()
    {
        var service = new HangingService(["a", "b", "unselected"]);

        var run = HealthCheckRunner.RunBoundedAsync(service, r => r.Name != "unselected", TimeSpan.FromSeconds(5), _time, Ct);
        await _time.StepAsync(TimeSpan.FromSeconds(5), cancellationToken: Ct);
        var result = await run.WaitAsync(FakeClockDriver.DefaultGuard, Ct);

        Assert.False(result.Passing);
        Assert.Equal(["a", "b"], result.TimedOut);
        Assert.True(service.Token.IsCancellationRequested);
    }

    [Fact]
    public async Task CheckHealthAsync_UnhealthyCheck_LogsNothingWhereTheFrameworkServiceLogsAnError()
    {
        var logs = new FakeLogCollector();
        var runner = Runner(c => c.AddCheck("warmup", () => HealthCheckResult.Unhealthy("warming up")), l => l.AddProvider(new FakeLoggerProvider(logs)));
        var framework = _services!.GetRequiredService<HealthCheckService>();

        Assert.Equal(HealthStatus.Unhealthy, (await framework.CheckHealthAsync(Ct)).Status);
        Assert.Contains(logs.GetSnapshot(), r => r.Level == LogLevel.Error && r.Message.Contains("warmup", StringComparison.Ordinal));
        logs.Clear();

        Assert.Equal(HealthStatus.Unhealthy, (await runner.CheckHealthAsync(Ct)).Status);
        Assert.Empty(logs.GetSnapshot());
    }

    public void Dispose() => _services?.Dispose();

    private HealthCheckRunner Runner(Action<IHealthChecksBuilder> addChecks, Action<ILoggingBuilder>? logging = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(l => logging?.Invoke(l));
        addChecks(services.AddHealthChecks());
        _services = services.BuildServiceProvider();
        return new HealthCheckRunner(_services.GetRequiredService<IServiceScopeFactory>(), _services.GetRequiredService<IOptions<HealthCheckServiceOptions>>(), _time);
    }

    private sealed class ThrowingCheck : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("boom");
    }

    /// <summary>A health check service that selects through the predicate, then never answers (it ignores its token).</summary>
    private sealed class HangingService(string[] names) : HealthCheckService
    {
        public CancellationToken Token { get; private set; }

        public override Task<HealthReport> CheckHealthAsync(Func<HealthCheckRegistration, bool>? predicate, CancellationToken cancellationToken = default)
        {
            Token = cancellationToken;
            foreach (var name in names)
            {
                _ = predicate?.Invoke(new HealthCheckRegistration(name, new ThrowingCheck(), null, null));
            }

            return new TaskCompletionSource<HealthReport>().Task;
        }
    }
}
