"""Expected send rates of the AWS SDKs' adaptive retry mode, from botocore's own classes on a fake clock.

Prints the token bucket's fill rate after each answer of the script used by CloudMapAdaptiveRateLimiterTests:
20 successes at 10/s (t = 0.1 .. 2.0 s), a throttle at 2.05 s, 30 successes at 10/s (2.1 .. 5.0 s), a throttle at
5.05 s, then successes every 0.5 s until 20 s. Run: python3 make_adaptive_rate_expected.py (botocore 1.43.11).
"""

from botocore.retries import adaptive, bucket, throttling


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def current_time(self):
        return self.now

    def sleep(self, amount):
        self.now += amount


class Detector:
    throttled = False

    def is_throttling_error(self, **kwargs):
        return self.throttled


def script():
    events = [(n / 10, False) for n in range(1, 21)]
    events.append((2.05, True))
    events += [(n / 10, False) for n in range(21, 51)]
    events.append((5.05, True))
    events += [(n / 2, False) for n in range(11, 41)]
    return events


def main():
    clock = FakeClock()
    detector = Detector()
    limiter = adaptive.ClientRateLimiter(
        rate_adjustor=throttling.CubicCalculator(starting_max_rate=0, start_time=clock.current_time()),
        rate_clocker=adaptive.RateClocker(clock),
        token_bucket=bucket.TokenBucket(max_rate=1, clock=clock),
        throttling_detector=detector,
        clock=clock,
    )
    for at, throttled in script():
        clock.now = at
        detector.throttled = throttled
        limiter.on_receiving_response()
        print(f"{at:.2f} {'T' if throttled else 'S'} fill={limiter._token_bucket.max_rate!r} measured={limiter._rate_clocker.measured_rate!r}")


if __name__ == "__main__":
    main()
