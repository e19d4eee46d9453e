using MathNet.Numerics.LinearAlgebra;

namespace RuralLoans.Domain.Scoring.Training;

/// <summary>A fitted logistic regression: logit P(y = 1) = Intercept + Σ Coefficients[j] × x[j].</summary>
public sealed record LogisticModel(double Intercept, IReadOnlyList<double> Coefficients, int Iterations)
{
    public double LinearPredictor(ReadOnlySpan<double> x)
    {
        var z = Intercept;
        for (var j = 0; j < x.Length; j++)
        {
            z += Coefficients[j] * x[j];
        }
        return z;
    }

    public double Probability(ReadOnlySpan<double> x) => 1 / (1 + Math.Exp(-LinearPredictor(x)));
}

/// <summary>
/// Ridge-penalised logistic regression fitted by Newton–Raphson (iteratively reweighted least squares).
/// Each coefficient has its own penalty; the intercept is not penalised.
/// </summary>
public static class LogisticRegression
{
    public static LogisticModel Fit(IReadOnlyList<double[]> x, IReadOnlyList<int> y, IReadOnlyList<double> l2Penalties, int maxIterations = 50, double tolerance = 1e-9, LogisticModel? start = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(l2Penalties);
        var n = x.Count;
        var p = l2Penalties.Count;
        var dimension = p + 1;
        var beta = new double[dimension];
        if (start is not null && start.Coefficients.Count == p)
        {
            beta[0] = start.Intercept;
            for (var j = 0; j < p; j++)
            {
                beta[j + 1] = start.Coefficients[j];
            }
        }
        // Scorecard designs are mostly zeros (one indicator per bin): keep each row's non-zero entries, with the
        // intercept as entry 0, so the n × p² Hessian accumulation only touches what is there.
        var indexes = new int[n][];
        var values = new double[n][];
        for (var i = 0; i < n; i++)
        {
            var count = 1;
            for (var j = 0; j < p; j++)
            {
                count += x[i][j] != 0 ? 1 : 0;
            }
            indexes[i] = new int[count];
            values[i] = new double[count];
            values[i][0] = 1;
            for (int j = 0, k = 1; j < p; j++)
            {
                if (x[i][j] != 0)
                {
                    indexes[i][k] = j + 1;
                    values[i][k++] = x[i][j];
                }
            }
        }
        // Flat row-major storage: multi-dimensional array indexing costs a bounds check per dimension in the hot loop.
        var hessian = new double[dimension * dimension];
        var gradient = new double[dimension];
        for (var iteration = 1; iteration <= maxIterations; iteration++)
        {
            Array.Clear(hessian);
            Array.Clear(gradient);
            for (var i = 0; i < n; i++)
            {
                var index = indexes[i];
                var value = values[i];
                var z = 0.0;
                for (var k = 0; k < index.Length; k++)
                {
                    z += beta[index[k]] * value[k];
                }
                var mu = 1 / (1 + Math.Exp(-z));
                var weight = Math.Max(mu * (1 - mu), 1e-10);
                var residual = y[i] - mu;
                for (var a = 0; a < index.Length; a++)
                {
                    gradient[index[a]] += residual * value[a];
                    var weighted = weight * value[a];
                    var hessianRow = hessian.AsSpan(index[a] * dimension, dimension);
                    for (var b = 0; b <= a; b++)
                    {
                        hessianRow[index[b]] += weighted * value[b];
                    }
                }
            }
            for (var j = 0; j < dimension; j++)
            {
                for (var k = 0; k < j; k++)
                {
                    // Indexes within a row ascend, so only the lower triangle was filled.
                    hessian[k * dimension + j] = hessian[j * dimension + k];
                }
                if (j > 0)
                {
                    hessian[j * dimension + j] += l2Penalties[j - 1];
                    gradient[j] -= l2Penalties[j - 1] * beta[j];
                }
            }
            // Symmetric, so the row-major array read as column-major is the same matrix.
            var step = Matrix<double>.Build.Dense(dimension, dimension, (double[])hessian.Clone()).Cholesky().Solve(Vector<double>.Build.Dense(gradient));
            for (var j = 0; j < dimension; j++)
            {
                beta[j] += step[j];
            }
            if (step.AbsoluteMaximum() < tolerance)
            {
                return new LogisticModel(beta[0], beta[1..], iteration);
            }
        }
        return new LogisticModel(beta[0], beta[1..], maxIterations);
    }
}
