// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace CloudMap.Lifecycle.Identity;

/// <summary>
/// Cloud Map's rule for an instance id, in one place: what options validation accepts, which platform ids
/// (ECS task id, EC2 instance id) may be used as they are, and how a host name is made to fit. The public docs of
/// <see cref="CloudMapRegistrationOptions.InstanceId"/> quote <see cref="Pattern"/> (a test keeps them equal).
/// </summary>
internal static class InstanceIdRule
{
    /// <summary>The longest allowed instance id, in characters.</summary>
    public const int MaxLength = 64;

    /// <summary>The characters allowed besides ASCII letters and digits.</summary>
    public const string Punctuation = "_/:.@-";

    /// <summary>
    /// The whole rule as Cloud Map documents it, for messages and docs; the length in it is <see cref="MaxLength"/>.
    /// <see cref="IsValid"/> checks characters and length directly (a test keeps both equal): with a regex, <c>$</c>
    /// would also match before a final newline.
    /// </summary>
    public const string Pattern = "^[0-9a-zA-Z" + Punctuation + "]{1,64}$";

    /// <summary>The id used when nothing of a host name survives sanitizing.</summary>
    public const string Fallback = "instance";

    /// <summary>The rule in words, for validation messages.</summary>
    public const string Description = "1 to 64 characters of letters, digits and " + Punctuation + " (pattern " + Pattern + ")";

    /// <summary>Whether <paramref name="instanceId"/> is a valid Cloud Map instance id.</summary>
    public static bool IsValid([NotNullWhen(true)] string? instanceId)
    {
        if (instanceId is not { Length: > 0 and <= MaxLength })
        {
            return false;
        }

        foreach (var c in instanceId)
        {
            if (!IsAllowed(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="c"/> may appear in an instance id.</summary>
    public static bool IsAllowed(char c) => char.IsAsciiLetterOrDigit(c) || Punctuation.Contains(c, StringComparison.Ordinal);

    /// <summary>
    /// Makes <paramref name="candidate"/> (usually a host name) a valid instance id: each character that is not allowed
    /// becomes <c>-</c>, the result is cut to <see cref="MaxLength"/>, and an empty result becomes <see cref="Fallback"/>.
    /// </summary>
    public static string Sanitize(string? candidate)
    {
        if (string.IsNullOrEmpty(candidate))
        {
            return Fallback;
        }

        var source = candidate.AsSpan(0, Math.Min(candidate.Length, MaxLength));
        var builder = new StringBuilder(source.Length);
        foreach (var c in source)
        {
            builder.Append(IsAllowed(c) ? c : '-');
        }

        return builder.ToString();
    }
}
