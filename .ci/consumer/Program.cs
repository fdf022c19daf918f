// A project outside the solution that consumes the packed CloudMap.Lifecycle packages.
using CloudMap.Lifecycle;
using CloudMap.Lifecycle.Testing;

var clock = new FakeTimeProvider();
clock.Advance(TimeSpan.FromSeconds(1));
var error = new CloudMapException("InstanceNotFound", "gone", System.Net.HttpStatusCode.BadRequest, "req-1");
Console.WriteLine($"Consumer OK: clock at {clock.GetUtcNow():O}, error code {error.ErrorCode}.");
