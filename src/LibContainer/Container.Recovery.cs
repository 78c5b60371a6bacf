using LibContainer.Cgroups;
using LibContainer.Logging;
using LibContainer.Processes;
using LibContainer.Security;
using LibContainer.Spec;
using LibContainer.State;
using Microsoft.Extensions.Logging;

namespace LibContainer;

internal sealed partial class Container
{
    /// <summary>
    /// A state.json that cannot be read (garbage after a crash or a disk error): the container is
    /// rebuilt from what else is there, so that it still lists, loads and destroys without a trace.
    /// config.json's cgroupsPath (else the id, as create resolves it) names its cgroup directories;
    /// the processes in them give its init (the one whose parent is outside them). Only the leaf
    /// directories are taken as the container's: parents a create may have made are unknown now.
    /// </summary>
    private static StoredState Recover(StateDirectory dir, ContainerException error, ILogger logger)
    {
        RuntimeSpec? spec = TryReadConfig(dir);
        var state = new StoredState
        {
            Id = dir.Id,
            Phase = StoredState.PhaseCreated, // running or created is then read from the init itself
            Rootfs = spec?.Root?.Path ?? "",
            Created = Directory.GetCreationTimeUtc(dir.Path),
        };
        if (Rootless.IsRoot)
        {
            CgroupManager implied = CgroupManager.ForNewContainer(CgroupHost.Layout, spec?.Linux?.CgroupsPath, dir.Id);
            List<string> leaves = [.. implied.Directories];
            state = state with { CgroupPath = implied.Path, CgroupDirectories = leaves, CgroupsCreated = leaves };
            IReadOnlyList<int> pids = CgroupManager.FromState(CgroupHost.Layout, implied.Path, leaves, leaves).GetPids();
            foreach (int pid in pids)
            {
                if (ProcStat.TryRead(pid) is { } stat && !pids.Contains(stat.ParentPid))
                {
                    state = state with { Pid = pid, PidStartTime = stat.StartTime };
                    break;
                }
            }
        }
        logger.StateRecovered(error, dir.Id, state.Pid);
        return state;
    }

    /// <summary>config.json if it can be read; a crash may have left it unreadable too.</summary>
    private static RuntimeSpec? TryReadConfig(StateDirectory dir)
    {
        try
        {
            return File.Exists(dir.ConfigFile) ? dir.ReadConfig() : null;
        }
        catch (SpecValidationException)
        {
            return null;
        }
    }

    /// <summary>The summary of config.json, or none when it is missing or unreadable (the container must still load to be destroyed).</summary>
    private static SpecSummary TryReadSummary(StateDirectory dir)
    {
        try
        {
            return File.Exists(dir.ConfigFile) ? SpecSummary.Load(dir.ConfigFile) : SpecSummary.Empty;
        }
        catch (SpecValidationException)
        {
            return SpecSummary.Empty;
        }
    }
}
