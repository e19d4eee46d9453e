using System.Text.Json;
using Microsoft.Extensions.Logging;
using RuralLoans.Domain.CoLending;
using RuralLoans.Domain.Contracts;
using RuralLoans.Domain.Disbursements;
using RuralLoans.Domain.Scoring;
using RuralLoans.Pipeline.CoLending;
using RuralLoans.Pipeline.Contracts;
using RuralLoans.Pipeline.PersonalData;
using RuralLoans.Pipeline.Products;
using RuralLoans.Storage;
using RuralLoans.Storage.Applications;
using RuralLoans.Storage.Decisions;
using RuralLoans.Storage.Quotas;

namespace RuralLoans.Pipeline.Steps;

/// <summary>
/// Between the split and the payout: checks the loan's terms against lending law (prohibited purposes, one-off
/// repayment of consumer loans, the annualized-rate cap), prints the contract the borrower must accept — annualized
/// rate, repayment schedule, total interest, each lender's share — and keeps it under the SHA-256 of its bytes. The
/// orchestration then waits for the borrower's acceptance, collected by the submitting partner's or the village
/// partner's app, with a reminder before the deadline. Four activities: offer, remind, record the acceptance, and
/// withdraw (give back the split's quota when the loan will not be paid out). Names and ID numbers are read from the
/// case file and go only into the PDF; the activity's output carries the contract's hash and figures.
/// </summary>
public sealed partial class LoanContract(LendingCatalog lending, ProductRateCaps rateCaps, QuotaStore quotas, ContentAddressedBlobStore documents,
    ApplicationStore applications, DecisionLog decisions, CaseFile caseFile, TimeProvider clock, ILogger<LoanContract> logger)
{
    public const string OfferName = "LoanContractOffer";
    public const string RemindName = "LoanContractRemind";
    public const string AcceptName = "LoanContractAccept";
    public const string WithdrawName = "LoanContractWithdraw";

    /// <summary>Where contracts are kept in the documents container, under their hash.</summary>
    public const string BlobPrefix = "contracts";

    public sealed record OfferInput(string ApplicationId, string PartnerId, string ProductCode, string ProductName, int ValidatedRound, DateTimeOffset SubmittedAt,
        FundSplit Split, DateTime OfferedAtUtc, DateTime AcceptByUtc);

    /// <summary>What the decision log keeps for the audit: the terms as offered (figures only) and the rule findings.</summary>
    public sealed record Planned(OfferInput Input, LoanTermsFacts Facts);

    /// <summary>
    /// The offer, as the history and the audit journal keep it: no names, the contract's hash and blob, and the
    /// figures disclosed. <see cref="Offered"/> is false when a lending-law rule declined the loan (<see cref="Reasons"/>).
    /// </summary>
    public sealed record Offer(bool Offered, string Summary, IReadOnlyList<ReasonText> Reasons, string? ContractSha256, string? ContractBlob,
        decimal NominalAnnualRate, decimal AnnualizedRate, decimal RateCapAnnual, string RateCapBasis, decimal TotalInterestYuan, decimal TotalRepaymentYuan, int Instalments);

    public sealed record RemindInput(string ApplicationId, string PartnerId, string? VillagePartnerId, DateTime AcceptByUtc);

    public sealed record AcceptInput(string ApplicationId, string ContractSha256, ContractAccepted Acceptance);

    public sealed record Accepted(string ContractSha256, string AcceptedBy, DateTimeOffset AcceptedAt);

    public sealed record WithdrawInput(string ApplicationId, FundSplit Split, string Reason);

    public async Task<Offer> OfferAsync(OfferInput input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        var application = await caseFile.ValidApplicationAsync(input.ApplicationId, input.ValidatedRound, input.SubmittedAt, ct);
        var facts = Facts(application, input.Split, rateCaps.For(input.ProductCode, input.PartnerId));
        var offer = await decisions.RecordOnceAsync(input.ApplicationId, OfferName, new Planned(input, facts), async () =>
        {
            var decided = Decide(new Planned(input, facts), out var terms);
            if (terms is null)
            {
                return decided;
            }
            var originator = lending.Lenders.TryGetValue(input.PartnerId, out var partner) ? partner.Name : input.PartnerId;
            var pdf = LoanContractPdf.Render(terms, new ContractParties(application.ApplicantName, application.IdNumber.Value, application.Purpose, originator));
            var stored = await documents.StoreAsync($"{BlobPrefix}/{input.ApplicationId}", pdf, "application/pdf", ct);
            return decided with { ContractSha256 = stored.Sha256, ContractBlob = stored.Name };
        }, ct);
        await applications.UpdateAsync(input.ApplicationId, a => a with
        {
            Stage = offer.Offered ? nameof(ApplicationStage.AwaitingContract) : nameof(ApplicationStage.Declined),
            UpdatedAt = clock.GetUtcNow(),
        }, ct);
        return offer;
    }

    /// <summary>What the law checks look at: the validated form's purpose, method and term, and the split's blended rate.</summary>
    public static LoanTermsFacts Facts(Domain.Applications.LoanApplication application, FundSplit split, RateCap rateCap)
    {
        ArgumentNullException.ThrowIfNull(application);
        ArgumentNullException.ThrowIfNull(split);
        return new LoanTermsFacts
        {
            Purpose = application.Purpose,
            RepaymentMethod = application.RepaymentMethod,
            TermMonths = application.TermMonths,
            BlendedAnnualRate = split.BlendedAnnualRate,
            RateCap = rateCap,
        };
    }

    /// <summary>
    /// The offer the facts lead to, without the printed contract's hash and blob (set once it is stored): the step
    /// decides with it and the audit recomputes with it. <paramref name="terms"/> is null when lending law declines.
    /// </summary>
    public Offer Decide(Planned planned, out LoanContractTerms? terms)
    {
        ArgumentNullException.ThrowIfNull(planned);
        var (input, facts) = (planned.Input, planned.Facts);
        var findings = LendingLawRules.Evaluate(facts);
        if (findings.Count > 0)
        {
            terms = null;
            return new Offer(false, "不符合贷款合规要求 / declined under lending law: " + string.Join("; ", findings.Select(f => $"[{f.Reason.Code}] {f.Reason.Zh}")),
                findings.Select(f => f.Reason).ToList(), null, null, facts.BlendedAnnualRate, 0, facts.RateCap.MaxAnnualRate, facts.RateCap.Basis, 0, 0, 0);
        }
        terms = LoanContractTerms.Build(input.ApplicationId, input.ProductName, input.Split, lending.Lenders.ToDictionary(l => l.Key, l => l.Value.Name),
            facts.TermMonths, facts.RepaymentMethod, facts.RateCap, DateOnly.FromDateTime(input.OfferedAtUtc), new DateTimeOffset(input.AcceptByUtc, TimeSpan.Zero));
        return new Offer(true, "借款合同已生成 / contract offered", [], null, null, terms.NominalAnnualRate, terms.AnnualizedRate,
            terms.RateCap.MaxAnnualRate, terms.RateCap.Basis, terms.TotalInterestYuan, terms.TotalRepaymentYuan, terms.Schedule.Count);
    }

    public async Task<bool> RemindAsync(RemindInput input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        await decisions.RecordOnceAsync(input.ApplicationId, RemindName, input, () =>
        {
            LogReminder(logger, input.PartnerId, input.VillagePartnerId, input.ApplicationId, input.AcceptByUtc);
            return true;
        }, ct);
        return true;
    }

    public async Task<Accepted> AcceptAsync(AcceptInput input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        return await decisions.RecordOnceAsync(input.ApplicationId, AcceptName, input,
            () => new Accepted(input.ContractSha256, input.Acceptance.ActorId, input.Acceptance.AcceptedAt), ct);
    }

    /// <summary>
    /// Gives back the quota the split reserved for a loan that will not be paid out (declined or not accepted in
    /// time). Releasing is idempotent; a reservation already paid out is left as it is.
    /// </summary>
    public async Task<bool> WithdrawAsync(WithdrawInput input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        var reservationId = new DisbursementKey(input.ApplicationId, 1).Value;
        await decisions.RecordOnceAsync(input.ApplicationId, WithdrawName, input, async () =>
        {
            foreach (var allocation in input.Split.Allocations)
            {
                if (lending.Lenders.TryGetValue(allocation.LenderId, out var terms))
                {
                    await quotas.ChangeAsync(terms.Id, terms.QuotaYuan, s => QuotaReservations.Release(s, reservationId), ct);
                }
            }
            return true;
        }, ct);
        return true;
    }

    /// <summary>The contract offered for an application, when one was; read by the actions and the API.</summary>
    public async Task<Offer?> OfferedAsync(string applicationId, CancellationToken ct)
    {
        var record = await decisions.FindAsync(applicationId, OfferName, ct);
        var offer = record?.Output.Deserialize<Offer>(CosmosClients.JsonOptions);
        return offer is { Offered: true } ? offer : null;
    }

    /// <summary>The printed contract's bytes, checked against the hash it is stored under.</summary>
    public async Task<byte[]> PdfAsync(Offer offer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(offer);
        var bytes = (await documents.ReadAsync(offer.ContractBlob ?? throw new ArgumentException("The offer has no contract.", nameof(offer)), ct)).ToArray();
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        return hash == offer.ContractSha256 ? bytes : throw new InvalidDataException($"Contract {offer.ContractBlob} does not match its hash {offer.ContractSha256}.");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reminder to partner {Partner} (village partner {VillagePartner}): the borrower of {Application} has until {Deadline:u} to accept the contract")]
    private static partial void LogReminder(ILogger logger, string partner, string? villagePartner, string application, DateTime deadline);
}
