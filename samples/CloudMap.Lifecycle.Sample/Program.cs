// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/", () => "CloudMap.Lifecycle sample");
app.Run();
