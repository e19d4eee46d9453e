using RuralLoans.Domain.Applications;

namespace RuralLoans.Domain.Tests.Applications;

public class FieldNormalizerTests
{
    [Theory]
    [InlineData("30000", "30000")]
    [InlineData("30,000", "30000")]
    [InlineData("３０，０００", "30000")]
    [InlineData("¥30,000.00", "30000")]
    [InlineData("30000元", "30000")]
    [InlineData("3万", "30000")]
    [InlineData("3.5万", "35000")]
    [InlineData("3.5万元", "35000")]
    [InlineData("1234.56", "1234.56")]
    [InlineData("1.23456万", "12345.6")]
    public void Amounts_written_in_common_ways_normalise_to_yuan(string typed, string expected)
    {
        Assert.True(FieldNormalizers.TryNormalizeAmountYuan(typed, out var yuan));
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), yuan);
    }

    [Theory]
    [InlineData("12.345")]
    [InlineData("1.2345678万")]
    [InlineData("三万")]
    [InlineData("30,00")]
    [InlineData("-500")]
    [InlineData("")]
    [InlineData("1e5")]
    public void Amounts_that_are_unreadable_or_finer_than_a_fen_are_refused(string typed)
    {
        Assert.False(FieldNormalizers.TryNormalizeAmountYuan(typed, out _));
    }

    [Theory]
    [InlineData("2024-03-15")]
    [InlineData("2024/3/15")]
    [InlineData("2024年3月15日")]
    [InlineData("2024.03.15")]
    [InlineData(" ２０２４年３月１５日 ")]
    public void Dates_written_in_common_ways_normalise(string typed)
    {
        Assert.True(FieldNormalizers.TryNormalizeDate(typed, out var date));
        Assert.Equal(new DateOnly(2024, 3, 15), date);
    }

    [Theory]
    [InlineData("2024-02-30")]
    [InlineData("2023年13月1日")]
    [InlineData("15/03/2024")]
    [InlineData("yesterday")]
    public void Impossible_or_ambiguous_dates_are_refused(string typed)
    {
        Assert.False(FieldNormalizers.TryNormalizeDate(typed, out _));
    }

    [Theory]
    [InlineData("13812345678", "13812345678")]
    [InlineData("138-1234-5678", "13812345678")]
    [InlineData("+86 138 1234 5678", "13812345678")]
    public void Mobile_numbers_normalise_to_eleven_digits(string typed, string expected)
    {
        Assert.True(FieldNormalizers.TryNormalizeMobile(typed, out var mobile));
        Assert.Equal(expected, mobile);
    }

    [Theory]
    [InlineData("12812345678")]
    [InlineData("1381234567")]
    [InlineData("010-12345678")]
    public void Non_mobile_numbers_are_refused(string typed)
    {
        Assert.False(FieldNormalizers.TryNormalizeMobile(typed, out _));
    }

    [Theory]
    [InlineData("等额本息", RepaymentMethod.EqualInstalment)]
    [InlineData("equal-instalment", RepaymentMethod.EqualInstalment)]
    [InlineData("先息后本", RepaymentMethod.InterestThenBullet)]
    [InlineData("到期一次还本付息", RepaymentMethod.Bullet)]
    [InlineData("Bullet", RepaymentMethod.Bullet)]
    public void Repayment_methods_are_recognised_in_chinese_and_english(string typed, RepaymentMethod expected)
    {
        Assert.True(FieldNormalizers.TryNormalizeRepaymentMethod(typed, out var method));
        Assert.Equal(expected, method);
    }

    [Theory]
    [InlineData("水稻种植", FarmingProject.GrainCrops)]
    [InlineData("生猪养殖", FarmingProject.Livestock)]
    [InlineData("柑橘果园", FarmingProject.Orchard)]
    [InlineData("小龙虾养殖", FarmingProject.Aquaculture)]
    [InlineData("茶叶", FarmingProject.CashCrops)]
    [InlineData("农家乐", FarmingProject.ProcessingAndServices)]
    [InlineData("修理农机", FarmingProject.Other)]
    public void Farming_projects_are_classified_from_their_description(string typed, FarmingProject expected)
    {
        Assert.True(FieldNormalizers.TryNormalizeFarmingProject(typed, out var project));
        Assert.Equal(expected, project);
    }
}
