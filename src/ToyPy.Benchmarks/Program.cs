using BenchmarkDotNet.Running;

namespace ToyPy.Benchmarks;

/// <summary>
/// BenchmarkDotNet entry point: `dotnet run -c Release --project src/ToyPy.Benchmarks -- --filter '*'`
/// (or `--filter '*Fib*'`, `--list flat`, `--job short` for a quick look).
/// </summary>
public static class Program
{
    public static void Main(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchConfig.Create());
}
