using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace RuralLoans.Functions;

/// <summary>Starts the <see cref="ApiGateway"/> on the first HTTP call and keeps it for the worker's life.</summary>
public sealed class ApiGatewayHost(FunctionAppSettings app, IConfiguration configuration, ILoggerFactory loggerFactory) : IAsyncDisposable
{
    private readonly Lazy<Task<ApiGateway>> _gateway = new(
        () => ApiGateway.StartAsync(app.Settings, app.Root, configuration, loggerFactory, CancellationToken.None), LazyThreadSafetyMode.ExecutionAndPublication);

    public Task<ApiGateway> GetAsync(CancellationToken cancellationToken) => _gateway.Value.WaitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_gateway.IsValueCreated && _gateway.Value.IsCompletedSuccessfully)
        {
            await (await _gateway.Value).DisposeAsync();
        }
    }
}
