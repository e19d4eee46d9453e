using Microsoft.DurableTask.Client;
using RuralLoans.Host.Auth;
using RuralLoans.Pipeline;

namespace RuralLoans.Host.Api;

public sealed record InstanceView(string InstanceId, string Name, string Status, DateTimeOffset CreatedAt, DateTimeOffset LastUpdatedAt, string? Stage, string? Failure);

public sealed record InstancesView(IReadOnlyList<InstanceView> Items, string? ContinuationToken);

/// <summary>The operator's view of the task hub: instances by status (failed ones by default), and retrying a failed one from where it failed.</summary>
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
            var pages = runtime().Client.GetAllInstancesAsync(new OrchestrationQuery { Statuses = [wanted], PageSize = size, ContinuationToken = continuationToken }).AsPages(continuationToken, size);
            await using var enumerator = pages.GetAsyncEnumerator(ct);
            var page = await enumerator.MoveNextAsync() ? enumerator.Current : null;
            var items = (page?.Values ?? []).Select(i => new InstanceView(i.InstanceId, i.Name, i.RuntimeStatus.ToString(), i.CreatedAt, i.LastUpdatedAt,
                i.ReadCustomStatusAs<ApplicationProgress>()?.Stage.ToString(), i.FailureDetails is null ? null : PersonalData.Redact(i.FailureDetails.ToString()))).ToList();
            return Results.Ok(new InstancesView(items, page?.ContinuationToken));
        })
            .WithName("ListInstances").RequireAuthorization(ApiAuthentication.Policies.Operator)
            .WithSummary("Orchestration instances by status (Failed unless asked otherwise).")
            .Produces<InstancesView>().ProducesProblem(StatusCodes.Status400BadRequest);

        operations.MapPost("/instances/{id}/retry", async (string id, CancellationToken ct) =>
        {
            if (!ApplicationReader.LooksLikeApplicationId(id) && id.Length is 0 or > 200)
            {
                return ApiProblems.Problem(StatusCodes.Status404NotFound, "not-found", $"There is no instance {id}.");
            }
            var instance = await runtime().Client.GetInstanceAsync(id, ct);
            if (instance is null)
            {
                return ApiProblems.Problem(StatusCodes.Status404NotFound, "not-found", $"There is no instance {id}.");
            }
            if (instance.RuntimeStatus != OrchestrationRuntimeStatus.Failed)
            {
                return ApiProblems.Problem(StatusCodes.Status409Conflict, "not-failed", $"Instance {id} has not failed; only failed instances are retried.");
            }
            await runtime().Client.RewindInstanceAsync(id, "retried by an operator", ct);
            return Results.Accepted($"/api/applications/{id}", new AcceptedView(id, "retrying"));
        })
            .WithName("RetryInstance").RequireAuthorization(ApiAuthentication.Policies.Operator)
            .WithSummary("Run a failed instance on from the step that failed, keeping the results and answers it had received.")
            .Produces<AcceptedView>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
    }
}
