// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Tests.Docs;

/// <summary>The README's table of log events is the library's: every [LoggerMessage] listed once, with its name and level.</summary>
public sealed partial class ReadmeEventTableTests
{
    [Fact]
    public void ReadmeEventTable_MatchesEveryLoggerMessageInTheLibrary()
    {
        var inCode = typeof(CloudMapRegistrationOptions).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => m.GetCustomAttribute<LoggerMessageAttribute>())
            .OfType<LoggerMessageAttribute>()
            .Select(a => $"{a.EventId} {a.EventName} {a.Level}")
            .Order(StringComparer.Ordinal)
            .ToList();

        var inReadme = EventRow().Matches(File.ReadAllText(ReadmePath()))
            .Select(m => $"{m.Groups["id"].Value} {m.Groups["name"].Value} {m.Groups["level"].Value}")
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.NotEmpty(inCode);
        Assert.Equal(inCode, inReadme);
    }

    private static string ReadmePath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "README.md");
            if (File.Exists(Path.Combine(dir.FullName, "CloudMap.Lifecycle.sln")) && File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"No README.md beside CloudMap.Lifecycle.sln above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"^\| (?<id>\d{4}) \| `(?<name>[A-Za-z][A-Za-z0-9]*)` \| (?<level>[A-Za-z]+) \|", RegexOptions.Multiline)]
    private static partial Regex EventRow();
}
