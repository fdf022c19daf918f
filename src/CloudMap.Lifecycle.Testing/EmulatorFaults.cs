// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using CloudMap.Lifecycle.Testing.Internal;

namespace CloudMap.Lifecycle.Testing;

/// <summary>
/// Faults the emulator injects into its answers, per operation or for all operations. Rules stay until
/// <see cref="Clear"/>; scripted faults are consumed by the requests they hit.
/// </summary>
public sealed class EmulatorFaults
{
    /// <summary>The <c>ErrorCode</c> an injected operation failure reports by default: <c>INTERNAL_FAILURE</c>.</summary>
    public const string DefaultOperationErrorCode = "INTERNAL_FAILURE";

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly SharedRandom _random;
    private readonly List<Rule> _rules = [];
    private readonly List<(string Operation, ScriptedFault Fault, int Remaining)> _scripted = [];

    internal EmulatorFaults(TimeProvider time, SharedRandom random)
    {
        _time = time;
        _random = random;
    }

    private enum RuleKind
    {
        Throttle,
        ErrorRate,
        Latency,
        Drop,
        FailOperations,
    }

    /// <summary>
    /// The operation name that makes a <see cref="Throttle"/> rule apply to every control-plane operation (all but
    /// <c>DiscoverInstances</c> and <c>DiscoverInstancesRevision</c>), with one bucket shared by them.
    /// </summary>
    public const string ControlPlane = "@control-plane";

    /// <summary>
    /// Throttles with a token bucket: <paramref name="burst"/> requests at once, refilled at <paramref name="refillPerSecond"/>
    /// per second of the emulator's clock. Throttled requests get <c>ThrottlingException</c> (<c>RequestLimitExceeded</c> for
    /// <c>DiscoverInstances</c> and <c>DiscoverInstancesRevision</c>), HTTP 400.
    /// </summary>
    /// <param name="burst">The bucket size; 0 throttles every request.</param>
    /// <param name="refillPerSecond">Tokens added per second.</param>
    /// <param name="operation">The operation, <see cref="ControlPlane"/> for one bucket shared by the control-plane operations (the data plane has its own limits in AWS), or <see langword="null"/> for one bucket shared by all operations.</param>
    /// <returns>This instance.</returns>
    public EmulatorFaults Throttle(int burst, double refillPerSecond, string? operation = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(burst);
        ArgumentOutOfRangeException.ThrowIfNegative(refillPerSecond);
        return Add(new Rule(RuleKind.Throttle, operation) { Burst = burst, Rate = refillPerSecond, Tokens = burst, LastRefill = _time.GetUtcNow() });
    }

    /// <summary>
    /// Throttles <paramref name="operations"/> with one token bucket they share, as an account-wide limit on a group of
    /// operations (for example the control plane) does, while the other operations stay unthrottled.
    /// </summary>
    /// <param name="burst">The bucket size; 0 throttles every request of the group.</param>
    /// <param name="refillPerSecond">Tokens added per second.</param>
    /// <param name="operations">The operation names sharing the bucket (at least one).</param>
    /// <returns>This instance.</returns>
    public EmulatorFaults ThrottleGroup(int burst, double refillPerSecond, IReadOnlyCollection<string> operations)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(burst);
        ArgumentOutOfRangeException.ThrowIfNegative(refillPerSecond);
        ArgumentNullException.ThrowIfNull(operations);
        if (operations.Count == 0 || operations.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("Name at least one operation, none of them empty.", nameof(operations));
        }

        return Add(new Rule(RuleKind.Throttle, string.Join(',', operations), [.. operations]) { Burst = burst, Rate = refillPerSecond, Tokens = burst, LastRefill = _time.GetUtcNow() });
    }

    /// <summary>Answers a fraction of requests with a generic server error.</summary>
    /// <param name="rate">The probability, 0 to 1.</param>
    /// <param name="statusCode">500 (<c>InternalFailure</c>) or 503 (<c>ServiceUnavailable</c>).</param>
    /// <param name="operation">The operation, or <see langword="null"/> for all.</param>
    /// <returns>This instance.</returns>
    public EmulatorFaults ErrorRate(double rate, int statusCode = 500, string? operation = null)
    {
        CheckRate(rate);
        if (statusCode is not (500 or 503))
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "Use 500 or 503.");
        }

        return Add(new Rule(RuleKind.ErrorRate, operation) { Rate = rate, StatusCode = statusCode });
    }

    /// <summary>Adds latency to every answer, waited on the emulator's clock.</summary>
    /// <param name="latency">The added latency.</param>
    /// <param name="operation">The operation, or <see langword="null"/> for all.</param>
    /// <returns>This instance.</returns>
    public EmulatorFaults Latency(TimeSpan latency, string? operation = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(latency, TimeSpan.Zero);
        return Add(new Rule(RuleKind.Latency, operation) { Latency = latency });
    }

    /// <summary>Closes the connection without an answer for a fraction of requests.</summary>
    /// <param name="rate">The probability, 0 to 1.</param>
    /// <param name="operation">The operation, or <see langword="null"/> for all.</param>
    /// <returns>This instance.</returns>
    public EmulatorFaults DropConnections(double rate, string? operation = null)
    {
        CheckRate(rate);
        return Add(new Rule(RuleKind.Drop, operation) { Rate = rate });
    }

    /// <summary>
    /// Makes a fraction of the asynchronous operations (RegisterInstance, DeregisterInstance, namespace operations) end in
    /// <c>FAIL</c>: the request is accepted, <c>GetOperation</c> later reports FAIL, and the change is not applied.
    /// </summary>
    /// <param name="rate">The probability, 0 to 1.</param>
    /// <param name="errorCode">The operation's <c>ErrorCode</c>.</param>
    /// <param name="operation">The operation, or <see langword="null"/> for all.</param>
    /// <returns>This instance.</returns>
    public EmulatorFaults FailOperations(double rate, string errorCode = DefaultOperationErrorCode, string? operation = null)
    {
        CheckRate(rate);
        ArgumentException.ThrowIfNullOrEmpty(errorCode);
        return Add(new Rule(RuleKind.FailOperations, operation) { Rate = rate, Code = errorCode });
    }

    /// <summary>Injects <paramref name="fault"/> into the next <paramref name="times"/> requests of <paramref name="operation"/>.</summary>
    /// <param name="operation">The operation name, for example <c>RegisterInstance</c>, or <c>*</c> for any.</param>
    /// <param name="fault">The fault.</param>
    /// <param name="times">How many requests it hits.</param>
    /// <returns>This instance.</returns>
    public EmulatorFaults Script(string operation, ScriptedFault fault, int times = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(operation);
        ArgumentNullException.ThrowIfNull(fault);
        ArgumentOutOfRangeException.ThrowIfLessThan(times, 1);
        lock (_lock)
        {
            _scripted.Add((operation, fault, times));
        }

        return this;
    }

    /// <summary>Removes every fault rule and every scripted fault not yet consumed.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _rules.Clear();
            _scripted.Clear();
        }
    }

    /// <summary>Decides the faults for one request of <paramref name="operation"/>.</summary>
    /// <param name="operation">The operation name.</param>
    /// <param name="throttleCode">The error a throttled request of this operation answers (its plane's).</param>
    internal FaultDecision Evaluate(string operation, string throttleCode)
    {
        var decision = new FaultDecision();
        lock (_lock)
        {
            for (var i = 0; i < _scripted.Count; i++)
            {
                var (op, fault, remaining) = _scripted[i];
                if (op != "*" && op != operation)
                {
                    continue;
                }

                if (remaining <= 1)
                {
                    _scripted.RemoveAt(i);
                }
                else
                {
                    _scripted[i] = (op, fault, remaining - 1);
                }

                switch (fault.Kind)
                {
                    case ScriptedFault.FaultKind.Drop:
                        decision.Drop = true;
                        return decision;
                    case ScriptedFault.FaultKind.Throttle:
                        return Throttled(decision, throttleCode);
                    case ScriptedFault.FaultKind.Error:
                        decision.Error = new AwsErrorException(fault.Code!, fault.Message!, fault.StatusCode);
                        return decision;
                    case ScriptedFault.FaultKind.Delay:
                        decision.Latency += fault.DelayValue;
                        break;
                    default:
                        decision.FailCode = fault.Code;
                        break;
                }

                break;
            }

            var now = _time.GetUtcNow();
            foreach (var rule in _rules)
            {
                if (!rule.Matches(operation)
                    && !(rule.Operation == ControlPlane && throttleCode == CloudMapRules.ErrorCodes.ThrottlingException))
                {
                    continue;
                }

                switch (rule.Kind)
                {
                    case RuleKind.Drop when _random.NextDouble() < rule.Rate:
                        decision.Drop = true;
                        return decision;
                    case RuleKind.Throttle when !rule.TryTake(now):
                        return Throttled(decision, throttleCode);
                    case RuleKind.ErrorRate when _random.NextDouble() < rule.Rate:
                        decision.Error = rule.StatusCode == 503
                            ? new AwsErrorException(CloudMapRules.ErrorCodes.ServiceUnavailable, AwsErrorException.InjectedServiceUnavailableMessage, 503)
                            : new AwsErrorException(CloudMapRules.ErrorCodes.InternalFailure, AwsErrorException.InjectedInternalFailureMessage, 500);
                        return decision;
                    case RuleKind.Latency:
                        decision.Latency += rule.Latency;
                        break;
                    case RuleKind.FailOperations when decision.FailCode is null && _random.NextDouble() < rule.Rate:
                        decision.FailCode = rule.Code;
                        break;
                    default:
                        break;
                }
            }
        }

        return decision;
    }

    internal FaultsDocument ToDocument()
    {
        lock (_lock)
        {
            var rules = _rules.Select(rule => new FaultRuleDocument(
                rule.Kind switch
                {
                    RuleKind.Throttle => "throttle",
                    RuleKind.ErrorRate => "errorRate",
                    RuleKind.Latency => "latency",
                    RuleKind.Drop => "dropConnections",
                    _ => "failOperations",
                },
                rule.Operation,
                rule.Rate,
                rule.Burst,
                rule.StatusCode,
                rule.Latency.TotalMilliseconds,
                rule.Code));
            var scripted = _scripted.Select(s => new ScriptedFaultDocument(s.Operation, s.Fault.Kind.ToString(), s.Fault.Code, s.Remaining.ToString(CultureInfo.InvariantCulture)));
            return new FaultsDocument([.. rules], [.. scripted]);
        }
    }

    private static FaultDecision Throttled(FaultDecision decision, string throttleCode)
    {
        decision.Throttled = true;
        decision.Error = new AwsErrorException(throttleCode, "Rate exceeded");
        return decision;
    }

    private static void CheckRate(double rate)
    {
        if (rate is < 0 or > 1 || double.IsNaN(rate))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "A rate is a probability between 0 and 1.");
        }
    }

    private EmulatorFaults Add(Rule rule)
    {
        lock (_lock)
        {
            _rules.Add(rule);
        }

        return this;
    }

    /// <param name="kind">What the rule does.</param>
    /// <param name="operation">The operation the rule applies to (for a group, the names joined by commas, as the admin document shows them); <see langword="null"/> for all.</param>
    /// <param name="group">The operations of a group rule, or <see langword="null"/>.</param>
    private sealed class Rule(RuleKind kind, string? operation, HashSet<string>? group = null)
    {
        public RuleKind Kind { get; } = kind;

        public string? Operation { get; } = operation;

        public bool Matches(string name) => group?.Contains(name) ?? (Operation is null || Operation == name);

        public double Rate { get; init; }

        public int Burst { get; init; }

        public int StatusCode { get; init; }

        public TimeSpan Latency { get; init; }

        public string? Code { get; init; }

        public double Tokens { get; set; }

        public DateTimeOffset LastRefill { get; set; }

        public bool TryTake(DateTimeOffset now)
        {
            if (now > LastRefill)
            {
                Tokens = Math.Min(Burst, Tokens + ((now - LastRefill).TotalSeconds * Rate));
                LastRefill = now;
            }

            if (Tokens >= 1)
            {
                Tokens -= 1;
                return true;
            }

            return false;
        }
    }
}
