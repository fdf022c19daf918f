// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Runtime.InteropServices;
using CloudMap.Lifecycle.Emulator;

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

return await EmulatorProgram.RunAsync(args, Console.Out, Console.Error, shutdown.Token);
