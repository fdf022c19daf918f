// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;

namespace CloudMap.Lifecycle.Sample;

/// <summary>The sample's own settings (configuration section <c>Sample</c>).</summary>
public sealed class SampleOptions
{
    /// <summary>The configuration section: <c>Sample</c>.</summary>
    public const string SectionName = "Sample";

    /// <summary>The value of <c>Sample:EmbeddedEmulator</c> that decides from the rest of the configuration (the default).</summary>
    public const string EmbeddedEmulatorAuto = "auto";

    /// <summary>Gets or sets how long the simulated cache fill takes at start, in seconds (0 or more).</summary>
    /// <value>The default value is 5.</value>
    public double WarmupSeconds { get; set; } = 5;

    /// <summary>Gets or sets who registers the instance in Cloud Map.</summary>
    /// <value>The default value is <see cref="SampleRegistrationMode.Library"/>.</value>
    public SampleRegistrationMode RegistrationMode { get; set; } = SampleRegistrationMode.Library;

    /// <summary>
    /// Gets or sets whether the sample starts its embedded emulator: <see langword="null"/> (<c>auto</c>) starts it only
    /// when no Cloud Map endpoint or target is configured at all (none of <c>AWS:ServiceURL</c>, <c>CloudMap:ServiceId</c>,
    /// <c>CloudMap:NamespaceName</c>, <c>CloudMap:ServiceName</c>); <see langword="true"/> always starts it (creating the
    /// configured <c>NamespaceName</c>/<c>ServiceName</c> in it) and refuses <c>AWS:ServiceURL</c> or <c>CloudMap:ServiceId</c>;
    /// <see langword="false"/> never starts it.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (<c>auto</c>).</value>
    public bool? EmbeddedEmulator { get; set; }

    /// <summary>
    /// Reads the <c>Sample</c> section strictly: an unknown key or a value that does not parse fails with a message naming
    /// the full key, the value and what is valid (the binder would name neither the section nor the valid values).
    /// </summary>
    /// <param name="configuration">The app's configuration.</param>
    /// <returns>The settings.</returns>
    /// <exception cref="InvalidOperationException">A key or a value is not valid.</exception>
    public static SampleOptions Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new SampleOptions();
        foreach (var setting in configuration.GetSection(SectionName).GetChildren())
        {
            var key = $"{SectionName}:{setting.Key}";
            var value = setting.Value;
            if (setting.Key.Equals(nameof(WarmupSeconds), StringComparison.OrdinalIgnoreCase))
            {
                options.WarmupSeconds = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds) && seconds >= 0
                    ? seconds
                    : throw Invalid(key, value, "a number of seconds, 0 or more (such as 2 or 0.5)");
            }
            else if (setting.Key.Equals(nameof(RegistrationMode), StringComparison.OrdinalIgnoreCase))
            {
                options.RegistrationMode = Enum.TryParse<SampleRegistrationMode>(value, ignoreCase: true, out var mode) && Enum.IsDefined(mode) && !int.TryParse(value, out _)
                    ? mode
                    : throw Invalid(key, value, $"one of {string.Join(", ", Enum.GetNames<SampleRegistrationMode>())}");
            }
            else if (setting.Key.Equals(nameof(EmbeddedEmulator), StringComparison.OrdinalIgnoreCase))
            {
                options.EmbeddedEmulator = string.IsNullOrWhiteSpace(value) || value.Trim().Equals(EmbeddedEmulatorAuto, StringComparison.OrdinalIgnoreCase)
                    ? null
                    : bool.TryParse(value, out var embedded) ? embedded : throw Invalid(key, value, "one of auto, true, false");
            }
            else
            {
                throw new InvalidOperationException(
                    $"Configuration key '{key}' is not a setting of the sample; the settings are {SectionName}:{nameof(WarmupSeconds)}, {SectionName}:{nameof(RegistrationMode)} and {SectionName}:{nameof(EmbeddedEmulator)}.");
            }
        }

        return options;
    }

    private static InvalidOperationException Invalid(string key, string? value, string expected) =>
        new($"Configuration key '{key}' has value '{value}', which is not {expected}.");
}
