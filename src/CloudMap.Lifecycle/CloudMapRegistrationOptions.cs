// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle;

/// <summary>
/// Options of one Cloud Map registration: which service to join, as which instance, and how readiness, running
/// health and shutdown are handled. Bound from the <c>CloudMap</c> configuration section by default
/// (<see cref="SectionName"/>) and validated when the host starts.
/// </summary>
/// <remarks>
/// Name the target service either with <see cref="ServiceId"/> (an id such as <c>srv-...</c> or an ARN) or with
/// <see cref="NamespaceName"/> plus <see cref="ServiceName"/> (resolved once at start), never both.
/// </remarks>
public sealed class CloudMapRegistrationOptions
{
    /// <summary>The configuration section bound by default: <c>CloudMap</c>. Named registrations bind <c>CloudMap:&lt;name&gt;</c>.</summary>
    public const string SectionName = "CloudMap";

    /// <summary>The most custom <see cref="Attributes"/> an instance may have: 30 (a Cloud Map quota).</summary>
    public const int MaxAttributeCount = 30;

    /// <summary>The longest allowed key of <see cref="Attributes"/>, in characters: 255 (a Cloud Map limit).</summary>
    public const int MaxAttributeKeyLength = 255;

    /// <summary>The longest allowed value of <see cref="Attributes"/>, in characters: 1024 (a Cloud Map limit).</summary>
    public const int MaxAttributeValueLength = 1024;

    /// <summary>
    /// The most characters the keys and values of <see cref="Attributes"/> may have in all: 4600 (Cloud Map allows 5000
    /// for every attribute of an instance; the library keeps 400 for the attributes it adds itself).
    /// </summary>
    public const int MaxAttributesLength = CloudMapMaxAttributesLength - ReservedAttributesLength;

    /// <summary>Characters Cloud Map allows for all the keys and values of one instance's attributes.</summary>
    internal const int CloudMapMaxAttributesLength = 5000;

    /// <summary>
    /// Characters of <see cref="CloudMapMaxAttributesLength"/> kept for the attributes the library adds itself: address
    /// (an IPv6 with its scope fits in 62), port (22), init status (31), owner (56) and the proof-of-life advert (157):
    /// 328 at most.
    /// </summary>
    internal const int ReservedAttributesLength = 400;

    /// <summary>
    /// Gets or sets a value indicating whether the registration is active. Set it to <see langword="false"/> to run the
    /// same application locally without Cloud Map: then nothing else is validated and nothing is ever sent.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the id (<c>srv-...</c>) or ARN of the Cloud Map service to register in.</summary>
    /// <value>The default value is <see langword="null"/>; then <see cref="NamespaceName"/> and <see cref="ServiceName"/> are required.</value>
    public string? ServiceId { get; set; }

    /// <summary>Gets or sets the name (or HTTP name) of the namespace that holds <see cref="ServiceName"/>.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? NamespaceName { get; set; }

    /// <summary>Gets or sets the name of the service inside <see cref="NamespaceName"/>.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? ServiceName { get; set; }

    /// <summary>
    /// Gets or sets the instance id. When not set it is derived: the ECS task id, else the EC2 instance id, else the
    /// host name made valid for Cloud Map (other characters become <c>-</c>, cut to 64). A stable id lets a replacement
    /// take over the registration of its predecessor.
    /// </summary>
    /// <value>
    /// The default value is <see langword="null"/> (derived); allowed: 1 to 64 letters, digits and <c>_/:.@-</c>
    /// (<c>^[0-9a-zA-Z_/:.@-]{1,64}$</c>, Cloud Map's rule).
    /// </value>
    public string? InstanceId { get; set; }

    /// <summary>
    /// Gets or sets the IPv4 or IPv6 address to register (<c>AWS_INSTANCE_IPV4</c> / <c>AWS_INSTANCE_IPV6</c>). When not set:
    /// the ECS task address (awsvpc mode), else the EC2 private address, else the specific IP the server is bound to,
    /// else the host's first non-loopback IPv4 address.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (resolved).</value>
    public string? Address { get; set; }

    /// <summary>
    /// Gets or sets the port to register (<c>AWS_INSTANCE_PORT</c>). When not set, the port the web server actually
    /// listens on (so port 0 works), mapped to the host port in ECS bridge mode. Generic-host applications without a
    /// web server must set it.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (taken from the server's bound addresses).</value>
    public int? Port { get; set; }

    /// <summary>
    /// Gets the custom attributes registered with the instance. Keys are printable ASCII without spaces
    /// (<c>^[a-zA-Z0-9!-~]+$</c>); values are printable ASCII, not starting with a space or tab; keys starting with
    /// <c>AWS_</c> are reserved and rejected.
    /// </summary>
    /// <value>
    /// The default value is an empty dictionary; allowed: at most 30 entries (<see cref="MaxAttributeCount"/>), keys of at
    /// most 255 characters (<see cref="MaxAttributeKeyLength"/>), values of at most 1024 characters
    /// (<see cref="MaxAttributeValueLength"/>), and 4600 characters in all (<see cref="MaxAttributesLength"/>).
    /// </value>
    public IDictionary<string, string> Attributes { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The largest allowed <see cref="StartupJitter"/>: 10 minutes.</summary>
    public static readonly TimeSpan MaxStartupJitter = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Gets or sets the longest random delay before the first Cloud Map call at start, for a fleet that starts many
    /// instances at once (a deployment of a large batch, a zone replaced): each instance waits a random time up to this
    /// value, so that the fleet's registrations spread over it instead of reaching the account's request limit together.
    /// The readiness checks run meanwhile, so the delay only postpones the registration when it outlasts them.
    /// </summary>
    /// <remarks>
    /// An instance spends three control-plane calls to register (GetService, RegisterInstance, GetOperation), so a fleet
    /// of <c>n</c> instances stays under a limit of <c>r</c> requests per second with a jitter of about <c>3 × n ÷ r</c>
    /// seconds; the fleet is then registered about 1 s after the jitter ends. A shorter jitter is worse than none: the
    /// fleet is throttled after all, and later. With a jitter, the host's start does not wait for Cloud Map's answer to
    /// the first call: a target Cloud Map does not know is reported (phase <see cref="CloudMapRegistrationPhase.Failed"/>,
    /// an error log) when that answer comes, not by a failed start; the first read of the registration's operation waits
    /// 1 s, as it does once the process has been throttled; and the ownership watch's first control-plane lookup (for a
    /// service given by id) waits for the jitter after registering, so that the fleet's lookups come after its
    /// registrations.
    /// </remarks>
    /// <value>
    /// The default value is <see cref="TimeSpan.Zero"/> (the first call is sent at once); allowed from zero to
    /// 10 minutes (<see cref="MaxStartupJitter"/>).
    /// </value>
    public TimeSpan StartupJitter { get; set; }

    /// <summary>Gets the options of the wait for readiness before registering.</summary>
    public CloudMapReadinessOptions Readiness { get; } = new();

    /// <summary>Gets the options of the running health reporting.</summary>
    public CloudMapHealthOptions Health { get; } = new();

    /// <summary>Gets the options of deregistration at shutdown.</summary>
    public CloudMapShutdownOptions Shutdown { get; } = new();

    /// <summary>Gets the crash-cleanup settings (section <c>Cleanup</c>).</summary>
    public CloudMapCleanupOptions Cleanup { get; } = new();

    /// <summary>Gets the platform identity and evidence settings (section <c>Platform</c>: ECS, EC2).</summary>
    public CloudMapPlatformOptions Platform { get; } = new();
}
