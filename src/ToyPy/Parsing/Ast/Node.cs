namespace ToyPy.Parsing.Ast;

/// <summary>
/// Base of every syntax tree node. Positions follow CPython's ast module:
/// Line is 1-based, Column is the 0-based offset of the first character.
/// The tree mirrors Python's own ast (https://docs.python.org/3.11/library/ast.html)
/// so the compiler can follow CPython's Python/compile.c case by case.
/// </summary>
public abstract class Node
{
    public int Line { get; init; }
    public int Column { get; init; }
    public int EndLine { get; init; }
    public int EndColumn { get; init; }
}

public abstract class Expr : Node { }
public abstract class Stmt : Node { }

/// <summary>Whether a Name/Attribute/Subscript/Starred/Tuple/List is read, written or deleted.</summary>
public enum ExprContext : byte { Load, Store, Del }

public enum BinaryOperator : byte
{
    Add, Sub, Mult, MatMult, Div, Mod, Pow, LShift, RShift, BitOr, BitXor, BitAnd, FloorDiv,
}

public enum UnaryOperator : byte { Invert, Not, UAdd, USub }

public enum BoolOperator : byte { And, Or }

public enum CompareOperator : byte { Eq, NotEq, Lt, LtE, Gt, GtE, Is, IsNot, In, NotIn }

/// <summary>The whole file.</summary>
public sealed class Module : Node
{
    public required IReadOnlyList<Stmt> Body { get; init; }
}
