using System.Text.Json;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.IdentityModel.Tokens;

namespace RuralLoans.Host.Auth;

/// <summary>
/// Where bearer tokens come from. In production: Entra ID (<see cref="Authority"/> and <see cref="Audience"/>, app roles
/// in the <c>roles</c> claim). Locally: HS256 tokens signed with <see cref="DevSigningKey"/>.
/// </summary>
public sealed record ApiAuthOptions
{
    /// <summary>The token issuer's authority, e.g. https://login.microsoftonline.com/{tenant}/v2.0. Null: development tokens.</summary>
    public string? Authority { get; init; }

    /// <summary>The API's application id URI or client id, as the token's <c>aud</c> carries it.</summary>
    public string? Audience { get; init; }

    /// <summary>The claim that carries the actor id (partner id, village partner id or person).</summary>
    public string ActorIdClaim { get; init; } = "sub";

    /// <summary>Key for development tokens; only used when <see cref="Authority"/> is not set.</summary>
    public byte[]? DevSigningKey { get; init; }

    /// <summary>Whether <c>POST /api/dev/tokens</c> exists (development with the local dev services only).</summary>
    public bool IssueDevTokens { get; init; }

    /// <summary>The longest a token may be valid from issue to expiry: a self-signed ten-year token is refused.</summary>
    public TimeSpan MaxTokenLifetime { get; init; } = TimeSpan.FromHours(28);

    /// <summary>How far the token's clock may be from ours.</summary>
    public static TimeSpan ClockSkew { get; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Reads <c>Auth:Authority</c>, <c>Auth:Audience</c>, <c>Auth:ActorIdClaim</c> and <c>Auth:DevTokenKey</c> (environment
    /// variables <c>Auth__Authority</c> etc., as Azure app settings are). Without an authority, development tokens are
    /// accepted, signed with the configured key or the one generated under <c>.devservices/</c>.
    /// </summary>
    public static ApiAuthOptions FromConfiguration(IConfiguration configuration, string root, bool localDevelopment)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection("Auth");
        var authority = section["Authority"];
        if (!string.IsNullOrWhiteSpace(authority))
        {
            return new ApiAuthOptions
            {
                Authority = authority,
                Audience = section["Audience"] is { Length: > 0 } audience ? audience
                    : throw new InvalidOperationException("Auth__Audience must be set with Auth__Authority (the API's application id URI, e.g. api://ruralloans)."),
                ActorIdClaim = section["ActorIdClaim"] is { Length: > 0 } claim ? claim : "sub",
            };
        }
        if (!localDevelopment)
        {
            // Never fall back to a key from settings or a file: outside local development that would let anyone who
            // can read it mint tokens. The settings loader refuses such a start with a message; this guards other callers.
            throw new InvalidOperationException("Auth__Authority must be set outside local development; development tokens are refused.");
        }
        return new ApiAuthOptions
        {
            DevSigningKey = DevTokenIssuer.LoadOrCreateKey(root, section["DevTokenKey"]),
            IssueDevTokens = true,
            MaxTokenLifetime = DevTokenIssuer.Lifetime,
        };
    }
}

/// <summary>Bearer authentication and the role policies every endpoint names.</summary>
public static class ApiAuthentication
{
    /// <summary>The claim Entra ID puts app roles in.</summary>
    public const string RoleClaim = "roles";

    public static class Policies
    {
        public const string AnyRole = "any-role";
        public const string Partner = "partner";
        public const string VillagePartner = "village-partner";
        public const string Operator = "operator";
        public const string Auditor = "auditor";
        public const string AuditorOrOperator = "auditor-or-operator";
    }

    public static IServiceCollection AddRuralLoansAuthentication(this IServiceCollection services, ApiAuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(bearer =>
        {
            // Keep claim names as the token spells them ("sub", "roles") instead of the legacy SOAP claim URIs.
            bearer.MapInboundClaims = false;
            var parameters = new TokenValidationParameters
            {
                NameClaimType = options.ActorIdClaim,
                RoleClaimType = RoleClaim,
                ClockSkew = ApiAuthOptions.ClockSkew,
                RequireExpirationTime = true,
                LifetimeValidator = (notBefore, expires, token, validation) =>
                    expires is { } end && end.ToUniversalTime() + validation.ClockSkew >= DateTime.UtcNow
                    && (notBefore ?? (token as Microsoft.IdentityModel.JsonWebTokens.JsonWebToken)?.IssuedAt) is { } start
                    && (notBefore is null || start.ToUniversalTime() - validation.ClockSkew <= DateTime.UtcNow)
                    && end - start <= options.MaxTokenLifetime,
            };
            if (options.Authority is { } authority)
            {
                bearer.Authority = authority;
                bearer.Audience = options.Audience;
                parameters.ValidAudience = options.Audience;
                // Entra ID signs access tokens with RS256; anything else (HS256 with a guessed key, "none") is refused.
                parameters.ValidAlgorithms = [SecurityAlgorithms.RsaSha256];
            }
            else
            {
                var key = options.DevSigningKey ?? throw new InvalidOperationException("Development tokens need a signing key.");
                parameters.ValidIssuer = DevTokenIssuer.Issuer;
                parameters.ValidAudience = DevTokenIssuer.Audience;
                parameters.IssuerSigningKey = new SymmetricSecurityKey(key) { KeyId = "ruralloans-dev" };
                parameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
            }
            bearer.TokenValidationParameters = parameters;
            bearer.Events = new JwtBearerEvents
            {
                OnChallenge = async context =>
                {
                    context.HandleResponse();
                    var reason = context.AuthenticateFailure is null
                        ? "Sign in: send Authorization: Bearer <token>."
                        : "The bearer token is not valid (expired, wrongly signed or for another audience).";
                    await WriteProblemAsync(context.HttpContext, StatusCodes.Status401Unauthorized, "unauthenticated", reason);
                },
                OnForbidden = context => WriteProblemAsync(context.HttpContext, StatusCodes.Status403Forbidden, "wrong-role",
                    "Your role may not do this."),
            };
        });

        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.AnyRole, RoleSet(ApiRoles.All.ToArray()))
            .AddPolicy(Policies.Partner, RoleSet(ApiRoles.Partner))
            .AddPolicy(Policies.VillagePartner, RoleSet(ApiRoles.VillagePartner))
            .AddPolicy(Policies.Operator, RoleSet(ApiRoles.Operator))
            .AddPolicy(Policies.Auditor, RoleSet(ApiRoles.Auditor))
            .AddPolicy(Policies.AuditorOrOperator, RoleSet(ApiRoles.Auditor, ApiRoles.Operator));
        return services;

        Action<AuthorizationPolicyBuilder> RoleSet(params string[] roles) => policy => policy
            .RequireAuthenticatedUser()
            .RequireAssertion(context => Actor.From(context.User, options.ActorIdClaim) is { } actor && roles.Contains(actor.Role, StringComparer.Ordinal));
    }

    /// <summary>The actor of an authorized request (the endpoint's policy guarantees there is one).</summary>
    public static Actor RequireActor(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = context.RequestServices.GetRequiredService<ApiAuthOptions>();
        return Actor.From(context.User, options.ActorIdClaim) ?? throw new InvalidOperationException("An endpoint without a role policy asked for the actor.");
    }

    private static async Task WriteProblemAsync(HttpContext context, int status, string code, string reason)
    {
        if (context.Response.HasStarted)
        {
            return;
        }
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/problem+json";
        var problem = new ProblemDetails
        {
            Status = status,
            Title = status == StatusCodes.Status401Unauthorized ? "Unauthorized" : "Forbidden",
            Detail = reason,
            Extensions = { ["code"] = code },
        };
        await JsonSerializer.SerializeAsync(context.Response.Body, problem, ProblemJson, context.RequestAborted);
    }

    private static readonly JsonSerializerOptions ProblemJson = new(JsonSerializerDefaults.Web);
}
