// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Scenarios.Scenarios;

/// <summary>
/// Runs one case of a scenario with real processes: a throw (other than the run's own cancellation) becomes a failure
/// of that case, its first line in the report and the whole exception in the log, and what the case started is
/// always cleaned up.
/// </summary>
internal static class CaseGuard
{
    public static async Task RunAsync(
        ScenarioContext context,
        string label,
        Func<CancellationToken, Task> run,
        Action<string> fail,
        Func<Task> cleanUp,
        CancellationToken cancellationToken)
    {
        try
        {
            await run(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            fail(Format.Invariant($"threw {ex.GetType().Name}: {ex.Message.Split('\n')[0]}"));
            context.Log($"  {label} threw: {ex}");
        }
        finally
        {
            await cleanUp().ConfigureAwait(false);
        }
    }
}
