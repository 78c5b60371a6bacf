using System.Text;

namespace Lcd.Network;

public sealed partial class NetworkDriver
{
    /// <summary>
    /// The chains the plugins make at their first ADD and never remove: the firewall plugin's
    /// (filter: FORWARD's jumps to CNI-ISOLATION-STAGE-1 and CNI-FORWARD, CNI-ADMIN, the stages' RETURN)
    /// and portmap's (nat: PREROUTING's and OUTPUT's jumps to CNI-HOSTPORT-DNAT, POSTROUTING's to
    /// CNI-HOSTPORT-MASQ, CNI-HOSTPORT-SETMARK). Per chain, the targets of the plugin's own default rules;
    /// any other rule in them is somebody's attachment or network.
    /// </summary>
    private static readonly (string Table, string[] Callers, Dictionary<string, string[]> Defaults)[] s_globalChains =
    [
        ("filter", ["FORWARD"], new(StringComparer.Ordinal)
        {
            ["CNI-ISOLATION-STAGE-1"] = ["RETURN"],
            ["CNI-ISOLATION-STAGE-2"] = ["RETURN"],
            ["CNI-FORWARD"] = ["CNI-ADMIN"],
            ["CNI-ADMIN"] = [],
        }),
        ("nat", ["PREROUTING", "OUTPUT", "POSTROUTING"], new(StringComparer.Ordinal)
        {
            ["CNI-HOSTPORT-DNAT"] = [],
            ["CNI-HOSTPORT-SETMARK"] = ["MARK"],
            ["CNI-HOSTPORT-MASQ"] = ["MASQUERADE"],
        }),
    ];

    /// <summary>
    /// When the host's CNI chains hold nothing but the plugins' defaults (no attachment or network of this
    /// driver, another daemon, podman or containerd uses them), they go, as the bridge goes with its
    /// network: nothing of the driver stays after its last container and network. Only while no driver
    /// on the host runs a plugin (<see cref="HostChainsLock"/>), and in one iptables-restore transaction
    /// per table: a rule another CNI user (podman, containerd) added meanwhile makes its -X fail, and then
    /// nothing of that table changes. The plugins make the chains again at the next ADD.
    /// </summary>
    internal async Task RemoveIdleGlobalChainsAsync(CancellationToken cancellationToken)
    {
        // Somebody's plugin is running (here or in another daemon): the chains are in use, or about to be.
        using HostChainsLock? hold = HostChainsLock.TryExclusive(_options.HostLockPath);
        if (hold is null)
        {
            _logger.GlobalChainsKept("filter, nat", "a CNI plugin is running on the host");
            return;
        }
        foreach ((string table, string[] callers, Dictionary<string, string[]> defaults) in s_globalChains)
        {
            ChildProcess.Output save = await RunToolAsync("iptables-save", ["-t", table], cancellationToken).ConfigureAwait(false);
            if (save.ExitCode != 0)
            {
                continue;
            }
            string[] lines = Encoding.UTF8.GetString(save.Stdout).Split('\n');
            string? plan = IdleChainsRemoval(table, callers, defaults, lines);
            if (plan is null)
            {
                continue;
            }
            ChildProcess.Output restore = await ChildProcess.RunAsync("iptables-restore", ["-w", "--noflush"], [], Encoding.UTF8.GetBytes(plan), _options.PluginTimeout, cancellationToken).ConfigureAwait(false);
            if (restore.ExitCode != 0)
            {
                string reason = $"another CNI user changed them meanwhile ({restore.Stderr.Trim()})";
                _logger.GlobalChainsKept(table, reason);
            }
        }
    }

    /// <summary>The iptables-restore input that removes a table's CNI chains when they are idle, else null.</summary>
    internal static string? IdleChainsRemoval(string table, string[] callers, Dictionary<string, string[]> defaults, IEnumerable<string> saveLines)
    {
        var rules = saveLines.Where(l => l.StartsWith("-A ", StringComparison.Ordinal)).Select(l => (Line: l, Words: IptablesWords(l))).ToList();
        static string? Target(List<string> words) => words.IndexOf("-j") is int at and >= 0 && at + 1 < words.Count ? words[at + 1] : null;
        string[] present = [.. defaults.Keys.Where(chain => saveLines.Any(l => l == $":{chain} - [0:0]" || l.StartsWith($":{chain} -", StringComparison.Ordinal)))];
        if (present.Length == 0)
        {
            return null;
        }
        var removal = new List<string>();
        foreach ((string line, List<string> words) in rules)
        {
            string chain = words[1];
            string? target = Target(words);
            if (defaults.TryGetValue(chain, out string[]? allowed))
            {
                if (target is null || !allowed.Contains(target))
                {
                    return null; // an attachment's or a network's rule: in use
                }
                removal.Add("-D" + line[2..]);
            }
            else if (target is not null && defaults.ContainsKey(target))
            {
                if (!callers.Contains(chain))
                {
                    return null; // a jump from somebody's chain
                }
                removal.Insert(0, "-D" + line[2..]);
            }
        }
        return $"*{table}\n{string.Join('\n', removal)}\n{string.Join('\n', present.Select(c => "-X " + c))}\nCOMMIT\n";
    }
}
