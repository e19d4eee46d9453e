using RuralLoans.Host.Api;

namespace RuralLoans.Host.Tests.Api;

/// <summary>Free text is redacted however a resident ID or phone number is written in it.</summary>
public sealed class PersonalDataTests
{
    [Theory]
    [InlineData("身份证 11010519491231002X 已核对", "11010519491231002X")]
    [InlineData("身份证 110105 19491231 002X 已核对", "11010519491231002X")]
    [InlineData("身份证 1101-0519-4912-3100-2X", "11010519491231002X")]
    [InlineData("身份证 １１０１０５１９４９１２３１００２Ｘ", "11010519491231002X")]
    [InlineData("old id 110105491231002 on file", "110105491231002")]
    public void A_resident_id_in_any_spelling_is_masked(string text, string id)
    {
        var redacted = PersonalData.Redact(text);

        Assert.DoesNotContain(id[6..^4], redacted.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains(PersonalData.MaskResidentId(id), redacted, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("电话 13812345678")]
    [InlineData("电话 138 1234 5678")]
    [InlineData("电话 138-1234-5678")]
    [InlineData("电话 +86 138 1234 5678")]
    [InlineData("电话 １３８１２３４５６７８")]
    public void A_mobile_number_in_any_spelling_is_masked(string text)
    {
        var redacted = PersonalData.Redact(text);

        Assert.Contains("138****5678", redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("1234", redacted, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("申请金额 30000 元，期限 12 个月，2024-03-15 申请")]
    [InlineData("content hash 84aa59812a8e7493d1dfe39b30c083c1bd6208ea3f960d0c2285b6f1b5d2756f")]
    public void Ordinary_numbers_and_hashes_are_left_alone(string text)
    {
        Assert.Equal(text.Normalize(System.Text.NormalizationForm.FormKC), PersonalData.Redact(text));
    }
}
