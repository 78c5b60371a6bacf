namespace LibContainer.Spec;

/// <summary>
/// A runtime spec could not be read or is invalid. <see cref="Errors"/> lists every problem found;
/// the message holds them all, one per line.
/// </summary>
public sealed class SpecValidationException : ArgumentException
{
    /// <summary>A spec with <paramref name="errors"/>, one line each in the message.</summary>
    public SpecValidationException(IReadOnlyList<SpecError> errors, Exception? innerException = null)
        : base(string.Join('\n', errors), innerException)
    {
        Errors = errors;
    }

    /// <summary>The problems found, in the order of the spec.</summary>
    public IReadOnlyList<SpecError> Errors { get; }
}
