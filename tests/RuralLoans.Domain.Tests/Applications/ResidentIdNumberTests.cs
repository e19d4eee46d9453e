using RuralLoans.Domain.Applications;

namespace RuralLoans.Domain.Tests.Applications;

public class ResidentIdNumberTests
{
    [Fact]
    public void Standard_example_is_valid_and_yields_birth_date_and_sex()
    {
        var id = ResidentIdNumber.Parse("11010519491231002X");

        Assert.Equal(new DateOnly(1949, 12, 31), id.BirthDate);
        Assert.False(id.IsMale);
        Assert.Equal("110105", id.AddressCode);
    }

    [Theory]
    [InlineData("11010519491231002x")]
    [InlineData("110105 19491231 002X")]
    [InlineData("１１０１０５１９４９１２３１００２Ｘ")]
    public void Lower_case_spaced_and_full_width_forms_normalise_to_the_canonical_number(string typed)
    {
        Assert.Equal("11010519491231002X", ResidentIdNumber.Parse(typed).Value);
    }

    [Theory]
    [InlineData("110105194912310021", "id.checksum")]
    [InlineData("11010519491331002X", "id.birthdate")]
    [InlineData("110105194902300029", "id.birthdate")]
    [InlineData("99010519491231002X", "id.region")]
    [InlineData("1101051949123100", "id.format")]
    [InlineData("", "id.required")]
    public void Invalid_numbers_are_rejected_with_the_reason(string typed, string code)
    {
        Assert.False(ResidentIdNumber.TryParse(typed, out _, out var error));
        Assert.Equal(code, error!.Code);
    }

    [Fact]
    public void Check_character_follows_iso_7064_mod_11_2()
    {
        // Hand computed: weighted digit sum of 11010519491231002 is 167; 167 mod 11 = 2 -> 'X'.
        Assert.Equal('X', ResidentIdNumber.CheckCharacterFor("11010519491231002"));
    }

    [Theory]
    [InlineData("2024-12-30", 74)]
    [InlineData("2024-12-31", 75)]
    [InlineData("2025-01-01", 75)]
    public void Age_counts_whole_years_up_to_the_birthday(string onDate, int expectedAge)
    {
        var id = ResidentIdNumber.Parse("11010519491231002X");
        Assert.Equal(expectedAge, id.AgeOn(DateOnly.Parse(onDate, System.Globalization.CultureInfo.InvariantCulture)));
    }
}
