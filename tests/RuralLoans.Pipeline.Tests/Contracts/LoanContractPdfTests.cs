using System.Globalization;
using RuralLoans.Domain.Applications;
using RuralLoans.Domain.CoLending;
using RuralLoans.Domain.Contracts;
using RuralLoans.Pipeline.Contracts;
using UglyToad.PdfPig;

namespace RuralLoans.Pipeline.Tests.Contracts;

public class LoanContractPdfTests
{
    private static LoanContractTerms Terms(int months, RepaymentMethod method) => LoanContractTerms.Build("app-pdf-1", "农户310信用贷", new FundSplit
    {
        ApplicationId = "app-pdf-1",
        ProductId = "farm-310",
        ProductVersion = "2026.1",
        RuleSetVersion = "cn2021-in2025-v1",
        PrincipalYuan = 50_000m,
        BlendedAnnualRate = 0.0521m,
        Allocations = [new("MFI001", LenderRole.Partner, 0.3m, 15_000m, 0.072m), new("BANK-RCB", LenderRole.Bank, 0.7m, 35_000m, 0.0435m)],
    }, new Dictionary<string, string> { ["MFI001"] = "兴农小额贷款公司", ["BANK-RCB"] = "湖南农村商业银行" }, months, method,
        RateCap.JudicialCeiling(new(0.031m, new DateOnly(2024, 10, 21))), new DateOnly(2026, 12, 6), new DateTimeOffset(2026, 12, 13, 0, 0, 0, TimeSpan.Zero));

    private static readonly ContractParties Parties = new("王德明", "430124198501011234", "购买仔猪和饲料", "兴农小额贷款公司");

    private static string Text(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        // Words joined without spaces: the check is on what a reader copies, not on how Skia spaced the glyphs. Noto's
        // glyphs shared with radicals map to the radical in Skia's text layer (⼈ for 人, ⺠ for 民): NFKC folds the
        // Kangxi radicals back, and the one supplement radical the contract's wording meets is folded by hand.
        return string.Concat(document.GetPages().Select(p => string.Concat(p.GetWords().Select(w => w.Text))))
            .Normalize(System.Text.NormalizationForm.FormKC).Replace('⺠', '民');
    }

    private static void Has(string text, string expected) =>
        Assert.Contains(expected.Normalize(System.Text.NormalizationForm.FormKC), text, StringComparison.Ordinal);

    private static string Yuan(decimal amount) => amount.ToString("#,##0.00", CultureInfo.InvariantCulture);

    [Fact]
    public void The_printed_contract_reads_back_with_the_annualized_rate_every_schedule_row_and_the_total_interest()
    {
        var terms = Terms(36, RepaymentMethod.EqualPrincipal);

        var pdf = LoanContractPdf.Render(terms, Parties);
        var text = Text(pdf);

        Assert.StartsWith("%PDF", System.Text.Encoding.ASCII.GetString(pdf, 0, 4), StringComparison.Ordinal);
        Has(text, "年化利率：5.21%");
        Has(text, "利息总额：人民币" + Yuan(terms.TotalInterestYuan) + "元");
        Has(text, "等额本金");
        Has(text, "王德明");
        Has(text, "湖南农村商业银行35,000.0070.00%4.35%");
        // Every row, over more than one page: period, due date, principal, interest, total, balance.
        Assert.Equal(36, terms.Schedule.Count);
        foreach (var row in terms.Schedule)
        {
            var printed = string.Concat(row.Period.ToString(CultureInfo.InvariantCulture), row.DueDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                Yuan(row.PrincipalYuan), Yuan(row.InterestYuan), Yuan(row.TotalYuan), Yuan(row.RemainingPrincipalYuan));
            Has(text, printed);
        }
    }

    [Fact]
    public void The_same_contract_prints_to_the_same_bytes_so_its_hash_names_it()
    {
        var terms = Terms(12, RepaymentMethod.QuarterlyInterest);

        Assert.Equal(LoanContractPdf.Render(terms, Parties), LoanContractPdf.Render(terms, Parties));
        Assert.NotEqual(LoanContractPdf.Render(terms, Parties), LoanContractPdf.Render(terms with { AnnualizedRate = 0.0529m }, Parties));
        Has(Text(LoanContractPdf.Render(terms, Parties)), "ACT/360");
    }
}
