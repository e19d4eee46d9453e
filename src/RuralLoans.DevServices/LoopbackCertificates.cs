using System.Net;
using System.Net.Security;

namespace RuralLoans.DevServices;

/// <summary>
/// The local Cosmos DB server presents a self-signed certificate. It is trusted only when the connection
/// goes to a loopback address, where no one but this machine can answer; anything else gets normal validation.
/// </summary>
public static class LoopbackCertificates
{
    public static bool IsAcceptable(string? host, SslPolicyErrors errors) =>
        errors == SslPolicyErrors.None || IsLoopback(host);

    public static bool IsAcceptable(Uri? target, SslPolicyErrors errors) =>
        errors == SslPolicyErrors.None || (target is not null && target.IsLoopback);

    private static bool IsLoopback(string? host) =>
        host is not null && (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address)));
}
