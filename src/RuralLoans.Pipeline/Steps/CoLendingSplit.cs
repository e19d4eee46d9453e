using RuralLoans.Domain.Applications;
using RuralLoans.Domain.CoLending;
using RuralLoans.Domain.Disbursements;
using RuralLoans.Domain.Scoring;
using RuralLoans.Pipeline.PersonalData;
using RuralLoans.Pipeline.CoLending;
using RuralLoans.Storage.Decisions;
using RuralLoans.Storage.Quotas;

namespace RuralLoans.Pipeline.Steps;

/// <summary>
/// Step 4: splits the approved principal among the co-lenders under the product's rule set and the lenders' terms in
/// force today, then reserves — each in one ETag-guarded write, so concurrent applications are judged on each other's
/// amounts — the borrower's claim (one open loan per product, the household cap) and each lender's part of its quota
/// and balance limits. Reservations are keyed by application (borrower) and disbursement key (lenders), so a retry finds
/// its own reservation instead of taking anything twice, and an unfunded split gives back whatever it had reserved.
/// </summary>
public sealed class CoLendingSplit(LendingCatalog catalog, QuotaStore quotas, BorrowerExposureStore borrowers, ResidentIdHasher residentIds,
    DecisionLog decisions, CaseFile caseFile, TimeProvider clock)
{
    public const string Name = "CoLendingSplit";

    /// <summary>The borrower already has an open application or loan of this product.</summary>
    public static readonly ReasonText OpenLoanOfProduct = new("C01", "已有同一产品的在途申请或未结清贷款", "You already have an open application or loan of this product");

    /// <summary>The household would owe more than the cap.</summary>
    public static readonly ReasonText OverHouseholdCap = new("C02", "家庭借款总额将超过上限", "The household's loans would exceed the limit");

    /// <summary>No lender of the product may lend where the borrower lives.</summary>
    public static readonly ReasonText OutsideRegion = new("C03", "所在地区不在出资机构的经营区域内", "The lenders may not lend where you live and farm");

    /// <summary>The lenders' own limits: not about the borrower.</summary>
    public static readonly ReasonText LendersCannotFund = new("C09", "出资机构暂时无法出资", "The lenders cannot fund this loan at the moment");

    /// <summary>What the orchestration passes: the validation round whose form is funded, not the form itself.</summary>
    public sealed record Input(string ApplicationId, string PartnerId, string ProductCode, int ValidatedRound, DateTimeOffset SubmittedAt);

    /// <summary>What the decision log keeps, so the audit re-splits exactly what was split.</summary>
    public sealed record Planned(string ApplicationId, string PartnerId, string ProductCode, LoanApplicationForm Form, DateTimeOffset SubmittedAt);

    /// <summary>The live balances a bank's limits were checked on, kept with the decision so it can be verified later.</summary>
    public sealed record LenderBalances(string LenderId, string TermsVersion, decimal AvailableQuotaYuan, decimal PartnerExposureYuan, decimal CoLentYuan, decimal TotalLoansYuan);

    /// <param name="Reasons">Coded reasons the application shows when the split refuses it.</param>
    /// <param name="Balances">The terms versions and live balances the rules were checked on.</param>
    public sealed record Output(bool Funded, string Reason, FundSplit? Split, IReadOnlyList<LenderAmount> Lenders, IReadOnlyList<RuleViolation> Violations,
        IReadOnlyList<ReasonText>? Reasons = null, IReadOnlyList<LenderBalances>? Balances = null, decimal? HouseholdOpenYuan = null);

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
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var terms = new Dictionary<string, LenderTerms>(StringComparer.Ordinal);
        var lenders = new Dictionary<string, Lender>(StringComparer.Ordinal);
        var missingTerms = new List<RuleViolation>();
        foreach (var share in product.Shares)
        {
            if (catalog.TermsOn(share.LenderId, today) is not { } inForce)
            {
                if (catalog.Lenders.ContainsKey(share.LenderId))
                {
                    missingTerms.Add(new RuleViolation("lender-terms", share.LenderId, $"{share.LenderId} has no terms in force on {today:yyyy-MM-dd}."));
                }
                continue;
            }
            terms[share.LenderId] = inForce;
            lenders[share.LenderId] = inForce.Live(await quotas.GetAsync(inForce.Id, inForce.QuotaYuan, ct), reservationId);
        }
        if (missingTerms.Count > 0)
        {
            return Unfunded(Describe(missingTerms), missingTerms);
        }

        var borrowerKey = residentIds.Hash(application.IdNumber.Value);
        var exposure = await borrowers.GetAsync(borrowerKey, ct);
        var householdOpen = exposure.Holds.Values.Where(h => h.ApplicationId != input.ApplicationId).Sum(h => h.AmountYuan);
        var result = FundSplitter.Split(product, lenders, new FundSplitRequest
        {
            ApplicationId = input.ApplicationId,
            PrincipalYuan = application.RequestedAmountYuan,
            TermMonths = application.TermMonths,
            RepaymentMethod = application.RepaymentMethod,
            BorrowerRegionCode = BorrowerRegion.CodeOf(application),
            HouseholdExistingDebtYuan = householdOpen,
        });
        if (!result.IsAllowed)
        {
            return Unfunded(Describe(result.Violations), result.Violations);
        }
        var split = result.Split!;

        // The borrower first: a second open application of the product, or one over the household cap, is refused here
        // even when it raced another one of the same borrower past the checks above.
        var claim = await borrowers.ChangeAsync(borrowerKey, e => BorrowerExposures.Reserve(e, input.ApplicationId, product.ProductId, split.PrincipalYuan, product.Rules.HouseholdCapYuan), ct);
        if (!claim.Succeeded)
        {
            return Unfunded(Describe([claim.Violation!]), [claim.Violation!]);
        }

        var reserved = new List<string>();
        foreach (var allocation in split.Allocations)
        {
            var lenderTerms = terms[allocation.LenderId];
            IReadOnlyList<RuleViolation> broken = [];
            var change = await quotas.ChangeAsync(lenderTerms.Id, lenderTerms.QuotaYuan, s => QuotaReservations.Reserve(s, reservationId, allocation.AmountYuan, product.PartnerId, current =>
            {
                broken = FundSplitter.BalanceLimitViolations(lenderTerms.Live(current, reservationId), product.PartnerId, allocation.AmountYuan, product.Rules);
                return broken.Count == 0 ? null : string.Join("; ", broken.Select(v => v.Message));
            }), ct);
            if (!change.Succeeded)
            {
                // Lost a race for the last of a lender's quota or limit: give back what this split took and report it.
                foreach (var lenderId in reserved)
                {
                    await quotas.ChangeAsync(lenderId, terms[lenderId].QuotaYuan, s => QuotaReservations.Release(s, reservationId), ct);
                }
                await borrowers.ChangeAsync(borrowerKey, e => BorrowerExposures.Release(e, input.ApplicationId), ct);
                IReadOnlyList<RuleViolation> violations = change.Status == QuotaChangeStatus.LimitExceeded && broken.Count > 0
                    ? broken
                    : [new RuleViolation("lender-quota", lenderTerms.Id, change.Problem ?? $"{lenderTerms.Name} has no quota left.")];
                return Unfunded(Describe(violations), violations);
            }
            reserved.Add(lenderTerms.Id);
        }

        var amounts = split.Allocations.Select(a => new LenderAmount(a.LenderId, terms[a.LenderId].Name, a.AmountYuan)).ToList();
        var balances = split.Allocations.Select(a => lenders[a.LenderId])
            .Select(l => new LenderBalances(l.Id, l.TermsVersion!, l.AvailableQuotaYuan, l.PartnerExposureYuan.GetValueOrDefault(product.PartnerId), l.CoLentOutstandingYuan, l.TotalLoansYuan))
            .ToList();
        return new Output(true, "已分配 / funded", split, amounts, [], Balances: balances, HouseholdOpenYuan: householdOpen);
    }

    /// <summary>The coded reasons shown to the borrower: their own situation first, the lenders' limits only as "cannot fund now".</summary>
    public static IReadOnlyList<ReasonText> ReasonsFor(IReadOnlyList<RuleViolation> violations)
    {
        ArgumentNullException.ThrowIfNull(violations);
        var reasons = new List<ReasonText>();
        foreach (var violation in violations)
        {
            var reason = violation.RuleId switch
            {
                BorrowerExposures.OneOpenPerProductRule => OpenLoanOfProduct,
                BorrowerExposures.HouseholdCapRule => OverHouseholdCap,
                "cn2021-region" => OutsideRegion,
                _ => LendersCannotFund,
            };
            if (!reasons.Contains(reason))
            {
                reasons.Add(reason);
            }
        }
        return reasons;
    }

    private static Output Unfunded(string reason, IReadOnlyList<RuleViolation> violations) => new(false, reason, null, [], violations, ReasonsFor(violations));

    private static string Describe(IReadOnlyList<RuleViolation> violations) =>
        "联合贷款规则不满足 / co-lending rules not met: " + string.Join("; ", violations.Select(v => $"[{v.RuleId}] {v.Message}"));
}
