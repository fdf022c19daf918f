// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.TestInfrastructure;

/// <summary>
/// The product guarantees as test traits: <c>[Trait(Guarantees.Trait, Guarantees.G3)]</c> marks a test that fails
/// if G3 breaks, so <c>dotnet test CloudMap.Lifecycle.sln --filter Guarantee=G3</c> runs the proof of G3. Each
/// summary states what the guarantee promises (the product document is the full text).
/// </summary>
/// <remarks>
/// A test carries a guarantee only when it would fail if that guarantee broke; a test may carry more than one.
/// </remarks>
public static class Guarantees
{
    /// <summary>The trait name, as the <c>--filter</c> expression spells it (<c>Guarantee=G1</c>).</summary>
    public const string Trait = "Guarantee";

    /// <summary>
    /// G1 Never before ready: RegisterInstance is sent only after the host has started (the server listening on its
    /// real port) and the readiness checks pass.
    /// </summary>
    public const string G1 = "G1";

    /// <summary>
    /// G2 Never after stop: deregistration is the first thing that happens when the host begins to stop, before the
    /// server stops accepting requests; the server keeps serving for the drain delay; the whole sequence fits in
    /// <c>HostOptions.ShutdownTimeout</c>, and the library says so at startup when the delays cannot fit.
    /// </summary>
    public const string G2 = "G2";

    /// <summary>
    /// G3 No zombie from a graceful stop, including a stop that arrives while a registration is in flight, and while
    /// Cloud Map is throttling or failing transiently.
    /// </summary>
    public const string G3 = "G3";

    /// <summary>
    /// G4 Never remove what is not yours: a stopping instance deregisters only a registration it still owns (another
    /// process may have taken over the same instance id).
    /// </summary>
    public const string G4 = "G4";

    /// <summary>
    /// G5 Truthful status, bounded cost: while running, Cloud Map's status follows the app's health within
    /// threshold × interval; the API calls per instance-hour in steady state are few and bounded; throttling is met
    /// with backoff and jitter, never with a storm.
    /// </summary>
    public const string G5 = "G5";

    /// <summary>
    /// G6 Self-healing: a registration that disappears while the app runs (removed by hand, by a cleaner, by a same-id
    /// peer's stop) is noticed and registered again.
    /// </summary>
    public const string G6 = "G6";

    /// <summary>
    /// G7 Crash cleanup: an instance that died without deregistering is removed within a bounded time on verified
    /// evidence only (never on timeouts alone; a recycled address never revives it); cleanup never empties a service,
    /// caps what it removes per sweep, and holds when it may be the one cut off.
    /// </summary>
    public const string G7 = "G7";
}
