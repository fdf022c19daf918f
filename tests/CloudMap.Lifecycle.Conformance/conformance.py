#!/usr/bin/env python3
# Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.
"""Conformance suite for the CloudMap.Lifecycle emulator, driven by the official clients (awscli and boto3).

It runs a full AWS Cloud Map session against a running emulator and checks every answer against the
documented behaviour of the real service (botocore model `servicediscovery/2017-03-14`, Cloud Map API
reference and developer guide; see shared/docs/cloudmap-api.md).

Usage:
    python3 conformance.py --endpoint http://127.0.0.1:4566 [--section NAME ...] [--health-delay 2]
    python3 conformance.py --endpoint ... --section sigv4 --credentials AKID:SECRET
    python3 conformance.py --list

Start the emulator first, for instance:
    dotnet run --project src/CloudMap.Lifecycle.Emulator -- --port 4566
    dotnet run --project src/CloudMap.Lifecycle.Emulator -- --port 4567 --credentials AKID:SECRET   # sigv4

Output: one line per check (`PASS name` / `FAIL name: expected ... got ...`), then a summary line. The exit
code is 0 only when every check passed.

The `data-` host prefix. Official clients send DiscoverInstances and DiscoverInstancesRevision to
`data-<endpoint host>`, so `http://127.0.0.1:PORT` becomes `http://data-127.0.0.1:PORT`, which does not
resolve. The suite keeps the injection on (that is what real users run) and makes the clients use the
emulator itself as their HTTP proxy: boto3 via `Config(proxies=...)`, awscli via `HTTP_PROXY` in its
environment (NO_PROXY removed). The request then reaches the emulator in absolute form
(`POST http://data-127.0.0.1:PORT/ HTTP/1.1`) with `Host: data-127.0.0.1:PORT`, exactly the Host a real
client signs and sends. Nothing on the machine needs changing (no /etc/hosts entry, no plugin). The same
trick sends requests with the real AWS host names (`servicediscovery.us-east-1.amazonaws.com`).

The suite sets the emulator's schedule through its admin API (`POST /_emulator/settings`): operations that
finish at once for most sections, a slow schedule to watch SUBMITTED -> PENDING -> SUCCESS and DuplicateRequest,
a propagation window, and a short custom-health delay (--health-delay, default 2 s) so "not yet changed", "changed"
and "cancelled by flipping back" are observed in real time. Against a server without that API (moto, the real
service) those checks fail, as they should.

Requires only awscli and boto3 (both preinstalled on the project's machines).
"""
from __future__ import annotations

import concurrent.futures
import datetime
import http.client
import http.server
import json
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse

import boto3
import botocore.auth
import botocore.exceptions
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

import conformance_harness as harness
from conformance_harness import Env, check, eq, error_code, expect_error, expect_ok, fail, has

TARGET_PREFIX = "Route53AutoNaming_v20170314."


# --------------------------------------------------------------------------------------------------------
# Clients
# --------------------------------------------------------------------------------------------------------
def client(*, inject_host_prefix: bool = False, endpoint: str | None = None, proxy: str | None = None,
           access_key: str | None = None, secret_key: str | None = None, region: str | None = None):
    """A boto3 client with no retries (so every answer is the emulator's first) and no client-side
    parameter validation (so invalid input reaches the server)."""
    config = Config(
        inject_host_prefix=inject_host_prefix,
        parameter_validation=False,
        retries={"max_attempts": 1, "mode": "standard"},
        connect_timeout=10,
        read_timeout=30,
        proxies={"http": proxy} if proxy else None,
        max_pool_connections=32,
    )
    session = boto3.session.Session(
        aws_access_key_id=access_key or Env.access_key,
        aws_secret_access_key=secret_key or Env.secret_key,
        region_name=region or Env.region,
    )
    return session.client("servicediscovery", endpoint_url=endpoint or Env.endpoint, config=config)


def control():
    """boto3 client for the control plane (and data plane with host-prefix injection off)."""
    return client()


def data():
    """boto3 client as real users run it: host-prefix injection ON, `data-` host reached through the proxy."""
    return client(inject_host_prefix=True, proxy=Env.endpoint)


def AwsCli(**kwargs) -> harness.AwsCli:
    """awscli for Cloud Map (`servicediscovery` commands)."""
    return harness.AwsCli("servicediscovery", **kwargs)


# --------------------------------------------------------------------------------------------------------
# Raw HTTP and the admin API
# --------------------------------------------------------------------------------------------------------
def raw(method: str, path: str, body: bytes | None, headers: dict[str, str], *, endpoint: str | None = None,
        target_url: str | None = None) -> tuple[int, dict[str, str], bytes]:
    url = urllib.parse.urlsplit(endpoint or Env.endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=30)
    try:
        conn.putrequest(method, target_url or path, skip_host=True, skip_accept_encoding=True)
        if not any(k.lower() == "host" for k in headers):
            conn.putheader("Host", url.netloc)
        for key, value in headers.items():
            conn.putheader(key, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def raw_call(operation: str, payload: object, *, host: str | None = None, content_type: str = "application/x-amz-json-1.1",
             body: bytes | None = None, signed: bool = True) -> tuple[int, dict[str, str], object]:
    """One awsJson1_1 call over plain HTTP, SigV4-signed with botocore's signer for the Host it sends."""
    host = host or urllib.parse.urlsplit(Env.endpoint).netloc
    headers = {"X-Amz-Target": TARGET_PREFIX + operation, "Content-Type": content_type}
    data_bytes = body if body is not None else json.dumps(payload).encode()
    if signed:
        request = AWSRequest(method="POST", url=f"http://{host}/", data=data_bytes, headers=headers)
        botocore.auth.SigV4Auth(Credentials(Env.access_key, Env.secret_key), "servicediscovery", Env.region).add_auth(request)
        headers = dict(request.headers.items())
    headers["Host"] = host
    status, resp_headers, resp_body = raw("POST", "/", data_bytes, headers)
    try:
        parsed: object = json.loads(resp_body) if resp_body else None
    except ValueError:
        parsed = resp_body.decode("utf-8", "replace")
    return status, resp_headers, parsed


def configure(**settings: float) -> bool:
    """Emulator-only admin API: POST /_emulator/settings with e.g. healthChangeDelaySeconds,
    operationSubmittedSeconds, operationPendingSeconds, propagationDelaySeconds. Records a failed check
    (only) when the settings are not accepted."""
    try:
        status, _, body = raw("POST", "/_emulator/settings", json.dumps(settings).encode(), {"Content-Type": "application/json"})
    except OSError as exc:
        status, body = 0, str(exc).encode()
    if 200 <= status < 300:
        return True
    return fail("admin-settings", f"expected 2xx from POST /_emulator/settings {json.dumps(settings)} got {status} {body[:200]!r}")


def fast_operations() -> bool:
    """Operations finish at once and new instances are visible at once (keeps the suite short)."""
    return configure(operationSubmittedSeconds=0, operationPendingSeconds=0, propagationDelaySeconds=0)


# --------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------
def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


TERMINAL = ("SUCCESS", "FAIL")
STATUS_ORDER = {"SUBMITTED": 0, "PENDING": 1, "SUCCESS": 2, "FAIL": 2}


def wait_operation(op_id: str, sd=None, timeout: float = 15.0, interval: float = 0.05) -> tuple[dict | None, list[str]]:
    """Polls GetOperation until SUCCESS/FAIL. Returns (operation, distinct statuses seen in order)."""
    sd = sd or control()
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        op = sd.get_operation(OperationId=op_id)["Operation"]
        if not seen or seen[-1] != op.get("Status"):
            seen.append(op.get("Status"))
        if op.get("Status") in TERMINAL:
            return op, seen
        if time.monotonic() > deadline:
            return None, seen
        time.sleep(interval)


def wait_success(name: str, op_id: str | None, sd=None, timeout: float = 15.0) -> dict | None:
    if not op_id:
        fail(name, "no OperationId to wait for")
        return None
    op, seen = wait_operation(op_id, sd, timeout)
    check(name, op is not None and op.get("Status") == "SUCCESS", "operation SUCCESS",
          op if op is not None else f"not terminal after {timeout}s, statuses {seen}")
    return op


def new_http_namespace(sd, prefix: str) -> tuple[str, str]:
    name = unique(prefix)
    op_id = sd.create_http_namespace(Name=name)["OperationId"]
    op, seen = wait_operation(op_id, sd)
    if not op or op.get("Status") != "SUCCESS":
        raise RuntimeError(f"CreateHttpNamespace {name} did not succeed: {op} {seen}")
    return op["Targets"]["NAMESPACE"], name


def new_service(sd, ns_id: str, prefix: str, health: str | None = "custom", **extra) -> tuple[str, str]:
    name = unique(prefix)
    kwargs: dict = {"Name": name, "NamespaceId": ns_id, **extra}
    if health == "custom":
        kwargs["HealthCheckCustomConfig"] = {}
    return sd.create_service(**kwargs)["Service"]["Id"], name


def register(sd, service_id: str, instance_id: str, attributes: dict[str, str], **extra) -> str:
    return sd.register_instance(ServiceId=service_id, InstanceId=instance_id, Attributes=attributes, **extra)["OperationId"]


def register_and_wait(sd, service_id: str, instance_id: str, attributes: dict[str, str]) -> None:
    op, seen = wait_operation(register(sd, service_id, instance_id, attributes), sd)
    if not op or op.get("Status") != "SUCCESS":
        raise RuntimeError(f"RegisterInstance {instance_id} did not succeed: {op} {seen}")


def deregister_and_wait(sd, service_id: str, instance_id: str) -> None:
    op, seen = wait_operation(sd.deregister_instance(ServiceId=service_id, InstanceId=instance_id)["OperationId"], sd)
    if not op or op.get("Status") != "SUCCESS":
        raise RuntimeError(f"DeregisterInstance {instance_id} did not succeed: {op} {seen}")


def health_map(sd, service_id: str, instances: list[str] | None = None) -> dict[str, str]:
    kwargs: dict = {"ServiceId": service_id}
    if instances:
        kwargs["Instances"] = instances
    return sd.get_instances_health_status(**kwargs).get("Status", {})


def discover_ids(sd, ns_name: str, svc_name: str, **kwargs) -> list[str]:
    resp = sd.discover_instances(NamespaceName=ns_name, ServiceName=svc_name, **kwargs)
    return sorted(i["InstanceId"] for i in resp.get("Instances", []))


def list_all_instances(sd, service_id: str) -> list[dict]:
    out: list[dict] = []
    token = None
    while True:
        kwargs: dict = {"ServiceId": service_id, "MaxResults": 100}
        if token:
            kwargs["NextToken"] = token
        resp = sd.list_instances(**kwargs)
        out.extend(resp.get("Instances", []))
        token = resp.get("NextToken")
        if not token:
            return out


def sleep_until(t: float) -> None:
    delay = t - time.monotonic()
    if delay > 0:
        time.sleep(delay)


# --------------------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------------------
def section_session() -> None:
    """A full session, mostly with awscli: namespace, service, register, operations, reads, discovery, cleanup."""
    configure(operationSubmittedSeconds=0.1, operationPendingSeconds=0.2, propagationDelaySeconds=0)
    cli = AwsCli()
    cli_data = AwsCli(proxy=True)
    sd = control()
    ns_name = unique("conf-session")

    out = cli.ok("create-http-namespace", "create-http-namespace", "--name", ns_name, "--description", "conformance")
    op_id = (out or {}).get("OperationId")
    check("create-http-namespace.operation-id", isinstance(op_id, str) and len(op_id) > 0, "OperationId", out)
    if not op_id:
        return
    wait_operation(op_id, sd)
    out = cli.ok("get-operation", "get-operation", "--operation-id", op_id) or {}
    op = out.get("Operation") or {}
    eq("get-operation.status", op.get("Status"), "SUCCESS")
    eq("get-operation.type", op.get("Type"), "CREATE_NAMESPACE")
    eq("get-operation.id", op.get("Id"), op_id)
    # awscli v1 prints timestamps as received: the wire format is epoch seconds (a JSON number).
    check("get-operation.dates", isinstance(op.get("CreateDate"), (int, float)) and isinstance(op.get("UpdateDate"), (int, float))
          and op["UpdateDate"] >= op["CreateDate"], "CreateDate <= UpdateDate, epoch numbers", op)
    ns_id = (op.get("Targets") or {}).get("NAMESPACE")
    check("get-operation.target", isinstance(ns_id, str) and ns_id.startswith("ns-"), "Targets.NAMESPACE ns-...", op)
    if not ns_id:
        return

    out = cli.ok("get-namespace", "get-namespace", "--id", ns_id) or {}
    ns = out.get("Namespace", {})
    eq("get-namespace.name", ns.get("Name"), ns_name)
    eq("get-namespace.type", ns.get("Type"), "HTTP")
    eq("get-namespace.description", ns.get("Description"), "conformance")
    eq("get-namespace.http-name", ns.get("Properties", {}).get("HttpProperties", {}).get("HttpName"), ns_name)
    check("get-namespace.arn", re.fullmatch(rf"arn:aws:servicediscovery:{Env.region}:\d{{12}}:namespace/{ns_id}", str(ns.get("Arn"))),
          f"arn:aws:servicediscovery:{Env.region}:<account>:namespace/{ns_id}", ns.get("Arn"))
    check("get-namespace.create-date", isinstance(ns.get("CreateDate"), (int, float)), "epoch number", ns.get("CreateDate"))

    out = cli.ok("list-namespaces", "list-namespaces") or {}
    check("list-namespaces.contains", any(n.get("Id") == ns_id and n.get("Name") == ns_name for n in out.get("Namespaces", [])),
          f"summary with Id {ns_id}", out)

    svc_name = unique("web")
    out = cli.ok("create-service", "create-service", "--name", svc_name, "--namespace-id", ns_id,
                 "--health-check-custom-config", "{}", "--description", "conformance service") or {}
    svc = out.get("Service", {})
    svc_id = svc.get("Id")
    check("create-service.id", isinstance(svc_id, str) and re.fullmatch(r"srv-[a-z0-9]+", svc_id or "") is not None, "srv-...", svc_id)
    eq("create-service.name", svc.get("Name"), svc_name)
    eq("create-service.namespace-id", svc.get("NamespaceId"), ns_id)
    eq("create-service.type", svc.get("Type"), "HTTP")
    check("create-service.custom-health", "HealthCheckCustomConfig" in svc, "HealthCheckCustomConfig present", svc)
    check("create-service.arn", re.fullmatch(rf"arn:aws:servicediscovery:{Env.region}:\d{{12}}:service/{svc_id}", str(svc.get("Arn"))),
          f"arn:aws:servicediscovery:{Env.region}:<account>:service/{svc_id}", svc.get("Arn"))
    if not svc_id:
        return

    out = cli.ok("get-service", "get-service", "--id", svc_id) or {}
    eq("get-service.name", out.get("Service", {}).get("Name"), svc_name)
    eq("get-service.description", out.get("Service", {}).get("Description"), "conformance service")
    if svc.get("Arn"):
        got = expect_ok("get-service-by-arn", sd.get_service, Id=svc["Arn"]) or {}
        eq("get-service-by-arn.id", got.get("Service", {}).get("Id"), svc_id)

    out = cli.ok("list-services", "list-services", "--filters", f"Name=NAMESPACE_ID,Values={ns_id},Condition=EQ") or {}
    eq("list-services.filtered", [s.get("Id") for s in out.get("Services", [])], [svc_id])

    attrs1 = {"AWS_INSTANCE_IPV4": "10.0.0.1", "AWS_INSTANCE_PORT": "8080", "color": "blue"}
    attrs2 = {"AWS_INSTANCE_IPV4": "10.0.0.2", "AWS_INSTANCE_PORT": "8080", "color": "green", "AWS_INIT_HEALTH_STATUS": "UNHEALTHY"}
    ops = {}
    for iid, attrs in (("i-1", attrs1), ("i-2", attrs2)):
        out = cli.ok(f"register-instance.{iid}", "register-instance", "--service-id", svc_id, "--instance-id", iid,
                     "--attributes", json.dumps(attrs)) or {}
        ops[iid] = out.get("OperationId")
    wait_success("register-instance.i-2.status", ops.get("i-2"), sd)
    wait_operation(str(ops.get("i-1")), sd)
    out = cli.ok("get-operation.register", "get-operation", "--operation-id", str(ops.get("i-1"))) or {}
    op = out.get("Operation") or {}
    eq("register-instance.i-1.status", op.get("Status"), "SUCCESS")
    eq("register-instance.i-1.type", op.get("Type"), "REGISTER_INSTANCE")
    has("register-instance.i-1.targets", op.get("Targets"), {"INSTANCE": "i-1", "SERVICE": svc_id})

    out = cli.ok("get-instance", "get-instance", "--service-id", svc_id, "--instance-id", "i-1") or {}
    inst = out.get("Instance", {})
    eq("get-instance.id", inst.get("Id"), "i-1")
    eq("get-instance.attributes", inst.get("Attributes"), attrs1)
    check("get-instance.no-health", "HealthStatus" not in inst, "no HealthStatus in Instance", inst)

    out = cli.ok("list-instances", "list-instances", "--service-id", svc_id) or {}
    got = {i.get("Id"): i.get("Attributes") for i in out.get("Instances", [])}
    eq("list-instances.instances", got, {"i-1": attrs1, "i-2": attrs2})

    out = cli.ok("get-instances-health-status", "get-instances-health-status", "--service-id", svc_id) or {}
    eq("get-instances-health-status.status", out.get("Status"), {"i-1": "HEALTHY", "i-2": "UNHEALTHY"})

    out = cli_data.ok("discover-instances.default", "discover-instances", "--namespace-name", ns_name, "--service-name", svc_name) or {}
    insts = out.get("Instances", [])
    eq("discover-instances.default.ids", sorted(i.get("InstanceId") for i in insts), ["i-1"])
    if insts:
        eq("discover-instances.default.summary", insts[0], {"InstanceId": "i-1", "NamespaceName": ns_name, "ServiceName": svc_name,
                                                            "HealthStatus": "HEALTHY", "Attributes": attrs1})
    revision = out.get("InstancesRevision")
    check("discover-instances.default.revision", isinstance(revision, int), "integer InstancesRevision", out)
    out = cli_data.ok("discover-instances-revision", "discover-instances-revision", "--namespace-name", ns_name,
                      "--service-name", svc_name) or {}
    eq("discover-instances-revision.matches", out.get("InstancesRevision"), revision)
    dsd = data()
    resp = dsd.discover_instances(NamespaceName=ns_name, ServiceName=svc_name, HealthStatus="ALL")
    eq("discover-instances.all.health", {i.get("InstanceId"): i.get("HealthStatus") for i in resp.get("Instances", [])},
       {"i-1": "HEALTHY", "i-2": "UNHEALTHY"})
    eq("discover-instances.query-parameters", discover_ids(dsd, ns_name, svc_name, HealthStatus="ALL",
                                                           QueryParameters={"color": "green"}), ["i-2"])

    rc, out, err = cli.run("update-instance-custom-health-status", "--service-id", svc_id, "--instance-id", "i-2", "--status", "HEALTHY")
    check("update-instance-custom-health-status", rc == 0 and not out, "exit 0 and empty output", f"exit {rc} {out!r} {err!r}")

    cli.error("get-instance.unknown", "InstanceNotFound", "get-instance", "--service-id", svc_id, "--instance-id", "nope")
    cli.error("delete-service.in-use", "ResourceInUse", "delete-service", "--id", svc_id)
    expect_error("get-service.unknown", "ServiceNotFound", sd.get_service, Id="srv-0000000000000000")
    expect_error("create-service.duplicate", "ServiceAlreadyExists", sd.create_service, Name=svc_name, NamespaceId=ns_id)
    expect_error("delete-namespace.in-use", "ResourceInUse", sd.delete_namespace, Id=ns_id)

    dereg = {}
    for iid in ("i-1", "i-2"):
        out = cli.ok(f"deregister-instance.{iid}", "deregister-instance", "--service-id", svc_id, "--instance-id", iid) or {}
        dereg[iid] = out.get("OperationId")
    for iid, op_id in dereg.items():
        op = wait_success(f"deregister-instance.{iid}.status", op_id, sd) or {}
        eq(f"deregister-instance.{iid}.type", op.get("Type"), "DEREGISTER_INSTANCE")
    cli.error("get-instance.deregistered", "InstanceNotFound", "get-instance", "--service-id", svc_id, "--instance-id", "i-1")
    resp = dsd.discover_instances(NamespaceName=ns_name, ServiceName=svc_name, HealthStatus="ALL")
    eq("discover-instances.after-deregister.empty", resp.get("Instances"), [])
    check("discover-instances.after-deregister.revision-changed", resp.get("InstancesRevision") != revision,
          f"a revision other than {revision}", resp.get("InstancesRevision"))

    rc, out, err = cli.run("delete-service", "--id", svc_id)
    check("delete-service", rc == 0, "exit 0", f"exit {rc} {err!r}")
    expect_error("get-service.deleted", "ServiceNotFound", sd.get_service, Id=svc_id)
    out = cli.ok("delete-namespace", "delete-namespace", "--id", ns_id) or {}
    op = wait_success("delete-namespace.status", out.get("OperationId"), sd)
    eq("delete-namespace.type", (op or {}).get("Type"), "DELETE_NAMESPACE")
    cli.error("get-namespace.deleted", "NamespaceNotFound", "get-namespace", "--id", ns_id)


def section_registration() -> None:
    """RegisterInstance is an upsert; reads, paging and not-found errors (boto3)."""
    fast_operations()
    sd = control()
    ns_id, ns_name = new_http_namespace(sd, "conf-reg")
    svc_id, svc_name = new_service(sd, ns_id, "api", health=None)

    op_id = register(sd, svc_id, "r1", {"a": "1", "b": "2"}, CreatorRequestId="creator-r1")
    op = wait_success("register.first", op_id)
    has("register.first.targets", (op or {}).get("Targets"), {"INSTANCE": "r1", "SERVICE": svc_id})
    check("register.first.dates", isinstance((op or {}).get("CreateDate"), datetime.datetime)
          and isinstance((op or {}).get("UpdateDate"), datetime.datetime)
          and op["UpdateDate"] >= op["CreateDate"], "CreateDate <= UpdateDate (timestamps)", op)
    inst = sd.get_instance(ServiceId=svc_id, InstanceId="r1")["Instance"]
    eq("get-instance.attributes", inst.get("Attributes"), {"a": "1", "b": "2"})
    eq("get-instance.creator-request-id", inst.get("CreatorRequestId"), "creator-r1")

    wait_success("register.upsert", register(sd, svc_id, "r1", {"a": "9", "c": "3"}))
    inst = sd.get_instance(ServiceId=svc_id, InstanceId="r1")["Instance"]
    eq("register.upsert.attributes-replaced", inst.get("Attributes"), {"a": "9", "c": "3"})
    listed = [i["Id"] for i in list_all_instances(sd, svc_id)]
    eq("register.upsert.no-duplicate", listed, ["r1"])

    register_and_wait(sd, svc_id, "r2", {"a": "2"})
    register_and_wait(sd, svc_id, "r3", {"a": "3"})
    page1 = sd.list_instances(ServiceId=svc_id, MaxResults=2)
    check("list-instances.page1", len(page1.get("Instances", [])) == 2 and bool(page1.get("NextToken")),
          "2 instances and a NextToken", page1.get("Instances"))
    if page1.get("NextToken"):
        page2 = sd.list_instances(ServiceId=svc_id, MaxResults=2, NextToken=page1["NextToken"])
        ids = sorted([i["Id"] for i in page1["Instances"]] + [i["Id"] for i in page2.get("Instances", [])])
        eq("list-instances.page2", ids, ["r1", "r2", "r3"])
        check("list-instances.last-page", not page2.get("NextToken"), "no NextToken on the last page", page2.get("NextToken"))
    eq("get-service.instance-count", sd.get_service(Id=svc_id)["Service"].get("InstanceCount"), 3)
    eq("get-namespace.service-count", sd.get_namespace(Id=ns_id)["Namespace"].get("ServiceCount"), 1)

    expect_error("get-instance.unknown-instance", "InstanceNotFound", sd.get_instance, ServiceId=svc_id, InstanceId="zz")
    expect_error("get-instance.unknown-service", "ServiceNotFound", sd.get_instance, ServiceId="srv-0000000000000000", InstanceId="r1")
    expect_error("register.unknown-service", "ServiceNotFound", sd.register_instance, ServiceId="srv-0000000000000000",
                 InstanceId="r1", Attributes={"a": "1"})
    expect_error("deregister.unknown-instance", "InstanceNotFound", sd.deregister_instance, ServiceId=svc_id, InstanceId="zz")
    expect_error("deregister.unknown-service", "ServiceNotFound", sd.deregister_instance, ServiceId="srv-0000000000000000", InstanceId="r1")
    expect_error("list-instances.unknown-service", "ServiceNotFound", sd.list_instances, ServiceId="srv-0000000000000000")
    expect_error("get-instances-health-status.unknown-service", "ServiceNotFound", sd.get_instances_health_status,
                 ServiceId="srv-0000000000000000")
    expect_error("create-service.unknown-namespace", "NamespaceNotFound", sd.create_service, Name=unique("x"),
                 NamespaceId="ns-0000000000000000")
    expect_error("create-http-namespace.duplicate", "NamespaceAlreadyExists", sd.create_http_namespace, Name=ns_name)
    expect_error("get-namespace.unknown", "NamespaceNotFound", sd.get_namespace, Id="ns-0000000000000000")

    for iid in ("r1", "r2", "r3"):
        deregister_and_wait(sd, svc_id, iid)
    eq("deregister.all-gone", list_all_instances(sd, svc_id), [])
    sd.delete_service(Id=svc_id)
    wait_success("delete-namespace", sd.delete_namespace(Id=ns_id)["OperationId"])


def section_validation() -> None:
    """RegisterInstance input validation with the real error code (InvalidInput)."""
    fast_operations()
    sd = control()
    ns_id, _ = new_http_namespace(sd, "conf-val")
    svc_id, _ = new_service(sd, ns_id, "val", health="custom")

    def bad(name: str, instance_id: str, attributes: dict, service_id: str | None = None) -> None:
        expect_error(name, "InvalidInput", sd.register_instance, ServiceId=service_id or svc_id,
                     InstanceId=instance_id, Attributes=attributes)

    def good(name: str, instance_id: str, attributes: dict, service_id: str | None = None) -> None:
        try:
            op_id = sd.register_instance(ServiceId=service_id or svc_id, InstanceId=instance_id, Attributes=attributes)["OperationId"]
        except Exception as exc:  # noqa: BLE001
            fail(name, f"expected success got {error_code(exc) or type(exc).__name__}: {exc}")
            return
        wait_success(name, op_id, sd)

    # Instance id: 1-64 chars of [0-9a-zA-Z_/:.@-].
    good("instance-id.64-chars", "a" * 64, {"k": "v"})
    good("instance-id.all-allowed-chars", "aZ09_/:.@-", {"k": "v"})
    bad("instance-id.65-chars", "a" * 65, {"k": "v"})
    bad("instance-id.space", "bad id", {"k": "v"})
    bad("instance-id.hash", "bad#id", {"k": "v"})
    bad("instance-id.empty", "", {"k": "v"})
    # Attribute keys: <= 255 chars of [a-zA-Z0-9!-~].
    good("attribute-key.255-chars", "k1", {"k" * 255: "v"})
    bad("attribute-key.256-chars", "k2", {"k" * 256: "v"})
    bad("attribute-key.space", "k3", {"bad key": "v"})
    bad("attribute-key.non-ascii", "k4", {"cl\u00e9": "v"})
    bad("attribute-key.empty", "k5", {"": "v"})
    # Attribute values: <= 1024 printable ASCII, inner spaces/tabs allowed, no leading/trailing blank.
    good("attribute-value.1024-chars", "v1", {"k": "v" * 1024})
    good("attribute-value.inner-space-and-tab", "v2", {"k": "a b\tc"})
    good("attribute-value.empty", "v3", {"k": ""})
    bad("attribute-value.1025-chars", "v4", {"k": "v" * 1025})
    bad("attribute-value.leading-space", "v5", {"k": " v"})
    bad("attribute-value.non-ascii", "v6", {"k": "caf\u00e9"})
    bad("attribute-value.newline", "v7", {"k": "a\nb"})
    # Count: at most 30 custom attributes (reserved AWS_* keys are not custom).
    thirty = {f"c{n}": "v" for n in range(30)}
    good("attribute-count.30-custom", "n1", thirty)
    good("attribute-count.30-custom-plus-reserved", "n2", {**thirty, "AWS_INSTANCE_IPV4": "10.0.0.1", "AWS_INSTANCE_PORT": "80"})
    bad("attribute-count.31-custom", "n3", {f"c{n}": "v" for n in range(31)})
    # Total size: keys + values <= 5000 characters.
    good("attribute-size.5000", "s1", {f"k{n}": "v" * 998 for n in range(5)})
    bad("attribute-size.5001", "s2", {**{f"k{n}": "v" * 998 for n in range(4)}, "k4": "v" * 999})
    # Reserved attributes on an HTTP namespace with custom health.
    bad("init-health-status.invalid-value", "h1", {"AWS_INIT_HEALTH_STATUS": "MAYBE"})
    good("init-health-status.unhealthy", "h2", {"AWS_INIT_HEALTH_STATUS": "UNHEALTHY"})
    bad("ec2-instance-id.with-other-attributes", "e1", {"AWS_EC2_INSTANCE_ID": "i-0123456789abcdef0", "color": "red"})
    bad("ec2-instance-id.with-ipv4", "e2", {"AWS_EC2_INSTANCE_ID": "i-0123456789abcdef0", "AWS_INSTANCE_IPV4": "10.0.0.1"})
    # Nothing invalid was stored.
    ids = sorted(i["Id"] for i in list_all_instances(sd, svc_id))
    eq("invalid-not-stored", ids, sorted(["a" * 64, "aZ09_/:.@-", "k1", "v1", "v2", "v3", "n1", "n2", "s1", "h2"]))

    # Reserved attributes per DNS record type (private DNS namespace).
    dns_name = unique("conf-val") + ".local"
    op_id = sd.create_private_dns_namespace(Name=dns_name, Vpc="vpc-0123456789abcdef0")["OperationId"]
    op = wait_success("dns.create-private-dns-namespace", op_id, sd)
    dns_ns = ((op or {}).get("Targets") or {}).get("NAMESPACE")
    if not dns_ns:
        return

    def dns_service(records: list[str], routing: str = "MULTIVALUE") -> str:
        return sd.create_service(Name=unique("d"), NamespaceId=dns_ns, DnsConfig={
            "RoutingPolicy": routing, "DnsRecords": [{"Type": t, "TTL": 60} for t in records]})["Service"]["Id"]

    a_svc = dns_service(["A"])
    svc = sd.get_service(Id=a_svc)["Service"]
    eq("dns.service-type", svc.get("Type"), "DNS_HTTP")
    bad("dns.a.missing-ipv4", "d1", {"AWS_INSTANCE_PORT": "80"}, a_svc)
    good("dns.a.ipv4", "d2", {"AWS_INSTANCE_IPV4": "10.0.0.1"}, a_svc)
    bad("dns.a.ec2-instance-id-http-only", "d3", {"AWS_EC2_INSTANCE_ID": "i-0123456789abcdef0"}, a_svc)
    aaaa_svc = dns_service(["AAAA"])
    bad("dns.aaaa.missing-ipv6", "d4", {"AWS_INSTANCE_IPV4": "10.0.0.1"}, aaaa_svc)
    good("dns.aaaa.ipv6", "d5", {"AWS_INSTANCE_IPV6": "2001:db8::1"}, aaaa_svc)
    srv_svc = dns_service(["SRV"])
    bad("dns.srv.missing-port", "d6", {"AWS_INSTANCE_IPV4": "10.0.0.1"}, srv_svc)
    bad("dns.srv.missing-address", "d7", {"AWS_INSTANCE_PORT": "80"}, srv_svc)
    good("dns.srv.ipv4-and-port", "d8", {"AWS_INSTANCE_IPV4": "10.0.0.1", "AWS_INSTANCE_PORT": "80"}, srv_svc)
    good("dns.srv.ipv6-and-port", "d9", {"AWS_INSTANCE_IPV6": "2001:db8::1", "AWS_INSTANCE_PORT": "80"}, srv_svc)
    cname_svc = dns_service(["CNAME"], routing="WEIGHTED")
    bad("dns.cname.missing-cname", "d10", {"AWS_INSTANCE_IPV4": "10.0.0.1"}, cname_svc)
    good("dns.cname.cname", "d11", {"AWS_INSTANCE_CNAME": "example.com"}, cname_svc)
    # AWS_ALIAS_DNS_NAME: A/AAAA records with WEIGHTED routing only, and never with AWS_INSTANCE_* attributes.
    weighted_a = dns_service(["A"], routing="WEIGHTED")
    good("dns.alias.weighted-a", "d13", {"AWS_ALIAS_DNS_NAME": "my-lb-123.us-east-1.elb.amazonaws.com"}, weighted_a)
    bad("dns.alias.with-instance-ipv4", "d14", {"AWS_ALIAS_DNS_NAME": "my-lb-123.us-east-1.elb.amazonaws.com",
                                               "AWS_INSTANCE_IPV4": "10.0.0.1"}, weighted_a)
    bad("dns.alias.multivalue", "d15", {"AWS_ALIAS_DNS_NAME": "my-lb-123.us-east-1.elb.amazonaws.com"}, a_svc)
    bad("dns.alias.srv-service", "d16", {"AWS_ALIAS_DNS_NAME": "my-lb-123.us-east-1.elb.amazonaws.com"}, srv_svc)
    # AWS_INSTANCE_PORT is required with a Route 53 health check.
    r53_svc = sd.create_service(Name=unique("r53"), NamespaceId=ns_id,
                                HealthCheckConfig={"Type": "HTTP", "ResourcePath": "/health"})["Service"]["Id"]
    bad("route53-health.missing-port", "r1", {"AWS_INSTANCE_IPV4": "192.0.2.1"}, r53_svc)
    good("route53-health.port", "r2", {"AWS_INSTANCE_IPV4": "192.0.2.1", "AWS_INSTANCE_PORT": "80"}, r53_svc)
    bad("dns.a.init-health-without-custom-config", "d12",
        {"AWS_INSTANCE_IPV4": "10.0.0.1", "AWS_INIT_HEALTH_STATUS": "MAYBE"}, a_svc)


def section_limits() -> None:
    """1000 instances per service: the 1001st fails with ResourceLimitExceeded; updating one still works."""
    fast_operations()
    sd = control()
    ns_id, _ = new_http_namespace(sd, "conf-limit")
    svc_id, _ = new_service(sd, ns_id, "many", health=None)
    ids = [f"inst-{n:04d}" for n in range(1000)]
    errors: list[str] = []

    def reg(iid: str) -> str | None:
        try:
            return register(sd, svc_id, iid, {"n": iid})
        except Exception as exc:  # noqa: BLE001
            errors.append(f"{iid}: {error_code(exc) or exc}")
            return None

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        op_ids = list(pool.map(reg, ids))
    check("register-1000.accepted", not errors, "all 1000 accepted", errors[:5])
    deadline = time.monotonic() + 30
    count = 0
    while time.monotonic() < deadline:
        count = len(list_all_instances(sd, svc_id))
        if count >= 1000:
            break
        time.sleep(0.2)
    eq("register-1000.listed", count, 1000)
    print(f"  (registered 1000 instances in {time.monotonic() - started:.1f}s)", flush=True)
    # Let the last operations finish so none is in progress for the ids used below.
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(lambda o: wait_operation(o, sd)[0] if o else None, op_ids[-20:]))
    check("register-1000.operations", all(s and s.get("Status") == "SUCCESS" for s in statuses), "SUCCESS", statuses[:2])

    expect_error("register-1001.resource-limit-exceeded", "ResourceLimitExceeded", sd.register_instance,
                 ServiceId=svc_id, InstanceId="inst-1000", Attributes={"n": "x"})
    try:
        op_id = register(sd, svc_id, "inst-0000", {"n": "updated"})
        wait_success("register-existing-at-limit", op_id, sd)
    except Exception as exc:  # noqa: BLE001
        fail("register-existing-at-limit", f"expected success (update, not a new instance) got {error_code(exc)}: {exc}")
    discovered = sd.discover_instances(NamespaceName=sd.get_namespace(Id=ns_id)["Namespace"]["Properties"]["HttpProperties"]["HttpName"],
                                       ServiceName=sd.get_service(Id=svc_id)["Service"]["Name"])
    eq("discover.default-max-results-100", len(discovered.get("Instances", [])), 100)
    deregister_and_wait(sd, svc_id, "inst-0001")
    try:
        wait_success("register-after-deregister", register(sd, svc_id, "inst-1000", {"n": "x"}), sd)
    except Exception as exc:  # noqa: BLE001
        fail("register-after-deregister", f"expected success got {error_code(exc)}: {exc}")


def section_operations() -> None:
    """GetOperation shape and states, OperationNotFound, DuplicateRequest with the operation id."""
    sd = control()
    fast_operations()
    ns_id, _ = new_http_namespace(sd, "conf-ops")
    svc_id, _ = new_service(sd, ns_id, "ops", health=None)
    expect_error("get-operation.unknown", "OperationNotFound", sd.get_operation, OperationId="0" * 32 + "-00000000")

    # A slow schedule so every state can be observed: SUBMITTED, then PENDING, then SUCCESS.
    if configure(operationSubmittedSeconds=0.4, operationPendingSeconds=0.4, propagationDelaySeconds=0):
        op_id = register(sd, svc_id, "o1", {"k": "v"})
        op, seen = wait_operation(op_id, sd, interval=0.05)
        eq("states.sequence", seen, ["SUBMITTED", "PENDING", "SUCCESS"])

        # One RegisterInstance must complete before another for the same instance: DuplicateRequest.
        first = register(sd, svc_id, "o2", {"k": "1"})
        resp = expect_error("duplicate-request.code", "DuplicateRequest", sd.register_instance,
                            ServiceId=svc_id, InstanceId="o2", Attributes={"k": "2"})
        eq("duplicate-request.operation-id", (resp or {}).get("DuplicateOperationId"), first)
        wait_success("duplicate-request.first-completes", first, sd)
        eq("duplicate-request.first-wins", sd.get_instance(ServiceId=svc_id, InstanceId="o2")["Instance"]["Attributes"], {"k": "1"})
        # Other instances of the same service are independent.
        other = expect_ok("duplicate-request.other-instance-ok", register, sd, svc_id, "o2b", {"k": "v"})

        # Concurrent registrations of the same id: one wins, the other names its operation.
        barrier = threading.Barrier(2)

        def racer(value: str) -> tuple[str, object]:
            barrier.wait()
            try:
                return "ok", register(sd, svc_id, "o3", {"k": value})
            except botocore.exceptions.ClientError as exc:
                return "error", exc.response

        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(racer, ["a", "b"]))
        oks = [r[1] for r in results if r[0] == "ok"]
        errs = [r[1] for r in results if r[0] == "error"]
        check("concurrent.one-wins", len(oks) == 1 and len(errs) == 1, "one OperationId and one DuplicateRequest", results)
        if len(oks) == 1 and len(errs) == 1:
            err = errs[0]
            eq("concurrent.code", err.get("Error", {}).get("Code"), "DuplicateRequest")
            eq("concurrent.operation-id", err.get("DuplicateOperationId"), oks[0])
            wait_success("concurrent.completes", oks[0], sd)
        # Deregistering while a registration is in progress is also a duplicate request.
        pending = register(sd, svc_id, "o4", {"k": "v"})
        resp = expect_error("deregister-during-register.code", "DuplicateRequest", sd.deregister_instance, ServiceId=svc_id, InstanceId="o4")
        eq("deregister-during-register.operation-id", (resp or {}).get("DuplicateOperationId"), pending)
        wait_success("deregister-during-register.completes", pending, sd)
        if other:
            wait_operation(other, sd)

    # Propagation window: after SUCCESS a new instance still answers InstanceNotFound for a while.
    if configure(operationSubmittedSeconds=0, operationPendingSeconds=0, propagationDelaySeconds=1.0):
        dsd = data()
        ns_name = sd.get_namespace(Id=ns_id)["Namespace"]["Properties"]["HttpProperties"]["HttpName"]
        svc_name = sd.get_service(Id=svc_id)["Service"]["Name"]
        wait_success("propagation.register", register(sd, svc_id, "late", {"k": "v"}), sd)
        registered = time.monotonic()
        expect_error("propagation.get-instance-not-found", "InstanceNotFound", sd.get_instance, ServiceId=svc_id, InstanceId="late")
        check("propagation.not-discovered", "late" not in discover_ids(dsd, ns_name, svc_name, HealthStatus="ALL"),
              "'late' not discovered yet", "discovered")
        sleep_until(registered + 1.3)
        expect_ok("propagation.get-instance-later", sd.get_instance, ServiceId=svc_id, InstanceId="late")
        check("propagation.discovered-later", "late" in discover_ids(dsd, ns_name, svc_name, HealthStatus="ALL"),
              "'late' discovered", "not discovered")
    fast_operations()

    # An operation can end in FAIL (emulator fault injection): ErrorCode and ErrorMessage set, nothing registered.
    fault = {"type": "script", "operation": "RegisterInstance", "fault": "failOperation", "errorCode": "INTERNAL_FAILURE", "count": 1}
    status, _, body = raw("POST", "/_emulator/faults", json.dumps(fault).encode(), {"Content-Type": "application/json"})
    if check("admin.fail-operation-fault", 200 <= status < 300, "2xx from POST /_emulator/faults", f"{status} {body[:200]!r}"):
        try:
            op, seen = wait_operation(register(sd, svc_id, "doomed", {"k": "v"}), sd)
            eq("fail.status", (op or {}).get("Status"), "FAIL")
            check("fail.error", bool((op or {}).get("ErrorCode")) and bool((op or {}).get("ErrorMessage")),
                  "ErrorCode and ErrorMessage", op)
            expect_error("fail.instance-not-created", "InstanceNotFound", sd.get_instance, ServiceId=svc_id, InstanceId="doomed")
        finally:
            raw("DELETE", "/_emulator/faults", None, {})

    # Operation shape.
    op_id = register(sd, svc_id, "o5", {"k": "v"})
    op = wait_success("shape.success", op_id, sd) or {}
    eq("shape.id", op.get("Id"), op_id)
    eq("shape.type", op.get("Type"), "REGISTER_INSTANCE")
    has("shape.targets", op.get("Targets"), {"INSTANCE": "o5", "SERVICE": svc_id})
    check("shape.no-error", "ErrorCode" not in op and "ErrorMessage" not in op, "no ErrorCode/ErrorMessage on SUCCESS", op)
    status, _, body = raw_call("GetOperation", {"OperationId": op_id})
    opj = (body or {}).get("Operation", {}) if isinstance(body, dict) else {}
    check("shape.epoch-timestamps", isinstance(opj.get("CreateDate"), (int, float)) and isinstance(opj.get("UpdateDate"), (int, float)),
          "CreateDate/UpdateDate as JSON numbers (epoch seconds)", opj)
    op = wait_success("deregister.success", sd.deregister_instance(ServiceId=svc_id, InstanceId="o5")["OperationId"], sd) or {}
    eq("deregister.type", op.get("Type"), "DEREGISTER_INSTANCE")
    # Filtering may apply after paging (an empty page can still carry a NextToken): follow every page.
    ops = [o for page in sd.get_paginator("list_operations").paginate(
        Filters=[{"Name": "SERVICE_ID", "Values": [svc_id], "Condition": "EQ"}]) for o in page.get("Operations", [])]
    check("list-operations.contains", any(o.get("Id") == op_id for o in ops), f"an OperationSummary with Id {op_id}", ops[:3])


def section_health() -> None:
    """Custom health: AWS_INIT_HEALTH_STATUS, the delay (first request starts the clock, flip back cancels),
    CustomHealthNotFound, UNKNOWN without a health check, revision unchanged by health."""
    fast_operations()
    configure(healthChangeDelaySeconds=Env.health_delay)
    sd = control()
    dsd = data()
    d = Env.health_delay
    ns_id, ns_name = new_http_namespace(sd, "conf-health")
    svc_id, svc_name = new_service(sd, ns_id, "custom", health="custom")
    plain_id, plain_name = new_service(sd, ns_id, "plain", health=None)

    register_and_wait(sd, svc_id, "steady", {"role": "x"})
    register_and_wait(sd, svc_id, "down", {"role": "x"})
    register_and_wait(sd, svc_id, "flap", {"role": "x"})
    register_and_wait(sd, svc_id, "born-sick", {"AWS_INIT_HEALTH_STATUS": "UNHEALTHY"})
    register_and_wait(sd, svc_id, "born-well", {"AWS_INIT_HEALTH_STATUS": "HEALTHY"})
    register_and_wait(sd, plain_id, "p1", {"role": "x"})

    eq("initial", health_map(sd, svc_id), {"steady": "HEALTHY", "down": "HEALTHY", "flap": "HEALTHY",
                                           "born-sick": "UNHEALTHY", "born-well": "HEALTHY"})
    eq("initial.subset", health_map(sd, svc_id, ["down", "born-sick"]), {"down": "HEALTHY", "born-sick": "UNHEALTHY"})
    eq("no-health-check.unknown", health_map(sd, plain_id), {"p1": "UNKNOWN"})
    revision = dsd.discover_instances_revision(NamespaceName=ns_name, ServiceName=svc_name).get("InstancesRevision")

    # t0: the first request starts the clock.
    t0 = time.monotonic()
    sd.update_instance_custom_health_status(ServiceId=svc_id, InstanceId="down", Status="UNHEALTHY")
    sd.update_instance_custom_health_status(ServiceId=svc_id, InstanceId="flap", Status="UNHEALTHY")
    sd.update_instance_custom_health_status(ServiceId=svc_id, InstanceId="born-sick", Status="HEALTHY")
    sd.update_instance_custom_health_status(ServiceId=svc_id, InstanceId="steady", Status="HEALTHY")
    eq("delay.not-yet", health_map(sd, svc_id), {"steady": "HEALTHY", "down": "HEALTHY", "flap": "HEALTHY",
                                                 "born-sick": "UNHEALTHY", "born-well": "HEALTHY"})
    eq("delay.not-yet.discover", discover_ids(dsd, ns_name, svc_name), ["born-well", "down", "flap", "steady"])
    # t0 + d/2: repeating the same value does not restart (or speed up) the clock; flipping back cancels.
    sleep_until(t0 + d / 2)
    sd.update_instance_custom_health_status(ServiceId=svc_id, InstanceId="down", Status="UNHEALTHY")
    sd.update_instance_custom_health_status(ServiceId=svc_id, InstanceId="flap", Status="HEALTHY")
    eq("delay.half-way", health_map(sd, svc_id, ["down", "flap", "born-sick"]),
       {"down": "HEALTHY", "flap": "HEALTHY", "born-sick": "UNHEALTHY"})
    # t0 + d + margin (margin < d/2, so a clock restarted at d/2 would not have fired yet).
    sleep_until(t0 + d + min(0.6, d / 4))
    eq("delay.applied", health_map(sd, svc_id), {"steady": "HEALTHY", "down": "UNHEALTHY", "flap": "HEALTHY",
                                                 "born-sick": "HEALTHY", "born-well": "HEALTHY"})
    eq("delay.applied.discover-healthy", discover_ids(dsd, ns_name, svc_name, HealthStatus="HEALTHY"),
       ["born-sick", "born-well", "flap", "steady"])
    eq("delay.applied.discover-unhealthy", discover_ids(dsd, ns_name, svc_name, HealthStatus="UNHEALTHY"), ["down"])
    eq("revision.unchanged-by-health", dsd.discover_instances_revision(NamespaceName=ns_name, ServiceName=svc_name)
       .get("InstancesRevision"), revision)
    # The flip-back cancelled the change for good (nothing fires later).
    sleep_until(t0 + 1.5 * d + 0.3)
    eq("flip-back.stays-healthy", health_map(sd, svc_id, ["flap"]), {"flap": "HEALTHY"})
    eq("flip-back.discover-all", discover_ids(dsd, ns_name, svc_name, HealthStatus="ALL"),
       ["born-sick", "born-well", "down", "flap", "steady"])

    # Errors.
    expect_error("custom-health-not-found", "CustomHealthNotFound", sd.update_instance_custom_health_status,
                 ServiceId=plain_id, InstanceId="p1", Status="UNHEALTHY")
    expect_error("update.unknown-instance", "InstanceNotFound", sd.update_instance_custom_health_status,
                 ServiceId=svc_id, InstanceId="ghost", Status="UNHEALTHY")
    expect_error("update.unknown-service", "ServiceNotFound", sd.update_instance_custom_health_status,
                 ServiceId="srv-0000000000000000", InstanceId="steady", Status="UNHEALTHY")
    expect_error("update.invalid-status", "InvalidInput", sd.update_instance_custom_health_status,
                 ServiceId=svc_id, InstanceId="steady", Status="UNKNOWN")
    expect_error("get-health.unknown-instance", "InstanceNotFound", sd.get_instances_health_status,
                 ServiceId=svc_id, Instances=["ghost"])
    # A service with a Route 53 health check (HTTP namespaces allow HealthCheckConfig) is not custom either.
    r53_id, _ = new_service(sd, ns_id, "r53", health=None,
                            HealthCheckConfig={"Type": "HTTP", "ResourcePath": "/health", "FailureThreshold": 1})
    register_and_wait(sd, r53_id, "r1", {"AWS_INSTANCE_IPV4": "192.0.2.1", "AWS_INSTANCE_PORT": "80"})
    expect_error("custom-health-not-found.route53", "CustomHealthNotFound", sd.update_instance_custom_health_status,
                 ServiceId=r53_id, InstanceId="r1", Status="UNHEALTHY")
    expect_error("create-service.both-health-configs", "InvalidInput", sd.create_service, Name=unique("both"), NamespaceId=ns_id,
                 HealthCheckConfig={"Type": "HTTP", "ResourcePath": "/"}, HealthCheckCustomConfig={})


def section_discover() -> None:
    """DiscoverInstances health filters, defaults, HEALTHY_OR_ELSE_ALL, parameters, revision (boto3, data- host)."""
    fast_operations()
    sd = control()
    dsd = data()
    ns_id, ns_name = new_http_namespace(sd, "conf-disc")
    mixed_id, mixed = new_service(sd, ns_id, "mixed", health="custom")
    sick_id, sick = new_service(sd, ns_id, "sick", health="custom")
    plain_id, plain = new_service(sd, ns_id, "plain", health=None)

    register_and_wait(sd, mixed_id, "h1", {"az": "a", "v": "1"})
    register_and_wait(sd, mixed_id, "h2", {"az": "b", "v": "2"})
    register_and_wait(sd, mixed_id, "u1", {"az": "a", "v": "1", "AWS_INIT_HEALTH_STATUS": "UNHEALTHY"})
    register_and_wait(sd, sick_id, "s1", {"AWS_INIT_HEALTH_STATUS": "UNHEALTHY"})
    register_and_wait(sd, sick_id, "s2", {"AWS_INIT_HEALTH_STATUS": "UNHEALTHY"})
    register_and_wait(sd, plain_id, "p1", {"az": "a"})
    register_and_wait(sd, plain_id, "p2", {"az": "b"})

    eq("mixed.default-is-healthy", discover_ids(dsd, ns_name, mixed), ["h1", "h2"])
    eq("mixed.healthy", discover_ids(dsd, ns_name, mixed, HealthStatus="HEALTHY"), ["h1", "h2"])
    eq("mixed.unhealthy", discover_ids(dsd, ns_name, mixed, HealthStatus="UNHEALTHY"), ["u1"])
    eq("mixed.all", discover_ids(dsd, ns_name, mixed, HealthStatus="ALL"), ["h1", "h2", "u1"])
    eq("mixed.healthy-or-else-all", discover_ids(dsd, ns_name, mixed, HealthStatus="HEALTHY_OR_ELSE_ALL"), ["h1", "h2"])
    resp = dsd.discover_instances(NamespaceName=ns_name, ServiceName=mixed, HealthStatus="ALL")
    eq("mixed.summaries", sorted(resp.get("Instances", []), key=lambda i: i.get("InstanceId")), [
        {"InstanceId": "h1", "NamespaceName": ns_name, "ServiceName": mixed, "HealthStatus": "HEALTHY", "Attributes": {"az": "a", "v": "1"}},
        {"InstanceId": "h2", "NamespaceName": ns_name, "ServiceName": mixed, "HealthStatus": "HEALTHY", "Attributes": {"az": "b", "v": "2"}},
        {"InstanceId": "u1", "NamespaceName": ns_name, "ServiceName": mixed, "HealthStatus": "UNHEALTHY",
         "Attributes": {"az": "a", "v": "1", "AWS_INIT_HEALTH_STATUS": "UNHEALTHY"}},
    ])

    eq("sick.default", discover_ids(dsd, ns_name, sick), [])
    eq("sick.healthy", discover_ids(dsd, ns_name, sick, HealthStatus="HEALTHY"), [])
    eq("sick.healthy-or-else-all-fails-open", discover_ids(dsd, ns_name, sick, HealthStatus="HEALTHY_OR_ELSE_ALL"), ["s1", "s2"])
    resp = dsd.discover_instances(NamespaceName=ns_name, ServiceName=sick, HealthStatus="HEALTHY_OR_ELSE_ALL")
    eq("sick.fail-open-health", sorted(i.get("HealthStatus") for i in resp.get("Instances", [])), ["UNHEALTHY", "UNHEALTHY"])

    for flt in (None, "HEALTHY", "UNHEALTHY", "ALL", "HEALTHY_OR_ELSE_ALL"):
        kwargs = {"HealthStatus": flt} if flt else {}
        resp = dsd.discover_instances(NamespaceName=ns_name, ServiceName=plain, **kwargs)
        got = sorted((i.get("InstanceId"), i.get("HealthStatus")) for i in resp.get("Instances", []))
        eq(f"no-health-check.{(flt or 'default').lower()}", got, [("p1", "UNKNOWN"), ("p2", "UNKNOWN")])

    eq("query-parameters", discover_ids(dsd, ns_name, mixed, QueryParameters={"az": "a"}), ["h1"])
    eq("query-parameters.all", discover_ids(dsd, ns_name, mixed, HealthStatus="ALL", QueryParameters={"az": "a"}), ["h1", "u1"])
    eq("query-parameters.and", discover_ids(dsd, ns_name, mixed, HealthStatus="ALL", QueryParameters={"az": "a", "v": "2"}), [])
    eq("optional-parameters.match", discover_ids(dsd, ns_name, mixed, HealthStatus="ALL", OptionalParameters={"v": "2"}), ["h2"])
    eq("optional-parameters.no-match-ignored", discover_ids(dsd, ns_name, mixed, HealthStatus="ALL", OptionalParameters={"v": "9"}),
       ["h1", "h2", "u1"])
    eq("optional-parameters.with-query", discover_ids(dsd, ns_name, mixed, HealthStatus="ALL", QueryParameters={"az": "a"},
                                                      OptionalParameters={"v": "1"}), ["h1", "u1"])
    eq("max-results", len(dsd.discover_instances(NamespaceName=ns_name, ServiceName=mixed, HealthStatus="ALL", MaxResults=1)
                          .get("Instances", [])), 1)
    expect_error("max-results.zero", "InvalidInput", dsd.discover_instances, NamespaceName=ns_name, ServiceName=mixed, MaxResults=0)
    expect_error("max-results.1001", "InvalidInput", dsd.discover_instances, NamespaceName=ns_name, ServiceName=mixed, MaxResults=1001)
    expect_error("invalid-health-status", "InvalidInput", dsd.discover_instances, NamespaceName=ns_name, ServiceName=mixed,
                 HealthStatus="SOMETIMES")
    expect_error("unknown-namespace", "NamespaceNotFound", dsd.discover_instances, NamespaceName=unique("nope"), ServiceName=mixed)
    expect_error("unknown-service", "ServiceNotFound", dsd.discover_instances, NamespaceName=ns_name, ServiceName=unique("nope"))
    expect_error("revision.unknown-namespace", "NamespaceNotFound", dsd.discover_instances_revision,
                 NamespaceName=unique("nope"), ServiceName=mixed)
    expect_error("revision.unknown-service", "ServiceNotFound", dsd.discover_instances_revision,
                 NamespaceName=ns_name, ServiceName=unique("nope"))

    # InstancesRevision changes on register and deregister (including an update), not on health changes.
    def rev() -> object:
        return dsd.discover_instances_revision(NamespaceName=ns_name, ServiceName=mixed).get("InstancesRevision")

    r0 = rev()
    eq("revision.same-as-discover", dsd.discover_instances(NamespaceName=ns_name, ServiceName=mixed).get("InstancesRevision"), r0)
    check("revision.integer", isinstance(r0, int), "an integer", r0)
    register_and_wait(sd, mixed_id, "h3", {"az": "c"})
    r1 = rev()
    check("revision.changes-on-register", r1 != r0, f"not {r0}", r1)
    register_and_wait(sd, mixed_id, "h3", {"az": "d"})
    r2 = rev()
    check("revision.changes-on-update", r2 != r1, f"not {r1}", r2)
    sd.update_instance_custom_health_status(ServiceId=mixed_id, InstanceId="h3", Status="UNHEALTHY")
    eq("revision.unchanged-on-health-request", rev(), r2)
    deregister_and_wait(sd, mixed_id, "h3")
    r3 = rev()
    check("revision.changes-on-deregister", r3 != r2, f"not {r2}", r3)
    check("revision.increasing", all(isinstance(r, int) for r in (r0, r1, r2, r3)) and r0 < r1 < r2 < r3,
          "increasing integers", [r0, r1, r2, r3])
    eq("revision.other-service-unchanged",
       dsd.discover_instances_revision(NamespaceName=ns_name, ServiceName=plain).get("InstancesRevision"),
       dsd.discover_instances(NamespaceName=ns_name, ServiceName=plain).get("InstancesRevision"))


def section_hosts() -> None:
    """Requests are answered whatever the Host header: data- prefix, real AWS host names, anything."""
    fast_operations()
    sd = control()
    ns_id, ns_name = new_http_namespace(sd, "conf-host")
    svc_id, svc_name = new_service(sd, ns_id, "h", health=None)
    register_and_wait(sd, svc_id, "x1", {"k": "v"})
    host = urllib.parse.urlsplit(Env.endpoint).netloc

    seen_hosts: list[str] = []

    def capture(request, **_):
        seen_hosts.append(urllib.parse.urlsplit(request.url).netloc)

    dsd = data()
    dsd.meta.events.register("before-send.servicediscovery.DiscoverInstances", capture)
    got = expect_ok("boto3-injected.discover", dsd.discover_instances, NamespaceName=ns_name, ServiceName=svc_name)
    eq("boto3-injected.host-sent", seen_hosts[:1], [f"data-{host}"])
    eq("boto3-injected.instances", [i["InstanceId"] for i in (got or {}).get("Instances", [])], ["x1"])
    expect_ok("boto3-injected.revision", dsd.discover_instances_revision, NamespaceName=ns_name, ServiceName=svc_name)
    got = expect_ok("boto3-not-injected.discover", control().discover_instances, NamespaceName=ns_name, ServiceName=svc_name)
    eq("boto3-not-injected.instances", [i["InstanceId"] for i in (got or {}).get("Instances", [])], ["x1"])

    cli = AwsCli(proxy=True)
    out = cli.ok("awscli-injected.discover", "discover-instances", "--namespace-name", ns_name, "--service-name", svc_name) or {}
    eq("awscli-injected.instances", [i.get("InstanceId") for i in out.get("Instances", [])], ["x1"])

    aws_host = f"servicediscovery.{Env.region}.amazonaws.com"
    real = client(endpoint=f"http://{aws_host}", proxy=Env.endpoint, inject_host_prefix=True)
    got = expect_ok("aws-host.control-plane", real.get_service, Id=svc_id)
    eq("aws-host.control-plane.name", (got or {}).get("Service", {}).get("Name"), svc_name)
    got = expect_ok("aws-host.data-plane", real.discover_instances, NamespaceName=ns_name, ServiceName=svc_name)
    eq("aws-host.data-plane.instances", [i["InstanceId"] for i in (got or {}).get("Instances", [])], ["x1"])

    for name, hdr in (("raw.other-host", "cloudmap.internal.example:8080"), ("raw.data-aws-host", "data-" + aws_host),
                      ("raw.no-port", "localhost")):
        status, _, body = raw_call("DiscoverInstances", {"NamespaceName": ns_name, "ServiceName": svc_name}, host=hdr)
        ids = [i.get("InstanceId") for i in (body or {}).get("Instances", [])] if isinstance(body, dict) else body
        check(name, status == 200 and ids == ["x1"], "200 with x1", f"{status} {ids}")


def section_protocol() -> None:
    """awsJson1_1 wire details: error body and headers, content types, empty body, unknown target."""
    status, headers, body = raw_call("ListNamespaces", {})
    eq("success.status", status, 200)
    check("success.content-type", headers.get("content-type", "").startswith("application/x-amz-json-1.1"),
          "application/x-amz-json-1.1", headers.get("content-type"))
    check("success.request-id", bool(headers.get("x-amzn-requestid")), "x-amzn-RequestId header", headers)
    check("success.body", isinstance(body, dict) and isinstance(body.get("Namespaces"), list), "{\"Namespaces\": [...]}", body)

    status, headers, body = raw_call("GetService", {"Id": "srv-0000000000000000"})
    eq("error.status", status, 400)
    btype = (body or {}).get("__type", "") if isinstance(body, dict) else ""
    check("error.type", btype.split("#")[-1].split(":")[0] == "ServiceNotFound", "__type ServiceNotFound", body)
    check("error.message", isinstance(body, dict) and isinstance(body.get("Message") or body.get("message"), str),
          "a Message string", body)
    check("error.request-id", bool(headers.get("x-amzn-requestid")), "x-amzn-RequestId header", headers)

    # DuplicateRequest/other modeled members live at the top level of the error body (botocore reads them there).
    status, _, body = raw_call("GetOperation", {"OperationId": "x" * 10})
    check("error.operation-not-found", status == 400 and isinstance(body, dict)
          and body.get("__type", "").split("#")[-1] == "OperationNotFound", "400 OperationNotFound", f"{status} {body}")

    status, _, body = raw_call("ListServices", None, body=b"")
    check("empty-body.accepted", status == 200 and isinstance(body, dict), "200 (empty body is like {})", f"{status} {body}")
    status, _, body = raw_call("ListServices", {}, content_type="application/x-amz-json-1.0")
    check("json-1.0-content-type.accepted", status == 200, "200", f"{status} {body}")

    status, _, body = raw_call("NoSuchOperation", {})
    check("unknown-operation", status == 400 and isinstance(body, dict)
          and body.get("__type", "").split("#")[-1] == "UnknownOperationException", "400 UnknownOperationException", f"{status} {body}")
    status, _, body = raw_call("ListServices", None, body=b"{not json")
    check("malformed-json", status == 400 and isinstance(body, dict)
          and body.get("__type", "").split("#")[-1] == "SerializationException", "400 SerializationException", f"{status} {body}")
    status, _, body = raw_call("GetService", {})
    check("missing-required", status == 400 and isinstance(body, dict)
          and body.get("__type", "").split("#")[-1] == "InvalidInput", "400 InvalidInput", f"{status} {body}")

    sd = control()
    expect_error("boto3.list-namespaces.max-results-101", "InvalidInput", sd.list_namespaces, MaxResults=101)
    expect_error("boto3.list-services.max-results-0", "InvalidInput", sd.list_services, MaxResults=0)
    expect_error("boto3.get-operation.id-too-long", "InvalidInput", sd.get_operation, OperationId="x" * 256)


def section_sigv4() -> None:
    """SigV4 verification (emulator started with --credentials): good and bad signatures, unknown keys, skew."""
    fast_operations()
    good = expect_ok("good-signature.boto3", control().list_namespaces)
    check("good-signature.shape", isinstance((good or {}).get("Namespaces"), list), "Namespaces list", good)
    expect_ok("good-signature.boto3-data-host", data().list_namespaces)
    sd = control()
    ns_id, ns_name = new_http_namespace(sd, "conf-sig")
    svc_id, svc_name = new_service(sd, ns_id, "sig", health=None)
    expect_ok("good-signature.data-prefix-signed-host", data().discover_instances, NamespaceName=ns_name, ServiceName=svc_name)
    AwsCli().ok("good-signature.awscli", "list-namespaces")
    AwsCli(proxy=True).ok("good-signature.awscli-data-prefix", "discover-instances", "--namespace-name", ns_name,
                          "--service-name", svc_name)

    bad_secret = client(secret_key=Env.secret_key + "x")
    resp = expect_error("bad-secret", "InvalidSignatureException", bad_secret.list_namespaces)
    # awsJson1_1 services answer signature errors with 400 (e.g. DynamoDB/ECR "InvalidSignatureException ... status code: 400").
    eq("bad-secret.status", (resp or {}).get("ResponseMetadata", {}).get("HTTPStatusCode"), 400)
    expect_error("bad-secret.data-plane", "InvalidSignatureException",
                 client(secret_key=Env.secret_key + "x", inject_host_prefix=True, proxy=Env.endpoint).discover_instances,
                 NamespaceName=ns_name, ServiceName=svc_name)
    resp = expect_error("unknown-access-key", "UnrecognizedClientException", client(access_key="AKIDUNKNOWN000000000").list_namespaces)
    eq("unknown-access-key.status", (resp or {}).get("ResponseMetadata", {}).get("HTTPStatusCode"), 400)
    AwsCli(secret_key=Env.secret_key + "x").error("bad-secret.awscli", "InvalidSignatureException", "list-namespaces")

    # Tamper with the body after signing.
    tampered = control()

    def tamper(request, **_):
        request.body = b'{"MaxResults": 5}'
        request.headers["Content-Length"] = str(len(request.body))

    tampered.meta.events.register_last("before-send.servicediscovery.ListServices", tamper)
    expect_error("body-changed-after-signing", "InvalidSignatureException", tampered.list_services, MaxResults=4)

    # Skewed clock: sign 20 minutes in the past and in the future. The evidence is split: the API reference's
    # Common Errors page documents RequestExpired (400) for more than 15 minutes of skew, while awsJson1_1 services
    # are observed answering InvalidSignatureException "Signature expired: ..." (400). The SDKs treat both as
    # clock-skew errors, so either is accepted; anything else is not.
    original = botocore.auth.get_current_datetime
    for label, offset in (("past", -20), ("future", 20)):
        botocore.auth.get_current_datetime = lambda o=offset: original() + datetime.timedelta(minutes=o)
        try:
            try:
                control().list_namespaces()
                fail(f"skewed-date.{label}", "expected RequestExpired or InvalidSignatureException got success")
            except botocore.exceptions.ClientError as exc:
                code = error_code(exc)
                status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
                check(f"skewed-date.{label}", code in ("RequestExpired", "InvalidSignatureException") and status == 400,
                      "400 RequestExpired or InvalidSignatureException", f"{status} {code}: {exc.response.get('Error', {}).get('Message')}")
        finally:
            botocore.auth.get_current_datetime = original
    botocore.auth.get_current_datetime = lambda: original() + datetime.timedelta(minutes=-10)
    try:
        expect_ok("skewed-date.within-15-minutes", control().list_namespaces)
    finally:
        botocore.auth.get_current_datetime = original

    # Scope errors.
    expect_error("wrong-region-scope", "InvalidSignatureException", client(region="eu-west-3").list_namespaces)

    # No signature at all.
    status, _, body = raw_call("ListNamespaces", {}, signed=False)
    check("missing-authentication", status in (400, 403) and isinstance(body, dict)
          and body.get("__type", "").split("#")[-1] == "MissingAuthenticationTokenException",
          "400/403 MissingAuthenticationTokenException", f"{status} {body}")

# --------------------------------------------------------------------------------------------------------
# DNS (dig) and Route 53 health checks: needs an emulator started with --dns-port (and --route53-checks)
# --------------------------------------------------------------------------------------------------------
class Dig:
    """One dig answer, parsed from dig's own presentation format (bind9-dnsutils): header, flags, sections."""

    def __init__(self, name: str, qtype: str, *options: str) -> None:
        host, _, port = Env.dns_server.rpartition(":")
        cmd = ["dig", f"@{host}", "-p", port, "+norec", "+time=3", "+tries=1", *options, name, qtype]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
        self.command = " ".join(cmd)
        self.text = proc.stdout + proc.stderr
        m = re.search(r"status: (\w+)", self.text)
        self.status = m.group(1) if m else None
        m = re.search(r";; flags: ([a-z ]*);", self.text)
        self.flags = set(m.group(1).split()) if m else set()
        m = re.search(r"; EDNS: version: \d+, flags:[^;]*; udp: (\d+)", self.text)
        self.edns_udp = int(m.group(1)) if m else None
        self.sections: dict[str, list[list[str]]] = {"ANSWER": [], "AUTHORITY": [], "ADDITIONAL": []}
        current = None
        for line in self.text.splitlines():
            header = re.match(r";; (ANSWER|AUTHORITY|ADDITIONAL) SECTION:", line)
            if header:
                current = header.group(1)
            elif not line.strip() or line.startswith(";"):
                current = None if not line.strip() else current
            elif current:
                self.sections[current].append(line.split())

    def records(self, section: str = "ANSWER", rtype: str | None = None) -> list[list[str]]:
        """Each record as [name, ttl, class, type, data...]."""
        return [r for r in self.sections[section] if rtype is None or (len(r) > 3 and r[3] == rtype)]

    def data(self, rtype: str, section: str = "ANSWER") -> list[str]:
        return sorted(" ".join(r[4:]) for r in self.records(section, rtype))

    def ttls(self, rtype: str, section: str = "ANSWER") -> set[int]:
        return {int(r[1]) for r in self.records(section, rtype)}

    def __repr__(self) -> str:
        return f"`{self.command}`:\n{self.text}"


def new_dns_namespace(sd, prefix: str, public: bool = False, soa_ttl: int | None = None) -> tuple[str, str]:
    name = unique(prefix) + (".example" if public else ".internal")
    extra: dict = {} if soa_ttl is None else {"Properties": {"DnsProperties": {"SOA": {"TTL": soa_ttl}}}}
    op_id = (sd.create_public_dns_namespace(Name=name, **extra) if public
             else sd.create_private_dns_namespace(Name=name, Vpc="vpc-conformance", **extra))["OperationId"]
    op, seen = wait_operation(op_id, sd)
    if not op or op.get("Status") != "SUCCESS":
        raise RuntimeError(f"Create DNS namespace {name} did not succeed: {op} {seen}")
    return op["Targets"]["NAMESPACE"], name


def dns_service(sd, ns_id: str, name: str, policy: str, records: list[tuple[str, int]], health: str | None = "custom", **extra) -> str:
    kwargs: dict = {"Name": name, "NamespaceId": ns_id,
                    "DnsConfig": {"RoutingPolicy": policy, "DnsRecords": [{"Type": t, "TTL": ttl} for t, ttl in records]}, **extra}
    if health == "custom":
        kwargs["HealthCheckCustomConfig"] = {}
    return sd.create_service(**kwargs)["Service"]["Id"]


def section_dns() -> None:
    """DNS answers read with dig: A, AAAA, SRV + additional, CNAME, MULTIVALUE/WEIGHTED, fail-open, TTLs,
    NXDOMAIN/NODATA with SOA, the SOA TTL set at creation and by UpdatePrivate/PublicDnsNamespace, TC then TCP, EDNS
    payload size, BADVERS, no DNS for HTTP namespaces."""
    if not Env.dns_server:
        fail("dns-server", "the dns section needs --dns-server HOST:PORT (an emulator started with --dns-port)")
        return
    if shutil.which("dig") is None:
        fail("dig", "dig is not installed (Debian: apt-get install bind9-dnsutils)")
        return
    fast_operations()
    configure(healthChangeDelaySeconds=Env.health_delay)
    sd = control()
    ns_id, zone = new_dns_namespace(sd, "conf-dns")

    srv_id = dns_service(sd, ns_id, "orders", "MULTIVALUE", [("SRV", 60), ("A", 30)])
    register_and_wait(sd, srv_id, "o-1", {"AWS_INSTANCE_IPV4": "127.0.0.11", "AWS_INSTANCE_PORT": "8081"})
    register_and_wait(sd, srv_id, "o-2", {"AWS_INSTANCE_IPV4": "127.0.0.12", "AWS_INSTANCE_PORT": "8082"})
    d = Dig(f"orders.{zone}", "SRV")
    eq("srv.status", d.status, "NOERROR")
    check("srv.authoritative", "aa" in d.flags, "aa flag", d)
    eq("srv.records", d.data("SRV"), [f"1 1 8081 o-1.orders.{zone}.", f"1 1 8082 o-2.orders.{zone}."])
    eq("srv.ttl", d.ttls("SRV"), {60})
    eq("srv.additional", sorted((r[0], r[4]) for r in d.records("ADDITIONAL", "A")),
       [(f"o-1.orders.{zone}.", "127.0.0.11"), (f"o-2.orders.{zone}.", "127.0.0.12")])
    eq("srv.additional-ttl", d.ttls("A", "ADDITIONAL"), {30})
    d = Dig(f"o-1.orders.{zone}", "A")
    eq("srv.target-a", d.data("A"), ["127.0.0.11"])
    d = Dig(f"orders.{zone}", "A", "+tcp")
    eq("a.over-tcp", d.data("A"), ["127.0.0.11", "127.0.0.12"])

    web_id = dns_service(sd, ns_id, "web", "MULTIVALUE", [("A", 20), ("AAAA", 25)])
    register_and_wait(sd, web_id, "w-1", {"AWS_INSTANCE_IPV4": "127.0.0.21", "AWS_INSTANCE_IPV6": "::1"})
    d = Dig(f"web.{zone}", "A")
    eq("a.records", (d.data("A"), d.ttls("A")), (["127.0.0.21"], {20}))
    d = Dig(f"web.{zone}", "AAAA")
    eq("aaaa.records", (d.data("AAAA"), d.ttls("AAAA")), (["::1"], {25}))
    d = Dig(f"web.{zone}", "SRV")
    check("nodata.soa", d.status == "NOERROR" and not d.records() and len(d.records("AUTHORITY", "SOA")) == 1,
          "NOERROR, no answer, SOA in authority", d)
    d = Dig(f"missing.{zone}", "A")
    soa = d.records("AUTHORITY", "SOA")
    # Without Properties the SOA has Route 53's default TTL, 900 s (the SOA record of a new hosted zone).
    check("nxdomain.soa", d.status == "NXDOMAIN" and len(soa) == 1 and soa[0][0] == f"{zone}." and soa[0][1] == "900",
          "NXDOMAIN with the zone's SOA (TTL 900, the default)", d)
    d = Dig(zone, "SOA")
    check("apex.soa", len(d.records("ANSWER", "SOA")) == 1 and d.records("ANSWER", "SOA")[0][-1] == "86400", "SOA at the apex", d)

    # The SOA TTL (negative caching) from CreatePrivateDnsNamespace/CreatePublicDnsNamespace's Properties.
    for public in (False, True):
        kind = "public" if public else "private"
        soa_ns, soa_zone = new_dns_namespace(sd, f"conf-soa-{kind}", public=public, soa_ttl=7)
        eq(f"soa-ttl.{kind}.get-namespace", sd.get_namespace(Id=soa_ns)["Namespace"]["Properties"]["DnsProperties"]["SOA"], {"TTL": 7})
        d = Dig(f"missing.{soa_zone}", "A")
        eq(f"soa-ttl.{kind}.nxdomain", (d.status, [r[1] for r in d.records("AUTHORITY", "SOA")]), ("NXDOMAIN", ["7"]))
        d = Dig(soa_zone, "SOA")
        eq(f"soa-ttl.{kind}.apex", [r[1] for r in d.records("ANSWER", "SOA")], ["7"])

    # UpdatePrivateDnsNamespace/UpdatePublicDnsNamespace (awscli): the SOA TTL and the description change, as an
    # UPDATE_NAMESPACE operation; the next negative answer carries the new TTL.
    cli = AwsCli()
    for public in (False, True):
        kind = "public" if public else "private"
        up_ns, up_zone = new_dns_namespace(sd, f"conf-update-{kind}", public=public, soa_ttl=7)
        change = json.dumps({"Description": f"updated {kind}", "Properties": {"DnsProperties": {"SOA": {"TTL": 42}}}})
        out = cli.ok(f"update.{kind}.cli", f"update-{kind}-dns-namespace", "--id", up_ns, "--namespace", change)
        if out is None:
            continue
        op = wait_success(f"update.{kind}.operation", out.get("OperationId"), sd)
        eq(f"update.{kind}.operation-type", (op or {}).get("Type"), "UPDATE_NAMESPACE")
        eq(f"update.{kind}.operation-target", (op or {}).get("Targets"), {"NAMESPACE": up_ns})
        got = sd.get_namespace(Id=up_ns)["Namespace"]
        eq(f"update.{kind}.get-namespace", (got.get("Description"), got["Properties"]["DnsProperties"]["SOA"]), (f"updated {kind}", {"TTL": 42}))
        d = Dig(f"missing.{up_zone}", "A")
        eq(f"update.{kind}.nxdomain-soa-ttl", (d.status, [r[1] for r in d.records("AUTHORITY", "SOA")]), ("NXDOMAIN", ["42"]))
        out = cli.ok(f"update.{kind}.description-only", f"update-{kind}-dns-namespace", "--id", up_ns,
                     "--namespace", json.dumps({"Description": "only the description"}))
        if out is not None:
            wait_success(f"update.{kind}.description-only.operation", out.get("OperationId"), sd)
            eq(f"update.{kind}.description-only.soa-kept", sd.get_namespace(Id=up_ns)["Namespace"]["Properties"]["DnsProperties"]["SOA"], {"TTL": 42})
    cli.error("update.not-found.cli", "NamespaceNotFound", "update-private-dns-namespace", "--id", "ns-doesnotexist0000",
              "--namespace", json.dumps({"Description": "x"}))
    expect_error("update.wrong-type", "InvalidInput", sd.update_public_dns_namespace, Id=ns_id, Namespace={"Description": "x"})
    expect_error("update.soa-without-ttl", "InvalidInput", sd.update_private_dns_namespace, Id=ns_id,
                 Namespace={"Properties": {"DnsProperties": {"SOA": {}}}})

    cname_id = dns_service(sd, ns_id, "legacy", "WEIGHTED", [("CNAME", 40)])
    register_and_wait(sd, cname_id, "l-1", {"AWS_INSTANCE_CNAME": "legacy.example.com"})
    d = Dig(f"legacy.{zone}", "CNAME")
    eq("cname.record", (d.data("CNAME"), d.ttls("CNAME")), (["legacy.example.com."], {40}))

    many_id = dns_service(sd, ns_id, "many", "MULTIVALUE", [("A", 10)])
    for i in range(1, 11):
        register_and_wait(sd, many_id, f"m-{i}", {"AWS_INSTANCE_IPV4": f"127.0.3.{i}"})
    register_and_wait(sd, many_id, "m-sick", {"AWS_INSTANCE_IPV4": "127.0.3.99", "AWS_INIT_HEALTH_STATUS": "UNHEALTHY"})
    seen: set[str] = set()
    counts = set()
    for _ in range(15):
        d = Dig(f"many.{zone}", "A")
        counts.add(len(d.data("A")))
        seen.update(d.data("A"))
    eq("multivalue.at-most-8", counts, {8})
    check("multivalue.healthy-only", "127.0.3.99" not in seen and len(seen) == 10, "the 10 healthy ones, never the unhealthy", sorted(seen))

    sick_id = dns_service(sd, ns_id, "sick", "MULTIVALUE", [("A", 10)])
    for i in range(1, 11):
        register_and_wait(sd, sick_id, f"s-{i}", {"AWS_INSTANCE_IPV4": f"127.0.4.{i}", "AWS_INIT_HEALTH_STATUS": "UNHEALTHY"})
    eq("multivalue.fail-open", len(Dig(f"sick.{zone}", "A").data("A")), 8)

    weighted_id = dns_service(sd, ns_id, "weighted", "WEIGHTED", [("A", 10)])
    for i in range(1, 4):
        register_and_wait(sd, weighted_id, f"g-{i}", {"AWS_INSTANCE_IPV4": f"127.0.5.{i}"})
    register_and_wait(sd, weighted_id, "g-sick", {"AWS_INSTANCE_IPV4": "127.0.5.99", "AWS_INIT_HEALTH_STATUS": "UNHEALTHY"})
    seen, counts = set(), set()
    for _ in range(20):
        d = Dig(f"weighted.{zone}", "A")
        counts.add(len(d.data("A")))
        seen.update(d.data("A"))
    eq("weighted.one", counts, {1})
    check("weighted.random-healthy", "127.0.5.99" not in seen and len(seen) > 1, "several of the healthy ones", sorted(seen))
    wsick_id = dns_service(sd, ns_id, "weighted-sick", "WEIGHTED", [("A", 10)])
    register_and_wait(sd, wsick_id, "x-1", {"AWS_INSTANCE_IPV4": "127.0.6.1", "AWS_INIT_HEALTH_STATUS": "UNHEALTHY"})
    eq("weighted.fail-open", Dig(f"weighted-sick.{zone}", "A").data("A"), ["127.0.6.1"])

    # The custom-health delay applies to DNS too.
    sd.update_instance_custom_health_status(ServiceId=web_id, InstanceId="w-1", Status="UNHEALTHY")
    register_and_wait(sd, web_id, "w-2", {"AWS_INSTANCE_IPV4": "127.0.0.22", "AWS_INSTANCE_IPV6": "::2"})
    eq("health.delay.not-yet", Dig(f"web.{zone}", "A").data("A"), ["127.0.0.21", "127.0.0.22"])
    time.sleep(Env.health_delay + 0.5)
    eq("health.delay.applied", Dig(f"web.{zone}", "A").data("A"), ["127.0.0.22"])

    deregister_and_wait(sd, srv_id, "o-2")
    eq("deregistered.gone", Dig(f"orders.{zone}", "SRV").data("SRV"), [f"1 1 8081 o-1.orders.{zone}."])

    big_id = dns_service(sd, ns_id, "big", "MULTIVALUE", [("SRV", 60), ("A", 60)])
    for i in range(1, 9):
        register_and_wait(sd, big_id, f"instance-with-a-long-identifier-of-fifty-characters-{i:02}",
                          {"AWS_INSTANCE_IPV4": f"127.0.7.{i}", "AWS_INSTANCE_PORT": str(9000 + i)})
    d = Dig(f"big.{zone}", "SRV", "+noedns", "+ignore")
    check("truncation.tc", "tc" in d.flags and not d.records(), "tc flag, no partial answer (512 bytes without EDNS)", d)
    d = Dig(f"big.{zone}", "SRV", "+noedns")
    check("truncation.tcp-fallback", "Truncated, retrying in TCP mode" in d.text and len(d.data("SRV")) == 8,
          "dig retries over TCP and gets all 8", d)
    d = Dig(f"big.{zone}", "SRV", "+bufsize=4096")
    check("edns.4096-fits", "tc" not in d.flags and len(d.data("SRV")) == 8 and d.edns_udp == 4096,
          "8 SRV over UDP, OPT with udp 4096", d)
    # Ten SRV instances (more than MULTIVALUE's 8): each answer has 8 SRV records and, with EDNS, the A record of each
    # of their targets (and of no other); over several answers all ten appear; without EDNS it takes TCP.
    for i in range(9, 11):
        register_and_wait(sd, big_id, f"instance-with-a-long-identifier-of-fifty-characters-{i:02}",
                          {"AWS_INSTANCE_IPV4": f"127.0.7.{i}", "AWS_INSTANCE_PORT": str(9000 + i)})
    targets: set[str] = set()
    shapes = set()
    for _ in range(15):
        d = Dig(f"big.{zone}", "SRV", "+bufsize=4096")
        answer = {r.split()[-1] for r in d.data("SRV")}
        shapes.add((len(answer), "tc" in d.flags, answer == {r[0] for r in d.records("ADDITIONAL", "A")}))
        targets |= answer
    eq("ten-srv.edns.eight-with-their-addresses", shapes, {(8, False, True)})
    eq("ten-srv.all-ten-across-answers", len(targets), 10)
    d = Dig(f"big.{zone}", "SRV", "+noedns")
    check("ten-srv.noedns.tcp", "Truncated, retrying in TCP mode" in d.text and len(d.data("SRV")) == 8
          and len(d.records("ADDITIONAL", "A")) == 8, "TC over UDP, then 8 SRV + 8 A over TCP", d)
    d = Dig(zone, "SOA", "+edns=1", "+noednsneg")
    eq("edns.badvers", d.status, "BADVERS")

    http_ns, http_name = new_http_namespace(sd, "conf-dns-http")
    http_svc, http_svc_name = new_service(sd, http_ns, "api")
    register_and_wait(sd, http_svc, "h-1", {"AWS_INSTANCE_IPV4": "127.0.0.31", "AWS_INSTANCE_PORT": "80"})
    eq("http-namespace.no-dns", Dig(f"{http_svc_name}.{http_name}", "A").status, "REFUSED")


class _Probed(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(type(self).status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def section_route53() -> None:
    """Route 53 health checks probed by an emulator started with --route53-checks (and --dns-port):
    UNKNOWN and routable until the first probe, then HEALTHY/UNHEALTHY, seen by DiscoverInstances and dig."""
    if not Env.dns_server or shutil.which("dig") is None:
        fail("dns-server", "the route53 section needs dig and --dns-server HOST:PORT (an emulator started with --dns-port and --route53-checks)")
        return
    fast_operations()
    sd = control()
    dsd = data()
    servers = []
    for status in (200, 503):
        handler = type(f"Probed{status}", (_Probed,), {"status": status})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    try:
        ns_id, zone = new_dns_namespace(sd, "conf-r53", public=True)
        svc_id = dns_service(sd, ns_id, "web", "MULTIVALUE", [("A", 10)], health=None,
                             HealthCheckConfig={"Type": "HTTP", "ResourcePath": "/health", "FailureThreshold": 1})
        register_and_wait(sd, svc_id, "ready", {"AWS_INSTANCE_IPV4": "127.0.0.1", "AWS_INSTANCE_PORT": str(servers[0].server_address[1])})
        register_and_wait(sd, svc_id, "warming", {"AWS_INSTANCE_IPV4": "127.0.0.1", "AWS_INSTANCE_PORT": str(servers[1].server_address[1])})
        unknown = health_map(sd, svc_id)
        found = dsd.discover_instances(NamespaceName=zone, ServiceName="web")["Instances"]
        answers = Dig(f"web.{zone}", "A").records("ANSWER", "A")
        after = health_map(sd, svc_id)
        if unknown == after == {"ready": "UNKNOWN", "warming": "UNKNOWN"}:
            # UNKNOWN only ever changes once (to the first probe's result): still UNKNOWN after the reads, it was
            # UNKNOWN during both.
            check("unknown.discoverable", sorted(i["InstanceId"] for i in found) == ["ready", "warming"], "both routable while UNKNOWN", found)
            eq("unknown.dns", len(answers), 2)
        else:
            # The emulator probed between the registration and the reads: allowed, but then not checkable here.
            check("unknown.first", True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and health_map(sd, svc_id) != {"ready": "HEALTHY", "warming": "UNHEALTHY"}:
            time.sleep(0.1)
        eq("probed", health_map(sd, svc_id), {"ready": "HEALTHY", "warming": "UNHEALTHY"})
        found = dsd.discover_instances(NamespaceName=zone, ServiceName="web")["Instances"]
        eq("probed.discover", [(i["InstanceId"], i["HealthStatus"]) for i in found], [("ready", "HEALTHY")])
        eq("probed.dns", len(Dig(f"web.{zone}", "A").records("ANSWER", "A")), 1)
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


SECTIONS = {
    "session": section_session,
    "registration": section_registration,
    "validation": section_validation,
    "operations": section_operations,
    "health": section_health,
    "discover": section_discover,
    "limits": section_limits,
    "hosts": section_hosts,
    "protocol": section_protocol,
    "sigv4": section_sigv4,
    "dns": section_dns,
    "route53": section_route53,
}
# sigv4, dns and route53 need an emulator started with other flags (--credentials; --dns-port, --route53-checks).
DEFAULT_SECTIONS = [s for s in SECTIONS if s not in ("sigv4", "dns", "route53")]


def main(argv: list[str]) -> int:
    def extra(parser) -> None:
        parser.add_argument("--health-delay", type=float, default=2.0, help="custom-health delay (seconds) the suite configures and observes (default 2)")
        parser.add_argument("--dns-server", help="HOST:PORT of the emulator's DNS server (dns and route53 sections)")

    def apply(args) -> None:
        Env.health_delay = args.health_delay
        Env.dns_server = args.dns_server or ""

    return harness.run(argv, __doc__, SECTIONS, DEFAULT_SECTIONS, "cloudmap-conformance-", extra, apply)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
