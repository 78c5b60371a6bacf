using LibContainer;
using LibContainer.Spec;
using Lcrun.Cli;
using Lcrun.Io;

namespace Lcrun.Commands;

/// <summary>explain (lcrun's own): what create would do to the kernel for a bundle, step by step, without doing it.</summary>
internal static class ExplainCommand
{
    public static Command Definition { get; } = new("explain", "print the init's plan for a bundle, step by step, without running anything", "",
    [
        Flag.Value("bundle", "path to the root of the bundle directory, defaults to the current directory", "b"),
        Flag.Bool("no-pivot", "plan with MS_MOVE instead of pivot_root"),
    ], ExplainAsync)
    {
        ExactArgs = 0,
    };

    private static Task<int> ExplainAsync(CommandContext ctx, ParsedArgs args)
    {
        string bundle = Path.GetFullPath(args.Get("bundle") is { Length: > 0 } b ? b : Directory.GetCurrentDirectory());
        RuntimeSpec spec = CommandContext.LoadBundleSpec(bundle);
        var factory = new ContainerFactory(new ContainerFactoryOptions { StateRoot = ctx.Options.Root });
        string plan = factory.Explain(spec, new ContainerOptions { BundlePath = bundle, NoPivotRoot = args.GetBool("no-pivot") }).ToString();
        StdStreams.Out(plan.EndsWith('\n') ? plan : plan + "\n");
        return Task.FromResult(0);
    }
}
