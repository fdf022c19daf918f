// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Text;
using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// Turns a definitive Cloud Map answer met while resolving the target service into a message that names the key, its
/// value and what exists instead (the namespaces, or the namespace's services), so the fix is obvious from one line.
/// </summary>
/// <remarks>
/// Listing what exists costs one or two read-only calls, made only after a definitive answer. When they fail too
/// (for example the credentials may not list), the message simply says nothing about what exists.
/// </remarks>
internal static class ConfigurationProblemDescriber
{
    /// <summary>At most this many existing namespaces or services are named in a message.</summary>
    internal const int MaxListed = 20;

    private static readonly string[] Permissions =
    [
        "servicediscovery:GetService", "servicediscovery:ListNamespaces", "servicediscovery:ListServices",
        "servicediscovery:RegisterInstance", "servicediscovery:DeregisterInstance", "servicediscovery:GetInstance",
        "servicediscovery:GetOperation", "servicediscovery:UpdateInstanceCustomHealthStatus",
    ];

    public static async Task<string> DescribeAsync(ICloudMapClient client, CloudMapRegistrationOptions options, string keyPrefix, CloudMapException error, CancellationToken cancellationToken)
    {
        var answer = string.IsNullOrEmpty(error.Message) ? error.ErrorCode : error.ErrorCode + ": " + error.Message.TrimEnd('.');
        var byId = !string.IsNullOrWhiteSpace(options.ServiceId);
        var target = byId
            ? $"{keyPrefix}:ServiceId '{options.ServiceId}'"
            : $"{keyPrefix}:NamespaceName '{options.NamespaceName}' and {keyPrefix}:ServiceName '{options.ServiceName}'";

        if (DefinitiveErrors.CredentialCodes.Contains(error.ErrorCode))
        {
            return $"Cloud Map rejected the AWS credentials while resolving {target} ({answer}). Check the access key id and secret the application uses (an AWSCredentials registered in DI, else the AWS default chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or AWS:Profile, web identity, container or instance credentials) and AWS:Region.";
        }

        if (DefinitiveErrors.PermissionCodes.Contains(error.ErrorCode))
        {
            return $"The AWS credentials are not allowed to call Cloud Map while resolving {target} ({answer}). Allow {string.Join(", ", Permissions)} on the service.";
        }

        if (byId)
        {
            var services = await TryListServicesAsync(client, cancellationToken).ConfigureAwait(false);
            var problem = error.ErrorCode == CloudMapErrorCodes.InvalidInput ? "Cloud Map does not accept it as a service id or ARN" : "Cloud Map has no such service";
            return $"{keyPrefix}:ServiceId is '{options.ServiceId}', but {problem} ({answer}). {services}".TrimEnd();
        }

        var namespaces = await TryAsync(client.ListNamespacesAsync, cancellationToken).ConfigureAwait(false);
        var matches = namespaces?.Where(n => NameMatches(n, options.NamespaceName)).ToList();
        if (error.ErrorCode == CloudMapErrorCodes.NamespaceNotFound || matches is { Count: 0 })
        {
            var existing = namespaces switch
            {
                null => string.Empty,
                { Count: 0 } => "No namespace exists in this account and region.",
                _ => "Namespaces that exist: " + List(namespaces, n => Quote(n.Name) + (n.Type is null ? string.Empty : $" ({n.Type})")) + ".",
            };
            return $"{keyPrefix}:NamespaceName is '{options.NamespaceName}', but no Cloud Map namespace has that name ({answer}). {existing}".TrimEnd();
        }

        var listed = new StringBuilder();
        foreach (var ns in matches ?? [])
        {
            var inNamespace = await TryAsync(ct => client.ListServicesAsync(ns.Id, ct), cancellationToken).ConfigureAwait(false);
            if (inNamespace is null)
            {
                continue;
            }

            listed.Append(inNamespace.Count == 0
                ? $"Namespace '{ns.Name}' has no services."
                : $"Services in namespace '{ns.Name}': {List(inNamespace.Where(s => s.NamespaceId is null || s.NamespaceId == ns.Id).ToList(), s => Quote(s.Name))}.");
        }

        return $"{keyPrefix}:ServiceName is '{options.ServiceName}', but namespace '{options.NamespaceName}' has no service of that name ({answer}). {listed}".TrimEnd();
    }

    /// <summary>Lists every service with its namespace (ListServices per namespace: its summaries carry no namespace id).</summary>
    private static async Task<string> TryListServicesAsync(ICloudMapClient client, CancellationToken cancellationToken)
    {
        var namespaces = await TryAsync(client.ListNamespacesAsync, cancellationToken).ConfigureAwait(false);
        var services = new List<string>();
        if (namespaces is null)
        {
            var all = await TryAsync(ct => client.ListServicesAsync(namespaceId: null, ct), cancellationToken).ConfigureAwait(false);
            if (all is null)
            {
                return string.Empty;
            }

            services.AddRange(all.Select(s => $"{Quote(s.Name)} ({s.Id})"));
        }
        else
        {
            foreach (var ns in namespaces.Take(MaxListed))
            {
                var inNamespace = await TryAsync(ct => client.ListServicesAsync(ns.Id, ct), cancellationToken).ConfigureAwait(false);
                services.AddRange((inNamespace ?? []).Select(s => $"{Quote(s.Name)} ({s.Id}, namespace '{ns.Name}')"));
            }
        }

        return services.Count == 0
            ? "No service exists in this account and region."
            : "Services that exist: " + List(services, s => s) + ".";
    }

    private static bool NameMatches(CloudMapNamespaceSummary ns, string? name) =>
        string.Equals(ns.Name, name, StringComparison.OrdinalIgnoreCase) || string.Equals(ns.HttpName, name, StringComparison.OrdinalIgnoreCase);

    private static string Quote(string name) => "'" + name + "'";

    private static string List<T>(IReadOnlyList<T> items, Func<T, string> format)
    {
        var shown = string.Join(", ", items.Take(MaxListed).Select(format));
        return items.Count > MaxListed
            ? string.Create(CultureInfo.InvariantCulture, $"{shown} and {items.Count - MaxListed} more")
            : shown;
    }

    private static async Task<T?> TryAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return await call(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Only decoration of a message that is complete without it.
            return null;
        }
    }
}
