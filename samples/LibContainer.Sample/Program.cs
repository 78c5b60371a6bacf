// The LibContainer sample: makes a root filesystem from the host's static busybox, runs a container
// in it, and prints what the container printed. Run as root: `sudo eng/sample.sh`; `--explain` prints the init's plan instead;
// `--kill-with-host` runs `sleep 1000` in a container that dies with this process (kill -9 it and see).
using LibContainer;
using LibContainer.Samples;
using LibContainer.Spec;

bool explain = args.Contains("--explain");
bool killWithHost = args.Contains("--kill-with-host");
bool rootless = args.Contains("--rootless") || !Environment.IsPrivilegedProcess;
string busybox = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? BusyboxRootfs.DefaultBusybox;
if (!BusyboxRootfs.IsAvailable(busybox))
{
    Console.Error.WriteLine($"{busybox} not found: install Debian's busybox-static (apt-get install -y busybox-static).");
    return 2;
}

string work = Directory.CreateTempSubdirectory("libcontainer-sample-").FullName;
try
{
    string rootfs = Path.Combine(work, "rootfs");
    BusyboxRootfs.Create(rootfs, busybox);

    // Without root: a user namespace maps this user to root inside, as `runc spec --rootless` writes.
    RuntimeSpec spec = rootless ? RuntimeSpec.CreateRootless() : RuntimeSpec.CreateDefault();
    spec.Root = new Root { Path = rootfs, Readonly = true };
    spec.Hostname = "sample";
    spec.Process!.Terminal = false;
    spec.Process.Args = ["sh", "-c", "echo \"hello from $(hostname), I am pid $$\"; echo processes:; ps -o pid,args; echo root:; ls /"];

    var factory = new ContainerFactory(new ContainerFactoryOptions { StateRoot = Path.Combine(work, "state") });
    if (explain)
    {
        // What the spec will do to the kernel, step by step, before anything is done.
        Console.Write(factory.Explain(spec));
        return 0;
    }
    if (killWithHost)
    {
        // A container that dies with this process however it ends (kill -9 included): its pid and
        // state root are printed, then it runs until this process is killed.
        spec.Process.Args = ["sleep", "1000"];
        IContainer held = await factory.RunAsync("sample", spec, new ContainerOptions { KillOnHostExit = true });
        Console.WriteLine($"container pid {held.InitProcess.Pid}, state root {factory.StateRoot}");
        await held.InitProcess.WaitForExitAsync();
        return 1;
    }
    IContainer container = await factory.RunAsync("sample", spec, new ContainerOptions { Stdout = StdioMode.Pipe });
    try
    {
        string output = await new StreamReader(container.InitProcess.StandardOutput!).ReadToEndAsync();
        ExitStatus status = await container.InitProcess.WaitForExitAsync();
        Console.Write(output);
        Console.WriteLine($"container exited: {status}; host hostname {Environment.MachineName}, host pid {Environment.ProcessId}");
        return status.Code;
    }
    finally
    {
        await container.DestroyAsync();
    }
}
finally
{
    Directory.Delete(work, recursive: true);
}
