// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace CloudMap.Lifecycle.Internal.Cleanup;

/// <summary>
/// Puts <see cref="ProofOfLifeMiddleware"/> in front of the application's whole pipeline. Registered first in the
/// service collection, so it is the outermost startup filter: host filtering, forwarded headers, HTTPS redirection,
/// authentication and authorization, routing and any catch-all the application adds never see a probe.
/// </summary>
/// <remarks>
/// A generic host without a web server never builds a pipeline, so this never runs there and nothing is advertised.
/// </remarks>
internal sealed class ProofOfLifeStartupFilter(ProofOfLifeResponder responder) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        return app =>
        {
            app.UseMiddleware<ProofOfLifeMiddleware>(responder);
            next(app);
            responder.MarkPipelineBuilt();
        };
    }
}
