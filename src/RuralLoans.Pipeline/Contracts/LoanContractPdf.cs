using System.Globalization;
using RuralLoans.Domain.Applications;
using RuralLoans.Domain.Contracts;
using SkiaSharp;

namespace RuralLoans.Pipeline.Contracts;

/// <summary>The people and institutions a printed contract names: personal data, so only the PDF carries them.</summary>
public sealed record ContractParties(string BorrowerName, string BorrowerIdNumber, string Purpose, string OriginatorName);

/// <summary>
/// Prints a loan contract as an A4 PDF in Chinese with Skia's PDF backend (already the project's drawing library; it
/// subsets the CFF-outline Noto CJK faces and writes a text layer a reader can copy or search). The output depends
/// only on its inputs — the document dates are the issue date — so the same contract always has the same hash.
/// </summary>
public static class LoanContractPdf
{
    /// <summary>The face contracts are printed in, from Debian's fonts-noto-cjk (./ruralloans installs it on first use).</summary>
    public const string FontFamily = "Noto Sans CJK SC";
    public const string FontPackage = "fonts-noto-cjk";

    private const float PageWidth = 595, PageHeight = 842, Margin = 50, Bottom = PageHeight - 50;

    private static readonly Lazy<SKTypeface> Typeface = new(LoadTypeface);

    public static byte[] Render(LoanContractTerms terms, ContractParties parties)
    {
        ArgumentNullException.ThrowIfNull(terms);
        ArgumentNullException.ThrowIfNull(parties);
        var issued = new DateTime(terms.IssuedOn, TimeOnly.MinValue, DateTimeKind.Utc);
        using var stream = new MemoryStream();
        using (var document = SKDocument.CreatePdf(stream, new SKDocumentPdfMetadata
        {
            Title = $"借款合同 {terms.ContractNumber}",
            Creator = "RuralLoans",
            Producer = "RuralLoans",
            Creation = issued,
            Modified = issued,
            RasterDpi = 72,
        }))
        {
            using (var writer = new Writer(document))
            {
                writer.Write(terms, parties);
            }
            document.Close();
        }
        return stream.ToArray();
    }

    private static SKTypeface LoadTypeface()
    {
        var typeface = SKFontManager.Default.MatchFamily(FontFamily);
        using var probe = typeface is null ? null : new SKFont(typeface);
        if (typeface is null || !typeface.FamilyName.Equals(FontFamily, StringComparison.OrdinalIgnoreCase) || !probe!.ContainsGlyphs("借款合同年化利率"))
        {
            typeface?.Dispose();
            throw new InvalidOperationException($"The contract font '{FontFamily}' is not installed: apt-get install {FontPackage} (./ruralloans does on first use).");
        }
        return typeface;
    }

    private static string Yuan(decimal amount) => amount.ToString("#,##0.00", CultureInfo.InvariantCulture);

    private sealed class Writer(SKDocument document) : IDisposable
    {
        private readonly SKFont _title = new(Typeface.Value, 18);
        private readonly SKFont _heading = new(Typeface.Value, 11.5f) { Embolden = true };
        private readonly SKFont _body = new(Typeface.Value, 10.5f);
        private readonly SKFont _small = new(Typeface.Value, 9);
        private readonly SKPaint _ink = new() { Color = SKColors.Black, IsAntialias = true };
        private readonly SKPaint _rule = new() { Color = new SKColor(0x80, 0x80, 0x80), StrokeWidth = 0.5f, IsStroke = true };
        private SKCanvas? _canvas;
        private float _y;
        private int _page;

        public void Write(LoanContractTerms t, ContractParties p)
        {
            NewPage();
            Centered("个人借款合同（联合贷款）", _title, 26);
            Centered($"合同编号：{t.ContractNumber}    产品：{t.ProductName}    生成日期：{t.IssuedOn:yyyy-MM-dd}", _small, 22);

            Heading("合同各方");
            Paragraph($"借款人（甲方）：{p.BorrowerName}    身份证号码：{p.BorrowerIdNumber}");
            Paragraph($"贷款服务机构（丙方）：{p.OriginatorName}");
            Paragraph("贷款人（乙方，联合出资）：");
            Table([("贷款人", 200), ("出资金额（元）", 100), ("出资比例", 80), ("年利率", 80)],
                t.Lenders.Select(l => new[] { l.Name, Yuan(l.AmountYuan), Rates.Percent(l.Share), Rates.Percent(l.AnnualRate) }).ToList());

            Heading("第一条 借款金额、期限与用途");
            Paragraph($"借款金额：人民币 {Yuan(t.PrincipalYuan)} 元。借款期限：{t.TermMonths} 个月，自放款之日起算。借款用途：{p.Purpose}。");
            Paragraph("借款不得用于购买住房、证券、期货及其他投资，不得用于法律法规禁止的用途。");

            Heading("第二条 利率与计息");
            Paragraph($"年化利率：{Rates.Percent(t.AnnualizedRate)}（按中国人民银行公告〔2021〕第3号要求，以还款现金流按内部收益率法计算）。");
            Paragraph($"名义年利率：{Rates.Percent(t.NominalAnnualRate)}（各贷款人年利率按出资金额加权）。计息规则：{DayCountText(t.DayCount)}。");
            Paragraph($"利率上限：{Rates.Percent(t.RateCap.MaxAnnualRate)}（{t.RateCap.Basis}）。");

            Heading("第三条 还款方式与还款计划");
            Paragraph($"还款方式：{t.RepaymentMethod.Chinese()}。利息总额：人民币 {Yuan(t.TotalInterestYuan)} 元。还款总额：人民币 {Yuan(t.TotalRepaymentYuan)} 元。");
            Paragraph("下表按合同生成日起算；实际放款日晚于合同生成日的，各期还款日顺延相同天数，金额不变。每期利息单独四舍五入到分，最后一期偿还剩余全部本金。");
            Table([("期数", 40), ("还款日", 85), ("应还本金", 85), ("应还利息", 80), ("应还合计", 85), ("剩余本金", 95)],
                t.Schedule.Select(i => new[] { i.Period.ToString(CultureInfo.InvariantCulture), i.DueDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    Yuan(i.PrincipalYuan), Yuan(i.InterestYuan), Yuan(i.TotalYuan), Yuan(i.RemainingPrincipalYuan) }).ToList(),
                footer: ["合计", "", Yuan(t.PrincipalYuan), Yuan(t.TotalInterestYuan), Yuan(t.TotalRepaymentYuan), ""]);

            Heading("第四条 合同确认");
            Paragraph($"借款人应于 {t.AcceptBy.UtcDateTime:yyyy-MM-dd HH:mm} UTC 前通过贷款服务机构或村级合作方确认本合同；逾期未确认的，本合同不生效，贷款申请终止，不发放贷款。");
            Paragraph("借款人确认前已阅读本合同全部条款，知悉年化利率、还款计划、利息总额及各贷款人出资情况。本合同以其内容的 SHA-256 摘要识别，确认记录载明该摘要。");
            Paragraph("借款人（确认）：____________________    日期：______________");
            Footer();
            document.EndPage();
            _canvas = null;
        }

        private static string DayCountText(DayCountConvention dayCount) => dayCount switch
        {
            DayCountConvention.Thirty360 => "按月计息，月利率＝年利率÷12（30/360）",
            DayCountConvention.Actual360 => "按实际天数计息，日利率＝年利率÷360（ACT/360）",
            _ => dayCount.ToString(),
        };

        private void NewPage()
        {
            if (_canvas is not null)
            {
                Footer();
                document.EndPage();
            }
            _page++;
            _canvas = document.BeginPage(PageWidth, PageHeight);
            _y = Margin;
        }

        private void Footer() =>
            _canvas!.DrawText($"第 {_page} 页", PageWidth / 2, PageHeight - 25, SKTextAlign.Center, _small, _ink);

        private void Room(float height)
        {
            if (_y + height > Bottom)
            {
                NewPage();
            }
        }

        private void Centered(string text, SKFont font, float advance)
        {
            Room(advance);
            _y += advance;
            _canvas!.DrawText(text, PageWidth / 2, _y, SKTextAlign.Center, font, _ink);
        }

        private void Heading(string text)
        {
            Room(40);
            _y += 24;
            _canvas!.DrawText(text, Margin, _y, SKTextAlign.Left, _heading, _ink);
            _y += 4;
        }

        /// <summary>Wraps by characters, as Chinese text breaks anywhere.</summary>
        private void Paragraph(string text)
        {
            var width = PageWidth - 2 * Margin;
            var line = new System.Text.StringBuilder();
            foreach (var rune in text.EnumerateRunes())
            {
                var candidate = line + rune.ToString();
                if (_body.MeasureText(candidate) > width && line.Length > 0)
                {
                    Line(line.ToString());
                    line.Clear();
                }
                line.Append(rune.ToString());
            }
            if (line.Length > 0)
            {
                Line(line.ToString());
            }
        }

        private void Line(string text)
        {
            Room(16);
            _y += 16;
            _canvas!.DrawText(text, Margin, _y, SKTextAlign.Left, _body, _ink);
        }

        private void Table(IReadOnlyList<(string Header, float Width)> columns, IReadOnlyList<string[]> rows, string[]? footer = null)
        {
            void Row(string[] cells, SKFont font)
            {
                Room(15);
                _y += 15;
                var x = Margin;
                for (var i = 0; i < columns.Count; i++)
                {
                    // Numbers right-aligned so the columns add up by eye; the first column left-aligned.
                    if (i == 0)
                    {
                        _canvas!.DrawText(cells[i], x + 2, _y - 3, SKTextAlign.Left, font, _ink);
                    }
                    else
                    {
                        _canvas!.DrawText(cells[i], x + columns[i].Width - 4, _y - 3, SKTextAlign.Right, font, _ink);
                    }
                    x += columns[i].Width;
                }
                _canvas!.DrawLine(Margin, _y + 1, x, _y + 1, _rule);
            }
            _y += 6;
            Row(columns.Select(c => c.Header).ToArray(), _heading);
            foreach (var row in rows)
            {
                if (_y + 15 > Bottom)
                {
                    NewPage();
                    Row(columns.Select(c => c.Header).ToArray(), _heading);
                }
                Row(row, _small);
            }
            if (footer is not null)
            {
                Row(footer, _heading);
            }
            _y += 4;
        }

        public void Dispose()
        {
            _title.Dispose();
            _heading.Dispose();
            _body.Dispose();
            _small.Dispose();
            _ink.Dispose();
            _rule.Dispose();
        }
    }
}
