// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Runtime.InteropServices;
using CloudMap.Lifecycle.Janitor;

using var shutdown = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    shutdown.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    shutdown.Cancel();
});

return await JanitorProgram.RunAsync(args, new JanitorRuntime(), shutdown.Token);
