#!/usr/bin/env python3
# Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.
"""Computes SigV4 signatures with botocore for fixed Cloud Map requests and writes sigv4-fixture.json.

Run once (botocore 1.43 was used) and commit the output; SigV4FixtureTests signs the same requests through
our own signing path and asserts byte-identical Authorization headers.

    python3 make_sigv4_fixture.py > sigv4-fixture.json

Every request carries exactly the headers our client puts on the wire and signs: Content-Type,
X-Amz-Target and X-Amz-Content-SHA256 (the .NET SDK signer always signs the payload hash header; botocore
signs every header the request carries, so giving it the same headers asks it to sign the same canonical
request). botocore adds X-Amz-Date, X-Amz-Security-Token and the host itself.
"""

import datetime
import hashlib
import json
import sys
from unittest import mock

import botocore
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SIGNED_AT = datetime.datetime(2026, 1, 15, 12, 34, 56, tzinfo=datetime.timezone.utc)
ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "FQoGZXIvYXdzEXAMPLESESSIONTOKEN//////////wEaDEXAMPLE="
TARGET_PREFIX = "Route53AutoNaming_v20170314."

CASES = [
    {
        "name": "RegisterInstance-control-plane",
        "url": "https://servicediscovery.us-east-1.amazonaws.com/",
        "region": "us-east-1",
        "operation": "RegisterInstance",
        "body": {"ServiceId": "srv-e4anhexample0004", "InstanceId": "i-0abcdef1234567890",
                 "Attributes": {"AWS_INSTANCE_IPV4": "10.0.1.12", "AWS_INSTANCE_PORT": "8080", "team": "payments"},
                 "CreatorRequestId": "3b5c3ce2-0f4b-4c8e-9f1e-7d4a1f0f6c11"},
        "session_token": False,
    },
    {
        "name": "GetOperation-session-token",
        "url": "https://servicediscovery.eu-west-1.amazonaws.com/",
        "region": "eu-west-1",
        "operation": "GetOperation",
        "body": {"OperationId": "gv4g5meo7ndmeh4fqskygvk23d2fijwa-k9302yzd"},
        "session_token": True,
    },
    {
        "name": "DiscoverInstances-data-host",
        "url": "https://data-servicediscovery.us-west-2.amazonaws.com/",
        "region": "us-west-2",
        "operation": "DiscoverInstances",
        "body": {"NamespaceName": "example.com", "ServiceName": "payments", "HealthStatus": "HEALTHY"},
        "session_token": False,
    },
    {
        "name": "ListNamespaces-custom-endpoint-with-port",
        "url": "http://127.0.0.1:4566/",
        "region": "us-east-1",
        "operation": "ListNamespaces",
        "body": {},
        "session_token": False,
    },
    {
        "name": "DiscoverInstancesRevision-data-host-with-port",
        "url": "http://data-localhost:8080/",
        "region": "ap-southeast-2",
        "operation": "DiscoverInstancesRevision",
        "body": {"NamespaceName": "internal.example", "ServiceName": "orders"},
        "session_token": True,
    },
]


def sign(case):
    body = json.dumps(case["body"], separators=(",", ":")).encode("utf-8")
    headers = {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": TARGET_PREFIX + case["operation"],
        "X-Amz-Content-SHA256": hashlib.sha256(body).hexdigest(),
    }
    request = AWSRequest(method="POST", url=case["url"], data=body, headers=headers)
    token = SESSION_TOKEN if case["session_token"] else None
    signer = botocore.auth.SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY, token), "servicediscovery", case["region"])
    captured = []
    original = signer.canonical_request

    def capture(req):
        captured.append(original(req))
        return captured[-1]

    signer.canonical_request = capture
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=SIGNED_AT.replace(tzinfo=None)):
        signer.add_auth(request)
    canonical = captured[0]
    return {
        "name": case["name"],
        "url": case["url"],
        "region": case["region"],
        "operation": case["operation"],
        "body": body.decode("utf-8"),
        "sessionToken": token,
        "expected": {
            "authorization": request.headers["Authorization"],
            "xAmzDate": request.headers["X-Amz-Date"],
            "xAmzContentSha256": request.headers["X-Amz-Content-SHA256"],
            "xAmzSecurityToken": request.headers.get("X-Amz-Security-Token"),
            "canonicalRequest": canonical,
        },
    }


def main():
    fixture = {
        "generator": "make_sigv4_fixture.py with botocore " + botocore.__version__,
        "signedAt": SIGNED_AT.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "accessKey": ACCESS_KEY,
        "secretKey": SECRET_KEY,
        "service": "servicediscovery",
        "cases": [sign(case) for case in CASES],
    }
    json.dump(fixture, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
