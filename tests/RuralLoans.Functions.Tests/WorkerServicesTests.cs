using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RuralLoans.Host.Configuration;

namespace RuralLoans.Functions.Tests;

/// <summary>The worker's composition: settings checked at start, functions constructible, logs masked.</summary>
public sealed class WorkerServicesTests
{
    private static readonly Dictionary<string, string?> WithRail = new() { ["PaymentRailUrl"] = "https://rail.example.net/" };

    [Fact]
    public void The_worker_refuses_to_start_on_the_local_rail_simulator_and_names_the_setting()
    {
        var e = Assert.Throws<SettingsException>(() => FunctionAppSettings.Load(PublishedFunctionApp.Root, new Dictionary<string, string?>()));

        Assert.Contains(e.Problems, p => p.StartsWith("PaymentRailUrl:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_function_class_is_constructed_from_the_worker_s_services()
    {
        await using var services = Services(new CapturingProvider());

        Assert.NotNull(ActivatorUtilities.CreateInstance<PipelineFunctions>(services));
        Assert.NotNull(ActivatorUtilities.CreateInstance<BackgroundTriggerFunctions>(services));
        Assert.NotNull(ActivatorUtilities.CreateInstance<HttpFunctions>(services));
    }

    [Fact]
    public async Task What_the_worker_logs_has_resident_id_and_phone_numbers_masked()
    {
        var capture = new CapturingProvider();
        await using var services = Services(capture);

        services.GetRequiredService<ILoggerFactory>().CreateLogger("RuralLoans.Steps").LogWarning("applicant {Id} phone {Phone} declined", "11010519491231002X", "13812345678");

        var line = Assert.Single(capture.Lines);
        Assert.DoesNotContain("11010519491231002X", line, StringComparison.Ordinal);
        Assert.DoesNotContain("13812345678", line, StringComparison.Ordinal);
        Assert.Contains("declined", line, StringComparison.Ordinal);
    }

    private static ServiceProvider Services(CapturingProvider capture)
    {
        var app = FunctionAppSettings.Load(PublishedFunctionApp.Root, WithRail);
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging(logging => logging.AddProvider(capture));
        services.AddRuralLoansFunctionApp(app);
        return services.BuildServiceProvider();
    }

    private sealed class CapturingProvider : ILoggerProvider
    {
        public List<string> Lines { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (owner.Lines)
                {
                    owner.Lines.Add(formatter(state, exception) + " | " + string.Join(", ", (state as IEnumerable<KeyValuePair<string, object?>>)?.Select(p => $"{p.Key}={p.Value}") ?? []));
                }
            }
        }
    }
}
