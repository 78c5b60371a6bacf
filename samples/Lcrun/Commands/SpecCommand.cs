using LibContainer.Spec;
using Lcrun.Cli;
using Lcrun.Interop;

namespace Lcrun.Commands;

/// <summary>spec: writes the example config.json (runc spec's) into the current or --bundle directory, never over an existing one.</summary>
internal static class SpecCommand
{
    public static Command Definition { get; } = new("spec", "create a new specification file", "",
    [
        Flag.Value("bundle", "path to the root of the bundle directory", "b"),
        Flag.Bool("rootless", "generate a configuration for a rootless container"),
    ], WriteSpecAsync)
    {
        ExactArgs = 0,
    };

    private static Task<int> WriteSpecAsync(CommandContext ctx, ParsedArgs args)
    {
        RuntimeSpec spec = args.GetBool("rootless")
            ? RuntimeSpec.CreateRootless(ProcessCalls.GetEuid(), ProcessCalls.GetEgid())
            : RuntimeSpec.CreateDefault();
        string directory = args.Get("bundle") is { Length: > 0 } bundle ? bundle : Directory.GetCurrentDirectory();
        if (!Directory.Exists(directory))
        {
            throw new CliException($"chdir {directory}: no such file or directory");
        }
        string path = Path.Combine(directory, "config.json");
        try
        {
            using var file = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = (UnixFileMode)Convert.ToInt32("666", 8),
            });
            file.Write(System.Text.Encoding.UTF8.GetBytes(spec.ToJson()));
        }
        catch (IOException) when (File.Exists(path))
        {
            throw new CliException("File config.json exists. Remove it first");
        }
        return Task.FromResult(0);
    }
}
