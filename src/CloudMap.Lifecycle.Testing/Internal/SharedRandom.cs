// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>A seeded random source shared by threads (ids, discovery order, fault rates).</summary>
internal sealed class SharedRandom(int? seed)
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    private readonly Lock _lock = new();

    // Not for security: reproducible test behaviour is the point, so a seedable generator is required.
#pragma warning disable CA5394
    private readonly Random _random = seed is { } s ? new Random(s) : new Random();

    public double NextDouble()
    {
        lock (_lock)
        {
            return _random.NextDouble();
        }
    }

    public int Next(int maxExclusive)
    {
        lock (_lock)
        {
            return _random.Next(maxExclusive);
        }
    }

    public string Chars(int length)
    {
        lock (_lock)
        {
            return string.Create(length, _random, static (span, random) =>
            {
                for (var i = 0; i < span.Length; i++)
                {
                    span[i] = Alphabet[random.Next(Alphabet.Length)];
                }
            });
        }
    }

    public void Shuffle<T>(IList<T> items)
    {
        lock (_lock)
        {
            for (var i = items.Count - 1; i > 0; i--)
            {
                var j = _random.Next(i + 1);
                (items[i], items[j]) = (items[j], items[i]);
            }
        }
    }
#pragma warning restore CA5394
}
