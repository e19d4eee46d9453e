using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace RuralLoans.Host.Functions;

/// <summary>
/// The HTTP functions, derived from the app's ASP.NET Core endpoints so each endpoint is declared once: one function
/// per endpoint (route, verbs, and its <c>WithName</c> name), forwarded to it unchanged by the Functions host.
/// Catch-all endpoints (the portal's fallback) and the static files are served through one <see cref="PortalFunction"/>,
/// a GET/HEAD catch-all that the host ranks below every literal route.
/// </summary>
public static class HttpFunctions
{
    public const string PortalFunction = "Portal";

    private static readonly string[] AllVerbs = ["get", "post", "put", "patch", "delete", "head", "options"];

    public static IReadOnlyList<FunctionDeclaration> Declare(EndpointDataSource endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var functions = new List<FunctionDeclaration>();
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { PortalFunction };
        foreach (var endpoint in endpoints.Endpoints.OfType<RouteEndpoint>().OrderBy(e => e.RoutePattern.RawText, StringComparer.Ordinal))
        {
            if (endpoint.Metadata.GetMetadata<CustomHandlerInvocationMetadata>() is not null
                || endpoint.Metadata.GetMetadata<Api.LocalDevelopmentOnly>() is not null
                || endpoint.RoutePattern.Parameters.Any(parameter => parameter.IsCatchAll))
            {
                continue;
            }

            var route = RouteOf(endpoint.RoutePattern);
            var verbs = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods
                .Select(verb => verb.ToLowerInvariant())
                .Order(StringComparer.Ordinal)
                .ToList() ?? [];
            if (verbs.Count > 0 && verbs.Except(AllVerbs).FirstOrDefault() is { } unknown)
            {
                throw new InvalidOperationException($"Endpoint '{route}' answers {unknown.ToUpperInvariant()}, which Azure Functions HTTP triggers do not route.");
            }

            var name = endpoint.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? NameFromRoute(route, verbs);
            if (!taken.Add(name))
            {
                throw new InvalidOperationException($"Two endpoints make a function named '{name}'; give one of them another .WithName(...).");
            }
            functions.Add(new FunctionDeclaration(name, new HttpTrigger(route, verbs)));
        }

        functions.Add(new FunctionDeclaration(PortalFunction, new HttpTrigger("{*path}", ["get", "head"])));
        return functions;
    }

    private static string RouteOf(RoutePattern pattern)
    {
        var text = pattern.RawText ?? throw new InvalidOperationException("An endpoint has no route text to declare as a Functions route.");
        var route = text.Trim('/');
        if (route.Length == 0)
        {
            throw new InvalidOperationException("An endpoint is mapped at '/', where the portal is served; map it under a path of its own.");
        }
        return route;
    }

    /// <summary>"api/applications/{id}" answering GET becomes "GetApiApplicationsId"; healthz becomes "Healthz".</summary>
    private static string NameFromRoute(string route, List<string> verbs)
    {
        var name = new StringBuilder();
        if (verbs.Count == 1 && verbs[0] != "get")
        {
            name.Append(char.ToUpperInvariant(verbs[0][0])).Append(verbs[0][1..]);
        }
        var capitalize = true;
        foreach (var c in System.Text.RegularExpressions.Regex.Replace(route, @"\{\*?([^}:=?]+)[^}]*\}", "$1"))
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                name.Append(capitalize ? char.ToUpper(c, CultureInfo.InvariantCulture) : c);
                capitalize = false;
            }
            else
            {
                capitalize = true;
            }
        }
        return name.Length > 0 && char.IsAsciiLetter(name[0]) ? name.ToString() : "Http" + name;
    }
}

/// <summary>Marks the endpoints the Functions host calls with a custom-handler payload; they are not HTTP functions themselves.</summary>
public sealed record CustomHandlerInvocationMetadata(string FunctionName);
