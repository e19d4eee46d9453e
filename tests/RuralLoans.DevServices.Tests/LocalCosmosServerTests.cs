using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using RuralLoans.Testing;

namespace RuralLoans.DevServices.Tests;

/// <summary>Behaviours of the local Cosmos DB server itself that real Cosmos DB has anyway.</summary>
public sealed class LocalCosmosServerTests(DevServicesFixture services)
{
    [Fact]
    public async Task Requests_reuse_one_connection_instead_of_a_tls_handshake_each()
    {
        var ct = TestContext.Current.CancellationToken;
        var connections = 0;
        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (sender, _, _, errors) => LoopbackCertificates.IsAcceptable((sender as SslStream)?.TargetHostName, errors),
            },
            ConnectCallback = async (context, token) =>
            {
                Interlocked.Increment(ref connections);
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, token);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var http = new HttpClient(handler);

        for (var i = 0; i < 20; i++)
        {
            using var response = await http.GetAsync(services.Endpoints.CosmosEndpoint, ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(1, connections);
    }
}
