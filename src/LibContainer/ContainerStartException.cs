using LibContainer.Init;

namespace LibContainer;

/// <summary>
/// The native init failed a step of the container's plan. The message names the step (its number,
/// its operation and path, as <see cref="InitPlan"/> renders it) and the errno the kernel returned.
/// </summary>
public sealed class ContainerStartException : ContainerException
{
    /// <summary>Step <paramref name="step"/> (<paramref name="stepText"/>) of <paramref name="containerId"/>'s plan failed with <paramref name="errno"/>; <paramref name="hint"/> says what may be the cause.</summary>
    public ContainerStartException(string containerId, int step, string stepText, int errno, string? hint = null)
        : base(Format(containerId, step, stepText, errno, hint))
    {
        ContainerId = containerId;
        Step = step;
        StepText = stepText;
        Errno = errno;
    }

    /// <summary>Creating or starting <paramref name="containerId"/> failed outside a step of its plan.</summary>
    public ContainerStartException(string containerId, string message, Exception? inner = null)
        : base($"Container '{containerId}': {message}", inner)
    {
        ContainerId = containerId;
        Step = -1;
        StepText = message;
    }

    /// <summary>The container being created.</summary>
    public string ContainerId { get; }

    /// <summary>The index of the failed step in the plan, or -1 when no step was running.</summary>
    public int Step { get; }

    /// <summary>The failed step as the plan renders it, for example <c>mount proc on /proc (proc)</c>.</summary>
    public string StepText { get; }

    /// <summary>The errno the kernel returned for the step, or 0.</summary>
    public int Errno { get; }

    private static string Format(string id, int step, string text, int errno, string? hint)
    {
        string message = $"Container '{id}' failed at step {step} ({text}): {SyscallException.Describe(errno)}.";
        return hint is null ? message : $"{message} {hint}";
    }
}
