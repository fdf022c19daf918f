// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle;

/// <summary>How the Cloud Map client retries and paces its calls; the names and behaviour of the AWS SDKs' retry modes.</summary>
public enum CloudMapRetryMode
{
    /// <summary>
    /// Retries with exponential backoff and full jitter, limited by a retry quota shared by every client of the process
    /// for one endpoint (500 to start; a retry costs 5, a retry after no answer 10; a success gives back what its
    /// retry cost, or 1): once an endpoint has failed long enough to empty it, failed calls are no longer retried.
    /// Calls are never held back before they are sent.
    /// </summary>
    Standard = 0,

    /// <summary>
    /// <see cref="Standard"/>, plus a client-side rate limiter per endpoint and process that learns the account's rate
    /// from throttling answers (the AWS SDKs' CUBIC token bucket). Nothing is held back until the first throttling
    /// answer. A call made within a budget (the deregistration at stop, its ownership check and operation polls) is
    /// never held back by more than a quarter of what is left of its budget.
    /// </summary>
    Adaptive = 1,
}
