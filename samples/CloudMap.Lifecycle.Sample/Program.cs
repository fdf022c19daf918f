// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Sample;

// Everything is in SampleApp so the integration tests run the very same application.
return await SampleApp.RunAsync(args);
