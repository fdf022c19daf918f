// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text.Json;
using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>Which endpoint of a service an operation belongs to.</summary>
internal enum ApiPlane
{
    /// <summary>The control plane (<c>servicediscovery.&lt;region&gt;</c>).</summary>
    Control,

    /// <summary>The data plane (host prefix <c>data-</c>): discovery, with its own throttling error.</summary>
    Data,
}

/// <summary>
/// One entry of an operation table: the operation's name, plane, whether it is asynchronous (answers an
/// <c>OperationId</c>, and an injected operation failure applies to it), and its handler. The entry reads the request
/// into the handler's typed input and writes the handler's typed response; JSON exists only here, at the edge.
/// </summary>
internal sealed class AwsOperation(string name, ApiPlane plane, bool isAsync, Type responseType, Func<JsonObject, string?, object> invoke)
{
    public string Name { get; } = name;

    public ApiPlane Plane { get; } = plane;

    public bool IsAsync { get; } = isAsync;

    /// <summary>Gets the type of the handler's answer (<see cref="OperationIdResponse"/> for asynchronous operations).</summary>
    public Type ResponseType { get; } = responseType;

    /// <summary>A synchronous operation: <paramref name="handle"/> answers with its response.</summary>
    public static AwsOperation Sync<TInput, TResponse>(string name, ApiPlane plane, Func<JsonObject, TInput> read, Func<TInput, TResponse> handle)
        where TResponse : notnull =>
        new(name, plane, isAsync: false, typeof(TResponse), (body, _) => handle(read(body)));

    /// <summary>An asynchronous operation: <paramref name="handle"/> gets the injected failure code (or <see langword="null"/>) and returns the operation id.</summary>
    public static AwsOperation Async<TInput>(string name, ApiPlane plane, Func<JsonObject, TInput> read, Func<TInput, string?, string> handle) =>
        new(name, plane, isAsync: true, typeof(OperationIdResponse), (body, failCode) => new OperationIdResponse(handle(read(body), failCode)));

    /// <summary>Reads <paramref name="body"/>, runs the handler and returns the response as UTF-8 JSON.</summary>
    /// <param name="body">The request body.</param>
    /// <param name="failCode">The injected operation failure; ignored by synchronous operations.</param>
    public byte[] Invoke(JsonObject body, string? failCode)
    {
        var response = invoke(body, IsAsync ? failCode : null);
        return JsonSerializer.SerializeToUtf8Bytes(response, ResponseType, EmulatorJson.Wire);
    }
}

/// <summary>The answer of every asynchronous operation.</summary>
internal sealed record OperationIdResponse(string OperationId);

/// <summary>The answer <c>{}</c>.</summary>
internal sealed record EmptyResponse
{
    public static readonly EmptyResponse Instance = new();
}
