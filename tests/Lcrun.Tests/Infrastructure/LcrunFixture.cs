using LibContainer.Samples;

[assembly: AssemblyFixture(typeof(Lcrun.Tests.Infrastructure.LcrunFixture))]

namespace Lcrun.Tests.Infrastructure;

/// <summary>
/// One busybox root filesystem for the run, and the lcrun to test: $LCRUN (CI points it at the
/// published native AOT binary), else the build's lcrun next to this assembly.
/// </summary>
public sealed class LcrunFixture : IDisposable
{
    public const string Variable = "LCRUN";

    public LcrunFixture()
    {
        WorkDir = Directory.CreateTempSubdirectory("lcrun-tests-").FullName;
        if (BusyboxRootfs.IsAvailable())
        {
            Rootfs = BusyboxRootfs.Create(Path.Combine(WorkDir, "rootfs"));
        }
        Lcrun = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(AppContext.BaseDirectory, "lcrun");
    }

    /// <summary>A temp directory removed after the run.</summary>
    public string WorkDir { get; }

    /// <summary>The shared rootfs (read-only to the containers), or null without busybox.</summary>
    public string? Rootfs { get; }

    /// <summary>The lcrun executable under test.</summary>
    public string Lcrun { get; }

    public void Dispose() => Directory.Delete(WorkDir, recursive: true);
}
