#!/usr/bin/env python3
# Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.
"""Platform conformance suite for the CloudMap.Lifecycle emulator: ECS and EC2, driven by awscli and boto3.

The emulator plays the platform on its Cloud Map port: ECS `DescribeTasks` and `ListTasks` (AWS JSON 1.1, target
`AmazonEC2ContainerServiceV20141113.*`, signing name `ecs`) and EC2 `DescribeInstances` (Query protocol, XML,
signing name `ec2`). The suite scripts tasks and instances through the emulator's admin API (`/_emulator/ecs/...`,
`/_emulator/ec2/...`) and checks what the official clients read back, against the botocore models
`ecs/2014-11-13` and `ec2/2016-11-15` (member names, paging tokens, error codes).

Usage:
    python3 conformance_platform.py --endpoint http://127.0.0.1:4566 [--section ecs|ec2 ...]
    python3 conformance_platform.py --endpoint ... --section sigv4 --credentials AKID:SECRET
    python3 conformance_platform.py --list

Output: one line per check (`PASS name` / `FAIL name: expected ... got ...`), then a summary line. The exit code is 0
only when every check passed. Every cluster the suite creates has a unique name and every EC2 check filters on the
instances it launched, so any emulator instance will do (other suites may run against the same one).
"""
from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
import uuid

import boto3
from botocore.config import Config

import conformance_harness as harness
from conformance_harness import AwsCli, Env, check, eq, error_code, expect_error, fail


def client(service: str, *, access_key: str | None = None, secret_key: str | None = None):
    """A boto3 client with no retries and no client-side parameter validation (invalid input reaches the server)."""
    config = Config(parameter_validation=False, retries={"max_attempts": 1, "mode": "standard"},
                    connect_timeout=10, read_timeout=30)
    session = boto3.session.Session(aws_access_key_id=access_key or Env.access_key,
                                    aws_secret_access_key=secret_key or Env.secret_key, region_name=Env.region)
    return session.client(service, endpoint_url=Env.endpoint, config=config)


def admin(method: str, path: str, body: dict | None = None) -> object:
    """The emulator's admin API (JSON); raises on a non-2xx answer."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(Env.endpoint + "/_emulator" + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data is not None else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def admin_status(method: str, path: str, body: dict) -> tuple[int, object]:
    try:
        return 200, admin(method, path, body)
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def detail(task: dict, key: str) -> str | None:
    for attachment in task.get("attachments", []):
        for pair in attachment.get("details", []):
            if pair.get("name") == key:
                return pair.get("value")
    return None


# --------------------------------------------------------------------------------------------------------
# ECS
# --------------------------------------------------------------------------------------------------------
def section_ecs() -> None:
    """ECS DescribeTasks and ListTasks (awscli and boto3): statuses, health, stop codes, failures, paging, errors."""
    cli = AwsCli()
    ecs = client("ecs")
    cluster = "conf-" + uuid.uuid4().hex[:10]
    a = admin("POST", "/ecs/tasks", {"cluster": cluster, "serviceName": "orders"})
    b = admin("POST", "/ecs/tasks", {"cluster": cluster, "serviceName": "orders", "availabilityZone": Env.region + "b"})
    c = admin("POST", "/ecs/tasks", {"cluster": cluster, "serviceName": "billing"})
    d = admin("POST", "/ecs/tasks", {"cluster": cluster, "serviceName": "orders"})
    e = admin("POST", "/ecs/tasks", {"cluster": cluster, "serviceName": "orders"})
    admin("POST", "/ecs/tasks/stop", {"task": d["taskArn"], "stopCode": "EssentialContainerExited", "stopSeconds": 0})
    admin("POST", "/ecs/tasks/stop", {"task": e["taskArn"], "stopSeconds": 3600})
    admin("POST", "/ecs/tasks/health", {"task": b["taskArn"], "healthStatus": "UNHEALTHY"})

    # ListTasks: desiredStatus RUNNING by default, so stopping and stopped tasks are not listed.
    out = cli.ok("cli.list_tasks", "ecs", "list-tasks", "--cluster", cluster)
    if out is not None:
        eq("cli.list_tasks.running_only", sorted(out.get("taskArns", [])), sorted([a["taskArn"], b["taskArn"], c["taskArn"]]))
    out = cli.ok("cli.list_tasks.service", "ecs", "list-tasks", "--cluster", cluster, "--service-name", "orders")
    if out is not None:
        eq("cli.list_tasks.service.arns", sorted(out.get("taskArns", [])), sorted([a["taskArn"], b["taskArn"]]))
    out = cli.ok("cli.list_tasks.stopped", "ecs", "list-tasks", "--cluster", cluster, "--desired-status", "STOPPED")
    if out is not None:
        eq("cli.list_tasks.stopped.arns", sorted(out.get("taskArns", [])), sorted([d["taskArn"], e["taskArn"]]))
    out = cli.ok("cli.list_tasks.page_size", "ecs", "list-tasks", "--cluster", cluster, "--page-size", "1")
    if out is not None:
        eq("cli.list_tasks.page_size.all_pages", len(out.get("taskArns", [])), 3)
    out = cli.ok("cli.list_tasks.max_items", "ecs", "list-tasks", "--cluster", cluster, "--max-items", "2", "--page-size", "1")
    if out is not None:
        eq("cli.list_tasks.max_items.count", len(out.get("taskArns", [])), 2)
        check("cli.list_tasks.max_items.next_token", bool(out.get("NextToken")), "a NextToken", out)

    page1 = ecs.list_tasks(cluster=cluster, maxResults=2)
    eq("boto3.list_tasks.page1", len(page1["taskArns"]), 2)
    check("boto3.list_tasks.page1.token", "nextToken" in page1, "nextToken", page1)
    page2 = ecs.list_tasks(cluster=cluster, maxResults=2, nextToken=page1.get("nextToken", ""))
    eq("boto3.list_tasks.page2", len(page2["taskArns"]), 1)
    check("boto3.list_tasks.page2.last", "nextToken" not in page2, "no nextToken", page2)
    paged = [arn for page in ecs.get_paginator("list_tasks").paginate(cluster=cluster, PaginationConfig={"PageSize": 1}) for arn in page["taskArns"]]
    eq("boto3.list_tasks.paginator", sorted(paged), sorted([a["taskArn"], b["taskArn"], c["taskArn"]]))

    # DescribeTasks through awscli: ARNs, a bare id, the old ARN form and a missing id.
    old_form = f"arn:aws:ecs:{Env.region}:123456789012:task/{c['taskId']}"
    out = cli.ok("cli.describe_tasks", "ecs", "describe-tasks", "--cluster", cluster, "--tasks",
                 a["taskArn"], b["taskId"], old_form, d["taskArn"], e["taskArn"], "f" * 32)
    if out is not None:
        tasks = {t["taskArn"]: t for t in out.get("tasks", [])}
        eq("cli.describe_tasks.found", sorted(tasks), sorted([a["taskArn"], b["taskArn"], c["taskArn"], d["taskArn"], e["taskArn"]]))
        eq("cli.describe_tasks.failures", out.get("failures"),
           [{"arn": f"arn:aws:ecs:{Env.region}:123456789012:task/{cluster}/{'f' * 32}", "reason": "MISSING"}])
        ta = tasks.get(a["taskArn"], {})
        eq("cli.running.statuses", [ta.get("lastStatus"), ta.get("desiredStatus"), ta.get("healthStatus")], ["RUNNING", "RUNNING", "HEALTHY"])
        eq("cli.running.cluster_arn", ta.get("clusterArn"), f"arn:aws:ecs:{Env.region}:123456789012:cluster/{cluster}")
        eq("cli.running.group", ta.get("group"), "service:orders")
        eq("cli.running.eni_ip", detail(ta, "privateIPv4Address"), a["privateIPv4Address"])
        eq("cli.running.container_ip", (ta.get("containers") or [{}])[0].get("networkInterfaces", [{}])[0].get("privateIpv4Address"), a["privateIPv4Address"])
        eq("cli.running.az", ta.get("availabilityZone"), Env.region + "a")
        check("cli.running.started_at_epoch", isinstance(ta.get("startedAt"), (int, float)), "epoch seconds", ta.get("startedAt"))
        check("cli.running.no_stop_members", not any(k in ta for k in ("stopCode", "stoppedAt", "stoppingAt")), "no stop members", ta)
        tb = tasks.get(b["taskArn"], {})
        eq("cli.unhealthy.task_and_container", [tb.get("healthStatus"), (tb.get("containers") or [{}])[0].get("healthStatus")], ["UNHEALTHY", "UNHEALTHY"])
        eq("cli.unhealthy.az", tb.get("availabilityZone"), Env.region + "b")
        td = tasks.get(d["taskArn"], {})
        eq("cli.stopped.statuses", [td.get("lastStatus"), td.get("desiredStatus"), td.get("stopCode")], ["STOPPED", "STOPPED", "EssentialContainerExited"])
        check("cli.stopped.times", all(isinstance(td.get(k), (int, float)) for k in ("stoppingAt", "stoppedAt")), "stoppingAt and stoppedAt", td)
        eq("cli.stopped.container", (td.get("containers") or [{}])[0].get("lastStatus"), "STOPPED")
        te = tasks.get(e["taskArn"], {})
        eq("cli.stopping.statuses", [te.get("lastStatus"), te.get("desiredStatus"), te.get("stopCode")], ["DEACTIVATING", "STOPPED", "UserInitiated"])
        check("cli.stopping.no_stopped_at", "stoppedAt" not in te and "stoppingAt" in te, "stoppingAt, no stoppedAt", te)

    # boto3: the same shapes parse into the model's types; the include member; a replaced task.
    described = ecs.describe_tasks(cluster=f"arn:aws:ecs:{Env.region}:123456789012:cluster/{cluster}", tasks=[a["taskArn"]], include=["TAGS"])
    task = described["tasks"][0] if described.get("tasks") else {}
    check("boto3.describe_tasks.cluster_arn_accepted", bool(task), "the task", described)
    check("boto3.describe_tasks.started_at_datetime", hasattr(task.get("startedAt"), "year"), "a datetime", task.get("startedAt"))
    eq("boto3.describe_tasks.tags", task.get("tags"), [])
    replaced = admin("POST", "/ecs/tasks/replace", {"task": a["taskArn"], "stopSeconds": 0})
    described = ecs.describe_tasks(cluster=cluster, tasks=[a["taskArn"], replaced["started"]["taskArn"]])
    statuses = {t["taskArn"]: (t["lastStatus"], t.get("stopCode")) for t in described["tasks"]}
    eq("boto3.replace.old", statuses.get(a["taskArn"]), ("STOPPED", "ServiceSchedulerInitiated"))
    eq("boto3.replace.new", statuses.get(replaced["started"]["taskArn"]), ("RUNNING", None))
    check("boto3.replace.new_address", replaced["started"]["privateIPv4Address"] != a["privateIPv4Address"], "another address", replaced["started"])

    # Errors as ECS gives them.
    expect_error("error.cluster_not_found", "ClusterNotFoundException", ecs.describe_tasks, cluster="no-such-" + cluster, tasks=["x"])
    expect_error("error.tasks_empty", "InvalidParameterException", ecs.describe_tasks, cluster=cluster, tasks=[])
    response = expect_error("error.tasks_over_100", "InvalidParameterException", ecs.describe_tasks, cluster=cluster, tasks=[f"{i:032x}" for i in range(101)])
    if response:
        eq("error.tasks_over_100.message", response["Error"].get("Message"), "taskIds can have at most 100 items.")
    expect_error("error.list_max_results", "InvalidParameterException", ecs.list_tasks, cluster=cluster, maxResults=0)
    expect_error("error.list_bad_token", "InvalidParameterException", ecs.list_tasks, cluster=cluster, nextToken="bogus")
    expect_error("error.list_service_not_found", "ServiceNotFoundException", ecs.list_tasks, cluster=cluster, serviceName="nope")
    cli.error("cli.error.cluster_not_found", "ClusterNotFoundException", "ecs", "describe-tasks", "--cluster", "no-such-" + cluster, "--tasks", "x")


# --------------------------------------------------------------------------------------------------------
# EC2
# --------------------------------------------------------------------------------------------------------
def section_ec2() -> None:
    """EC2 DescribeInstances (awscli and boto3): states, filters, a missing and a malformed id, paging, a recycled IP."""
    cli = AwsCli()
    ec2 = client("ec2")
    launched = [admin("POST", "/ec2/instances", {}) for _ in range(5)]
    zone_b = admin("POST", "/ec2/instances", {"availabilityZone": Env.region + "b"})
    launched.append(zone_b)
    ids = [i["instanceId"] for i in launched]
    shutting, terminated, stopped = launched[0], launched[1], launched[2]
    admin("POST", "/ec2/instances/terminate", {"instanceId": shutting["instanceId"], "seconds": 3600})
    admin("POST", "/ec2/instances/terminate", {"instanceId": terminated["instanceId"], "seconds": 0})
    admin("POST", "/ec2/instances/stop", {"instanceId": stopped["instanceId"], "seconds": 0})

    out = cli.ok("cli.describe_instances", "ec2", "describe-instances", "--instance-ids", *ids)
    if out is not None:
        instances = {i["InstanceId"]: i for r in out.get("Reservations", []) for i in r.get("Instances", [])}
        eq("cli.describe_instances.found", sorted(instances), sorted(ids))
        states = {k: (v.get("State", {}).get("Name"), v.get("State", {}).get("Code")) for k, v in instances.items()}
        eq("cli.state.shutting_down", states.get(shutting["instanceId"]), ("shutting-down", 32))
        eq("cli.state.terminated", states.get(terminated["instanceId"]), ("terminated", 48))
        eq("cli.state.stopped", states.get(stopped["instanceId"]), ("stopped", 80))
        eq("cli.state.running", states.get(launched[3]["instanceId"]), ("running", 16))
        running = instances.get(launched[3]["instanceId"], {})
        eq("cli.running.private_ip", running.get("PrivateIpAddress"), launched[3]["privateIpAddress"])
        eq("cli.running.az", running.get("Placement", {}).get("AvailabilityZone"), Env.region + "a")
        eq("cli.zone_b.az", instances.get(zone_b["instanceId"], {}).get("Placement", {}).get("AvailabilityZone"), Env.region + "b")
        check("cli.terminated.no_private_ip", "PrivateIpAddress" not in instances.get(terminated["instanceId"], {}), "no PrivateIpAddress", instances.get(terminated["instanceId"]))
        eq("cli.shutting_down.keeps_ip", instances.get(shutting["instanceId"], {}).get("PrivateIpAddress"), shutting["privateIpAddress"])
        check("cli.reservation_ids", all(r.get("ReservationId", "").startswith("r-") and r.get("OwnerId") == "123456789012" for r in out.get("Reservations", [])), "r-… and the account", out.get("Reservations"))

    # Filters (several values OR, several filters AND, wildcards).
    mine = "Name=instance-id,Values=" + ",".join(ids)
    out = cli.ok("cli.filter.state", "ec2", "describe-instances", "--filters", mine, "Name=instance-state-name,Values=running")
    if out is not None:
        eq("cli.filter.state.ids", sorted(i["InstanceId"] for r in out["Reservations"] for i in r["Instances"]), sorted([launched[3]["instanceId"], launched[4]["instanceId"], zone_b["instanceId"]]))
    out = cli.ok("cli.filter.ip", "ec2", "describe-instances", "--filters", f"Name=private-ip-address,Values={launched[4]['privateIpAddress']}")
    if out is not None:
        eq("cli.filter.ip.ids", [i["InstanceId"] for r in out["Reservations"] for i in r["Instances"]], [launched[4]["instanceId"]])
    out = cli.ok("cli.filter.wildcard", "ec2", "describe-instances", "--filters", mine, "Name=instance-state-name,Values=shutting-*,stop?ed")
    if out is not None:
        eq("cli.filter.wildcard.ids", sorted(i["InstanceId"] for r in out["Reservations"] for i in r["Instances"]), sorted([shutting["instanceId"], stopped["instanceId"]]))
    described = ec2.describe_instances(Filters=[{"Name": "instance-id", "Values": ids}, {"Name": "availability-zone", "Values": [Env.region + "b"]}])
    eq("boto3.filter.az", [i["InstanceId"] for r in described["Reservations"] for i in r["Instances"]], [zone_b["instanceId"]])

    # Errors in EC2's XML shape, read by botocore and awscli.
    cli.error("cli.error.not_found", "InvalidInstanceID.NotFound", "ec2", "describe-instances", "--instance-ids", ids[3], "i-0000000000000dead")
    response = expect_error("boto3.error.not_found", "InvalidInstanceID.NotFound", ec2.describe_instances, InstanceIds=["i-0000000000000dead"])
    if response:
        eq("boto3.error.not_found.message", response["Error"].get("Message"), "The instance ID 'i-0000000000000dead' does not exist")
    cli.error("cli.error.malformed", "InvalidInstanceID.Malformed", "ec2", "describe-instances", "--instance-ids", "not-an-id")
    expect_error("boto3.error.unknown_filter", "InvalidParameterValue", ec2.describe_instances, Filters=[{"Name": "no-such-filter", "Values": ["x"]}])
    expect_error("boto3.error.max_results_with_ids", "InvalidParameterCombination", ec2.describe_instances, InstanceIds=ids[:1], MaxResults=5)
    expect_error("boto3.error.max_results_range", "InvalidParameterValue", ec2.describe_instances, MaxResults=4)
    expect_error("boto3.error.bad_token", "InvalidParameterValue", ec2.describe_instances, NextToken="bogus")

    # Paging: MaxResults/NextToken by hand, the paginator, awscli's automatic paging.
    filters = [{"Name": "instance-id", "Values": ids}]
    page1 = ec2.describe_instances(Filters=filters, MaxResults=5)
    eq("boto3.paging.page1", len(page1["Reservations"]), 5)
    check("boto3.paging.page1.token", bool(page1.get("NextToken")), "NextToken", page1.get("NextToken"))
    page2 = ec2.describe_instances(Filters=filters, MaxResults=5, NextToken=page1.get("NextToken", ""))
    eq("boto3.paging.page2", len(page2["Reservations"]), 1)
    check("boto3.paging.page2.last", not page2.get("NextToken"), "no NextToken", page2.get("NextToken"))
    paged = [i["InstanceId"] for page in ec2.get_paginator("describe_instances").paginate(Filters=filters, PaginationConfig={"PageSize": 5}) for r in page["Reservations"] for i in r["Instances"]]
    eq("boto3.paging.paginator", sorted(paged), sorted(ids))
    out = cli.ok("cli.paging.page_size", "ec2", "describe-instances", "--filters", mine, "--page-size", "5")
    if out is not None:
        eq("cli.paging.page_size.all", len(out.get("Reservations", [])), 6)

    # A recycled IP: the terminated instance released its address; a new instance takes it.
    recycled = admin("POST", "/ec2/instances/terminate", {"instanceId": launched[4]["instanceId"], "seconds": 0})
    address = launched[4]["privateIpAddress"]
    check("admin.terminated.released", recycled.get("privateIpAddress") is None, "no address", recycled)
    newcomer = admin("POST", "/ec2/instances", {"privateIpAddress": address})
    out = cli.ok("cli.recycled_ip", "ec2", "describe-instances", "--filters", f"Name=private-ip-address,Values={address}")
    if out is not None:
        eq("cli.recycled_ip.holder", [(i["InstanceId"], i["State"]["Name"]) for r in out["Reservations"] for i in r["Instances"]], [(newcomer["instanceId"], "running")])
    # Moving an address: the instance that held it gets another one.
    moved = admin("POST", "/ec2/instances/move-ip", {"privateIpAddress": address, "instanceId": zone_b["instanceId"]})
    eq("admin.move_ip.target", moved.get("privateIpAddress"), address)
    described = ec2.describe_instances(InstanceIds=[newcomer["instanceId"], zone_b["instanceId"]])
    addresses = {i["InstanceId"]: i.get("PrivateIpAddress") for r in described["Reservations"] for i in r["Instances"]}
    eq("boto3.move_ip.target", addresses.get(zone_b["instanceId"]), address)
    check("boto3.move_ip.previous_readdressed", addresses.get(newcomer["instanceId"]) not in (None, address), "another address", addresses)
    status, body = admin_status("POST", "/ec2/instances", {"privateIpAddress": address})
    eq("admin.address_in_use", status, 400)

    # The Query protocol itself: an unknown Action answers EC2's XML error document.
    request = urllib.request.Request(Env.endpoint + "/", data=b"Action=NoSuchAction&Version=2016-11-15", method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    try:
        urllib.request.urlopen(request, timeout=30)
        fail("query.invalid_action", "expected HTTP 400")
    except urllib.error.HTTPError as exc:
        text = exc.read().decode()
        check("query.invalid_action", exc.code == 400 and "<Code>InvalidAction</Code>" in text and "<RequestID>" in text, "400 with Response/Errors/Error/Code InvalidAction", f"{exc.code} {text[:300]}")


# --------------------------------------------------------------------------------------------------------
# SigV4 (an emulator started with --credentials)
# --------------------------------------------------------------------------------------------------------
def section_sigv4() -> None:
    """Signing names ecs and ec2: signed calls pass, a wrong secret fails with each service's code."""
    ecs = client("ecs")
    expect_error("ecs.signed", "ClusterNotFoundException", ecs.describe_tasks, cluster="no-such-cluster", tasks=["x"])
    ec2 = client("ec2")
    try:
        ec2.describe_instances(MaxResults=5)
        check("ec2.signed", True)
    except Exception as exc:  # noqa: BLE001
        fail("ec2.signed", f"expected success got {error_code(exc) or type(exc).__name__}: {exc}")
    expect_error("ecs.wrong_secret", "InvalidSignatureException", client("ecs", secret_key="wrong").describe_tasks, cluster="c", tasks=["x"])
    expect_error("ec2.wrong_secret", "SignatureDoesNotMatch", client("ec2", secret_key="wrong").describe_instances)
    expect_error("ec2.unknown_key", "AuthFailure", client("ec2", access_key="AKIDUNKNOWN").describe_instances)


SECTIONS = {"ecs": section_ecs, "ec2": section_ec2, "sigv4": section_sigv4}
DEFAULT_SECTIONS = ["ecs", "ec2"]


def main(argv: list[str]) -> int:
    return harness.run(argv, __doc__, SECTIONS, DEFAULT_SECTIONS, "cloudmap-platform-conformance-")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
