namespace ToyPy.Tests;

/// <summary>Programs the thread-mode tests share.</summary>
internal static class ThreadPrograms
{
    /// <summary>
    /// Two threads change one container of the kind argv[1] names, 20,000 times
    /// each, then the program prints "KIND done SIZE". Under the GIL and
    /// --free-threaded the final size is exact; under --no-gil the changes race.
    /// </summary>
    public const string ContainerChurn = """
        import sys, threading
        from collections import deque
        kind = sys.argv[1]
        shared = {"list": [], "dict": {}, "set": set(), "deque": deque()}[kind]
        def work(tid):
            for i in range(20000):
                if kind == "list":
                    shared.append(i)
                    if len(shared) > 100: shared.pop(0)
                elif kind == "dict":
                    shared[(tid, i % 500)] = [i]
                    shared.pop((tid, (i + 250) % 500), None)
                elif kind == "set":
                    shared.add((tid, i % 700))
                    shared.discard((tid, (i + 350) % 700))
                else:
                    shared.append(str(i))
                    if len(shared) > 50: shared.popleft()
        threads = [threading.Thread(target=work, args=(t,)) for t in range(2)]
        for t in threads: t.start()
        for t in threads: t.join()
        print(kind, "done", len(shared))
        """;
}
