using System;
using System.IO;

namespace LstmGen.Tests.Support;

/// <summary>
/// A read-only stream that cannot seek or report its length, like a pipe or a network stream, and hands out at
/// most <paramref name="chunk"/> bytes per read to exercise partial reads.
/// </summary>
internal sealed class NonSeekableStream(byte[] bytes, int chunk = 3) : Stream
{
    private readonly MemoryStream _inner = new(bytes, writable: false);

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, chunk));
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
