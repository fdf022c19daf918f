// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle;
using CloudMap.Lifecycle.Client;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.ServiceDiscovery.Internal;

/// <summary>
/// Fails startup when the Cloud Map endpoint cannot be resolved (no AWS region anywhere), as the registration's own check
/// does for an enabled registration: a client-only app would otherwise learn it on its first request.
/// </summary>
internal sealed class CloudMapDiscoveryEndpointValidator(CloudMapClientEnvironment environment) : IValidateOptions<CloudMapClientOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, CloudMapClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ServiceUrl is { } url && !CloudMapServiceUrl.IsValid(url))
        {
            // Reported by the client's own options validator.
            return ValidateOptionsResult.Skip;
        }

        try
        {
            _ = CloudMapEndpoint.Resolve(options, environment);
            return ValidateOptionsResult.Success;
        }
        catch (InvalidOperationException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }
}
