// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.DependencyInjection;

namespace CloudMap.Lifecycle.Janitor;

/// <summary>What the janitor takes from its process: output, environment variables, the clock; one seam for tests.</summary>
internal sealed class JanitorRuntime
{
    /// <summary>Gets where usage goes (the log goes to the console logger).</summary>
    public TextWriter Stdout { get; init; } = Console.Out;

    /// <summary>Gets where argument and configuration errors go.</summary>
    public TextWriter Stderr { get; init; } = Console.Error;

    /// <summary>Gets the environment-variable reader (AWS_REGION, AWS_ENDPOINT_URL…, credentials), as the AWS CLI reads them.</summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Gets the clock of the janitor's own waits (the interval, the confirm delay); the AWS calls keep the system clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Gets a last word on the services (tests: a fake logger, no console).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }
}
