using System.Text;

namespace Lcrun.Output;

/// <summary>
/// Go's text/tabwriter as runc's list uses it (minwidth 12, padding 3, spaces): every column but the
/// last is as wide as its widest cell plus the padding, and at least the minimum.
/// </summary>
internal static class TabWriter
{
    public static string Format(IReadOnlyList<string[]> rows, int minWidth = 12, int padding = 3)
    {
        int columns = rows.Count == 0 ? 0 : rows.Max(r => r.Length);
        int[] widths = new int[columns];
        foreach (string[] row in rows)
        {
            for (int i = 0; i < row.Length - 1; i++)
            {
                widths[i] = Math.Max(widths[i], Math.Max(minWidth, row[i].Length + padding));
            }
        }
        var text = new StringBuilder();
        foreach (string[] row in rows)
        {
            for (int i = 0; i < row.Length; i++)
            {
                text.Append(i < row.Length - 1 ? row[i].PadRight(widths[i]) : row[i]);
            }
            text.Append('\n');
        }
        return text.ToString();
    }
}
