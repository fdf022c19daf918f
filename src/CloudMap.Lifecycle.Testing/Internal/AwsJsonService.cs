// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>
/// One AWS JSON 1.1 service the emulator answers on its port: the <c>X-Amz-Target</c> prefix that selects it, the SigV4
/// signing name, and its operation table. Cloud Map is one; another service (ECS, say) is another instance with its
/// own table and state, served on the same port.
/// </summary>
internal sealed class AwsJsonService
{
    private readonly Dictionary<string, AwsOperation> _operations;

    public AwsJsonService(string targetPrefix, string signingName, IEnumerable<AwsOperation> operations)
    {
        ArgumentException.ThrowIfNullOrEmpty(targetPrefix);
        ArgumentException.ThrowIfNullOrEmpty(signingName);
        TargetPrefix = targetPrefix;
        SigningName = signingName;
        _operations = new Dictionary<string, AwsOperation>(StringComparer.Ordinal);
        foreach (var operation in operations)
        {
            if (!_operations.TryAdd(operation.Name, operation))
            {
                throw new ArgumentException($"The operation '{operation.Name}' is in the table twice.", nameof(operations));
            }
        }
    }

    /// <summary>Gets the target prefix, for example <c>Route53AutoNaming_v20170314.</c>.</summary>
    public string TargetPrefix { get; }

    /// <summary>Gets the SigV4 signing name (the service in the credential scope).</summary>
    public string SigningName { get; }

    /// <summary>Gets the error member that carries the message: <c>Message</c> (Cloud Map) or <c>message</c> (ECS), as the service's model names it.</summary>
    public string ErrorMessageMember { get; init; } = "Message";

    public IReadOnlyCollection<AwsOperation> Operations => _operations.Values;

    /// <summary>Finds the operation an <c>X-Amz-Target</c> header names, or <see langword="null"/>.</summary>
    public AwsOperation? Find(string target) =>
        target.StartsWith(TargetPrefix, StringComparison.Ordinal) && _operations.TryGetValue(target[TargetPrefix.Length..], out var operation)
            ? operation
            : null;
}
