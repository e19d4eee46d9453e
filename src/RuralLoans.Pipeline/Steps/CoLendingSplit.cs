using RuralLoans.Domain.Applications;
using RuralLoans.Domain.CoLending;
using RuralLoans.Domain.Disbursements;
using RuralLoans.Pipeline.PersonalData;
using RuralLoans.Pipeline.CoLending;
using RuralLoans.Pipeline.Credit;
using RuralLoans.Storage.Applications;
using RuralLoans.Storage.Decisions;
using RuralLoans.Storage.Quotas;

namespace RuralLoans.Pipeline.Steps;

/// <summary>
/// Step 4: splits the approved principal among the co-lenders under the product's rule set and reserves each lender's
/// part of its quota. Reservations are keyed by the disbursement key, so a retry finds its own reservation instead of
/// taking quota twice, and an unfunded split gives back whatever it had reserved.
/// </summary>
public sealed class CoLendingSplit(LendingCatalog catalog, QuotaStore quotas, ApplicationStore applications, DecisionLog decisions, CaseFile caseFile)
{
    public const string Name = "CoLendingSplit";

    /// <summary>What the orchestration passes: the validation round whose form is funded, not the form itself.</summary>
    public sealed record Input(string ApplicationId, string PartnerId, string ProductCode, int ValidatedRound, DateTimeOffset SubmittedAt);

    /// <summary>What the decision log keeps, so the audit re-splits exactly what was split.</summary>
    public sealed record Planned(string ApplicationId, string PartnerId, string ProductCode, LoanApplicationForm Form, DateTimeOffset SubmittedAt);

    public sealed record Output(bool Funded, string Reason, FundSplit? Split, IReadOnlyList<LenderAmount> Lenders, IReadOnlyList<RuleViolation> Violations);

    public async Task<Output> RunAsync(Input input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        var form = await caseFile.FormOfRoundAsync(input.ApplicationId, input.ValidatedRound, ct);
        var application = FieldValidation.ToApplication(input.ApplicationId, form, input.SubmittedAt);
        var planned = new Planned(input.ApplicationId, input.PartnerId, input.ProductCode, form, input.SubmittedAt);
        return await decisions.RecordOnceAsync(input.ApplicationId, Name, planned, () => SplitAndReserveAsync(planned, application, ct), ct);
    }

    private async Task<Output> SplitAndReserveAsync(Planned input, LoanApplication application, CancellationToken ct)
    {
        var product = catalog.Find(input.ProductCode, input.PartnerId);
        if (product is null)
        {
            return Unfunded($"没有 {input.PartnerId} 的 {input.ProductCode} 联合贷款安排 / no co-lending arrangement for {input.ProductCode} with {input.PartnerId}", []);
        }

        // The disbursement key of the first (and so far only) tranche: quota, rail and ledger share it.
        var reservationId = new DisbursementKey(input.ApplicationId, 1).Value;
        var lenders = new Dictionary<string, Lender>(StringComparer.Ordinal);
        foreach (var share in product.Shares)
        {
            if (!catalog.Lenders.TryGetValue(share.LenderId, out var terms))
            {
                continue;
            }
            var snapshot = await quotas.GetAsync(terms.Id, terms.QuotaYuan, ct);
            // Our own earlier reservation (a retry) is still ours to use.
            var ownReservation = snapshot.Reservations.TryGetValue(reservationId, out var own) ? own.AmountYuan : 0m;
            lenders[terms.Id] = terms.WithAvailableQuota(snapshot.AvailableYuan + ownReservation);
        }

        var idHash = ApplicantFactsSource.HashResidentId(application.IdNumber.Value);
        var result = FundSplitter.Split(product, lenders, new FundSplitRequest
        {
            ApplicationId = input.ApplicationId,
            PrincipalYuan = application.RequestedAmountYuan,
            TermMonths = application.TermMonths,
            RepaymentMethod = application.RepaymentMethod,
            BorrowerRegionCode = application.IdNumber.AddressCode,
            HouseholdExistingDebtYuan = await applications.DisbursedToApplicantAsync(idHash, input.ApplicationId, ct),
        });
        if (!result.IsAllowed)
        {
            return Unfunded(Describe(result.Violations), result.Violations);
        }

        var split = result.Split!;
        var reserved = new List<string>();
        foreach (var allocation in split.Allocations)
        {
            var terms = catalog.Lenders[allocation.LenderId];
            var change = await quotas.ChangeAsync(terms.Id, terms.QuotaYuan, s => QuotaReservations.Reserve(s, reservationId, allocation.AmountYuan), ct);
            if (!change.Succeeded)
            {
                // Lost a race for the last of a lender's quota: give back what this split took and report it.
                foreach (var lenderId in reserved)
                {
                    await quotas.ChangeAsync(lenderId, catalog.Lenders[lenderId].QuotaYuan, s => QuotaReservations.Release(s, reservationId), ct);
                }
                var violation = new RuleViolation("lender-quota", terms.Id, change.Problem ?? $"{terms.Name} has no quota left.");
                return Unfunded(Describe([violation]), [violation]);
            }
            reserved.Add(terms.Id);
        }

        var amounts = split.Allocations.Select(a => new LenderAmount(a.LenderId, catalog.Lenders[a.LenderId].Name, a.AmountYuan)).ToList();
        return new Output(true, "已分配 / funded", split, amounts, []);
    }

    private static Output Unfunded(string reason, IReadOnlyList<RuleViolation> violations) => new(false, reason, null, [], violations);

    private static string Describe(IReadOnlyList<RuleViolation> violations) =>
        "联合贷款规则不满足 / co-lending rules not met: " + string.Join("; ", violations.Select(v => $"[{v.RuleId}] {v.Message}"));
}
