using System.Runtime.InteropServices;

namespace ToyPy.Runtime;

/// <summary>The OS's names for the calling thread, as CPython's threading reports them.</summary>
internal static partial class NativeThread
{
    [DllImport("libc", EntryPoint = "pthread_self")]
    private static extern nuint PthreadSelf();

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetTid();

    /// <summary>get_ident(): pthread_self(), falling back to the managed thread id off Linux.</summary>
    public static ulong CurrentIdent()
    {
        try { return PthreadSelf(); }
        catch (Exception) { return (ulong)Environment.CurrentManagedThreadId; }
    }

    /// <summary>get_native_id(): gettid().</summary>
    public static long CurrentNativeId()
    {
        try { return GetTid(); }
        catch (Exception) { return Environment.CurrentManagedThreadId; }
    }
}
