namespace ToyPy.Objects;

/// <summary>
/// Raising from host code: `throw Exc.TypeError("...")`. Each helper builds the
/// exception instance and wraps it in a PyException for the loop to catch.
/// </summary>
public static class Exc
{
    public static PyException New(PyType type, string message)
    {
        var e = new PyBaseException(type, PyTuple.Create(PyStr.FromString(message)));
        return new PyException(e);
    }

    public static PyException New(PyType type, params PyObject[] argsStolen)
    {
        var e = new PyBaseException(type, PyTuple.Create(argsStolen));
        return new PyException(e);
    }

    public static PyException TypeError(string m) => New(ExceptionTypes.TypeError, m);
    public static PyException ValueError(string m) => New(ExceptionTypes.ValueError, m);
    public static PyException IndexError(string m) => New(ExceptionTypes.IndexError, m);
    public static PyException AttributeError(string m) => New(ExceptionTypes.AttributeError, m);
    public static PyException NameError(string m) => New(ExceptionTypes.NameError, m);
    public static PyException UnboundLocalError(string m) => New(ExceptionTypes.UnboundLocalError, m);
    public static PyException ZeroDivisionError(string m) => New(ExceptionTypes.ZeroDivisionError, m);
    public static PyException OverflowError(string m) => New(ExceptionTypes.OverflowError, m);
    public static PyException RuntimeError(string m) => New(ExceptionTypes.RuntimeError, m);
    public static PyException RecursionError(string m) => New(ExceptionTypes.RecursionError, m);
    public static PyException NotImplementedError(string m) => New(ExceptionTypes.NotImplementedError, m);
    public static PyException ImportError(string m) => New(ExceptionTypes.ImportError, m);
    public static PyException ModuleNotFoundError(string m) => New(ExceptionTypes.ModuleNotFoundError, m);
    public static PyException AssertionError(string m) => New(ExceptionTypes.AssertionError, m);
    public static PyException StopIteration() => new(new PyBaseException(ExceptionTypes.StopIteration, PyTuple.Empty()));
    public static PyException EOFError(string m) => New(ExceptionTypes.EOFError, m);
    public static PyException SystemError(string m) => New(ExceptionTypes.SystemError, m);
    public static PyException UnicodeDecodeError(string m) => New(ExceptionTypes.UnicodeDecodeError, m);
    public static PyException UnicodeEncodeError(string m) => New(ExceptionTypes.UnicodeEncodeError, m);

    /// <summary>KeyError(key): the key itself is the argument (str(e) shows its repr).</summary>
    public static PyException KeyError(PyObject key) => New(ExceptionTypes.KeyError, key.NewRef());

    /// <summary>OSError(errno, strerror[, filename]) as the subclass for that errno.</summary>
    public static PyException OSError(int errno, string strerror, string? filename = null)
    {
        var t = ExceptionTypes.ForErrno(errno);
        return filename is null
            ? New(t, PyInt.FromLong(errno), PyStr.FromString(strerror))
            : New(t, PyInt.FromLong(errno), PyStr.FromString(strerror), PyStr.FromString(filename));
    }
}
