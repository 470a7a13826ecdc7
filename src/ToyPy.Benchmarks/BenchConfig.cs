using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace ToyPy.Benchmarks;

/// <summary>
/// Marks a benchmark that performs this many Python-level operations (calls,
/// loop iterations) per invocation; the Ops/s and B/op-py columns divide by it.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PyOpsAttribute(long count, string unit = "call") : Attribute
{
    public long Count { get; } = count;
    public string Unit { get; } = unit;
}

public static class BenchConfig
{
    public static IConfig Create() =>
        DefaultConfig.Instance
            .AddColumn(new PyOpsColumn(PyOpsColumn.Kind.PerSecond))
            .AddColumn(new PyOpsColumn(PyOpsColumn.Kind.NsPerOp))
            .AddColumn(new PyOpsColumn(PyOpsColumn.Kind.BytesPerOp))
            .WithOptions(ConfigOptions.JoinSummary);
}

/// <summary>Python operations per second, ns per operation and bytes allocated per operation.</summary>
public sealed class PyOpsColumn(PyOpsColumn.Kind kind) : IColumn
{
    public enum Kind { PerSecond, NsPerOp, BytesPerOp }

    public string Id => $"PyOps.{kind}";
    public string ColumnName => kind switch
    {
        Kind.PerSecond => "Py ops/s",
        Kind.NsPerOp => "ns/py op",
        _ => "B/py op",
    };
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => (int)kind;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => kind switch
    {
        Kind.PerSecond => "Python-level operations (unit in the Py op column of the method's [PyOps]) per second, from the mean",
        Kind.NsPerOp => "Mean time divided by the Python-level operations per invocation",
        _ => "Bytes allocated per invocation divided by the Python-level operations per invocation",
    };

    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var ops = benchmarkCase.Descriptor.WorkloadMethod.GetCustomAttribute<PyOpsAttribute>();
        var report = summary[benchmarkCase];
        if (ops is null || report?.ResultStatistics is null) return "-";
        double meanNs = report.ResultStatistics.Mean;
        switch (kind)
        {
            case Kind.PerSecond:
                return $"{ops.Count / (meanNs * 1e-9):N0} {ops.Unit}s";
            case Kind.NsPerOp:
                return $"{meanNs / ops.Count:N2}";
            default:
                long bytes = report.GcStats.GetBytesAllocatedPerOperation(benchmarkCase) ?? -1;
                return bytes < 0 ? "?" : $"{(double)bytes / ops.Count:N3}";
        }
    }

    public override string ToString() => ColumnName;
}
