// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Internal;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Client;

/// <summary>
/// Fails startup when the endpoint the client would call cannot be resolved (no AWS region anywhere), before anything
/// is sent, instead of on the first call after the application has started. Runs with the validation on start of
/// <see cref="CloudMapClientOptions"/>; the message is the region resolver's, naming every place it looked.
/// </summary>
/// <remarks>
/// Registered by <c>TryAddCloudMapClient</c> together with the HTTP transport, so only when that transport is the
/// <see cref="ICloudMapClient"/> (a client registered earlier, such as a test fake, needs no region). The region is
/// only required when the client will be used: when at least one registration is enabled. A host whose
/// registrations are all disabled (<c>CloudMap:Enabled=false</c>, to run without AWS) starts without any AWS setting,
/// and a container that only holds the client (tests, tools) is left to fail on its first call, as before.
/// </remarks>
internal sealed class CloudMapEndpointValidator : IValidateOptions<CloudMapClientOptions>
{
    private readonly CloudMapClientEnvironment _environment;
    private readonly IEnumerable<CloudMapRegistrationMarker> _registrations;
    private readonly IOptionsMonitor<CloudMapRegistrationOptions> _registrationOptions;

    /// <summary>Initializes a new instance of the <see cref="CloudMapEndpointValidator"/> class.</summary>
    public CloudMapEndpointValidator(
        CloudMapClientEnvironment environment,
        IEnumerable<CloudMapRegistrationMarker> registrations,
        IOptionsMonitor<CloudMapRegistrationOptions> registrationOptions)
    {
        _environment = environment ?? throw new ArgumentNullException(nameof(environment));
        _registrations = registrations ?? throw new ArgumentNullException(nameof(registrations));
        _registrationOptions = registrationOptions ?? throw new ArgumentNullException(nameof(registrationOptions));
    }

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, CloudMapClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!AnyRegistrationEnabled() || (options.ServiceUrl is { } url && !CloudMapServiceUrl.IsValid(url)))
        {
            // Nothing will call Cloud Map, or the URL is already reported by CloudMapClientOptionsValidator.
            return ValidateOptionsResult.Skip;
        }

        try
        {
            _ = CloudMapEndpoint.Resolve(options, _environment);
            return ValidateOptionsResult.Success;
        }
        catch (InvalidOperationException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }

    /// <summary>
    /// Gets a value indicating whether the client will be used: some registration is enabled, and every registration's
    /// own options are valid (an invalid one already fails startup with its own message, which a region message would
    /// only bury, as it did when this check ran in the lifecycle's StartingAsync, after options validation).
    /// </summary>
    private bool AnyRegistrationEnabled()
    {
        var enabled = false;
        foreach (var registration in _registrations)
        {
            try
            {
                enabled |= _registrationOptions.Get(registration.Name).Enabled;
            }
            catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
            {
                // Invalid options, or configuration with unknown keys: reported by the registration's own validation.
                return false;
            }
        }

        return enabled;
    }
}
