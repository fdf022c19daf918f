// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Janitor;

/// <summary>What the command line asked for, checked (see <see cref="JanitorCommandLine"/>).</summary>
internal sealed class JanitorSettings
{
    /// <summary>The default of <see cref="MaxPerSweep"/>: 10.</summary>
    public const int DefaultMaxPerSweep = 10;

    /// <summary>The default of <see cref="ConfirmDelay"/>: 5 seconds (ECS and EC2 reads are eventually consistent).</summary>
    public static readonly TimeSpan DefaultConfirmDelay = TimeSpan.FromSeconds(5);

    /// <summary>Gets the services named by <c>--service</c> (ids, ARNs, or names within <see cref="Namespaces"/>).</summary>
    public List<string> Services { get; } = [];

    /// <summary>Gets the namespaces named by <c>--namespace</c> (ids or names).</summary>
    public List<string> Namespaces { get; } = [];

    /// <summary>Gets or sets the ECS cluster of registrations whose id is a task id and that name no cluster (<c>--cluster</c>).</summary>
    public string? Cluster { get; set; }

    /// <summary>Gets or sets the time between sweeps, or <see langword="null"/> for one sweep (<c>--once</c>).</summary>
    public TimeSpan? Interval { get; set; }

    /// <summary>Gets or sets a value indicating whether nothing is removed, only said (<c>--dry-run</c>).</summary>
    public bool DryRun { get; set; }

    /// <summary>Gets or sets the most deregistrations of one sweep, over every service (<c>--max-per-sweep</c>).</summary>
    public int MaxPerSweep { get; set; } = DefaultMaxPerSweep;

    /// <summary>Gets or sets the wait between the first platform answer and the confirming second one (<c>--confirm-delay</c>).</summary>
    public TimeSpan ConfirmDelay { get; set; } = DefaultConfirmDelay;

    /// <summary>Gets or sets a value indicating whether ECS tasks reported UNHEALTHY or stopping are deregistered from services without a health check.</summary>
    public bool DeregisterUnhealthyTasks { get; set; }

    /// <summary>Gets or sets the region (<c>--region</c>), else the AWS CLI's sources.</summary>
    public string? Region { get; set; }

    /// <summary>Gets or sets the AWS profile (<c>--profile</c>), else <c>AWS_PROFILE</c>, else <c>default</c>.</summary>
    public string? Profile { get; set; }

    /// <summary>Gets or sets the endpoint of every service called (<c>--endpoint-url</c>), as <c>AWS_ENDPOINT_URL</c>.</summary>
    public Uri? EndpointUrl { get; set; }

    /// <summary>Gets or sets the ECS endpoint (<c>--ecs-endpoint-url</c>), winning over <see cref="EndpointUrl"/>.</summary>
    public Uri? EcsEndpointUrl { get; set; }

    /// <summary>Gets or sets the EC2 endpoint (<c>--ec2-endpoint-url</c>), winning over <see cref="EndpointUrl"/>.</summary>
    public Uri? Ec2EndpointUrl { get; set; }

    /// <summary>Gets or sets a value indicating whether only the usage is printed.</summary>
    public bool ShowHelp { get; set; }
}
