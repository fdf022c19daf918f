// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Sample;

/// <summary>The sample's own settings (configuration section <c>Sample</c>).</summary>
public sealed class SampleOptions
{
    /// <summary>The configuration section: <c>Sample</c>.</summary>
    public const string SectionName = "Sample";

    /// <summary>Gets or sets how long the simulated cache fill takes at start, in seconds.</summary>
    /// <value>The default value is 5.</value>
    public double WarmupSeconds { get; set; } = 5;

    /// <summary>Gets or sets who registers the instance in Cloud Map.</summary>
    /// <value>The default value is <see cref="SampleRegistrationMode.Library"/>.</value>
    public SampleRegistrationMode RegistrationMode { get; set; } = SampleRegistrationMode.Library;

    /// <summary>
    /// Gets or sets a value indicating whether the embedded emulator may be started when no Cloud Map target
    /// (<c>CloudMap:ServiceId</c> or <c>CloudMap:NamespaceName</c>) is configured.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool EmbeddedEmulator { get; set; } = true;
}
