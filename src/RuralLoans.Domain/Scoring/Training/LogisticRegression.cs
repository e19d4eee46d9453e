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
    public static LogisticModel Fit(IReadOnlyList<double[]> x, IReadOnlyList<int> y, IReadOnlyList<double> l2Penalties, int maxIterations = 50, double tolerance = 1e-9)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(l2Penalties);
        var n = x.Count;
        var p = l2Penalties.Count;
        var dimension = p + 1;
        var beta = new double[dimension];
        var row = new double[dimension];
        for (var iteration = 1; iteration <= maxIterations; iteration++)
        {
            // Accumulated in plain arrays: the matrix type's indexer is too slow for the n × p² inner loop.
            var hessian = new double[dimension, dimension];
            var gradient = new double[dimension];
            for (var i = 0; i < n; i++)
            {
                row[0] = 1;
                Array.Copy(x[i], 0, row, 1, p);
                var z = 0.0;
                for (var j = 0; j < dimension; j++)
                {
                    z += beta[j] * row[j];
                }
                var mu = 1 / (1 + Math.Exp(-z));
                var weight = Math.Max(mu * (1 - mu), 1e-10);
                var residual = y[i] - mu;
                for (var j = 0; j < dimension; j++)
                {
                    if (row[j] == 0)
                    {
                        continue;
                    }
                    gradient[j] += residual * row[j];
                    var weighted = weight * row[j];
                    for (var k = 0; k <= j; k++)
                    {
                        hessian[j, k] += weighted * row[k];
                    }
                }
            }
            for (var j = 0; j < dimension; j++)
            {
                for (var k = 0; k < j; k++)
                {
                    hessian[k, j] = hessian[j, k];
                }
                if (j > 0)
                {
                    hessian[j, j] += l2Penalties[j - 1];
                    gradient[j] -= l2Penalties[j - 1] * beta[j];
                }
            }
            var step = Matrix<double>.Build.DenseOfArray(hessian).Cholesky().Solve(Vector<double>.Build.Dense(gradient));
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
