namespace LibContainer.Cgroups;

/// <summary>Freezes and thaws every process of a cgroup, and says whether it is frozen.</summary>
internal abstract class Freezer(string directory)
{
    /// <summary>How long the kernel may take to say FROZEN or THAWED before it is an error.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public string Directory { get; } = directory;

    /// <summary>Whether the kernel says frozen; a directory that is gone (a crashed create or destroy) is not frozen.</summary>
    public abstract bool IsFrozen { get; }

    public Task FreezeAsync(CancellationToken cancellationToken) => SetAsync(frozen: true, cancellationToken);

    public Task ThawAsync(CancellationToken cancellationToken) => SetAsync(frozen: false, cancellationToken);

    protected abstract void Request(bool frozen);

    /// <summary>Whether the kernel has finished the change (a v1 freeze passes through FREEZING).</summary>
    protected abstract bool Reached(bool frozen);

    private async Task SetAsync(bool frozen, CancellationToken cancellationToken)
    {
        Request(frozen);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        int delayMs = 1;
        while (!Reached(frozen))
        {
            try
            {
                await Task.Delay(delayMs, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new ContainerException(
                    $"The kernel did not report the cgroup {Directory} {(frozen ? "frozen" : "thawed")} within {Timeout.TotalSeconds} s.");
            }
            delayMs = Math.Min(delayMs * 2, 20);
        }
    }

    /// <summary>The v1 freezer controller: freezer.state is THAWED, FREEZING or FROZEN.</summary>
    internal sealed class V1(string directory) : Freezer(directory)
    {
        public override bool IsFrozen => CgroupFiles.TryRead(Directory, "freezer.state")?.Trim() == "FROZEN";

        protected override void Request(bool frozen) => CgroupFiles.Write(Directory, "freezer.state", frozen ? "FROZEN" : "THAWED");

        protected override bool Reached(bool frozen)
        {
            string state = State();
            if (frozen && state == "THAWED")
            {
                // A freeze can be undone by a racing fork; ask again, as runc does.
                Request(frozen: true);
            }
            return state == (frozen ? "FROZEN" : "THAWED");
        }

        private string State() => CgroupFiles.Read(Directory, "freezer.state").Trim();
    }

    /// <summary>cgroup2: cgroup.freeze asks, "frozen 1" in cgroup.events answers.</summary>
    internal sealed class V2(string directory) : Freezer(directory)
    {
        public override bool IsFrozen =>
            CgroupFiles.TryRead(Directory, "cgroup.events") is { } events && CgroupFiles.ParseFlatKeyed(events).GetValueOrDefault("frozen") == 1UL;

        protected override void Request(bool frozen) => CgroupFiles.Write(Directory, "cgroup.freeze", frozen ? "1" : "0");

        protected override bool Reached(bool frozen) =>
            CgroupFiles.ParseFlatKeyed(CgroupFiles.Read(Directory, "cgroup.events")).GetValueOrDefault("frozen") == (frozen ? 1UL : 0UL);
    }
}
