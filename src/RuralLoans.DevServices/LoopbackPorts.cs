using System.Net;
using System.Net.Sockets;

namespace RuralLoans.DevServices;

/// <summary>Free-port look-ups on 127.0.0.1, where every dev service listens.</summary>
public static class LoopbackPorts
{
    public static bool IsFree(int port)
    {
        using var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>A port the OS just handed out; another process could still take it before we bind, so callers retry on conflict.</summary>
    public static int FindFree()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    internal static DevServicesEndpoints Choose(DevServicesOptions options, bool preferStandardPorts)
    {
        var taken = new HashSet<int>();
        int Pick(int? fixedPort, int standardPort)
        {
            if (fixedPort is { } port)
            {
                taken.Add(port);
                return port;
            }

            if (preferStandardPorts && !taken.Contains(standardPort) && IsFree(standardPort))
            {
                taken.Add(standardPort);
                return standardPort;
            }

            int candidate;
            do
            {
                candidate = FindFree();
            }
            while (!taken.Add(candidate));
            return candidate;
        }

        return new DevServicesEndpoints(
            Pick(options.BlobPort, 10000),
            Pick(options.QueuePort, 10001),
            Pick(options.TablePort, 10002),
            Pick(options.CosmosPort, 8081));
    }
}
