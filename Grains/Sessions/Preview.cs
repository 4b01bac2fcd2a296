using System.Globalization;
using System.Text;
using LiveOrleans.Events;

namespace LiveOrleans.Grains.Sessions;

/// <summary>The card preview: a message's text on one line, cut to at most 80 characters, ending in … when cut.</summary>
public static class Preview
{
    public const int MaxLength = 80;

    public static string Of(MessageContent message)
    {
        if (!string.IsNullOrWhiteSpace(message.Text)) return Cut(message.Text);
        if (message.Attachments is { Count: > 0 } attachments)
        {
            var first = attachments[0];
            return Cut($"[{first.Type.ToString().ToLowerInvariant()}] {first.Name ?? ""}".TrimEnd());
        }
        return "";
    }

    /// <summary>Collapses white space and cuts on text-element boundaries, so emoji and accents are never split.</summary>
    public static string Cut(string text)
    {
        var line = new StringBuilder(Math.Min(text.Length, 256));
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                space = line.Length > 0;
                continue;
            }
            if (space) line.Append(' ');
            space = false;
            line.Append(c);
            if (line.Length > MaxLength * 4) break;
        }
        var flat = line.ToString();
        var info = new StringInfo(flat);
        if (info.LengthInTextElements <= MaxLength) return flat;
        return info.SubstringByTextElements(0, MaxLength - 1).TrimEnd() + "…";
    }
}
