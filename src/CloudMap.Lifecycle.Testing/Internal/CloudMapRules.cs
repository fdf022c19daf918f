// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text.RegularExpressions;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>
/// Cloud Map's rules in one place: the service model's patterns and limits, the quotas, the reserved attributes and the
/// error codes. The API handlers, the code API and the seed loader all check against these.
/// </summary>
internal static partial class CloudMapRules
{
    public const string AccountId = "123456789012";
    public const int MaxInstancesPerService = 1000;
    public const int MaxCustomAttributes = 30;
    public const int MaxAttributeChars = 5000;
    public const int MaxAttributeKeyLength = 255;
    public const int MaxAttributeValueLength = 1024;
    public const int MaxInstanceIdLength = 64;
    public const int MaxTags = 200;

    public const string InitHealthStatus = "AWS_INIT_HEALTH_STATUS";
    public const string InstanceIpv4 = "AWS_INSTANCE_IPV4";
    public const string InstanceIpv6 = "AWS_INSTANCE_IPV6";
    public const string InstancePort = "AWS_INSTANCE_PORT";
    public const string InstanceCname = "AWS_INSTANCE_CNAME";

    /// <summary>
    /// Not Cloud Map's: the attribute in which CloudMap.Lifecycle advertises that an instance answers proof-of-life
    /// probes (crash cleanup); the dashboard shows it as a badge.
    /// </summary>
    public const string ProofOfLifeAttribute = "CLOUDMAP_LIFECYCLE_PROOF";
    public const string AliasDnsName = "AWS_ALIAS_DNS_NAME";
    public const string Ec2InstanceId = "AWS_EC2_INSTANCE_ID";

    public static readonly IReadOnlyList<string> ReservedKeys = [InitHealthStatus, InstanceIpv4, InstanceIpv6, InstancePort, InstanceCname, AliasDnsName, Ec2InstanceId];

    public static readonly IReadOnlyList<string> CustomStatusValues = [HealthStatuses.Healthy, HealthStatuses.Unhealthy];

    public static readonly IReadOnlyList<string> HealthFilterValues = ["HEALTHY", "UNHEALTHY", "ALL", "HEALTHY_OR_ELSE_ALL"];

    [GeneratedRegex("^[0-9a-zA-Z_/:.@-]+$")]
    public static partial Regex InstanceIdPattern();

    [GeneratedRegex("^[a-zA-Z0-9!-~]+$")]
    public static partial Regex AttrKeyPattern();

    [GeneratedRegex("^([a-zA-Z0-9!-~][ \\ta-zA-Z0-9!-~]*){0,1}[a-zA-Z0-9!-~]{0,1}$")]
    public static partial Regex AttrValuePattern();

    [GeneratedRegex("^[!-~]{1,1024}$")]
    public static partial Regex NamespaceNamePattern();

    [GeneratedRegex("^(?!arn:)[!-~]{1,1024}$")]
    public static partial Regex HttpNamespaceNamePattern();

    [GeneratedRegex("^([a-zA-Z0-9]([a-zA-Z0-9\\-]{0,61}[a-zA-Z0-9])?\\.)+[a-zA-Z0-9]([a-zA-Z0-9\\-]{0,61}[a-zA-Z0-9])?$")]
    public static partial Regex PublicNamespaceNamePattern();

    [GeneratedRegex("((?=^.{1,127}$)^([a-zA-Z0-9_][a-zA-Z0-9-_]{0,61}[a-zA-Z0-9_]|[a-zA-Z0-9])(\\.([a-zA-Z0-9_][a-zA-Z0-9-_]{0,61}[a-zA-Z0-9_]|[a-zA-Z0-9]))*$)|(^\\.$)")]
    public static partial Regex ServiceNamePattern();

    public static bool IsValidInstanceId(string instanceId) =>
        instanceId.Length is > 0 and <= MaxInstanceIdLength && InstanceIdPattern().IsMatch(instanceId);

    /// <summary>The throttling error of a plane: discovery has its own token bucket and its own code.</summary>
    public static string ThrottleCode(ApiPlane plane) =>
        plane == ApiPlane.Data ? ErrorCodes.RequestLimitExceeded : ErrorCodes.ThrottlingException;

    /// <summary>The error codes the emulator answers (the <c>__type</c> of an error body).</summary>
    public static class ErrorCodes
    {
        public const string InvalidInput = "InvalidInput";
        public const string SerializationException = "SerializationException";
        public const string UnknownOperationException = "UnknownOperationException";
        public const string InternalFailure = "InternalFailure";
        public const string ServiceUnavailable = "ServiceUnavailable";
        public const string ThrottlingException = "ThrottlingException";
        public const string RequestLimitExceeded = "RequestLimitExceeded";
        public const string DuplicateRequest = "DuplicateRequest";
        public const string ResourceInUse = "ResourceInUse";
        public const string ResourceLimitExceeded = "ResourceLimitExceeded";
        public const string TooManyTagsException = "TooManyTagsException";
        public const string NamespaceNotFound = "NamespaceNotFound";
        public const string NamespaceAlreadyExists = "NamespaceAlreadyExists";
        public const string ServiceNotFound = "ServiceNotFound";
        public const string ServiceAlreadyExists = "ServiceAlreadyExists";
        public const string InstanceNotFound = "InstanceNotFound";
        public const string OperationNotFound = "OperationNotFound";
        public const string CustomHealthNotFound = "CustomHealthNotFound";
        public const string MissingAuthenticationToken = "MissingAuthenticationTokenException";
        public const string IncompleteSignature = "IncompleteSignatureException";
        public const string InvalidSignature = "InvalidSignatureException";
        public const string UnrecognizedClient = "UnrecognizedClientException";
        public const string RequestExpired = "RequestExpired";
    }
}
