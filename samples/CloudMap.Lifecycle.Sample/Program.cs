// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Sample;

// Everything is in SampleApp so the integration tests run the very same application.
var app = await SampleApp.BuildAsync(args);
await app.RunAsync();
