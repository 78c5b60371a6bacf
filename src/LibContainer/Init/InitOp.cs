namespace LibContainer.Init;

/// <summary>
/// The operations of the native init, one per plan step. The numbers are the wire format: they
/// match <c>enum lc_opcode</c> in src/LibContainer.Native/lc.h.
/// </summary>
internal enum InitOp : uint
{
    SetNs = 1,
    Clone = 2,
    WaitGo = 3,
    Unshare = 4,
    Mount = 5,
    SetRoot = 6,
    MkdirInRoot = 7,
    MkTargetInRoot = 8,
    MountInRoot = 9,
    RemountInRoot = 10,
    MknodInRoot = 11,
    SymlinkInRoot = 12,
    PivotRoot = 13,
    MoveRoot = 14,
    MaskPath = 15,
    ReadonlyPath = 16,
    SetHostname = 17,
    SetDomainname = 18,
    WriteFile = 19,
    SetRlimit = 20,
    SetGroups = 21,
    SetGid = 22,
    SetUid = 23,
    Umask = 24,
    Chdir = 25,
    NoNewPrivs = 26,
    LookupExec = 27,
    Ready = 28,
    WaitFifo = 29,
    Exec = 30,
    SetAttrInRoot = 31,
    Console = 32,
    SyncHooks = 33,
    RunHook = 34,
}
