using Microsoft.DurableTask.Client;
using RuralLoans.Pipeline.Audit;
using RuralLoans.Pipeline.Intake;
using RuralLoans.Pipeline.Partners;
using RuralLoans.Pipeline.PersonalData;
using RuralLoans.Pipeline.Steps;
using RuralLoans.Storage;
using RuralLoans.Storage.Applications;
using RuralLoans.Storage.Journal;

namespace RuralLoans.Pipeline.Operations;

/// <summary>An action refused because the application is not where the action applies, or the actor may not act on it.</summary>
public sealed class ActionRefusedException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>A photo a village partner took during the pre-check; the file name, when known, is checked but never stored.</summary>
public sealed record PreCheckPhoto(ReadOnlyMemory<byte> Content, string? FileName = null);

/// <summary>
/// What people do to a waiting application: the partner corrects fields, the village partner answers the pre-check,
/// an operator decides a referral, the partner asks for a person to review an automated decline. Each is checked against the application's current step and the actor before the
/// event is raised, so a wrong or late answer gets a clear refusal instead of sitting unread in the history.
/// </summary>
public sealed class ApplicationActions(DurableTaskClient engine, ApplicationStore applications, ContentAddressedBlobStore photos, PartnerDirectory partners, CaseFile caseFile, TimeProvider clock,
    AuditJournal journal, LoanContract contracts)
{
    public const int MaxFieldLength = 1_000;
    public const int MaxPhotos = 12;
    public static long MaxPhotoBytes => UploadRules.PreCheckPhoto.MaxBytes;

    /// <summary>How the status of a review the borrower asked for reads, as opposed to a referral by the model.</summary>
    public const string HumanReviewRequestedMarker = LoanApplicationOrchestration.ReviewRequestedDetail;

    public async Task CorrectAsync(string applicationId, string partnerId, IReadOnlyDictionary<string, string> fields, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var application = await RequireAsync(applicationId, ct);
        if (application.PartnerId != partnerId)
        {
            throw new ActionRefusedException("not-your-application", $"Application {applicationId} was submitted by another partner.");
        }
        await RequireStageAsync(applicationId, ApplicationStage.NeedsCorrection, ct);
        if (fields.Count == 0)
        {
            throw new ActionRefusedException("no-fields", "Send at least one corrected field.");
        }
        foreach (var (name, value) in fields)
        {
            if (!FieldValidation.CorrectableFields.Contains(name))
            {
                throw new ActionRefusedException("unknown-field", $"'{name}' is not a form field. Fields: {string.Join(", ", FieldValidation.CorrectableFields)}.");
            }
            if (value is null || value.Length > MaxFieldLength)
            {
                throw new ActionRefusedException("field-too-long", $"'{name}' must be at most {MaxFieldLength} characters.");
            }
        }
        await RaiseJournaledAsync(applicationId, LoanApplicationOrchestration.Events.FieldsCorrected, async () =>
        {
            var correctionId = await caseFile.KeepCorrectionAsync(applicationId, partnerId, fields, ct);
            return new FieldCorrection(partnerId, correctionId, fields.Keys.Order(StringComparer.Ordinal).ToList());
        }, ct);
    }

    public async Task PreCheckAsync(string applicationId, string villagePartnerId, bool approve, bool identitySeen, bool householdRegisterSeen,
        bool homesteadCertificateSeen, IReadOnlyList<PreCheckPhoto> photoUploads, string? remarks, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(photoUploads);
        await RequirePreCheckTurnAsync(applicationId, villagePartnerId, ct);
        if (photoUploads.Count > MaxPhotos)
        {
            throw new ActionRefusedException("too-many-photos", $"At most {MaxPhotos} photos per pre-check.");
        }
        if (remarks is { Length: > MaxFieldLength })
        {
            throw new ActionRefusedException("field-too-long", $"Remarks must be at most {MaxFieldLength} characters.");
        }

        // Check every photo before storing any, so a bad one leaves nothing behind: the same inspection as a form,
        // under a phone photo's limits.
        var types = new List<FormFileType>(photoUploads.Count);
        for (var i = 0; i < photoUploads.Count; i++)
        {
            var photo = photoUploads[i];
            var (type, problem) = UploadInspection.Inspect(photo.Content.Span, photo.FileName, UploadRules.PreCheckPhoto);
            if (problem is not null)
            {
                var which = photo.FileName is { } name && problem.Code != "bad-file-name" ? $"Photo {i + 1} ({name})" : $"Photo {i + 1}";
                throw new IntakeRejectedException(problem.Code, $"{which}: {problem.Reason} Nothing from this pre-check was saved; send it again without that photo.");
            }
            types.Add(type!.Value);
        }
        var names = new List<string>();
        for (var i = 0; i < photoUploads.Count; i++)
        {
            var stored = await photos.StoreAsync($"prechecks/{applicationId}", photoUploads[i].Content, types[i].ContentType(), ct);
            names.Add(stored.Name);
        }

        await RaiseJournaledAsync(applicationId, LoanApplicationOrchestration.Events.PreCheckDecided, async () =>
        {
            var noteId = await caseFile.KeepNoteAsync(applicationId, "pre-check remarks", remarks, ct);
            return new PreCheckDecision(villagePartnerId, approve, identitySeen, householdRegisterSeen, homesteadCertificateSeen, names, noteId, clock.GetUtcNow());
        }, ct);
    }

    /// <summary>Refuses unless the application waits for this village partner's pre-check (checked before reading any upload).</summary>
    public async Task RequirePreCheckTurnAsync(string applicationId, string villagePartnerId, CancellationToken ct)
    {
        var application = await RequireAsync(applicationId, ct);
        if (partners.FindVillagePartner(villagePartnerId) is null || application.VillagePartnerId != villagePartnerId)
        {
            throw new ActionRefusedException("not-your-village", $"Application {applicationId} is not assigned to village partner {villagePartnerId}.");
        }
        await RequireStageAsync(applicationId, ApplicationStage.AwaitingPreCheck, ct);
    }

    public async Task ReviewAsync(string applicationId, string operatorId, bool approve, string? note, CancellationToken ct)
    {
        await RequireAsync(applicationId, ct);
        await RequireStageAsync(applicationId, ApplicationStage.AwaitingHumanReview, ct);
        if (note is { Length: > MaxFieldLength })
        {
            throw new ActionRefusedException("field-too-long", $"The note must be at most {MaxFieldLength} characters.");
        }
        await RaiseJournaledAsync(applicationId, LoanApplicationOrchestration.Events.ReviewDecided, async () =>
            new ReviewDecision(operatorId, approve, await caseFile.KeepNoteAsync(applicationId, "review note", note, ct), clock.GetUtcNow()), ct);
    }

    /// <summary>
    /// The submitting partner asks, on the borrower's behalf, that a person reviews a decline the model made alone
    /// (PIPL Art. 24). Only while the decline's review window is open, and once.
    /// </summary>
    public async Task RequestReviewAsync(string applicationId, string partnerId, string? reason, CancellationToken ct)
    {
        var application = await RequireAsync(applicationId, ct);
        if (application.PartnerId != partnerId)
        {
            throw new ActionRefusedException("not-your-application", $"Application {applicationId} was submitted by another partner.");
        }
        if (reason is { Length: > MaxFieldLength })
        {
            throw new ActionRefusedException("field-too-long", $"The reason must be at most {MaxFieldLength} characters.");
        }
        var current = await GetProgressAsync(applicationId, ct);
        var running = IsLive(current?.State.RuntimeStatus);
        var progress = current?.Progress;
        var reviewable = running && progress is { Stage: ApplicationStage.Declined, WaitingUntilUtc: not null };
        if (!reviewable)
        {
            throw progress?.Stage switch
            {
                ApplicationStage.AwaitingHumanReview when running && progress.Detail.Contains(HumanReviewRequestedMarker, StringComparison.Ordinal) =>
                    new ActionRefusedException("already-requested", $"Human review of application {applicationId} was already requested; an operator decides it."),
                ApplicationStage.Declined when !running =>
                    new ActionRefusedException("review-window-closed", $"Application {applicationId}'s decline is final: its review window has closed or it had none."),
                _ => new ActionRefusedException("not-declined",
                    $"Application {applicationId} is {progress?.Stage.ToString() ?? "not started"}; only an automated decline can be put to human review."),
            };
        }
        if (clock.GetUtcNow().UtcDateTime >= progress!.WaitingUntilUtc!.Value)
        {
            throw new ActionRefusedException("review-window-closed", $"Application {applicationId}'s review window closed at {progress.WaitingUntilUtc:u}.");
        }
        await RaiseJournaledAsync(applicationId, LoanApplicationOrchestration.Events.HumanReviewRequested, async () =>
            new HumanReviewRequest(partnerId, await caseFile.KeepNoteAsync(applicationId, "review request reason", reason, ct), clock.GetUtcNow()), ct);
    }

    /// <summary>
    /// The contract offered for an application, for the submitting partner's or the village partner's app to show the
    /// borrower (and for auditors and operators): the PDF and the hash it is kept under.
    /// </summary>
    public async Task<(LoanContract.Offer Offer, byte[] Pdf)> ContractAsync(string applicationId, CancellationToken ct)
    {
        await RequireAsync(applicationId, ct);
        var offer = await contracts.OfferedAsync(applicationId, ct)
            ?? throw new ActionRefusedException("no-contract", $"Application {applicationId} has no contract: none is printed before the split, nor for a loan declined under lending law.");
        return (offer, await contracts.PdfAsync(offer, ct));
    }

    /// <summary>
    /// Records that the borrower accepted the contract, as collected by the submitting partner's or the assigned village
    /// partner's app. The hash must be that of the contract offered, so an acceptance always names the text accepted.
    /// </summary>
    public async Task AcceptContractAsync(string applicationId, string actorId, string? contractSha256, CancellationToken ct)
    {
        var application = await RequireAsync(applicationId, ct);
        if (application.PartnerId != actorId && (application.VillagePartnerId is null || application.VillagePartnerId != actorId))
        {
            throw new ActionRefusedException("not-your-application", $"Only the submitting partner or the application's village partner collects the borrower's acceptance of {applicationId}.");
        }
        if (string.IsNullOrWhiteSpace(contractSha256))
        {
            throw new ActionRefusedException("missing-contract-hash", "Send the SHA-256 of the contract the borrower accepted (contractSha256), as GET …/contract returns it.");
        }
        await RequireStageAsync(applicationId, ApplicationStage.AwaitingContract, ct);
        var offer = await contracts.OfferedAsync(applicationId, ct)
            ?? throw new ActionRefusedException("no-contract", $"Application {applicationId} has no contract on record.");
        if (!string.Equals(offer.ContractSha256, contractSha256.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            throw new ActionRefusedException("contract-mismatch", $"The borrower must accept the contract offered ({offer.ContractSha256}); {contractSha256} is not it.");
        }
        await RaiseJournaledAsync(applicationId, LoanApplicationOrchestration.Events.ContractAccepted,
            () => Task.FromResult(new ContractAccepted(actorId, offer.ContractSha256!, clock.GetUtcNow())), ct);
    }

    /// <summary>
    /// Stores what the event refers to (a correction, a note), raises the event, then journals the payload's hash with
    /// the stored records' hashes in one append. Journaled after the raise: an event that could not be sent is no fact.
    /// </summary>
    private Task<T> RaiseJournaledAsync<T>(string applicationId, string eventName, Func<Task<T>> prepare, CancellationToken ct) =>
        journal.RecordingAsync(applicationId, async () =>
        {
            var payload = await prepare();
            await engine.RaiseEventAsync(applicationId, eventName, payload, ct);
            return payload;
        }, payload => [JournalFact.Event(eventName, PayloadHash.Of(payload))], ct);

    /// <summary>Where the application is now, from the orchestration's custom status.</summary>
    public async Task<(OrchestrationMetadata State, ApplicationProgress? Progress)?> GetProgressAsync(string applicationId, CancellationToken ct)
    {
        var state = await engine.GetInstanceAsync(applicationId, getInputsAndOutputs: true, ct);
        return state is null ? null : (state, state.ReadCustomStatusAs<ApplicationProgress>());
    }

    private async Task<ApplicationRecord> RequireAsync(string applicationId, CancellationToken ct)
    {
        ApplicationRecord? record;
        try
        {
            record = await applications.GetAsync(applicationId, ct);
        }
        catch (ArgumentException)
        {
            record = null;
        }
        return record ?? throw new ActionRefusedException("not-found", $"There is no application {applicationId}.");
    }

    /// <summary>
    /// Running, or shown as Pending while it runs: the storage provider can leave the instance row at Pending after
    /// discarding a duplicated start message, while the orchestration waits on. The stage in its custom status, which
    /// only a running orchestration writes, is what tells where it is.
    /// </summary>
    private static bool IsLive(OrchestrationRuntimeStatus? status) => status is OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending;

    private async Task RequireStageAsync(string applicationId, ApplicationStage expected, CancellationToken ct)
    {
        var progress = await GetProgressAsync(applicationId, ct);
        var stage = progress?.Progress?.Stage;
        if (!IsLive(progress?.State.RuntimeStatus) || stage != expected)
        {
            throw new ActionRefusedException("wrong-step",
                $"Application {applicationId} is {(stage?.ToString() ?? "not started")}, not {expected}; the answer was not sent.");
        }
    }
}
