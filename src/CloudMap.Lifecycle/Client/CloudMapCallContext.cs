// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Net;

namespace CloudMap.Lifecycle.Client;

/// <summary>
/// One Cloud Map API call in <see cref="CloudMapCallPipeline"/>, as its transport sees it: the transport reports where
/// it sends (<see cref="SetEndpoint"/>) and what came back (<see cref="SetAnswer"/>); the pipeline turns that into the
/// call's span attributes and messages. A transport never touches the span itself.
/// </summary>
/// <remarks>
/// A caller that must finish within a budget (the deregistration at stop) wraps its calls in
/// <see cref="LimitAttempts"/>: every attempt of the calls made in that async flow is then cut to half of what is left
/// of the budget (or the configured attempt timeout, when shorter), so one answer that never comes costs at most half
/// of the time left and a retry always fits in the other half. The limit is ambient (an <see cref="AsyncLocal{T}"/>)
/// because it belongs to the caller's flow, not to the client's interface: the background work started earlier never
/// sees it.
/// </remarks>
internal sealed class CloudMapCallContext
{
    /// <summary>The shortest attempt a budget cuts to (<c>CloudMapClientOptions.MinimumAttemptTimeout</c>, 10 ms).</summary>
    internal static readonly TimeSpan ShortestBudgetedAttempt = TimeSpan.FromMilliseconds(10);

    private static readonly AsyncLocal<AttemptBudget?> CurrentBudget = new();

    private readonly Activity? _activity;
    private readonly AttemptBudget? _budget;

    internal CloudMapCallContext(string operation, Activity? activity)
    {
        Operation = operation;
        _activity = activity;
        _budget = CurrentBudget.Value;
    }

    /// <summary>Gets the Cloud Map operation, such as <c>RegisterInstance</c>.</summary>
    public string Operation { get; }

    /// <summary>Gets the AWS service called: <see cref="CloudMapTelemetry.ServiceName"/>, or <c>ECS</c> / <c>EC2</c> for platform evidence.</summary>
    public string Service { get; init; } = CloudMapTelemetry.ServiceName;

    /// <summary>Gets the service's name for messages: "Cloud Map", "ECS" or "EC2".</summary>
    internal string DisplayService => Service == CloudMapTelemetry.ServiceName ? "Cloud Map" : Service;

    /// <summary>Gets the number of the attempt under way (1 is the first).</summary>
    public int Attempt { get; internal set; }

    /// <summary>Gets the timeout of the attempt under way (<see cref="Timeout.InfiniteTimeSpan"/> when it has none).</summary>
    internal TimeSpan AttemptTimeout { get; private set; } = Timeout.InfiniteTimeSpan;

    /// <summary>Gets a value indicating whether the call is made within a caller's budget (<see cref="LimitAttempts"/>: the deregistration at stop).</summary>
    internal bool IsBudgeted => _budget is not null;

    /// <summary>Gets the host the call is sent to, once the transport reported it.</summary>
    internal string? ServerHost { get; private set; }

    /// <summary>Gets the HTTP status of the last answer, if any answer came.</summary>
    internal HttpStatusCode? LastStatusCode { get; private set; }

    /// <summary>Gets the AWS request id of the last answer, if it carried one.</summary>
    internal string? LastRequestId { get; private set; }

    /// <summary>
    /// Limits every attempt of the Cloud Map calls made in the current async flow, until the returned scope is disposed,
    /// to half of what is left of <paramref name="budget"/> (measured on <paramref name="timeProvider"/> from now).
    /// </summary>
    internal static IDisposable LimitAttempts(TimeProvider timeProvider, TimeSpan budget)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        var previous = CurrentBudget.Value;
        CurrentBudget.Value = new AttemptBudget(timeProvider, timeProvider.GetTimestamp(), budget);
        return new Scope(previous);
    }

    /// <summary>
    /// Decides the timeout of the attempt about to start: <paramref name="configured"/> (the client's attempt timeout,
    /// <see cref="Timeout.InfiniteTimeSpan"/> for none), cut to half of the budget left when a budget applies.
    /// </summary>
    internal TimeSpan StartAttemptTimeout(TimeSpan configured)
    {
        var timeout = configured;
        if (_budget is { } budget)
        {
            var half = (budget.Budget - budget.Time.GetElapsedTime(budget.Started)) / 2;
            half = half < ShortestBudgetedAttempt ? ShortestBudgetedAttempt : half;
            timeout = timeout == Timeout.InfiniteTimeSpan || half < timeout ? half : timeout;
        }

        return AttemptTimeout = timeout;
    }

    /// <summary>Reports the endpoint and signing region of the call (before each attempt is sent; the first report counts).</summary>
    public void SetEndpoint(Uri server, string region)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (ServerHost is not null)
        {
            return;
        }

        ServerHost = server.Host;
        _activity?.SetTag(CloudMapTelemetry.ServerAddressTag, server.Host);
        _activity?.SetTag(CloudMapTelemetry.ServerPortTag, server.Port);
        _activity?.SetTag(CloudMapTelemetry.CloudRegionTag, region);
    }

    /// <summary>Reports an answer received by the current attempt, success or error, before it is read.</summary>
    public void SetAnswer(HttpStatusCode statusCode, string? requestId)
    {
        LastStatusCode = statusCode;
        LastRequestId = requestId;
    }

    /// <summary>Writes the attributes known once the call has ended.</summary>
    internal void Complete(string outcome, string? errorType)
    {
        if (_activity is null)
        {
            return;
        }

        _activity.SetTag(CloudMapTelemetry.AttemptsTag, Attempt);
        _activity.SetTag(CloudMapTelemetry.OutcomeTag, outcome);
        if (errorType is not null)
        {
            _activity.SetTag(CloudMapTelemetry.ErrorTypeTag, errorType);
        }

        if (LastRequestId is not null)
        {
            _activity.SetTag(CloudMapTelemetry.RequestIdTag, LastRequestId);
        }

        if (LastStatusCode is { } status)
        {
            _activity.SetTag(CloudMapTelemetry.HttpStatusCodeTag, (int)status);
        }
    }

    /// <summary>Adds the event of one retry to the call's span.</summary>
    internal void AddRetryEvent(string errorType, TimeSpan delay)
    {
        if (_activity is null)
        {
            return;
        }

        var tags = new ActivityTagsCollection
        {
            [CloudMapTelemetry.AttemptTag] = Attempt,
            [CloudMapTelemetry.ErrorTypeTag] = errorType,
            [CloudMapTelemetry.RetryDelayTag] = Math.Round(delay.TotalSeconds, 6),
        };
        if (LastStatusCode is { } status)
        {
            tags[CloudMapTelemetry.HttpStatusCodeTag] = (int)status;
        }

        if (LastRequestId is not null)
        {
            tags[CloudMapTelemetry.RequestIdTag] = LastRequestId;
        }

        _activity.AddEvent(new ActivityEvent(CloudMapTelemetry.RetryEventName, tags: tags));
    }

    /// <summary>Forgets the answer of the attempt that is being retried, so the next attempt reports its own.</summary>
    internal void StartAttempt()
    {
        Attempt++;
        LastStatusCode = null;
        LastRequestId = null;
    }

    private sealed record AttemptBudget(TimeProvider Time, long Started, TimeSpan Budget);

    private sealed class Scope(AttemptBudget? previous) : IDisposable
    {
        public void Dispose() => CurrentBudget.Value = previous;
    }
}
