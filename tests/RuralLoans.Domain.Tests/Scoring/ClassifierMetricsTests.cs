using RuralLoans.Domain.Scoring.Training;

namespace RuralLoans.Domain.Tests.Scoring;

public class ClassifierMetricsTests
{
    [Fact]
    public void Auc_counts_the_share_of_bad_good_pairs_ranked_correctly_with_ties_as_half()
    {
        // Bads at 0.9 and 0.4, goods at 0.5, 0.4, 0.1: pairs won 3 + (1 + 0.5 tie) = 4.5 of 6.
        double[] risk = [0.9, 0.4, 0.5, 0.4, 0.1];
        int[] bad = [1, 1, 0, 0, 0];

        Assert.Equal(0.75, ClassifierMetrics.Auc(risk, bad), 12);
        Assert.Equal(0.5, ClassifierMetrics.Gini(0.75), 12);
    }

    [Fact]
    public void Perfect_and_reversed_rankings_give_one_and_zero()
    {
        int[] bad = [0, 0, 1, 1];

        Assert.Equal(1, ClassifierMetrics.Auc([1, 2, 3, 4], bad));
        Assert.Equal(0, ClassifierMetrics.Auc([4, 3, 2, 1], bad));
        Assert.Equal(1, ClassifierMetrics.Ks([1, 2, 3, 4], bad));
    }

    [Fact]
    public void Ks_is_the_largest_gap_between_cumulative_good_and_bad_shares()
    {
        // Sorted by risk: g g b g b b → after 2 goods: 2/3 - 0 = 0.667 is the largest gap.
        double[] risk = [1, 2, 3, 4, 5, 6];
        int[] bad = [0, 0, 1, 0, 1, 1];

        Assert.Equal(2.0 / 3, ClassifierMetrics.Ks(risk, bad), 12);
    }

    [Fact]
    public void Psi_is_zero_for_identical_shares_and_matches_a_hand_computed_shift()
    {
        Assert.Equal(0, ClassifierMetrics.Psi([10, 20, 30], [1, 2, 3]), 12);
        // Expected 50/50, actual 25/75: (0.25-0.5) ln(0.5) + (0.75-0.5) ln(1.5) = 0.2747.
        Assert.Equal(-0.25 * Math.Log(0.5) + 0.25 * Math.Log(1.5), ClassifierMetrics.Psi([50, 50], [25, 75]), 12);
    }
}
