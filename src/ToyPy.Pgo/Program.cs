// ToyPy.Pgo: turns the text profiles the .NET runtime writes under
// DOTNET_WritePGOData=1 into one .mibc file, the profile format the Native
// AOT compiler reads (--mibc). With it the AOT build of the dispatch loop gets
// the block layout and register allocation a tiered JIT would derive from the
// same counts at run time: the equivalent of CPython's PGO build.
//
//     ToyPy.Pgo ToyPy.dll OUT.mibc PROFILE.txt...
//
// The .mibc format (see ILCompiler's MIbcProfileParser) is an ordinary .NET
// assembly whose IL only encodes data:
//   <Module>.AssemblyDictionary:  ldstr "ToyPy"  ldtoken <Module>.ToyPy  pop
//   <Module>.ToyPy:  per method:  ldtoken METHOD
//                                 ldstr "InstrumentationDataStart"
//                                 (ldc  mask ILOffset Kind Count Other  data...)*
//                                 ldstr "InstrumentationDataEnd"
//                                 pop
// Methods are named by MemberRef/MethodSpec tokens into the ToyPy assembly,
// so their signatures are copied from ToyPy.dll with every type token
// re-created in the new module.

using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text;
using static ToyPy.Pgo.Kinds;

namespace ToyPy.Pgo;

/// <summary>One schema record of a method's profile: an edge or block count, or a type histogram.</summary>
internal sealed record SchemaRecord(int Kind, int ILOffset, int Count, int Other, long[] Counts, string[] Types);

/// <summary>A method's profile as the runtime dumped it, summed over all the dumps.</summary>
internal sealed class MethodProfile(string name, string signature)
{
    public string Name { get; } = name;
    public string Signature { get; } = signature;
    public List<SchemaRecord> Records { get; } = [];
}

/// <summary>PgoInstrumentationKind values (corjit.h) this tool carries over.</summary>
internal static class Kinds
{
    public const int BasicBlockIntCount = 0x41, BasicBlockLongCount = 0x42;
    public const int HandleHistogramIntCount = 0xB1, HandleHistogramLongCount = 0xB2, HandleHistogramTypes = 0xC3;
    public const int EdgeIntCount = 0x181, EdgeLongCount = 0x182;
}

internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length < 3)
        {
            Console.Error.WriteLine("usage: ToyPy.Pgo ToyPy.dll OUT.mibc PROFILE.txt...");
            return 2;
        }
        var profiles = new Dictionary<string, MethodProfile>();
        foreach (var path in args.Skip(2)) ProfileDump.Read(path, profiles);
        using var pe = new PEReader(File.OpenRead(args[0]));
        var writer = new MibcWriter(pe.GetMetadataReader());
        int written = 0, skipped = 0;
        foreach (var p in profiles.Values)
        {
            // A profile this tool cannot express is left out: the method is then compiled without one.
            bool added;
            try { added = writer.Add(p); }
            catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or ArgumentException)
            {
                Console.Error.WriteLine($"ToyPy.Pgo: {p.Name}: {e.Message}");
                added = false;
            }
            if (added) written++; else skipped++;
        }
        File.WriteAllBytes(args[1], writer.Serialize());
        Console.WriteLine($"{args[1]}: {written} method profiles ({skipped} outside ToyPy or not resolved)");
        return 0;
    }
}

/// <summary>The runtime's text profile format (DOTNET_WritePGOData=1).</summary>
internal static class ProfileDump
{
    /// <summary>Read one DOTNET_PGODataPath dump, adding its counts to those already read.</summary>
    public static void Read(string path, Dictionary<string, MethodProfile> profiles)
    {
        var lines = File.ReadAllLines(path);
        MethodProfile? current = null;
        var seen = new Dictionary<(int, int, int), SchemaRecord>();
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.StartsWith("MethodName: "))
            {
                var name = line["MethodName: ".Length..];
                var sig = lines[++i]["Signature: ".Length..];
                var key = name + "|" + sig;
                if (!profiles.TryGetValue(key, out current)) profiles[key] = current = new MethodProfile(name, sig);
                seen.Clear();
                foreach (var r in current.Records) seen[(r.Kind, r.ILOffset, r.Other)] = r;
            }
            else if (line.StartsWith("Schema ") && current is not null)
            {
                var f = line.Split(' ');
                int kind = int.Parse(f[2]), il = int.Parse(f[4]), count = int.Parse(f[6]);
                int other = (int)long.Parse(f[8]);
                var counts = new long[count];
                var types = new string[count];
                for (int k = 0; k < count; k++)
                {
                    var d = lines[++i];
                    if (d.StartsWith("TypeHandle: ")) types[k] = d["TypeHandle: ".Length..];
                    else if (long.TryParse(d, out var v)) counts[k] = v;
                    else types[k] = d;
                }
                if (seen.TryGetValue((kind, il, other), out var old) && count == 1 && kind != HandleHistogramTypes)
                    old.Counts[0] += counts[0];
                else if (old is null)
                {
                    var rec = new SchemaRecord(kind, il, count, other, counts, types);
                    current.Records.Add(rec);
                    seen[(kind, il, other)] = rec;
                }
            }
        }
    }
}

/// <summary>Builds the .mibc assembly.</summary>
internal sealed class MibcWriter
{
    private readonly MetadataReader _toypy;
    private readonly MetadataBuilder _md = new();
    private readonly InstructionEncoder _group = new(new BlobBuilder());
    private readonly AssemblyReferenceHandle _toypyRef;
    private readonly Dictionary<EntityHandle, EntityHandle> _types = [];
    private readonly Dictionary<string, AssemblyReferenceHandle> _assemblies = [];
    private readonly Dictionary<string, TypeDefinitionHandle> _typeDefsByName = [];
    private readonly List<TypeDefinitionHandle> _refPolicies = [];

    public MibcWriter(MetadataReader toypy)
    {
        _toypy = toypy;
        var asm = toypy.GetAssemblyDefinition();
        _toypyRef = _md.AddAssemblyReference(_md.GetOrAddString(toypy.GetString(asm.Name)), asm.Version,
            default, default, default, default);
        foreach (var h in toypy.TypeDefinitions)
        {
            var name = FullName(h);
            _typeDefsByName[name] = h;
            if (name is "ToyPy.Runtime.PlainRefs" or "ToyPy.Runtime.RacyRefs" or "ToyPy.Runtime.BiasedRefs") _refPolicies.Add(h);
        }
    }

    private string FullName(TypeDefinitionHandle h)
    {
        var t = _toypy.GetTypeDefinition(h);
        var name = _toypy.GetString(t.Name);
        if (t.IsNested) return FullName(t.GetDeclaringType()) + "+" + name;
        var ns = _toypy.GetString(t.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    /// <summary>Add one method's profile; false when the method is not a (non-generic-type) ToyPy method.</summary>
    public bool Add(MethodProfile p)
    {
        int dot = p.Name.EndsWith("..ctor") || p.Name.EndsWith("..cctor") ? p.Name.LastIndexOf("..") : p.Name.LastIndexOf('.');
        if (dot < 0) return false;
        var typeName = p.Name[..dot];
        var methodName = p.Name[(dot + 1)..];
        if (!_typeDefsByName.TryGetValue(typeName, out var typeHandle)) return false;
        var type = _toypy.GetTypeDefinition(typeHandle);
        if (type.GetGenericParameters().Count > 0) return false;
        var candidates = type.GetMethods().Where(m => _toypy.GetString(_toypy.GetMethodDefinition(m).Name) == methodName).ToList();
        if (candidates.Count > 1)
            candidates = candidates.Where(m => SignatureText.Of(_toypy, m) == p.Signature).ToList();
        if (candidates.Count != 1) return false;
        var method = _toypy.GetMethodDefinition(candidates[0]);
        var memberRef = _md.AddMemberReference(Translate(typeHandle), _md.GetOrAddString(methodName),
            _md.GetOrAddBlob(RewriteSignature(_toypy.GetBlobReader(method.Signature))));
        var generics = method.GetGenericParameters();
        if (generics.Count == 0)
        {
            Emit(memberRef, p);
            return true;
        }
        // Generic methods: only those over the reference-count policy (Loop<TRefs>
        // and its helpers); each instantiation gets the same counts.
        if (generics.Count != 1 || _toypy.GetString(_toypy.GetGenericParameter(generics[0]).Name) != "TRefs") return false;
        foreach (var policy in _refPolicies)
        {
            var inst = new BlobBuilder();
            new BlobEncoder(inst).MethodSpecificationSignature(1).AddArgument().Type(Translate(policy), isValueType: true);
            Emit(_md.AddMethodSpecification(memberRef, _md.GetOrAddBlob(inst)), p);
        }
        return true;
    }

    private void Emit(EntityHandle method, MethodProfile p)
    {
        _group.OpCode(ILOpCode.Ldtoken);
        _group.Token(method);
        _group.LoadString(_md.GetOrAddUserString("InstrumentationDataStart"));
        var records = p.Records;
        // Counts are 32-bit in the JIT's schema: scale a method's down if the sum overflowed.
        long max = records.Where(r => IsCount(r.Kind)).SelectMany(r => r.Counts).DefaultIfEmpty(0).Max();
        long div = max > int.MaxValue ? max / int.MaxValue + 1 : 1;
        for (int i = 0; i < records.Count; i++)
        {
            var r = records[i];
            bool histogram = r.Kind is HandleHistogramIntCount or HandleHistogramLongCount;
            if (histogram && (i + 1 == records.Count || records[i + 1].Kind != HandleHistogramTypes)) continue; // a method histogram: not carried
            if (!IsCount(r.Kind) && !histogram && r.Kind != HandleHistogramTypes) continue;
            foreach (var v in new[] { 0xF, r.ILOffset, r.Kind, r.Count, r.Other }) _group.LoadConstantI4(v);
            for (int k = 0; k < r.Count; k++)
            {
                if (r.Kind == HandleHistogramTypes)
                {
                    if (TypeToken(r.Types[k]) is { } t) { _group.OpCode(ILOpCode.Ldtoken); _group.Token(t); }
                    else _group.LoadConstantI4(0);
                }
                else _group.LoadConstantI8(r.Counts[k] / div);
            }
        }
        _group.LoadString(_md.GetOrAddUserString("InstrumentationDataEnd"));
        _group.OpCode(ILOpCode.Pop);
    }

    private static bool IsCount(int kind) =>
        kind is EdgeIntCount or EdgeLongCount or BasicBlockIntCount or BasicBlockLongCount or HandleHistogramIntCount or HandleHistogramLongCount;

    /// <summary>A TypeRef for a histogram entry ("NS.Name, Assembly, Version=..."), for ToyPy and core library types that are not generic.</summary>
    private EntityHandle? TypeToken(string? assemblyQualified)
    {
        if (assemblyQualified is null or "NULL" || assemblyQualified.Contains('[')) return null;
        var parts = assemblyQualified.Split(", ");
        if (parts.Length < 2) return null;
        if (parts[1] == "ToyPy") return _typeDefsByName.TryGetValue(parts[0], out var h) ? Translate(h) : null;
        if (parts[1] != "System.Private.CoreLib" || parts[0].Contains('+')) return null;
        int dot = parts[0].LastIndexOf('.');
        return _md.AddTypeReference(Assembly("System.Private.CoreLib", new Version(0, 0, 0, 0)),
            _md.GetOrAddString(dot < 0 ? "" : parts[0][..dot]), _md.GetOrAddString(parts[0][(dot + 1)..]));
    }

    private AssemblyReferenceHandle Assembly(string name, Version version)
    {
        if (!_assemblies.TryGetValue(name, out var h))
            _assemblies[name] = h = _md.AddAssemblyReference(_md.GetOrAddString(name), version, default, default, default, default);
        return h;
    }

    /// <summary>The new module's handle for a type handle of ToyPy.dll.</summary>
    private EntityHandle Translate(EntityHandle h)
    {
        if (_types.TryGetValue(h, out var done)) return done;
        EntityHandle result;
        switch (h.Kind)
        {
            case HandleKind.TypeDefinition:
            {
                var t = _toypy.GetTypeDefinition((TypeDefinitionHandle)h);
                EntityHandle scope = t.IsNested ? Translate(t.GetDeclaringType()) : _toypyRef;
                result = _md.AddTypeReference(scope, _md.GetOrAddString(_toypy.GetString(t.Namespace)), _md.GetOrAddString(_toypy.GetString(t.Name)));
                break;
            }
            case HandleKind.TypeReference:
            {
                var t = _toypy.GetTypeReference((TypeReferenceHandle)h);
                EntityHandle scope = t.ResolutionScope.Kind switch
                {
                    HandleKind.AssemblyReference => AssemblyOf((AssemblyReferenceHandle)t.ResolutionScope),
                    HandleKind.TypeReference => Translate((EntityHandle)t.ResolutionScope),
                    _ => _toypyRef,
                };
                result = _md.AddTypeReference(scope, _md.GetOrAddString(_toypy.GetString(t.Namespace)), _md.GetOrAddString(_toypy.GetString(t.Name)));
                break;
            }
            case HandleKind.TypeSpecification:
            {
                var spec = _toypy.GetTypeSpecification((TypeSpecificationHandle)h);
                var blob = new BlobBuilder();
                var reader = _toypy.GetBlobReader(spec.Signature);
                RewriteType(ref reader, blob);
                result = _md.AddTypeSpecification(_md.GetOrAddBlob(blob));
                break;
            }
            default:
                throw new InvalidOperationException($"unexpected type handle {h.Kind}");
        }
        _types[h] = result;
        return result;
    }

    private AssemblyReferenceHandle AssemblyOf(AssemblyReferenceHandle h)
    {
        var a = _toypy.GetAssemblyReference(h);
        var name = _toypy.GetString(a.Name);
        if (!_assemblies.TryGetValue(name, out var r))
            _assemblies[name] = r = _md.AddAssemblyReference(_md.GetOrAddString(name), a.Version, default,
                a.PublicKeyOrToken.IsNil ? default : _md.GetOrAddBlob(_toypy.GetBlobBytes(a.PublicKeyOrToken)), a.Flags, default);
        return r;
    }

    /// <summary>Copy a MethodDefSig (ECMA-335 II.23.2.1), re-creating its type tokens.</summary>
    private BlobBuilder RewriteSignature(BlobReader r)
    {
        var w = new BlobBuilder();
        var header = r.ReadByte();
        w.WriteByte(header);
        if ((header & 0x10) != 0) w.WriteCompressedInteger(r.ReadCompressedInteger()); // generic parameter count
        int count = r.ReadCompressedInteger();
        w.WriteCompressedInteger(count);
        for (int i = 0; i <= count; i++) RewriteType(ref r, w); // the return type, then each parameter
        return w;
    }

    /// <summary>Copy one Type (II.23.2.12) with its custom modifiers.</summary>
    private void RewriteType(ref BlobReader r, BlobBuilder w)
    {
        var e = r.ReadByte();
        w.WriteByte(e);
        switch (e)
        {
            case 0x0F: case 0x10: case 0x1D: case 0x45: // PTR, BYREF, SZARRAY, PINNED
                RewriteType(ref r, w);
                break;
            case 0x11: case 0x12: // VALUETYPE, CLASS
                WriteToken(ref r, w);
                break;
            case 0x1F: case 0x20: // CMOD_REQD, CMOD_OPT: the modified type follows
                WriteToken(ref r, w);
                RewriteType(ref r, w);
                break;
            case 0x13: case 0x1E: // VAR, MVAR
                w.WriteCompressedInteger(r.ReadCompressedInteger());
                break;
            case 0x15: // GENERICINST (CLASS|VALUETYPE) token count type*
            {
                w.WriteByte(r.ReadByte());
                WriteToken(ref r, w);
                int n = r.ReadCompressedInteger();
                w.WriteCompressedInteger(n);
                for (int i = 0; i < n; i++) RewriteType(ref r, w);
                break;
            }
            case 0x14: // ARRAY type rank nsizes sizes* nlo lo*
            {
                RewriteType(ref r, w);
                w.WriteCompressedInteger(r.ReadCompressedInteger());
                int sizes = r.ReadCompressedInteger();
                w.WriteCompressedInteger(sizes);
                for (int i = 0; i < sizes; i++) w.WriteCompressedInteger(r.ReadCompressedInteger());
                int lows = r.ReadCompressedInteger();
                w.WriteCompressedInteger(lows);
                for (int i = 0; i < lows; i++) w.WriteCompressedSignedInteger(r.ReadCompressedSignedInteger());
                break;
            }
            case 0x1B: // FNPTR MethodSig
            {
                var header = r.ReadByte();
                w.WriteByte(header);
                int count = r.ReadCompressedInteger();
                w.WriteCompressedInteger(count);
                for (int i = 0; i <= count; i++) RewriteType(ref r, w);
                break;
            }
            default: // primitives, string, object, void, typedbyref
                break;
        }
    }

    private void WriteToken(ref BlobReader r, BlobBuilder w) =>
        w.WriteCompressedInteger(CodedIndex.TypeDefOrRefOrSpec(Translate(r.ReadTypeHandle())));

    public byte[] Serialize()
    {
        var il = new MethodBodyStreamEncoder(new BlobBuilder());
        var voidSig = new BlobBuilder();
        new BlobEncoder(voidSig).MethodSignature().Parameters(0, ret => ret.Void(), _ => { });
        var sig = _md.GetOrAddBlob(voidSig);

        _group.OpCode(ILOpCode.Ret);
        var dictionary = new InstructionEncoder(new BlobBuilder());
        dictionary.LoadString(_md.GetOrAddUserString("ToyPy"));
        dictionary.OpCode(ILOpCode.Ldtoken);
        dictionary.Token(MetadataTokens.MethodDefinitionHandle(2));
        dictionary.OpCode(ILOpCode.Pop);
        dictionary.OpCode(ILOpCode.Ret);

        var attrs = MethodAttributes.Public | MethodAttributes.Static;
        int dictBody = il.AddMethodBody(dictionary, maxStack: 8);
        int groupBody = il.AddMethodBody(_group, maxStack: 8);
        _md.AddMethodDefinition(attrs, MethodImplAttributes.IL, _md.GetOrAddString("AssemblyDictionary"), sig, dictBody, default);
        _md.AddMethodDefinition(attrs, MethodImplAttributes.IL, _md.GetOrAddString("ToyPy"), sig, groupBody, default);
        _md.AddTypeDefinition(default, default, _md.GetOrAddString("<Module>"), default,
            MetadataTokens.FieldDefinitionHandle(1), MetadataTokens.MethodDefinitionHandle(1));
        _md.AddModule(0, _md.GetOrAddString("toypy.mibc"), _md.GetOrAddGuid(Guid.NewGuid()), default, default);
        _md.AddAssembly(_md.GetOrAddString("toypy.mibc"), new Version(1, 0, 0, 0), default, default, default, AssemblyHashAlgorithm.None);

        var pe = new ManagedPEBuilder(PEHeaderBuilder.CreateLibraryHeader(), new MetadataRootBuilder(_md), il.Builder);
        var output = new BlobBuilder();
        pe.Serialize(output);
        return output.ToArray();
    }
}

/// <summary>A method signature in the text form of the runtime's PGO dump, to tell overloads apart.</summary>
internal sealed class SignatureText : ISignatureTypeProvider<string, object?>
{
    private readonly MetadataReader _r;
    private SignatureText(MetadataReader r) => _r = r;

    public static string Of(MetadataReader r, MethodDefinitionHandle h)
    {
        var m = r.GetMethodDefinition(h);
        var sig = m.DecodeSignature(new SignatureText(r), null);
        var sb = new StringBuilder();
        if (sig.Header.IsInstance) sb.Append("instance ");
        if (sig.Header.IsGeneric) sb.Append("generic ");
        sb.Append(sig.ReturnType).Append("  (").Append(string.Join(",", sig.ParameterTypes)).Append(')');
        return sb.ToString();
    }

    public string GetPrimitiveType(PrimitiveTypeCode c) => c switch
    {
        PrimitiveTypeCode.Boolean => "bool", PrimitiveTypeCode.Char => "char",
        PrimitiveTypeCode.SByte => "int8", PrimitiveTypeCode.Byte => "unsigned int8",
        PrimitiveTypeCode.Int16 => "int16", PrimitiveTypeCode.UInt16 => "unsigned int16",
        PrimitiveTypeCode.Int32 => "int32", PrimitiveTypeCode.UInt32 => "unsigned int",
        PrimitiveTypeCode.Int64 => "int64", PrimitiveTypeCode.UInt64 => "unsigned int64",
        PrimitiveTypeCode.Single => "float32", PrimitiveTypeCode.Double => "float64",
        PrimitiveTypeCode.IntPtr => "native int", PrimitiveTypeCode.UIntPtr => "native unsigned int",
        PrimitiveTypeCode.String => "class System.String", PrimitiveTypeCode.Object => "class System.Object",
        PrimitiveTypeCode.Void => "void", _ => c.ToString(),
    };

    public string GetTypeFromDefinition(MetadataReader r, TypeDefinitionHandle h, byte kind)
    {
        var t = r.GetTypeDefinition(h);
        var ns = r.GetString(t.Namespace);
        var name = t.IsNested || ns.Length == 0 ? r.GetString(t.Name) : ns + "." + r.GetString(t.Name);
        return (kind == (byte)SignatureTypeKind.ValueType ? "value class " : "class ") + name;
    }

    public string GetTypeFromReference(MetadataReader r, TypeReferenceHandle h, byte kind)
    {
        var t = r.GetTypeReference(h);
        var ns = r.GetString(t.Namespace);
        var name = ns.Length == 0 ? r.GetString(t.Name) : ns + "." + r.GetString(t.Name);
        return (kind == (byte)SignatureTypeKind.ValueType ? "value class " : "class ") + name;
    }

    public string GetTypeFromSpecification(MetadataReader r, object? c, TypeSpecificationHandle h, byte kind) =>
        r.GetTypeSpecification(h).DecodeSignature(this, c);
    public string GetSZArrayType(string e) => e + "[]";
    public string GetArrayType(string e, ArrayShape s) => e + "[" + new string(',', s.Rank - 1) + "]";
    public string GetByReferenceType(string e) => e + "&";
    public string GetPointerType(string e) => e + "*";
    public string GetPinnedType(string e) => e + " pinned";
    public string GetGenericInstantiation(string g, ImmutableArray<string> args) => g + "<" + string.Join(",", args) + ">";
    public string GetGenericMethodParameter(object? c, int i) => "!!" + i;
    public string GetGenericTypeParameter(object? c, int i) => "!" + i;
    public string GetModifiedType(string modifier, string unmodified, bool required) =>
        (required ? "required_modifier " : "optional_modifier ") + modifier.Replace("class ", "").Replace("value ", "") + " " + unmodified;
    public string GetFunctionPointerType(MethodSignature<string> s) => "method " + s.ReturnType;
}
