namespace LibContainer;

/// <summary>The base of every error the library raises about a container.</summary>
public class ContainerException : Exception
{
    internal ContainerException(string message) : base(message) { }

    internal ContainerException(string message, Exception? innerException) : base(message, innerException) { }
}
