using System.Linq;
using LstmGen.Tests.Support;
using Xunit;

namespace LstmGen.Tests.Generator;

/// <summary>A snapshot mismatch shows what changed, not every line after it.</summary>
public class SnapshotDiffTests
{
    private static string Lines(int count) => string.Concat(Enumerable.Range(1, count).Select(i => $"line {i}\n"));

    [Fact]
    public void An_inserted_line_is_one_plus_line_with_context()
    {
        string expected = Lines(30);

        Assert.Equal("""
            --- verified
            +++ received
            @@ -7,6 +7,7 @@
             line 7
             line 8
             line 9
            +inserted
             line 10
             line 11
             line 12
            """.Replace("\r\n", "\n"), Snapshot.Diff(expected, expected.Replace("line 9\n", "line 9\ninserted\n")));
    }

    [Fact]
    public void Changes_far_apart_are_separate_hunks()
    {
        string expected = Lines(40);

        string diff = Snapshot.Diff(expected, expected.Replace("line 5\n", "line five\n").Replace("line 35\n", "line thirty-five\n"));

        string[] lines = diff.Split('\n');
        Assert.Equal(["@@ -2,7 +2,7 @@", "@@ -32,7 +32,7 @@"], lines.Where(line => line.StartsWith("@@")));
        Assert.Equal(["-line 5", "-line 35"], lines.Where(line => line.StartsWith('-') && !line.StartsWith("---")));
        Assert.Equal(["+line five", "+line thirty-five"], lines.Where(line => line.StartsWith('+') && !line.StartsWith("+++")));
    }

    [Fact]
    public void A_long_diff_is_cut_with_a_count_of_the_rest()
    {
        string expected = Lines(100);

        string diff = Snapshot.Diff(expected, expected.Replace("line", "row"));

        // Headers, one hunk header, then 100 removed and 100 added lines: 203 in all.
        string[] lines = diff.Split('\n');
        Assert.Equal(Snapshot.MaxDiffLines + 1, lines.Length);
        Assert.Equal($"… {203 - Snapshot.MaxDiffLines} more diff lines (see the received file)", lines[^1]);
    }
}
