using System.Net;
using System.Text;
using Lcd.Network.Networks;
using Lcd.Network.Sandboxes;

namespace Lcd.Network;

public sealed partial class NetworkDriver
{
    private const string HostsHeader = """
        127.0.0.1	localhost
        ::1	localhost ip6-localhost ip6-loopback
        fe00::0	ip6-localnet
        ff00::0	ip6-mcastprefix
        ff02::1	ip6-allnodes
        ff02::2	ip6-allrouters

        """;

    /// <summary>
    /// Every sandbox's /etc/hosts, from the current members of the networks: its own address and
    /// hostname, then the name and aliases of every container it shares a user-defined network with
    /// (Docker resolves those with its embedded DNS server; this driver has none, so names resolve
    /// through /etc/hosts, rewritten whenever a member comes or goes). The default network has no
    /// names, as Docker's. Written in place (same inode): the container's bind mount sees the change.
    /// </summary>
    private void WriteHostsFiles()
    {
        List<NetworkSandbox> sandboxes = [.. LoadSandboxes()];
        HashSet<string> userNetworks = [.. ListNetworks().Where(n => !n.IsDefault).Select(n => n.Id)];
        foreach (NetworkSandbox sandbox in sandboxes.Where(s => s.Mode != NetworkMode.Container))
        {
            var text = new StringBuilder();
            if (sandbox.Mode == NetworkMode.Host)
            {
                text.Append(File.Exists("/etc/hosts") ? File.ReadAllText("/etc/hosts") : HostsHeader);
            }
            else
            {
                text.Append(HostsHeader);
                if (sandbox.Endpoints.Count != 0)
                {
                    text.Append(sandbox.Endpoints[0].IpAddress).Append('\t').Append(sandbox.Hostname).Append('\n');
                }
                var seen = new HashSet<string>();
                foreach (Endpoint mine in sandbox.Endpoints.Where(e => userNetworks.Contains(e.NetworkId)))
                {
                    foreach (NetworkSandbox peer in sandboxes.Where(p => p.ContainerId != sandbox.ContainerId))
                    {
                        foreach (Endpoint theirs in peer.Endpoints.Where(e => e.NetworkId == mine.NetworkId))
                        {
                            string line = $"{theirs.IpAddress}\t{string.Join(' ', new[] { peer.Name }.Concat(theirs.Aliases).Distinct())}\n";
                            if (seen.Add(line))
                            {
                                text.Append(line);
                            }
                        }
                    }
                }
            }
            if (Directory.Exists(Path.GetDirectoryName(sandbox.HostsPath)))
            {
                File.WriteAllText(sandbox.HostsPath, text.ToString());
            }
        }
    }

    /// <summary>
    /// The host's resolv.conf; in a namespace of its own, without the loopback nameservers (they
    /// would be the container's own loopback), and with <see cref="NetworkDriverOptions.FallbackNameservers"/>
    /// when none is left, as Docker's libnetwork/resolvconf does.
    /// </summary>
    internal string ResolvConf(bool hostNetwork)
    {
        string[] lines = File.Exists(_options.HostResolvConf) ? File.ReadAllLines(_options.HostResolvConf) : [];
        if (hostNetwork)
        {
            return string.Join('\n', lines) + "\n";
        }
        var kept = lines.Where(line => !IsLoopbackNameserver(line)).ToList();
        if (!kept.Any(IsNameserver))
        {
            kept.AddRange(_options.FallbackNameservers.Select(n => $"nameserver {n}"));
        }
        return string.Join('\n', kept) + "\n";

        static bool IsNameserver(string line) => line.TrimStart().StartsWith("nameserver", StringComparison.Ordinal);

        static bool IsLoopbackNameserver(string line)
        {
            string[] fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            return fields is ["nameserver", string address, ..] && IPAddress.TryParse(address.Split('%')[0], out IPAddress? ip) && IPAddress.IsLoopback(ip);
        }
    }
}
