// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Janitor;

/// <summary>A named service or namespace that does not exist, or a setting that cannot work: exit code 2, the message names it.</summary>
internal sealed class JanitorConfigurationException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="JanitorConfigurationException"/> class.</summary>
    public JanitorConfigurationException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="JanitorConfigurationException"/> class with a message.</summary>
    public JanitorConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="JanitorConfigurationException"/> class with a message and a cause.</summary>
    public JanitorConfigurationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
