using System.Net.Security;

namespace RuralLoans.DevServices;

/// <summary>One dev service's answer to a health probe, e.g. for `ruralloans doctor`.</summary>
public sealed record ServiceHealth(string Service, int Port, bool Ok, string Detail);

/// <summary>Probes each dev service at the HTTP level: an open port alone does not mean the service answers.</summary>
public static class DevServicesHealth
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);
    private static readonly HttpClient Http = CreateHttpClient();

    public static async Task<IReadOnlyList<ServiceHealth>> CheckAsync(DevServicesEndpoints endpoints, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return await Task.WhenAll(
            ProbeAzuriteAsync("blob", endpoints.BlobPort, "devstoreaccount1?comp=list", cancellationToken),
            ProbeAzuriteAsync("queue", endpoints.QueuePort, "devstoreaccount1?comp=list", cancellationToken),
            ProbeAzuriteAsync("table", endpoints.TablePort, "devstoreaccount1/Tables", cancellationToken),
            ProbeCosmosAsync(endpoints.CosmosEndpoint, endpoints.CosmosPort, cancellationToken)).ConfigureAwait(false);
    }

    internal static async Task WaitUntilHealthyAsync(DevServicesEndpoints endpoints, DateTime deadlineUtc, Func<string> diagnostics, CancellationToken cancellationToken)
    {
        while (true)
        {
            var results = await CheckAsync(endpoints, cancellationToken).ConfigureAwait(false);
            var failing = results.Where(result => !result.Ok).ToList();
            if (failing.Count == 0)
            {
                return;
            }

            if (DateTime.UtcNow > deadlineUtc)
            {
                throw new DevServicesException(
                    "The dev services started but did not answer in time: " +
                    string.Join("; ", failing.Select(result => $"{result.Service} on port {result.Port}: {result.Detail}")) +
                    Environment.NewLine + diagnostics());
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<ServiceHealth> ProbeAzuriteAsync(string service, int port, string path, CancellationToken cancellationToken)
    {
        try
        {
            // Unauthenticated on purpose: any Azure Storage answer (403 here) proves the service is up.
            using var response = await SendAsync(new Uri($"http://127.0.0.1:{port}/{path}"), cancellationToken).ConfigureAwait(false);
            var server = string.Join(' ', response.Headers.Server.Select(product => product.ToString()));
            return server.StartsWith("Azurite", StringComparison.Ordinal)
                ? new ServiceHealth(service, port, true, $"answers ({server})")
                : new ServiceHealth(service, port, false, $"port answers HTTP {(int)response.StatusCode} but not as Azurite (server '{server}')");
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new ServiceHealth(service, port, false, Describe(ex));
        }
    }

    private static async Task<ServiceHealth> ProbeCosmosAsync(Uri endpoint, int port, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await SendAsync(endpoint, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode && body.Contains("writableLocations", StringComparison.Ordinal)
                ? new ServiceHealth("cosmos", port, true, "answers (database account readable)")
                : new ServiceHealth("cosmos", port, false, $"port answers HTTP {(int)response.StatusCode} but not as Cosmos DB");
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new ServiceHealth("cosmos", port, false, Describe(ex));
        }
    }

    private static async Task<HttpResponseMessage> SendAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        return await Http.GetAsync(uri, timeout.Token).ConfigureAwait(false);
    }

    private static string Describe(Exception ex) => ex switch
    {
        OperationCanceledException => $"no answer within {ProbeTimeout.TotalSeconds:0} s",
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } => "not listening (connection refused)",
        _ => ex.Message,
    };

    private static HttpClient CreateHttpClient() => new(new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (sender, _, _, errors) =>
                LoopbackCertificates.IsAcceptable((sender as SslStream)?.TargetHostName, errors),
        },
        PooledConnectionLifetime = TimeSpan.FromSeconds(30),
    });
}
