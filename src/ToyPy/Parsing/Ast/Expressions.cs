using System.Numerics;

namespace ToyPy.Parsing.Ast;

/// <summary>A constant: None, True, False, Ellipsis, int, float, str, bytes.</summary>
public enum ConstantKind : byte { None, True, False, Ellipsis, Int, Float, Str, Bytes }

/// <summary>
/// A literal. Int literals that fit a long use IntValue; larger ones BigValue
/// (IsBig = true). Str holds the value for Str; Bytes holds one char per byte.
/// Adjacent string literals are already concatenated by the parser.
/// </summary>
public sealed class Constant : Expr
{
    public required ConstantKind Kind { get; init; }
    public long IntValue { get; init; }
    public BigInteger BigValue { get; init; }
    public bool IsBig { get; init; }
    public double FloatValue { get; init; }
    public string? StrValue { get; init; }
}

public sealed class Name : Expr
{
    public required string Id { get; init; }
    public ExprContext Ctx { get; init; }
}

/// <summary>f-string: a sequence of Constant (Str) and FormattedValue parts.</summary>
public sealed class JoinedStr : Expr
{
    public required IReadOnlyList<Expr> Values { get; init; }
}

/// <summary>
/// One {expr!c:spec} of an f-string. Conversion is -1 (none), 's', 'r' or 'a'.
/// FormatSpec is null or a JoinedStr (specs may nest {…}).
/// </summary>
public sealed class FormattedValue : Expr
{
    public required Expr Value { get; init; }
    public int Conversion { get; init; } = -1;
    public JoinedStr? FormatSpec { get; init; }
}

public sealed class BoolOp : Expr
{
    public required BoolOperator Op { get; init; }
    public required IReadOnlyList<Expr> Values { get; init; }  // two or more
}

public sealed class BinOp : Expr
{
    public required Expr Left { get; init; }
    public required BinaryOperator Op { get; init; }
    public required Expr Right { get; init; }
}

public sealed class UnaryOp : Expr
{
    public required UnaryOperator Op { get; init; }
    public required Expr Operand { get; init; }
}

/// <summary>a &lt; b &lt;= c: Left, then Ops[i] applied with Comparators[i].</summary>
public sealed class Compare : Expr
{
    public required Expr Left { get; init; }
    public required IReadOnlyList<CompareOperator> Ops { get; init; }
    public required IReadOnlyList<Expr> Comparators { get; init; }
}

public sealed class IfExp : Expr
{
    public required Expr Test { get; init; }
    public required Expr Body { get; init; }
    public required Expr OrElse { get; init; }
}

public sealed class Lambda : Expr
{
    public required Arguments Args { get; init; }
    public required Expr Body { get; init; }
}

/// <summary>name := value</summary>
public sealed class NamedExpr : Expr
{
    public required Name Target { get; init; }
    public required Expr Value { get; init; }
}

public sealed class Attribute : Expr
{
    public required Expr Value { get; init; }
    public required string Attr { get; init; }
    public ExprContext Ctx { get; init; }
}

/// <summary>value[slice]; a[1:2, 3] has a Tuple slice holding a Slice.</summary>
public sealed class Subscript : Expr
{
    public required Expr Value { get; init; }
    public required Expr Slice { get; init; }
    public ExprContext Ctx { get; init; }
}

/// <summary>lower:upper:step inside a subscript; any part may be null.</summary>
public sealed class Slice : Expr
{
    public Expr? Lower { get; init; }
    public Expr? Upper { get; init; }
    public Expr? Step { get; init; }
}

/// <summary>*value, in a call, a display or an assignment target.</summary>
public sealed class Starred : Expr
{
    public required Expr Value { get; init; }
    public ExprContext Ctx { get; init; }
}

public sealed class Call : Expr
{
    public required Expr Func { get; init; }
    public required IReadOnlyList<Expr> Args { get; init; }          // may contain Starred
    public required IReadOnlyList<Keyword> Keywords { get; init; }   // Arg == null means **expr
}

public sealed class Keyword : Node
{
    public string? Arg { get; init; }
    public required Expr Value { get; init; }
}

public sealed class TupleExpr : Expr
{
    public required IReadOnlyList<Expr> Elts { get; init; }
    public ExprContext Ctx { get; init; }
}

public sealed class ListExpr : Expr
{
    public required IReadOnlyList<Expr> Elts { get; init; }
    public ExprContext Ctx { get; init; }
}

public sealed class SetExpr : Expr
{
    public required IReadOnlyList<Expr> Elts { get; init; }
}

/// <summary>{k: v, **m}: a null key means the value is unpacked with **.</summary>
public sealed class DictExpr : Expr
{
    public required IReadOnlyList<Expr?> Keys { get; init; }
    public required IReadOnlyList<Expr> Values { get; init; }
}

public sealed class Comprehension : Node
{
    public required Expr Target { get; init; }
    public required Expr Iter { get; init; }
    public required IReadOnlyList<Expr> Ifs { get; init; }
    public bool IsAsync { get; init; }
}

public sealed class ListComp : Expr
{
    public required Expr Elt { get; init; }
    public required IReadOnlyList<Comprehension> Generators { get; init; }
}

public sealed class SetComp : Expr
{
    public required Expr Elt { get; init; }
    public required IReadOnlyList<Comprehension> Generators { get; init; }
}

public sealed class DictComp : Expr
{
    public required Expr Key { get; init; }
    public required Expr Value { get; init; }
    public required IReadOnlyList<Comprehension> Generators { get; init; }
}

public sealed class GeneratorExp : Expr
{
    public required Expr Elt { get; init; }
    public required IReadOnlyList<Comprehension> Generators { get; init; }
}

public sealed class Await : Expr
{
    public required Expr Value { get; init; }
}

public sealed class Yield : Expr
{
    public Expr? Value { get; init; }
}

public sealed class YieldFrom : Expr
{
    public required Expr Value { get; init; }
}
