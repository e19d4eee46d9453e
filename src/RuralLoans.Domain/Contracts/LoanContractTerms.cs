using RuralLoans.Domain.Applications;
using RuralLoans.Domain.CoLending;

namespace RuralLoans.Domain.Contracts;

/// <summary>One lender's part of the loan as the borrower is told it.</summary>
public sealed record ContractLender(string LenderId, string Name, decimal AmountYuan, decimal Share, decimal AnnualRate);

/// <summary>
/// What a loan contract discloses before the borrower accepts it: principal, term, repayment method, the annualized
/// rate (年化利率, PBoC 〔2021〕第3号) next to the nominal rate and its day count, every instalment, total interest and
/// total repayment, and who lends how much at what rate. Names of the parties are not here: they are personal data
/// and only the printed contract carries them.
/// </summary>
public sealed record LoanContractTerms
{
    public required string ContractNumber { get; init; }
    public required string ApplicationId { get; init; }
    public required string ProductName { get; init; }
    public required DateOnly IssuedOn { get; init; }
    public required DateTimeOffset AcceptBy { get; init; }
    public required decimal PrincipalYuan { get; init; }
    public required int TermMonths { get; init; }
    public required RepaymentMethod RepaymentMethod { get; init; }
    public required DayCountConvention DayCount { get; init; }

    /// <summary>The blended nominal rate: the lenders' rates weighted by what each funds.</summary>
    public required decimal NominalAnnualRate { get; init; }

    /// <summary>The IRR-based annualized rate the borrower is shown (<see cref="Contracts.AnnualizedRate"/>).</summary>
    public required decimal AnnualizedRate { get; init; }
    public required RateCap RateCap { get; init; }
    public required IReadOnlyList<Instalment> Schedule { get; init; }
    public required decimal TotalInterestYuan { get; init; }
    public required decimal TotalRepaymentYuan { get; init; }
    public required IReadOnlyList<ContractLender> Lenders { get; init; }

    /// <summary>
    /// Builds the terms of the split loan. The schedule starts on the day the contract is issued; a payout that settles
    /// later moves the due dates, which the contract says.
    /// </summary>
    public static LoanContractTerms Build(string applicationId, string productName, FundSplit split, IReadOnlyDictionary<string, string> lenderNames,
        int termMonths, RepaymentMethod method, RateCap cap, DateOnly issuedOn, DateTimeOffset acceptBy)
    {
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(lenderNames);
        ArgumentNullException.ThrowIfNull(cap);
        var schedule = RepaymentSchedule.Build(split.PrincipalYuan, split.BlendedAnnualRate, termMonths, method, issuedOn);
        var interest = RepaymentSchedule.TotalInterest(schedule);
        return new LoanContractTerms
        {
            ContractNumber = $"{applicationId}-C1",
            ApplicationId = applicationId,
            ProductName = productName,
            IssuedOn = issuedOn,
            AcceptBy = acceptBy,
            PrincipalYuan = split.PrincipalYuan,
            TermMonths = termMonths,
            RepaymentMethod = method,
            DayCount = method.DayCount(),
            NominalAnnualRate = split.BlendedAnnualRate,
            AnnualizedRate = Contracts.AnnualizedRate.Of(split.PrincipalYuan, issuedOn, schedule, method.DayCount()),
            RateCap = cap,
            Schedule = schedule,
            TotalInterestYuan = interest,
            TotalRepaymentYuan = split.PrincipalYuan + interest,
            Lenders = split.Allocations.Select(a => new ContractLender(a.LenderId, lenderNames.GetValueOrDefault(a.LenderId, a.LenderId), a.AmountYuan,
                decimal.Round(a.AmountYuan / split.PrincipalYuan, 4, MidpointRounding.AwayFromZero), a.AnnualRate)).ToList(),
        };
    }
}
