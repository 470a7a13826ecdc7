namespace ToyPy.Parsing.Ast;

/// <summary>One parameter; Annotation is parsed and kept but never evaluated by ToyPy.</summary>
public sealed class Arg : Node
{
    public required string Name { get; init; }
    public Expr? Annotation { get; init; }
}

/// <summary>
/// A parameter list, as ast.arguments: posonly, then args, then *vararg,
/// keyword-only (with KwDefaults aligned, null = required), then **kwarg.
/// Defaults apply to the last len(Defaults) of PosOnlyArgs+Args.
/// </summary>
public sealed class Arguments : Node
{
    public IReadOnlyList<Arg> PosOnlyArgs { get; init; } = Array.Empty<Arg>();
    public IReadOnlyList<Arg> Args { get; init; } = Array.Empty<Arg>();
    public Arg? VarArg { get; init; }
    public IReadOnlyList<Arg> KwOnlyArgs { get; init; } = Array.Empty<Arg>();
    public IReadOnlyList<Expr?> KwDefaults { get; init; } = Array.Empty<Expr?>();
    public Arg? KwArg { get; init; }
    public IReadOnlyList<Expr> Defaults { get; init; } = Array.Empty<Expr>();
}

public sealed class FunctionDef : Stmt
{
    public required string Name { get; init; }
    public required Arguments Args { get; init; }
    public required IReadOnlyList<Stmt> Body { get; init; }
    public IReadOnlyList<Expr> DecoratorList { get; init; } = Array.Empty<Expr>();
    public Expr? Returns { get; init; }
    public bool IsAsync { get; init; }
}

public sealed class ClassDef : Stmt
{
    public required string Name { get; init; }
    public IReadOnlyList<Expr> Bases { get; init; } = Array.Empty<Expr>();
    public IReadOnlyList<Keyword> Keywords { get; init; } = Array.Empty<Keyword>();
    public required IReadOnlyList<Stmt> Body { get; init; }
    public IReadOnlyList<Expr> DecoratorList { get; init; } = Array.Empty<Expr>();
}

public sealed class Return : Stmt { public Expr? Value { get; init; } }

public sealed class Delete : Stmt { public required IReadOnlyList<Expr> Targets { get; init; } }

/// <summary>a = b = value: one Assign with two targets.</summary>
public sealed class Assign : Stmt
{
    public required IReadOnlyList<Expr> Targets { get; init; }
    public required Expr Value { get; init; }
}

public sealed class AugAssign : Stmt
{
    public required Expr Target { get; init; }
    public required BinaryOperator Op { get; init; }
    public required Expr Value { get; init; }
}

/// <summary>x: int = 3 (Value may be null). Simple is true for a bare name target.</summary>
public sealed class AnnAssign : Stmt
{
    public required Expr Target { get; init; }
    public required Expr Annotation { get; init; }
    public Expr? Value { get; init; }
    public bool Simple { get; init; }
}

public sealed class For : Stmt
{
    public required Expr Target { get; init; }
    public required Expr Iter { get; init; }
    public required IReadOnlyList<Stmt> Body { get; init; }
    public IReadOnlyList<Stmt> OrElse { get; init; } = Array.Empty<Stmt>();
    public bool IsAsync { get; init; }
}

public sealed class While : Stmt
{
    public required Expr Test { get; init; }
    public required IReadOnlyList<Stmt> Body { get; init; }
    public IReadOnlyList<Stmt> OrElse { get; init; } = Array.Empty<Stmt>();
}

/// <summary>if/elif/else: an elif is an If alone in OrElse, as in Python's ast.</summary>
public sealed class If : Stmt
{
    public required Expr Test { get; init; }
    public required IReadOnlyList<Stmt> Body { get; init; }
    public IReadOnlyList<Stmt> OrElse { get; init; } = Array.Empty<Stmt>();
}

public sealed class WithItem : Node
{
    public required Expr ContextExpr { get; init; }
    public Expr? OptionalVars { get; init; }
}

public sealed class With : Stmt
{
    public required IReadOnlyList<WithItem> Items { get; init; }
    public required IReadOnlyList<Stmt> Body { get; init; }
    public bool IsAsync { get; init; }
}

public sealed class Raise : Stmt
{
    public Expr? Exc { get; init; }
    public Expr? Cause { get; init; }
}

public sealed class ExceptHandler : Node
{
    public Expr? Type { get; init; }
    public string? Name { get; init; }
    public required IReadOnlyList<Stmt> Body { get; init; }
}

public sealed class Try : Stmt
{
    public required IReadOnlyList<Stmt> Body { get; init; }
    public IReadOnlyList<ExceptHandler> Handlers { get; init; } = Array.Empty<ExceptHandler>();
    public IReadOnlyList<Stmt> OrElse { get; init; } = Array.Empty<Stmt>();
    public IReadOnlyList<Stmt> FinalBody { get; init; } = Array.Empty<Stmt>();
}

public sealed class Assert : Stmt
{
    public required Expr Test { get; init; }
    public Expr? Msg { get; init; }
}

public sealed class Alias : Node
{
    public required string Name { get; init; }     // dotted for 'import a.b'
    public string? AsName { get; init; }
}

public sealed class Import : Stmt { public required IReadOnlyList<Alias> Names { get; init; } }

/// <summary>from Module import names; Level counts leading dots. A single Alias "*" is a star import.</summary>
public sealed class ImportFrom : Stmt
{
    public string? ModuleName { get; init; }
    public required IReadOnlyList<Alias> Names { get; init; }
    public int Level { get; init; }
}

public sealed class Global : Stmt { public required IReadOnlyList<string> Names { get; init; } }

public sealed class Nonlocal : Stmt { public required IReadOnlyList<string> Names { get; init; } }

public sealed class ExprStmt : Stmt { public required Expr Value { get; init; } }

public sealed class Pass : Stmt { }

public sealed class Break : Stmt { }

public sealed class Continue : Stmt { }
