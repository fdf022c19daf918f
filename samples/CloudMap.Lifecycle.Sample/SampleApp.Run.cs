// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Sample;

/// <content>How <c>Program</c> runs the app: a startup failure is one line on stderr and exit code 1; after a stop, the exit code the app set.</content>
public static partial class SampleApp
{
    /// <summary>The exit code of a startup failure (a bad option, a port already taken, ...).</summary>
    public const int StartupFailedExitCode = 1;

    /// <summary>The text every startup-failure line starts with.</summary>
    public const string StartupFailedPrefix = "Startup failed: ";

    /// <summary>
    /// Builds, starts and runs the sample until it is stopped (Ctrl+C, SIGTERM). A startup failure prints one line to
    /// <paramref name="error"/> (the message, which names the key and the value for a bad option) instead of an
    /// unhandled exception's two copies and the runtime's abort (exit code 134).
    /// </summary>
    /// <param name="args">The command-line arguments.</param>
    /// <param name="error">Where the startup-failure line goes; <see cref="Console.Error"/> when <see langword="null"/>.</param>
    /// <returns>
    /// <see cref="Environment.ExitCode"/> after a stop (0 unless something set it: CloudMap.Lifecycle sets 4 when the
    /// deregistration failed and 3 when the app never became ready and was stopped), <see cref="StartupFailedExitCode"/>
    /// when the app did not start.
    /// </returns>
    public static async Task<int> RunAsync(string[] args, TextWriter? error = null)
    {
        error ??= Console.Error;
        WebApplication app;
        try
        {
            // The host logs a start failure itself (event 11, at Error, with the stack trace) before rethrowing it:
            // that was the first of the two copies. Critical stays on: a faulted BackgroundService is logged there.
            app = await BuildAsync(args, builder => builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Fail(error, ex);
        }

        await using (app.ConfigureAwait(false))
        {
            try
            {
                // What the host validates first thing in StartAsync (every ValidateOnStart), done here so that a bad option
                // fails before anything has started.
                app.Services.GetService<IStartupValidator>()?.Validate();
                await app.StartAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return Fail(error, ex);
            }

            await app.WaitForShutdownAsync().ConfigureAwait(false);

            // Returning a constant here would overwrite what the app's components reported while stopping (CloudMap.Lifecycle
            // sets 4 when the instance may stay registered): Main's return value is the process's exit code.
            return Environment.ExitCode;
        }
    }

    private static int Fail(TextWriter error, Exception exception)
    {
        error.WriteLine(StartupFailedPrefix + OneLine(exception));
        error.Flush();
        return StartupFailedExitCode;
    }

    // The messages only (no stack trace), on one line: what a container log or a terminal shows as the reason.
    private static string OneLine(Exception exception)
    {
        var messages = exception is AggregateException aggregate
            ? aggregate.Flatten().InnerExceptions.Select(e => e.Message)
            : [exception.Message];
        return string.Join(" ", messages.Select(m => string.Join(" ", m.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))));
    }
}
