using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RuralLoans.Domain.Applications;

namespace RuralLoans.Domain.Tests.Applications;

public static class IdNumberArbitraries
{
    /// <summary>17 digits of a plausible ID: real province prefix, a birth date between 1930 and 2010, any sequence.</summary>
    public static Arbitrary<string> First17Digits() =>
        (from province in Gen.Elements("11", "32", "44", "51", "65")
         from rest in Gen.Choose(0, 9999)
         from days in Gen.Choose(0, 29_000)
         from sequence in Gen.Choose(0, 999)
         select string.Create(CultureInfo.InvariantCulture, $"{province}{rest:0000}{new DateOnly(1930, 1, 1).AddDays(days):yyyyMMdd}{sequence:000}")).ToArbitrary();
}

public class NormalizerPropertyTests
{
    [Property(Arbitrary = [typeof(IdNumberArbitraries)])]
    public void Every_number_with_its_check_character_is_valid_and_every_single_digit_typo_is_caught(string first17, byte position, byte replacement)
    {
        var id = first17 + ResidentIdNumber.CheckCharacterFor(first17);
        Assert.True(ResidentIdNumber.TryParse(id, out _, out _));

        var index = position % 17;
        var digit = (char)('0' + replacement % 10);
        if (digit == first17[index])
        {
            return;
        }
        var typo = string.Concat(id.AsSpan(0, index), [digit], id.AsSpan(index + 1));
        Assert.False(ResidentIdNumber.TryParse(typo, out _, out _), $"{typo} was accepted");
    }

    [Property]
    public void Any_fen_amount_written_plainly_with_separators_or_in_wan_reads_back_exactly(uint fen)
    {
        var yuan = (fen % 100_000_000u) / 100m;

        Assert.True(FieldNormalizers.TryNormalizeAmountYuan(yuan.ToString("0.00", CultureInfo.InvariantCulture), out var plain));
        Assert.True(FieldNormalizers.TryNormalizeAmountYuan(yuan.ToString("#,##0.00", CultureInfo.InvariantCulture), out var grouped));
        Assert.True(FieldNormalizers.TryNormalizeAmountYuan((yuan / 10_000m).ToString("0.######", CultureInfo.InvariantCulture) + "万", out var wan));
        Assert.Equal((yuan, yuan, yuan), (plain, grouped, wan));
    }

    [Property]
    public void Any_date_in_the_three_form_styles_reads_back_exactly(ushort daysSince2000)
    {
        var date = new DateOnly(2000, 1, 1).AddDays(daysSince2000 % 20_000);

        foreach (var written in new[] { $"{date:yyyy-MM-dd}", $"{date.Year}/{date.Month}/{date.Day}", $"{date.Year}年{date.Month}月{date.Day}日" })
        {
            Assert.True(FieldNormalizers.TryNormalizeDate(written, out var read), written);
            Assert.Equal(date, read);
        }
    }
}
