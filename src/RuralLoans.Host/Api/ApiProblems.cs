using RuralLoans.Pipeline.Intake;
using RuralLoans.Pipeline.Operations;

namespace RuralLoans.Host.Api;

/// <summary>A request refused with a stable code and a reason for people; turned into RFC 7807 problem details.</summary>
public sealed class ApiProblemException(int status, string code, string reason) : Exception(reason)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
}

/// <summary>Errors as RFC 7807 problem details with a <c>code</c> extension clients can branch on.</summary>
public static class ApiProblems
{
    public static IResult Problem(int status, string code, string reason) =>
        Results.Problem(statusCode: status, detail: reason, extensions: new Dictionary<string, object?> { ["code"] = code });

    public static IResult From(ApiProblemException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return Problem(e.Status, e.Code, e.Message);
    }

    /// <summary>Intake refusals: the file is the problem (413, 415) or the request is (400).</summary>
    public static IResult From(IntakeRejectedException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var status = e.Code switch
        {
            "file-too-large" or "image-too-large" => StatusCodes.Status413PayloadTooLarge,
            "unsupported-file-type" => StatusCodes.Status415UnsupportedMediaType,
            _ => StatusCodes.Status400BadRequest,
        };
        return Problem(status, e.Code, e.Message);
    }

    /// <summary>
    /// Action refusals. Someone else's application answers 404 exactly like a missing one, so ids cannot be probed.
    /// </summary>
    public static IResult From(ActionRefusedException e, string applicationId)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.Code switch
        {
            "not-found" or "not-your-application" or "not-your-village" => NotFound(applicationId),
            "wrong-step" => Problem(StatusCodes.Status409Conflict, e.Code, e.Message),
            _ => Problem(StatusCodes.Status400BadRequest, e.Code, e.Message),
        };
    }

    public static IResult NotFound(string applicationId) =>
        Problem(StatusCodes.Status404NotFound, "not-found", $"There is no application {applicationId} that you may see.");
}
