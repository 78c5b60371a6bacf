namespace Lcd.Network.Cni;

/// <summary>A CNI plugin could not be run, failed, or answered something that is not CNI.</summary>
public class CniException : Exception
{
    public CniException(string message) : base(message) { }

    public CniException(string message, Exception inner) : base(message, inner) { }
}
