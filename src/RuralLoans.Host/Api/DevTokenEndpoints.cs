using RuralLoans.Host.Auth;
using RuralLoans.Pipeline.Partners;

namespace RuralLoans.Host.Api;

public sealed record DevTokenRequest(string? Role, string? Subject);

public sealed record DevTokenView(string Token, string Role, string Subject, DateTimeOffset ExpiresAt);

/// <summary>Development sign-in: mapped only when the host runs on the local dev services, so it does not exist in Azure.</summary>
internal static class DevTokenEndpoints
{
    public static void Map(RouteGroupBuilder api, DevTokenIssuer issuer, PartnerDirectory partners)
    {
        api.MapPost("/dev/tokens", (DevTokenRequest request) =>
        {
            try
            {
                CheckKnownActor(partners, request.Role ?? "", request.Subject ?? "");
                var token = issuer.Issue(request.Role ?? "", request.Subject ?? "");
                return Results.Ok(new DevTokenView(token, request.Role!, request.Subject!, DateTimeOffset.UtcNow + DevTokenIssuer.Lifetime));
            }
            catch (DevTokenException e)
            {
                return ApiProblems.Problem(StatusCodes.Status400BadRequest, e.Code, e.Message);
            }
        })
            .WithName("CreateDevToken").WithTags("Development").AllowAnonymous()
            .WithSummary("Mint a development token for a role and subject (local development only; absent in Azure).")
            .Produces<DevTokenView>().ProducesProblem(StatusCodes.Status400BadRequest);
    }

    /// <summary>Partner and village-partner tokens must name someone in config/partners.json, or nothing would be theirs.</summary>
    public static void CheckKnownActor(PartnerDirectory partners, string role, string subject)
    {
        ArgumentNullException.ThrowIfNull(partners);
        if (role == ApiRoles.Partner && !partners.IsMicrofinancePartner(subject))
        {
            throw new DevTokenException("unknown-partner", $"'{subject}' is not a microfinance partner. Known: {string.Join(", ", partners.MicrofinancePartners.Select(p => p.Id))}.");
        }
        if (role == ApiRoles.VillagePartner && partners.FindVillagePartner(subject) is null)
        {
            throw new DevTokenException("unknown-village-partner", $"'{subject}' is not a village partner. Known: {string.Join(", ", partners.VillagePartners.Select(p => p.Id))}.");
        }
    }
}
