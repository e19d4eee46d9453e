using RuralLoans.Domain.Applications;

namespace RuralLoans.Domain.Tests.Applications;

public class ApplicationValidatorTests
{
    private static readonly DateOnly Today = new(2024, 3, 20);

    internal static LoanApplicationForm ValidForm() => new()
    {
        ApplicantName = "张建国",
        IdNumber = IdFor("511423", "19800612", "031"),
        Phone = "13812345678",
        Village = "石桥村",
        Township = "青龙镇",
        County = "洪雅县",
        HouseholdSize = "5人",
        LandAreaMu = "8.5亩",
        FarmingProject = "生猪养殖",
        RequestedAmountYuan = "3.5万",
        TermMonths = "12个月",
        Purpose = "购买仔猪和饲料",
        RepaymentMethod = "等额本息",
        PartnerCode = "hy-coop-01",
        ApplicationDate = "2024年3月15日",
    };

    internal static string IdFor(string addressCode, string birthDate, string sequence)
    {
        var first17 = addressCode + birthDate + sequence;
        return first17 + ResidentIdNumber.CheckCharacterFor(first17);
    }

    [Fact]
    public void A_complete_form_becomes_a_typed_application()
    {
        var result = ApplicationValidator.Validate(ValidForm(), Today);

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        var application = result.Application!;
        Assert.Equal(35_000m, application.RequestedAmountYuan);
        Assert.Equal(12, application.TermMonths);
        Assert.Equal(5, application.HouseholdSize);
        Assert.Equal(8.5m, application.LandAreaMu);
        Assert.Equal(FarmingProject.Livestock, application.FarmingProject);
        Assert.Equal(RepaymentMethod.EqualInstalment, application.RepaymentMethod);
        Assert.Equal("HY-COOP-01", application.PartnerCode);
        Assert.Equal(new DateOnly(2024, 3, 15), application.ApplicationDate);
        Assert.Equal(43, application.ApplicantAge);
    }

    [Fact]
    public void Every_bad_field_is_reported_at_once()
    {
        var form = ValidForm() with { Phone = "12345", RequestedAmountYuan = "abc", TermMonths = "0", RepaymentMethod = "whenever" };

        var result = ApplicationValidator.Validate(form, Today);

        Assert.False(result.IsValid);
        Assert.Equal(["phone", "requestedAmountYuan", "termMonths", "repaymentMethod"], result.Errors.Select(e => e.Field));
        Assert.All(result.Errors, e => Assert.False(string.IsNullOrWhiteSpace(e.MessageZh) || string.IsNullOrWhiteSpace(e.MessageEn)));
    }

    [Theory]
    [InlineData("0", "amount.positive")]
    [InlineData("200000.01", "amount.range")]
    [InlineData("25万", "amount.range")]
    [InlineData("30000.001", "amount.format")]
    public void Amounts_outside_the_caps_or_finer_than_a_fen_are_rejected(string amount, string code)
    {
        var result = ApplicationValidator.Validate(ValidForm() with { RequestedAmountYuan = amount }, Today);

        Assert.Equal(code, Assert.Single(result.Errors).Code);
    }

    [Fact]
    public void The_household_cap_itself_is_accepted()
    {
        var result = ApplicationValidator.Validate(ValidForm() with { RequestedAmountYuan = "20万" }, Today);

        Assert.Equal(200_000m, result.Application!.RequestedAmountYuan);
    }

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("张三'; DROP TABLE loans; --")]
    [InlineData("${jndi:ldap://x}")]
    [InlineData("{{7*7}}")]
    [InlineData("=HYPERLINK(\"x\")")]
    [InlineData("张\u0000三")]
    public void Injection_like_values_are_rejected(string value)
    {
        var result = ApplicationValidator.Validate(ValidForm() with { Purpose = value }, Today);

        Assert.Equal("unsafe_content", Assert.Single(result.Errors).Code);
    }

    [Fact]
    public void A_ten_thousand_character_value_is_rejected_without_echoing_it()
    {
        var huge = new string('村', 10_000);

        var result = ApplicationValidator.Validate(ValidForm() with { Village = huge }, Today);

        var error = Assert.Single(result.Errors);
        Assert.Equal("too_long", error.Code);
        Assert.True(error.MessageEn.Length < 200);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("21")]
    [InlineData("3.5")]
    [InlineData("很多")]
    public void Household_size_must_be_a_plausible_whole_number(string size)
    {
        var result = ApplicationValidator.Validate(ValidForm() with { HouseholdSize = size }, Today);

        Assert.Equal("household.range", Assert.Single(result.Errors).Code);
    }

    [Theory]
    [InlineData("-3")]
    [InlineData("20000")]
    [InlineData("8.123")]
    public void Land_area_must_be_plausible(string area)
    {
        var result = ApplicationValidator.Validate(ValidForm() with { LandAreaMu = area }, Today);

        Assert.Equal("land.range", Assert.Single(result.Errors).Code);
    }

    [Theory]
    [InlineData("2024-03-21")]
    [InlineData("2022-03-15")]
    public void Application_dates_in_the_future_or_long_past_are_rejected(string date)
    {
        var result = ApplicationValidator.Validate(ValidForm() with { ApplicationDate = date }, Today);

        Assert.Equal("date.range", Assert.Single(result.Errors).Code);
    }

    [Fact]
    public void A_child_applicant_is_caught_from_the_id_birth_date()
    {
        var result = ApplicationValidator.Validate(ValidForm() with { IdNumber = IdFor("511423", "20150101", "012") }, Today);

        var error = Assert.Single(result.Errors);
        Assert.Equal("id.age", error.Code);
        Assert.Contains("9", error.MessageEn, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_fields_are_each_named()
    {
        var result = ApplicationValidator.Validate(new LoanApplicationForm(), Today);

        Assert.Equal(15, result.Errors.Count);
        Assert.All(result.Errors, e => Assert.Equal("required", e.Code));
    }

    [Fact]
    public void A_validated_application_survives_a_json_round_trip_with_its_id_checked_again()
    {
        var application = ApplicationValidator.Validate(ValidForm(), Today).Application!;

        var json = System.Text.Json.JsonSerializer.Serialize(application);
        var reloaded = System.Text.Json.JsonSerializer.Deserialize<LoanApplication>(json)!;

        Assert.Equal(application, reloaded);
        Assert.Throws<System.Text.Json.JsonException>(() => System.Text.Json.JsonSerializer.Deserialize<LoanApplication>(json.Replace(application.IdNumber.Value, "110105194912310021", StringComparison.Ordinal)));
    }
}
