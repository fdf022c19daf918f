// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>
/// The self-contained live dashboard (no CDN): polls <c>/_emulator/state</c>, <c>/_emulator/ecs/tasks</c> and
/// <c>/_emulator/ec2/instances</c> every second. The platform tables say which registrations belong to each task or
/// instance (by <c>ECS_TASK_ARN</c> / <c>EC2_INSTANCE_ID</c> / <c>AWS_EC2_INSTANCE_ID</c>, or an instance id equal to the
/// task or instance id) and flag a registration whose address the task or instance no longer holds.
/// </summary>
internal static class DashboardPage
{
    public const string Html = """
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Cloud Map emulator</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #1d2733; background: #f7f8fa; }
h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
.meta { color: #5b6673; font-size: .85rem; }
table { border-collapse: collapse; width: 100%; background: #fff; margin-bottom: .75rem; font-size: .85rem; }
th, td { border: 1px solid #dde2e8; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #eef1f5; }
code { font-size: .8rem; }
.HEALTHY { color: #137333; font-weight: 600; }
.UNHEALTHY { color: #b3261e; font-weight: 600; }
.UNKNOWN { color: #5b6673; font-weight: 600; }
.SUCCESS { color: #137333; } .FAIL { color: #b3261e; } .PENDING, .SUBMITTED { color: #a56300; }
.empty { color: #5b6673; font-style: italic; }
.RUNNING, .running { color: #137333; font-weight: 600; }
.STOPPED, .terminated, .stopped { color: #b3261e; font-weight: 600; }
.DEACTIVATING, .STOPPING, .DEPROVISIONING, .shutting-down, .stopping, .pending { color: #a56300; font-weight: 600; }
.badge { display: inline-block; font-size: .7rem; padding: 0 .35rem; border-radius: .6rem; background: #e3f0e6; color: #137333; border: 1px solid #9cc9a7; }
#error { color: #b3261e; }
</style>
</head>
<body>
<h1>Cloud Map emulator</h1>
<div class="meta">Region <span id="region">…</span> · emulator time <span id="now">…</span> · health change delay <span id="delay">…</span> s · <span id="error"></span></div>
<h2>Namespaces</h2>
<div id="namespaces"><p class="empty">Loading…</p></div>
<h2>Platform</h2>
<p class="meta">The ECS tasks and EC2 instances the emulator plays (DescribeTasks, DescribeInstances), and the registrations that name them.</p>
<h3>ECS tasks</h3>
<div id="tasks"></div>
<h3>EC2 instances</h3>
<div id="ec2"></div>
<h2>Recent deregistrations</h2>
<p class="meta">The last 20 deregistrations (DeregisterInstance calls, and removals through the emulator's code API), newest first. Cloud Map does not record who sends one (a
graceful stop, a peer's crash cleanup, a person), and neither does the emulator: an instance removed while still
HEALTHY or UNKNOWN was still receiving traffic when it went.</p>
<div id="deregistrations"></div>
<h2>Recent operations</h2>
<div id="operations"></div>
<script>
"use strict";
function esc(v) {
  return String(v === null || v === undefined ? "" : v).replace(/[&<>"']/g, function (c) {
    return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
  });
}
function attrs(a) {
  var keys = Object.keys(a || {}).sort();
  if (!keys.length) { return "<span class=\"empty\">none</span>"; }
  return keys.map(function (k) { return "<code>" + esc(k) + "=" + esc(a[k]) + "</code>"; }).join("<br>");
}
function render(s) {
  document.getElementById("region").textContent = s.region;
  document.getElementById("now").textContent = s.now;
  document.getElementById("delay").textContent = s.settings.healthChangeDelaySeconds;
  var html = "";
  if (!s.namespaces.length) { html = "<p class=\"empty\">No namespaces.</p>"; }
  s.namespaces.forEach(function (ns) {
    html += "<h3>" + esc(ns.name) + " <span class=\"meta\">" + esc(ns.type) + " · <code>" + esc(ns.id) + "</code></span></h3>";
    if (!ns.services.length) { html += "<p class=\"empty\">No services.</p>"; }
    ns.services.forEach(function (svc) {
      html += "<table class=\"service\" data-service-id=\"" + esc(svc.id) + "\"><caption style=\"text-align:left\"><b>" + esc(svc.name) + "</b> <code>" + esc(svc.id) +
        "</code> · health check: " + esc(svc.healthCheck) +
        (svc.route53HealthCheck ? " (" + esc(svc.route53HealthCheck.type) + (svc.route53HealthCheck.resourcePath ? " " + esc(svc.route53HealthCheck.resourcePath) : "") +
          ", threshold " + esc(svc.route53HealthCheck.failureThreshold) + ")" : "") + " · revision " + esc(svc.revision) + "</caption>" +
        "<tr><th>Instance</th><th>Address</th><th>Attributes</th><th>Health</th><th>Pending</th></tr>";
      if (!svc.instances.length) { html += "<tr><td colspan=\"5\" class=\"empty\">No instances.</td></tr>"; }
      svc.instances.forEach(function (i) {
        html += "<tr class=\"instance\" data-instance-id=\"" + esc(i.id) + "\"><td><code>" + esc(i.id) + "</code>" + (i.visible ? "" : " <span class=\"empty\">(propagating)</span>") +
          (i.proofOfLife ? " <span class=\"badge proof\" title=\"advertises CLOUDMAP_LIFECYCLE_PROOF: peers can verify it is alive\">proof of life</span>" : "") +
          "</td><td>" + esc(i.address || "") + (i.port ? ":" + esc(i.port) : "") + "</td><td>" + attrs(i.attributes) +
          "</td><td class=\"" + esc(i.health) + "\">" + esc(i.health) + "</td><td>" +
          (i.pendingHealth ? "<span class=\"" + esc(i.pendingHealth) + "\">" + esc(i.pendingHealth) + "</span> at " + esc(i.pendingHealthAt) : "") + "</td></tr>";
      });
      html += "</table>";
      if (svc.routingPolicy) {
        html += "<table class=\"dns\" data-service-id=\"" + esc(svc.id) + "\"><caption style=\"text-align:left\">DNS records (" + esc(svc.routingPolicy) + ": a query now answers " +
          (svc.routingPolicy === "WEIGHTED" ? "one" : "up to 8") + " of the records of its name and type marked in the last column)</caption>" +
          "<tr><th>Name</th><th>Type</th><th>TTL (s)</th><th>Value</th><th>Routable</th><th>In answers now</th></tr>";
        if (!svc.dnsRecords.length) { html += "<tr><td colspan=\"6\" class=\"empty\">No records (the name answers NXDOMAIN).</td></tr>"; }
        svc.dnsRecords.forEach(function (r) {
          html += "<tr class=\"dns-record\"><td><code>" + esc(r.name) + "</code></td><td>" + esc(r.type) + "</td><td>" + esc(r.ttl) +
            "</td><td><code>" + esc(r.value) + "</code></td><td>" + (r.routable ? "yes" : "<span class=\"UNHEALTHY\">no</span>") +
            "</td><td class=\"in-answer\">" + (r.inAnswer ? (r.routable ? "yes" : "yes (fail-open: none routable)") : "no") + "</td></tr>";
        });
        html += "</table>";
      }
    });
  });
  document.getElementById("namespaces").innerHTML = html;
  var der = "<table><tr><th>Time</th><th>Service</th><th>Instance</th><th>Address</th><th>Health when removed</th><th>Registered at</th></tr>";
  if (!s.deregistrations.length) { der += "<tr><td colspan=\"6\" class=\"empty\">No deregistrations yet.</td></tr>"; }
  s.deregistrations.forEach(function (d) {
    der += "<tr class=\"deregistration\" data-instance-id=\"" + esc(d.instanceId) + "\"><td>" + esc(d.time) + "</td><td>" + esc(d.serviceName) + " <code>" + esc(d.serviceId) +
      "</code></td><td><code>" + esc(d.instanceId) + "</code>" + (d.proofOfLife ? " <span class=\"badge proof\">proof of life</span>" : "") +
      "</td><td>" + esc(d.address || "") + (d.port ? ":" + esc(d.port) : "") + "</td><td class=\"" + esc(d.health) + "\">" + esc(d.health) +
      (d.routable ? " (still routable)" : "") + "</td><td>" + esc(d.registeredAt) + "</td></tr>";
  });
  document.getElementById("deregistrations").innerHTML = der + "</table>";
  var ops = "<table><tr><th>Operation</th><th>Type</th><th>Status</th><th>Targets</th><th>Updated</th></tr>";
  if (!s.operations.length) { ops += "<tr><td colspan=\"5\" class=\"empty\">No operations yet.</td></tr>"; }
  s.operations.forEach(function (o) {
    ops += "<tr><td><code>" + esc(o.id) + "</code></td><td>" + esc(o.type) + "</td><td class=\"" + esc(o.status) + "\">" + esc(o.status) +
      (o.errorCode ? " (" + esc(o.errorCode) + ")" : "") + "</td><td>" + attrs(o.targets) + "</td><td>" + esc(o.updateDate) + "</td></tr>";
  });
  document.getElementById("operations").innerHTML = ops + "</table>";
}
function registrations(s, matches) {
  var found = [];
  s.namespaces.forEach(function (ns) {
    ns.services.forEach(function (svc) {
      svc.instances.forEach(function (i) { if (matches(i, i.attributes || {})) { found.push({ service: svc.name, instance: i }); } });
    });
  });
  return found;
}
function owners(found, address) {
  if (!found.length) { return "<span class=\"empty\">none</span>"; }
  return found.map(function (f) {
    var moved = f.instance.address && f.instance.address !== address;
    return "<span class=\"registration\">" + esc(f.service) + " / <code>" + esc(f.instance.id) + "</code>" +
      (moved ? " <span class=\"UNHEALTHY\">registered at " + esc(f.instance.address) + ", which it no longer holds</span>" : "") + "</span>";
  }).join("<br>");
}
function renderPlatform(s, tasks, instances) {
  var t = "<table><tr><th>Cluster</th><th>Task</th><th>Last status</th><th>Desired</th><th>Health</th><th>IP</th><th>Zone</th><th>Registrations</th></tr>";
  if (!tasks.length) { t += "<tr><td colspan=\"8\" class=\"empty\">No tasks.</td></tr>"; }
  tasks.forEach(function (task) {
    var found = registrations(s, function (i, a) { return a.ECS_TASK_ARN === task.taskArn || i.id === task.taskId; });
    t += "<tr class=\"task\" data-task-id=\"" + esc(task.taskId) + "\"><td>" + esc(task.cluster) + (task.serviceName ? " <span class=\"meta\">service " + esc(task.serviceName) + "</span>" : "") +
      "</td><td><code>" + esc(task.taskId) + "</code></td><td class=\"" + esc(task.lastStatus) + "\">" + esc(task.lastStatus) +
      (task.stopCode ? " <span class=\"meta\">(" + esc(task.stopCode) + ")</span>" : "") + "</td><td>" + esc(task.desiredStatus) +
      "</td><td class=\"" + esc(task.healthStatus) + "\">" + esc(task.healthStatus) + "</td><td>" + esc(task.privateIPv4Address) +
      "</td><td>" + esc(task.availabilityZone) + "</td><td>" + owners(found, task.privateIPv4Address) + "</td></tr>";
  });
  document.getElementById("tasks").innerHTML = t + "</table>";
  var e = "<table><tr><th>Instance</th><th>State</th><th>Private IP</th><th>Zone</th><th>Registrations</th></tr>";
  if (!instances.length) { e += "<tr><td colspan=\"5\" class=\"empty\">No instances.</td></tr>"; }
  instances.forEach(function (ec2) {
    var found = registrations(s, function (i, a) { return a.EC2_INSTANCE_ID === ec2.instanceId || a.AWS_EC2_INSTANCE_ID === ec2.instanceId || i.id === ec2.instanceId; });
    e += "<tr class=\"ec2-instance\" data-ec2-instance-id=\"" + esc(ec2.instanceId) + "\"><td><code>" + esc(ec2.instanceId) + "</code></td><td class=\"" + esc(ec2.state) + "\">" + esc(ec2.state) +
      (ec2.stateChangesAt ? " <span class=\"meta\">until " + esc(ec2.stateChangesAt) + "</span>" : "") + "</td><td>" +
      (ec2.privateIpAddress ? esc(ec2.privateIpAddress) : "<span class=\"empty\">none</span>") + "</td><td>" + esc(ec2.availabilityZone) +
      "</td><td>" + owners(found, ec2.privateIpAddress) + "</td></tr>";
  });
  document.getElementById("ec2").innerHTML = e + "</table>";
}
function getJson(path) {
  return fetch(path, { cache: "no-store" }).then(function (r) { if (!r.ok) { throw new Error(path + ": HTTP " + r.status); } return r.json(); });
}
function poll() {
  Promise.all([getJson("/_emulator/state"), getJson("/_emulator/ecs/tasks"), getJson("/_emulator/ec2/instances")])
    .then(function (all) { document.getElementById("error").textContent = ""; render(all[0]); renderPlatform(all[0], all[1], all[2]); })
    .catch(function (e) { document.getElementById("error").textContent = "cannot reach the emulator: " + e.message; })
    .finally(function () { setTimeout(poll, 1000); });
}
poll();
</script>
</body>
</html>
""";
}
