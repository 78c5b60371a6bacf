using System.Diagnostics;
using System.Text.Json.Nodes;
using Lcd.Network.Cni;
using Lcd.Network.Tests.Infrastructure;

namespace Lcd.Network.Tests;

public sealed class CniRuntimeTests : IDisposable
{
    private const string BridgeResult = """{"cniVersion":"1.0.0","interfaces":[{"name":"br0"},{"name":"eth0","sandbox":"/x"}],"ips":[{"address":"10.1.0.2/24","gateway":"10.1.0.1","interface":1}]}""";
    private readonly FakePlugins _plugins = new();
    private readonly string _cache = Directory.CreateTempSubdirectory("lcd-cni-cache-").FullName;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static CniRuntimeConf Conf => new() { ContainerId = "c1", NetNs = "/var/run/netns/x", IfName = "eth0", Args = [new("K8S_POD_NAME", "web")] };

    private CniRuntime Runtime(TimeSpan? timeout = null) => new([_plugins.Dir], _cache, timeout);

    private static NetworkConfigList List(params string[] types) =>
        new("net1", "1.0.0", [.. types.Select(t => new JsonObject { ["type"] = t, ["key"] = t + "-value" })]);

    [Fact]
    public async Task Add_Chain_EachPluginGetsThePreviousResultAndTheEnvironment()
    {
        _plugins.Add("first", BridgeResult);
        _plugins.Add("second", BridgeResult.Replace("10.1.0.2", "10.1.0.3", StringComparison.Ordinal));

        CniResult result = await Runtime().AddAsync(List("first", "second"), Conf, Token);

        result.Ips![0].Address.Should().Be("10.1.0.3/24", "the list's result is the last plugin's");
        _plugins.Calls().Should().Equal("first ADD eth0 c1 /var/run/netns/x", "second ADD eth0 c1 /var/run/netns/x");
        JsonNode first = JsonNode.Parse(_plugins.Stdin("first", "ADD"))!;
        first["name"]!.GetValue<string>().Should().Be("net1");
        first["cniVersion"]!.GetValue<string>().Should().Be("1.0.0");
        first["key"]!.GetValue<string>().Should().Be("first-value");
        first["prevResult"].Should().BeNull("the first plugin has no previous result");
        JsonNode second = JsonNode.Parse(_plugins.Stdin("second", "ADD"))!;
        second["prevResult"]!["ips"]![0]!["address"]!.GetValue<string>().Should().Be("10.1.0.2/24");
    }

    [Fact]
    public async Task Delete_AfterAdd_ReverseOrderWithTheCachedResult()
    {
        _plugins.Add("first", BridgeResult);
        _plugins.Add("second", BridgeResult);
        CniRuntime runtime = Runtime();
        await runtime.AddAsync(List("first", "second"), Conf, Token);

        runtime.GetCachedResult("net1", "c1", "eth0")!.Ips![0].Address.Should().Be("10.1.0.2/24");
        await runtime.DeleteAsync(List("first", "second"), Conf, Token);

        _plugins.Calls().Skip(2).Should().Equal("second DEL eth0 c1 /var/run/netns/x", "first DEL eth0 c1 /var/run/netns/x");
        JsonNode.Parse(_plugins.Stdin("first", "DEL"))!["prevResult"]!["ips"]![0]!["address"]!.GetValue<string>().Should().Be("10.1.0.2/24");
        runtime.GetCachedResult("net1", "c1", "eth0").Should().BeNull("DEL drops the cache entry");
        runtime.ListCached().Should().BeEmpty();
    }

    [Fact]
    public async Task DeleteCached_NetworkDefinitionGone_RunsThePluginsAddRan()
    {
        _plugins.Add("first", BridgeResult);
        CniRuntime runtime = Runtime();
        await runtime.AddAsync(List("first"), Conf, Token);

        await runtime.DeleteCachedAsync("net1", "c1", "eth0", "", Token);

        _plugins.Calls().Should().Equal("first ADD eth0 c1 /var/run/netns/x", "first DEL eth0 c1 ");
        JsonNode.Parse(_plugins.Stdin("first", "DEL"))!["key"]!.GetValue<string>().Should().Be("first-value");
    }

    [Fact]
    public async Task Check_AfterAdd_EveryPluginInOrderWithTheCachedResult()
    {
        _plugins.Add("first", BridgeResult);
        _plugins.Add("second", BridgeResult);
        CniRuntime runtime = Runtime();
        await runtime.AddAsync(List("first", "second"), Conf, Token);

        await runtime.CheckAsync("net1", Conf, Token);

        _plugins.Calls().Skip(2).Should().Equal("first CHECK eth0 c1 /var/run/netns/x", "second CHECK eth0 c1 /var/run/netns/x");
        JsonNode.Parse(_plugins.Stdin("second", "CHECK"))!["prevResult"].Should().NotBeNull();
    }

    [Fact]
    public async Task Add_PluginPrintsCniError_ThrowsItsCodeAndMessage_AndUndoesTheChain()
    {
        _plugins.Add("first", BridgeResult);
        _plugins.Add("failing", "", """if [ "$CNI_COMMAND" = ADD ]; then echo '{"cniVersion":"1.0.0","code":11,"msg":"bridge busy","details":"try later"}'; exit 1; fi""");

        Func<Task> add = () => Runtime().AddAsync(List("first", "failing"), Conf, Token);

        CniPluginException error = (await add.Should().ThrowAsync<CniPluginException>()).Which;
        (error.Code, error.Msg, error.Details, error.Plugin).Should().Be((11, "bridge busy", "try later", "failing"));
        error.Message.Should().Be("CNI plugin 'failing' ADD on network 'net1' failed (code 11): bridge busy (try later)");
        _plugins.Calls().Skip(2).Should().Equal("failing DEL eth0 c1 /var/run/netns/x", "first DEL eth0 c1 /var/run/netns/x");
        Runtime().ListCached().Should().BeEmpty("a failed ADD caches nothing");
    }

    [Fact]
    public async Task Add_PluginExitsWithoutJson_ErrorHasStatusAndStderr()
    {
        _plugins.Add("broken", "", "echo 'segfault-ish' >&2; exit 3");

        Func<Task> add = () => Runtime().AddAsync(List("broken"), Conf, Token);

        (await add.Should().ThrowAsync<CniException>()).WithMessage("CNI plugin 'broken' ADD on network 'net1' exited with status 3: segfault-ish");
    }

    [Fact]
    public async Task Add_PluginHangs_KilledAtTheTimeLimitWithItsChildren()
    {
        string pidFile = Path.Combine(_plugins.Dir, "child.pid");
        _plugins.Add("hang", "", $"sleep 600 & echo $! > {pidFile}; wait");
        var watch = Stopwatch.StartNew();

        Func<Task> add = () => Runtime(TimeSpan.FromMilliseconds(500)).AddAsync(List("hang"), Conf, Token);

        (await add.Should().ThrowAsync<CniException>()).WithMessage("*'hang' ADD*did not finish within 0.5 s and was killed*");
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10));
        int child = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        bool gone = false;
        for (int i = 0; i < 50 && !gone; i++)
        {
            gone = !File.Exists($"/proc/{child}/stat") || File.ReadAllText($"/proc/{child}/stat").Contains(") Z ", StringComparison.Ordinal);
            if (!gone)
            {
                await Task.Delay(100, Token);
            }
        }
        gone.Should().BeTrue("the plugin's own children are killed with it");
    }

    [Fact]
    public async Task Add_MissingPlugin_NamesItAndThePath()
    {
        Func<Task> add = () => Runtime().AddAsync(List("nosuch"), Conf, Token);

        (await add.Should().ThrowAsync<CniException>()).WithMessage($"CNI plugin 'nosuch' not found in {_plugins.Dir}: install containernetworking-plugins*");
    }

    [Theory]
    [InlineData("../bridge")]
    [InlineData("")]
    public void ConfigList_PluginTypeNotAFileName_Refused(string type)
    {
        Action make = () => _ = new NetworkConfigList("n", "1.0.0", [new JsonObject { ["type"] = type }]);

        make.Should().Throw<ArgumentException>().WithMessage("*\"type\"*");
    }

    [Theory]
    [InlineData("c/1", "eth0")]
    [InlineData("c1", "eth0/x")]
    [InlineData("c1", "a-very-long-interface")]
    public async Task Add_BadContainerIdOrInterface_RefusedBeforeAnyPlugin(string id, string ifName)
    {
        _plugins.Add("first", BridgeResult);

        Func<Task> add = () => Runtime().AddAsync(List("first"), Conf with { ContainerId = id, IfName = ifName }, Token);

        await add.Should().ThrowAsync<ArgumentException>();
        _plugins.Calls().Should().BeEmpty();
    }

    [Fact]
    public async Task Add_CapabilityArgs_InjectedAsRuntimeConfigOnlyWhereDeclared()
    {
        _plugins.Add("first", BridgeResult);
        _plugins.Add("ports", BridgeResult);
        var list = new NetworkConfigList("net1", "1.0.0", [new JsonObject { ["type"] = "first" }, new JsonObject { ["type"] = "ports", ["capabilities"] = new JsonObject { ["portMappings"] = true } }]);
        var ports = new JsonArray(new JsonObject { ["hostPort"] = 8080, ["containerPort"] = 80, ["protocol"] = "tcp" });

        await Runtime().AddAsync(list, Conf with { CapabilityArgs = new JsonObject { ["portMappings"] = ports } }, Token);

        JsonNode.Parse(_plugins.Stdin("first", "ADD"))!["runtimeConfig"].Should().BeNull();
        JsonNode.Parse(_plugins.Stdin("ports", "ADD"))!["runtimeConfig"]!["portMappings"]![0]!["hostPort"]!.GetValue<int>().Should().Be(8080);
    }

    [Fact]
    public async Task Version_RealBridgePlugin_Supports100()
    {
        Require.File("/usr/lib/cni/bridge", "apt-get install -y containernetworking-plugins");
        var runtime = new CniRuntime(CniRuntime.DefaultPluginDirs, _cache);

        IReadOnlyList<string> versions = await runtime.VersionAsync("bridge", Token);

        versions.Should().Contain(CniRuntime.Version);
    }

    public void Dispose()
    {
        _plugins.Dispose();
        Directory.Delete(_cache, recursive: true);
    }
}
