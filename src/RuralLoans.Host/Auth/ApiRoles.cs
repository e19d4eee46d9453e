using System.Security.Claims;

namespace RuralLoans.Host.Auth;

/// <summary>The four kinds of people the API serves, named as the token's <c>roles</c> claim (an Entra ID app role) names them.</summary>
public static class ApiRoles
{
    public const string Partner = "partner";
    public const string VillagePartner = "village-partner";
    public const string Auditor = "auditor";
    public const string Operator = "operator";

    public static IReadOnlyList<string> All { get; } = [Partner, VillagePartner, Auditor, Operator];

    public static bool IsKnown(string? role) => role is not null && All.Contains(role, StringComparer.Ordinal);
}

/// <summary>Who is calling: the actor id from the token (a partner id, a village partner id or a person) and their one role.</summary>
public sealed record Actor(string Id, string Role)
{
    public bool IsPartner => Role == ApiRoles.Partner;
    public bool IsVillagePartner => Role == ApiRoles.VillagePartner;
    public bool IsAuditor => Role == ApiRoles.Auditor;
    public bool IsOperator => Role == ApiRoles.Operator;

    /// <summary>
    /// The actor a validated token describes, or null when it names no role of ours or more than one: a token that is
    /// both partner and auditor would make every answer ambiguous about what may be seen, so it is refused.
    /// </summary>
    public static Actor? From(ClaimsPrincipal principal, string actorIdClaim)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var id = principal.FindFirst(actorIdClaim)?.Value;
        var roles = principal.FindAll(ApiAuthentication.RoleClaim).Select(c => c.Value).Where(ApiRoles.IsKnown).Distinct(StringComparer.Ordinal).ToList();
        return string.IsNullOrWhiteSpace(id) || roles.Count != 1 ? null : new Actor(id, roles[0]);
    }
}
