// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using CloudMap.Lifecycle.Identity;

namespace CloudMap.Lifecycle.Tests.PublicApi;

/// <summary>
/// The XML docs of the options say each default and limit in words next to the constant that declares it
/// (<c>10 seconds (&lt;see cref="DefaultInterval"/&gt;)</c>); these tests read the generated documentation file and
/// hold those words to the constants' values, so the docs cannot drift from the rules.
/// </summary>
public sealed partial class OptionsDocsTests
{
    private static readonly Type[] OptionsTypes =
        [typeof(CloudMapRegistrationOptions), typeof(CloudMapReadinessOptions), typeof(CloudMapHealthOptions), typeof(CloudMapShutdownOptions), typeof(CloudMapCleanupOptions)];

    private static readonly Lazy<XDocument> Docs = new(() =>
        XDocument.Load(Path.Combine(AppContext.BaseDirectory, typeof(CloudMapRegistrationOptions).Assembly.GetName().Name + ".xml")));

    public static TheoryData<string> DeclaredFields()
    {
        var data = new TheoryData<string>();
        foreach (var field in OptionsTypes.SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static)))
        {
            if (field.Name.StartsWith("Default", StringComparison.Ordinal) || field.Name.StartsWith("Min", StringComparison.Ordinal) || field.Name.StartsWith("Max", StringComparison.Ordinal))
            {
                data.Add(field.DeclaringType!.Name + "." + field.Name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(DeclaredFields))]
    public void FieldSummary_StatesTheFieldsValue(string name)
    {
        var field = Field(name);
        var summary = Text(Member("F:" + field.DeclaringType!.FullName + "." + field.Name).Element("summary")!);

        var stated = StatedAfterColon().Match(summary);

        Assert.True(stated.Success, $"The summary of {name} does not state its value after a colon: {summary}");
        AssertStates(field, stated.Groups["stated"].Value, name + " summary");
    }

    [Theory]
    [MemberData(nameof(DeclaredFields))]
    public void PropertyValueDocs_CiteTheFieldWithItsValue(string name)
    {
        var field = Field(name);
        var cref = "F:" + field.DeclaringType!.FullName + "." + field.Name;
        var citations = OptionsTypes
            .SelectMany(t => t.GetProperties())
            .Select(p => Member("P:" + p.DeclaringType!.FullName + "." + p.Name).Element("value"))
            .Where(value => value is not null)
            .SelectMany(value => Citation().Matches(Text(value!)))
            .Where(match => match.Groups["cref"].Value == cref)
            .ToList();

        Assert.NotEmpty(citations);
        Assert.All(citations, match => AssertStates(field, match.Groups["before"].Value, name + " citation"));
    }

    [Fact]
    public void InstanceIdDocs_QuoteTheInstanceIdRule()
    {
        var value = Text(Member("P:" + typeof(CloudMapRegistrationOptions).FullName + "." + nameof(CloudMapRegistrationOptions.InstanceId)).Element("value")!);

        Assert.Contains("<c>" + InstanceIdRule.Pattern + "</c>", value, StringComparison.Ordinal);
        Assert.Contains("1 to " + InstanceIdRule.MaxLength.ToString(CultureInfo.InvariantCulture) + " letters, digits and <c>" + InstanceIdRule.Punctuation + "</c>", value, StringComparison.Ordinal);
    }

    private static FieldInfo Field(string name)
    {
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        var type = OptionsTypes.Single(t => t.Name == name[..dot]);
        return type.GetField(name[(dot + 1)..], BindingFlags.Public | BindingFlags.Static)!;
    }

    private static XElement Member(string id) =>
        Docs.Value.Descendants("member").SingleOrDefault(m => (string?)m.Attribute("name") == id)
        ?? throw new InvalidOperationException($"No XML docs for {id}.");

    /// <summary>The inner XML of an element with its whitespace collapsed (the docs wrap lines).</summary>
    private static string Text(XElement element) =>
        Whitespace().Replace(string.Concat(element.Nodes().Select(n => n.ToString(SaveOptions.DisableFormatting))), " ").Trim();

    /// <summary>Asserts that the last quantity in <paramref name="text"/> is the value of <paramref name="field"/>.</summary>
    private static void AssertStates(FieldInfo field, string text, string where)
    {
        var value = field.GetValue(null);
        switch (value)
        {
            case string s:
                Assert.True(text.TrimEnd().EndsWith("<c>" + s + "</c>", StringComparison.Ordinal), $"{where}: '{text}' does not end with <c>{s}</c>.");
                break;
            case double share:
                var statedShare = LastDecimal().Match(text);
                Assert.True(statedShare.Success, $"{where}: no number in '{text}'.");
                Assert.True(share == double.Parse(statedShare.Groups["number"].Value, CultureInfo.InvariantCulture), $"{where}: '{text}' states {statedShare.Value}, but {field.Name} is {share}.");
                break;
            case int or TimeSpan:
                var quantity = LastQuantity().Match(text);
                Assert.True(quantity.Success, $"{where}: no quantity in '{text}'.");
                var number = int.Parse(quantity.Groups["number"].Value, CultureInfo.InvariantCulture);
                object stated = quantity.Groups["unit"].Value switch
                {
                    "" => number,
                    "millisecond" or "milliseconds" => TimeSpan.FromMilliseconds(number),
                    "second" or "seconds" => TimeSpan.FromSeconds(number),
                    "minute" or "minutes" => TimeSpan.FromMinutes(number),
                    "hour" or "hours" => TimeSpan.FromHours(number),
                    var unit => throw new InvalidOperationException($"Unknown unit '{unit}'."),
                };
                Assert.True(Equals(value, stated), $"{where}: '{text}' states {stated}, but {field.Name} is {value}.");
                break;
            default:
                throw new InvalidOperationException($"{where}: no rule to read a {field.FieldType} from the docs.");
        }
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    /// <summary>"The default value of &lt;see .../&gt;: 10 seconds." → "10 seconds".</summary>
    [GeneratedRegex(@": (?<stated>.+?)(?:\.$| \()")]
    private static partial Regex StatedAfterColon();

    /// <summary>"... allowed from 1 second (&lt;see cref="F:...MinInterval"/&gt;)" → before = "... allowed from 1 second".</summary>
    [GeneratedRegex(@"(?<before>[^()]*?) ?\(<see cref=""(?<cref>F:[^""]+)"" ?/>\)")]
    private static partial Regex Citation();

    /// <summary>The last number in a text, decimals included ("0.1").</summary>
    [GeneratedRegex(@"(?<number>\d+(?:\.\d+)?)(?!.*\d)")]
    private static partial Regex LastDecimal();

    /// <summary>The last number in a text, with the time unit right after it if there is one.</summary>
    [GeneratedRegex(@"(?<number>\d+)(?: (?<unit>milliseconds?|seconds?|minutes?|hours?)\b)?(?!.*\d)")]
    private static partial Regex LastQuantity();
}
