// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Sample.Warmup;

/// <summary>
/// Stands in for the state a real service needs before it can answer: a cache filled from a database at start.
/// Until it is filled, the instance must not receive traffic.
/// </summary>
public sealed class ProductCache
{
    private volatile IReadOnlyDictionary<int, string>? _products;

    /// <summary>Gets a value indicating whether the cache has been filled.</summary>
    public bool IsWarm => _products is not null;

    /// <summary>Gets the number of cached entries (0 until warm).</summary>
    public int Count => _products?.Count ?? 0;

    /// <summary>Publishes the filled cache; from now on the instance can serve.</summary>
    /// <param name="products">The loaded entries.</param>
    public void Fill(IReadOnlyDictionary<int, string> products)
    {
        ArgumentNullException.ThrowIfNull(products);
        _products = products;
    }
}
