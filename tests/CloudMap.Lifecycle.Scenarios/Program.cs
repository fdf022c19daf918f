// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Scenarios;

var options = RunOptions.Parse(args, out var error);
if (options is null)
{
    await Console.Error.WriteLineAsync(error).ConfigureAwait(false);
    await Console.Error.WriteLineAsync(RunOptions.Usage).ConfigureAwait(false);
    return 2;
}

var report = await ScenarioRunner.RunAsync(options, CancellationToken.None).ConfigureAwait(false);
return report.GateFailures.Count == 0 ? 0 : 1;
