namespace LibContainer;

/// <summary>Linux signal numbers (x86-64 and arm64 share them). Cast any other number, such as a real-time signal.</summary>
public enum Signal
{
    /// <summary>No signal: checks that the process exists.</summary>
    None = 0,

    /// <summary>SIGHUP.</summary>
    Hangup = 1,

    /// <summary>SIGINT.</summary>
    Interrupt = 2,

    /// <summary>SIGQUIT.</summary>
    Quit = 3,

    /// <summary>SIGABRT.</summary>
    Abort = 6,

    /// <summary>SIGKILL.</summary>
    Kill = 9,

    /// <summary>SIGUSR1.</summary>
    User1 = 10,

    /// <summary>SIGSEGV.</summary>
    SegmentationViolation = 11,

    /// <summary>SIGUSR2.</summary>
    User2 = 12,

    /// <summary>SIGPIPE.</summary>
    BrokenPipe = 13,

    /// <summary>SIGALRM.</summary>
    Alarm = 14,

    /// <summary>SIGTERM.</summary>
    Terminate = 15,

    /// <summary>SIGCHLD.</summary>
    Child = 17,

    /// <summary>SIGCONT.</summary>
    Continue = 18,

    /// <summary>SIGSTOP.</summary>
    Stop = 19,

    /// <summary>SIGTSTP.</summary>
    TerminalStop = 20,

    /// <summary>SIGWINCH.</summary>
    WindowChange = 28,
}
