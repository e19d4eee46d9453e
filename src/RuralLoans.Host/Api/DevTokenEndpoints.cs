using RuralLoans.Host.Auth;
using RuralLoans.Pipeline.Partners;

namespace RuralLoans.Host.Api;

public sealed record DevTokenRequest(string? Role, string? Subject);

public sealed record DevTokenView(string Token, string Role, string Subject, DateTimeOffset ExpiresAt);

/// <summary>Marks an endpoint that exists only on the local dev services; the Functions app never declares it.</summary>
public sealed class LocalDevelopmentOnly
{
    public static LocalDevelopmentOnly Instance { get; } = new();

    private LocalDevelopmentOnly()
    {
    }
}

/// <summary>Development sign-in: mapped only when the host runs on the local dev services, so it does not exist in Azure.</summary>
internal static class DevTokenEndpoints
{
    public static void Map(RouteGroupBuilder api, DevTokenIssuer issuer, Func<PartnerDirectory> partners)
    {
        api.MapPost("/dev/tokens", (DevTokenRequest request) =>
        {
            try
            {
                DevTokenIssuer.CheckKnownActor(partners(), request.Role ?? "", request.Subject ?? "");
                var token = issuer.Issue(request.Role ?? "", request.Subject ?? "");
                return Results.Ok(new DevTokenView(token, request.Role!, request.Subject!, DateTimeOffset.UtcNow + DevTokenIssuer.Lifetime));
            }
            catch (DevTokenException e)
            {
                return ApiProblems.Problem(StatusCodes.Status400BadRequest, e.Code, e.Message);
            }
        })
            .WithName("CreateDevToken").WithTags("Development").AllowAnonymous().WithMetadata(LocalDevelopmentOnly.Instance)
            .WithSummary("Mint a development token for a role and subject (local development only; absent in Azure).")
            .Produces<DevTokenView>().ProducesProblem(StatusCodes.Status400BadRequest);
    }
}
