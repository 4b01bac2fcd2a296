using LiveOrleans.Api.Auth;
using LiveOrleans.Api.Endpoints;
using LiveOrleans.Api.Http;
using LiveOrleans.Api.Identity;
using LiveOrleans.Api.Ingest;
using LiveOrleans.Hosting;
using LiveOrleans.Live;
using LiveOrleans.Storage;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;

namespace LiveOrleans.Api.Hosting;

/// <summary>Registers and maps the whole Api in one call each; the Api co-hosts a LiveOrleans silo (embedded mode).</summary>
public static class LiveApiRegistration
{
    public static WebApplicationBuilder AddLiveApi(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var services = builder.Services;

        // SignalR's dispatcher logs every failed hub call at error level, expected refusals (HubException) included:
        // HubErrorFilter logs the real failures instead.
        builder.Logging.AddFilter("Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher", LogLevel.None);
        // Likewise its connection handler, which logs a connection refused in OnConnectedAsync (a cap) as an error with
        // its stack trace: HubErrorFilter logs a refusal as one warning line, and real failures as errors.
        builder.Logging.AddFilter("Microsoft.AspNetCore.SignalR.HubConnectionHandler", LogLevel.None);
        // Authentication handlers and the authorization service log each refused credential at information level, four
        // lines a request: a guessing client would fill the log. Ours log what matters themselves (BasicAuthenticationHandler:
        // one debug line).
        foreach (var handler in new[] { typeof(BearerAuthenticationHandler), typeof(ApiKeyAuthenticationHandler), typeof(BasicAuthenticationHandler) })
            builder.Logging.AddFilter(handler.FullName, LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Authorization.DefaultAuthorizationService", LogLevel.Warning);

        // The silo (or the Orleans client) first: hosted services start in order, and everything below talks to grains.
        if (IsOrleansClient(configuration))
        {
            services.AddLiveStore(configuration).AddLiveShared(configuration);
            builder.UseOrleansClient(client =>
            {
                client.AddLiveOrleansClient(configuration);
                if (!string.IsNullOrEmpty(configuration["Telemetry:OtlpEndpoint"])) client.AddActivityPropagation();
            });
        }
        else
        {
            builder.UseOrleans(silo =>
            {
                silo.AddLiveOrleansSilo(configuration);
                if (ServesOrleansDashboard(configuration)) silo.AddDashboard();
                // Trace context on every grain message only when traces go somewhere (it costs on each call).
                if (!string.IsNullOrEmpty(configuration["Telemetry:OtlpEndpoint"])) silo.AddActivityPropagation();
            });
        }
        builder.AddLiveObservability();

        // Ingest and Push, like Live and Log, are checked when the host starts: a bad setting stops it naming the key.
        services.AddOptions<IngestOptions>().Bind(configuration.GetSection("Ingest")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<IngestOptions>, IngestOptionsValidator>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<IngestOptions>>().Value);
        // The Api's own tables, on the store's database: the silo side's implementations of the storage contracts.
        services.AddSingleton<IIdentityStore, SqlIdentityStore>();
        services.AddSingleton<AccessCache>();
        services.AddSingleton<PersonNames>();
        services.AddSingleton<AccessAudit>();
        services.AddSingleton<Live.HubAccessWatch>();
        services.AddHostedService(sp => sp.GetRequiredService<Live.HubAccessWatch>());
        services.AddSingleton<ISavedViewStore, SqlSavedViewStore>();
        services.AddSingleton<TenantAdministration>();
        services.AddHostedService<Bootstrapper>();
        services.AddSingleton<IngestService>();
        services.AddOptions<Live.PushOptions>().Bind(configuration.GetSection("Push")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<Live.PushOptions>, PushOptionsValidator>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<Live.PushOptions>>().Value);
        services.AddSingleton<Live.StreamSubscriptions>();
        services.AddSingleton<Live.LiveFanout>();
        services.AddHostedService(sp => sp.GetRequiredService<Live.LiveFanout>());
        services.AddSingleton<Live.ControlStreams>();
        services.AddSignalR(o =>
            {
                o.MaximumReceiveMessageSize = Limits.MaxBatchBytes + 64 * 1024;
                Microsoft.AspNetCore.SignalR.HubOptionsExtensions.AddFilter<Live.HubErrorFilter>(o);
            })
            .AddJsonProtocol(o => LiveJson.Configure(o.PayloadSerializerOptions))
            .AddMessagePackProtocol();
        // MessagePack carries the JSON protocol's very documents (docs/hubs.md, Protocols): made with its options.
        services.AddOptions<Microsoft.AspNetCore.SignalR.MessagePackHubProtocolOptions>()
            .Configure<IOptions<Microsoft.AspNetCore.SignalR.JsonHubProtocolOptions>>((o, json) =>
                o.SerializerOptions = LiveMessagePack.Options(json.Value.PayloadSerializerOptions, Live.RawJson.MessagePackFormatter));
        services.AddSingleton<Live.LiveHubLifetimeManager>();
        services.AddSingleton<Microsoft.AspNetCore.SignalR.HubLifetimeManager<Live.LiveHub>>(sp => sp.GetRequiredService<Live.LiveHubLifetimeManager>());
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton(sp => new TokenService(
            SigningKey(configuration, sp.GetRequiredService<IStoreDatabase>()),
            configuration.GetValue("Auth:TokenLifetime", TimeSpan.FromHours(12)),
            sp.GetRequiredKeyedService<TimeProvider>(LiveTime.Key)));

        services.ConfigureHttpJsonOptions(o => LiveJson.Configure(o.SerializerOptions));
        // Unreadable bodies raise BadHttpRequestException in every environment, so they are answered alike (400 naming "body").
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        // Every problem names its type (429 and 413 have no RFC 9110 section, so the defaults leave it out).
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
            c.ProblemDetails.Type ??= $"https://httpstatuses.io/{c.ProblemDetails.Status ?? c.HttpContext.Response.StatusCode}");
        services.AddOpenApi("v1", o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "LiveOrleans API";
            document.Info.Description = "Real-time conversation monitoring: ingest lifecycle events, read live figures. See README.md and docs/.";
            return Task.CompletedTask;
        }).AddLiveContract());
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 2 * Limits.MaxBatchBytes);

        services.AddAuthentication(LiveClaims.BearerScheme)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, BearerAuthenticationHandler>(LiveClaims.BearerScheme, null)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(LiveClaims.ApiKeyScheme, null)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, BasicAuthenticationHandler>(LiveClaims.BasicScheme, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(LiveClaims.ReadPolicy, p => p.AddAuthenticationSchemes(LiveClaims.BearerScheme).RequireRole("admin", "supervisor", "agent", "viewer"))
            .AddPolicy(LiveClaims.AdminPolicy, p => p.AddAuthenticationSchemes(LiveClaims.BearerScheme).RequireRole("admin"))
            .AddPolicy(LiveClaims.IntervenePolicy, p => p.AddAuthenticationSchemes(LiveClaims.BearerScheme).RequireRole("admin", "supervisor"))
            .AddPolicy(LiveClaims.PlatformPolicy, p => p.AddAuthenticationSchemes(LiveClaims.BearerScheme).RequireClaim(LiveClaims.PlatformAdmin, "true"))
            .AddPolicy(LiveClaims.OperatorPolicy, p => p.AddAuthenticationSchemes(LiveClaims.BasicScheme).RequireClaim(LiveClaims.PlatformAdmin, "true"))
            .AddPolicy(LiveClaims.ProducerPolicy, p => p.AddAuthenticationSchemes(LiveClaims.ApiKeyScheme).RequireRole(LiveClaims.ProducerRole));
        return builder;
    }

    /// <summary>Whether this Api node is an Orleans client only (<c>Orleans:Role=Client</c>), not a silo.</summary>
    public static bool IsOrleansClient(IConfiguration configuration)
        => string.Equals(configuration["Orleans:Role"], "Client", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether this Api node serves Orleans' dashboard: a silo, with <c>Orleans:Dashboard</c> not false.</summary>
    private static bool ServesOrleansDashboard(IConfiguration configuration)
        => LiveSiloBuilderExtensions.HostOf(configuration) is { IsClient: false, Dashboard: true };

    public static WebApplication MapLiveApi(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = WriteUnhandledAsync,
            // A body that is not the JSON an endpoint takes is the caller's mistake, answered 400: not an engine failure to log.
            SuppressDiagnosticsCallback = context => context.Exception is BadHttpRequestException,
        });
        app.UseStatusCodePages(context => context.HttpContext.Response.HasStarted || context.HttpContext.Response.ContentLength is not null
            ? Task.CompletedTask
            : Problems.Write(context.HttpContext, context.HttpContext.Response.StatusCode,
                ReasonPhrase(context.HttpContext.Response.StatusCode), $"{context.HttpContext.Request.Method} {context.HttpContext.Request.Path} answered {context.HttpContext.Response.StatusCode}."));
        // The web dashboard at / (static files; Vite's hashed assets may be cached for good, index.html never).
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = file => file.Context.Response.Headers.CacheControl =
                file.Context.Request.Path.StartsWithSegments("/assets") ? "public, max-age=31536000, immutable" : "no-cache",
        });
        app.UseAuthentication();
        app.UseAuthorization();
        app.Use(ClusterCalls.OnceMoreForSafeRequestsAsync);

        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapLiveObservability();
        // Pending entries: this process's log writer queue (0 on an Api node that is an Orleans client only).
        app.MapGet("/health", (IServiceProvider services) => TypedResults.Ok(new { status = "ok", pendingEntries = services.PendingLogEntries() }))
            .AllowAnonymous().ExcludeFromDescription();
        // Orleans' own dashboard (served by Api nodes that are silos) has no authentication: the platform administrator's, in front of it.
        if (ServesOrleansDashboard(app.Configuration))
        {
            app.MapOrleansDashboard("/orleans").RequireAuthorization(LiveClaims.OperatorPolicy).ExcludeFromDescription();
        }

        app.MapHub<Live.LiveHub>("/hubs/live");
        app.MapHub<Live.RuntimeHub>("/hubs/runtime");

        app.MapGroup("/api/v1")
            .RefuseUnknownQueryParameters()
            .MapAuthEndpoints()
            .MapTenantEndpoints()
            .MapIngestEndpoints()
            .MapLiveEndpoints()
            .MapInterventionEndpoints()
            .MapControlEndpoints()
            .MapViewEndpoints();
        return app;
    }

    private static Task WriteUnhandledAsync(HttpContext context)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        switch (error)
        {
            case OverloadedException overloaded:
                context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(overloaded.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Problems.Write(context, StatusCodes.Status429TooManyRequests, "Too Many Requests", overloaded.Message);
            case StoreUnavailableException unavailable:
                return WriteStoreUnavailableAsync(context, unavailable.RetryAfter);
            case System.Data.Common.DbException db when context.RequestServices.GetRequiredService<IStoreDatabase>().IsUnavailable(db):
                return WriteStoreUnavailableAsync(context, StoreUnavailableException.DefaultRetryAfter);
            case ObjectDisposedException:
                return Problems.Write(context, StatusCodes.Status503ServiceUnavailable, "Service Unavailable", "The engine is stopping; retry against another node or in a moment.");
            case { } transient when ClusterCalls.IsTransient(transient):
                context.Response.Headers.RetryAfter = "1";
                return Problems.Write(context, StatusCodes.Status503ServiceUnavailable, "Service Unavailable",
                    "The engine could not answer just now (a silo of the cluster left or joined it, or the database refused a connection for a moment); retry in a second (a repeated event is not stored twice).");
            case BadHttpRequestException { StatusCode: StatusCodes.Status400BadRequest } bad:
                return Problems.WriteInvalid(context, "body", BodyError(bad));
            case BadHttpRequestException bad:
                return Problems.Write(context, bad.StatusCode, ReasonPhrase(bad.StatusCode), bad.Message);
            default:
                return Problems.Write(context, StatusCodes.Status500InternalServerError, "Internal Server Error", "The engine failed to answer; the error is in its log.");
        }
    }

    /// <summary>
    /// 503 with Retry-After: the store could not make the request's writes durable (disk full, the file gone, the
    /// database refusing). Nothing of it was stored; where it was, a repeat is a duplicate. Never a 2xx, never a 500.
    /// </summary>
    private static Task WriteStoreUnavailableAsync(HttpContext context, TimeSpan retryAfter)
    {
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problems.Write(context, StatusCodes.Status503ServiceUnavailable, "Service Unavailable",
            "The store cannot take writes just now, so nothing of this request was stored; send it again after the time in Retry-After (a repeated event is not stored twice).");
    }

    /// <summary>What was wrong with a body an endpoint could not read, with the JSON path when the parser gave one.</summary>
    private static string BodyError(BadHttpRequestException bad)
    {
        var json = bad.InnerException as System.Text.Json.JsonException;
        var cause = json?.InnerException is InvalidOperationException invalid && invalid.Message.Contains("UTF", StringComparison.Ordinal)
            ? "a string is not valid Unicode text (a lone surrogate escape or invalid UTF-8)"
            : json?.Message ?? bad.Message;
        return json?.Path is { Length: > 0 } path ? $"Could not read the body at {path}: {cause}" : $"Could not read the body: {cause}";
    }

    private static string ReasonPhrase(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);

    /// <summary><c>Auth:SigningKey</c>, or a key generated once and kept in the store so tokens survive restarts.</summary>
    private static byte[] SigningKey(IConfiguration configuration, IStoreDatabase database)
    {
        var configured = configuration["Auth:SigningKey"];
        if (!string.IsNullOrEmpty(configured))
        {
            if (configured.Length < 32) throw new InvalidOperationException("Auth:SigningKey must be at least 32 characters.");
            return System.Text.Encoding.UTF8.GetBytes(configured);
        }
        return Convert.FromBase64String(database.GetOrAddMeta("token_signing_key",
            Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))));
    }
}
