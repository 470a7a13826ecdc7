using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using ToyPy.Pgo;
using Xunit;

namespace ToyPy.Tests;

/// <summary>
/// The profile-guided build's converter (src/ToyPy.Pgo): runtime text dumps in,
/// a .mibc out whose IL names each method by a token and carries its counts.
/// </summary>
public class PgoToolTests
{
    private const string Dump = """
        *** START PGO Data, max index = 3 ***
        @@@ codehash 0x1 methodhash 0x2 ilSize 0x10 records 0x2
        MethodName: ToyPy.Runtime.PyThreadState.Loop
        Signature: instance generic class ToyPy.Objects.PyObject  (class ToyPy.Runtime.Frame)
        Schema InstrumentationKind 385 ILOffset 60 Count 1 Other 66
        7
        Schema InstrumentationKind 385 ILOffset 123 Count 1 Other 143
        5
        @@@ codehash 0x3 methodhash 0x4 ilSize 0x10 records 0x1
        MethodName: Elsewhere.Widget.Spin
        Signature: instance void  ()
        Schema InstrumentationKind 385 ILOffset 1 Count 1 Other 2
        3
        """;

    [Fact]
    public void Counts_of_several_dumps_are_summed_and_every_policy_instantiation_of_a_generic_loop_gets_them()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, Dump.Replace("\r\n", "\n"));
            var profiles = new Dictionary<string, MethodProfile>();
            ProfileDump.Read(path, profiles);
            ProfileDump.Read(path, profiles);

            byte[] mibc;
            using (var pe = new PEReader(File.OpenRead(typeof(ToyPy.Objects.PyObject).Assembly.Location)))
            {
                var writer = new MibcWriter(pe.GetMetadataReader());
                var added = profiles.Values.Select(writer.Add).ToList();
                Assert.Equal([true, false], added); // a method outside ToyPy is left out
                mibc = writer.Serialize();
            }

            using var reader = new PEReader(ImmutableArray.Create(mibc));
            var md = reader.GetMetadataReader();
            var group = md.MethodDefinitions.Select(md.GetMethodDefinition).Single(m => md.GetString(m.Name) == "ToyPy");
            var methods = new List<string>();
            var data = new List<List<long>>();
            foreach (var (op, operand) in Instructions(reader.GetMethodBody(group.RelativeVirtualAddress).GetILBytes()!))
            {
                if (op == 0xD0) // ldtoken: a method, then the data that follows belongs to it
                {
                    methods.Add(Describe(md, MetadataTokens.EntityHandle((int)operand)));
                    data.Add([]);
                }
                else if (op is >= 0x15 and <= 0x21) data[^1].Add(operand);
            }
            Assert.Equal(
                ["PyThreadState.Loop<PlainRefs>", "PyThreadState.Loop<RacyRefs>", "PyThreadState.Loop<BiasedRefs>"],
                methods);
            foreach (var d in data) Assert.Equal([15, 60, 385, 1, 66, 14, 15, 123, 385, 1, 143, 10], d);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>"Type.Method&lt;Arg&gt;" for the MethodSpec a ldtoken names.</summary>
    private static string Describe(MetadataReader md, EntityHandle h)
    {
        Assert.Equal(HandleKind.MethodSpecification, h.Kind);
        var spec = md.GetMethodSpecification((MethodSpecificationHandle)h);
        var member = md.GetMemberReference((MemberReferenceHandle)spec.Method);
        var parent = md.GetTypeReference((TypeReferenceHandle)member.Parent);
        var blob = md.GetBlobReader(spec.Signature);
        Assert.Equal(0x0A, blob.ReadByte()); // GENERICINST method instantiation
        Assert.Equal(1, blob.ReadCompressedInteger());
        Assert.Equal(0x11, blob.ReadByte()); // VALUETYPE
        var arg = md.GetTypeReference((TypeReferenceHandle)blob.ReadTypeHandle());
        return $"{md.GetString(parent.Name)}.{md.GetString(member.Name)}<{md.GetString(arg.Name)}>";
    }

    /// <summary>The opcodes the converter emits, with their operands (constants as values, tokens as ints).</summary>
    private static IEnumerable<(int Op, long Operand)> Instructions(byte[] il)
    {
        for (int i = 0; i < il.Length;)
        {
            int op = il[i++];
            switch (op)
            {
                case >= 0x15 and <= 0x1E: yield return (0x16, op - 0x16); break; // ldc.i4.m1 .. ldc.i4.8
                case 0x1F: yield return (op, (sbyte)il[i]); i += 1; break;        // ldc.i4.s
                case 0x20: yield return (op, BitConverter.ToInt32(il, i)); i += 4; break;
                case 0x21: yield return (op, BitConverter.ToInt64(il, i)); i += 8; break;
                case 0x72: case 0xD0: yield return (op, BitConverter.ToInt32(il, i)); i += 4; break; // ldstr, ldtoken
                case 0x26: case 0x2A: yield return (op, 0); break;                 // pop, ret
                default: throw new InvalidDataException($"unexpected opcode 0x{op:X2}");
            }
        }
    }
}
