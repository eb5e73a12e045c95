using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace LstmGen.Generator.CompiledWeights;

/// <summary>
/// A small JSON reader for safetensors headers (the generator targets netstandard2.0, without System.Text.Json).
/// Objects become dictionaries, arrays lists, numbers doubles; malformed input throws <see cref="FormatException"/>.
/// </summary>
internal sealed class JsonReader
{
    private const int MaxDepth = 16;
    private readonly string _text;
    private int _position;

    private JsonReader(string text) => _text = text;

    public static object? Parse(string text)
    {
        var reader = new JsonReader(text);
        object? value = reader.ReadValue(depth: 0);
        reader.SkipWhitespace();
        if (reader._position != text.Length)
            throw reader.Error("unexpected text after the JSON value");
        return value;
    }

    private object? ReadValue(int depth)
    {
        if (depth > MaxDepth) throw Error("nesting too deep");
        SkipWhitespace();
        if (_position >= _text.Length) throw Error("unexpected end");
        char c = _text[_position];
        switch (c)
        {
            case '{': return ReadObject(depth);
            case '[': return ReadArray(depth);
            case '"': return ReadString();
            case 't': Expect("true"); return true;
            case 'f': Expect("false"); return false;
            case 'n': Expect("null"); return null;
            default:
                if (c == '-' || (c >= '0' && c <= '9')) return ReadNumber();
                throw Error($"unexpected '{c}'");
        }
    }

    private Dictionary<string, object?> ReadObject(int depth)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        _position++; // {
        SkipWhitespace();
        if (Peek() == '}') { _position++; return result; }
        while (true)
        {
            SkipWhitespace();
            if (Peek() != '"') throw Error("expected a property name");
            string key = ReadString();
            SkipWhitespace();
            if (Peek() != ':') throw Error("expected ':'");
            _position++;
            if (result.ContainsKey(key)) throw Error($"duplicate key '{key}'");
            result[key] = ReadValue(depth + 1);
            SkipWhitespace();
            char next = Peek();
            _position++;
            if (next == '}') return result;
            if (next != ',') throw Error("expected ',' or '}'");
        }
    }

    private List<object?> ReadArray(int depth)
    {
        var result = new List<object?>();
        _position++; // [
        SkipWhitespace();
        if (Peek() == ']') { _position++; return result; }
        while (true)
        {
            result.Add(ReadValue(depth + 1));
            SkipWhitespace();
            char next = Peek();
            _position++;
            if (next == ']') return result;
            if (next != ',') throw Error("expected ',' or ']'");
        }
    }

    private string ReadString()
    {
        var builder = new StringBuilder();
        _position++; // "
        while (true)
        {
            if (_position >= _text.Length) throw Error("unterminated string");
            char c = _text[_position++];
            if (c == '"') return builder.ToString();
            if (c != '\\') { builder.Append(c); continue; }
            if (_position >= _text.Length) throw Error("unterminated escape");
            char escape = _text[_position++];
            switch (escape)
            {
                case '"': case '\\': case '/': builder.Append(escape); break;
                case 'b': builder.Append('\b'); break;
                case 'f': builder.Append('\f'); break;
                case 'n': builder.Append('\n'); break;
                case 'r': builder.Append('\r'); break;
                case 't': builder.Append('\t'); break;
                case 'u':
                    if (_position + 4 > _text.Length ||
                        !ushort.TryParse(_text.Substring(_position, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ushort code))
                        throw Error("bad \\u escape");
                    builder.Append((char)code);
                    _position += 4;
                    break;
                default: throw Error($"bad escape '\\{escape}'");
            }
        }
    }

    private double ReadNumber()
    {
        int start = _position;
        while (_position < _text.Length && "+-0123456789.eE".IndexOf(_text[_position]) >= 0) _position++;
        string token = _text.Substring(start, _position - start);
        if (!double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            throw Error($"bad number '{token}'");
        return value;
    }

    private void Expect(string word)
    {
        if (string.CompareOrdinal(_text, _position, word, 0, word.Length) != 0) throw Error($"expected '{word}'");
        _position += word.Length;
    }

    private char Peek() => _position < _text.Length ? _text[_position] : '\0';

    private void SkipWhitespace()
    {
        while (_position < _text.Length && char.IsWhiteSpace(_text[_position])) _position++;
    }

    private FormatException Error(string what) => new($"invalid JSON header at character {_position}: {what}");
}
