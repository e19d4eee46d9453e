using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using RuralLoans.Host.Auth;
using RuralLoans.Host.Configuration;
using RuralLoans.Pipeline.Products;

namespace RuralLoans.Functions.Tests;

/// <summary>
/// What an HTTP function answers: the host's own pipeline, with its authentication, role policies, handlers and portal
/// files, reached through <see cref="ApiGateway"/> exactly as the functions call it (no Functions host needed).
/// </summary>
public sealed class ApiGatewayTests : IAsyncLifetime
{
    private static readonly byte[] DevKey = Encoding.UTF8.GetBytes("functions-tests-development-key!!");
    private ApiGateway _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        var root = PublishedFunctionApp.Root;
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Auth:DevTokenKey"] = Convert.ToBase64String(DevKey) })
            .Build();
        _gateway = await ApiGateway.StartAsync(SettingsLoader.Load(root, new Dictionary<string, string?>()), root, configuration, NullLoggerFactory.Instance, TestContext.Current.CancellationToken);
    }

    public ValueTask DisposeAsync() => _gateway.DisposeAsync();

    [Fact]
    public async Task The_health_function_is_answered_by_the_host_s_health_endpoint()
    {
        var (status, _, body, endpoint) = await SendAsync("GetHealth", "GET", "/healthz");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ok", JsonDocument.Parse(body).RootElement.GetProperty("status").GetString());
        Assert.Equal("GetHealth", Name(endpoint));
    }

    [Fact]
    public async Task Api_functions_keep_the_host_s_authentication_and_answer_with_its_handler()
    {
        var anonymous = await SendAsync("ListProducts", "GET", "/api/products");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.Status);

        var token = new DevTokenIssuer(DevKey, TimeProvider.System).Issue(ApiRoles.Partner, "MFI001");
        var signedIn = await SendAsync("ListProducts", "GET", "/api/products", token);

        Assert.Equal(HttpStatusCode.OK, signedIn.Status);
        var codes = JsonDocument.Parse(signedIn.Body).RootElement.EnumerateArray().Select(p => p.GetProperty("code").GetString()).ToList();
        Assert.Equal(ProductCatalog.Default.All.Select(p => p.Code).Order(StringComparer.Ordinal), codes.Order(StringComparer.Ordinal));
        Assert.Equal("ListProducts", Name(signedIn.Endpoint));
    }

    [Fact]
    public async Task A_token_for_the_wrong_role_is_refused_as_the_host_refuses_it()
    {
        var token = new DevTokenIssuer(DevKey, TimeProvider.System).Issue(ApiRoles.Partner, "MFI001");

        var (status, _, _, _) = await SendAsync("ListInstances", "GET", "/api/operations/instances", token);

        Assert.Equal(HttpStatusCode.Forbidden, status);
    }

    [Fact]
    public async Task The_portal_function_serves_the_host_s_pages_and_modules()
    {
        var page = await SendAsync("Portal", "GET", "/");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.StartsWith("text/html", page.ContentType, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllText(Path.Combine(PublishedFunctionApp.Root, "src", "RuralLoans.Host", "wwwroot", "index.html")), page.Body);

        var module = Directory.GetFiles(Path.Combine(PublishedFunctionApp.Root, "src", "RuralLoans.Host", "wwwroot", "js"), "*.js").First();
        var script = await SendAsync("Portal", "GET", "/js/" + Path.GetFileName(module));
        Assert.Equal(HttpStatusCode.OK, script.Status);
        Assert.StartsWith("text/javascript", script.ContentType, StringComparison.Ordinal);

        var missing = await SendAsync("Portal", "GET", "/no-such-page.html");
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
    }

    private static string? Name(Endpoint? endpoint) => endpoint?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName;

    private async Task<(HttpStatusCode Status, string? ContentType, string Body, Endpoint? Endpoint)> SendAsync(string function, string method, string path, string? token = null)
    {
        var http = new DefaultHttpContext();
        http.Request.Method = method;
        http.Request.Scheme = "https";
        http.Request.Host = new HostString("ruralloans.example.net");
        http.Request.Path = path;
        if (token is not null)
        {
            http.Request.Headers.Authorization = "Bearer " + token;
        }
        using var body = new MemoryStream();
        http.Response.Body = body;

        var endpoint = await _gateway.DispatchAsync(http, function, runtime: null);

        return ((HttpStatusCode)http.Response.StatusCode, http.Response.ContentType, Encoding.UTF8.GetString(body.ToArray()), endpoint);
    }
}
