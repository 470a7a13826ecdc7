using ToyPy.Parsing;
using ToyPy.Parsing.Ast;
using Attribute = ToyPy.Parsing.Ast.Attribute;

namespace ToyPy.Compiling;

/// <summary>Kinds of symbol table blocks (CPython's _Py_block_ty).</summary>
public enum BlockType { Module, Function, Class }

/// <summary>Where a name lives once the analysis is done (CPython's LOCAL, GLOBAL_EXPLICIT...).</summary>
public enum Scope { Unknown = 0, Local = 1, GlobalExplicit = 2, GlobalImplicit = 3, Free = 4, Cell = 5 }

/// <summary>Per-name flags gathered while walking a block (Include/internal/pycore_symtable.h).</summary>
[Flags]
public enum SymbolFlags
{
    None = 0,
    DefGlobal = 1,
    DefLocal = 2,
    DefParam = 4,
    DefNonlocal = 8,
    Use = 16,
    DefFree = 32,
    DefFreeClass = 64,
    DefImport = 128,
    DefAnnot = 256,
    DefCompIter = 512,
    DefBound = DefLocal | DefParam | DefImport,
}

/// <summary>One scope: module, class body, function, lambda or comprehension (PySTEntryObject).</summary>
public sealed class SymbolTableEntry
{
    public string Name { get; }
    public BlockType Type { get; }
    public Node Node { get; }
    public int Line { get; }
    public SymbolTableEntry? Parent { get; }
    public List<SymbolTableEntry> Children { get; } = new();
    /// <summary>Flags per (mangled) name, in first-seen order.</summary>
    public Dictionary<string, SymbolFlags> Symbols { get; } = new();
    public Dictionary<string, Scope> Scopes { get; } = new();
    /// <summary>Parameters in order (co_varnames starts with these).</summary>
    public List<string> VarNames { get; } = new();
    public bool Nested { get; internal set; }
    public bool IsGenerator { get; internal set; }
    public bool VarArgs { get; internal set; }
    public bool VarKeywords { get; internal set; }
    public bool IsComprehension { get; internal set; }
    public bool NeedsClassClosure { get; internal set; }
    public bool HasFree { get; internal set; }
    public bool ChildFree { get; internal set; }
    internal bool CompIterTarget;
    internal int CompIterExpr;
    internal readonly Dictionary<string, (int Line, int Col, int EndLine, int EndCol)> Directives = new();

    internal SymbolTableEntry(string name, BlockType type, Node node, int line, SymbolTableEntry? parent)
    {
        Name = name; Type = type; Node = node; Line = line; Parent = parent;
    }

    public SymbolFlags GetFlags(string name) => Symbols.TryGetValue(name, out var f) ? f : SymbolFlags.None;
    public Scope GetScope(string name) => Scopes.TryGetValue(name, out var s) ? s : Scope.Unknown;

    public override string ToString() => $"<{Type} {Name}>";
}

/// <summary>
/// The symbol table pass (Python/symtable.c): one walk collects the names each
/// scope defines and uses, then the analysis resolves every name to local,
/// global (explicit/implicit), free or cell, propagating free variables through
/// intermediate scopes and creating the implicit __class__ cell for methods that
/// use super() or __class__.
/// </summary>
public sealed class SymbolTable
{
    private readonly string _filename;
    private readonly string[]? _lines;
    private readonly Dictionary<Node, SymbolTableEntry> _entries = new(ReferenceEqualityComparer.Instance);
    private readonly Stack<SymbolTableEntry> _stack = new();
    private SymbolTableEntry _cur = null!;
    private string? _private;

    public SymbolTableEntry Top { get; private set; } = null!;

    private SymbolTable(string filename, string? source)
    {
        _filename = filename;
        _lines = source?.Split('\n');
    }

    public static SymbolTable Build(Module module, string filename, string? source)
    {
        var st = new SymbolTable(filename, source);
        st.EnterBlock("top", BlockType.Module, module, 0);
        st.Top = st._cur;
        foreach (var s in module.Body) st.VisitStmt(s);
        st.ExitBlock();
        st.Analyze();
        return st;
    }

    public SymbolTableEntry Lookup(Node node) =>
        _entries.TryGetValue(node, out var e) ? e : throw new InvalidOperationException("no symbol table entry for node");

    /// <summary>Every entry, depth first, module first.</summary>
    public IEnumerable<SymbolTableEntry> AllEntries()
    {
        var stack = new Stack<SymbolTableEntry>();
        stack.Push(Top);
        while (stack.Count > 0)
        {
            var e = stack.Pop();
            yield return e;
            for (int i = e.Children.Count - 1; i >= 0; i--) stack.Push(e.Children[i]);
        }
    }

    /// <summary>The first entry (depth first) with this block name ("top", a function or class name, "lambda", "listcomp"...).</summary>
    public SymbolTableEntry? Find(string name) => AllEntries().FirstOrDefault(e => e.Name == name);

    // ------------------------------------------------------------------ errors

    internal SyntaxErrorException Error(string msg, int line, int col, int endLine = -1, int endCol = -1)
    {
        string? Text(int l) => _lines is not null && l >= 1 && l <= _lines.Length ? _lines[l - 1].TrimEnd('\r') : null;
        string? text = Text(line);
        // CPython reports the AST's UTF-8 byte offsets.
        if (endLine > 0 && endCol >= 0) endCol = SyntaxErrorException.ByteColumn(Text(endLine), endCol);
        return new SyntaxErrorException(msg, _filename, line, SyntaxErrorException.ByteColumn(text, col), text,
                                        endLine: endLine, endColumn: endCol);
    }

    /// <summary>An error over a node's range (PyErr_RangedSyntaxLocationObject).</summary>
    private SyntaxErrorException Error(string msg, Node n) => Error(msg, n.Line, n.Column, n.EndLine, n.EndColumn);

    // ------------------------------------------------------------------ blocks

    private void EnterBlock(string name, BlockType type, Node node, int line)
    {
        var prev = _stack.Count > 0 ? _cur : null;
        var e = new SymbolTableEntry(name, type, node, line, prev);
        if (prev is not null)
        {
            if (prev.Nested || prev.Type == BlockType.Function) e.Nested = true;
            prev.Children.Add(e);
        }
        _entries[node] = e;
        _stack.Push(e);
        _cur = e;
    }

    private void ExitBlock()
    {
        _stack.Pop();
        if (_stack.Count > 0) _cur = _stack.Peek();
    }

    public static string Mangle(string? privateName, string name)
    {
        if (privateName is null || !name.StartsWith("__", StringComparison.Ordinal)) return name;
        if (name.EndsWith("__", StringComparison.Ordinal) || name.Contains('.')) return name;
        var stripped = privateName.TrimStart('_');
        if (stripped.Length == 0) return name;
        return "_" + stripped + name;
    }

    private void AddDef(string name, SymbolFlags flag, Node loc) => AddDef(name, flag, _cur, loc);

    private void AddDef(string name, SymbolFlags flag, SymbolTableEntry ste, Node loc)
    {
        var mangled = Mangle(_private, name);
        SymbolFlags val;
        if (ste.Symbols.TryGetValue(mangled, out var old))
        {
            if ((flag & SymbolFlags.DefParam) != 0 && (old & SymbolFlags.DefParam) != 0)
                throw Error($"duplicate argument '{name}' in function definition", loc);
            val = old | flag;
        }
        else val = flag;
        if (ste.CompIterTarget)
        {
            if ((val & (SymbolFlags.DefGlobal | SymbolFlags.DefNonlocal)) != 0)
                throw Error($"comprehension inner loop cannot rebind assignment expression target '{name}'", loc);
            val |= SymbolFlags.DefCompIter;
        }
        ste.Symbols[mangled] = val;
        if ((flag & SymbolFlags.DefParam) != 0) ste.VarNames.Add(mangled);
        else if ((flag & SymbolFlags.DefGlobal) != 0)
        {
            var g = flag;
            if (Top.Symbols.TryGetValue(mangled, out var go)) g |= go;
            Top.Symbols[mangled] = g;
        }
    }

    private void RecordDirective(string name, Node loc)
    {
        var mangled = Mangle(_private, name);
        _cur.Directives.TryAdd(mangled, (loc.Line, loc.Column, loc.EndLine, loc.EndColumn));
    }

    // ------------------------------------------------------------------ statements

    private void VisitStmts(IReadOnlyList<Stmt> body) { foreach (var s in body) VisitStmt(s); }

    private void VisitStmt(Stmt s)
    {
        switch (s)
        {
            case FunctionDef fd:
                if (fd.IsAsync) throw Error("async def is not supported by ToyPy", fd);
                AddDef(fd.Name, SymbolFlags.DefLocal, fd);
                VisitDefaults(fd.Args);
                VisitExprs(fd.DecoratorList);
                EnterBlock(fd.Name, BlockType.Function, fd, fd.Line);
                VisitParams(fd.Args);
                VisitStmts(fd.Body);
                ExitBlock();
                break;
            case ClassDef cd:
            {
                AddDef(cd.Name, SymbolFlags.DefLocal, cd);
                VisitExprs(cd.Bases);
                foreach (var k in cd.Keywords) VisitExpr(k.Value);
                VisitExprs(cd.DecoratorList);
                EnterBlock(cd.Name, BlockType.Class, cd, cd.Line);
                var saved = _private;
                _private = cd.Name;
                VisitStmts(cd.Body);
                _private = saved;
                ExitBlock();
                break;
            }
            case Return r:
                if (r.Value is not null) VisitExpr(r.Value);
                break;
            case Delete d:
                VisitExprs(d.Targets);
                break;
            case Assign a:
                VisitExprs(a.Targets);
                VisitExpr(a.Value);
                break;
            case AnnAssign aa:
                if (aa.Target is Name tn)
                {
                    var cur = _cur.GetFlags(Mangle(_private, tn.Id));
                    if ((cur & (SymbolFlags.DefGlobal | SymbolFlags.DefNonlocal)) != 0 && _cur != Top && aa.Simple)
                        throw Error((cur & SymbolFlags.DefGlobal) != 0
                            ? $"annotated name '{tn.Id}' can't be global"
                            : $"annotated name '{tn.Id}' can't be nonlocal", aa);
                    if (aa.Simple) AddDef(tn.Id, SymbolFlags.DefAnnot | SymbolFlags.DefLocal, tn);
                    else if (aa.Value is not null) AddDef(tn.Id, SymbolFlags.DefLocal, tn);
                }
                else VisitExpr(aa.Target);
                if (aa.Value is not null) VisitExpr(aa.Value);
                break;
            case AugAssign ag:
                VisitExpr(ag.Target);
                VisitExpr(ag.Value);
                break;
            case For f:
                if (f.IsAsync) throw Error("async for is not supported by ToyPy", f);
                VisitExpr(f.Target);
                VisitExpr(f.Iter);
                VisitStmts(f.Body);
                VisitStmts(f.OrElse);
                break;
            case While w:
                VisitExpr(w.Test);
                VisitStmts(w.Body);
                VisitStmts(w.OrElse);
                break;
            case If i:
                VisitExpr(i.Test);
                VisitStmts(i.Body);
                VisitStmts(i.OrElse);
                break;
            case Raise rs:
                if (rs.Exc is not null)
                {
                    VisitExpr(rs.Exc);
                    if (rs.Cause is not null) VisitExpr(rs.Cause);
                }
                break;
            case Try t:
                VisitStmts(t.Body);
                VisitStmts(t.OrElse);
                foreach (var h in t.Handlers)
                {
                    if (h.Type is not null) VisitExpr(h.Type);
                    if (h.Name is not null) AddDef(h.Name, SymbolFlags.DefLocal, h);
                    VisitStmts(h.Body);
                }
                VisitStmts(t.FinalBody);
                break;
            case Assert asr:
                VisitExpr(asr.Test);
                if (asr.Msg is not null) VisitExpr(asr.Msg);
                break;
            case Import imp:
                foreach (var al in imp.Names) VisitAlias(al, s);
                break;
            case ImportFrom imf:
                foreach (var al in imf.Names) VisitAlias(al, s);
                break;
            case Global g:
                foreach (var name in g.Names)
                {
                    var cur = _cur.GetFlags(Mangle(_private, name));
                    if ((cur & (SymbolFlags.DefParam | SymbolFlags.DefLocal | SymbolFlags.Use | SymbolFlags.DefAnnot)) != 0)
                    {
                        string msg;
                        if ((cur & SymbolFlags.DefParam) != 0) msg = $"name '{name}' is parameter and global";
                        else if ((cur & SymbolFlags.Use) != 0) msg = $"name '{name}' is used prior to global declaration";
                        else if ((cur & SymbolFlags.DefAnnot) != 0) msg = $"annotated name '{name}' can't be global";
                        else msg = $"name '{name}' is assigned to before global declaration";
                        throw Error(msg, g);
                    }
                    AddDef(name, SymbolFlags.DefGlobal, g);
                    RecordDirective(name, g);
                }
                break;
            case Nonlocal nl:
                foreach (var name in nl.Names)
                {
                    var cur = _cur.GetFlags(Mangle(_private, name));
                    if ((cur & (SymbolFlags.DefParam | SymbolFlags.DefLocal | SymbolFlags.Use | SymbolFlags.DefAnnot)) != 0)
                    {
                        string msg;
                        if ((cur & SymbolFlags.DefParam) != 0) msg = $"name '{name}' is parameter and nonlocal";
                        else if ((cur & SymbolFlags.Use) != 0) msg = $"name '{name}' is used prior to nonlocal declaration";
                        else if ((cur & SymbolFlags.DefAnnot) != 0) msg = $"annotated name '{name}' can't be nonlocal";
                        else msg = $"name '{name}' is assigned to before nonlocal declaration";
                        throw Error(msg, nl);
                    }
                    AddDef(name, SymbolFlags.DefNonlocal, nl);
                    RecordDirective(name, nl);
                }
                break;
            case ExprStmt es:
                VisitExpr(es.Value);
                break;
            case With w:
                if (w.IsAsync) throw Error("async with is not supported by ToyPy", w);
                foreach (var item in w.Items)
                {
                    VisitExpr(item.ContextExpr);
                    if (item.OptionalVars is not null) VisitExpr(item.OptionalVars);
                }
                VisitStmts(w.Body);
                break;
            case Pass or Break or Continue:
                break;
            default:
                throw Error($"{s.GetType().Name} is not supported by ToyPy", s);
        }
    }

    private void VisitAlias(Alias a, Stmt stmt)
    {
        var storeName = a.AsName ?? a.Name;
        var dot = storeName.IndexOf('.');
        if (a.AsName is null && dot >= 0) storeName = storeName[..dot];
        if (storeName == "*")
        {
            if (_cur.Type != BlockType.Module)
                throw Error("import * only allowed at module level", a);
            return;
        }
        AddDef(storeName, SymbolFlags.DefImport, a);
    }

    private void VisitDefaults(Arguments args)
    {
        VisitExprs(args.Defaults);
        foreach (var d in args.KwDefaults) if (d is not null) VisitExpr(d);
    }

    private void VisitParams(Arguments args)
    {
        foreach (var a in args.PosOnlyArgs) AddDef(a.Name, SymbolFlags.DefParam, a);
        foreach (var a in args.Args) AddDef(a.Name, SymbolFlags.DefParam, a);
        foreach (var a in args.KwOnlyArgs) AddDef(a.Name, SymbolFlags.DefParam, a);
        if (args.VarArg is not null) { AddDef(args.VarArg.Name, SymbolFlags.DefParam, args.VarArg); _cur.VarArgs = true; }
        if (args.KwArg is not null) { AddDef(args.KwArg.Name, SymbolFlags.DefParam, args.KwArg); _cur.VarKeywords = true; }
    }

    // ------------------------------------------------------------------ expressions

    private void VisitExprs(IEnumerable<Expr> exprs) { foreach (var e in exprs) VisitExpr(e); }

    private void VisitExpr(Expr e)
    {
        switch (e)
        {
            case NamedExpr ne:
                if (_cur.CompIterExpr > 0)
                    throw Error("assignment expression cannot be used in a comprehension iterable expression", ne);
                if (_cur.IsComprehension) ExtendNamedExprScope(ne.Target);
                VisitExpr(ne.Value);
                VisitExpr(ne.Target);
                break;
            case BoolOp b: VisitExprs(b.Values); break;
            case BinOp b: VisitExpr(b.Left); VisitExpr(b.Right); break;
            case UnaryOp u: VisitExpr(u.Operand); break;
            case Lambda l:
                VisitDefaults(l.Args);
                EnterBlock("lambda", BlockType.Function, l, l.Line);
                VisitParams(l.Args);
                VisitExpr(l.Body);
                ExitBlock();
                break;
            case IfExp ie: VisitExpr(ie.Test); VisitExpr(ie.Body); VisitExpr(ie.OrElse); break;
            case DictExpr d:
                foreach (var k in d.Keys) if (k is not null) VisitExpr(k);
                VisitExprs(d.Values);
                break;
            case SetExpr se: VisitExprs(se.Elts); break;
            case GeneratorExp g: HandleComprehension(g, "genexpr", g.Generators, g.Elt, null, true); break;
            case ListComp lc: HandleComprehension(lc, "listcomp", lc.Generators, lc.Elt, null, false); break;
            case SetComp sc: HandleComprehension(sc, "setcomp", sc.Generators, sc.Elt, null, false); break;
            case DictComp dc: HandleComprehension(dc, "dictcomp", dc.Generators, dc.Key, dc.Value, false); break;
            case Yield y:
                if (y.Value is not null) VisitExpr(y.Value);
                _cur.IsGenerator = true;
                if (_cur.IsComprehension) throw ComprehensionYield(y);
                break;
            case YieldFrom yf:
                VisitExpr(yf.Value);
                _cur.IsGenerator = true;
                if (_cur.IsComprehension) throw ComprehensionYield(yf);
                break;
            case Await aw:
                throw Error("await is not supported by ToyPy", aw);
            case Compare c: VisitExpr(c.Left); VisitExprs(c.Comparators); break;
            case Call c:
                VisitExpr(c.Func);
                VisitExprs(c.Args);
                foreach (var k in c.Keywords) VisitExpr(k.Value);
                break;
            case FormattedValue fv:
                VisitExpr(fv.Value);
                if (fv.FormatSpec is not null) VisitExpr(fv.FormatSpec);
                break;
            case JoinedStr js: VisitExprs(js.Values); break;
            case Constant: break;
            case Attribute a: VisitExpr(a.Value); break;
            case Subscript s: VisitExpr(s.Value); VisitExpr(s.Slice); break;
            case Starred st: VisitExpr(st.Value); break;
            case Slice sl:
                if (sl.Lower is not null) VisitExpr(sl.Lower);
                if (sl.Upper is not null) VisitExpr(sl.Upper);
                if (sl.Step is not null) VisitExpr(sl.Step);
                break;
            case Name { Id: "__debug__", Ctx: ExprContext.Load }:
                break; // a constant (True) after CPython's AST optimisation
            case Name n:
                AddDef(n.Id, n.Ctx == ExprContext.Load ? SymbolFlags.Use : SymbolFlags.DefLocal, n);
                // Special-case super: it counts as a use of __class__.
                if (n.Ctx == ExprContext.Load && _cur.Type == BlockType.Function && n.Id == "super")
                    AddDef("__class__", SymbolFlags.Use, n);
                break;
            case ListExpr l: VisitExprs(l.Elts); break;
            case TupleExpr t: VisitExprs(t.Elts); break;
            default:
                throw Error($"{e.GetType().Name} is not supported by ToyPy", e);
        }
    }

    private SyntaxErrorException ComprehensionYield(Expr e)
    {
        var kind = _cur.Node switch
        {
            ListComp => "list comprehension",
            SetComp => "set comprehension",
            DictComp => "dict comprehension",
            _ => "generator expression",
        };
        return Error($"'yield' inside {kind}", e);
    }

    private void ExtendNamedExprScope(Name target)
    {
        var name = target.Id;
        foreach (var ste in _stack) // innermost first
        {
            if (ste.IsComprehension)
            {
                if ((ste.GetFlags(Mangle(_private, name)) & SymbolFlags.DefCompIter) != 0)
                    throw Error($"assignment expression cannot rebind comprehension iteration variable '{name}'", target);
                continue;
            }
            if (ste.Type == BlockType.Function)
            {
                if ((ste.GetFlags(Mangle(_private, name)) & SymbolFlags.DefGlobal) != 0)
                    AddDef(name, SymbolFlags.DefGlobal, target);
                else
                    AddDef(name, SymbolFlags.DefNonlocal, target);
                RecordDirective(name, target);
                AddDef(name, SymbolFlags.DefLocal, ste, target);
                return;
            }
            if (ste.Type == BlockType.Module)
            {
                AddDef(name, SymbolFlags.DefGlobal, target);
                RecordDirective(name, target);
                AddDef(name, SymbolFlags.DefGlobal, ste, target);
                return;
            }
            throw Error("assignment expression within a comprehension cannot be used in a class body", target);
        }
    }

    private void HandleComprehension(Expr e, string scopeName, IReadOnlyList<Comprehension> generators,
                                     Expr elt, Expr? value, bool isGenerator)
    {
        var outermost = generators[0];
        if (generators.Any(g => g.IsAsync))
            throw Error("asynchronous comprehension is not supported by ToyPy", e);
        _cur.CompIterExpr++;
        VisitExpr(outermost.Iter);
        _cur.CompIterExpr--;
        EnterBlock(scopeName, BlockType.Function, e, e.Line);
        _cur.IsComprehension = true;
        AddDef(".0", SymbolFlags.DefParam, e);
        _cur.CompIterTarget = true;
        VisitExpr(outermost.Target);
        _cur.CompIterTarget = false;
        VisitExprs(outermost.Ifs);
        for (int i = 1; i < generators.Count; i++)
        {
            var g = generators[i];
            _cur.CompIterTarget = true;
            VisitExpr(g.Target);
            _cur.CompIterTarget = false;
            _cur.CompIterExpr++;
            VisitExpr(g.Iter);
            _cur.CompIterExpr--;
            VisitExprs(g.Ifs);
        }
        if (value is not null) VisitExpr(value);
        VisitExpr(elt);
        if (isGenerator) _cur.IsGenerator = true;
        ExitBlock();
    }

    // ------------------------------------------------------------------ analysis

    private void Analyze()
    {
        var free = new HashSet<string>();
        var global = new HashSet<string>();
        AnalyzeBlock(Top, null, free, global);
    }

    private void AnalyzeBlock(SymbolTableEntry ste, HashSet<string>? bound, HashSet<string> free, HashSet<string> global)
    {
        var local = new HashSet<string>();
        var scopes = new Dictionary<string, Scope>();
        var newGlobal = new HashSet<string>();
        var newFree = new HashSet<string>();
        var newBound = new HashSet<string>();

        if (ste.Type == BlockType.Class)
        {
            newGlobal.UnionWith(global);
            if (bound is not null) newBound.UnionWith(bound);
        }

        foreach (var (name, flags) in ste.Symbols)
            AnalyzeName(ste, scopes, name, flags, bound, local, free, global);

        if (ste.Type != BlockType.Class)
        {
            if (ste.Type == BlockType.Function) newBound.UnionWith(local);
            if (bound is not null) newBound.UnionWith(bound);
            newGlobal.UnionWith(global);
        }
        else
        {
            newBound.Add("__class__");
        }

        var allFree = new HashSet<string>();
        foreach (var child in ste.Children)
        {
            var childFree = new HashSet<string>();
            AnalyzeBlock(child, new HashSet<string>(newBound), childFree, new HashSet<string>(newGlobal));
            allFree.UnionWith(childFree);
            if (child.HasFree || child.ChildFree) ste.ChildFree = true;
        }
        newFree.UnionWith(allFree);

        if (ste.Type == BlockType.Function) AnalyzeCells(scopes, newFree);
        else if (ste.Type == BlockType.Class)
        {
            if (newFree.Remove("__class__")) ste.NeedsClassClosure = true;
        }

        UpdateSymbols(ste, scopes, bound, newFree, ste.Type == BlockType.Class);
        free.UnionWith(newFree);
    }

    private void AnalyzeName(SymbolTableEntry ste, Dictionary<string, Scope> scopes, string name, SymbolFlags flags,
                             HashSet<string>? bound, HashSet<string> local, HashSet<string> free, HashSet<string> global)
    {
        if ((flags & SymbolFlags.DefGlobal) != 0)
        {
            if ((flags & SymbolFlags.DefNonlocal) != 0)
                throw DirectiveError(ste, name, $"name '{name}' is nonlocal and global");
            scopes[name] = Scope.GlobalExplicit;
            global.Add(name);
            bound?.Remove(name);
            return;
        }
        if ((flags & SymbolFlags.DefNonlocal) != 0)
        {
            if (bound is null)
                throw DirectiveError(ste, name, "nonlocal declaration not allowed at module level");
            if (!bound.Contains(name))
                throw DirectiveError(ste, name, $"no binding for nonlocal '{name}' found");
            scopes[name] = Scope.Free;
            ste.HasFree = true;
            free.Add(name);
            return;
        }
        if ((flags & SymbolFlags.DefBound) != 0)
        {
            scopes[name] = Scope.Local;
            local.Add(name);
            global.Remove(name);
            return;
        }
        if (bound is not null && bound.Contains(name))
        {
            scopes[name] = Scope.Free;
            ste.HasFree = true;
            free.Add(name);
            return;
        }
        if (global.Contains(name))
        {
            scopes[name] = Scope.GlobalImplicit;
            return;
        }
        if (ste.Nested) ste.HasFree = true;
        scopes[name] = Scope.GlobalImplicit;
    }

    private SyntaxErrorException DirectiveError(SymbolTableEntry ste, string name, string msg)
    {
        if (ste.Directives.TryGetValue(name, out var loc)) return Error(msg, loc.Line, loc.Col, loc.EndLine, loc.EndCol);
        return Error(msg, ste.Line, 0);
    }

    private static void AnalyzeCells(Dictionary<string, Scope> scopes, HashSet<string> free)
    {
        foreach (var name in scopes.Keys.ToList())
        {
            if (scopes[name] != Scope.Local) continue;
            if (!free.Contains(name)) continue;
            scopes[name] = Scope.Cell;
            free.Remove(name);
        }
    }

    private static void UpdateSymbols(SymbolTableEntry ste, Dictionary<string, Scope> scopes, HashSet<string>? bound,
                                      HashSet<string> free, bool classFlag)
    {
        foreach (var (name, scope) in scopes) ste.Scopes[name] = scope;
        foreach (var name in free)
        {
            if (ste.Symbols.TryGetValue(name, out var flags))
            {
                if (classFlag && (flags & (SymbolFlags.DefBound | SymbolFlags.DefGlobal)) != 0)
                    ste.Symbols[name] = flags | SymbolFlags.DefFreeClass;
                continue;
            }
            if (bound is not null && !bound.Contains(name)) continue;
            ste.Symbols[name] = SymbolFlags.DefFree;
            ste.Scopes[name] = Scope.Free;
        }
    }
}
