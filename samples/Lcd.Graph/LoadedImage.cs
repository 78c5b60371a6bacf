namespace Lcd.Graph;

/// <summary>An image a load stored, with the names the archive gave it.</summary>
/// <param name="Image">The image.</param>
/// <param name="Names">Its names in the archive (none for an untagged one).</param>
public sealed record LoadedImage(ImageRecord Image, IReadOnlyList<ImageReference> Names);
