using ToyPy.Bytecode;
using ToyPy.Compiling;
using ToyPy.Objects;
using ToyPy.Parsing;
using Xunit;

namespace ToyPy.Tests;

public class CompilerTests
{
    private const string File = "t.tpy";

    private static CodeObject Compile(string src) =>
        Compiler.CompileModule(PythonParser.ParseModule(src, File), File, src);

    private static SymbolTable Symbols(string src) =>
        SymbolTable.Build(PythonParser.ParseModule(src, File), File, src);

    private static IEnumerable<CodeObject> AllCode(CodeObject co)
    {
        yield return co;
        foreach (var c in co.Consts)
            if (c is CodeObject nested)
                foreach (var x in AllCode(nested)) yield return x;
    }

    private static CodeObject Code(CodeObject module, string qualName) =>
        AllCode(module).Single(c => c.QualName == qualName);

    private static List<(OpCode Op, int Arg)> Ops(CodeObject co) =>
        co.Instructions.Select(i => (CodeObject.OpOf(i), CodeObject.ArgOf(i))).ToList();

    private static string Src(params string[] lines) => string.Join("\n", lines) + "\n";

    private static int Slot(CodeObject co, string name) => Array.IndexOf(co.LocalsPlusNames, name);

    // ------------------------------------------------------------------ symbol table

    [Fact]
    public void ModuleNamesAreLocalOrImplicitGlobal()
    {
        var st = Symbols(Src("x = 1", "print(x, y)"));
        Assert.Equal(Scope.Local, st.Top.GetScope("x"));
        Assert.Equal(Scope.GlobalImplicit, st.Top.GetScope("y"));
        Assert.Equal(Scope.GlobalImplicit, st.Top.GetScope("print"));
    }

    [Fact]
    public void ClosureThroughSeveralLevels()
    {
        var st = Symbols(Src(
            "def a():",
            "    x = 1",
            "    def b():",
            "        def c():",
            "            return x",
            "        return c",
            "    return b"));
        Assert.Equal(Scope.Cell, st.Find("a")!.GetScope("x"));
        Assert.Equal(Scope.Free, st.Find("b")!.GetScope("x"));
        Assert.Equal(Scope.Free, st.Find("c")!.GetScope("x"));

        var co = Compile(Src(
            "def a():",
            "    x = 1",
            "    def b():",
            "        def c():",
            "            return x",
            "        return c",
            "    return b"));
        var a = Code(co, "a");
        var b = Code(co, "a.<locals>.b");
        var c = Code(co, "a.<locals>.b.<locals>.c");
        Assert.Equal(LocalKind.Cell, a.LocalsPlusKinds[Slot(a, "x")]);
        Assert.Equal(OpCode.MakeCell, Ops(a)[0].Op);
        Assert.Equal(LocalKind.Free, b.LocalsPlusKinds[Slot(b, "x")]);
        Assert.Equal((OpCode.CopyFreeVars, 1), Ops(b)[0]);
        Assert.Contains((OpCode.LoadClosure, Slot(b, "x")), Ops(b));
        Assert.Contains((OpCode.LoadDeref, Slot(c, "x")), Ops(c));
        Assert.Equal(CodeFlags.Optimized | CodeFlags.NewLocals | CodeFlags.Nested, c.Flags);
        Assert.Equal(CodeFlags.Optimized | CodeFlags.NewLocals | CodeFlags.NoFree, Code(Compile("def f(): pass\n"), "f").Flags);
    }

    [Fact]
    public void GlobalAndNonlocalDeclarations()
    {
        var src = Src(
            "def f():",
            "    global g",
            "    g = 1",
            "    n = 0",
            "    def inner():",
            "        nonlocal n",
            "        n += 1",
            "    return inner");
        var st = Symbols(src);
        Assert.Equal(Scope.GlobalExplicit, st.Find("f")!.GetScope("g"));
        Assert.Equal(Scope.GlobalExplicit, st.Top.GetScope("g"));
        Assert.Equal(Scope.Cell, st.Find("f")!.GetScope("n"));
        Assert.Equal(Scope.Free, st.Find("inner")!.GetScope("n"));

        var f = Code(Compile(src), "f");
        Assert.Contains(Ops(f), o => o.Op == OpCode.StoreGlobal && f.Names[o.Arg].Value == "g");
        var inner = Code(Compile(src), "f.<locals>.inner");
        Assert.Contains((OpCode.StoreDeref, Slot(inner, "n")), Ops(inner));
    }

    [Fact]
    public void ClassScopesAreNotVisibleFromMethods()
    {
        var src = Src(
            "def outer():",
            "    y = 1",
            "    class C:",
            "        x = 1",
            "        y = 2",
            "        def m(self):",
            "            return x, y",
            "        z = y",
            "    return C");
        var st = Symbols(src);
        var c = st.Find("C")!;
        Assert.Equal(Scope.Local, c.GetScope("x"));
        Assert.Equal(Scope.GlobalImplicit, st.Find("m")!.GetScope("x"));
        Assert.Equal(Scope.Free, st.Find("m")!.GetScope("y"));
        Assert.True((c.GetFlags("y") & SymbolFlags.DefFreeClass) != 0);

        var co = Compile(src);
        var body = Code(co, "outer.<locals>.C");
        Assert.Contains("y", body.LocalsPlusNames);
        Assert.Contains(Ops(body), o => o.Op == OpCode.StoreName && body.Names[o.Arg].Value == "x");
        Assert.Contains(Ops(body), o => o.Op == OpCode.LoadName && body.Names[o.Arg].Value == "y");
        Assert.Contains(Ops(body), o => o.Op == OpCode.LoadClosure && body.LocalsPlusNames[o.Arg] == "y");
        var m = Code(co, "outer.<locals>.C.m");
        Assert.Contains(Ops(m), o => o.Op == OpCode.LoadGlobal && m.Names[o.Arg >> 1].Value == "x");
    }

    [Fact]
    public void FreeVariableReadInClassBodyUsesLoadClassDeref()
    {
        var co = Compile(Src("def f():", "    v = 1", "    class C:", "        w = v", "    return C"));
        var body = Code(co, "f.<locals>.C");
        Assert.Contains(Ops(body), o => o.Op == OpCode.LoadClassDeref && body.LocalsPlusNames[o.Arg] == "v");
    }

    [Fact]
    public void SuperCreatesClassCell()
    {
        var src = Src(
            "class C(B):",
            "    def m(self):",
            "        return super().m()");
        var st = Symbols(src);
        Assert.True(st.Find("C")!.NeedsClassClosure);
        Assert.Equal(Scope.Free, st.Find("m")!.GetScope("__class__"));

        var co = Compile(src);
        var body = Code(co, "C");
        Assert.Equal(new[] { "__class__" }, body.LocalsPlusNames);
        Assert.Equal(LocalKind.Cell, body.LocalsPlusKinds[0]);
        var ops = Ops(body);
        Assert.Equal(OpCode.MakeCell, ops[0].Op);
        // return the cell: LOAD_CLOSURE __class__; COPY 1; STORE_NAME __classcell__; RETURN_VALUE
        Assert.Equal(OpCode.ReturnValue, ops[^1].Op);
        Assert.Equal(OpCode.StoreName, ops[^2].Op);
        Assert.Equal("__classcell__", body.Names[ops[^2].Arg].Value);
        Assert.Equal((OpCode.Copy, 1), ops[^3]);
        Assert.Equal((OpCode.LoadClosure, 0), ops[^4]);
        var m = Code(co, "C.m");
        Assert.Equal(new[] { "self", "__class__" }, m.LocalsPlusNames);
        Assert.Equal(LocalKind.Free, m.LocalsPlusKinds[1]);
    }

    [Fact]
    public void ClassWithoutSuperReturnsNone()
    {
        var body = Code(Compile(Src("class C:", "    def m(self): return 1")), "C");
        Assert.Empty(body.LocalsPlusNames);
        var ops = Ops(body);
        Assert.Equal(OpCode.LoadConst, ops[^2].Op);
        Assert.IsType<PyNone>(body.Consts[ops[^2].Arg]);
        Assert.Equal(new[] { "__name__", "__module__", "__qualname__", "m" }, body.Names.Select(n => n.Value));
    }

    [Fact]
    public void ComprehensionScopes()
    {
        var src = Src(
            "def f(xs):",
            "    total = 0",
            "    ys = [x + total for x in xs if (last := x)]",
            "    return last");
        var st = Symbols(src);
        var comp = st.Find("listcomp")!;
        Assert.Equal(Scope.Local, comp.GetScope("x"));
        Assert.Equal(Scope.Free, comp.GetScope("total"));
        Assert.Equal(Scope.Free, comp.GetScope("last"));
        Assert.Equal(Scope.Unknown, st.Find("f")!.GetScope("x"));
        Assert.Equal(Scope.Cell, st.Find("f")!.GetScope("last"));
        Assert.Equal(new[] { ".0" }, comp.VarNames);

        var co = Compile(src);
        var lc = Code(co, "f.<locals>.<listcomp>");
        Assert.Equal(1, lc.ArgCount);
        Assert.Equal(".0", lc.LocalsPlusNames[0]);
        var f = Code(co, "f");
        var ops = Ops(f);
        // outermost iterable evaluated in f, then GET_ITER and CALL 0 (the function is below the iterator)
        int get = ops.FindIndex(o => o.Op == OpCode.GetIter);
        Assert.Equal(OpCode.LoadFast, ops[get - 1].Op);
        Assert.Equal((OpCode.Call, 0), ops[get + 1]);
        Assert.Equal(OpCode.MakeFunction, ops[get - 2].Op);
    }

    [Fact]
    public void WalrusInModuleComprehensionIsGlobal()
    {
        var st = Symbols("r = [(last := x) for x in range(3)]\n");
        Assert.Equal(Scope.GlobalExplicit, st.Find("listcomp")!.GetScope("last"));
        Assert.Equal(Scope.GlobalExplicit, st.Top.GetScope("last"));
    }

    [Fact]
    public void PrivateNamesAreMangled()
    {
        var co = Compile(Src("class C:", "    __x = 1", "    def m(self):", "        return self.__y, __z, __dunder__"));
        var body = Code(co, "C");
        Assert.Contains("_C__x", body.Names.Select(n => n.Value));
        var m = Code(co, "C.m");
        Assert.Contains("_C__y", m.Names.Select(n => n.Value));
        Assert.Contains("_C__z", m.Names.Select(n => n.Value));
        Assert.Contains("__dunder__", m.Names.Select(n => n.Value));
    }

    // ------------------------------------------------------------------ errors

    [Theory]
    [InlineData("x = 1\nreturn x\n", "'return' outside function", 2, 0)]
    [InlineData("class C:\n    return 1\n", "'return' outside function", 2, 4)]
    [InlineData("while 1:\n    pass\nbreak\n", "'break' outside loop", 3, 0)]
    [InlineData("for x in y:\n    def f():\n        continue\n", "'continue' not properly in loop", 3, 8)]
    [InlineData("yield 1\n", "'yield' outside function", 1, 0)]
    [InlineData("class C:\n    yield 1\n", "'yield' outside function", 2, 4)]
    [InlineData("def f():\n    x = 1\n    global x\n", "name 'x' is assigned to before global declaration", 3, 4)]
    [InlineData("def f():\n    print(x)\n    global x\n", "name 'x' is used prior to global declaration", 3, 4)]
    [InlineData("def f(a):\n    global a\n", "name 'a' is parameter and global", 2, 4)]
    [InlineData("def f():\n    def g():\n        nonlocal x\n", "no binding for nonlocal 'x' found", 3, 8)]
    [InlineData("nonlocal x\n", "nonlocal declaration not allowed at module level", 1, 0)]
    [InlineData("def f():\n    global x\n    nonlocal x\n", "name 'x' is nonlocal and global", 2, 4)]
    [InlineData("def f(a, a): pass\n", "duplicate argument 'a' in function definition", 1, 9)]
    [InlineData("f(a=1, a=2)\n", "keyword argument repeated: a", 1, 7)]
    [InlineData("o.m(a=1, a=2)\n", "keyword argument repeated: a", 1, 9)]
    [InlineData("def f():\n    [(yield) for x in y]\n", "'yield' inside list comprehension", 2, 6)]
    [InlineData("[(i := 1) for i in x]\n", "assignment expression cannot rebind comprehension iteration variable 'i'", 1, 2)]
    [InlineData("class C:\n    [(y := 1) for i in x]\n", "assignment expression within a comprehension cannot be used in a class body", 2, 6)]
    [InlineData("try:\n    pass\nexcept:\n    pass\nexcept E:\n    pass\n", "default 'except:' must be last", 3, 0)]
    [InlineData("def f():\n    from m import *\n", "import * only allowed at module level", 2, 18)]
    [InlineData("__debug__ = 1\n", "cannot assign to __debug__", 1, 0)]
    public void CompileErrorsMatchCPython(string src, string message, int line, int column)
    {
        var ex = Assert.Throws<SyntaxErrorException>(() => Compile(src));
        Assert.Equal(message, ex.Msg);
        Assert.Equal(line, ex.Line);
        Assert.Equal(column, ex.Column);
        Assert.Equal(File, ex.Filename);
        Assert.Equal("SyntaxError", ex.Kind);
    }

    [Theory]
    [InlineData("a, *b, *c = d\n", "multiple starred expressions in assignment")]
    [InlineData("*a = b\n", "starred assignment target must be in a list or tuple")]
    [InlineData("f(a=1, b)\n", "positional argument follows keyword argument")]
    [InlineData("f(**k, b)\n", "positional argument follows keyword argument unpacking")]
    [InlineData("f(**k, *b)\n", "iterable argument unpacking follows keyword argument unpacking")]
    public void StarAndArgumentOrderErrors(string src, string message)
    {
        // Reported by the parser or by the compiler, with CPython's message either way.
        var ex = Assert.Throws<SyntaxErrorException>(() => Compile(src));
        Assert.Equal(message, ex.Msg);
        Assert.Equal(1, ex.Line);
    }

    [Theory]
    [InlineData("async def f(): pass\n", "async def")]
    [InlineData("def f():\n    await x\n", "await")]
    public void UnsupportedConstructsNameTheConstruct(string src, string construct)
    {
        var ex = Assert.Throws<SyntaxErrorException>(() => Compile(src));
        Assert.Contains(construct, ex.Msg);
        Assert.Contains("not supported by ToyPy", ex.Msg);
    }

    // ------------------------------------------------------------------ code objects

    [Fact]
    public void ArgumentCountsFlagsAndLocalsPlusLayout()
    {
        var f = Code(Compile("def f(a, b, /, c, *args, d, e=1, **kw):\n    x = a\n    return x\n"), "f");
        Assert.Equal(3, f.ArgCount);
        Assert.Equal(2, f.PosOnlyArgCount);
        Assert.Equal(2, f.KwOnlyArgCount);
        Assert.Equal(CodeFlags.Optimized | CodeFlags.NewLocals | CodeFlags.VarArgs | CodeFlags.VarKeywords | CodeFlags.NoFree, f.Flags);
        Assert.Equal(new[] { "a", "b", "c", "d", "e", "args", "kw", "x" }, f.LocalsPlusNames);
        Assert.All(f.LocalsPlusKinds, k => Assert.Equal(LocalKind.Local, k));
        Assert.Equal(1, f.FirstLineNo);
        Assert.Equal("f", f.Name);
        Assert.Equal(File, f.Filename);
    }

    [Fact]
    public void ArgumentCapturedByClosureIsLocalAndCell()
    {
        var co = Compile("def f(a, b):\n    c = 1\n    return lambda: a + c\n");
        var f = Code(co, "f");
        Assert.Equal(new[] { "a", "b", "c" }, f.LocalsPlusNames);
        Assert.Equal(LocalKind.Local | LocalKind.Cell, f.LocalsPlusKinds[0]);
        Assert.Equal(LocalKind.Local, f.LocalsPlusKinds[1]);
        Assert.Equal(LocalKind.Cell, f.LocalsPlusKinds[2]);
        var ops = Ops(f);
        Assert.Equal((OpCode.MakeCell, 0), ops[0]);
        Assert.Equal((OpCode.MakeCell, 2), ops[1]);
        Assert.Equal((OpCode.Resume, 0), ops[2]);
        var lam = Code(co, "f.<locals>.<lambda>");
        Assert.Equal(new[] { "a", "c" }, lam.LocalsPlusNames);
        Assert.All(lam.LocalsPlusKinds, k => Assert.Equal(LocalKind.Free, k));
        Assert.Contains((OpCode.MakeFunction, 8), Ops(f));
    }

    [Fact]
    public void QualifiedNames()
    {
        var co = Compile(Src(
            "def f():",
            "    def g(): pass",
            "    return [lambda: 0 for _ in ()], (y for y in ())",
            "class C:",
            "    def m(self): pass",
            "    class D:",
            "        def n(self): pass",
            "def h():",
            "    global G",
            "    def G(): pass"));
        var names = AllCode(co).Select(c => c.QualName).ToHashSet();
        Assert.Contains("<module>", names);
        Assert.Contains("f.<locals>.g", names);
        Assert.Contains("f.<locals>.<listcomp>", names);
        Assert.Contains("f.<locals>.<listcomp>.<lambda>", names);
        Assert.Contains("f.<locals>.<genexpr>", names);
        Assert.Contains("C.m", names);
        Assert.Contains("C.D.n", names);
        Assert.Contains("G", names);
    }

    [Fact]
    public void GeneratorsAreFlagged()
    {
        var co = Compile("def g():\n    yield 1\ndef h():\n    return (x for x in ())\n");
        Assert.True(Code(co, "g").Flags.HasFlag(CodeFlags.Generator));
        Assert.False(Code(co, "h").Flags.HasFlag(CodeFlags.Generator));
        Assert.True(Code(co, "h.<locals>.<genexpr>").Flags.HasFlag(CodeFlags.Generator));
        Assert.Equal(CodeFlags.None, co.Flags & ~CodeFlags.NoFree);
    }

    [Fact]
    public void DocStrings()
    {
        var co = Compile("\"module doc\"\ndef f():\n    \"fdoc\"\n    return 1\ndef g():\n    return 2\n");
        Assert.Equal("fdoc", ((PyStr)Code(co, "f").Consts[0]).Value);
        Assert.IsType<PyNone>(Code(co, "g").Consts[0]);
        var ops = Ops(co);
        Assert.Equal(OpCode.LoadConst, ops[1].Op);
        Assert.Equal("module doc", ((PyStr)co.Consts[ops[1].Arg]).Value);
        Assert.Equal((OpCode.StoreName, 0), ops[2]);
        Assert.Equal("__doc__", co.Names[0].Value);
    }

    [Fact]
    public void ConstantsAreDeduplicatedByTypeAndValue()
    {
        var co = Compile("a = 1\nb = 1.0\nc = True\nd = 1\ne = 0.0\nf = -0.0\ng = 'x'\nh = 'x'\n");
        var kinds = co.Consts.Select(c => c.GetType().Name + ":" + c.Repr().Value).ToList();
        Assert.Equal(kinds.Distinct().Count(), kinds.Count);
        Assert.Single(co.Consts, c => c.GetType() == typeof(PyInt));
        Assert.Single(co.Consts, c => c is PyBool);
        Assert.Equal(3, co.Consts.OfType<PyFloat>().Count());
        Assert.Single(co.Consts.OfType<PyStr>());
    }

    [Fact]
    public void ConstantTuplesAndUnaryMinusAreFolded()
    {
        var co = Compile("t = (1, -2, ('a', None))\n");
        var ops = Ops(co);
        Assert.Equal(OpCode.LoadConst, ops[1].Op);
        Assert.Equal("(1, -2, ('a', None))", co.Consts[ops[1].Arg].Repr().Value);
        Assert.Equal(new[] { OpCode.Resume, OpCode.LoadConst, OpCode.StoreName, OpCode.LoadConst, OpCode.ReturnValue }, ops.Select(o => o.Op));
    }

    [Fact]
    public void KeywordCallsUseKwNamesTuple()
    {
        var co = Compile("f(1, x=2, y=3)\n");
        var ops = Ops(co);
        var kw = ops.Single(o => o.Op == OpCode.KwNames);
        Assert.Equal("('x', 'y')", co.Consts[kw.Arg].Repr().Value);
        Assert.Equal((OpCode.Call, 3), ops[ops.IndexOf(kw) + 1]);
        Assert.Equal(OpCode.PushNull, ops[1].Op);
    }

    [Fact]
    public void StarredCallsUseCallFunctionEx()
    {
        var co = Compile("f(*a, **k)\n");
        var ops = Ops(co).Select(o => o.Op).ToList();
        Assert.Equal(new[]
        {
            // As CPython 3.11: a lone *a is passed as it is; CALL_FUNCTION_EX makes the tuple.
            OpCode.Resume, OpCode.PushNull, OpCode.LoadName, OpCode.LoadName, OpCode.BuildMap, OpCode.LoadName,
            OpCode.DictMerge, OpCode.CallFunctionEx, OpCode.PopTop, OpCode.LoadConst, OpCode.ReturnValue,
        }, ops);
        Assert.Equal(1, CodeObject.ArgOf(co.Instructions[7]));
    }

    [Fact]
    public void GlobalCallsFoldPushNullIntoLoadGlobal()
    {
        var f = Code(Compile("def f():\n    return len(x)\n"), "f");
        var ops = Ops(f);
        Assert.Equal(OpCode.LoadGlobal, ops[1].Op);
        Assert.Equal(1, ops[1].Arg & 1);
        Assert.Equal("len", f.Names[ops[1].Arg >> 1].Value);
        Assert.Equal(0, ops[2].Arg & 1);
    }

    [Fact]
    public void StackSizeIsExact()
    {
        Assert.Equal(3, Compile("x = (a, b, c)\n").StackSize);
        Assert.Equal(4, Compile("f(a, b)\n").StackSize);
        Assert.Equal(1, Compile("x = 1\n").StackSize);
        var f = Code(Compile("def f():\n    try:\n        g()\n    except E:\n        pass\n"), "f");
        Assert.Equal(4, f.StackSize);
    }

    [Fact]
    public void ExceptionTableForTryExcept()
    {
        var f = Code(Compile("def f():\n    try:\n        g()\n    except E as e:\n        h(e)\n"), "f");
        Assert.NotEmpty(f.ExceptionTable);
        var first = f.ExceptionTable[0];
        Assert.Equal(OpCode.PushExcInfo, CodeObject.OpOf(f.Instructions[first.Target]));
        Assert.Equal(0, first.Depth);
        Assert.False(first.PushLasti);
        Assert.Contains(f.ExceptionTable, e => e.PushLasti && e.Depth == 1);
        foreach (var e in f.ExceptionTable)
        {
            Assert.True(e.Start < e.End);
            Assert.InRange(e.Target, 0, f.Instructions.Length - 1);
        }
        Assert.Contains(Ops(f), o => o.Op == OpCode.CheckExcMatch);
        Assert.Contains(Ops(f), o => o.Op == OpCode.DeleteFast);
    }

    [Fact]
    public void LinesFollowStatementsAndResumeCarriesDefLine()
    {
        var co = Compile("x = 1\n\ndef f(a):\n    b = a\n    return b\n");
        Assert.Equal(0, co.Lines[0]); // RESUME of a module shows line 0, as in 3.11
        Assert.Equal(1, co.Lines[1]);
        var f = Code(co, "f");
        Assert.Equal(3, f.Lines[0]);
        Assert.Equal(new[] { 3, 4, 4, 5, 5 }, f.Lines);
        Assert.Equal(co.Instructions.Length, co.Lines.Length);
    }

    [Fact]
    public void ConditionalJumpsOnlyGoForward()
    {
        var co = Compile(Src(
            "def f(n):",
            "    while n > 0:",
            "        n -= 1",
            "    return [x for x in n if x]"));
        foreach (var code in AllCode(co))
        {
            for (int i = 0; i < code.Instructions.Length; i++)
            {
                var op = CodeObject.OpOf(code.Instructions[i]);
                var info = OpCodeInfo.Of(op);
                if (!info.IsJump) continue;
                int target = CodeObject.ArgOf(code.Instructions[i]);
                if (op == OpCode.JumpBackward) Assert.True(target <= i);
                else Assert.True(target > i, $"{info.Name} at {i} jumps to {target} in {code.QualName}");
            }
        }
    }

    [Fact]
    public void ImportForms()
    {
        var co = Compile("import a.b.c\nimport a.b as d\nfrom .m import x, y as z\nfrom m import *\n");
        var ops = Ops(co).Select(o => o.Op).ToList();
        Assert.Equal(4, ops.Count(o => o == OpCode.ImportName));
        Assert.Equal(3, ops.Count(o => o == OpCode.ImportFrom));
        Assert.Single(ops, OpCode.ImportStar);
        Assert.Contains("a.b.c", co.Names.Select(n => n.Value));
    }

    [Fact]
    public void AstOptimisationsOfCPython311()
    {
        // '%s' % (a,) becomes an f-string; __debug__ is True; constant subscripts fold;
        // a set of constants being tested with 'in' becomes a frozenset constant.
        var co = Compile("x = '<%s|%5r>' % (a, b)\nif __debug__: y = 'abc'[-1]\nz = q in {1, 2, 3}\n");
        var ops = Ops(co).Select(o => o.Op).ToList();
        Assert.DoesNotContain(OpCode.BinaryOp, ops);
        Assert.Equal(2, ops.Count(o => o == OpCode.FormatValue));
        Assert.Contains(OpCode.BuildString, ops);
        Assert.DoesNotContain(OpCode.BinarySubscr, ops);
        Assert.DoesNotContain(OpCode.PopJumpIfFalse, ops);
        Assert.DoesNotContain(co.Names, n => n.Value == "__debug__");
        Assert.Contains(co.Consts, c => c is PyStr { Value: "c" });
        Assert.Contains(co.Consts, c => c is PySet);
        Assert.DoesNotContain(OpCode.BuildSet, ops);
    }
}
