// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Internal;

// Request shapes that several operations share. An operation's own shapes sit beside its handler.

/// <summary><c>{"Id"}</c>: a namespace or service id (or ARN).</summary>
internal sealed record ResourceIdInput(string Id)
{
    public static ResourceIdInput Read(JsonObject body) => new(AwsInput.String(body, "Id", required: true, max: 255)!);
}

/// <summary><c>{"ServiceId","InstanceId"}</c>.</summary>
internal sealed record InstanceKeyInput(string ServiceId, string InstanceId)
{
    public static InstanceKeyInput Read(JsonObject body) => new(
        AwsInput.String(body, "ServiceId", required: true, max: 255)!,
        AwsInput.String(body, "InstanceId", required: true, max: CloudMapRules.MaxInstanceIdLength)!);
}

/// <summary>
/// <c>NextToken</c> and <c>MaxResults</c>. The token is the emulator's own (<c>page:&lt;index&gt;</c> in base64); clients
/// treat it as opaque.
/// </summary>
internal sealed record PageRequest(int Start, int Size)
{
    public static PageRequest Read(JsonObject body)
    {
        var token = AwsInput.String(body, "NextToken", max: 4096);
        var size = (int)(AwsInput.Long(body, "MaxResults", 1, 100) ?? 100);
        var start = 0;
        if (token is not null)
        {
            try
            {
                var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
                if (!text.StartsWith("page:", StringComparison.Ordinal) || !int.TryParse(text.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out start))
                {
                    throw new FormatException();
                }
            }
            catch (FormatException)
            {
                throw AwsErrorException.InvalidInput("The NextToken is not valid.");
            }
        }

        return new PageRequest(start, size);
    }

    public IEnumerable<T> Of<T>(IEnumerable<T> all) => all.Skip(Start).Take(Size);

    /// <summary>The token of the next page, or <see langword="null"/> when this page is the last.</summary>
    public string? NextToken(int total)
    {
        var next = Start + Size;
        return next < total ? Convert.ToBase64String(Encoding.UTF8.GetBytes("page:" + next.ToString(CultureInfo.InvariantCulture))) : null;
    }
}

/// <summary>One entry of <c>Filters</c>.</summary>
internal sealed record Filter(string Name, List<string> Values, string Condition)
{
    private static readonly string[] Conditions = ["EQ", "IN", "BETWEEN", "BEGINS_WITH"];

    public bool Matches(string value) => Condition == "BEGINS_WITH"
        ? Values.Any(v => value.StartsWith(v, StringComparison.Ordinal))
        : Values.Contains(value);

    public static List<Filter> ReadAll(JsonObject body, IReadOnlyList<string> names)
    {
        var result = new List<Filter>();
        if (AwsInput.List(body, "Filters") is not { } filters)
        {
            return result;
        }

        foreach (var item in filters)
        {
            var filter = item as JsonObject ?? throw new AwsErrorException(CloudMapRules.ErrorCodes.SerializationException, "Member 'Filters' must be a list of objects.");
            var name = AwsInput.String(filter, "Name", required: true, allowed: names)!;
            var values = AwsInput.StringList(AwsInput.List(filter, "Values", required: true)!, "Values");
            var condition = AwsInput.String(filter, "Condition", allowed: Conditions) ?? "EQ";
            if (condition == "EQ" && values.Count != 1)
            {
                throw AwsErrorException.InvalidInput($"Filter '{name}' with condition EQ takes exactly one value.");
            }

            result.Add(new Filter(name, values, condition));
        }

        return result;
    }
}

/// <summary>A List* request: a page, then filters that apply to the page (as in Cloud Map, filtering follows paging).</summary>
internal sealed record ListInput(PageRequest Page, List<Filter> Filters)
{
    public static Func<JsonObject, ListInput> Reader(params string[] filterNames) =>
        body => new ListInput(PageRequest.Read(body), Filter.ReadAll(body, filterNames));

    /// <summary>The page of <paramref name="all"/> this request asks for, filtered, as views, with the next page's token.</summary>
    public (List<TView> Items, string? NextToken) Apply<T, TView>(IReadOnlyList<T> all, Func<Filter, T, bool> matches, Func<T, TView> view) =>
        ([.. Page.Of(all).Where(item => Filters.All(f => matches(f, item))).Select(view)], Page.NextToken(all.Count));
}
