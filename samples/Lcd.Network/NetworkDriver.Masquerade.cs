using System.Text;

namespace Lcd.Network;

public sealed partial class NetworkDriver
{
    /// <summary>
    /// After a DEL: the bridge plugin tears down its ipMasq rules (POSTROUTING's jump and the
    /// attachment's <c>CNI-&lt;hash&gt;</c> chain in nat) from the addresses it finds on the interface it
    /// deletes, so an interface whose addresses are gone (flushed inside the container, or a namespace
    /// already emptied) leaves them behind. They carry the plugin's comment for this attachment,
    /// <c>name: "NETWORK" id: "CONTAINER"</c>: whatever of them is still there is removed here.
    /// </summary>
    private async Task RemoveMasqueradeLeftoversAsync(string network, string containerId, CancellationToken cancellationToken)
    {
        string comment = $"name: \"{network}\" id: \"{containerId}\"";
        ChildProcess.Output save = await RunToolAsync("iptables-save", ["-t", "nat"], cancellationToken).ConfigureAwait(false);
        if (save.ExitCode != 0)
        {
            return;
        }
        List<List<string>> rules = Encoding.UTF8.GetString(save.Stdout).Split('\n')
            .Where(l => l.StartsWith("-A ", StringComparison.Ordinal))
            .Select(IptablesWords)
            .Where(words => words.IndexOf("--comment") is int at and >= 0 && at + 1 < words.Count && words[at + 1] == comment)
            .ToList();
        var chains = new HashSet<string>(rules.Select(r => r[1]).Where(c => c.StartsWith("CNI-", StringComparison.Ordinal)), StringComparer.Ordinal);
        // Jumps into the attachment's chain first, then the chain itself.
        foreach (List<string> rule in rules.Where(r => !chains.Contains(r[1])))
        {
            await CheckToolAsync("iptables", ["-w", "-t", "nat", "-D", .. rule.Skip(1)], cancellationToken).ConfigureAwait(false);
        }
        foreach (string chain in chains)
        {
            await CheckToolAsync("iptables", ["-w", "-t", "nat", "-F", chain], cancellationToken).ConfigureAwait(false);
            await CheckToolAsync("iptables", ["-w", "-t", "nat", "-X", chain], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One line of iptables-save split into words, its double-quoted strings (with backslash escapes) unquoted.</summary>
    internal static List<string> IptablesWords(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool quoted = false, any = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '\\' && i + 1 < line.Length)
                {
                    word.Append(line[++i]);
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = any = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (any)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    any = false;
                }
            }
            else
            {
                word.Append(c);
                any = true;
            }
        }
        if (any)
        {
            words.Add(word.ToString());
        }
        return words;
    }
}
