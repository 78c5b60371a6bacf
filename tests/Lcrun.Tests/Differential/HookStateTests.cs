using System.Text.Json;
using Lcrun.Tests.Infrastructure;
using LibContainer.Spec;

namespace Lcrun.Tests.Differential;

/// <summary>
/// What each hook reads on stdin, under lcrun, runc and crun: one bundle with one hook of every kind, each
/// saving its stdin. The runtime-spec (config.md): "The state of the container MUST be passed to hooks over
/// stdin so that they may do work appropriate to the current state of the container." (runtime.md, State):
/// "`created`: the runtime has finished the create operation (after step 2 in the lifecycle), and the container
/// process has neither exited nor executed the user-specified program"; "`running`: the container process has
/// executed the user-specified program but has not exited (after step 8 in the lifecycle)"; "`stopped`: the
/// container process has exited (step 10 in the lifecycle)". The hooks are steps 3 (prestart), 4 (createRuntime),
/// 5 (createContainer), 7 (startContainer), 9 (poststart) and 13 (poststop). And "pid ... For hooks executed in the
/// runtime namespace, it is the pid as seen by the runtime. For hooks executed in the container namespace, it is
/// the pid as seen by the container."
/// </summary>
public sealed class HookStateTests(LcrunFixture fixture) : LcrunTest(fixture)
{
    private static readonly string[] s_hooks = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"];

    /// <summary>The status each hook must read, from the lifecycle step it runs at.</summary>
    private static readonly Dictionary<string, string> s_specStatus = new(StringComparer.Ordinal)
    {
        ["prestart"] = "created", ["createRuntime"] = "created", ["createContainer"] = "created",
        ["startContainer"] = "created", ["poststart"] = "running", ["poststop"] = "stopped",
    };

    /// <summary>Where a peer reads other than the spec says, with the peer's value: lcrun must then follow the spec.</summary>
    private static readonly Dictionary<(string Runtime, string Hook), string> s_peerDeviations = new()
    {
        // runc 1.1 passes "creating" to the create hooks (they run during its create, but after step 2; the
        // runtime-tools validation wants "created", as crun gives) and "created" to poststart (its start has
        // not returned yet, but the program runs: "running ... after step 8").
        [("runc", "prestart")] = "creating",
        [("runc", "createRuntime")] = "creating",
        [("runc", "createContainer")] = "creating",
        [("runc", "poststart")] = "created",
        // crun 1.8 names the moment before exec "starting", which is no new state ("Additional values MAY be defined
        // by the runtime, however, they MUST be used to represent new runtime states not defined above").
        [("crun", "startContainer")] = "starting",
    };

    [Fact]
    public void EveryHook_ReadsTheStateTheSpecSays_AsCrunAndRunc()
    {
        var seen = new Dictionary<string, Dictionary<string, JsonElement>>(StringComparer.Ordinal);
        foreach (string runtime in BundleRunner.Runtimes)
        {
            seen[runtime] = RunWithHooks(runtime);
        }
        string table = string.Join('\n', s_hooks.Select(h =>
            $"{h,-16} {string.Join("  ", BundleRunner.Runtimes.Select(r => $"{r}: {Describe(seen[r], h)}"))}"));
        TestContext.Current.TestOutputHelper?.WriteLine(table);

        foreach (string hook in s_hooks)
        {
            seen["lcrun"].Should().ContainKey(hook, $"lcrun runs every hook\n{table}");
            JsonElement state = seen["lcrun"][hook];
            state.GetProperty("status").GetString().Should().Be(s_specStatus[hook], $"{hook}: the lifecycle step it runs at\n{table}");
            state.GetProperty("id").GetString().Should().NotBeNullOrEmpty();
            state.GetProperty("ociVersion").GetString().Should().NotBeNullOrEmpty();
            state.GetProperty("bundle").GetString().Should().Be(Path.Combine(Dir, "bundle-lcrun"), $"{hook}: the bundle's absolute path");
            state.GetProperty("annotations").GetProperty("org.example.hooks").GetString().Should().Be("yes", $"{hook}: the config's annotations");
            if (hook == "poststop")
            {
                // "pid (int, REQUIRED when status is created or running on Linux)": gone by then; runc and crun give none.
                state.TryGetProperty("pid", out _).Should().BeFalse($"poststop: the process has exited\n{table}");
            }
            else
            {
                // createContainer and startContainer run in the container's namespaces: pid 1 there (a new pid
                // namespace); the others in the runtime's, where the container process has a pid of the host's.
                int pid = state.GetProperty("pid").GetInt32();
                if (hook is "createContainer" or "startContainer")
                {
                    pid.Should().Be(1, $"{hook}: the pid as seen by the container\n{table}");
                }
                else
                {
                    pid.Should().BeGreaterThan(1, $"{hook}: the pid as seen by the runtime\n{table}");
                }
            }

            foreach (string peer in new[] { "runc", "crun" })
            {
                seen[peer].Should().ContainKey(hook, $"{peer} runs every hook\n{table}");
                string? status = seen[peer][hook].GetProperty("status").GetString();
                if (s_peerDeviations.TryGetValue((peer, hook), out string? deviation))
                {
                    status.Should().Be(deviation, $"{peer}'s known deviation at {hook} is still there; else drop it\n{table}");
                }
                else
                {
                    status.Should().Be(s_specStatus[hook], $"{peer} at {hook} (a new deviation: name it)\n{table}");
                }
            }
        }
    }

    private static string Describe(Dictionary<string, JsonElement> states, string hook) =>
        states.TryGetValue(hook, out JsonElement state)
            ? $"{state.GetProperty("status").GetString()}/{(state.TryGetProperty("pid", out JsonElement pid) ? pid.GetInt32() : 0)}"
            : "(not run)";

    /// <summary>Runs `RUNTIME run` on a bundle whose every hook saves its stdin to OUT/HOOK.json.</summary>
    private Dictionary<string, JsonElement> RunWithHooks(string runtime)
    {
        string bundle = Path.Combine(Dir, $"bundle-{runtime}");
        string output = Path.Combine(Dir, $"hooks-{runtime}");
        Directory.CreateDirectory(bundle);
        Directory.CreateDirectory(output);
        RuntimeSpec spec = Spec("/bin/sh", "-c", "exit 0");
        spec.OciVersion = "1.0.2-dev"; // runc spec's: crun 1.8 refuses 1.2.0 ("unknown version specified")
        // startContainer runs in the container, after pivot_root: it writes to the output directory bound at /mnt.
        spec.Mounts!.Add(new Mount { Destination = "/mnt", Type = "bind", Source = output, Options = ["rbind", "rw"] });
        spec.Annotations = new Dictionary<string, string> { ["org.example.hooks"] = "yes" };
        Hook Save(string hook, string dir) => new() { Path = "/bin/sh", Args = ["sh", "-c", $"cat > {dir}/{hook}.json"] };
        spec.Hooks = new Hooks
        {
            Prestart = [Save("prestart", output)],
            CreateRuntime = [Save("createRuntime", output)],
            CreateContainer = [Save("createContainer", output)], // before pivot_root: the host's paths
            StartContainer = [Save("startContainer", "/mnt")],
            Poststart = [Save("poststart", output)],
            Poststop = [Save("poststop", output)],
        };
        WriteConfig(spec, bundle);
        (int code, string stdout, string stderr) = BundleRunner.Run(runtime, Fixture.Lcrun, Path.Combine(Dir, $"{runtime}-state"), NewId(), bundle);
        code.Should().Be(0, $"{runtime} run with every hook: {stdout}{stderr}");
        var states = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (string hook in s_hooks)
        {
            string file = Path.Combine(output, $"{hook}.json");
            if (File.Exists(file))
            {
                states[hook] = JsonDocument.Parse(File.ReadAllText(file)).RootElement.Clone();
            }
        }
        return states;
    }
}
