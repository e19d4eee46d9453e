using RuralLoans.Durable.Client;
using RuralLoans.Durable.Core;
using RuralLoans.Host.Auth;
using RuralLoans.Pipeline;

namespace RuralLoans.Host.Api;

public sealed record InstanceView(string InstanceId, string Name, string Status, DateTimeOffset CreatedAt, DateTimeOffset LastUpdatedAt, string? Stage, string? Failure);

public sealed record InstancesView(IReadOnlyList<InstanceView> Items, IReadOnlyList<PoisonMessage> PoisonMessages, string? ContinuationToken);

/// <summary>The operator's view of the engine: instances by status (failed ones by default), poison messages, retry.</summary>
internal static class OperationsEndpoints
{
    public static void Map(RouteGroupBuilder api, Func<PipelineRuntime> runtime)
    {
        var operations = api.MapGroup("/operations").WithTags("Operations");

        operations.MapGet("/instances", async (string? status, int? pageSize, string? continuationToken, CancellationToken ct) =>
        {
            var wanted = OrchestrationRuntimeStatus.Failed;
            if (status is not null && !Enum.TryParse(status, ignoreCase: true, out wanted))
            {
                throw new ApiProblemException(StatusCodes.Status400BadRequest, "unknown-status", $"Unknown status '{status}'. Statuses: {string.Join(", ", Enum.GetNames<OrchestrationRuntimeStatus>())}.");
            }
            var size = pageSize ?? 50;
            if (size is < 1 or > 200)
            {
                throw new ApiProblemException(StatusCodes.Status400BadRequest, "invalid-page-size", "pageSize must be between 1 and 200.");
            }
            var page = await runtime().Client.QueryAsync(new InstanceQuery { Statuses = [wanted], PageSize = size, ContinuationToken = continuationToken }, ct);
            var poison = wanted == OrchestrationRuntimeStatus.Failed && continuationToken is null ? await runtime().Client.PeekPoisonMessagesAsync(cancellationToken: ct) : [];
            var items = page.Instances.Select(i => new InstanceView(i.InstanceId, i.Name, i.Status.ToString(), i.CreatedAt, i.LastUpdatedAt,
                i.ReadCustomStatus<ApplicationProgress>()?.Stage.ToString(), i.Failure is null ? null : PersonalData.Redact(i.Failure.ToString()))).ToList();
            return Results.Ok(new InstancesView(items, poison, page.ContinuationToken));
        })
            .WithName("ListInstances").RequireAuthorization(ApiAuthentication.Policies.Operator)
            .WithSummary("Orchestration instances by status (Failed unless asked otherwise), with the poison messages when listing failures.")
            .Produces<InstancesView>().ProducesProblem(StatusCodes.Status400BadRequest);

        operations.MapPost("/instances/{id}/retry", async (string id, CancellationToken ct) =>
        {
            if (!ApplicationReader.LooksLikeApplicationId(id) && id.Length is 0 or > 200)
            {
                return ApiProblems.Problem(StatusCodes.Status404NotFound, "not-found", $"There is no instance {id}.");
            }
            return await runtime().Client.RetryFailedAsync(id, ct) switch
            {
                RetryOutcome.Retried => Results.Accepted($"/api/applications/{id}", new AcceptedView(id, "retrying")),
                RetryOutcome.NotFailed => ApiProblems.Problem(StatusCodes.Status409Conflict, "not-failed", $"Instance {id} has not failed; only failed instances are retried."),
                _ => ApiProblems.Problem(StatusCodes.Status404NotFound, "not-found", $"There is no instance {id}."),
            };
        })
            .WithName("RetryInstance").RequireAuthorization(ApiAuthentication.Policies.Operator)
            .WithSummary("Run a failed instance again as a new execution with the same input and the answers it had received.")
            .Produces<AcceptedView>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
    }
}
