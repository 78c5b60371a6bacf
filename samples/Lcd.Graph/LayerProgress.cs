namespace Lcd.Graph;

/// <summary>Progress of one layer of a pull or load (Docker's per-layer progress lines).</summary>
/// <param name="Digest">The layer blob.</param>
/// <param name="Status">"Waiting", "Downloading", "Download complete", "Already exists", "Extracting", "Pull complete".</param>
/// <param name="Current">Bytes done.</param>
/// <param name="Total">Bytes in all (-1 when unknown).</param>
public sealed record LayerProgress(string Digest, string Status, long Current, long Total);
