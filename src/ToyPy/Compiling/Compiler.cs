using ToyPy.Bytecode;
using ToyPy.Parsing;
using ToyPy.Parsing.Ast;
using Attribute = ToyPy.Parsing.Ast.Attribute;

namespace ToyPy.Compiling;

/// <summary>
/// The bytecode compiler: syntax tree -> CodeObject, following CPython 3.11's
/// Python/compile.c (see OpCode.cs for the simplifications of the instruction set).
/// </summary>
public static class Compiler
{
    /// <summary>Compile a module. Compile errors throw SyntaxErrorException with CPython's messages.</summary>
    public static CodeObject CompileModule(Module module, string filename, string source)
    {
        var st = SymbolTable.Build(module, filename, source);
        var gen = new CodeGenerator(st, filename, source);
        return gen.CompileModule(module);
    }
}

internal enum ScopeKind { Module, Class, Function, Lambda, Comprehension }

/// <summary>Insertion-ordered name -> index table (CPython's u_names / u_varnames dicts).</summary>
internal sealed class IndexTable
{
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    public readonly List<string> Items = new();

    public int Add(string name)
    {
        if (_index.TryGetValue(name, out var i)) return i;
        i = Items.Count;
        Items.Add(name);
        _index[name] = i;
        return i;
    }

    public int IndexOf(string name) => _index.TryGetValue(name, out var i) ? i : -1;
}

internal sealed class ConstTable
{
    private readonly Dictionary<ConstValue, int> _index = new();
    public readonly List<ConstValue> Items = new();

    public int Add(ConstValue v)
    {
        if (_index.TryGetValue(v, out var i)) return i;
        i = Items.Count;
        Items.Add(v);
        _index[v] = i;
        return i;
    }
}

internal enum FBlockType { WhileLoop, ForLoop, TryExcept, FinallyTry, FinallyEnd, With, HandlerCleanup, PopValue, ExceptionHandler }

internal sealed record FBlockInfo(FBlockType Type, BasicBlock? Block, BasicBlock? Exit, object? Datum);

/// <summary>The state of one code object being compiled (struct compiler_unit).</summary>
internal sealed class CompilerUnit
{
    public required SymbolTableEntry Ste { get; init; }
    public required ScopeKind Kind { get; init; }
    public required string Name { get; init; }
    public string QualName = "";
    public int FirstLineNo;
    public int ArgCount, PosOnlyArgCount, KwOnlyArgCount;
    public string? Private;
    public readonly ConstTable Consts = new();
    public readonly IndexTable Names = new();
    public readonly IndexTable VarNames = new();
    public List<string> CellVars = new();
    public List<string> FreeVars = new();
    public readonly Dictionary<string, int> CellIndex = new(StringComparer.Ordinal);
    public readonly Dictionary<string, int> FreeIndex = new(StringComparer.Ordinal);
    public readonly List<FBlockInfo> FBlocks = new();
    public BasicBlock Entry = null!;
    public BasicBlock Cur = null!;
    /// <summary>Head of the allocation list (most recent first, like b_list).</summary>
    public BasicBlock? Blocks;
    /// <summary>Location of the instructions being emitted (u_lineno, u_end_lineno, u_col_offset, u_end_col_offset).</summary>
    public Loc Loc = Loc.None;

    /// <summary>Line of the instructions being emitted; -1 for artificial instructions.</summary>
    public int Line
    {
        get => Loc.Line;
        set => Loc = Loc with { Line = value };
    }

    public BasicBlock NewBlock()
    {
        var b = new BasicBlock { ListNext = Blocks };
        Blocks = b;
        return b;
    }

    public void UseNextBlock(BasicBlock b)
    {
        Cur.Next = b;
        Cur = b;
    }

    public int AddConst(ConstValue v) => Consts.Add(v);

    public void Emit(int op, int arg = 0, Loc? loc = null)
    {
        EnsureOpenBlock();
        Cur.Instrs.Add(new Instr { Op = op, Arg = arg, Loc = loc ?? Loc });
    }

    public void EmitJump(int op, BasicBlock target, Loc? loc = null)
    {
        EnsureOpenBlock();
        Cur.Instrs.Add(new Instr { Op = op, Target = target, Loc = loc ?? Loc });
    }

    /// <summary>A jump or scope exit ends a basic block: start a fresh one for what follows.</summary>
    private void EnsureOpenBlock()
    {
        var last = Cur.Last;
        if (last is not null && (Assembler.IsJumpOp(last.Op) || Assembler.IsScopeExit(last.Op)))
            UseNextBlock(NewBlock());
    }
}

/// <summary>The compiler proper (struct compiler): a stack of units.</summary>
internal sealed partial class CodeGenerator
{
    private const int StackUseGuideline = 30;
    private const int MaxBlocks = 20;

    private readonly SymbolTable _st;
    private readonly string _filename;
    private readonly string[] _lines;
    private readonly Stack<CompilerUnit> _stack = new();
    private CompilerUnit u = null!;
    private readonly Dictionary<Expr, ConstValue?> _folded = new(ReferenceEqualityComparer.Instance);

    public CodeGenerator(SymbolTable st, string filename, string source)
    {
        _st = st;
        _filename = filename;
        _lines = source.Split('\n');
    }

    // ------------------------------------------------------------------ errors

    /// <summary>
    /// compiler_error: a SyntaxError at a node (or at the current location), with the
    /// node's range as CPython 3.11 reports it (offset .. end_offset).
    /// </summary>
    private SyntaxErrorException Error(string msg, Node? at = null)
    {
        var loc = at is not null ? Loc.Of(at) : u is not null && u.Line > 0 ? u.Loc : new Loc(1, 1, 0, 0);
        int line = loc.Line;
        int col = Math.Max(0, loc.Col);
        string? Text(int l) => l >= 1 && l <= _lines.Length ? _lines[l - 1].TrimEnd('\r') : null;
        string? text = Text(line);
        // CPython reports the AST's UTF-8 byte offsets.
        int endCol = loc.EndLine > 0 && loc.EndCol >= 0 ? SyntaxErrorException.ByteColumn(Text(loc.EndLine), loc.EndCol) : -1;
        return new SyntaxErrorException(msg, _filename, line, SyntaxErrorException.ByteColumn(text, col), text,
            endLine: loc.EndLine, endColumn: endCol);
    }

    // ------------------------------------------------------------------ units

    private void EnterScope(string name, ScopeKind kind, Node key, int lineno)
    {
        var ste = _st.Lookup(key);
        var unit = new CompilerUnit { Ste = ste, Kind = kind, Name = name, FirstLineNo = lineno, Loc = new Loc(lineno, lineno, 0, 0) };
        foreach (var v in ste.VarNames) unit.VarNames.Add(v);

        var cells = new List<string>();
        var frees = new List<string>();
        foreach (var (sym, flags) in ste.Symbols)
        {
            var scope = ste.GetScope(sym);
            if (scope == Scope.Cell) cells.Add(sym);
            if (scope == Scope.Free || (flags & SymbolFlags.DefFreeClass) != 0) frees.Add(sym);
        }
        if (ste.NeedsClassClosure) cells.Add("__class__");
        cells.Sort(StringComparer.Ordinal);
        frees.Sort(StringComparer.Ordinal);
        unit.CellVars = cells;
        unit.FreeVars = frees;
        for (int i = 0; i < cells.Count; i++) unit.CellIndex[cells[i]] = i;
        for (int i = 0; i < frees.Count; i++) unit.FreeIndex[frees[i]] = cells.Count + i;

        if (u is not null)
        {
            unit.Private = u.Private;
            _stack.Push(u);
        }
        u = unit;
        var block = u.NewBlock();
        u.Entry = block;
        u.Cur = block;
        if (kind == ScopeKind.Module)
        {
            u.QualName = name;
            u.Line = 0;
        }
        else
        {
            SetQualName();
            u.Line = lineno;
        }
        u.Emit((int)OpCode.Resume, 0);
        if (kind == ScopeKind.Module) u.Line = -1;
    }

    private void ExitScope()
    {
        u = _stack.Count > 0 ? _stack.Pop() : null!;
    }

    private void SetQualName()
    {
        string? baseName = null;
        if (_stack.Count > 0)
        {
            var parent = _stack.Peek();
            bool forceGlobal = false;
            if (u.Kind is ScopeKind.Function or ScopeKind.Class)
            {
                var mangled = SymbolTable.Mangle(parent.Private, u.Name);
                if (parent.Ste.GetScope(mangled) == Scope.GlobalExplicit) forceGlobal = true;
            }
            if (!forceGlobal && parent.Kind != ScopeKind.Module)
            {
                baseName = parent.Kind is ScopeKind.Function or ScopeKind.Lambda
                    ? parent.QualName + ".<locals>"
                    : parent.QualName;
            }
        }
        u.QualName = baseName is null ? u.Name : baseName + "." + u.Name;
    }

    private CodeFlags ComputeCodeFlags()
    {
        var ste = u.Ste;
        var flags = CodeFlags.None;
        if (ste.Type == BlockType.Function)
        {
            flags |= CodeFlags.NewLocals | CodeFlags.Optimized;
            if (ste.Nested) flags |= CodeFlags.Nested;
            if (ste.IsGenerator) flags |= CodeFlags.Generator;
            if (ste.VarArgs) flags |= CodeFlags.VarArgs;
            if (ste.VarKeywords) flags |= CodeFlags.VarKeywords;
        }
        return flags;
    }

    private CodeObject Assemble(bool addNone) => Assembler.Assemble(u, addNone, ComputeCodeFlags(), _filename);

    // ------------------------------------------------------------------ emission helpers

    private void SetLoc(Node n) => u.Loc = Loc.Of(n);
    private void UnsetLoc() => u.Loc = Loc.None;

    private void Addop(OpCode op, int arg = 0) => u.Emit((int)op, arg);
    private void AddopNoLine(OpCode op, int arg = 0) => u.Emit((int)op, arg, Loc.None);
    private void AddopPseudo(int op) => u.Emit(op);
    private void AddopJump(OpCode op, BasicBlock target) => u.EmitJump((int)op, target);
    private void AddopJump(int op, BasicBlock target) => u.EmitJump(op, target);
    private void AddopJumpNoLine(int op, BasicBlock target) => u.EmitJump(op, target, Loc.None);
    private void LoadConst(ConstValue v) => Addop(OpCode.LoadConst, u.AddConst(v));
    private void AddopName(OpCode op, string name) => Addop(op, u.Names.Add(SymbolTable.Mangle(u.Private, name)));
    private void AddopNameUnmangled(OpCode op, string name) => Addop(op, u.Names.Add(name));

    private BasicBlock NewBlock() => u.NewBlock();
    private void UseNextBlock(BasicBlock b) => u.UseNextBlock(b);
    private void NextBlock() => u.UseNextBlock(u.NewBlock());

    private void PushFBlock(FBlockType t, BasicBlock? block, BasicBlock? exit, object? datum, Node? at = null)
    {
        if (u.FBlocks.Count >= MaxBlocks) throw Error("too many statically nested blocks", at);
        u.FBlocks.Add(new FBlockInfo(t, block, exit, datum));
    }

    private void PopFBlock(FBlockType t)
    {
        var top = u.FBlocks[^1];
        if (top.Type != t) throw new InvalidOperationException("bad fblock pop");
        u.FBlocks.RemoveAt(u.FBlocks.Count - 1);
    }

    // ------------------------------------------------------------------ names

    private Scope GetRefType(string name)
    {
        if (u.Kind == ScopeKind.Class && name == "__class__") return Scope.Cell;
        var scope = u.Ste.GetScope(name);
        if (scope == Scope.Unknown)
            throw new InvalidOperationException($"unknown scope for {name} in {u.Name}");
        return scope;
    }

    private void NameOp(string name, ExprContext ctx, Node? at = null)
    {
        if (ctx == ExprContext.Store && name == "__debug__") throw Error("cannot assign to __debug__", at);
        if (ctx == ExprContext.Del && name == "__debug__") throw Error("cannot delete __debug__", at);
        var mangled = SymbolTable.Mangle(u.Private, name);
        var scope = u.Ste.GetScope(mangled);
        bool isFunction = u.Ste.Type == BlockType.Function;
        switch (scope)
        {
            case Scope.Free:
            case Scope.Cell:
            {
                int idx = scope == Scope.Free ? u.FreeIndex[mangled] : u.CellIndex[mangled];
                var op = ctx switch
                {
                    ExprContext.Load => u.Ste.Type == BlockType.Class ? OpCode.LoadClassDeref : OpCode.LoadDeref,
                    ExprContext.Store => OpCode.StoreDeref,
                    _ => OpCode.DeleteDeref,
                };
                Addop(op, idx);
                return;
            }
            case Scope.Local when isFunction:
            {
                var op = ctx switch { ExprContext.Load => OpCode.LoadFast, ExprContext.Store => OpCode.StoreFast, _ => OpCode.DeleteFast };
                Addop(op, u.VarNames.Add(mangled));
                return;
            }
            case Scope.GlobalImplicit when isFunction:
            case Scope.GlobalExplicit:
            {
                int ni = u.Names.Add(mangled);
                switch (ctx)
                {
                    case ExprContext.Load: Addop(OpCode.LoadGlobal, ni << 1); break;
                    case ExprContext.Store: Addop(OpCode.StoreGlobal, ni); break;
                    default: Addop(OpCode.DeleteGlobal, ni); break;
                }
                return;
            }
            default:
            {
                int ni = u.Names.Add(mangled);
                var op = ctx switch { ExprContext.Load => OpCode.LoadName, ExprContext.Store => OpCode.StoreName, _ => OpCode.DeleteName };
                Addop(op, ni);
                return;
            }
        }
    }

    // ------------------------------------------------------------------ module

    public CodeObject CompileModule(Module module)
    {
        EnterScope("<module>", ScopeKind.Module, module, 1);
        CompileBody(module.Body);
        var co = Assemble(true);
        ExitScope();
        return co;
    }

    private static string? GetDocString(IReadOnlyList<Stmt> body) =>
        body.Count > 0 && body[0] is ExprStmt { Value: Constant { Kind: ConstantKind.Str } c } ? c.StrValue ?? "" : null;

    /// <summary>Module and class bodies: the docstring goes to __doc__ (compiler_body).</summary>
    private void CompileBody(IReadOnlyList<Stmt> stmts)
    {
        if (u.Kind == ScopeKind.Module && stmts.Count > 0) SetLoc(stmts[0]);
        if (stmts.Count == 0) return;
        int i = 0;
        if (GetDocString(stmts) is not null)
        {
            i = 1;
            var st = (ExprStmt)stmts[0];
            VisitExpr(st.Value);
            UnsetLoc();
            NameOp("__doc__", ExprContext.Store);
        }
        for (; i < stmts.Count; i++) VisitStmt(stmts[i]);
    }

    // ------------------------------------------------------------------ constant folding

    /// <summary>The constant value of an expression after CPython's AST optimisation, or null.</summary>
    private ConstValue? Fold(Expr e)
    {
        if (_folded.TryGetValue(e, out var v)) return v;
        v = e switch
        {
            Constant c => ConstFolder.FromConstant(c),
            Name { Id: "__debug__", Ctx: ExprContext.Load } => CBool.True,
            UnaryOp un => Fold(un.Operand) is { } o ? ConstFolder.Unary(un.Op, o) : null,
            BinOp bo => Fold(bo.Left) is { } l && Fold(bo.Right) is { } r ? ConstFolder.Binary(bo.Op, l, r) : null,
            TupleExpr { Ctx: ExprContext.Load } t => FoldTuple(t.Elts),
            Subscript { Ctx: ExprContext.Load } sub when sub.Slice is not Slice =>
                Fold(sub.Value) is { } sv && Fold(sub.Slice) is { } si ? ConstFolder.Subscript(sv, si) : null,
            _ => null,
        };
        _folded[e] = v;
        return v;
    }

    private CTuple? FoldTuple(IReadOnlyList<Expr> elts)
    {
        var items = new ConstValue[elts.Count];
        for (int i = 0; i < elts.Count; i++)
        {
            if (elts[i] is Starred) return null;
            var f = Fold(elts[i]);
            if (f is null) return null;
            items[i] = f;
        }
        return new CTuple(items);
    }

    private bool AreAllItemsConst(IReadOnlyList<Expr?> elts, int begin, int end)
    {
        for (int i = begin; i < end; i++)
        {
            var e = elts[i];
            if (e is null || e is Starred || Fold(e) is null) return false;
        }
        return true;
    }
}
