using System.Text.Json;
using RuralLoans.Host.Auth;
using RuralLoans.Pipeline;
using RuralLoans.Pipeline.Intake;
using RuralLoans.Pipeline.Operations;
using RuralLoans.Storage.Applications;

namespace RuralLoans.Host.Api;

public sealed record CorrectionRequest(IReadOnlyDictionary<string, string?>? Fields);

public sealed record ReviewRequest(bool? Approve, string? Note);

public sealed record HumanReviewRequestBody(string? Reason);

public sealed record AcceptedView(string ApplicationId, string Status);

public sealed record ContractAcceptanceRequest(string? ContractSha256);

/// <summary>Endpoints for one application and the list of them.</summary>
internal static partial class ApplicationEndpoints
{
    private const long JsonBodyLimit = 256 * 1024;

    private static readonly MultipartLimits UploadLimits = new(
        new HashSet<string>(StringComparer.Ordinal) { "file" },
        new HashSet<string>(StringComparer.Ordinal) { "productCode", "idempotencyKey" },
        new IntakeOptions().MaxFileBytes, MaxFiles: 1);

    private static readonly MultipartLimits PreCheckLimits = new(
        new HashSet<string>(StringComparer.Ordinal) { "photos", "photos[]" },
        new HashSet<string>(StringComparer.Ordinal) { "approve", "identitySeen", "householdRegisterSeen", "homesteadCertificateSeen", "remarks" },
        ApplicationActions.MaxPhotoBytes, ApplicationActions.MaxPhotos, MaxTextLength: ApplicationActions.MaxFieldLength);

    private static readonly JsonSerializerOptions RequestJson = new(JsonSerializerDefaults.Web);

    public static void Map(RouteGroupBuilder api, Func<PipelineRuntime> runtime)
    {
        var reader = new ApplicationReader(runtime);
        var applications = api.MapGroup("/applications").WithTags("Applications");

        applications.MapPost("/", async (HttpContext http, CancellationToken ct) =>
        {
            var actor = http.RequireActor();
            if (!runtime().Partners.IsMicrofinancePartner(actor.Id))
            {
                throw new ApiProblemException(StatusCodes.Status403Forbidden, "unknown-partner", $"'{actor.Id}' is not a registered microfinance partner.");
            }
            var form = await MultipartForm.ReadAsync(http.Request, UploadLimits, ct);
            var file = form.Files.Count > 0 ? form.Files[0] : throw new ApiProblemException(StatusCodes.Status400BadRequest, "missing-file", "Attach the application form as the 'file' part.");
            var productCode = form.Text("productCode") ?? throw new ApiProblemException(StatusCodes.Status400BadRequest, "missing-product-code", "Say which product: the 'productCode' part (see GET /api/products).");
            var result = await runtime().Intake.SubmitAsync(new SubmitApplication(actor.Id, productCode, file.Content, form.Text("idempotencyKey"), file.FileName), ct);
            var progress = await runtime().Actions.GetProgressAsync(result.ApplicationId, ct);
            var view = new SubmissionView(result.ApplicationId, result.Duplicate, progress?.Progress?.Stage.ToString() ?? nameof(ApplicationStage.ReadingDocument));
            return result.Duplicate ? Results.Ok(view) : Results.Created($"/api/applications/{result.ApplicationId}", view);
        })
            .WithName("SubmitApplication").RequireAuthorization(ApiAuthentication.Policies.Partner).RequireRateLimiting(ApiRateLimits.Uploads)
            .WithSummary("Upload an application form (PNG, JPEG, TIFF or PDF; the type is decided by the content).")
            .WithDescription("multipart/form-data with parts 'file', 'productCode' and optional 'idempotencyKey'. 201 for a new application; 200 with duplicate=true when the same file or key was already submitted.")
            .Accepts<IFormFile>("multipart/form-data")
            .Produces<SubmissionView>(StatusCodes.Status201Created).Produces<SubmissionView>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .DisableAntiforgery();

        applications.MapGet("/", async (HttpContext http, string? stage, string? productCode, string? partnerId, int? pageSize, string? continuationToken, CancellationToken ct) =>
        {
            var actor = http.RequireActor();
            if (stage is not null && stage != "Submitted" && !Enum.TryParse<ApplicationStage>(stage, ignoreCase: false, out _))
            {
                throw new ApiProblemException(StatusCodes.Status400BadRequest, "unknown-stage", $"Unknown stage '{stage}'. Stages: Submitted, {string.Join(", ", Enum.GetNames<ApplicationStage>())}.");
            }
            var size = pageSize ?? 20;
            if (size is < 1 or > 100)
            {
                throw new ApiProblemException(StatusCodes.Status400BadRequest, "invalid-page-size", "pageSize must be between 1 and 100.");
            }
            // Only auditors and operators choose whose applications to see; partners always see their own.
            var filter = new ApplicationFilter(actor.IsAuditor || actor.IsOperator ? partnerId : null, null, productCode);
            return Results.Ok(await reader.ListAsync(actor, filter, stage, size, continuationToken, ct));
        })
            .WithName("ListApplications").RequireAuthorization(ApiAuthentication.Policies.AnyRole)
            .WithSummary("Applications you may see, newest first, a page at a time.")
            .WithDescription("Partners see their own; village partners the applications waiting for their pre-check; auditors and operators all (optionally one partner's).")
            .Produces<ApplicationPage>().ProducesProblem(StatusCodes.Status400BadRequest);

        applications.MapGet("/{id}", async (HttpContext http, string id, CancellationToken ct) =>
        {
            var actor = http.RequireActor();
            var record = await reader.FindVisibleAsync(actor, id, ct);
            return record is null ? ApiProblems.NotFound(id) : Results.Ok(await reader.DetailAsync(actor, record, ct));
        })
            .WithName("GetApplication").RequireAuthorization(ApiAuthentication.Policies.AnyRole)
            .WithSummary("Where an application is: stage, step, what it waits for, field problems, outcome and fields.")
            .WithDescription("Resident ID and phone are masked for everyone except the submitting partner.")
            .Produces<ApplicationDetail>().ProducesProblem(StatusCodes.Status404NotFound);

        applications.MapPost("/{id}/corrections", async (HttpContext http, string id, ILoggerFactory loggers, CancellationToken ct) =>
        {
            var actor = http.RequireActor();
            if (await reader.FindVisibleAsync(actor, id, ct) is null)
            {
                return ApiProblems.NotFound(id);
            }
            var request = await ReadJsonAsync<CorrectionRequest>(http, ct);
            if (request.Fields is null || request.Fields.Count == 0)
            {
                throw new ApiProblemException(StatusCodes.Status400BadRequest, "no-fields", "Send {\"fields\": {\"name\": \"value\"}} with at least one field.");
            }
            if (request.Fields.FirstOrDefault(f => f.Value is null) is { Key: { } empty })
            {
                throw new ApiProblemException(StatusCodes.Status400BadRequest, "missing-value", $"'{empty}' has no value.");
            }
            var fields = request.Fields.ToDictionary(f => f.Key, f => f.Value!, StringComparer.Ordinal);
            await runtime().Actions.CorrectAsync(id, actor.Id, fields, ct);
            var logger = loggers.CreateLogger("RuralLoans.Api.Corrections");
            if (logger.IsEnabled(LogLevel.Information))
            {
                // Field names only: the values are personal data and stay out of every log.
                var names = string.Join(", ", fields.Keys.Order(StringComparer.Ordinal));
                LogCorrection(logger, actor.Id, names, id);
            }
            return AcceptedFor(id);
        })
            .WithName("CorrectApplication").RequireAuthorization(ApiAuthentication.Policies.Partner)
            .WithSummary("Send corrected field values for an application waiting for correction (the submitting partner only).")
            .Accepts<CorrectionRequest>("application/json")
            .ProducesActionAnswers();

        applications.MapPost("/{id}/precheck", async (HttpContext http, string id, CancellationToken ct) =>
        {
            var actor = http.RequireActor();
            if (await reader.FindVisibleAsync(actor, id, ct) is null)
            {
                return ApiProblems.NotFound(id);
            }
            // Whose turn it is is checked before a byte of the (up to 12-photo) body is read.
            await runtime().Actions.RequirePreCheckTurnAsync(id, actor.Id, ct);
            var form = await MultipartForm.ReadAsync(http.Request, PreCheckLimits, ct);
            var approve = Flag(form, "approve") ?? throw new ApiProblemException(StatusCodes.Status400BadRequest, "missing-approve", "Say approve=true or approve=false.");
            await runtime().Actions.PreCheckAsync(id, actor.Id, approve,
                Flag(form, "identitySeen") ?? false, Flag(form, "householdRegisterSeen") ?? false, Flag(form, "homesteadCertificateSeen") ?? false,
                form.Files.Select(f => new PreCheckPhoto(f.Content, f.FileName)).ToList(), form.Text("remarks"), ct);
            return AcceptedFor(id);
        })
            .WithName("PreCheckApplication").RequireAuthorization(ApiAuthentication.Policies.VillagePartner)
            .WithSummary("Answer a pre-check as the assigned village partner, with photos.")
            .WithDescription("multipart/form-data: approve, identitySeen, householdRegisterSeen, homesteadCertificateSeen (true/false), remarks, photos (JPEG/PNG phone photos, repeatable, each inspected like a form; one bad photo refuses the whole answer and nothing is stored).")
            .Accepts<IFormFileCollection>("multipart/form-data")
            .ProducesActionAnswers()
            .DisableAntiforgery();

        applications.MapPost("/{id}/review", async (HttpContext http, string id, CancellationToken ct) =>
        {
            var actor = http.RequireActor();
            if (await reader.FindVisibleAsync(actor, id, ct) is null)
            {
                return ApiProblems.NotFound(id);
            }
            var request = await ReadJsonAsync<ReviewRequest>(http, ct);
            var approve = request.Approve ?? throw new ApiProblemException(StatusCodes.Status400BadRequest, "missing-approve", "Say {\"approve\": true} or {\"approve\": false}.");
            await runtime().Actions.ReviewAsync(id, actor.Id, approve, request.Note, ct);
            return AcceptedFor(id);
        })
            .WithName("ReviewApplication").RequireAuthorization(ApiAuthentication.Policies.Operator)
            .WithSummary("Decide an application referred to human review (operators).")
            .Accepts<ReviewRequest>("application/json")
            .ProducesActionAnswers();

        applications.MapPost("/{id}/review-request", async (HttpContext http, string id, CancellationToken ct) =>
        {
            var actor = http.RequireActor();
            if (await reader.FindVisibleAsync(actor, id, ct) is null)
            {
                return ApiProblems.NotFound(id);
            }
            var request = await ReadJsonAsync<HumanReviewRequestBody>(http, ct);
            await runtime().Actions.RequestReviewAsync(id, actor.Id, request.Reason, ct);
            return AcceptedFor(id);
        })
            .WithName("RequestHumanReview").RequireAuthorization(ApiAuthentication.Policies.Partner)
            .WithSummary("Ask, on the borrower's behalf, that a person reviews an automated decline while its review window is open (the submitting partner only; PIPL Art. 24).")
            .Accepts<HumanReviewRequestBody>("application/json")
            .ProducesActionAnswers();

        applications.MapGet("/{id}/contract", async (HttpContext http, string id, CancellationToken ct) =>
        {
            var actor = http.RequireActor();
            if (await reader.FindVisibleAsync(actor, id, ct) is null)
            {
                return ApiProblems.NotFound(id);
            }
            var (offer, pdf) = await ContractOrConflictAsync(() => runtime().Actions.ContractAsync(id, ct));
            http.Response.Headers["X-Contract-Sha256"] = offer.ContractSha256;
            http.Response.Headers.ETag = $"\"{offer.ContractSha256}\"";
            return Results.File(pdf, "application/pdf", $"contract-{id}.pdf");
        })
            .WithName("GetApplicationContract").RequireAuthorization(ApiAuthentication.Policies.AnyRole)
            .WithSummary("The loan contract offered to the borrower, as a printable PDF; its SHA-256 in the X-Contract-Sha256 header.")
            .WithDescription("Annualized rate (年化利率), repayment schedule, total interest and each lender's share. Whoever may see the application may read it; 409 before a contract is offered.")
            .Produces(StatusCodes.Status200OK, contentType: "application/pdf").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        applications.MapPost("/{id}/contract/acceptance", async (HttpContext http, string id, CancellationToken ct) =>
        {
            var actor = http.RequireActor();
            if (!actor.IsPartner && !actor.IsVillagePartner)
            {
                throw new ApiProblemException(StatusCodes.Status403Forbidden, "not-a-partner", "The borrower's acceptance is collected by the submitting partner's or the village partner's app.");
            }
            if (await reader.FindVisibleAsync(actor, id, ct) is null)
            {
                return ApiProblems.NotFound(id);
            }
            var request = await ReadJsonAsync<ContractAcceptanceRequest>(http, ct);
            await ContractOrConflictAsync(async () =>
            {
                await runtime().Actions.AcceptContractAsync(id, actor.Id, request.ContractSha256, ct);
                return true;
            });
            return AcceptedFor(id);
        })
            .WithName("AcceptApplicationContract").RequireAuthorization(ApiAuthentication.Policies.AnyRole)
            .WithSummary("Record that the borrower accepted the contract (the submitting partner or the application's village partner).")
            .WithDescription("JSON {\"contractSha256\": \"…\"}: the hash of the contract shown to the borrower, as GET …/contract returned it; any other hash is refused (409).")
            .Accepts<ContractAcceptanceRequest>("application/json")
            .ProducesActionAnswers();

        applications.MapGet("/{id}/history", async (HttpContext http, string id, CancellationToken ct) =>
        {
            var actor = http.RequireActor();
            return await reader.FindVisibleAsync(actor, id, ct) is null ? ApiProblems.NotFound(id) : Results.Ok(await reader.HistoryAsync(id, ct));
        })
            .WithName("GetApplicationHistory").RequireAuthorization(ApiAuthentication.Policies.AuditorOrOperator)
            .WithSummary("Every orchestration history event with its payloads (personal data masked) and the hash chain.")
            .Produces<HistoryView>().ProducesProblem(StatusCodes.Status404NotFound);

        applications.MapGet("/{id}/decisions", async (HttpContext http, string id, CancellationToken ct) =>
        {
            var actor = http.RequireActor();
            return await reader.FindVisibleAsync(actor, id, ct) is null ? ApiProblems.NotFound(id) : Results.Ok(await reader.DecisionsAsync(id, ct));
        })
            .WithName("GetApplicationDecisions").RequireAuthorization(ApiAuthentication.Policies.AuditorOrOperator)
            .WithSummary("The recorded decisions: validation rounds, scoring with its breakdown and reason codes, the split with its rule version.")
            .Produces<DecisionsView>().ProducesProblem(StatusCodes.Status404NotFound);

        applications.MapGet("/{id}/audit", async (HttpContext http, string id, CancellationToken ct) =>
        {
            var actor = http.RequireActor();
            if (await reader.FindVisibleAsync(actor, id, ct) is null)
            {
                return ApiProblems.NotFound(id);
            }
            var verdict = await runtime().Auditor.AuditAsync(id, ct);
            // Differences quote recorded values; auditors see personal data masked, here as everywhere else.
            return Results.Ok(verdict with { Steps = verdict.Steps.Select(step => step with { Difference = step.Difference is null ? null : PersonalData.Redact(step.Difference) }).ToList() });
        })
            .WithName("AuditApplication").RequireAuthorization(ApiAuthentication.Policies.Auditor)
            .WithSummary("Replay the application: hash chain, orchestrator replay and every recorded decision re-executed; each step verified, failed (with the difference) or not applicable.")
            .Produces<Pipeline.Audit.AuditVerdict>().ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <summary>No contract yet, or a different one: a conflict with where the application is, not a bad request.</summary>
    private static async Task<T> ContractOrConflictAsync<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (ActionRefusedException e) when (e.Code is "no-contract" or "contract-mismatch")
        {
            throw new ApiProblemException(StatusCodes.Status409Conflict, e.Code, e.Message);
        }
    }

    private static async Task<T> ReadJsonAsync<T>(HttpContext http, CancellationToken ct)
    {
        RuralLoansApi.LimitBody(http, JsonBodyLimit);
        if (!http.Request.HasJsonContentType())
        {
            throw new ApiProblemException(StatusCodes.Status415UnsupportedMediaType, "not-json", "Send the body as application/json.");
        }
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(http.Request.Body, RequestJson, ct)
                ?? throw new ApiProblemException(StatusCodes.Status400BadRequest, "invalid-json", "The body is empty.");
        }
        catch (JsonException e)
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, "invalid-json", $"The body is not the expected JSON: {e.Message}");
        }
    }

    private static bool? Flag(MultipartForm form, string name) => form.Text(name)?.Trim().ToLowerInvariant() switch
    {
        null => null,
        "true" or "on" or "1" or "yes" => true,
        "false" or "off" or "0" or "no" => false,
        _ => throw new ApiProblemException(StatusCodes.Status400BadRequest, "invalid-boolean", $"'{name}' must be true or false."),
    };

    /// <summary>An action is accepted once its event is raised; the application's own URL is where to follow it.</summary>
    private static IResult AcceptedFor(string id) => Results.Accepted($"/api/applications/{id}", new AcceptedView(id, "accepted"));

    /// <summary>What every action endpoint can answer: accepted, a bad request, an unknown application, or not its turn.</summary>
    private static RouteHandlerBuilder ProducesActionAnswers(this RouteHandlerBuilder endpoint) => endpoint
        .Produces<AcceptedView>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status429TooManyRequests).RequireRateLimiting(ApiRateLimits.Actions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partner {Partner} corrected fields {Fields} of {Application}")]
    private static partial void LogCorrection(ILogger logger, string partner, string fields, string application);
}
