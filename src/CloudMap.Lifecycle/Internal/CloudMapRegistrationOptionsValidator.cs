// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using CloudMap.Lifecycle.Identity;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// Validates <see cref="CloudMapRegistrationOptions"/> on start. Every message names the configuration key and the
/// offending value. A disabled registration is not validated beyond <see cref="CloudMapRegistrationOptions.Enabled"/>.
/// </summary>
/// <remarks>
/// The limits are declared once, as public constants next to their properties (<c>MinInterval</c>,
/// <c>MaxThreshold</c>, ...), which the XML docs cite; the instance-id rule is <see cref="InstanceIdRule"/>. This
/// validator only applies them and holds the cross-field rules. It is hand-written rather than a source-generated
/// <c>[OptionsValidator]</c> over <c>[Range]</c> attributes because those messages name neither the configuration key
/// (<c>CloudMap:grpc:Health:Interval</c>) nor the offending value, and cannot skip a disabled registration.
/// </remarks>
internal sealed partial class CloudMapRegistrationOptionsValidator(
    IEnumerable<CloudMapRegistrationMarker> markers,
    IOptions<HostOptions> hostOptions) : IValidateOptions<CloudMapRegistrationOptions>
{
    /// <summary>The longest service id Cloud Map issues (<c>srv-</c> plus 16 characters today).</summary>
    private const int MaxServiceIdLength = 64;

    /// <summary>The longest service ARN accepted.</summary>
    private const int MaxServiceArnLength = 255;

    private readonly CloudMapRegistrationMarker[] _markers = markers.ToArray();

    public ValidateOptionsResult Validate(string? name, CloudMapRegistrationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        name ??= Options.DefaultName;
        var marker = _markers.FirstOrDefault(m => m.Name == name);
        if (marker is null)
        {
            // Options of a name that was never added through AddCloudMapRegistration are not ours to judge.
            return ValidateOptionsResult.Skip;
        }

        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var p = marker.KeyPrefix;
        var errors = new ValidateOptionsResultBuilder();
        ValidateTarget(p, options, errors);
        ValidateInstance(p, options, errors);
        ValidateAttributes(p, options.Attributes, errors);
        Range(errors, $"{p}:StartupJitter", options.StartupJitter, TimeSpan.Zero, CloudMapRegistrationOptions.MaxStartupJitter);
        ValidateReadiness(p + ":Readiness", options.Readiness, errors);
        ValidateHealth(p + ":Health", options.Health, errors);
        ValidateShutdown(p + ":Shutdown", options.Shutdown, hostOptions.Value.ShutdownTimeout, errors);
        ValidateCleanup(p + ":Cleanup", options.Cleanup, errors);
        return errors.Build();
    }

    /// <summary>Whether the shutdown sequence fits in the host's shutdown timeout.</summary>
    internal static bool FitsShutdownBudget(CloudMapShutdownOptions shutdown, TimeSpan hostShutdownTimeout) =>
        shutdown.DeregistrationTimeout + shutdown.DrainDelay <= hostShutdownTimeout;

    internal static string ShutdownBudgetMessage(string prefix, CloudMapShutdownOptions shutdown, TimeSpan hostShutdownTimeout) =>
        string.Create(CultureInfo.InvariantCulture, $"{prefix}:DeregistrationTimeout ({shutdown.DeregistrationTimeout}) plus {prefix}:DrainDelay ({shutdown.DrainDelay}) is {shutdown.DeregistrationTimeout + shutdown.DrainDelay}, which does not fit in HostOptions.ShutdownTimeout ({hostShutdownTimeout}); raise the host's ShutdownTimeout (and the orchestrator's stop timeout) or shorten the delays.");

    /// <summary>
    /// Whether one Cloud Map attempt fits in the deregistration budget. Checked when the host starts (the client's
    /// options are another options type, validated on their own); at stop every attempt is also cut to half of the
    /// budget left, so a hung answer always leaves room for a retry.
    /// </summary>
    internal static bool AttemptFitsDeregistrationBudget(TimeSpan attemptTimeout, CloudMapShutdownOptions shutdown) =>
        attemptTimeout == Timeout.InfiniteTimeSpan || attemptTimeout <= shutdown.DeregistrationTimeout;

    internal static string AttemptBudgetMessage(string prefix, TimeSpan attemptTimeout, CloudMapShutdownOptions shutdown) =>
        string.Create(CultureInfo.InvariantCulture, $"CloudMapClientOptions.AttemptTimeout ({attemptTimeout}) is longer than {prefix}:DeregistrationTimeout ({shutdown.DeregistrationTimeout}), the budget every deregistration attempt must fit in; shorten the attempt timeout or raise the deregistration timeout.");

    [GeneratedRegex("^[a-zA-Z0-9!-~]+$", RegexOptions.CultureInvariant)]
    private static partial Regex AttributeKeyRegex();

    [GeneratedRegex("^([a-zA-Z0-9!-~][ \\ta-zA-Z0-9!-~]*){0,1}[a-zA-Z0-9!-~]{0,1}$", RegexOptions.CultureInvariant)]
    private static partial Regex AttributeValueRegex();

    private static void ValidateTarget(string p, CloudMapRegistrationOptions o, ValidateOptionsResultBuilder errors)
    {
        var hasId = !string.IsNullOrWhiteSpace(o.ServiceId);
        var hasNs = !string.IsNullOrWhiteSpace(o.NamespaceName);
        var hasName = !string.IsNullOrWhiteSpace(o.ServiceName);
        if (hasId && (hasNs || hasName))
        {
            errors.AddError($"{p}:ServiceId is '{o.ServiceId}' and {p}:{(hasNs ? "NamespaceName" : "ServiceName")} is '{(hasNs ? o.NamespaceName : o.ServiceName)}'; set either ServiceId or NamespaceName plus ServiceName, not both.");
            return;
        }

        if (hasId)
        {
            var id = o.ServiceId!;
            var isArn = id.StartsWith("arn:", StringComparison.Ordinal);
            if (id.Any(char.IsWhiteSpace) || id.Length > (isArn ? MaxServiceArnLength : MaxServiceIdLength)
                || (isArn && (!id.Contains(":servicediscovery:", StringComparison.Ordinal) || !id.Contains(":service/", StringComparison.Ordinal))))
            {
                errors.AddError($"{p}:ServiceId is '{id}'; it must be a Cloud Map service id (such as 'srv-0123456789abcdef', at most {MaxServiceIdLength} characters) or a service ARN ('arn:aws:servicediscovery:<region>:<account>:service/srv-...').");
            }

            return;
        }

        if (!hasNs && !hasName)
        {
            errors.AddError($"{p}:ServiceId is not set and neither are {p}:NamespaceName and {p}:ServiceName; set ServiceId, or NamespaceName plus ServiceName.");
        }
        else if (!hasNs)
        {
            errors.AddError($"{p}:NamespaceName is not set but {p}:ServiceName is '{o.ServiceName}'; a service name needs its namespace name.");
        }
        else if (!hasName)
        {
            errors.AddError($"{p}:ServiceName is not set but {p}:NamespaceName is '{o.NamespaceName}'; a namespace name needs a service name.");
        }
    }

    private static void ValidateInstance(string p, CloudMapRegistrationOptions o, ValidateOptionsResultBuilder errors)
    {
        if (o.InstanceId is { } id && !InstanceIdRule.IsValid(id))
        {
            errors.AddError($"{p}:InstanceId is '{id}'; it must be {InstanceIdRule.Description}.");
        }

        if (o.Address is { } address)
        {
            if (!IPAddress.TryParse(address, out var ip) || ip.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
            {
                errors.AddError($"{p}:Address is '{address}'; it must be an IPv4 or IPv6 address (host names are not registered).");
            }
            else if (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any))
            {
                errors.AddError($"{p}:Address is '{address}'; the unspecified address is not reachable, give the instance's own address or leave it unset.");
            }
        }

        if (o.Port is { } port && port is < 1 or > IPEndPoint.MaxPort)
        {
            errors.AddError(string.Create(CultureInfo.InvariantCulture, $"{p}:Port is {port}; it must be between 1 and {IPEndPoint.MaxPort} (leave it unset to use the port the server listens on)."));
        }
    }

    private static void ValidateAttributes(string p, IDictionary<string, string> attributes, ValidateOptionsResultBuilder errors)
    {
        if (attributes.Count > CloudMapRegistrationOptions.MaxAttributeCount)
        {
            errors.AddError(string.Create(CultureInfo.InvariantCulture, $"{p}:Attributes has {attributes.Count} entries; Cloud Map allows at most {CloudMapRegistrationOptions.MaxAttributeCount} custom attributes."));
        }

        var total = 0;
        foreach (var (key, value) in attributes.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            total += key.Length + (value?.Length ?? 0);
            if (key.StartsWith("AWS_", StringComparison.OrdinalIgnoreCase))
            {
                errors.AddError($"{p}:Attributes:{key} uses the reserved prefix 'AWS_'; the library sets AWS_INSTANCE_IPV4/IPV6, AWS_INSTANCE_PORT and AWS_INIT_HEALTH_STATUS itself (use Address and Port).");
            }
            else if (string.Equals(key, RegistrationAttributes.OwnerKey, StringComparison.OrdinalIgnoreCase))
            {
                errors.AddError($"{p}:Attributes:{key} is reserved by CloudMap.Lifecycle to recognise its own registration.");
            }
            else if (string.Equals(key, Cleanup.ProofOfLifeAdvert.AttributeKey, StringComparison.OrdinalIgnoreCase))
            {
                errors.AddError($"{p}:Attributes:{key} is reserved by CloudMap.Lifecycle for the proof-of-life advert (set {p}:Cleanup:AnswerProbes instead).");
            }
            else if (key.Length > CloudMapRegistrationOptions.MaxAttributeKeyLength || !AttributeKeyRegex().IsMatch(key))
            {
                errors.AddError(string.Create(CultureInfo.InvariantCulture, $"{p}:Attributes has the key '{key}'; keys must be 1 to {CloudMapRegistrationOptions.MaxAttributeKeyLength} printable ASCII characters without spaces."));
            }

            if (value is null)
            {
                errors.AddError($"{p}:Attributes:{key} has no value.");
            }
            else if (value.Length > CloudMapRegistrationOptions.MaxAttributeValueLength || !AttributeValueRegex().IsMatch(value))
            {
                errors.AddError(string.Create(CultureInfo.InvariantCulture, $"{p}:Attributes:{key} is '{Truncate(value)}' ({value.Length} characters); values must be at most {CloudMapRegistrationOptions.MaxAttributeValueLength} printable ASCII characters, not starting with a space or tab."));
            }
        }

        if (total > CloudMapRegistrationOptions.MaxAttributesLength)
        {
            errors.AddError(string.Create(CultureInfo.InvariantCulture, $"{p}:Attributes keys and values total {total} characters; at most {CloudMapRegistrationOptions.MaxAttributesLength} are available (Cloud Map allows {CloudMapRegistrationOptions.CloudMapMaxAttributesLength} and the library reserves {CloudMapRegistrationOptions.ReservedAttributesLength} for its own attributes)."));
        }
    }

    private static void ValidateReadiness(string p, CloudMapReadinessOptions o, ValidateOptionsResultBuilder errors)
    {
        if (o.Predicate is null && string.IsNullOrWhiteSpace(o.Tag))
        {
            errors.AddError($"{p}:Tag is '{o.Tag}'; set a health-check tag (the default is '{CloudMapReadinessOptions.DefaultTag}') or a Predicate.");
        }

        Range(errors, $"{p}:PollInterval", o.PollInterval, CloudMapReadinessOptions.MinPollInterval, CloudMapReadinessOptions.MaxPollInterval);
        Range(errors, $"{p}:ConsecutiveSuccesses", o.ConsecutiveSuccesses, CloudMapReadinessOptions.MinConsecutiveSuccesses, CloudMapReadinessOptions.MaxConsecutiveSuccesses);
        Range(errors, $"{p}:CheckTimeout", o.CheckTimeout, CloudMapReadinessOptions.MinCheckTimeout, CloudMapReadinessOptions.MaxCheckTimeout);
        if (o.Timeout <= TimeSpan.Zero && o.Timeout != Timeout.InfiniteTimeSpan)
        {
            errors.AddError(string.Create(CultureInfo.InvariantCulture, $"{p}:Timeout is {o.Timeout}; it must be positive, or {Timeout.InfiniteTimeSpan} for no timeout."));
        }

        Defined(errors, $"{p}:TimeoutBehavior", o.TimeoutBehavior);
    }

    private static void ValidateHealth(string p, CloudMapHealthOptions o, ValidateOptionsResultBuilder errors)
    {
        if (o.Tag is not null && string.IsNullOrWhiteSpace(o.Tag))
        {
            errors.AddError($"{p}:Tag is '{o.Tag}'; set a health-check tag or leave it unset to use the readiness checks.");
        }

        Range(errors, $"{p}:Interval", o.Interval, CloudMapHealthOptions.MinInterval, CloudMapHealthOptions.MaxInterval);
        Range(errors, $"{p}:CheckTimeout", o.CheckTimeout, CloudMapHealthOptions.MinCheckTimeout, CloudMapHealthOptions.MaxCheckTimeout);
        Range(errors, $"{p}:HealthyThreshold", o.HealthyThreshold, CloudMapHealthOptions.MinThreshold, CloudMapHealthOptions.MaxThreshold);
        Range(errors, $"{p}:UnhealthyThreshold", o.UnhealthyThreshold, CloudMapHealthOptions.MinThreshold, CloudMapHealthOptions.MaxThreshold);
        if (o.ReassertInterval < o.Interval || o.ReassertInterval > CloudMapHealthOptions.MaxReassertInterval)
        {
            errors.AddError(string.Create(CultureInfo.InvariantCulture, $"{p}:ReassertInterval is {o.ReassertInterval}; it must be at least {p}:Interval ({o.Interval}) and at most {CloudMapHealthOptions.MaxReassertInterval}."));
        }

        Defined(errors, $"{p}:UnmanagedMode", o.UnmanagedMode);
    }

    private static void ValidateShutdown(string p, CloudMapShutdownOptions o, TimeSpan hostShutdownTimeout, ValidateOptionsResultBuilder errors)
    {
        var timeoutOk = Range(errors, $"{p}:DeregistrationTimeout", o.DeregistrationTimeout, CloudMapShutdownOptions.MinDeregistrationTimeout, CloudMapShutdownOptions.MaxDeregistrationTimeout);
        var drainOk = Range(errors, $"{p}:DrainDelay", o.DrainDelay, TimeSpan.Zero, CloudMapShutdownOptions.MaxDrainDelay);
        Defined(errors, $"{p}:BudgetSeverity", o.BudgetSeverity);
        if (timeoutOk && drainOk && o.BudgetSeverity == ShutdownBudgetSeverity.Error && !FitsShutdownBudget(o, hostShutdownTimeout))
        {
            errors.AddError(ShutdownBudgetMessage(p, o, hostShutdownTimeout));
        }
    }

    private static void ValidateCleanup(string p, CloudMapCleanupOptions o, ValidateOptionsResultBuilder errors)
    {
        var intervalOk = Range(errors, $"{p}:ProbeInterval", o.ProbeInterval, CloudMapCleanupOptions.MinProbeInterval, CloudMapCleanupOptions.MaxProbeInterval);
        if (o.ProbeTimeout < CloudMapCleanupOptions.MinProbeTimeout || (intervalOk && o.ProbeTimeout > o.ProbeInterval))
        {
            errors.AddError(string.Create(CultureInfo.InvariantCulture, $"{p}:ProbeTimeout is {o.ProbeTimeout}; it must be at least {CloudMapCleanupOptions.MinProbeTimeout} and at most {p}:ProbeInterval ({o.ProbeInterval})."));
        }

        Range(errors, $"{p}:WatchedPeers", o.WatchedPeers, CloudMapCleanupOptions.MinWatchedPeers, CloudMapCleanupOptions.MaxWatchedPeers);
        Range(errors, $"{p}:FailuresBeforeRemoval", o.FailuresBeforeRemoval, CloudMapCleanupOptions.MinFailuresBeforeRemoval, CloudMapCleanupOptions.MaxFailuresBeforeRemoval);
        Range(errors, $"{p}:MinimumEvidenceSpan", o.MinimumEvidenceSpan, TimeSpan.Zero, CloudMapCleanupOptions.MaxMinimumEvidenceSpan);
        Range(errors, $"{p}:StartupGrace", o.StartupGrace, TimeSpan.Zero, CloudMapCleanupOptions.MaxStartupGrace);
        if (!(o.MaxRemovalShare > 0 && o.MaxRemovalShare <= 1))
        {
            errors.AddError(string.Create(CultureInfo.InvariantCulture, $"{p}:MaxRemovalShare is {o.MaxRemovalShare}; it must be more than 0 and at most 1 (a share of the service's instances, such as 0.1)."));
        }
    }

    /// <summary>Adds an error naming <paramref name="key"/> and the value when it is out of range; returns whether it is in range.</summary>
    private static bool Range(ValidateOptionsResultBuilder errors, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            errors.AddError(string.Create(CultureInfo.InvariantCulture, $"{key} is {value}; it must be between {min} and {max}."));
            return false;
        }

        return true;
    }

    private static void Range(ValidateOptionsResultBuilder errors, string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            errors.AddError(string.Create(CultureInfo.InvariantCulture, $"{key} is {value}; it must be between {min} and {max}."));
        }
    }

    private static void Defined<TEnum>(ValidateOptionsResultBuilder errors, string key, TEnum value)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            errors.AddError($"{key} is {value}; it must be one of {string.Join(", ", Enum.GetNames<TEnum>())}.");
        }
    }

    private static string Truncate(string value) => value.Length <= 40 ? value : string.Concat(value.AsSpan(0, 40), "...");
}
