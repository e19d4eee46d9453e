using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace RuralLoans.Functions;

/// <summary>
/// One HTTP function per API endpoint, named as the endpoint is (WithName) and on the same route and method; the
/// portal's files behind a catch-all. Each hands its request to the host's own pipeline (<see cref="ApiGateway"/>);
/// the Functions host checks nothing itself (anonymous level): the API's bearer tokens and role policies decide.
/// A test compares these against the standalone host's endpoints, so an endpoint without a function fails the build's tests.
/// </summary>
public sealed class HttpFunctions(ApiGatewayHost gateway, FunctionAppPipeline pipeline)
{
    private const AuthorizationLevel Open = AuthorizationLevel.Anonymous;

    [Function("GetHealth")]
    public Task<IActionResult> GetHealth([HttpTrigger(Open, "get", Route = "healthz")] HttpRequest request, FunctionContext context) =>
        DispatchAsync(request, context, null);

    [Function("GetOpenApiDocument")]
    public Task<IActionResult> GetOpenApiDocument([HttpTrigger(Open, "get", Route = "openapi/{documentName}.json")] HttpRequest request, FunctionContext context) =>
        DispatchAsync(request, context, null);

    [Function("SubmitApplication")]
    public Task<IActionResult> SubmitApplication([HttpTrigger(Open, "post", Route = "api/applications")] HttpRequest request,
        [DurableClient] DurableTaskClient client, FunctionContext context) => DispatchAsync(request, context, client);

    [Function("ListApplications")]
    public Task<IActionResult> ListApplications([HttpTrigger(Open, "get", Route = "api/applications")] HttpRequest request,
        [DurableClient] DurableTaskClient client, FunctionContext context) => DispatchAsync(request, context, client);

    [Function("GetApplication")]
    public Task<IActionResult> GetApplication([HttpTrigger(Open, "get", Route = "api/applications/{id}")] HttpRequest request,
        [DurableClient] DurableTaskClient client, FunctionContext context) => DispatchAsync(request, context, client);

    [Function("CorrectApplication")]
    public Task<IActionResult> CorrectApplication([HttpTrigger(Open, "post", Route = "api/applications/{id}/corrections")] HttpRequest request,
        [DurableClient] DurableTaskClient client, FunctionContext context) => DispatchAsync(request, context, client);

    [Function("PreCheckApplication")]
    public Task<IActionResult> PreCheckApplication([HttpTrigger(Open, "post", Route = "api/applications/{id}/precheck")] HttpRequest request,
        [DurableClient] DurableTaskClient client, FunctionContext context) => DispatchAsync(request, context, client);

    [Function("ReviewApplication")]
    public Task<IActionResult> ReviewApplication([HttpTrigger(Open, "post", Route = "api/applications/{id}/review")] HttpRequest request,
        [DurableClient] DurableTaskClient client, FunctionContext context) => DispatchAsync(request, context, client);

    [Function("RequestHumanReview")]
    public Task<IActionResult> RequestHumanReview([HttpTrigger(Open, "post", Route = "api/applications/{id}/review-request")] HttpRequest request,
        [DurableClient] DurableTaskClient client, FunctionContext context) => DispatchAsync(request, context, client);

    [Function("GetApplicationContract")]
    public Task<IActionResult> GetApplicationContract([HttpTrigger(Open, "get", Route = "api/applications/{id}/contract")] HttpRequest request,
        [DurableClient] DurableTaskClient client, FunctionContext context) => DispatchAsync(request, context, client);

    [Function("AcceptApplicationContract")]
    public Task<IActionResult> AcceptApplicationContract([HttpTrigger(Open, "post", Route = "api/applications/{id}/contract/acceptance")] HttpRequest request,
        [DurableClient] DurableTaskClient client, FunctionContext context) => DispatchAsync(request, context, client);

    [Function("GetApplicationHistory")]
    public Task<IActionResult> GetApplicationHistory([HttpTrigger(Open, "get", Route = "api/applications/{id}/history")] HttpRequest request,
        [DurableClient] DurableTaskClient client, FunctionContext context) => DispatchAsync(request, context, client);

    [Function("GetApplicationDecisions")]
    public Task<IActionResult> GetApplicationDecisions([HttpTrigger(Open, "get", Route = "api/applications/{id}/decisions")] HttpRequest request,
        [DurableClient] DurableTaskClient client, FunctionContext context) => DispatchAsync(request, context, client);

    [Function("AuditApplication")]
    public Task<IActionResult> AuditApplication([HttpTrigger(Open, "get", Route = "api/applications/{id}/audit")] HttpRequest request,
        [DurableClient] DurableTaskClient client, FunctionContext context) => DispatchAsync(request, context, client);

    [Function("ListLenders")]
    public Task<IActionResult> ListLenders([HttpTrigger(Open, "get", Route = "api/lenders")] HttpRequest request, FunctionContext context) =>
        DispatchAsync(request, context, null);

    [Function("ListProducts")]
    public Task<IActionResult> ListProducts([HttpTrigger(Open, "get", Route = "api/products")] HttpRequest request, FunctionContext context) =>
        DispatchAsync(request, context, null);

    [Function("ListInstances")]
    public Task<IActionResult> ListInstances([HttpTrigger(Open, "get", Route = "api/operations/instances")] HttpRequest request,
        [DurableClient] DurableTaskClient client, FunctionContext context) => DispatchAsync(request, context, client);

    [Function("RetryInstance")]
    public Task<IActionResult> RetryInstance([HttpTrigger(Open, "post", Route = "api/operations/instances/{id}/retry")] HttpRequest request,
        [DurableClient] DurableTaskClient client, FunctionContext context) => DispatchAsync(request, context, client);

    /// <summary>The portal's pages, scripts and styles (compiled into the host); the more specific API routes win over this one.</summary>
    [Function(PortalFunctionName)]
    public Task<IActionResult> Portal([HttpTrigger(Open, "get", "head", Route = "{*path}")] HttpRequest request, FunctionContext context) =>
        DispatchAsync(request, context, null);

    public const string PortalFunctionName = "Portal";

    private async Task<IActionResult> DispatchAsync(HttpRequest request, FunctionContext context, DurableTaskClient? client)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var api = await gateway.GetAsync(context.CancellationToken);
        var runtime = client is null ? null : await pipeline.RuntimeAsync(client, context.CancellationToken);
        await api.DispatchAsync(request.HttpContext, context.FunctionDefinition.Name, runtime);
        // The host's pipeline has written the whole response.
        return new EmptyResult();
    }
}
