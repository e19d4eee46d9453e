using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using RuralLoans.Host.Auth;

namespace RuralLoans.Host.Api;

/// <summary>How many uploads and actions one caller may send per minute (<c>RateLimits__UploadsPerMinute</c>, <c>__ActionsPerMinute</c>).</summary>
public sealed record ApiRateLimitOptions(int UploadsPerMinute = 60, int ActionsPerMinute = 120)
{
    public static ApiRateLimitOptions FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection("RateLimits");
        return new ApiRateLimitOptions(Read(section, "UploadsPerMinute", 60), Read(section, "ActionsPerMinute", 120));

        static int Read(IConfigurationSection section, string name, int fallback) =>
            section[name] is { } text
                ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
                    ? value
                    : throw new InvalidOperationException($"RateLimits__{name}: '{text}' is not a positive whole number.")
                : fallback;
    }
}

/// <summary>
/// Per-caller limits on what costs us most: uploads (OCR, storage) and actions (events into the task hub). A partner
/// signs in as itself, so its limit is the partner's; anonymous requests are limited by address. A refused request gets
/// a 429 problem with <c>Retry-After</c>.
/// </summary>
public static class ApiRateLimits
{
    public const string Uploads = "uploads";
    public const string Actions = "actions";

    public static IServiceCollection AddApiRateLimits(this IServiceCollection services, ApiRateLimitOptions limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(Uploads, http => PerCaller(http, Uploads, limits.UploadsPerMinute));
            options.AddPolicy(Actions, http => PerCaller(http, Actions, limits.ActionsPerMinute));
            options.OnRejected = async (context, ct) =>
            {
                var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await ApiProblems.Problem(StatusCodes.Status429TooManyRequests, "too-many-requests",
                    $"Too many requests from this caller; try again in {seconds} s.").ExecuteAsync(context.HttpContext);
            };
        });
    }

    private static RateLimitPartition<string> PerCaller(HttpContext http, string policy, int perMinute)
    {
        var options = http.RequestServices.GetRequiredService<ApiAuthOptions>();
        var caller = Actor.From(http.User, options.ActorIdClaim) is { } actor
            ? $"{actor.Role}:{actor.Id}"
            : "address:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        return RateLimitPartition.GetFixedWindowLimiter($"{policy}|{caller}", _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = perMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });
    }
}

/// <summary>Answers of the API are never cached by a browser or proxy and never content-sniffed.</summary>
public static class ApiResponseHeaders
{
    public static IApplicationBuilder UseApiResponseHeaders(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        http.Response.OnStarting(() =>
        {
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            // The portal's scripts and styles may be cached; every page and API answer may not.
            if (!http.Request.Path.StartsWithSegments("/js", StringComparison.Ordinal)
                && !http.Request.Path.StartsWithSegments("/i18n", StringComparison.Ordinal) && !http.Request.Path.StartsWithSegments("/css", StringComparison.Ordinal))
            {
                headers.CacheControl = "no-store";
            }
            return Task.CompletedTask;
        });
        await next(http);
    });
}
