// A project outside the solution that consumes the packed CloudMap.Lifecycle packages end to end:
// an in-process emulator (CloudMap.Lifecycle.Testing) and a web app registered through AddCloudMapRegistration.
using Amazon.Runtime;
using CloudMap.Lifecycle.Testing;

await using var emulator = await CloudMapEmulator.StartAsync();
var namespaceId = emulator.CreateHttpNamespace("consumer.local");
var serviceId = emulator.CreateService(namespaceId, "consumer");

var builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.UseUrls("http://127.0.0.1:0");
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["AWS:ServiceURL"] = emulator.Endpoint.ToString(),
    ["AWS:Region"] = emulator.Region,
    ["CloudMap:ServiceId"] = serviceId,
    ["CloudMap:InstanceId"] = "consumer-1",
    ["CloudMap:Shutdown:DrainDelay"] = "00:00:00",
});
builder.Services.AddSingleton<AWSCredentials>(new BasicAWSCredentials("emulator", "emulator"));
builder.AddCloudMapRegistration();
var app = builder.Build();
app.MapGet("/", () => "ok");
await app.StartAsync();

var deadline = DateTime.UtcNow.AddSeconds(30);
while (emulator.FindInstance(serviceId, "consumer-1") is null)
{
    if (DateTime.UtcNow > deadline) { Console.Error.WriteLine("Consumer FAILED: never registered."); return 1; }
    await Task.Delay(100);
}

await app.StopAsync();
if (emulator.FindInstance(serviceId, "consumer-1") is not null) { Console.Error.WriteLine("Consumer FAILED: still registered after stop."); return 1; }
Console.WriteLine("Consumer OK: registered after start and deregistered on stop, from the packed packages.");
return 0;
