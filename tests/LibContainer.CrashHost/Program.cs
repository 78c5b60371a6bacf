using System.Globalization;
using LibContainer;
using LibContainer.Spec;

// The host the crash-consistency tests kill: <state root> <rootfs> <id> <rounds> <sleep seconds>.
// Each round creates (or runs), starts, execs, pauses, resumes and destroys one container. The
// tests SIGKILL it at a step (LIBCONTAINER_TEST_CRASH_AT) or after a delay, then check that a fresh
// factory lists, loads and destroys whatever it left.
if (args.Length != 5)
{
    Console.Error.WriteLine("usage: LibContainer.CrashHost <state root> <rootfs> <id> <rounds> <sleep seconds>");
    return 2;
}
var factory = new ContainerFactory(new ContainerFactoryOptions { StateRoot = args[0] });
string id = args[2];
int rounds = int.Parse(args[3], CultureInfo.InvariantCulture);
RuntimeSpec spec = RuntimeSpec.CreateDefault();
spec.Root = new Root { Path = args[1], Readonly = true };
spec.Process!.Terminal = false;
spec.Process.Args = ["sleep", args[4]]; // a number no other process has: the tests find leftovers by it
var quiet = new ContainerOptions { Stdout = StdioMode.Null, Stderr = StdioMode.Null };
var exec = new Process { Args = ["true"], Cwd = "/", User = new User { Uid = 0, Gid = 0 }, Env = ["PATH=/bin"] };
for (int round = 0; round < rounds; round++)
{
    IContainer container;
    if (round % 2 == 0)
    {
        container = await factory.CreateAsync(id, spec, quiet);
        Console.WriteLine("created");
        await container.StartAsync();
    }
    else
    {
        container = await factory.RunAsync(id, spec, quiet);
    }
    Console.WriteLine("running");
    IProcess process = await container.ExecAsync(exec, new ExecOptions { Stdout = StdioMode.Null, Stderr = StdioMode.Null });
    await process.WaitForExitAsync();
    Console.WriteLine("executed");
    await container.PauseAsync();
    Console.WriteLine("paused");
    await container.ResumeAsync();
    await container.DestroyAsync();
    await container.DisposeAsync();
    Console.WriteLine("destroyed");
}
return 0;
