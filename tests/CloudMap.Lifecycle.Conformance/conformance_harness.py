# Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.
"""The harness both conformance scripts share (conformance.py and conformance_platform.py).

Results and the check helpers (`check`, `eq`, `has`, `fail`, `expect_error`, `expect_ok`), the run settings (`Env`),
awscli as a user runs it (`AwsCli`), and `run`: the command line, the isolation from the user's AWS configuration, one
section after another (a crashing section fails and the run goes on), the summary and the exit code. A script keeps its
checks and hands its section table to `run`.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from typing import Callable

import botocore.exceptions

REGION_DEFAULT = "us-east-1"


class Results:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0
        self.failures: list[str] = []
        self.lock = threading.Lock()
        self.section = ""

    def record(self, name: str, ok: bool, detail: str = "") -> bool:
        with self.lock:
            if ok:
                self.passed += 1
                print(f"PASS {name}", flush=True)
            else:
                self.failed += 1
                line = f"FAIL {name}: {detail}"
                self.failures.append(line)
                print(line, flush=True)
        return ok


R = Results()


class Env:
    """The run's settings; a script's command-line extras (health delay, DNS server) live here too."""
    endpoint = ""
    region = REGION_DEFAULT
    access_key = "AKIDCONFORMANCE"
    secret_key = "conformance-secret"
    health_delay = 2.0
    dns_server = ""
    tmp = ""


def short(value: object, limit: int = 400) -> str:
    text = json.dumps(value, default=str, sort_keys=True) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def check(name: str, ok: bool, expected: object = None, got: object = None) -> bool:
    detail = "" if ok else f"expected {short(expected)} got {short(got)}"
    return R.record(f"{R.section}.{name}", bool(ok), detail)


def eq(name: str, got: object, expected: object) -> bool:
    return check(name, got == expected, expected, got)


def has(name: str, got: object, expected: dict) -> bool:
    """got is a dict containing every key/value of expected (other keys allowed)."""
    ok = isinstance(got, dict) and all(got.get(k) == v for k, v in expected.items())
    return check(name, ok, f"at least {json.dumps(expected, sort_keys=True)}", got)


def fail(name: str, message: str) -> bool:
    return R.record(f"{R.section}.{name}", False, message)


def error_code(exc: BaseException) -> str | None:
    if isinstance(exc, botocore.exceptions.ClientError):
        return exc.response.get("Error", {}).get("Code")
    return None


def expect_error(name: str, code: str, fn, *args, **kwargs) -> dict | None:
    """Calls fn and checks it fails with the given error code. Returns the error response (or None)."""
    try:
        result = fn(*args, **kwargs)
    except botocore.exceptions.ClientError as exc:
        got = error_code(exc)
        check(name, got == code, code, f"{got}: {exc.response.get('Error', {}).get('Message')}")
        return exc.response
    except Exception as exc:  # noqa: BLE001 - any other failure is a failed check
        fail(name, f"expected {code} got {type(exc).__name__}: {exc}")
        return None
    result = dict(result or {})
    result.pop("ResponseMetadata", None)
    fail(name, f"expected {code} got success {short(result)}")
    return None


def expect_ok(name: str, fn, *args, **kwargs) -> dict | None:
    try:
        result = fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001
        fail(name, f"expected success got {error_code(exc) or type(exc).__name__}: {exc}")
        return None
    check(name, True)
    return result


class AwsCli:
    """Runs awscli v1 as a user would, isolated from any user configuration; timestamps printed as received.

    With `service`, every command is that service's (`AwsCli("servicediscovery").ok(name, "list-namespaces")`);
    without, the service is the first argument (`AwsCli().ok(name, "ecs", "list-tasks")`). `proxy` sends the requests
    through the emulator as an HTTP proxy (the `data-` host prefix, see conformance.py).
    """

    def __init__(self, service: str | None = None, *, proxy: bool = False, access_key: str | None = None,
                 secret_key: str | None = None):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("AWS_") and k.lower() not in ("http_proxy", "https_proxy", "no_proxy", "all_proxy")}
        # Timestamps printed as received (epoch numbers), whatever the awscli major version's default.
        config = os.path.join(Env.tmp, "awscli-config")
        if not os.path.exists(config):
            with open(config, "w", encoding="utf-8") as f:
                f.write("[default]\ncli_timestamp_format = none\n")
        env.update({
            "AWS_ACCESS_KEY_ID": access_key or Env.access_key,
            "AWS_SECRET_ACCESS_KEY": secret_key or Env.secret_key,
            "AWS_CONFIG_FILE": config,
            "AWS_SHARED_CREDENTIALS_FILE": config,
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_RETRY_MODE": "standard",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_PAGER": "",
        })
        if proxy:
            env["HTTP_PROXY"] = Env.endpoint
            env["http_proxy"] = Env.endpoint
        self.env = env
        self.exe = shutil.which("aws")
        self.service = [service] if service else []

    def run(self, *args: str) -> tuple[int, object, str]:
        cmd = ([self.exe] if self.exe else [sys.executable, "-m", "awscli"]) + self.service + [
            *args,
            "--endpoint-url", Env.endpoint, "--region", Env.region, "--output", "json",
            "--cli-connect-timeout", "10", "--cli-read-timeout", "30"]
        proc = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=60, check=False)
        parsed: object = None
        if proc.stdout.strip():
            try:
                parsed = json.loads(proc.stdout)
            except ValueError:
                parsed = proc.stdout
        return proc.returncode, parsed, proc.stderr.strip()

    def ok(self, name: str, *args: str) -> dict | None:
        rc, out, err = self.run(*args)
        if rc != 0:
            fail(name, f"expected success got exit {rc}: {err[-400:]}")
            return None
        check(name, True)
        return out if isinstance(out, dict) else {}

    def error(self, name: str, code: str, *args: str) -> None:
        rc, out, err = self.run(*args)
        match = re.search(r"An error occurred \(([^)]+)\)", err)
        got = match.group(1) if match else None
        check(name, rc != 0 and got == code, code, f"exit {rc}, stderr {err[-300:]!r}, stdout {out!r}")


def run(argv: list[str], description: str, sections: dict[str, Callable[[], None]], default_sections: list[str],
        temp_prefix: str, extra_arguments: Callable[[argparse.ArgumentParser], None] | None = None,
        apply_extra: Callable[[argparse.Namespace], None] | None = None) -> int:
    """The command line and the run of a conformance script; returns its exit code (0 only when every check passed)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", help="emulator URL, e.g. http://127.0.0.1:4566")
    parser.add_argument("--section", action="append", choices=list(sections),
                        help="run only this section (repeatable). Default: " + ", ".join(default_sections)
                        + " (or only sigv4 with --credentials)")
    parser.add_argument("--region", default=REGION_DEFAULT)
    parser.add_argument("--credentials", help="AKID:SECRET the emulator verifies (sigv4 section)")
    if extra_arguments:
        extra_arguments(parser)
    parser.add_argument("--list", action="store_true", help="list the sections and exit")
    args = parser.parse_args(argv)
    if args.list:
        width = max(len(name) for name in sections) + 2
        for name, fn in sections.items():
            print(f"{name:{width}}{(fn.__doc__ or '').strip().splitlines()[0]}")
        return 0
    if not args.endpoint:
        parser.error("--endpoint is required")
    Env.endpoint = args.endpoint.rstrip("/")
    Env.region = args.region
    if apply_extra:
        apply_extra(args)
    if args.credentials:
        Env.access_key, _, Env.secret_key = args.credentials.partition(":")
    chosen = args.section or (["sigv4"] if args.credentials else default_sections)
    if "sigv4" in chosen and not args.credentials:
        parser.error("the sigv4 section needs --credentials AKID:SECRET (those the emulator was started with)")

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=temp_prefix) as tmp:
        Env.tmp = tmp
        # Nothing from the user's AWS configuration or proxy settings may leak into the clients: the suite only
        # talks to the emulator, with the credentials and region given here.
        for key in [k for k in os.environ if k.startswith("AWS_") or k.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")]:
            del os.environ[key]
        empty = os.path.join(tmp, "aws-config")
        open(empty, "w", encoding="utf-8").close()
        os.environ.update({"AWS_CONFIG_FILE": empty, "AWS_SHARED_CREDENTIALS_FILE": empty, "AWS_EC2_METADATA_DISABLED": "true"})
        for name in chosen:
            R.section = name
            t = time.monotonic()
            print(f"== {name}", flush=True)
            try:
                sections[name]()
            except Exception as exc:  # noqa: BLE001 - a crash fails the section and the run goes on
                R.record(f"{name}.completed", False, f"unexpected {type(exc).__name__}: {exc}")
                traceback.print_exc(file=sys.stdout)
            print(f"   ({name}: {time.monotonic() - t:.1f}s)", flush=True)
    print(f"\n{R.passed} passed, {R.failed} failed in {time.monotonic() - started:.1f}s "
          f"(sections: {', '.join(chosen)}; endpoint {Env.endpoint})")
    if R.failures:
        print("Failures:")
        for line in R.failures:
            print("  " + line)
    return 0 if R.failed == 0 and R.passed > 0 else 1
