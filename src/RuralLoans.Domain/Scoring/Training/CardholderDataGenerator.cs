using System.Globalization;

namespace RuralLoans.Domain.Scoring.Training;

/// <summary>
/// Generates a GENERATED (synthetic) card-holder credit dataset shaped like the public "default of credit card
/// clients" data (30,000 holders, six months of repayment status, bill and payment amounts), for testing the
/// trainers where that data cannot be downloaded. Nothing in it comes from real people.
/// </summary>
/// <remarks>
/// Every holder has a hidden creditworthiness. Six monthly repayment statuses follow a Markov chain with the
/// dataset's coding: −2 no balance (card not used), −1 paid in full, 0 revolving (minimum paid), 1…8 months
/// overdue; overdue months roll forward unless cured. Limits, bills and payments follow the status and the
/// hidden creditworthiness. Default next month is drawn from a logistic model of: the latest status (an
/// unused card riskier than a paid-in-full one — a special code that is not "less than −1" in risk), the
/// count of overdue months, utilisation, the share of the last bill paid, limit, age (riskier when young or
/// old), an interaction of being overdue with high utilisation, and the hidden creditworthiness itself (which
/// no column reveals, so no model can be perfect). About 19 % default.
/// </remarks>
public static class CardholderDataGenerator
{
    public const string TargetColumn = "defaultNextMonth";

    public static readonly IReadOnlyList<string> Header =
    [
        "id", "limitBalance", "sex", "education", "marriage", "age",
        "pay0", "pay2", "pay3", "pay4", "pay5", "pay6",
        "billAmt1", "billAmt2", "billAmt3", "billAmt4", "billAmt5", "billAmt6",
        "payAmt1", "payAmt2", "payAmt3", "payAmt4", "payAmt5", "payAmt6",
        TargetColumn,
    ];

    /// <summary>Writes <paramref name="rows"/> holders as CSV with a header row; the same seed gives the same file.</summary>
    public static void WriteCsv(TextWriter writer, int rows, int seed)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteLine(string.Join(',', Header));
        foreach (var row in Generate(rows, seed))
        {
            writer.WriteLine(string.Join(',', row.Select(v => v.ToString(CultureInfo.InvariantCulture))));
        }
    }

    /// <summary>The generated holders as a dataset, without the id column.</summary>
    public static TrainingDataset Dataset(int rows, int seed)
    {
        var lines = Generate(rows, seed).Select(row => string.Join(',', row.Select(v => v.ToString(CultureInfo.InvariantCulture))))
            .Prepend(string.Join(',', Header));
        return DatasetLoader.LoadCsv(lines, $"cardholders-generated-{rows}-seed{seed}", TargetColumn).WithoutColumns(["id"]);
    }

    public static IEnumerable<long[]> Generate(int rows, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        var random = new Random(seed);
        for (var id = 1; id <= rows; id++)
        {
            yield return Holder(id, random);
        }
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static double Logistic(double z) => 1 / (1 + Math.Exp(-z));

    private static long[] Holder(int id, Random random)
    {
        var worth = Normal(random);
        var sex = random.NextDouble() < 0.6 ? 2 : 1;
        var u = random.NextDouble();
        // 0, 5 and 6 are "unknown" codes in the source data's education column.
        var education = u < 0.35 ? 1 : u < 0.82 ? 2 : u < 0.982 ? 3 : u < 0.986 ? 4 : (int)new[] { 0, 5, 6 }[random.Next(3)];
        u = random.NextDouble();
        var marriage = u < 0.455 ? 1 : u < 0.986 ? 2 : u < 0.998 ? 3 : 0;
        var age = (int)Math.Clamp(21 + Gamma(random, 2.6) * 5.5 + (marriage == 1 ? 5 : 0), 21, 79);
        var educationEffect = education switch { 1 => 0.35, 2 => 0, 3 => -0.25, _ => 0.1 };
        var limit = Math.Clamp(Math.Round(Math.Exp(11.6 + 0.45 * worth + educationEffect + 0.01 * (age - 35) + 0.55 * Normal(random)) / 10_000) * 10_000, 10_000, 1_000_000);

        // Habits: how often the card sits unused, how often the holder pays in full, how easily they slip.
        var inactive = Logistic(-2.6 + 0.6 * Normal(random));
        var transactor = Logistic(-0.9 + 0.8 * worth + 0.5 * Normal(random));
        var slip = Logistic(-3.1 - 0.9 * worth + 0.4 * Normal(random));
        var cure = Logistic(0.2 + 0.7 * worth);
        var utilisation = Math.Clamp(Beta(random, 2, 2) * (1.1 - 0.25 * worth), 0.02, 1.05);

        var status = new int[6];
        var bill = new double[6];
        var paid = new double[6];
        // Month index 0 is the oldest (pay6), 5 the latest (pay0).
        var previous = random.NextDouble() < inactive ? -2 : random.NextDouble() < transactor ? -1 : 0;
        var balance = previous == -2 ? 0 : utilisation * limit;
        for (var m = 0; m < 6; m++)
        {
            int next;
            if (previous >= 1)
            {
                next = random.NextDouble() < cure ? (random.NextDouble() < 0.3 ? -1 : 0) : Math.Min(previous + 1, 8);
            }
            else if (random.NextDouble() < (previous == -2 ? 0.75 : inactive * 0.5))
            {
                next = -2;
            }
            else if (random.NextDouble() < slip * (previous == 0 ? 1.6 : 0.7))
            {
                next = 1;
            }
            else
            {
                next = random.NextDouble() < transactor ? -1 : 0;
            }
            var spend = limit * Math.Clamp(0.08 + 0.1 * Normal(random), 0, 0.4);
            switch (next)
            {
                case -2:
                    // A small credit balance now and then: the source data has negative bills too.
                    bill[m] = random.NextDouble() < 0.1 ? -Math.Round(random.NextDouble() * 2_000) : 0;
                    paid[m] = 0;
                    balance = 0;
                    break;
                case -1:
                    bill[m] = Math.Round(spend);
                    paid[m] = bill[m];
                    balance = 0;
                    break;
                case 0:
                    balance = Math.Min(balance * 0.97 + spend * 0.4 + 0.02 * limit, 1.05 * limit);
                    bill[m] = Math.Round(balance);
                    paid[m] = Math.Round(bill[m] * Math.Clamp(0.05 + 0.12 * Math.Abs(Normal(random)) + 0.05 * worth, 0.02, 0.6));
                    balance -= paid[m];
                    break;
                default:
                    balance = Math.Min(balance * 1.02 + 0.03 * limit, 1.1 * limit);
                    bill[m] = Math.Round(balance);
                    paid[m] = random.NextDouble() < 0.5 ? 0 : Math.Round(bill[m] * 0.02 * random.NextDouble());
                    balance -= paid[m];
                    break;
            }
            status[m] = next;
            previous = next;
        }

        var latest = status[5];
        var overdueMonths = status.Count(s => s >= 1);
        var lastUtilisation = Math.Max(bill[5], 0) / limit;
        var paidShare = bill[4] > 0 ? Math.Min(paid[5] / bill[4], 1) : 1;
        var statusEffect = latest switch
        {
            -2 => 0.05,
            -1 => -0.55,
            0 => -0.3,
            1 => 0.75,
            2 => 1.8,
            _ => 2.0,
        };
        var ageEffect = age < 25 ? 0.3 : age >= 60 ? 0.25 : 0;
        var logit = -1.75 + statusEffect + 0.16 * overdueMonths + 0.6 * lastUtilisation - 0.45 * paidShare
            - 0.22 * Math.Log(limit / 100_000) + ageEffect + (latest >= 1 && lastUtilisation > 0.8 ? 0.3 : 0)
            - 0.35 * worth + (sex == 1 ? 0.08 : 0);
        var target = random.NextDouble() < Logistic(logit) ? 1 : 0;

        return
        [
            id, (long)limit, sex, education, marriage, age,
            status[5], status[4], status[3], status[2], status[1], status[0],
            (long)bill[5], (long)bill[4], (long)bill[3], (long)bill[2], (long)bill[1], (long)bill[0],
            (long)paid[5], (long)paid[4], (long)paid[3], (long)paid[2], (long)paid[1], (long)paid[0],
            target,
        ];
    }

    private static double Gamma(Random random, double shape)
    {
        // Marsaglia–Tsang, shape ≥ 1.
        var d = shape - 1.0 / 3;
        var c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            var x = Normal(random);
            var v = Math.Pow(1 + c * x, 3);
            if (v > 0 && Math.Log(1 - random.NextDouble()) < 0.5 * x * x + d - d * v + d * Math.Log(v))
            {
                return d * v;
            }
        }
    }

    private static double Beta(Random random, double a, double b)
    {
        var x = Gamma(random, a);
        return x / (x + Gamma(random, b));
    }
}
