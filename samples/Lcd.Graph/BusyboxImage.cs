using Lcd.Graph.Oci;
using LibContainer.Samples;

namespace Lcd.Graph;

/// <summary>The offline default image: one layer made from Debian's busybox-static, no registry needed.</summary>
public static class BusyboxImage
{
    /// <summary>
    /// Builds <c>busybox:latest</c> (or <paramref name="name"/>) from <paramref name="busybox"/> (Debian's
    /// busybox-static: /bin/busybox) and stores it. Cmd is <c>sh</c>, as Docker Hub's busybox.
    /// </summary>
    public static async Task<ImageRecord> BuildAsync(ImageStore store, string name = "busybox:latest", string busybox = BusyboxRootfs.DefaultBusybox, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        string work = Path.Combine(store.Options.Root, "ingest", $"busybox-{Guid.NewGuid():N}");
        try
        {
            string rootfs = BusyboxRootfs.Create(Path.Combine(work, "rootfs"), busybox);
            var config = new ContainerConfig
            {
                Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                Cmd = ["sh"],
            };
            return await ImageBuilder.BuildAsync(store, null, rootfs, config, $"lcd: busybox from {busybox}", [ImageReference.Parse(name)], cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }
}
