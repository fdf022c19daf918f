// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text;
using CloudMap.Lifecycle.Testing.Internal.Platform;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>
/// The Query-protocol front (EC2): a <c>POST /</c> without <c>X-Amz-Target</c> and with a form body. Same steps as the
/// AWS JSON dispatcher (count, SigV4 with signing name <c>ec2</c>, injected faults, record before answering), but the
/// operation is the form's <c>Action</c> and answers and errors are EC2's XML.
/// </summary>
internal sealed partial class EmulatorServer
{
    private const string XmlContentType = "text/xml;charset=UTF-8";

    /// <summary>A Query-protocol request: no <c>X-Amz-Target</c>, a form-encoded body.</summary>
    private static bool IsQueryRequest(HttpRequest request) =>
        string.IsNullOrEmpty(request.Headers["X-Amz-Target"].ToString())
        && MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed)
        && string.Equals(parsed.MediaType.Value, "application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);

    private async Task HandleQueryAsync(HttpContext context, PlatformState platformState)
    {
        var started = _time.GetTimestamp();
        var arrived = _time.GetUtcNow();
        var requestId = context.Response.Headers["x-amzn-RequestId"].ToString();
        var name = "(unknown)";
        byte[]? result = null;
        AwsErrorException? error = null;
        var injected = false;
        var throttled = false;
        try
        {
            var body = await ReadBodyAsync(context).ConfigureAwait(false);
            Dictionary<string, string>? form = null;
            if (body is not null)
            {
                form = QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body)).ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal);
                name = form.TryGetValue("Action", out var action) && action.Length > 0 ? action : "(none)";
            }

            recorder.Count(name);
            if (body is null)
            {
                throw new AwsErrorException("RequestEntityTooLarge", "The request body is too large.", 413);
            }

            try
            {
                verifier?.Verify(context.Request, body, PlatformState.Ec2SigningName);
            }
            catch (AwsErrorException e)
            {
                throw Ec2AuthError(e);
            }

            if (await ApplyFaultsAsync(context, name, CloudMapRules.ErrorCodes.RequestLimitExceeded, arrived, started).ConfigureAwait(false) is not { } decision)
            {
                return;
            }

            if (decision.Error is { } fault)
            {
                (injected, throttled) = (true, decision.Throttled);
                throw fault;
            }

            if (!form!.ContainsKey("Version"))
            {
                throw new AwsErrorException("MissingParameter", "The request must contain the parameter Version.");
            }

            result = platformState.HandleEc2(name, form, requestId);
        }
        catch (AwsErrorException e)
        {
            error = e;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            error = new AwsErrorException("InternalError", "The emulator failed: " + e.Message, 500);
        }

        recorder.Record(new EmulatedRequest(arrived, name, error?.StatusCode ?? 200, error?.Code, _time.GetElapsedTime(started), injected), throttled);
        if (error is not null)
        {
            await WriteAsync(context, error.StatusCode, PlatformState.Ec2ErrorXml(error.Code, error.Message, requestId), XmlContentType).ConfigureAwait(false);
        }
        else
        {
            await WriteAsync(context, 200, result!, XmlContentType).ConfigureAwait(false);
        }
    }

    /// <summary>EC2 names signature failures its own way (UNCONFIRMED beyond the codes: the messages are the JSON services').</summary>
    private static AwsErrorException Ec2AuthError(AwsErrorException e) => new(
        e.Code switch
        {
            CloudMapRules.ErrorCodes.MissingAuthenticationToken => "MissingAuthenticationToken",
            CloudMapRules.ErrorCodes.UnrecognizedClient => "AuthFailure",
            CloudMapRules.ErrorCodes.InvalidSignature or CloudMapRules.ErrorCodes.IncompleteSignature => "SignatureDoesNotMatch",
            var other => other,
        },
        e.Message,
        e.Code == CloudMapRules.ErrorCodes.UnrecognizedClient ? 401 : e.StatusCode == 400 ? 403 : e.StatusCode);
}
