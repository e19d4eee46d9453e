using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(RuralLoans.Benchmarks.ScoringBenchmarks).Assembly).Run(args);
