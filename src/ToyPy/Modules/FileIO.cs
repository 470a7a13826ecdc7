using System.Text;
using ToyPy.Objects;
using ToyPy.Runtime;

namespace ToyPy.Modules;

/// <summary>
/// A file opened by open() (Modules/_io): text files (_io.TextIOWrapper)
/// decode with universal newlines and encode on write; binary files
/// (_io.BufferedReader / BufferedWriter / BufferedRandom) move bytes.
/// Reads and writes are buffered here (8 KiB, like CPython's full
/// buffering for files): the write buffer is flushed when full, before
/// reads, seeks and tells, on flush(), close() and deallocation, and at
/// process exit for files still open then (CPython flushes those at
/// shutdown). Every read and write of the underlying file is a blocking call
/// (BlockingCall.Run).
/// </summary>
public sealed class PyFile : PyObject
{
    public static readonly PyType TextIOWrapperType = MakeType("TextIOWrapper");
    public static readonly PyType BufferedReaderType = MakeType("BufferedReader");
    public static readonly PyType BufferedWriterType = MakeType("BufferedWriter");
    public static readonly PyType BufferedRandomType = MakeType("BufferedRandom");

    /// <summary>io.UnsupportedOperation (an OSError; CPython's is also a ValueError, which single inheritance cannot express).</summary>
    public static readonly PyType UnsupportedOperation = StaticTypeRegistry.Register(
        new PyType(PyTypes.Type, "UnsupportedOperation", ExceptionTypes.OSError, "io")
        {
            New = PyBaseException.TypeNew,
            Alloc = PyBaseException.Alloc,
        });

    private static PyType MakeType(string name)
    {
        var t = StaticTypeRegistry.Register(PyType.NewBuiltin(name, PyTypes.Object));
        t.ModuleName = "_io";
        return t;
    }

    private FileStream? _stream;
    private PyObject? _name;
    private readonly string _mode;
    public readonly bool Binary;
    private readonly bool _readable, _writable, _append;
    private readonly Encoding? _encoding;
    private readonly string _encodingName;
    private readonly string? _newline;
    private readonly string _errors;
    private Decoder? _decoder;

    // Read-ahead: bytes for binary files, decoded (newline-translated) text for text files.
    private byte[] _rbuf = Array.Empty<byte>();
    private int _rpos, _rlen;
    private string _text = "";
    private int _tpos;
    private bool _pendingCR, _eof;

    private const int ChunkSize = 8192;

    // Pending writes.
    private byte[] _wbuf = Array.Empty<byte>();
    private int _wlen;

    /// <summary>Files with a write side that are still open: flushed when the process exits.</summary>
    private static readonly HashSet<PyFile> s_openForWriting = new(ReferenceEqualityComparer.Instance);

    private PyFile(PyType type, FileStream stream, PyObject name, string mode, bool binary, bool readable, bool writable,
        bool append, Encoding? encoding, string encodingName, string? newline, string errors) : base(type)
    {
        _stream = stream;
        name.Incref();
        _name = name;
        _mode = mode;
        Binary = binary;
        _readable = readable; _writable = writable; _append = append;
        _encoding = encoding;
        _encodingName = encodingName;
        _newline = newline;
        _errors = errors;
        _decoder = encoding?.GetDecoder();
        if (writable) lock (s_openForWriting) s_openForWriting.Add(this);
    }

    static PyFile()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            PyFile[] open;
            lock (s_openForWriting) open = s_openForWriting.ToArray();
            foreach (var f in open)
            {
                try { f.FlushWriteRaw(); } catch (Exception) { }
            }
        };
        foreach (var t in new[] { TextIOWrapperType, BufferedReaderType, BufferedWriterType, BufferedRandomType })
            AddMethods(t);
    }

    public bool Closed => _stream is null;

    private FileStream Stream => _stream ?? throw Exc.ValueError("I/O operation on closed file.");

    private static PyException Unsupported(string what) => Exc.New(UnsupportedOperation, what);

    private void CheckReadable()
    {
        _ = Stream;
        if (!_readable) throw Unsupported("not readable");
    }

    private void CheckWritable()
    {
        _ = Stream;
        if (!_writable) throw Unsupported("not writable");
    }

    // ------------------------------------------------------------------ opening

    /// <summary>Validate open()'s mode string as _io.open does; returns (read, write, append, create, plus, binary).</summary>
    private static (bool r, bool w, bool a, bool x, bool plus, bool b) ParseMode(string mode)
    {
        bool r = false, w = false, a = false, x = false, plus = false, b = false, t = false;
        foreach (char c in mode)
        {
            if ("axrwb+t".IndexOf(c) < 0 || mode.Count(ch => ch == c) > 1) throw Exc.ValueError($"invalid mode: {PyStr.ReprOf(mode)}");
            switch (c)
            {
                case 'r': r = true; break;
                case 'w': w = true; break;
                case 'a': a = true; break;
                case 'x': x = true; break;
                case '+': plus = true; break;
                case 'b': b = true; break;
                case 't': t = true; break;
            }
        }
        if (t && b) throw Exc.ValueError("can't have text and binary mode at once");
        int kinds = (r ? 1 : 0) + (w ? 1 : 0) + (a ? 1 : 0) + (x ? 1 : 0);
        if (kinds != 1) throw Exc.ValueError("must have exactly one of create/read/write/append mode");
        return (r, w, a, x, plus, b);
    }

    /// <summary>open(file, mode='r', buffering=-1, encoding=None, errors=None, newline=None).</summary>
    public static PyObject Open(ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        var p = ArgParser.Parse("open", args, kwnames, 1, 8, "file", "mode", "buffering", "encoding", "errors", "newline", "closefd", "opener");
        var file = p[0]!;
        string path = OsModule.PathArg(file);
        string mode = "r";
        if (p[1] is not null)
        {
            if (p[1] is not PyStr ms) throw Exc.TypeError($"open() argument 'mode' must be str, not {p[1]!.Type.Name}");
            mode = ms.Value;
        }
        string? OptStr(PyObject? o, string what)
        {
            if (o is null || o is PyNone) return null;
            if (o is PyStr s) return s.Value;
            throw Exc.TypeError($"open() argument '{what}' must be str or None, not {o.Type.Name}");
        }
        string? encoding = OptStr(p[3], "encoding");
        string? errors = OptStr(p[4], "errors");
        string? newline = OptStr(p[5], "newline");
        var (r, w, a, x, plus, b) = ParseMode(mode);
        if (b && encoding is not null) throw Exc.ValueError("binary mode doesn't take an encoding argument");
        if (b && errors is not null) throw Exc.ValueError("binary mode doesn't take an errors argument");
        if (b && newline is not null) throw Exc.ValueError("binary mode doesn't take a newline argument");
        if (newline is not null && newline is not ("" or "\n" or "\r" or "\r\n")) throw Exc.ValueError($"illegal newline value: {newline}");
        Encoding? enc = b ? null : TextCodecs.Get(encoding ?? "utf-8", errors ?? "strict");

        if (path.IndexOf('\0') >= 0) throw Exc.ValueError("embedded null byte");
        if (Directory.Exists(path))
            throw Exc.OSError(21, "Is a directory", path);
        FileMode fm = r ? FileMode.Open : w ? FileMode.Create : x ? FileMode.CreateNew : (plus ? FileMode.OpenOrCreate : FileMode.Append);
        FileAccess fa = plus ? FileAccess.ReadWrite : r ? FileAccess.Read : FileAccess.Write;
        if (r && !File.Exists(path)) throw Exc.OSError(2, "No such file or directory", path);
        if (x && File.Exists(path)) throw Exc.OSError(17, "File exists", path);
        if (!r)
        {
            string? parent = Path.GetDirectoryName(Path.GetFullPath(path));
            if (parent is not null && !Directory.Exists(parent))
                throw File.Exists(parent) ? Exc.OSError(20, "Not a directory", path) : Exc.OSError(2, "No such file or directory", path);
        }
        var ts = PyThreadState.Current;
        FileStream stream;
        try
        {
            stream = BlockingCall.Run(ts, () => new FileStream(path, fm, fa, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0));
            if (a && plus) stream.Seek(0, SeekOrigin.End);
        }
        catch (UnauthorizedAccessException) { throw Exc.OSError(13, "Permission denied", path); }
        catch (FileNotFoundException) { throw Exc.OSError(2, "No such file or directory", path); }
        catch (DirectoryNotFoundException) { throw Exc.OSError(2, "No such file or directory", path); }
        catch (IOException e) when (e is not PathTooLongException) { throw Exc.OSError(5, "Input/output error", path); }

        bool readable = r || plus, writable = !r || plus;
        PyType type;
        string shownMode;
        if (b)
        {
            type = plus ? BufferedRandomType : r ? BufferedReaderType : BufferedWriterType;
            // FileIO.mode: the canonical binary mode ('rb', 'wb', 'ab', 'xb', 'rb+', 'ab+', ...).
            shownMode = x ? (plus ? "xb+" : "xb") : a ? (plus ? "ab+" : "ab") : plus ? "rb+" : r ? "rb" : "wb";
        }
        else
        {
            type = TextIOWrapperType;
            shownMode = mode;
        }
        return new PyFile(type, stream, file, shownMode, b, readable, writable, a, enc, encoding ?? "UTF-8", newline, errors ?? "strict");
    }

    // ------------------------------------------------------------------ reading: binary

    private bool FillBytes()
    {
        if (_rpos < _rlen) return true;
        FlushWrite();
        if (_rbuf.Length == 0) _rbuf = new byte[ChunkSize];
        var s = Stream;
        var buf = _rbuf;
        int n = BlockingCall.Run(PyThreadState.Current, () => s.Read(buf, 0, buf.Length));
        _rpos = 0; _rlen = n;
        return n > 0;
    }

    /// <summary>Up to n bytes (all remaining for n &lt; 0).</summary>
    private byte[] ReadBytes(long n)
    {
        var ms = new MemoryStream();
        while (n < 0 || ms.Length < n)
        {
            if (!FillBytes()) break;
            int take = (int)(n < 0 ? _rlen - _rpos : Math.Min(_rlen - _rpos, n - ms.Length));
            ms.Write(_rbuf, _rpos, take);
            _rpos += take;
        }
        return ms.ToArray();
    }

    /// <summary>One line of bytes including its b'\n' (at most limit bytes when limit &gt;= 0).</summary>
    private byte[] ReadLineBytes(long limit)
    {
        var ms = new MemoryStream();
        while (limit < 0 || ms.Length < limit)
        {
            if (!FillBytes()) break;
            int end = Array.IndexOf(_rbuf, (byte)'\n', _rpos, _rlen - _rpos);
            int stop = end < 0 ? _rlen : end + 1;
            if (limit >= 0) stop = (int)Math.Min(stop, _rpos + (limit - ms.Length));
            ms.Write(_rbuf, _rpos, stop - _rpos);
            bool done = end >= 0 && stop == end + 1;
            _rpos = stop;
            if (done) break;
        }
        return ms.ToArray();
    }

    // ------------------------------------------------------------------ reading: text

    private bool Translating => _newline is null;

    /// <summary>Decode the next chunk into the text buffer; false at end of file with nothing added.</summary>
    private bool FillText()
    {
        if (_eof) return false;
        FlushWrite();
        var s = Stream;
        var bytes = new byte[ChunkSize];
        int n = BlockingCall.Run(PyThreadState.Current, () => s.Read(bytes, 0, bytes.Length));
        string chunk;
        try
        {
            var chars = new char[_encoding!.GetMaxCharCount(Math.Max(n, 1)) + 2];
            int c = _decoder!.GetChars(bytes, 0, n, chars, 0, flush: n == 0);
            chunk = new string(chars, 0, c);
        }
        catch (DecoderFallbackException ex)
        {
            byte bad = ex.BytesUnknown is { Length: > 0 } bu ? bu[0] : (byte)0;
            int pos = Math.Max(ex.Index, 0);
            // UTF-8's reasons: a lead byte cut short by the end of the data or by a non-continuation byte, or a stray byte.
            string why = bad is >= 0xC2 and <= 0xF4 && TextCodecs.CanonicalName(_encodingName) == "utf-8"
                ? (n == 0 || pos + (ex.BytesUnknown?.Length ?? 1) >= n ? "unexpected end of data" : "invalid continuation byte")
                : "invalid start byte";
            throw Exc.UnicodeDecodeError($"'{TextCodecs.CanonicalName(_encodingName)}' codec can't decode byte 0x{bad:x2} in position {pos}: {why}");
        }
        if (n == 0) _eof = true;
        if (Translating)
        {
            var sb = new StringBuilder(chunk.Length + 1);
            int i = 0;
            if (_pendingCR)
            {
                _pendingCR = false;
                sb.Append('\n');
                if (chunk.Length > 0 && chunk[0] == '\n') i = 1;
            }
            for (; i < chunk.Length; i++)
            {
                char ch = chunk[i];
                if (ch != '\r') { sb.Append(ch); continue; }
                if (i + 1 < chunk.Length) { sb.Append('\n'); if (chunk[i + 1] == '\n') i++; }
                else if (_eof) sb.Append('\n');
                else _pendingCR = true; // decide when the next chunk shows whether '\n' follows
            }
            chunk = sb.ToString();
        }
        if (_tpos > 0) { _text = _text.Substring(_tpos); _tpos = 0; }
        _text += chunk;
        return chunk.Length > 0 || !_eof || _pendingCR;
    }

    private int TextAvailable => _text.Length - _tpos;

    private string TakeText(int n)
    {
        string r = _text.Substring(_tpos, n);
        _tpos += n;
        if (_tpos == _text.Length) { _text = ""; _tpos = 0; }
        return r;
    }

    /// <summary>Up to n characters (all remaining for n &lt; 0).</summary>
    private string ReadText(long n)
    {
        if (n < 0)
        {
            while (FillText()) { }
            return TakeText(TextAvailable);
        }
        while (TextAvailable < n && FillText()) { }
        return TakeText((int)Math.Min(n, TextAvailable));
    }

    /// <summary>The end (exclusive) of the first line in the buffer, or -1 if more text is needed to tell.</summary>
    private int FindLineEnd()
    {
        switch (_newline)
        {
            case null:
            case "\n":
            {
                int i = _text.IndexOf('\n', _tpos);
                return i < 0 ? -1 : i + 1;
            }
            case "":
            {
                for (int i = _tpos; i < _text.Length; i++)
                {
                    if (_text[i] == '\n') return i + 1;
                    if (_text[i] == '\r')
                    {
                        if (i + 1 < _text.Length) return _text[i + 1] == '\n' ? i + 2 : i + 1;
                        return _eof ? i + 1 : -1;
                    }
                }
                return -1;
            }
            default:
            {
                int i = _text.IndexOf(_newline, _tpos, StringComparison.Ordinal);
                return i < 0 ? -1 : i + _newline.Length;
            }
        }
    }

    /// <summary>One line including its terminator ("" at end of file), at most limit characters when limit &gt;= 0.</summary>
    private string ReadLineText(long limit)
    {
        while (true)
        {
            int end = FindLineEnd();
            if (end >= 0)
            {
                int len = end - _tpos;
                if (limit >= 0 && len > limit) len = (int)limit;
                return TakeText(len);
            }
            if (limit >= 0 && TextAvailable >= limit) return TakeText((int)limit);
            if (!FillText()) return TakeText(TextAvailable);
        }
    }

    /// <summary>Give back read-ahead to the file position (before a write, seek or tell).</summary>
    private void DropReadAhead(bool rewind = true)
    {
        var s = Stream;
        FlushWrite();
        long back = 0;
        if (Binary) back = _rlen - _rpos;
        else
        {
            if (TextAvailable > 0) back = _encoding!.GetByteCount(_text.Substring(_tpos));
            if (_pendingCR) back++;
            _decoder!.Reset();
        }
        if (rewind && back > 0 && s.CanSeek) s.Seek(-back, SeekOrigin.Current);
        _rpos = _rlen = 0;
        _text = ""; _tpos = 0;
        _pendingCR = false; _eof = false;
    }

    // ------------------------------------------------------------------ writing

    private void WriteBytes(byte[] data)
    {
        _ = Stream;
        // Binary files write at the logical position; text files drop their decoded read-ahead
        // and write where the underlying reads left off, as TextIOWrapper does.
        if (_rpos < _rlen || _tpos < _text.Length || _pendingCR || _eof) DropReadAhead(rewind: Binary);
        if (_wlen + data.Length > ChunkSize) FlushWrite();
        if (data.Length >= ChunkSize)
        {
            var s = Stream;
            BlockingCall.Run(PyThreadState.Current, () => WriteRaw(s, data, data.Length));
            return;
        }
        if (_wbuf.Length < ChunkSize) Array.Resize(ref _wbuf, ChunkSize);
        Buffer.BlockCopy(data, 0, _wbuf, _wlen, data.Length);
        _wlen += data.Length;
    }

    private void WriteRaw(FileStream s, byte[] data, int count)
    {
        if (_append) s.Seek(0, SeekOrigin.End);
        s.Write(data, 0, count);
    }

    /// <summary>Hand the pending writes to the operating system (a blocking call).</summary>
    private void FlushWrite()
    {
        if (_wlen == 0 || _stream is null) return;
        BlockingCall.Run(PyThreadState.Current, FlushWriteRaw);
    }

    private void FlushWriteRaw()
    {
        var s = _stream;
        int n = _wlen;
        if (n == 0 || s is null) return;
        _wlen = 0;
        WriteRaw(s, _wbuf, n);
    }

    /// <summary>Close the file (idempotent); the operating system already has every byte written.</summary>
    public void CloseFile()
    {
        var s = _stream;
        if (s is null) return;
        try { FlushWrite(); }
        finally
        {
            _stream = null;
            _wbuf = Array.Empty<byte>();
            _wlen = 0;
            lock (s_openForWriting) s_openForWriting.Remove(this);
            BlockingCall.Run(PyThreadState.Current, () => s.Dispose());
        }
    }

    // ------------------------------------------------------------------ protocols

    public override PyStr Repr()
    {
        string name = _name is null ? "None" : Ops.ReprString(_name);
        string tn = Type.ReprName;
        return PyStr.FromString(Binary
            ? $"<{tn} name={name}>"
            : $"<{tn} name={name} mode={PyStr.ReprOf(_mode)} encoding={PyStr.ReprOf(_encodingName)}>");
    }

    public override PyObject GetIter()
    {
        _ = Stream;
        return NewRef();
    }

    public override PyObject? Next()
    {
        CheckReadable();
        if (Binary)
        {
            var line = ReadLineBytes(-1);
            return line.Length == 0 ? null : PyBytes.FromBytes(line);
        }
        var s = ReadLineText(-1);
        return s.Length == 0 ? null : PyStr.FromString(s);
    }

    public override void Traverse(Action<PyObject> visit) { if (_name is not null) visit(_name); }

    protected internal override void ClearReferences()
    {
        try { CloseFile(); }
        catch (PyException e) { e.Value.Decref(); }
        catch (Exception) { _stream = null; }
        var n = _name;
        _name = null;
        n?.Decref();
    }

    // ------------------------------------------------------------------ methods

    private static PyFile Self(ReadOnlySpan<PyObject> a, string name)
    {
        if (a.Length == 0 || a[0] is not PyFile f) throw Exc.TypeError($"descriptor '{name}' requires a file object");
        return f;
    }

    private static long SizeArg(ReadOnlySpan<PyObject> a, int i)
    {
        if (a.Length <= i || a[i] is PyNone) return -1;
        if (a[i] is not PyInt) throw Exc.TypeError($"argument should be integer or None, not '{a[i].Type.Name}'");
        return Ops.IndexAsLong(a[i]);
    }

    private static void AddMethods(PyType t)
    {
        // read(size=-1): up to size characters (bytes), or everything left.
        t.AddMethod("read", (a, k) =>
        {
            ArgParser.Positional("read", a, k, 1, 2);
            var f = Self(a, "read");
            f.CheckReadable();
            long n = SizeArg(a, 1);
            return f.Binary ? PyBytes.FromBytes(f.ReadBytes(n)) : PyStr.FromString(f.ReadText(n));
        });
        // readline(size=-1): the next line, with its newline; empty at end of file.
        t.AddMethod("readline", (a, k) =>
        {
            ArgParser.Positional("readline", a, k, 1, 2);
            var f = Self(a, "readline");
            f.CheckReadable();
            long n = SizeArg(a, 1);
            return f.Binary ? PyBytes.FromBytes(f.ReadLineBytes(n)) : PyStr.FromString(f.ReadLineText(n));
        });
        // readlines(hint=-1): the remaining lines as a list (stopping once hint characters are read).
        t.AddMethod("readlines", (a, k) =>
        {
            ArgParser.Positional("readlines", a, k, 1, 2);
            var f = Self(a, "readlines");
            f.CheckReadable();
            long hint = SizeArg(a, 1);
            var list = new PyList();
            long total = 0;
            while (f.Next() is { } line)
            {
                total += line.Length();
                list.AppendStealing(line);
                if (hint > 0 && total >= hint) break;
            }
            return list;
        });
        // write(s): write a str (text) or bytes (binary); returns the length written.
        t.AddMethod("write", (a, k) =>
        {
            ArgParser.Positional("write", a, k, 2, 2);
            var f = Self(a, "write");
            f.CheckWritable();
            if (f.Binary)
            {
                if (a[1] is not PyBytes b) throw Exc.TypeError($"a bytes-like object is required, not '{a[1].Type.Name}'");
                f.WriteBytes(b.Value);
                return PyInt.FromLong(b.Value.Length);
            }
            if (a[1] is not PyStr s) throw Exc.TypeError($"write() argument must be str, not {a[1].Type.Name}");
            string text = s.Value;
            if (f._newline is "\r" or "\r\n") text = text.Replace("\n", f._newline);
            byte[] bytes;
            try { bytes = f._encoding!.GetBytes(text); }
            catch (EncoderFallbackException) { bytes = TextCodecs.Encode(text, f._encodingName, f._errors); } // raises with CPython's message
            f.WriteBytes(bytes);
            return PyInt.FromLong(s.Value.Length);
        });
        // writelines(lines): write each string of an iterable (no newlines added).
        t.AddMethod("writelines", (a, k) =>
        {
            ArgParser.Positional("writelines", a, k, 2, 2);
            var f = Self(a, "writelines");
            f.CheckWritable();
            using var it = new TempRef(Ops.GetIter(a[1]));
            using var write = new TempRef(Ops.GetAttr(f, "write"));
            while (Ops.Next(it.Value) is { } line)
            {
                try { Ops.Call1(write.Value, line).Decref(); } finally { line.Decref(); }
            }
            return PyNone.Instance.NewRef();
        });
        // close(): close the file; further operations raise ValueError.
        t.AddMethod("close", (a, k) => { Self(a, "close").CloseFile(); return PyNone.Instance.NewRef(); });
        // flush(): write out the buffered data.
        t.AddMethod("flush", (a, k) => { var f = Self(a, "flush"); _ = f.Stream; f.FlushWrite(); return PyNone.Instance.NewRef(); });
        // readable() / writable() / seekable(): what the mode allows.
        t.AddMethod("readable", (a, k) => { var f = Self(a, "readable"); _ = f.Stream; return PyBool.From(f._readable); });
        t.AddMethod("writable", (a, k) => { var f = Self(a, "writable"); _ = f.Stream; return PyBool.From(f._writable); });
        t.AddMethod("seekable", (a, k) => { var f = Self(a, "seekable"); return PyBool.From(f.Stream.CanSeek); });
        // fileno(): the operating system's file descriptor.
        t.AddMethod("fileno", (a, k) => PyInt.FromLong((long)Self(a, "fileno").Stream.SafeFileHandle.DangerousGetHandle()));
        // tell(): the current position (a byte offset).
        t.AddMethod("tell", (a, k) =>
        {
            var f = Self(a, "tell");
            var s = f.Stream;
            f.DropReadAhead();
            return PyInt.FromLong(s.Position);
        });
        // seek(offset, whence=0): move to offset from the start (0), current position (1) or end (2).
        t.AddMethod("seek", (a, k) =>
        {
            ArgParser.Positional("seek", a, k, 2, 3);
            var f = Self(a, "seek");
            var s = f.Stream;
            long offset = Ops.IndexAsLong(a[1]);
            int whence = a.Length > 2 ? Ops.IndexAsInt(a[2]) : 0;
            if (whence is < 0 or > 2) throw Exc.ValueError($"invalid whence ({whence}, should be 0, 1 or 2)");
            if (!f.Binary && whence == 1 && offset != 0) throw Unsupported("can't do nonzero cur-relative seeks");
            if (!f.Binary && whence == 2 && offset != 0) throw Unsupported("can't do nonzero end-relative seeks");
            if (whence == 0 && offset < 0) throw Exc.ValueError($"negative seek position {offset}");
            f.DropReadAhead();
            long pos = BlockingCall.Run(PyThreadState.Current, () => s.Seek(offset, (SeekOrigin)whence));
            return PyInt.FromLong(pos);
        });
        // __enter__(): the file itself.
        t.AddMethod("__enter__", (a, k) => { var f = Self(a, "__enter__"); _ = f.Stream; return f.NewRef(); });
        // __exit__(*exc_info): close the file; exceptions propagate.
        t.AddMethod("__exit__", (a, k) => { Self(a, "__exit__").CloseFile(); return PyNone.Instance.NewRef(); });
        t.AddMethod("__iter__", (a, k) => Self(a, "__iter__").GetIter());
        t.AddMethod("__next__", (a, k) => Self(a, "__next__").Next() ?? throw Exc.StopIteration());
        t.AddMethod("__repr__", (a, k) => Self(a, "__repr__").Repr());
        AddGetter(t, "closed", f => PyBool.From(f.Closed));
        AddGetter(t, "name", f => (f._name ?? PyNone.Instance).NewRef());
        AddGetter(t, "mode", f => PyStr.FromString(f._mode));
        if (t == TextIOWrapperType)
        {
            AddGetter(t, "encoding", f => PyStr.FromString(f._encodingName));
            AddGetter(t, "newlines", f => PyNone.Instance.NewRef());
        }
    }

    private static void AddGetter(PyType t, string name, Func<PyFile, PyObject> get)
    {
        var d = new PyGetSetDescriptor(name, t, o => get((PyFile)o));
        t.AddAttr(name, d);
        d.Decref();
    }
}

/// <summary>The builtin open() and the io module.</summary>
public static class FileIO
{
    /// <summary>open(file, mode='r', buffering=-1, encoding=None, errors=None, newline=None): a file object.</summary>
    public static PyObject Open(ReadOnlySpan<PyObject> args, PyTuple? kwnames) => PyFile.Open(args, kwnames);

    /// <summary>The io module: open, the file types and UnsupportedOperation.</summary>
    public static PyModule CreateIoModule(Interpreter interp)
    {
        var m = new PyModule("io");
        m.AddFunction("open", Open);
        m.Dict.SetItemString("TextIOWrapper", PyFile.TextIOWrapperType);
        m.Dict.SetItemString("BufferedReader", PyFile.BufferedReaderType);
        m.Dict.SetItemString("BufferedWriter", PyFile.BufferedWriterType);
        m.Dict.SetItemString("BufferedRandom", PyFile.BufferedRandomType);
        m.Dict.SetItemString("UnsupportedOperation", PyFile.UnsupportedOperation);
        m.AddObjectStealing("DEFAULT_BUFFER_SIZE", PyInt.FromLong(8192));
        m.AddObjectStealing("SEEK_SET", PyInt.FromLong(0));
        m.AddObjectStealing("SEEK_CUR", PyInt.FromLong(1));
        m.AddObjectStealing("SEEK_END", PyInt.FromLong(2));
        return m;
    }
}
