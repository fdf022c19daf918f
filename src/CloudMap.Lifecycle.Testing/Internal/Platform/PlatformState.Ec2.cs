// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;

namespace CloudMap.Lifecycle.Testing.Internal.Platform;

/// <summary>
/// EC2's Query protocol on the emulator's port: a form-encoded <c>POST /</c> with <c>Action=DescribeInstances</c> and
/// <c>Version=2016-11-15</c>, answered in XML in EC2's namespace; errors in EC2's <c>Response/Errors/Error</c> shape.
/// Member names and list encodings are botocore's <c>ec2/2016-11-15</c> model (<c>InstanceId.N</c>,
/// <c>Filter.N.Name</c>, <c>Filter.N.Value.M</c>, <c>MaxResults</c>, <c>NextToken</c>).
/// </summary>
internal sealed partial class PlatformState
{
    public const string Ec2SigningName = "ec2";
    public const string Ec2Version = "2016-11-15";
    public static readonly XNamespace Ec2Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/";

    /// <summary>The filters <c>DescribeInstances</c> understands here; any other name is refused as EC2 refuses an unknown one.</summary>
    public static readonly string[] Ec2Filters = ["instance-id", "private-ip-address", "instance-state-name", "instance-state-code", "availability-zone", "reservation-id"];

    /// <summary>Answers one Query request; throws <see cref="AwsErrorException"/> with EC2's code and status.</summary>
    public byte[] HandleEc2(string action, IReadOnlyDictionary<string, string> form, string requestId) => action switch
    {
        "DescribeInstances" => DescribeInstances(form, requestId),
        _ => throw new AwsErrorException("InvalidAction", $"The action {action} is not valid for this web service."),
    };

    /// <summary>EC2's error document (<c>Response/Errors/Error/Code,Message</c> and <c>RequestID</c>).</summary>
    public static byte[] Ec2ErrorXml(string code, string message, string requestId)
    {
        var document = new XElement(
            "Response",
            new XElement("Errors", new XElement("Error", new XElement("Code", code), new XElement("Message", message))),
            new XElement("RequestID", requestId));
        return Xml(document);
    }

    private byte[] DescribeInstances(IReadOnlyDictionary<string, string> form, string requestId)
    {
        var ids = Indexed(form, "InstanceId.");
        var filters = ReadFilters(form);
        int? maxResults = null;
        if (form.TryGetValue("MaxResults", out var maxText))
        {
            if (!int.TryParse(maxText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var max))
            {
                throw new AwsErrorException("InvalidParameterValue", $"Invalid value '{maxText}' for maxResults: not an integer.");
            }

            if (ids.Count > 0)
            {
                throw new AwsErrorException("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults");
            }

            maxResults = max is >= 5 and <= 1000
                ? max
                : throw new AwsErrorException("InvalidParameterValue", $"Value ( {max} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.");
        }

        if (form.TryGetValue("DryRun", out var dryRun) && string.Equals(dryRun, "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new AwsErrorException("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412);
        }

        var malformed = ids.FirstOrDefault(id => !InstanceIdPattern().IsMatch(id));
        if (malformed is not null)
        {
            throw new AwsErrorException("InvalidInstanceID.Malformed", $"Invalid id: \"{malformed}\"");
        }

        return Locked(() =>
        {
            var now = _time.GetUtcNow();
            var visible = _instances.Where(i => i.IsRetained(now)).OrderBy(i => i.Sequence).ToList();
            List<Ec2InstanceRecord> selected;
            if (ids.Count > 0)
            {
                var distinct = ids.Distinct(StringComparer.Ordinal).ToList();
                var missing = distinct.Where(id => visible.All(i => i.InstanceId != id)).ToList();
                if (missing.Count > 0)
                {
                    throw new AwsErrorException(
                        "InvalidInstanceID.NotFound",
                        missing.Count == 1 ? $"The instance ID '{missing[0]}' does not exist" : $"The instance IDs '{string.Join(", ", missing)}' do not exist");
                }

                selected = visible.Where(i => distinct.Contains(i.InstanceId, StringComparer.Ordinal)).ToList();
            }
            else
            {
                selected = visible;
            }

            selected = selected.Where(i => filters.All(f => f.Matches(FilterValue(i, f.Name, now)))).ToList();
            var offset = 0;
            if (form.TryGetValue("NextToken", out var token))
            {
                offset = ReadEc2Token(token, selected.Count);
            }

            var page = selected.Skip(offset).Take(maxResults ?? int.MaxValue).ToList();
            var response = new XElement(
                Ec2Namespace + "DescribeInstancesResponse",
                new XElement(Ec2Namespace + "requestId", requestId),
                new XElement(Ec2Namespace + "reservationSet", page.Select(i => ReservationXml(i, now))));
            if (offset + page.Count < selected.Count)
            {
                response.Add(new XElement(
                    Ec2Namespace + "nextToken",
                    Convert.ToBase64String(Encoding.UTF8.GetBytes("ec2-describe-instances:" + (offset + page.Count).ToString(CultureInfo.InvariantCulture)))));
            }

            return Xml(response);
        });
    }

    private static int ReadEc2Token(string token, int count)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            if (text.StartsWith("ec2-describe-instances:", StringComparison.Ordinal)
                && int.TryParse(text["ec2-describe-instances:".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
                && offset <= count)
            {
                return offset;
            }
        }
        catch (FormatException)
        {
            // Falls through to the error below.
        }

        throw new AwsErrorException("InvalidParameterValue", $"Invalid value '{token}' for nextToken.");
    }

    private XElement ReservationXml(Ec2InstanceRecord instance, DateTimeOffset now)
    {
        XNamespace ns = Ec2Namespace;
        var state = instance.State(now);
        var address = instance.HoldsAddress(now) ? instance.PrivateIp : null;
        var item = new XElement(
            ns + "item",
            new XElement(ns + "instanceId", instance.InstanceId),
            new XElement(ns + "imageId", "ami-0emulator0000000"),
            new XElement(ns + "instanceState", new XElement(ns + "code", Ec2States.Code(state)), new XElement(ns + "name", state)),
            new XElement(ns + "privateDnsName", address is null ? string.Empty : PrivateDnsName(address)),
            new XElement(ns + "dnsName", string.Empty),
            new XElement(ns + "reason", instance.StateReason is { Length: > 0 } reason && state != Ec2States.Running
                ? string.Create(CultureInfo.InvariantCulture, $"{reason} ({instance.TransitionEndsAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} GMT)")
                : string.Empty),
            new XElement(ns + "amiLaunchIndex", 0),
            new XElement(ns + "instanceType", "t3.micro"),
            new XElement(ns + "launchTime", instance.LaunchTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)),
            new XElement(ns + "placement", new XElement(ns + "availabilityZone", instance.AvailabilityZone), new XElement(ns + "tenancy", "default")),
            new XElement(ns + "monitoring", new XElement(ns + "state", "disabled")));
        if (state != Ec2States.Terminated)
        {
            item.Add(
                new XElement(ns + "subnetId", "subnet-0emulator" + instance.AvailabilityZone[^1]),
                new XElement(ns + "vpcId", "vpc-0emulator"));
        }

        if (address is not null)
        {
            item.Add(new XElement(ns + "privateIpAddress", address));
        }

        if (state is Ec2States.ShuttingDown or Ec2States.Terminated or Ec2States.Stopping or Ec2States.Stopped)
        {
            item.Add(new XElement(
                ns + "stateReason",
                new XElement(ns + "code", "Client.UserInitiatedShutdown"),
                new XElement(ns + "message", "Client.UserInitiatedShutdown: User initiated shutdown")));
        }

        return new XElement(
            ns + "item",
            new XElement(ns + "reservationId", instance.ReservationId),
            new XElement(ns + "ownerId", EmulatorState.AccountId),
            new XElement(ns + "groupSet"),
            new XElement(ns + "instancesSet", item));
    }

    private string PrivateDnsName(string address) =>
        "ip-" + address.Replace('.', '-') + "." + (Region == "us-east-1" ? "ec2.internal" : Region + ".compute.internal");

    private static string? FilterValue(Ec2InstanceRecord instance, string name, DateTimeOffset now) => name switch
    {
        "instance-id" => instance.InstanceId,
        "private-ip-address" => instance.HoldsAddress(now) ? instance.PrivateIp : null,
        "instance-state-name" => instance.State(now),
        "instance-state-code" => Ec2States.Code(instance.State(now)).ToString(CultureInfo.InvariantCulture),
        "availability-zone" => instance.AvailabilityZone,
        "reservation-id" => instance.ReservationId,
        _ => null,
    };

    /// <summary>The values of <c>Prefix1</c>, <c>Prefix2</c>, … in index order (EC2's flattened list encoding).</summary>
    private static List<string> Indexed(IReadOnlyDictionary<string, string> form, string prefix) =>
        form.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)
                && int.TryParse(p.Key.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .OrderBy(p => int.Parse(p.Key.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture))
            .Select(p => p.Value)
            .ToList();

    private static List<Ec2Filter> ReadFilters(IReadOnlyDictionary<string, string> form)
    {
        var filters = new List<Ec2Filter>();
        var indexes = form.Keys
            .Select(k => FilterKeyPattern().Match(k))
            .Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture))
            .Distinct()
            .Order();
        foreach (var index in indexes)
        {
            var prefix = string.Create(CultureInfo.InvariantCulture, $"Filter.{index}.");
            if (!form.TryGetValue(prefix + "Name", out var name))
            {
                throw new AwsErrorException("InvalidParameterValue", $"The filter {prefix}Name is missing.");
            }

            if (!Ec2Filters.Contains(name, StringComparer.Ordinal))
            {
                throw new AwsErrorException("InvalidParameterValue", $"The filter '{name}' is invalid");
            }

            filters.Add(new Ec2Filter(name, Indexed(form, prefix + "Value.")));
        }

        return filters;
    }

    private static byte[] Xml(XElement root)
    {
        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = false }))
        {
            new XDocument(new XDeclaration("1.0", "UTF-8", null), root).Save(writer);
        }

        return stream.ToArray();
    }

    [GeneratedRegex(@"^Filter\.(\d+)\.")]
    private static partial Regex FilterKeyPattern();

    /// <summary>One <c>Filter.N</c>: a name and values, any of which may match; <c>*</c> and <c>?</c> are wildcards, as in EC2.</summary>
    private sealed class Ec2Filter(string name, IReadOnlyList<string> values)
    {
        private readonly Regex[] _patterns = [.. values.Select(v => new Regex(
            "^" + Regex.Escape(v).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.CultureInvariant,
            TimeSpan.FromSeconds(1)))];

        public string Name { get; } = name;

        public bool Matches(string? value) => value is not null && _patterns.Any(p => p.IsMatch(value));
    }
}
