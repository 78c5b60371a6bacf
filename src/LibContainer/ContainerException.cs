namespace LibContainer;

/// <summary>The base of every error the library raises about a container.</summary>
public class ContainerException : Exception
{
    /// <summary>An exception with no message of its own (for tests that fake one).</summary>
    public ContainerException() { }

    /// <summary>An exception with <paramref name="message"/>.</summary>
    public ContainerException(string message) : base(message) { }

    /// <summary>An exception with <paramref name="message"/>, caused by <paramref name="innerException"/>.</summary>
    public ContainerException(string message, Exception? innerException) : base(message, innerException) { }
}
