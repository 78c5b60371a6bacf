using System.Text;
using System.Text.Json;
using Lcd.Api;
using Lcd.Graph;
using GraphConfig = Lcd.Graph.Oci.ContainerConfig;
using History = Lcd.Graph.Oci.History;

namespace Lcd.Containers;

public sealed partial class ContainerService
{
    /// <summary>
    /// docker commit: the container's changes as one more layer on its image. The new image's config is
    /// the container's (its image's defaults with what create overrode), then the -c changes (Dockerfile
    /// instructions CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE, VOLUME, STOPSIGNAL). A running
    /// container is frozen meanwhile when <paramref name="pause"/> (Docker's default), so the layer is one instant.
    /// <paramref name="overrides"/> (the request body's config) goes over the container's config before the changes.
    /// </summary>
    public async Task<ImageRecord> CommitAsync(ContainerEntry entry, ImageReference? name, string? author, string? comment,
        IReadOnlyList<string> changes, bool pause, ContainerConfig? overrides, CancellationToken cancellationToken)
    {
        ImageRecord image = ContainerChanges.ImageOf(Images, Rootfs, entry.Record.Id);
        GraphConfig config = Effective(Images.GetConfig(image).Config ?? new GraphConfig(), entry.Record.Config);
        if (overrides is not null)
        {
            config = Effective(config, overrides); // the request body's config, over the container's
        }
        config = ApplyChanges(config, changes);
        var history = new History { CreatedBy = string.Join(' ', new[] { entry.Record.Path }.Concat(entry.Record.Args)), Comment = string.IsNullOrEmpty(comment) ? null : comment };
        LibContainer.IContainer? runtime = entry.Runtime;
        bool paused = false;
        if (pause && entry.IsRunning && runtime is not null)
        {
            await runtime.PauseAsync(cancellationToken).ConfigureAwait(false);
            paused = true;
        }
        try
        {
            return await ContainerChanges.CommitAsync(Images, Rootfs, entry.Record.Id, config, history, string.IsNullOrEmpty(author) ? null : author,
                name is null ? [] : [name], cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (paused)
            {
                await runtime!.ResumeAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The config the container runs with: the image's defaults, overridden by what create said.</summary>
    internal static GraphConfig Effective(GraphConfig image, ContainerConfig created)
    {
        List<string> env = MergeEnv(image.Env, created.Env);
        bool entrypointSet = created.Entrypoint is not null;
        return image with
        {
            User = string.IsNullOrEmpty(created.User) ? image.User : created.User,
            Env = env,
            Entrypoint = entrypointSet ? (created.Entrypoint!.Count == 0 ? null : [.. created.Entrypoint]) : image.Entrypoint,
            Cmd = created.Cmd is { Count: > 0 } cmd ? [.. cmd] : entrypointSet ? null : image.Cmd,
            WorkingDir = string.IsNullOrEmpty(created.WorkingDir) ? image.WorkingDir : created.WorkingDir,
            Labels = Merge(image.Labels, created.Labels),
            ExposedPorts = MergeSet(image.ExposedPorts, created.ExposedPorts?.Keys),
            Volumes = MergeSet(image.Volumes, created.Volumes?.Keys),
            StopSignal = created.StopSignal ?? image.StopSignal,
        };
    }

    /// <summary>Applies docker commit's -c lines; an instruction it cannot apply is a 400 naming it.</summary>
    internal static GraphConfig ApplyChanges(GraphConfig config, IReadOnlyList<string> changes)
    {
        foreach (string change in changes)
        {
            string line = change.Trim();
            if (line.Length == 0)
            {
                continue;
            }
            int space = line.IndexOfAny([' ', '\t']);
            string instruction = (space < 0 ? line : line[..space]).ToUpperInvariant();
            string rest = space < 0 ? "" : line[(space + 1)..].Trim();
            if (rest.Length == 0)
            {
                throw ApiException.BadRequest($"dockerfile parse error: {instruction} requires at least one argument (in change \"{change}\")");
            }
            config = instruction switch
            {
                "CMD" => config with { Cmd = CommandForm(rest, change) },
                "ENTRYPOINT" => config with { Entrypoint = CommandForm(rest, change), Cmd = null },
                "ENV" => config with { Env = MergeEnv(config.Env, KeyValues(rest, change).Select(kv => $"{kv.Key}={kv.Value}").ToList()) },
                "LABEL" => config with { Labels = Merge(config.Labels, KeyValues(rest, change).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal)) },
                "WORKDIR" => config with { WorkingDir = rest },
                "USER" => config with { User = rest },
                "STOPSIGNAL" => config with { StopSignal = rest },
                "EXPOSE" => config with { ExposedPorts = MergeSet(config.ExposedPorts, Words(rest).Select(p => p.Contains('/', StringComparison.Ordinal) ? p : p + "/tcp")) },
                "VOLUME" => config with { Volumes = MergeSet(config.Volumes, rest.StartsWith('[') ? JsonArray(rest, change) : Words(rest)) },
                _ => throw ApiException.BadRequest($"{instruction} is not a valid change command"),
            };
        }
        return config;
    }

    /// <summary>The exec form (a JSON array) as is; the shell form as /bin/sh -c.</summary>
    private static List<string> CommandForm(string rest, string change) =>
        rest.StartsWith('[') ? JsonArray(rest, change) : ["/bin/sh", "-c", rest];

    private static List<string> JsonArray(string rest, string change)
    {
        try
        {
            return JsonSerializer.Deserialize(rest, ImageTransferJsonContext.Default.ListString) ?? throw ApiException.BadRequest($"change \"{change}\": null is not a JSON array");
        }
        catch (JsonException ex)
        {
            throw ApiException.BadRequest($"change \"{change}\": not a JSON array of strings: {ex.Message}");
        }
    }

    /// <summary>ENV/LABEL arguments: KEY=VALUE pairs (values may be double-quoted), or the old form "KEY VALUE".</summary>
    private static List<KeyValuePair<string, string>> KeyValues(string rest, string change)
    {
        List<string> words = Words(rest);
        if (!words[0].Contains('=', StringComparison.Ordinal))
        {
            int space = rest.IndexOfAny([' ', '\t']);
            return space < 0
                ? throw ApiException.BadRequest($"change \"{change}\": {words[0]} needs a value (KEY=VALUE or KEY VALUE)")
                : [new(rest[..space], rest[(space + 1)..].Trim())];
        }
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (string word in words)
        {
            int eq = word.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw ApiException.BadRequest($"change \"{change}\": '{word}' is not KEY=VALUE");
            }
            pairs.Add(new(word[..eq], word[(eq + 1)..]));
        }
        return pairs;
    }

    /// <summary>Splits on blanks, keeping double-quoted parts together (quotes removed, \" and \\ unescaped).</summary>
    private static List<string> Words(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool quoted = false, any = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\\' && quoted && i + 1 < text.Length && text[i + 1] is '"' or '\\')
            {
                word.Append(text[++i]);
            }
            else if (c == '"')
            {
                quoted = !quoted;
                any = true;
            }
            else if (!quoted && c is ' ' or '\t')
            {
                if (word.Length > 0 || any)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    any = false;
                }
            }
            else
            {
                word.Append(c);
            }
        }
        if (word.Length > 0 || any)
        {
            words.Add(word.ToString());
        }
        return words;
    }

    private static List<string> MergeEnv(List<string>? under, List<string>? over)
    {
        var env = new List<string>(under ?? []);
        foreach (string e in over ?? [])
        {
            string key = e.Split('=', 2)[0];
            env.RemoveAll(x => x.Split('=', 2)[0] == key);
            env.Add(e);
        }
        return env;
    }

    private static Dictionary<string, string>? Merge(Dictionary<string, string>? under, Dictionary<string, string>? over)
    {
        if (over is null or { Count: 0 })
        {
            return under;
        }
        var merged = new Dictionary<string, string>(under ?? [], StringComparer.Ordinal);
        foreach ((string key, string value) in over)
        {
            merged[key] = value;
        }
        return merged;
    }

    private static Dictionary<string, Lcd.Graph.Oci.EmptyObject>? MergeSet(Dictionary<string, Lcd.Graph.Oci.EmptyObject>? under, IEnumerable<string>? keys)
    {
        List<string> add = keys?.ToList() ?? [];
        if (add.Count == 0)
        {
            return under;
        }
        var merged = new Dictionary<string, Lcd.Graph.Oci.EmptyObject>(under ?? [], StringComparer.Ordinal);
        foreach (string key in add)
        {
            merged[key] = new Lcd.Graph.Oci.EmptyObject();
        }
        return merged;
    }
}
