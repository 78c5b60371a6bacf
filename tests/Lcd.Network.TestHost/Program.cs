// The owner the reconcile test kills: a driver over ROOT makes network NETWORK, attaches each
// CONTAINER-ID to it, prints "ready" and waits to be SIGKILLed, leaving everything behind as a crash does.
// Usage: Lcd.Network.TestHost ROOT BRIDGE-PREFIX SUBNET-POOL NETWORK CONTAINER-ID...
using Lcd.Network;

if (args.Length < 5)
{
    Console.Error.WriteLine("usage: Lcd.Network.TestHost ROOT BRIDGE-PREFIX SUBNET-POOL NETWORK CONTAINER-ID...");
    return 2;
}
using var driver = new NetworkDriver(new NetworkDriverOptions { RootDirectory = args[0], BridgePrefix = args[1], SubnetPool = args[2], FallbackNameservers = [] });
await driver.StartAsync(_ => true);
await driver.CreateNetworkAsync(new NetworkCreateOptions { Name = args[3] });
foreach (string id in args[4..])
{
    await driver.AttachAsync(id, new AttachOptions { Networks = [args[3]], Ports = [Lcd.Network.Networks.PortMapping.Parse("127.0.0.1::80")] });
}
Console.WriteLine("ready");
await Task.Delay(Timeout.Infinite);
return 0;
