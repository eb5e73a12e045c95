using System.Text;

namespace LstmGen.Generator.Helpers;

/// <summary>Writes C# text line by line with four-space indentation.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _text = new(capacity: 16 * 1024);
    private int _indent;

    public void Line(string line = "")
    {
        if (line.Length > 0) _text.Append(' ', 4 * _indent).Append(line);
        _text.Append('\n');
    }

    /// <summary>Writes <paramref name="header"/> and an opening brace, and indents until <see cref="Close"/>.</summary>
    public void Open(string header)
    {
        Line(header);
        Line("{");
        _indent++;
    }

    /// <summary>Opens a block below a header already written (a declaration with documentation lines above it).</summary>
    public void Open()
    {
        Line("{");
        _indent++;
    }

    public void Close(string closing = "}")
    {
        _indent--;
        Line(closing);
    }

    public override string ToString() => _text.ToString();
}
