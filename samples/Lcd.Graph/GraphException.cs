namespace Lcd.Graph;

/// <summary>The graph driver refused an input or failed a step; the message names the input (image, layer, entry) and the reason.</summary>
public class GraphException : Exception
{
    /// <summary>An error with its message.</summary>
    public GraphException(string message) : base(message) { }

    /// <summary>An error with its message and cause.</summary>
    public GraphException(string message, Exception? inner) : base(message, inner) { }

    /// <summary>An error without a message (for serializers).</summary>
    public GraphException() { }
}
