using RuralLoans.Domain.CoLending;

namespace RuralLoans.Domain.Tests.CoLending;

public class BorrowerExposureTests
{
    private static readonly BorrowerExposure Empty = new() { BorrowerKey = "k" };

    [Fact]
    public void A_second_open_application_of_the_same_product_is_refused_and_another_product_is_not()
    {
        var first = BorrowerExposures.Reserve(Empty, "app-1", "farm-310", 30_000m, 200_000m);
        var again = BorrowerExposures.Reserve(first.Exposure, "app-2", "farm-310", 30_000m, 200_000m);
        var other = BorrowerExposures.Reserve(first.Exposure, "app-3", "farm-acquaintance", 40_000m, 200_000m);

        Assert.Equal(BorrowerChangeStatus.Applied, first.Status);
        Assert.Equal(BorrowerChangeStatus.Refused, again.Status);
        Assert.Equal(BorrowerExposures.OneOpenPerProductRule, again.Violation!.RuleId);
        Assert.Equal(BorrowerChangeStatus.Applied, other.Status);
        Assert.Equal(70_000m, other.Exposure.OpenYuan);
    }

    [Fact]
    public void A_retry_changes_nothing_and_a_paid_out_loan_stays_open_until_repaid()
    {
        var held = BorrowerExposures.Reserve(Empty, "app-1", "farm-310", 30_000m, 200_000m).Exposure;
        Assert.Equal(BorrowerChangeStatus.AlreadyApplied, BorrowerExposures.Reserve(held, "app-1", "farm-310", 30_000m, 200_000m).Status);

        var paid = BorrowerExposures.MarkDisbursed(held, "app-1").Exposure;
        Assert.Equal(0, paid.Pending);
        var refused = BorrowerExposures.Reserve(paid, "app-2", "farm-310", 10_000m, 200_000m);
        Assert.Equal(BorrowerChangeStatus.Refused, refused.Status);
        Assert.Contains("open loan", refused.Violation!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_released_application_frees_the_product_and_the_household_cap()
    {
        var held = BorrowerExposures.Reserve(Empty, "app-1", "farm-310", 150_000m, 200_000m).Exposure;
        var overCap = BorrowerExposures.Reserve(held, "app-2", "farm-acquaintance", 60_000m, 200_000m);
        Assert.Equal(BorrowerExposures.HouseholdCapRule, overCap.Violation!.RuleId);

        var released = BorrowerExposures.Release(held, "app-1").Exposure;
        Assert.Equal(BorrowerChangeStatus.AlreadyApplied, BorrowerExposures.Release(released, "app-1").Status);
        Assert.Equal(BorrowerChangeStatus.Applied, BorrowerExposures.Reserve(released, "app-3", "farm-310", 60_000m, 200_000m).Status);
    }

    [Fact]
    public void The_keyed_hash_is_not_the_unsalted_sha256_and_depends_on_the_key()
    {
        const string Id = "430626198507125519";
        var unsalted = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Id)));
        var other = new ResidentIdHasher(new byte[32]);

        Assert.NotEqual(unsalted, ResidentIdHasher.Development.Hash(Id));
        Assert.NotEqual(ResidentIdHasher.Development.Hash(Id), other.Hash(Id));
        Assert.Equal(ResidentIdHasher.Development.Hash(Id), ResidentIdHasher.Development.Hash(" 430626198507125519 "));
        Assert.Equal(ResidentIdHasher.Development.Hash("43062619850712551X"), ResidentIdHasher.Development.Hash("43062619850712551x"));
        Assert.Throws<ArgumentException>(() => new ResidentIdHasher(new byte[16]));
    }
}
