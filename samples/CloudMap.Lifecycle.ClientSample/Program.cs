// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.ClientSample;

return await ClientSampleApp.RunAsync(args, Console.Out, configureServices: null, CancellationToken.None).ConfigureAwait(false);
